package deploy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"gopkg.in/yaml.v3"
)

// ErrConfig is wrapped by every error about the contents of a deploy config
// (a .cfinv.yml file): a syntax error, an unknown key, a value of the wrong
// type, a bad glob, a header S3 does not store, a bad storage class or ACL,
// and a file too large or unreadable. The error names the file, the line
// where it knows it, the bad value and what would be accepted.
var ErrConfig = errors.New("invalid deploy config")

// MaxConfigSize is the largest config file LoadConfig and ParseConfig read,
// in bytes (1 MiB). A real .cfinv.yml is a few hundred bytes; the cap keeps a
// wrong --config (a site archive, /dev/zero) from being read whole.
const MaxConfigSize = 1 << 20

// maxConfigRoutes caps the number of routes: Settings tries every route for every
// key, so the cap bounds the work per key.
const maxConfigRoutes = 1000

// maxRouteHeaders caps the headers of one route.
const maxRouteHeaders = 64

// maxRouteMetadata is how many bytes of x-amz-meta-* names (without the
// prefix) and values one route may set. S3 allows 2 KiB of user-defined
// metadata per object
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html);
// 256 bytes are kept for the metadata cfinv itself writes (x-amz-meta-cfinv-*).
const maxRouteMetadata = 2048 - 256

// userMetaPrefix starts the canonical name of every user-defined metadata header.
const userMetaPrefix = "X-Amz-Meta-"

// reservedUserMetaPrefix starts the metadata names cfinv writes itself (the
// content hash, the deploy ID); a route may not set them.
const reservedUserMetaPrefix = "X-Amz-Meta-Cfinv-"

// ConfigError is the error ParseConfig and LoadConfig return for a bad
// config. It wraps ErrConfig.
type ConfigError struct {
	File string // the file name given to ParseConfig, or the path given to LoadConfig
	Line int    // 1-based line of the bad value; 0 when the error is about the whole file
	Msg  string // what is wrong and what would be accepted
}

// Error returns "FILE:LINE: MSG", or "FILE: MSG" without a line.
func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Unwrap returns ErrConfig, so errors.Is(err, ErrConfig) holds.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// Config is a parsed deploy config: the routes that give keys their headers,
// entry flag, compression, storage class and ACL. The zero Config, and a nil
// *Config, give every key the defaults (see Settings).
type Config struct {
	// Routes are tried in order; the first whose Match matches a key gives
	// that key its settings.
	Routes []Route
}

// Route is one entry of a config's routes list.
type Route struct {
	// Match is a glob matched against keys relative to DIR, with forward
	// slashes: * and ? match within one path segment, and a whole segment **
	// matches zero or more directories ("**/*.html" matches "index.html" and
	// "docs/a/index.html"; "assets/**" matches everything under assets/ and
	// a key "assets" itself). [abc] is a class, {a,b} are alternatives and \
	// escapes the next character. Matching is case-sensitive, as S3 keys are.
	Match string
	// Headers are the headers to store with the object, by canonical name
	// ("Cache-Control", "X-Amz-Meta-Author"). Content-Type here replaces the
	// one ContentType gives.
	Headers map[string]string
	// Entry, when set, says whether matching objects are entry objects (pages
	// viewers enter by, uploaded after every other object). Nil means the
	// default: true for *.html and *.htm, false otherwise.
	Entry *bool
	// Gzip stores matching objects gzip-compressed (by Gzip) with
	// Content-Encoding: gzip.
	Gzip bool
	// StorageClass is the S3 storage class of matching objects; empty means
	// the bucket's default (STANDARD).
	StorageClass string
	// ACL is the canned ACL of matching objects; empty means none is sent.
	ACL string
	// Line is the line of the route in its file, 0 for a Route built in Go.
	Line int
}

// Settings are what a deploy stores with one object.
type Settings struct {
	// Headers holds the object's headers by canonical name. Content-Type is
	// always set; Content-Encoding is "gzip" when Gzip is set. The map is the
	// caller's to change.
	Headers map[string]string
	// Entry says the object is an entry object, uploaded after all others.
	Entry bool
	// Gzip says the object is stored compressed by Gzip.
	Gzip bool
	// StorageClass is an S3 storage class, or empty for the bucket's default.
	StorageClass string
	// ACL is an S3 canned ACL, or empty for none.
	ACL string
}

