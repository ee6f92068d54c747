// Package redact removes secrets from text cfinv is about to print. Nothing
// cfinv prints — an error message, a debug log of a request or response, a
// progress line — may carry a secret key, a session token, a signature or
// an Authorization value, whatever a server sends back: a
// SignatureDoesNotMatch message, for one, may echo the canonical request
// with its x-amz-security-token line (issue 10). String removes them by
// shape; a Set also removes the values of the credentials a client signed
// with, wherever they appear.
package redact

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Redacted replaces what is removed.
const Redacted = "REDACTED"

var secretPatterns = sync.OnceValue(func() []*regexp.Regexp {
	return []*regexp.Regexp{
		// Header lines of a logged request or response.
		regexp.MustCompile(`(?im)^((?:Authorization|X-Amz-Security-Token|X-Amz-Signature|X-Amz-Credential)\s*:\s*)(.*?)(\r?)$`),
		// The same names inside other text: a canonical request echoed in a
		// message ("x-amz-security-token:…", possibly with its newlines
		// escaped as &#xA;), presigned query parameters ("X-Amz-Signature=…"),
		// Authorization values quoted in a message.
		regexp.MustCompile(`(?i)((?:x-amz-security-token|x-amz-signature|x-amz-credential)(?:\s*[:=]\s*|%3D))([^\s&'"<>,;]+)()`),
		regexp.MustCompile(`(?i)(authorization\s*[:=]\s*)([^\r\n&<>'"]+)()`),
		// An AWS4 signature anywhere: "Signature=<hex>".
		regexp.MustCompile(`(?i)(signature\s*=\s*)([0-9a-f]{16,})()`),
	}
})

// String hides Authorization values, security tokens, signatures and
// presigning parameters in s, by their shape.
func String(s string) string {
	for _, re := range secretPatterns() {
		s = re.ReplaceAllString(s, "${1}"+Redacted+"${3}")
	}
	return s
}

// minSecretLen keeps a short value (an empty or test token) from redacting
// ordinary words.
const minSecretLen = 6

// Set is a set of secret values, safe for concurrent use. The zero Set is
// empty and ready; a nil *Set redacts by shape only.
type Set struct {
	mu     sync.RWMutex
	values map[string]bool
}

// Add registers credential values (secret keys, session tokens), also in
// their URL-encoded forms. Values shorter than 6 characters are ignored.
func (s *Set) Add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string]bool{}
	}
	for _, v := range values {
		if len(v) < minSecretLen {
			continue
		}
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
			s.values[form] = true
		}
	}
}

// Redact is String(text) with every value of s removed too.
func (s *Set) Redact(text string) string {
	text = String(text)
	if s == nil {
		return text
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for v := range s.values {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, Redacted)
		}
	}
	return text
}
