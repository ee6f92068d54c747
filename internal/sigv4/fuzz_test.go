package sigv4

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/cloudfront/aws4_request, SignedHeaders=host;x-amz-date, Signature=43a1",
		"AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/cloudfront/aws4_request,SignedHeaders=content-type;host,Signature=",
		"AWS4-HMAC-SHA256 SignedHeaders=host",
		"AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;;, Signature=x",
		"AWS AKID:sig",
		"",
		"AWS4-HMAC-SHA256 ,,,==,Credential==",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, auth string) {
		c, err := parseAuthorization(auth)
		if err != nil {
			if codeOf(err) != CodeIncompleteSignature {
				t.Fatalf("got %v, want IncompleteSignature", err)
			}
			return
		}
		if c.accessKeyID == "" || c.signature == "" || len(c.scopeDate) != 8 || c.region == "" || c.service == "" {
			t.Fatalf("accepted incomplete credential %+v from %q", c, auth)
		}
		hasHost := false
		for _, h := range c.signedHeaders {
			hasHost = hasHost || h == "host"
		}
		if !hasHost {
			t.Fatalf("accepted SignedHeaders without host from %q", auth)
		}
		// A parsed header must run through the whole verifier without panicking.
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/x?a=b", nil)
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", c.scopeDate+"T000000Z")
		now, _ := time.Parse(timeFormat, c.scopeDate+"T000000Z")
		v := &Verifier{Lookup: func(string) (string, bool) { return "s", true }, Now: func() time.Time { return now }}
		_ = v.Authenticate(r, []byte(auth))
	})
}

func FuzzParseCredentialsFile(f *testing.F) {
	for _, s := range []string{
		"[default]\naws_access_key_id = A\naws_secret_access_key = S\n",
		"# c\n[p]\ns3 =\n  x = 1\naws_access_key_id=A\naws_secret_access_key=S\n[q]\n",
		"[a]\naws_access_key_id=A\n",
		"x=y\n",
		"[\n",
		"\uFEFF[a]\r\naws_access_key_id=A\r\naws_secret_access_key=S\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		keys, err := ParseCredentialsFile(strings.NewReader(in))
		if err != nil {
			return
		}
		for id, secret := range keys {
			if id == "" || secret == "" || strings.TrimSpace(id) != id || strings.TrimSpace(secret) != secret {
				t.Fatalf("got pair %q=%q from %q", id, secret, in)
			}
		}
	})
}
