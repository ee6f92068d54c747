package cfpath

import (
	"fmt"
	"strings"
)

// Warning is something Clean or Prepare changed or dropped on the user's
// behalf: the request is still valid, but the user should know.
type Warning struct {
	Item    string // the item as given
	Message string // what was done and why
}

func (w Warning) String() string { return fmt.Sprintf("%s: %s", w.Item, w.Message) }

// Clean turns one user-supplied item into the form CloudFront expects, or
// says why it cannot.
//
// A cache tag ("#name") is checked and returned unchanged. A path gets a
// leading '/' when it has none (with a warning), and then exactly the
// characters the developer guide asks for are percent-encoded: non-ASCII
// bytes (as UTF-8), control characters and the RFC 1738 "unsafe" set
// space < > " # % { } | \ ^ [ ] `. Everything else, including '?', '=' and
// '&' of a query string, is sent as it is. A '%' that already starts a
// valid %XX escape is kept, so Clean is idempotent. A '*' is allowed only
// as the last character, where it is the wildcard.
//
// '~' is the one unsafe character that is NOT encoded. RFC 3986 (which
// replaced RFC 1738's list) makes '~' unreserved, browsers send it raw, so
// the cache key CloudFront stores holds a raw '~'; and users report that
// invalidating "%7E" does not purge the object (aws-sdk#525,
// aws-sdk-js-v3#4042), while s3deploy#46 encodes it and reports contradict
// each other. Sending it raw matches what viewers request; Clean warns so
// the user can fall back to a prefix wildcard if the purge does not take.
//
// Rules: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html#invalidation-specifying-objects
func Clean(item string) (string, []Warning, error) {
	if item == "" {
		return "", nil, &Error{Item: item, Reason: "it is empty", Accepted: acceptPath}
	}
	if item[0] == '#' {
		if err := validateTag(item); err != nil {
			return "", nil, err
		}
		return item, nil, nil
	}
	var warns []Warning
	p := item
	if p[0] != '/' {
		p = "/" + p
		warns = append(warns, Warning{Item: item, Message: "added the leading '/' that CloudFront requires"})
	}
	if i := strings.IndexByte(p, '*'); i >= 0 && i != len(p)-1 {
		return "", nil, &Error{Item: item, Reason: fmt.Sprintf("'*' at position %d is not the last character; CloudFront accepts a wildcard only at the end", strings.IndexByte(item, '*')+1), Accepted: acceptPath}
	}
	out := escape(p)
	if len(out) > MaxPathLen {
		return "", nil, &Error{Item: item, Reason: fmt.Sprintf("it is %d characters long once encoded, over the limit of %d", len(out), MaxPathLen), Accepted: acceptPath}
	}
	if strings.IndexByte(out, '~') >= 0 {
		warns = append(warns, Warning{Item: item, Message: "'~' is sent unencoded (as browsers send it); if the object is not purged, invalidate a prefix wildcard before the '~' instead"})
	}
	return out, warns, nil
}

// unsafe reports whether c must be percent-encoded in a path: control
// characters, non-ASCII bytes and RFC 1738's unsafe characters except '%'
// (handled by the caller) and '~' (see Clean).
func unsafe(c byte) bool {
	if c < 0x21 || c >= 0x7f {
		return true
	}
	switch c {
	case '<', '>', '"', '#', '{', '}', '|', '\\', '^', '[', ']', '`':
		return true
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// escape percent-encodes the unsafe bytes of p, keeping valid %XX escapes.
func escape(p string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		keptEscape := c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2])
		if !keptEscape && (c == '%' || unsafe(c)) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