// Settings returns the settings of the object stored under key (a path
// relative to DIR, with forward slashes). The first route whose Match matches
// key gives them; headers that route does not set keep their defaults. With
// no matching route, or a nil *Config, key gets the defaults: Content-Type
// from ContentType, no other header, Entry for *.html and *.htm, no
// compression, the bucket's storage class and no ACL. A route whose Match is
// not a valid glob (possible only in a Config built in Go) matches nothing.
// Settings does not change c and is safe for concurrent use.
func (c *Config) Settings(key string) Settings {
	s := Settings{
		Headers: map[string]string{"Content-Type": ContentType(key)},
		Entry:   defaultEntry(key),
	}
	if c == nil {
		return s
	}
	for i := range c.Routes {
		r := &c.Routes[i]
		if !matchGlob(r.Match, key) {
			continue
		}
		for name, value := range r.Headers {
			s.Headers[textproto.CanonicalMIMEHeaderKey(name)] = value
		}
		if r.Entry != nil {
			s.Entry = *r.Entry
		}
		if r.Gzip {
			s.Gzip = true
			s.Headers["Content-Encoding"] = "gzip"
		}
		s.StorageClass = r.StorageClass
		s.ACL = r.ACL
		break
	}
	return s
}

// defaultEntry reports whether key is an entry object when no route says:
// HTML pages are.
func defaultEntry(key string) bool {
	switch strings.ToLower(path.Ext(key)) {
	case ".html", ".htm":
		return true
	}
	return false
}

// LoadConfig reads and parses the deploy config at path (see ParseConfig). A
// file that cannot be read gives an error wrapping both ErrConfig and the
// fs error (fs.ErrNotExist for a missing file).
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return ParseConfig(data, path)
}

// ParseConfig parses a deploy config in YAML; name (the file name) is used in
// errors. The format:
//
//	routes:                  # first match wins
//	  - match: "**/*.html"   # a glob over keys relative to DIR
//	    headers:
//	      Cache-Control: "public, max-age=0, must-revalidate"
//	    entry: true          # uploaded after every non-entry object
//	  - match: "assets/**"
//	    headers: { Cache-Control: "public, max-age=31536000, immutable" }
//	    gzip: true           # stored gzip-compressed, Content-Encoding: gzip
//	    storage_class: STANDARD_IA
//	    acl: public-read
//
// An empty file, or one without routes, gives the defaults. Any other key, a
// value of the wrong type, a bad glob, a header S3 does not store or a bad
// value gives a *ConfigError (wrapping ErrConfig) naming the line.
func ParseConfig(data []byte, name string) (*Config, error) {
	if len(data) > MaxConfigSize {
		return nil, &ConfigError{File: name, Msg: fmt.Sprintf("file is larger than the %d-byte (1 MiB) limit of a deploy config", MaxConfigSize)}
	}
	p := configParser{file: name}
	data, err := fromUTF16(data)
	if err != nil {
		return nil, &ConfigError{File: name, Msg: err.Error()}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &Config{}, nil
		}
		return nil, p.yamlError(data, err)
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, p.yamlError(data, err)
	default:
		return nil, p.errorf(&second, "more than one YAML document: a deploy config is one mapping with a routes key")
	}
	return p.config(&doc)
}

// fromUTF16 returns data in UTF-8 if it starts with a UTF-16 byte order mark
// (what Windows PowerShell 5's > writes), and data itself otherwise. yaml.v3
// reads UTF-16 too, but line numbers are found in the bytes, so they must be
// UTF-8.
func fromUTF16(data []byte) ([]byte, error) {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		order = binary.BigEndian
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		order = binary.LittleEndian
	default:
		return data, nil
	}
	data = data[2:]
	if len(data)%2 != 0 {
		return nil, fmt.Errorf("file starts with a UTF-16 byte order mark but has an odd number of bytes (save it as UTF-8)")
	}
	units := make([]uint16, len(data)/2)
	for i := range units {
		units[i] = order.Uint16(data[2*i:])
	}
	return []byte(string(utf16.Decode(units))), nil
}

// configParser turns a YAML node tree into a Config, naming the line of the first
// bad node.
type configParser struct {
	file string
}

