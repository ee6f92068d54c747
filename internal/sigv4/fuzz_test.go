package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
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

// FuzzCanonicalFastPaths checks that the shortcuts for inputs needing no
// work (a path without dot or empty segments, a component without a byte
// to escape, a header value already trimmed) give what the general
// algorithms give.
func FuzzCanonicalFastPaths(f *testing.F) {
	for _, s := range []string{"/", "/a/b", "/a/", "a", "//", "/a/./b", "/..", "/a/..", "a b", " a", "a  b", "a\tb", "~._-", "%2F", "é", "\u00a0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s != "" {
			if got, want := removeDotSegments(s), dotSegmentsRemoved(s); got != want {
				t.Errorf("removeDotSegments(%q) = %q, want %q", s, got, want)
			}
		}
		for _, keepSlash := range []bool{false, true} {
			var want strings.Builder
			for i := 0; i < len(s); i++ {
				if unreserved(s[i], keepSlash) {
					want.WriteByte(s[i])
				} else {
					fmt.Fprintf(&want, "%%%02X", s[i])
				}
			}
			if got := encodeRFC3986(s, keepSlash); got != want.String() {
				t.Errorf("encodeRFC3986(%q, %v) = %q, want %q", s, keepSlash, got, want.String())
			}
		}
		if got, want := trimAll(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("trimAll(%q) = %q, want %q", s, got, want)
		}
	})
}

// BenchmarkAuthenticate verifies one CreateInvalidation request signed by
// aws-sdk-go-v2, as the emulator does for every call.
func BenchmarkAuthenticate(b *testing.B) {
	body := []byte(`<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths><CallerReference>r</CallerReference></InvalidationBatch>`)
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation", bytes.NewReader(body))
	r.Header.Set("Content-Type", "text/xml")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.36.3 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/cloudfront#1.44.0")
	r.Header.Set("Amz-Sdk-Invocation-Id", "0b5f2d3c-6a8e-4f7b-9c1d-2e3f4a5b6c7d")
	r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret},
		r, hex.EncodeToString(sum[:]), "cloudfront", "us-east-1", testNow); err != nil {
		b.Fatal(err)
	}
	v := testVerifier()
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Authenticate(r, body); err != nil {
			b.Fatal(err)
		}
	}
}
