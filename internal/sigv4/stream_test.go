package sigv4

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestAuthenticateHeadersS3 signs S3 requests as the Go SDK does for S3
// (path encoded once, not normalised; UNSIGNED-PAYLOAD) and checks them
// with Service "s3", and that a CloudFront verifier rejects the scope.
func TestAuthenticateHeadersS3(t *testing.T) {
	sign := func(t *testing.T, rawURL, svc string) *http.Request {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8657"+rawURL, nil)
		r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
		s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		if err := s.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}, r, UnsignedPayload, svc, "us-east-1", testNow); err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name, url, svc, verifierSvc, wantCode string
	}{
		{name: "plain key", url: "/site/index.html", svc: "s3", verifierSvc: "s3"},
		{name: "key with dot segments and spaces", url: "/site/a/../b%20c//d.html", svc: "s3", verifierSvc: "s3"},
		{name: "s3 scope at the CloudFront verifier", url: "/site/index.html", svc: "s3", wantCode: CodeSignatureDoesNotMatch},
		{name: "cloudfront scope at the S3 verifier", url: "/site/index.html", svc: "cloudfront", verifierSvc: "s3", wantCode: CodeSignatureDoesNotMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := testVerifier()
			v.Service = tt.verifierSvc
			signed, err := v.AuthenticateHeaders(sign(t, tt.url, tt.svc))
			if got := codeOf(err); got != tt.wantCode {
				t.Fatalf("error %v, want code %q", err, tt.wantCode)
			}
			if err == nil && (signed.Payload != UnsignedPayload || signed.AccessKeyID != testKeyID) {
				t.Errorf("signed = %+v", signed)
			}
		})
	}
}

func TestAuthenticateHeadersNeedsPayloadHash(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8657/site/k", nil)
	s := v4.NewSigner()
	if err := s.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}, r, emptySHA256, "s3", "us-east-1", testNow); err != nil {
		t.Fatal(err)
	}
	r.Header.Del("X-Amz-Content-Sha256")
	v := testVerifier()
	v.Service = "s3"
	if _, err := v.AuthenticateHeaders(r); codeOf(err) != "InvalidRequest" {
		t.Fatalf("got %v, want InvalidRequest", err)
	}
}
