package sigv4

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The key aws-sdk-go-v2's internal/v4a derives from its test key pair
// (TestDeriveECDSAKeyPairFromSecret there): the public point must be the
// same, or no SDK signature would verify.
func TestDeriveV4AKey(t *testing.T) {
	k, err := DeriveV4AKey("AKISORANDOMAASORANDOM", "q+jcrXGc+0zWN6uzclKVhvMmUsIfRPa4rlRandom")
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	x, y := hex.EncodeToString(b[1:33]), hex.EncodeToString(b[33:])
	if want := "15d242ceebf8d8169fd6a8b5a746c41140414c3b07579038da06af89190fffcb"; x != want {
		t.Errorf("X = %s, want %s", x, want)
	}
	if want := "0515242cedd82e94799482e4c0514b505afccf2c0c98d6a553bf539f424c5ec0"; y != want {
		t.Errorf("Y = %s, want %s", y, want)
	}
}

// signV4A signs r as the SDKs do (the canonical request of SigV4, the
// scope without a region), with key pair id/secret at now.
func signV4A(t *testing.T, r *http.Request, id, secret string, now time.Time, body []byte) {
	t.Helper()
	amz := now.UTC().Format(timeFormat)
	r.Header.Set("X-Amz-Date", amz)
	r.Header.Set("X-Amz-Region-Set", "*")
	sum := sha256.Sum256(body)
	r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	c := &credential{signedHeaders: []string{"host", "x-amz-content-sha256", "x-amz-date", "x-amz-region-set"},
		signedRaw: "host;x-amz-content-sha256;x-amz-date;x-amz-region-set", payload: hex.EncodeToString(sum[:])}
	canon := canonicalRequest(r, c, canonicalURIs(r, false)[0], false)
	cs := sha256.Sum256([]byte(canon))
	scope := amz[:8] + "/cloudfront-keyvaluestore/aws4_request"
	digest := sha256.Sum256([]byte(AlgorithmV4A + "\n" + amz + "\n" + scope + "\n" + hex.EncodeToString(cs[:])))
	k, err := DeriveV4AKey(id, secret)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := ecdsa.SignASN1(rand.Reader, k, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", AlgorithmV4A+" Credential="+id+"/"+scope+", SignedHeaders="+c.signedRaw+", Signature="+hex.EncodeToString(sig))
}

func TestV4AVerifier(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	v := &V4AVerifier{Service: "cloudfront-keyvaluestore", Now: func() time.Time { return now },
		Lookup: func(id string) (string, bool) { return "secret", id == "AKID" }}
	tests := []struct {
		name string
		edit func(r *http.Request)
		when time.Time
		code string
	}{
		{name: "valid"},
		{name: "path changed", edit: func(r *http.Request) { r.URL.Path += "x"; r.URL.RawPath = "" }, code: CodeSignatureDoesNotMatch},
		{name: "region set changed", edit: func(r *http.Request) { r.Header.Set("X-Amz-Region-Set", "us-east-1") }, code: CodeSignatureDoesNotMatch},
		{name: "signature not hex", edit: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Signature=", "Signature=zz", 1))
		}, code: CodeSignatureDoesNotMatch},
		{name: "10 minutes late", when: now.Add(-10 * time.Minute), code: CodeSignatureDoesNotMatch},
		{name: "other service", edit: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/cloudfront-keyvaluestore/", "/s3/", 1))
		}, code: CodeSignatureDoesNotMatch},
		{name: "region in the scope (SigV4's five parts)", edit: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/cloudfront-keyvaluestore/", "/us-east-1/cloudfront-keyvaluestore/", 1))
		}, code: CodeIncompleteSignature},
		{name: "region set not signed", edit: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-amz-region-set", "", 1))
		}, code: CodeIncompleteSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(`{"Value":"v"}`)
			r := httptest.NewRequest("PUT", "http://123456789012.127.0.0.1:8080/key-value-stores/arn%3Aaws%3Acloudfront%3A%3A123456789012%3Akey-value-store%2Fid/keys/k", nil)
			when := now
			if !tt.when.IsZero() {
				when = tt.when
			}
			signV4A(t, r, "AKID", "secret", when, body)
			if tt.edit != nil {
				tt.edit(r)
			}
			err := v.Authenticate(r, body)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			_, sig, _ := strings.Cut(r.Header.Get("Authorization"), "Signature=")
			if len(sig) >= 8 && strings.Contains(e.Message, sig) {
				t.Errorf("the message quotes the signature: %s", e.Message)
			}
		})
	}
}