func (p *configParser) errorf(n *yaml.Node, format string, args ...any) error {
	return &ConfigError{File: p.file, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

// yamlLine finds the line in yaml.v3's syntax errors ("yaml: line 3: …").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into a *ConfigError. yaml.v3 names the
// line where the enclosing block starts (line 1 for a bad indent anywhere in
// the routes list), or no line at all, so the line reported is the first at
// which a prefix of the file stops parsing, found by bisection over the
// lines (in files up to maxBisectSize); yaml.v3's own line is kept in the
// message when it differs.
func (p *configParser) yamlError(data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	yline := 0
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		yline, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	line := 0
	if len(data) <= maxBisectSize {
		line = firstBadLine(data)
	}
	switch {
	case line == 0:
		line = yline
	case yline != 0 && yline != line:
		msg = fmt.Sprintf("%s (in the block from line %d)", msg, yline)
	}
	return &ConfigError{File: p.file, Line: line, Msg: "bad YAML: " + msg}
}

// maxBisectSize is the largest file whose syntax error's line yamlError
// looks for by bisection: each step parses a prefix again, about 16 parses
// (7 s on a loaded 2-core machine) for a 1 MiB file, while a config of 1,000
// routes is well under 256 KiB. Past it, yaml.v3's line is reported.
const maxBisectSize = 256 << 10

// firstBadLine returns the smallest n such that the first n lines of data do
// not parse as YAML while the first n-1 do, or 0 if data parses.
func firstBadLine(data []byte) int {
	ends := yamlLineEnds(data)
	if yamlParses(data) {
		return 0
	}
	// Invariant: the first lo lines parse, the first hi lines do not.
	lo, hi := 0, len(ends)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if yamlParses(data[:ends[mid-1]]) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// yamlLineEnds returns the length of the first 1, 2, … lines of data, the last
// one data's length. Lines end where YAML says they do (YAML 1.1 section
// 4.1.4, as yaml.v3 counts them): at CR LF, CR, LF, NEL (U+0085), LS
// (U+2028) and PS (U+2029).
func yamlLineEnds(data []byte) []int {
	var ends []int
	for i := 0; i < len(data); i++ {
		switch {
		case data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n':
			i++
			ends = append(ends, i+1)
		case data[i] == '\r', data[i] == '\n':
			ends = append(ends, i+1)
		case bytes.HasPrefix(data[i:], []byte("\u0085")):
			i++
			ends = append(ends, i+1)
		case bytes.HasPrefix(data[i:], []byte("\u2028")), bytes.HasPrefix(data[i:], []byte("\u2029")):
			i += 2
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	return ends
}

// yamlParses reports whether every YAML document in data parses.
func yamlParses(data []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			return errors.Is(err, io.EOF)
		}
	}
}

// yamlResolve follows an alias (*name) to the node it names.
func yamlResolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func yamlIsNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// yamlDescribe names a node's kind for "want X, got Y" messages.
func yamlDescribe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing (null)"
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		case "!!bool":
			return fmt.Sprintf("the boolean %s", n.Value)
		case "!!int", "!!float":
			return fmt.Sprintf("the number %s", n.Value)
		}
		return fmt.Sprintf("%q (%s)", n.Value, strings.TrimPrefix(n.Tag, "!!"))
	}
	return "an unexpected YAML node"
}

var configTopKeys = []string{"routes"}

func (p *configParser) config(doc *yaml.Node) (*Config, error) {
	cfg := &Config{}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	root := yamlResolve(doc.Content[0])
	if yamlIsNull(root) {
		return cfg, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, p.errorf(root, "want a mapping with a routes key at the top, got %s", yamlDescribe(root))
	}
	pairs, err := p.mappingPairs(root)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, kv := range pairs {
		v := kv.v
		key, err := p.key(kv, configTopKeys, "", seen)
		if err != nil {
			return nil, err
		}
		switch key {
		case "routes":
			routes, err := p.routes(v)
			if err != nil {
				return nil, err
			}
			cfg.Routes = routes
		}
	}
	return cfg, nil
}

// yamlPair is one key and value of a YAML mapping, aliases resolved.
type yamlPair struct {
	k, v   *yaml.Node
	merged bool // from a merge key (<<), so the mapping's own keys win over it
}

// maxYAMLMerged caps the pairs one mapping may take from merge keys: merges of
// merges of aliases could otherwise expand a small file exponentially.
const maxYAMLMerged = 1000

