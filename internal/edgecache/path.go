package edgecache

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// errTraversal is returned by cleanPath for a path whose encoded slash
// or backslash hides a dot segment ("/..%2Fsecret"): an origin that
// decodes it would step out of the directory the edge thinks it asked
// for, so the edge refuses it with 400.
var errTraversal = errors.New("encoded path separator next to a dot segment")

// errBadEscape is returned by cleanPath for a '%' not followed by two hex
// digits.
var errBadEscape = errors.New("invalid percent-encoding in path")

// cleanPath normalises the escaped path of a viewer request once, at the
// edge's entry, before the cache behaviour, the cache key and the origin
// URL are derived from it (issue 10):
//
//  1. percent-encodings of unreserved characters (ALPHA, DIGIT, "-", ".",
//     "_", "~") are decoded, others are written with upper-case hex, and
//     bytes a path may not hold literally are encoded (RFC 3986 §6.2.2.1
//     and §6.2.2.2), so "/%2e%2e/" is the dot segment "/../";
//  2. "%2F" and "%5C" stay encoded: they are not separators at the edge,
//     and a segment in which they would separate a "." or ".." is refused
//     with errTraversal, so that no origin that decodes them can be led
//     out of its OriginPath;
//  3. dot segments are removed as RFC 3986 §5.2.4 removes them, so
//     "/sub/../index.html" and "/./index.html" are "/index.html" and
//     nothing climbs above "/".
//
// The result starts with "/", has no "." or ".." segment, and
// cleanPath(result) is result. Empty segments ("//") are kept.
func cleanPath(escaped string) (string, error) {
	if isClean(escaped) {
		return escaped, nil // the common case, without an allocation
	}
	var b strings.Builder
	b.Grow(len(escaped) + 1)
	if !strings.HasPrefix(escaped, "/") {
		b.WriteByte('/')
	}
	for i := 0; i < len(escaped); i++ {
		c := escaped[i]
		switch {
		case c == '%':
			if i+2 >= len(escaped) || !isHex(escaped[i+1]) || !isHex(escaped[i+2]) {
				return "", errBadEscape
			}
			v := unhex(escaped[i+1])<<4 | unhex(escaped[i+2])
			i += 2
			if isUnreserved(v) {
				b.WriteByte(v)
			} else {
				writeEscaped(&b, v)
			}
		case c == '/' || isPathChar(c):
			b.WriteByte(c)
		default:
			writeEscaped(&b, c)
		}
	}
	p := b.String()
	if !strings.Contains(p, "/.") && !strings.Contains(p, "%2F") && !strings.Contains(p, "%5C") {
		return p, nil // the common case: nothing to remove, nothing hidden
	}
	segs := strings.Split(p[1:], "/")
	for _, s := range segs {
		if hidesDotSegment(s) {
			return "", errTraversal
		}
	}
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
			continue
		}
		if last {
			out = append(out, "") // "/a/." and "/a/b/.." end in "/"
		}
	}
	return "/" + strings.Join(out, "/"), nil
}

// isClean reports whether p is already in cleanPath's normal form by a
// quick test: a leading '/', no '%', no segment starting with '.', and
// only characters a path holds literally.
func isClean(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' {
			if i+1 < len(p) && p[i+1] == '.' {
				return false
			}
			continue
		}
		if !isPathChar(c) {
			return false
		}
	}
	return true
}

// hidesDotSegment reports whether segment s, split at the encoded
// separators "%2F" and "%5C" (and a literal backslash, for origins that
// read it as one), has a "." or ".." part.
func hidesDotSegment(s string) bool {
	if !strings.Contains(s, "%2F") && !strings.Contains(s, "%5C") && !strings.Contains(s, `\`) {
		return false
	}
	s = strings.NewReplacer("%2F", "/", "%5C", "/", `\`, "/").Replace(s)
	for part := range strings.SplitSeq(s, "/") {
		if part == "." || part == ".." {
			return true
		}
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// isPathChar reports whether c may appear literally in a path segment:
// unreserved, sub-delims, ":" and "@" (RFC 3986 §3.3).
func isPathChar(c byte) bool {
	if isUnreserved(c) {
		return true
	}
	return strings.IndexByte("!$&'()*+,;=:@", c) >= 0
}

func writeEscaped(b *strings.Builder, c byte) {
	const hex = "0123456789ABCDEF"
	b.WriteByte('%')
	b.WriteByte(hex[c>>4])
	b.WriteByte(hex[c&15])
}

// withPath returns a shallow copy of r whose URL has the escaped path
// escaped (a result of cleanPath, so it always unescapes).
func withPath(r *http.Request, escaped string) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, _ = url.PathUnescape(escaped)
	u.RawPath = escaped
	r2.URL = &u
	return r2
}
