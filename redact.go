package cfinv

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Redaction. Nothing cfinv prints — an error message, a --debug request or
// response, a progress line — may carry a secret key, a session token, a
// signature or an Authorization value, whatever a server sends back: a
// SignatureDoesNotMatch message, for one, may echo the canonical request
// with its x-amz-security-token line (issue 10). Redact removes them by
// shape, and removes the values of the credentials the SDK signed with
// (AddSecrets) wherever they appear.

// redacted replaces what Redact removes.
const redacted = "REDACTED"

var secretPatterns = []*regexp.Regexp{
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

var known struct {
	mu     sync.RWMutex
	values map[string]bool
}

// minSecretLen keeps a short value (an empty or test token) from redacting
// ordinary words.
const minSecretLen = 6

// AddSecrets registers credential values (secret keys, session tokens) that
// Redact removes from any text, also in their URL-encoded forms. NewAPI
// registers every credential the SDK retrieves.
func AddSecrets(values ...string) {
	known.mu.Lock()
	defer known.mu.Unlock()
	if known.values == nil {
		known.values = map[string]bool{}
	}
	for _, v := range values {
		if len(v) < minSecretLen {
			continue
		}
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
			known.values[form] = true
		}
	}
}

// Redact hides credentials in text cfinv is about to print: Authorization
// values, security tokens, signatures and presigning parameters by shape,
// and every value registered with AddSecrets.
func Redact(s string) string {
	for _, re := range secretPatterns {
		s = re.ReplaceAllString(s, "${1}"+redacted+"${3}")
	}
	known.mu.RLock()
	defer known.mu.RUnlock()
	for v := range known.values {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}
