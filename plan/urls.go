package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cfinv/cfinv/cfpath"
)

// IndexForms selects which URLs a directory index object is reachable
// under. A bit set of FormSlash, FormNoSlash and FormFile.
type IndexForms uint8

// The URL forms of dir/index.html.
const (
	FormSlash   IndexForms = 1 << iota // /dir/
	FormNoSlash                        // /dir
	FormFile                           // /dir/index.html
)

// AllIndexForms is every form: what a site that links inconsistently needs.
const AllIndexForms = FormSlash | FormNoSlash | FormFile

// ParseIndexForms parses a comma-separated list of "slash", "noslash" and
// "file" (e.g. "slash,file").
func ParseIndexForms(s string) (IndexForms, error) {
	var f IndexForms
	for _, part := range strings.Split(s, ",") {
		switch strings.TrimSpace(part) {
		case "slash":
			f |= FormSlash
		case "noslash":
			f |= FormNoSlash
		case "file":
			f |= FormFile
		case "":
		default:
			return 0, fmt.Errorf("unknown index form %q: want a comma-separated list of slash, noslash, file", strings.TrimSpace(part))
		}
	}
	if f == 0 {
		return 0, fmt.Errorf("empty index form list %q: want a comma-separated list of slash, noslash, file", s)
	}
	return f, nil
}

// Mapper turns object keys (as stored at the origin) into the URL paths a
// viewer can request them under, percent-encoded as KeyPath does.
type Mapper struct {
	// OriginPath is the origin's path ("/prod"): keys below it are served
	// with it stripped; keys outside it are not served at all. Ignored
	// when Routes is set.
	OriginPath string
	// Routes, when set, are the distribution's cache behaviours in order,
	// the default one last (see Route). A key is mapped under the origin
	// path of every local route, and each URL is kept only when the first
	// route whose pattern matches it is local with that origin path: the
	// URL a viewer requests then reaches this key.
	Routes []Route
	// IndexDocument is the name of directory index objects ("index.html");
	// empty disables the index forms.
	IndexDocument string
	// Forms selects the URLs of an index object; zero means AllIndexForms.
	Forms IndexForms
	// DefaultRootObject is the distribution's DefaultRootObject: when the
	// key at the origin root with this name changes, "/" changes too.
	DefaultRootObject string
	// ErrorPages are the distribution's error pages
	// (DistributionErrorPages): Input warns when one changes.
	ErrorPages []ErrorPage
	// FunctionRuns bounds the viewer-request function runs of the
	// Routes' functions (see Function); zero means DefaultFunctionRuns.
	FunctionRuns int

	fx *functions // what is known of the Routes' functions
}

// Route is a cache behaviour of a distribution as the Mapper needs it.
type Route struct {
	// PathPattern is the behaviour's path pattern ("/images/*.jpg"); ""
	// for the default behaviour, which matches every path.
	PathPattern string
	// Local reports whether the behaviour's origin serves the objects
	// being planned (the same bucket as the default behaviour's origin).
	Local bool
	// OriginPath is the origin path of the behaviour's origin.
	OriginPath string
	// ViewerRequest is the function the behaviour runs on viewer-request,
	// or nil. Its LIVE code must be loaded (LoadFunctions) for its effect
	// to be known: URLs the behaviour serves are then mapped to the URI
	// the function rewrites them to, which is what CloudFront caches.
	ViewerRequest *Function
}

// URLs returns the encoded URL paths of key, or nil when no viewer URL
// reaches it (outside the origin path, or routed to another origin). key
// may start with '/'. A URL served by a behaviour with a viewer-request
// function is replaced by the URL the function makes CloudFront cache it
// under, when its effect is known (see Function); URLs are returned once.
// A Mapper with functions keeps what it learnt of them, so it is not safe
// for concurrent use.
func (m *Mapper) URLs(key string) []string {
	key = strings.TrimPrefix(key, "/")
	if len(m.Routes) == 0 {
		rest, ok := stripOrigin(key, m.OriginPath)
		if !ok {
			return nil
		}
		return m.forms(rest, nil)
	}
	var out []string
	for i, r := range m.Routes {
		if !r.Local || slices.ContainsFunc(m.Routes[:i], func(q Route) bool { return q.Local && normOrigin(q.OriginPath) == normOrigin(r.OriginPath) }) {
			continue // each origin path once
		}
		rest, ok := stripOrigin(key, r.OriginPath)
		if !ok {
			continue
		}
		op := normOrigin(r.OriginPath)
		out = m.formsInto(out, rest, func(raw string) bool {
			for _, q := range m.Routes {
				if q.PathPattern == "" || cfpath.MatchPathPattern(q.PathPattern, raw) {
					return q.Local && normOrigin(q.OriginPath) == op
				}
			}
			return false
		})
	}
	return out
}