// mappingPairs returns the pairs of mapping n: its own first, then those of the
// mappings named by its merge keys (<<: *base or <<: [*a, *b], merged
// recursively), as YAML's merge key type defines
// (https://yaml.org/type/merge.html).
func (p *configParser) mappingPairs(n *yaml.Node) ([]yamlPair, error) {
	var own, merged []yamlPair
	budget := maxYAMLMerged
	var walk func(m *yaml.Node, depth int) error
	walk = func(m *yaml.Node, depth int) error {
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := yamlResolve(m.Content[i]), yamlResolve(m.Content[i+1])
			if k.Kind != yaml.ScalarNode || k.Tag != "!!merge" {
				if depth == 0 {
					own = append(own, yamlPair{k: k, v: v})
				} else {
					if budget--; budget < 0 {
						return p.errorf(n, "merge keys (<<) expand to more than %d keys and mappings", maxYAMLMerged)
					}
					merged = append(merged, yamlPair{k: k, v: v, merged: true})
				}
				continue
			}
			if depth >= 8 {
				return p.errorf(k, "merge keys (<<) nested more than 8 deep")
			}
			var srcs []*yaml.Node
			switch v.Kind {
			case yaml.MappingNode:
				srcs = []*yaml.Node{v}
			case yaml.SequenceNode:
				for _, c := range v.Content {
					srcs = append(srcs, yamlResolve(c))
				}
			default:
				return p.errorf(v, "merge key (<<): want a mapping or a list of mappings, got %s", yamlDescribe(v))
			}
			for _, src := range srcs {
				if src.Kind != yaml.MappingNode {
					return p.errorf(src, "merge key (<<): want a mapping or a list of mappings, got a list holding %s", yamlDescribe(src))
				}
				if budget--; budget < 0 {
					return p.errorf(n, "merge keys (<<) expand to more than %d keys and mappings", maxYAMLMerged)
				}
				if err := walk(src, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(n, 0); err != nil {
		return nil, err
	}
	return append(own, merged...), nil
}

// key checks a mapping key against the accepted ones and against the keys
// already seen in the same mapping. It returns "" without an error for a
// merged key the mapping already has.
func (p *configParser) key(kv yamlPair, accepted []string, where string, seen map[string]bool) (string, error) {
	k := kv.k
	if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
		return "", p.errorf(k, "want a key name%s, got %s (accepted: %s)", where, yamlDescribe(k), strings.Join(accepted, ", "))
	}
	if !slices.Contains(accepted, k.Value) {
		return "", p.errorf(k, "unknown key %q%s (accepted: %s)", k.Value, where, strings.Join(accepted, ", "))
	}
	if seen[k.Value] {
		if kv.merged {
			return "", nil
		}
		return "", p.errorf(k, "key %q given twice%s", k.Value, where)
	}
	seen[k.Value] = true
	return k.Value, nil
}

func (p *configParser) routes(n *yaml.Node) ([]Route, error) {
	if yamlIsNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errorf(n, "routes: want a list of routes (\"- match: GLOB\"), got %s", yamlDescribe(n))
	}
	if len(n.Content) > maxConfigRoutes {
		return nil, p.errorf(n, "routes: %d routes, more than the limit of %d", len(n.Content), maxConfigRoutes)
	}
	routes := make([]Route, 0, len(n.Content))
	for i, item := range n.Content {
		r, err := p.route(yamlResolve(item), i+1)
		if err != nil {
			return nil, err
		}
		routes = append(routes, r)
	}
	return routes, nil
}

var configRouteKeys = []string{"match", "headers", "entry", "gzip", "storage_class", "acl"}

func (p *configParser) route(n *yaml.Node, num int) (Route, error) {
	where := fmt.Sprintf(" in route %d", num)
	if n.Kind != yaml.MappingNode {
		return Route{}, p.errorf(n, "route %d: want a mapping with a match key, got %s", num, yamlDescribe(n))
	}
	r := Route{Line: n.Line}
	pairs, err := p.mappingPairs(n)
	if err != nil {
		return Route{}, err
	}
	seen := map[string]bool{}
	for _, kv := range pairs {
		v := kv.v
		key, err := p.key(kv, configRouteKeys, where, seen)
		if err != nil {
			return Route{}, err
		}
		switch key {
		case "match":
			s, err := p.str(v, key, where)
			if err != nil {
				return Route{}, err
			}
			if err := validateGlob(s); err != nil {
				return Route{}, p.errorf(v, "%v%s", err, where)
			}
			r.Match = s
		case "headers":
			h, err := p.headers(v, where)
			if err != nil {
				return Route{}, err
			}
			r.Headers = h
		case "entry":
			b, err := p.boolean(v, key, where)
			if err != nil {
				return Route{}, err
			}
			r.Entry = &b
		case "gzip":
			b, err := p.boolean(v, key, where)
			if err != nil {
				return Route{}, err
			}
			r.Gzip = b
		case "storage_class":
			s, err := p.enum(v, key, where, storageClasses)
			if err != nil {
				return Route{}, err
			}
			r.StorageClass = s
		case "acl":
			s, err := p.enum(v, key, where, cannedACLs)
			if err != nil {
				return Route{}, err
			}
			r.ACL = s
		}
	}
	if !seen["match"] {
		return Route{}, p.errorf(n, "route %d has no match key (want e.g. match: \"**/*.html\")", num)
	}
	if enc, ok := r.Headers["Content-Encoding"]; ok && r.Gzip && !strings.EqualFold(enc, "gzip") {
		return Route{}, p.errorf(n, "route %d has gzip: true and Content-Encoding: %q; gzip sets Content-Encoding: gzip, so drop one of them", num, enc)
	}
	return r, nil
}

func (p *configParser) str(n *yaml.Node, key, where string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", p.errorf(n, "%s%s: want a string, got %s (quote the value)", key, where, yamlDescribe(n))
	}
	return n.Value, nil
}

