package plan

import (
	"fmt"
	"strings"
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
// viewer can request them under, percent-encoded the way CloudFront wants
// invalidation paths.
type Mapper struct {
	// OriginPath is the origin's path ("/prod"): keys below it are served
	// with it stripped; keys outside it are not served at all.
	OriginPath string
	// IndexDocument is the name of directory index objects ("index.html");
	// empty disables the index forms.
	IndexDocument string
	// Forms selects the URLs of an index object; zero means AllIndexForms.
	Forms IndexForms
	// DefaultRootObject is the distribution's DefaultRootObject: when the
	// key at the origin root with this name changes, "/" changes too.
	DefaultRootObject string
}

// URLs returns the encoded URL paths of key, or nil when key is outside the
// origin path (a viewer cannot reach it). key may start with '/'.
func (m *Mapper) URLs(key string) []string {
	key = strings.TrimPrefix(key, "/")
	if op := strings.Trim(m.OriginPath, "/"); op != "" {
		rest, ok := strings.CutPrefix(key, op+"/")
		if !ok {
			return nil
		}
		key = rest
	}
	if key == "" {
		return nil
	}
	forms := m.Forms
	if forms == 0 {
		forms = AllIndexForms
	}
	var out []string
	add := func(p string) {
		for _, q := range out {
			if q == p {
				return
			}
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
			add("/" + Escape(dir))
		}
		if forms&FormNoSlash != 0 && dir != "" {
			add("/" + Escape(strings.TrimSuffix(dir, "/")))
		}
		if forms&FormFile != 0 {
			add("/" + Escape(key))
		}
		return out
	}
	add("/" + Escape(key))
	return out
}

// Escape percent-encodes a key the way CloudFront matches invalidation
// paths: every byte that is not ASCII, every control character and the
// characters RFC 1738 calls unsafe (space < > " # % { } | \ ^ ~ [ ] `),
// plus '?' (it would start a query string) and '*' (it would be read as a
// wildcard). Everything else, including '/', is left alone: encoding a safe
// character makes CloudFront silently miss the object.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html
//
// TODO(cfpath): use cfpath's encoder once it exists, so the client and the
// planner share one rule.
func Escape(key string) string {
	i := 0
	for i < len(key) && !needsEscape(key[i]) {
		i++
	}
	if i == len(key) {
		return key
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(key) + 8)
	b.WriteString(key[:i])
	for ; i < len(key); i++ {
		if c := key[i]; needsEscape(c) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func needsEscape(c byte) bool {
	if c < 0x21 || c >= 0x7f {
		return true
	}
	switch c {
	case '<', '>', '"', '#', '%', '{', '}', '|', '\\', '^', '~', '[', ']', '`', '?', '*':
		return true
	}
	return false
}
