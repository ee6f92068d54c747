package redact

import (
	"strings"
	"testing"
)

func TestRedactShapes(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"header lines", "Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=abc\r\nX-Amz-Security-Token: tok\r\nX-Amz-Date: 20260501T000000Z\r\n",
			"Authorization: REDACTED\r\nX-Amz-Security-Token: REDACTED\r\nX-Amz-Date: 20260501T000000Z\r\n"},
		{"canonical request in a message", "should have been\n'POST\n/x\n\nhost:h\nx-amz-security-token:tok/en+1=\nx-amz-date:d\n'",
			"should have been\n'POST\n/x\n\nhost:h\nx-amz-security-token:REDACTED\nx-amz-date:d\n'"},
		{"escaped newlines", "host:h&#xA;x-amz-security-token:tok&#xA;x-amz-date:d", "host:h&#xA;x-amz-security-token:REDACTED&#xA;x-amz-date:d"},
		{"query parameters", "/x?X-Amz-Signature=0123abcd&X-Amz-Security-Token=t%2Fk&a=b", "/x?X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED&a=b"},
		{"signature in text", "you sent Signature=" + strings.Repeat("ab", 32) + ".", "you sent Signature=REDACTED."},
		{"authorization quoted", `the header 'Authorization: AWS4-HMAC-SHA256 Credential=A/1, Signature=ff' was`, `the header 'Authorization: REDACTED' was`},
		{"nothing secret", "NoSuchDistribution: The specified distribution does not exist.", "NoSuchDistribution: The specified distribution does not exist."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSetRedactsValues(t *testing.T) {
	var s Set
	s.Add("short", "secret/key+value=", "")
	got := s.Redact("a secret/key+value= b secret%2Fkey%2Bvalue%3D c short")
	if want := "a REDACTED b REDACTED c short"; got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
	var other Set
	if got := other.Redact("secret/key+value="); got != "secret/key+value=" {
		t.Errorf("another Set redacted %q: the sets are not per client", got)
	}
	var none *Set
	if got := none.Redact("Signature=" + strings.Repeat("ab", 16)); got != "Signature=REDACTED" {
		t.Errorf("nil Set: %q, want redaction by shape", got)
	}
}