func (p *configParser) boolean(n *yaml.Node, key, where string) (bool, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, nil
		}
	}
	return false, p.errorf(n, "%s%s: want true or false, got %s", key, where, yamlDescribe(n))
}

func (p *configParser) enum(n *yaml.Node, key, where string, accepted []string) (string, error) {
	s, err := p.str(n, key, where)
	if err != nil {
		return "", err
	}
	if !slices.Contains(accepted, s) {
		return "", p.errorf(n, "%s%s: unknown value %q (accepted: %s)", key, where, s, strings.Join(accepted, ", "))
	}
	return s, nil
}

// storageClasses are the storage classes PutObject accepts for a bucket
// (types.StorageClass in aws-sdk-go-v2/service/s3, less the FSX_* and
// AWS_BACKUP_* values that only FSx access points and AWS Backup use).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#AmazonS3-PutObject-request-header-StorageClass
var storageClasses = []string{
	"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
	"INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR",
	"OUTPOSTS", "SNOW", "EXPRESS_ONEZONE",
}

// cannedACLs are the canned ACLs PutObject accepts (types.ObjectCannedACL).
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl
var cannedACLs = []string{
	"private", "public-read", "public-read-write", "authenticated-read",
	"aws-exec-read", "bucket-owner-read", "bucket-owner-full-control",
}

// configHeaderNames are the headers a route may set: those PutObject stores with
// the object and returns on GET, by canonical name, plus X-Amz-Meta-*.
// X-Amz-Website-Redirect-Location makes the bucket's website endpoint
// redirect to its value.
var configHeaderNames = []string{
	"Cache-Control", "Content-Disposition", "Content-Encoding",
	"Content-Language", "Content-Type", "Expires",
	"X-Amz-Website-Redirect-Location",
}

const configAcceptedHeaders = "Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Content-Type, Expires, x-amz-website-redirect-location, x-amz-meta-NAME"

func (p *configParser) headers(n *yaml.Node, where string) (map[string]string, error) {
	if yamlIsNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, p.errorf(n, "headers%s: want a mapping of header names to values, got %s", where, yamlDescribe(n))
	}
	pairs, err := p.mappingPairs(n)
	if err != nil {
		return nil, err
	}
	h := make(map[string]string, len(pairs))
	meta := 0
	for _, kv := range pairs {
		k, v := kv.k, kv.v
		if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
			return nil, p.errorf(k, "headers%s: want a header name, got %s (accepted: %s)", where, yamlDescribe(k), configAcceptedHeaders)
		}
		name, err := routeHeaderName(k.Value)
		if err != nil {
			return nil, p.errorf(k, "headers%s: %v", where, err)
		}
		if _, dup := h[name]; dup {
			if kv.merged {
				continue
			}
			return nil, p.errorf(k, "headers%s: header %s given twice", where, name)
		}
		if len(h) == maxRouteHeaders {
			return nil, p.errorf(k, "headers%s: more than %d headers", where, maxRouteHeaders)
		}
		if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
			return nil, p.errorf(v, "headers%s: %s: want a string value, got %s (quote the value)", where, name, yamlDescribe(v))
		}
		value, err := routeHeaderValue(name, v.Value)
		if err != nil {
			return nil, p.errorf(v, "headers%s: %v", where, err)
		}
		if strings.HasPrefix(name, userMetaPrefix) {
			meta += len(name) - len(userMetaPrefix) + len(value)
			if meta > maxRouteMetadata {
				return nil, p.errorf(v, "headers%s: the x-amz-meta-* headers of this route take more than %d bytes (S3 stores 2 KiB of metadata per object, and cfinv keeps 256 bytes of it)", where, maxRouteMetadata)
			}
		}
		h[name] = value
	}
	return h, nil
}

