package awscli

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// This file ports the AWS CLI v1's output formatters (awscli/formatter.py,
// awscli/text.py, awscli/table.py), so that the AWS-named commands
// (create-invalidation, get-invalidation, list-invalidations) print what
// "aws cloudfront …" prints, byte for byte (issue 11 item 1). cfinv's own
// commands (invalidate, get, list, wait) print their JSON and query
// results through the same formatters, and their own text and table
// otherwise (Output.Print).
//
// Data is built from the SDK's types in the order of the service model's
// members, as botocore parses a response: objects are Object, lists []any,
// scalars string, int, bool or nil.

// KV is one member of an Object: its key and value.
type KV struct {
	K string
	V any
}

// Object is a JSON object that keeps the order of its members.
type Object []KV

func (m Object) get(k string) (any, bool) {
	for _, e := range m {
		if e.K == k {
			return e.V, true
		}
	}
	return nil, false
}

// keys returns m's keys, sorted as Python's sorted() sorts strings (by
// code point, as Go compares UTF-8 strings).
func (m Object) sortedKeys() []string {
	ks := make([]string, len(m))
	for i, e := range m {
		ks[i] = e.K
	}
	slices.Sort(ks)
	return ks
}

// generic turns ordered data into what go-jmespath searches.
func generic(v any) any {
	switch x := v.(type) {
	case Object:
		m := make(map[string]any, len(x))
		for _, e := range x {
			m[e.K] = generic(e.V)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = generic(e)
		}
		return out
	case int:
		return float64(x)
	}
	return v
}

// keyOrder orders the members of objects a query returns: go-jmespath
// returns Go maps, which have no order, where the AWS CLI's keep the order
// of the response (the service model's) or, for a multiselect hash
// ({a: x, b: y}), of the expression.
type keyOrder struct {
	query  []string   // keys of the query's multiselect hashes, in order
	shapes [][]string // members of the output's shapes, in model order
}

var multiselectKey = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`[{,]\s*("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*)\s*:`)
})

func newKeyOrder(query string, shapes [][]string) *keyOrder {
	o := &keyOrder{shapes: shapes}
	for _, m := range multiselectKey().FindAllStringSubmatch(query, -1) {
		k := m[1]
		if uq, err := strconv.Unquote(k); err == nil {
			k = uq
		}
		if !slices.Contains(o.query, k) {
			o.query = append(o.query, k)
		}
	}
	return o
}

// order returns keys in the order the AWS CLI would print them: that of
// the query when they are all keys of its multiselect hashes (an object
// the query built), else that of the first shape holding them all (an
// object of the response), else sorted.
func (o *keyOrder) order(keys []string) []string {
	slices.Sort(keys)
	rank := func(list []string) bool {
		for _, k := range keys {
			if !slices.Contains(list, k) {
				return false
			}
		}
		slices.SortStableFunc(keys, func(a, b string) int { return slices.Index(list, a) - slices.Index(list, b) })
		return true
	}
	if rank(o.query) {
		return keys
	}
	for _, s := range o.shapes {
		if rank(s) {
			return keys
		}
	}
	return keys
}

// ordered turns a go-jmespath result back into ordered data.
func (o *keyOrder) ordered(v any) any {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		out := make(Object, 0, len(x))
		for _, k := range o.order(keys) {
			out = append(out, KV{k, o.ordered(x[k])})
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = o.ordered(e)
		}
		return out
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int(x)
		}
	}
	return v
}

// pyStr is Python's str() of a scalar, as the text and table formatters
// print it.
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case float64:
		return pyFloat(x)
	case Object, []any:
		// Only reached for a dict or list where a scalar is expected
		// (a table row of mixed elements): Python prints its repr.
		return pyRepr(x)
	}
	return fmt.Sprint(v)
}

