package awscli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/jmespath/go-jmespath"

	"github.com/cfinv/cfinv"
)

// The output of the AWS-named commands, as the AWS CLI v1 prints it
// (format.go has the formatters).

// Operation names: the AWS CLI titles a table with the operation's name.
const (
	OpCreateInvalidation = "CreateInvalidation"
	OpGetInvalidation    = "GetInvalidation"
	OpListInvalidations  = "ListInvalidations"

	OpCreateInvalidationForDistributionTenant = "CreateInvalidationForDistributionTenant"
	OpGetInvalidationForDistributionTenant    = "GetInvalidationForDistributionTenant"
	OpListInvalidationsForDistributionTenant  = "ListInvalidationsForDistributionTenant"
)

// The members of the output shapes, in the service model's order
// (botocore's data/cloudfront/2020-05-31/service-2.json), which is the
// order the AWS CLI prints them in.
var (
	shapeCreateResult   = []string{"Location", "Invalidation"}
	shapeGetResult      = []string{"Invalidation"}
	shapeInvalidation   = []string{"Id", "Status", "CreateTime", "InvalidationBatch"}
	shapeBatch          = []string{"Paths", "CallerReference"}
	shapePaths          = []string{"Quantity", "Items"}
	shapeListResult     = []string{"InvalidationList", "NextToken"}
	shapeList           = []string{"Marker", "NextMarker", "MaxItems", "IsTruncated", "Quantity", "Items"}
	shapeSummary        = []string{"Id", "CreateTime", "Status"}
	invalidationShapes  = [][]string{shapeCreateResult, shapeGetResult, shapeInvalidation, shapeBatch, shapePaths}
	listShapes          = [][]string{shapeListResult, shapeList, shapeSummary}
	awsOperationsShapes = map[string][][]string{
		OpCreateInvalidation: invalidationShapes,
		OpGetInvalidation:    invalidationShapes,
		OpListInvalidations:  listShapes,

		OpCreateInvalidationForDistributionTenant: invalidationShapes,
		OpGetInvalidationForDistributionTenant:    invalidationShapes,
		OpListInvalidationsForDistributionTenant:  listShapes,
	}
)

// Time is a CloudFront timestamp as CloudFront sends it, which the
// AWS CLI v1 prints unchanged (its default cli_timestamp_format is none);
// "" for the zero time (none sent). It is the one timestamp format of
// cfinv's output.
func Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func pathsOmap(quantity int, items []string) Object {
	m := Object{{"Quantity", quantity}}
	if items != nil || quantity == 0 {
		l := make([]any, len(items))
		for i, it := range items {
			l[i] = it
		}
		m = append(m, KV{"Items", l})
	}
	return m
}

// Invalidation is an Invalidation with the members CloudFront sent.
func Invalidation(inv *types.Invalidation) Object {
	m := Object{}
	if inv.Id != nil {
		m = append(m, KV{"Id", *inv.Id})
	}
	if inv.Status != nil {
		m = append(m, KV{"Status", *inv.Status})
	}
	if inv.CreateTime != nil {
		m = append(m, KV{"CreateTime", Time(*inv.CreateTime)})
	}
	if b := inv.InvalidationBatch; b != nil {
		bm := Object{}
		if b.Paths != nil {
			bm = append(bm, KV{"Paths", pathsOmap(int(aws.ToInt32(b.Paths.Quantity)), b.Paths.Items)})
		}
		if b.CallerReference != nil {
			bm = append(bm, KV{"CallerReference", *b.CallerReference})
		}
		m = append(m, KV{"InvalidationBatch", bm})
	}
	return m
}

// Created is CreateInvalidation's output for one batch cfinv created.
func Created(b cfinv.Batch) Object {
	inv := Object{{"Id", b.ID}, {"Status", b.Status}}
	if !b.CreateTime.IsZero() {
		inv = append(inv, KV{"CreateTime", Time(b.CreateTime)})
	}
	inv = append(inv, KV{"InvalidationBatch", Object{{"Paths", pathsOmap(len(b.Paths), b.Paths)}, {"CallerReference", b.CallerReference}}})
	out := Object{}
	if b.Location != "" {
		out = append(out, KV{"Location", b.Location})
	}
	return append(out, KV{"Invalidation", inv})
}

func summaryOmap(s types.InvalidationSummary) Object {
	m := Object{}
	if s.Id != nil {
		m = append(m, KV{"Id", *s.Id})
	}
	if s.CreateTime != nil {
		m = append(m, KV{"CreateTime", Time(*s.CreateTime)})
	}
	if s.Status != nil {
		m = append(m, KV{"Status", *s.Status})
	}
	return m
}

// ListPage is one ListInvalidations response, every member CloudFront
// sent, as the AWS CLI prints it with --no-paginate.
func ListPage(l *types.InvalidationList) Object {
	m := Object{}
	if l.Marker != nil {
		m = append(m, KV{"Marker", *l.Marker})
	}
	if l.NextMarker != nil {
		m = append(m, KV{"NextMarker", *l.NextMarker})
	}
	if l.MaxItems != nil {
		m = append(m, KV{"MaxItems", int(*l.MaxItems)})
	}
	if l.IsTruncated != nil {
		m = append(m, KV{"IsTruncated", *l.IsTruncated})
	}
	if l.Quantity != nil {
		m = append(m, KV{"Quantity", int(*l.Quantity)})
	}
	if l.Items != nil || l.Quantity != nil {
		m = append(m, KV{"Items", summariesList(l.Items)})
	}
	return Object{{"InvalidationList", m}}
}

func summariesList(items []types.InvalidationSummary) []any {
	out := make([]any, len(items))
	for i, s := range items {
		out[i] = summaryOmap(s)
	}
	return out
}