// routeHeaderName returns the canonical form of a route's header name, or an
// error naming it and the accepted ones.
func routeHeaderName(raw string) (string, error) {
	if !isHTTPToken(raw) {
		return "", fmt.Errorf("bad header name %q (accepted: %s)", raw, configAcceptedHeaders)
	}
	name := textproto.CanonicalMIMEHeaderKey(raw)
	if slices.Contains(configHeaderNames, name) {
		return name, nil
	}
	if strings.HasPrefix(name, userMetaPrefix) {
		if len(name) == len(userMetaPrefix) {
			return "", fmt.Errorf("header %q has no metadata name after x-amz-meta- (want e.g. x-amz-meta-author)", raw)
		}
		if strings.HasPrefix(name, reservedUserMetaPrefix) {
			return "", fmt.Errorf("header %q: x-amz-meta-cfinv-* is the metadata cfinv writes itself (content hash, deploy ID); pick another name", raw)
		}
		return name, nil
	}
	return "", fmt.Errorf("header %q is not one S3 stores with an object (accepted: %s)", raw, configAcceptedHeaders)
}

// isHTTPToken reports whether s is an HTTP token (RFC 9110 section 5.6.2),
// the syntax of a header name.
func isHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// routeHeaderValue checks a header value and returns it without surrounding
// spaces. Values are printable ASCII: control characters would split or
// corrupt the request, and S3 does not keep non-ASCII values as given.
func routeHeaderValue(name, raw string) (string, error) {
	v := strings.Trim(raw, " \t")
	if v == "" {
		return "", fmt.Errorf("%s: empty value (remove the header to get the default)", name)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\t' || (c >= 0x20 && c < 0x7f) {
			continue
		}
		if c < 0x20 || c == 0x7f {
			return "", fmt.Errorf("%s: value %q has the control character %q at byte %d (want printable ASCII)", name, raw, c, i)
		}
		return "", fmt.Errorf("%s: value %q is not ASCII (S3 does not store non-ASCII header values as given; percent-encode it, e.g. filename*=UTF-8''...)", name, raw)
	}
	switch name {
	case "Content-Type", "Content-Disposition":
		if _, _, err := mime.ParseMediaType(v); err != nil {
			return "", fmt.Errorf("%s: bad value %q: %v (want e.g. %s)", name, raw, err, headerExample(name))
		}
	case "Expires":
		// IMF-fixdate only: the one form senders must generate (RFC 9110
		// section 5.6.7), and the one the upload parses.
		if _, err := time.Parse(http.TimeFormat, v); err != nil {
			return "", fmt.Errorf("%s: bad value %q: want an HTTP date such as \"Thu, 01 Jan 2032 00:00:00 GMT\"", name, raw)
		}
	case "X-Amz-Website-Redirect-Location":
		// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#AmazonS3-PutObject-request-header-WebsiteRedirectLocation
		if !strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
			return "", fmt.Errorf("%s: bad value %q: want a path starting with / or an http:// or https:// URL", name, raw)
		}
		if len(v) > 2048 {
			return "", fmt.Errorf("%s: value is %d bytes, more than the 2 KiB S3 stores", name, len(v))
		}
	case "Content-Encoding":
		for _, e := range strings.Split(v, ",") {
			e = strings.TrimSpace(e)
			if !isHTTPToken(e) {
				return "", fmt.Errorf("%s: bad value %q: want a list of codings such as \"gzip\" or \"br\"", name, raw)
			}
			// S3 takes aws-chunked as the framing of the upload itself and
			// strips it from what it stores.
			// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
			if strings.EqualFold(e, "aws-chunked") {
				return "", fmt.Errorf("%s: %q is the framing of an S3 upload, not a coding S3 stores (want e.g. \"gzip\" or \"br\")", name, raw)
			}
		}
	}
	return v, nil
}

func headerExample(name string) string {
	if name == "Content-Type" {
		return `"text/plain; charset=utf-8"`
	}
	return `"attachment; filename=report.pdf"`
}