func normOrigin(op string) string { return strings.Trim(op, "/") }

// stripOrigin returns key relative to the origin path op.
func stripOrigin(key, op string) (string, bool) {
	if op := normOrigin(op); op != "" {
		return strings.CutPrefix(key, op+"/")
	}
	return key, true
}

// forms returns the encoded URLs of the key rest (relative to the origin
// path) that keep says are served; keep nil keeps all.
func (m *Mapper) forms(rest string, keep func(raw string) bool) []string {
	return m.formsInto(nil, rest, keep)
}

func (m *Mapper) formsInto(out []string, key string, keep func(raw string) bool) []string {
	if key == "" {
		return out
	}
	forms := m.Forms
	if forms == 0 {
		forms = AllIndexForms
	}
	n := len(out)
	fn := slices.ContainsFunc(m.Routes, func(r Route) bool { return r.ViewerRequest != nil })
	add := func(raw string) {
		if keep != nil && !keep(raw) {
			return
		}
		p := "/"
		if raw != "/" {
			p = KeyPath(raw[1:])
		}
		if fn {
			if r := m.routeOf(raw); r != nil && r.ViewerRequest != nil {
				p = m.cachedURL(r.ViewerRequest, p)
			}
		}
		if slices.Contains(out[n:], p) {
			return
		}
		out = append(out, p)
	}
	dir, name := "", key
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		dir, name = key[:i+1], key[i+1:]
	}
	if m.DefaultRootObject != "" && key == strings.TrimPrefix(m.DefaultRootObject, "/") {
		add("/")
	}
	if m.IndexDocument != "" && name == m.IndexDocument {
		if forms&FormSlash != 0 {
			add("/" + dir)
		}
		if forms&FormNoSlash != 0 && dir != "" {
			add("/" + strings.TrimSuffix(dir, "/"))
		}
		if forms&FormFile != 0 {
			add("/" + key)
		}
		shareForms(out[n:])
		return out
	}
	add("/" + key)
	return out
}

// shareForms makes each of an index object's URLs that is a prefix of
// the longest one ("/dir/" and "/dir" of "/dir/index.html") a substring of
// it, so that they share its bytes: the planner holds every URL to purge
// (issue 31).
func shareForms(urls []string) {
	if len(urls) < 2 {
		return
	}
	long := slices.MaxFunc(urls, func(a, b string) int { return cmp.Compare(len(a), len(b)) })
	for i, u := range urls {
		if len(u) < len(long) && strings.HasPrefix(long, u) {
			urls[i] = long[:len(u)]
		}
	}
}

// keyOnly encodes what means one thing in a key and another in a path.
var keyOnly = strings.NewReplacer("%", "%25", "?", "%3F")

// KeyPath returns the URL path viewers request an object key under ("/" +
// key, percent-encoded), in exactly the form "cfinv invalidate" sends it:
// the key is encoded by cfpath.Clean, after encoding the two characters
// whose meaning differs between a key and a path — '%' (in a key a literal
// percent sign, never the start of an escape) and '?' (it would start a
// query string). So cfpath.Clean(KeyPath(k)) == KeyPath(k): '~' stays raw,
// as browsers send it, and the unsafe characters, controls and non-ASCII
// bytes are %XX-encoded. A literal '*' is kept: such a URL cannot be
// invalidated exactly (CloudFront reads '*' only as a trailing wildcard
// and rejects it elsewhere), and Build covers it with a wildcard that ends
// before the '*'.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html
func KeyPath(key string) string {
	plain := true
	for i := 0; i < len(key) && plain; i++ {
		c := key[i]
		plain = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '/' || c == '.' || c == '-' || c == '_'
	}
	if plain {
		return "/" + key // nothing any rule encodes
	}
	var b strings.Builder
	b.Grow(len(key) + 8)
	b.WriteByte('/')
	for i, piece := range strings.Split(key, "*") {
		if i > 0 {
			b.WriteByte('*')
		}
		// Chunks of 1000 bytes stay under Clean's length limit even when
		// every byte is encoded; Clean encodes byte by byte, so a chunk
		// boundary inside a UTF-8 sequence changes nothing.
		for len(piece) > 0 {
			n := min(len(piece), 1000)
			raw := piece[:n]
			piece = piece[n:]
			c, _, err := cfpath.Clean("/" + keyOnly.Replace(raw))
			if err != nil {
				// Not expected (no '*', short enough); encoding every
				// byte is always a valid path for the same key.
				for j := 0; j < len(raw); j++ {
					fmt.Fprintf(&b, "%%%02X", raw[j])
				}
				continue
			}
			b.WriteString(c[1:])
		}
	}
	return b.String()
}