// pyFloat is Python's repr of a float: the shortest round-trip digits,
// always with a '.' or an exponent.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		if len(exp) == 2 { // e+5 → e+05
			exp = exp[:1] + "0" + exp[1:]
		}
		return mant + "e" + exp
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyRepr is Python's repr of a value, for the rare scalar position that
// holds a dict or list.
func pyRepr(v any) string {
	switch x := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(strings.ReplaceAll(x, `\`, `\\`), "'", `\'`) + "'"
	case Object:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e.K) + ": " + pyRepr(e.V)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return pyStr(v)
}

func isScalar(v any) bool {
	switch v.(type) {
	case Object, []any:
		return false
	}
	return true
}

// WriteJSON prints v as the AWS CLI's JSON formatter does: Python's
// json.dump with indent=4 and ensure_ascii=False, then a newline; an
// empty object prints nothing. A List in v is written as it gives its
// values, through a buffer: v is not printed into memory first.
func WriteJSON(w io.Writer, v any) error {
	if m, ok := v.(Object); ok && len(m) == 0 {
		return nil
	}
	bw := bufio.NewWriter(w)
	e := &pyEncoder{w: bw}
	e.encode(v, 0)
	bw.WriteByte('\n')
	return cmp.Or(e.err, bw.Flush())
}

// List is a list whose values are given one at a time to yield (which
// returns false to stop), so that WriteJSON writes a long list without
// anyone holding it (deploy's uploads). It returns the failure to read
// them, if any. Only WriteJSON takes one: Output.Print makes it a []any
// for the other formats and for a query.
type List func(yield func(any) bool) error

// pyWriter is what pyEncoder writes to: a strings.Builder or a
// bufio.Writer.
type pyWriter interface {
	io.Writer
	io.ByteWriter
	io.StringWriter
	WriteRune(r rune) (int, error)
}

// pyEncoder writes values as Python's json.dump(indent=4) does; err is
// the first failure of a List.
type pyEncoder struct {
	w   pyWriter
	err error
}

func (e *pyEncoder) encode(v any, depth int) {
	b := e.w
	nl := func(d int) {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat("    ", d))
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		if math.IsInf(x, 1) {
			b.WriteString("Infinity")
		} else if math.IsInf(x, -1) {
			b.WriteString("-Infinity")
		} else if math.IsNaN(x) {
			b.WriteString("NaN")
		} else {
			b.WriteString(pyFloat(x))
		}
	case string:
		pyQuote(b, x)
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, v := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			e.encode(v, depth+1)
		}
		nl(depth)
		b.WriteByte(']')
	case List:
		n := 0
		err := x(func(v any) bool {
			if n == 0 {
				b.WriteByte('[')
			} else {
				b.WriteByte(',')
			}
			n++
			nl(depth + 1)
			e.encode(v, depth+1)
			return e.err == nil
		})
		e.err = cmp.Or(e.err, err)
		if n == 0 {
			b.WriteString("[]")
			return
		}
		nl(depth)
		b.WriteByte(']')
	case Object:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, kv := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			pyQuote(b, kv.K)
			b.WriteString(": ")
			e.encode(kv.V, depth+1)
		}
		nl(depth)
		b.WriteByte('}')
	default:
		pyQuote(b, fmt.Sprint(x))
	}
}