// Output is what --output and --query ask of a command.
type Output struct {
	Format string // json, text or table; "": json, the AWS CLI's default, on a terminal too
	Query  string // a JMESPath expression; "": none
}

// Check validates the format and compiles the query, so that a command
// can refuse a typo in either before its first API call: an invalidation
// created and then not printed is paid for again by the corrected re-run.
func (o Output) Check() error {
	switch o.Format {
	case "", JSON, Text, Table:
	default:
		return usageErrorf("invalid --output %q: want json, text or table", o.Format)
	}
	if o.Query != "" {
		if _, err := jmespath.Compile(o.Query); err != nil {
			return usageErrorf("invalid --query %q: %v", o.Query, err)
		}
	}
	return nil
}

// Apply applies the query to data as the AWS CLI does, keeping the order
// of the members the AWS CLI would print: op names the operation whose
// output shapes data has ("": none).
func (o Output) Apply(op string, data any) (any, error) {
	if o.Query == "" {
		return data, nil
	}
	v, err := jmespath.Search(o.Query, generic(data))
	if err != nil {
		return nil, usageErrorf("invalid --query %q: %v", o.Query, err)
	}
	return newKeyOrder(o.Query, awsOperationsShapes[op]).ordered(v), nil
}

// format is the output format: Format, else JSON.
func (o Output) format() string {
	if o.Format == "" {
		return JSON
	}
	return o.Format
}

// TableWidth is the terminal width the AWS CLI assumes when stdout is
// not a terminal (determine_terminal_width's default).
const TableWidth = 80

// Result is what a command prints.
type Result struct {
	// Op is the operation the output is of: it titles the AWS CLI's
	// table, and its output shapes order the members of a query's
	// result. "" for cfinv's own commands.
	Op string
	// Data is the output: ordered data (Object, []any, scalars), or any
	// value encoding/json encodes, whose members keep the order it
	// encodes them in.
	Data any
	// Text and Table, when set, write cfinv's own text and table in
	// place of the AWS CLI's, unless there is a query: its result is
	// then printed by the AWS CLI's text formatter. Table writes
	// tab-separated columns, which are aligned.
	Text, Table func(w io.Writer)
}

// Print writes r in the chosen format, after the query: the one output
// path of every command.
func (o Output) Print(w io.Writer, r Result) error {
	format := o.format()
	// cfinv's own text and table need neither the data encoded nor a
	// query: a deploy's report of every upload is not copied into a
	// tree of its members to be thrown away.
	switch {
	case o.Query != "":
	case format == Text && r.Text != nil:
		r.Text(w)
		return nil
	case format == Table && r.Table != nil:
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		r.Table(tw)
		return tw.Flush()
	}
	data, err := Ordered(r.Data)
	if err != nil {
		return err
	}
	if (o.Query != "" || format != JSON) && hasList(data) {
		if data, err = collect(data); err != nil {
			return err
		}
	}
	v, err := o.Apply(r.Op, data)
	if err != nil {
		return err
	}
	if o.Query != "" && format != JSON && (r.Text != nil || r.Table != nil) {
		return WriteText(w, v)
	}
	return Write(w, format, r.Op, v)
}

// hasList reports whether v holds a List.
func hasList(v any) bool {
	switch x := v.(type) {
	case List:
		return true
	case Object:
		return slices.ContainsFunc(x, func(kv KV) bool { return hasList(kv.V) })
	case []any:
		return slices.ContainsFunc(x, hasList)
	}
	return false
}

// collect returns v with each List in it made a []any: what a query and
// the formats but JSON read.
func collect(v any) (any, error) {
	switch x := v.(type) {
	case Object:
		out := make(Object, len(x))
		for i, kv := range x {
			c, err := collect(kv.V)
			if err != nil {
				return nil, err
			}
			out[i] = KV{kv.K, c}
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := collect(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case List:
		out := []any{}
		var err error
		if lerr := x(func(e any) bool {
			var c any
			c, err = collect(e)
			out = append(out, c)
			return err == nil
		}); err == nil {
			err = lerr
		}
		return out, err
	}
	return v, nil
}

// Ordered returns v as ordered data: as it is when it already is,
// else as encoding/json encodes it, members in the order they are
// encoded and whole numbers as int.
func Ordered(v any) (any, error) {
	switch v.(type) {
	case nil, Object, []any, string, bool, int:
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	out, err := decodeOrdered(dec)
	if err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	return out, nil
}

// decodeOrdered reads one JSON value from dec as ordered data.
func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			l := []any{}
			for dec.More() {
				e, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				l = append(l, e)
			}
			_, err := dec.Token() // ]
			return l, err
		}
		m := Object{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			e, err := decodeOrdered(dec)
			if err != nil {
				return nil, err
			}
			m = append(m, KV{k.(string), e})
		}
		_, err := dec.Token() // }
		return m, err
	case json.Number:
		if n, err := strconv.Atoi(t.String()); err == nil {
			return n, nil
		}
		return t.Float64()
	}
	return tok, nil // string, bool or nil
}

// Write writes v in format as the AWS CLI's formatter of that name does;
// op titles a table.
func Write(w io.Writer, format, op string, v any) error {
	switch format {
	case Text:
		return WriteText(w, v)
	case Table:
		return WriteTable(w, op, v, TableWidth)
	case JSON:
		return WriteJSON(w, v)
	}
	return fmt.Errorf("unknown output format %q", format)
}

// GetOutput is GetInvalidation's output.
func GetOutput(inv *types.Invalidation) Object {
	return Object{{"Invalidation", Invalidation(inv)}}
}