// pyQuote writes s as json.dumps(s, ensure_ascii=False) does.
func pyQuote(b pyWriter, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// --- text (awscli/text.py) ---

// WriteText prints v as the AWS CLI's text formatter does.
func WriteText(w io.Writer, v any) error {
	var b strings.Builder
	pyFormatText(&b, v, "", false, nil)
	_, err := io.WriteString(w, b.String())
	return err
}

// pyFormatText is _format_text; hasID says whether identifier is set (the
// Python None), scalarKeys is nil for None.
func pyFormatText(b *strings.Builder, item any, identifier string, hasID bool, scalarKeys []string) {
	switch x := item.(type) {
	case Object:
		formatTextDict(b, scalarKeys, x, identifier, hasID)
	case []any:
		formatTextList(b, x, identifier, hasID)
	default:
		b.WriteString(pyStr(x))
		b.WriteByte('\n')
	}
}

func formatTextList(b *strings.Builder, item []any, identifier string, hasID bool) {
	if len(item) == 0 {
		return
	}
	anyDict, anyList := false, false
	for _, e := range item {
		switch e.(type) {
		case Object:
			anyDict = true
		case []any:
			anyList = true
		}
	}
	switch {
	case anyDict:
		keys := allScalarKeys(item)
		for _, e := range item {
			pyFormatText(b, e, identifier, hasID, keys)
		}
	case anyList:
		var scalars, rest []any
		for _, e := range item {
			if isScalar(e) {
				scalars = append(scalars, e)
			} else {
				rest = append(rest, e)
			}
		}
		if len(scalars) > 0 {
			formatScalarList(b, scalars, identifier, hasID)
		}
		for _, e := range rest {
			pyFormatText(b, e, identifier, hasID, nil)
		}
	default:
		formatScalarList(b, item, identifier, hasID)
	}
}

func formatScalarList(b *strings.Builder, elements []any, identifier string, hasID bool) {
	if hasID {
		for _, e := range elements {
			b.WriteString(strings.ToUpper(identifier) + "\t" + pyStr(e) + "\n")
		}
		return
	}
	parts := make([]string, len(elements))
	for i, e := range elements {
		parts[i] = pyStr(e)
	}
	b.WriteString(strings.Join(parts, "\t") + "\n")
}

func formatTextDict(b *strings.Builder, scalarKeys []string, item Object, identifier string, hasID bool) {
	var scalars []string
	type named struct {
		id string
		v  any
	}
	var rest []named
	if scalarKeys == nil {
		for _, k := range item.sortedKeys() {
			v, _ := item.get(k)
			if isScalar(v) {
				scalars = append(scalars, pyStr(v))
			} else {
				rest = append(rest, named{k, v})
			}
		}
	} else {
		for _, k := range scalarKeys {
			if v, ok := item.get(k); ok {
				scalars = append(scalars, pyStr(v))
			} else {
				scalars = append(scalars, "")
			}
		}
		for _, k := range item.sortedKeys() {
			if !slices.Contains(scalarKeys, k) {
				v, _ := item.get(k)
				rest = append(rest, named{k, v})
			}
		}
	}
	if len(scalars) > 0 {
		if hasID {
			scalars = append([]string{strings.ToUpper(identifier)}, scalars...)
		}
		b.WriteString(strings.Join(scalars, "\t") + "\n")
	}
	for _, r := range rest {
		pyFormatText(b, r.v, r.id, true, nil)
	}
}

func allScalarKeys(list []any) []string {
	seen := map[string]bool{}
	keys := []string{} // not nil: scalar keys given, even when none
	for _, e := range list {
		m, ok := e.(Object)
		if !ok {
			continue
		}
		for _, x := range m {
			if isScalar(x.V) && !seen[x.K] {
				seen[x.K] = true
				keys = append(keys, x.K)
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// --- table (awscli/table.py, formatter.py's TableFormatter) ---

// WriteTable prints v as the AWS CLI's table formatter does, titled
// with the operation's name, for a terminal of the given width (80 when
// stdout is not a terminal, as the AWS CLI assumes). Colours, which the
// AWS CLI adds on a terminal, are not.
func WriteTable(w io.Writer, title string, v any, width int) error {
	t := &multiTable{width: width}
	if !t.build(title, true, v, 0) {
		return nil
	}
	for _, s := range t.sections {
		if s.err != nil {
			return s.err
		}
	}
	var b strings.Builder
	t.render(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

type section struct {
	title     string
	headers   []string
	rows      [][]string
	indent    int
	numCols   int // -1: not set
	maxWidths []int
	err       error
}

func newSection() *section { return &section{numCols: -1} }

func (s *section) addHeader(h []string) {
	s.updateMaxWidths(h)
	if s.numCols < 0 {
		s.numCols = len(h)
	}
	s.headers = h
}

func (s *section) addRow(elems []any) {
	row := make([]string, len(elems))
	for i, e := range elems {
		row[i] = pyStr(e)
	}
	if s.numCols < 0 {
		s.numCols = len(row)
	}
	if len(row) != s.numCols && s.err == nil {
		// The AWS CLI fails with this ValueError (and prints nothing).
		//lint:ignore ST1005 the AWS CLI's message, word for word
		s.err = fmt.Errorf("Row should have %d elements, instead it has %d", s.numCols, len(row))
	}
	s.rows = append(s.rows, row)
	s.updateMaxWidths(row)
}

func (s *section) updateMaxWidths(row []string) {
	if len(s.maxWidths) == 0 {
		s.maxWidths = make([]int, len(row))
		for i, e := range row {
			s.maxWidths[i] = textLength(e)
		}
		return
	}
	for i, e := range row {
		if i < len(s.maxWidths) {
			s.maxWidths[i] = max(s.maxWidths[i], textLength(e))
		}
	}
}

// columnWidths is calculate_column_widths; maxWidth < 0 is Python's None.
func (s *section) columnWidths(padding, maxWidth int) []int {
	unscaled := make([]int, len(s.maxWidths))
	sum := 0
	for i, w := range s.maxWidths {
		unscaled[i] = w + padding
		sum += unscaled[i]
	}
	if maxWidth < 0 || len(unscaled) == 0 {
		return unscaled
	}
	scale := float64(maxWidth) / float64(sum)
	scaled := make([]int, len(unscaled))
	total := 0
	for i, w := range unscaled {
		scaled[i] = int(math.RoundToEven(scale * float64(w))) // Python 3's round
		total += scaled[i]
	}
	off := total - maxWidth
	for off != 0 {
		n := len(scaled)
		for j := range n {
			i := j
			if off < 0 {
				i = n - 1 - j
			}
			if off > 0 {
				scaled[i]--
				off--
			} else {
				scaled[i]++
				off++
			}
			if off == 0 {
				break
			}
		}
	}
	return scaled
}

func (s *section) totalWidth(padding int, outer int) int {
	total := 0
	for _, w := range s.columnWidths(0, -1) {
		total += w + padding
	}
	total += 2 + 2*outer
	return max(textLength(s.title)+2+2*outer, total)
}

type multiTable struct {
	sections []*section
	cur      *section
	width    int
}

func (t *multiTable) newSection(title string, indent int) {
	t.cur = newSection()
	t.cur.title, t.cur.indent = title, indent
	t.sections = append(t.sections, t.cur)
}

// truthy is Python's bool() of a value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case bool:
		return x
	case int:
		return x != 0
	case float64:
		return x != 0
	case Object:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	return true
}

// build is _build_table; hasTitle false is Python's title=None.
func (t *multiTable) build(title string, hasTitle bool, current any, indent int) bool {
	if !truthy(current) {
		return false
	}
	if hasTitle {
		t.newSection(title, indent)
	}
	switch x := current.(type) {
	case []any:
		if _, ok := x[0].(Object); ok {
			t.subTableFromList(x, indent, title)
			break
		}
		for _, item := range x {
			switch it := item.(type) {
			case []any:
				if allScalar(it) {
					t.cur.addRow(it)
				} else {
					t.build("", false, it, 0)
				}
			case Object:
				// Iterating a dict gives its keys, all scalars.
				keys := make([]any, len(it))
				for i, e := range it {
					keys[i] = e.K
				}
				t.cur.addRow(keys)
			default:
				t.cur.addRow([]any{it})
			}
		}
	case Object:
		t.subTableFromDict(x, indent)
	}
	return true
}

func allScalar(l []any) bool {
	for _, e := range l {
		if !isScalar(e) {
			return false
		}
	}
	return true
}

func groupScalarKeys(m Object) (headers, more []string) {
	for _, k := range m.sortedKeys() {
		v, _ := m.get(k)
		if isScalar(v) {
			headers = append(headers, k)
		} else {
			more = append(more, k)
		}
	}
	return headers, more
}

func (t *multiTable) subTableFromDict(m Object, indent int) {
	headers, more := groupScalarKeys(m)
	if len(headers) == 1 {
		v, _ := m.get(headers[0])
		t.cur.addRow([]any{headers[0], v})
	} else if len(headers) > 0 {
		t.cur.addHeader(headers)
		row := make([]any, len(headers))
		for i, h := range headers {
			row[i], _ = m.get(h)
		}
		t.cur.addRow(row)
	}
	for _, k := range more {
		v, _ := m.get(k)
		t.build(k, true, v, indent+1)
	}
}

func (t *multiTable) subTableFromList(list []any, indent int, title string) {
	hs, ms := map[string]bool{}, map[string]bool{}
	for _, e := range list {
		m, _ := e.(Object)
		h, mo := groupScalarKeys(m)
		for _, k := range h {
			hs[k] = true
		}
		for _, k := range mo {
			ms[k] = true
		}
	}
	headers, more := sortedSet(hs), sortedSet(ms)
	t.cur.addHeader(headers)
	for i, e := range list {
		m, _ := e.(Object)
		if i > 0 && len(more) > 0 {
			t.newSection(title, indent)
			t.cur.addHeader(headers)
		}
		row := make([]any, len(headers))
		for j, h := range headers {
			if v, ok := m.get(h); ok {
				row[j] = v
			} else {
				row[j] = ""
			}
		}
		t.cur.addRow(row)
		for _, k := range more {
			if v, ok := m.get(k); ok {
				t.build(k, true, v, indent+1)
			}
		}
	}
}

func sortedSet(s map[string]bool) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (t *multiTable) maxWidth() int {
	w := 0
	for _, s := range t.sections {
		w = max(w, s.totalWidth(4, s.indent))
	}
	return w
}

func (t *multiTable) render(b *strings.Builder) {
	mw := t.maxWidth()
	if mw > t.width {
		// convert_to_vertical_table: a section of one row becomes
		// header/value rows.
		for i, s := range t.sections {
			if len(s.rows) == 1 && len(s.headers) > 0 {
				ns := newSection()
				ns.title, ns.indent = s.title, s.indent
				for j := 0; j < len(s.headers) && j < len(s.rows[0]); j++ {
					ns.addRow([]any{s.headers[j], s.rows[0][j]})
				}
				t.sections[i] = ns
			}
		}
		mw = t.maxWidth()
	}
	b.WriteString(strings.Repeat("-", mw) + "\n")
	for _, s := range t.sections {
		t.renderSection(b, s, mw)
	}
}

// indented writes one line as IndentedStream does: the indent's '|' on
// both sides.
func indented(b *strings.Builder, indent int, line string) {
	bars := strings.Repeat("|", indent)
	b.WriteString(bars + line + bars + "\n")
}

func (t *multiTable) renderSection(b *strings.Builder, s *section, mw int) {
	mw -= s.indent * 2
	if s.title != "" {
		indented(b, s.indent, centerText(s.title, mw, "|", "|"))
		if len(s.headers) == 0 && len(s.rows) == 0 {
			indented(b, s.indent, "+"+rep("-", mw-2)+"+")
		}
	}
	if len(s.headers) > 0 {
		widths := s.columnWidths(4, mw)
		var cur strings.Builder
		for i := 0; i < len(widths) && i < len(s.headers); i++ {
			left := ""
			if i == 0 {
				left = "|"
			}
			cur.WriteString(centerText(s.headers[i], widths[i], left, "|"))
		}
		indented(b, s.indent, lineBreak(widths))
		indented(b, s.indent, cur.String())
	}
	if len(s.rows) == 0 {
		return
	}
	widths := s.columnWidths(4, mw)
	if len(widths) == 0 {
		return
	}
	indented(b, s.indent, lineBreak(widths))
	for _, row := range s.rows {
		var cur strings.Builder
		for i := 0; i < len(widths) && i < len(row); i++ {
			left := ""
			if i == 0 {
				left = "|"
			}
			cur.WriteString(alignLeft(row[i], widths[i], left, "|"))
		}
		indented(b, s.indent, cur.String())
	}
	indented(b, s.indent, lineBreak(widths))
}

func lineBreak(widths []int) string {
	var b strings.Builder
	for i, w := range widths {
		if i == 0 {
			b.WriteString("+" + rep("-", w-2) + "+")
		} else {
			b.WriteString(rep("-", w-1) + "+")
		}
	}
	return b.String()
}

// rep is Python's s * n: empty for n <= 0.
func rep(s string, n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(s, n)
}

// pyFloorDiv2 is Python's n // 2.
func pyFloorDiv2(n int) int {
	if n < 0 {
		return -((-n + 1) / 2)
	}
	return n / 2
}

func centerText(text string, length int, left, right string) string {
	tl := textLength(text)
	start := pyFloorDiv2(length) - pyFloorDiv2(tl) - 1
	out := left + rep(" ", start) + text
	soFar := textLength(left) + start + tl
	return out + rep(" ", length-textLength(right)-soFar) + right
}

func alignLeft(text string, length int, left, right string) string {
	tl := textLength(text)
	padding := 0
	if length-(tl+2+textLength(left)+textLength(right)) >= 0 {
		padding = 2
	}
	soFar := utf8.RuneCountInString(left) + padding + tl
	return left + rep(" ", padding) + text + rep(" ", length-soFar-utf8.RuneCountInString(right)) + right
}

// textLength is get_text_length: characters of East Asian width Wide,
// Fullwidth or Ambiguous count 2.
func textLength(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0xA1 && eastAsianWide(r) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// eastAsianWide reports whether unicodedata.east_asian_width(r) is W, F or
// A, for the ranges that matter in practice (Latin-1 symbols, Greek,
// Cyrillic, general punctuation, CJK, Hangul, fullwidth forms, emoji); an
// approximation of Unicode's EastAsianWidth.txt.
func eastAsianWide(r rune) bool {
	for _, rg := range wideRanges {
		if r < rg[0] {
			return false
		}
		if r <= rg[1] {
			return true
		}
	}
	return false
}

var wideRanges = [][2]rune{
	{0xA1, 0xA1}, {0xA4, 0xA4}, {0xA7, 0xA8}, {0xAA, 0xAA}, {0xAD, 0xAE}, {0xB0, 0xB4}, {0xB6, 0xBA},
	{0xBC, 0xBF}, {0xC6, 0xC6}, {0xD0, 0xD0}, {0xD7, 0xD8}, {0xDE, 0xE1}, {0xE6, 0xE6}, {0xE8, 0xEA},
	{0xEC, 0xED}, {0xF0, 0xF0}, {0xF2, 0xF3}, {0xF7, 0xFA}, {0xFC, 0xFC}, {0xFE, 0xFE},
	{0x101, 0x101}, {0x111, 0x111}, {0x113, 0x113}, {0x11B, 0x11B}, {0x126, 0x127}, {0x12B, 0x12B},
	{0x131, 0x133}, {0x138, 0x138}, {0x13F, 0x142}, {0x144, 0x144}, {0x148, 0x14B}, {0x14D, 0x14D},
	{0x152, 0x153}, {0x166, 0x167}, {0x16B, 0x16B}, {0x1CE, 0x1CE}, {0x1D0, 0x1D0}, {0x1D2, 0x1D2},
	{0x1D4, 0x1D4}, {0x1D6, 0x1D6}, {0x1D8, 0x1D8}, {0x1DA, 0x1DA}, {0x1DC, 0x1DC}, {0x251, 0x251},
	{0x261, 0x261}, {0x2C4, 0x2C4}, {0x2C7, 0x2C7}, {0x2C9, 0x2CB}, {0x2CD, 0x2CD}, {0x2D0, 0x2D0},
	{0x2D8, 0x2DB}, {0x2DD, 0x2DD}, {0x2DF, 0x2DF}, {0x300, 0x36F}, {0x391, 0x3A1}, {0x3A3, 0x3A9},
	{0x3B1, 0x3C1}, {0x3C3, 0x3C9}, {0x401, 0x401}, {0x410, 0x44F}, {0x451, 0x451},
	{0x1100, 0x115F}, {0x2010, 0x2010}, {0x2013, 0x2016}, {0x2018, 0x2019}, {0x201C, 0x201D},
	{0x2020, 0x2022}, {0x2024, 0x2027}, {0x2030, 0x2030}, {0x2032, 0x2033}, {0x2035, 0x2035},
	{0x203B, 0x203B}, {0x203E, 0x203E}, {0x2074, 0x2074}, {0x207F, 0x207F}, {0x2081, 0x2084},
	{0x20AC, 0x20AC}, {0x2103, 0x2103}, {0x2105, 0x2105}, {0x2109, 0x2109}, {0x2113, 0x2113},
	{0x2116, 0x2116}, {0x2121, 0x2122}, {0x2126, 0x2126}, {0x212B, 0x212B}, {0x2153, 0x2154},
	{0x215B, 0x215E}, {0x2160, 0x216B}, {0x2170, 0x2179}, {0x2189, 0x2189}, {0x2190, 0x2199},
	{0x21B8, 0x21B9}, {0x21D2, 0x21D2}, {0x21D4, 0x21D4}, {0x21E7, 0x21E7}, {0x2200, 0x2200},
	{0x2202, 0x2203}, {0x2207, 0x2208}, {0x220B, 0x220B}, {0x220F, 0x220F}, {0x2211, 0x2211},
	{0x2215, 0x2215}, {0x221A, 0x221A}, {0x221D, 0x2220}, {0x2223, 0x2223}, {0x2225, 0x2225},
	{0x2227, 0x222C}, {0x222E, 0x222E}, {0x2234, 0x2237}, {0x223C, 0x223D}, {0x2248, 0x2248},
	{0x224C, 0x224C}, {0x2252, 0x2252}, {0x2260, 0x2261}, {0x2264, 0x2267}, {0x226A, 0x226B},
	{0x226E, 0x226F}, {0x2282, 0x2283}, {0x2286, 0x2287}, {0x2295, 0x2295}, {0x2299, 0x2299},
	{0x22A5, 0x22A5}, {0x22BF, 0x22BF}, {0x2312, 0x2312}, {0x231A, 0x231B}, {0x2329, 0x232A},
	{0x23E9, 0x23EC}, {0x23F0, 0x23F0}, {0x23F3, 0x23F3}, {0x2460, 0x24E9}, {0x24EB, 0x254B},
	{0x2550, 0x2573}, {0x2580, 0x258F}, {0x2592, 0x2595}, {0x25A0, 0x25A1}, {0x25A3, 0x25A9},
	{0x25B2, 0x25B3}, {0x25B6, 0x25B7}, {0x25BC, 0x25BD}, {0x25C0, 0x25C1}, {0x25C6, 0x25C8},
	{0x25CB, 0x25CB}, {0x25CE, 0x25D1}, {0x25E2, 0x25E5}, {0x25EF, 0x25EF}, {0x25FD, 0x25FE},
	{0x2605, 0x2606}, {0x2609, 0x2609}, {0x260E, 0x260F}, {0x2614, 0x2615}, {0x261C, 0x261C},
	{0x261E, 0x261E}, {0x2640, 0x2640}, {0x2642, 0x2642}, {0x2648, 0x2653}, {0x2660, 0x2661},
	{0x2663, 0x2665}, {0x2667, 0x266A}, {0x266C, 0x266D}, {0x266F, 0x266F}, {0x267F, 0x267F},
	{0x2693, 0x2693}, {0x269E, 0x269F}, {0x26A1, 0x26A1}, {0x26AA, 0x26AB}, {0x26BD, 0x26BF},
	{0x26C4, 0x26E1}, {0x26E3, 0x26E3}, {0x26E8, 0x26FF}, {0x2705, 0x2705}, {0x270A, 0x270B},
	{0x2728, 0x2728}, {0x273D, 0x273D}, {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755},
	{0x2757, 0x2757}, {0x2776, 0x277F}, {0x2795, 0x2797}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF},
	{0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B59}, {0x2E80, 0x303E}, {0x3041, 0x33FF},
	{0x3400, 0x4DBF}, {0x4E00, 0xA4CF}, {0xA960, 0xA97F}, {0xAC00, 0xD7A3}, {0xE000, 0xFAFF},
	{0xFE00, 0xFE19}, {0xFE30, 0xFE6F}, {0xFF01, 0xFF60}, {0xFFE0, 0xFFE6}, {0xFFFD, 0xFFFD},
	{0x16FE0, 0x18CFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F100, 0x1F10A},
	{0x1F110, 0x1F12D}, {0x1F130, 0x1F169}, {0x1F170, 0x1F1AC}, {0x1F200, 0x1F202}, {0x1F210, 0x1F23B},
	{0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F260, 0x1F265}, {0x1F300, 0x1F320}, {0x1F32D, 0x1F335},
	{0x1F337, 0x1F37C}, {0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0},
	{0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D},
	{0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596}, {0x1F5A4, 0x1F5A4},
	{0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7},
	{0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945},
	{0x1F947, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD}, {0xE0100, 0xE01EF},
	{0xF0000, 0x10FFFD},
}
