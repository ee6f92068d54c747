package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	// redactToken is a session token as STS shapes them (base64).
	redactToken       = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDtestTOKENvalue+/="
	redactWrongSecret = "wrongSECRETwrongSECRETwrongSECRET0000"
)

// TestMessagesRedactSecrets covers cfinv issue 10: a SignatureDoesNotMatch
// (and every other failure) quoted the canonical request with the session
// token in it. The message must still quote the canonical request and the
// string to sign, with the token and signatures replaced by Redacted, and
// must hold neither the secret key (the server's or the client's), the
// token nor the signature sent.
func TestMessagesRedactSecrets(t *testing.T) {
	v := testVerifier()
	sum := sha256.Sum256([]byte("<x/>"))
	payload := hex.EncodeToString(sum[:])
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: redactWrongSecret, SessionToken: redactToken}
	newReq := func(t *testing.T, target string) *http.Request {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, target, strings.NewReader("<x/>"))
		r.Header.Set("X-Amz-Content-Sha256", payload)
		return r
	}
	signed := func(t *testing.T) *http.Request {
		r := newReq(t, "http://127.0.0.1:8655/2020-05-31/distribution/E1/invalidation")
		if err := signer.SignHTTP(context.Background(), creds, r, payload, "cloudfront", "us-east-1", testNow); err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name     string
		req      func(t *testing.T) *http.Request
		code     string
		contains []string // what the message must still show
	}{
		{"header, wrong secret", signed, CodeSignatureDoesNotMatch, []string{
			"The Canonical String for this request should have been",
			"x-amz-security-token:" + Redacted + "\n",
			"The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261122T135253Z\n",
		}},
		{"presigned, wrong secret", func(t *testing.T) *http.Request {
			r := newReq(t, "http://127.0.0.1:8655/2020-05-31/distribution/E1/invalidation")
			u, _, err := signer.PresignHTTP(context.Background(), creds, r, payload, "cloudfront", "us-east-1", testNow)
			if err != nil {
				t.Fatal(err)
			}
			r = newReq(t, u)
			r.Header.Del("X-Amz-Content-Sha256")
			return r
		}, CodeSignatureDoesNotMatch, []string{"X-Amz-Security-Token=" + Redacted}},
		{"header without a date", func(t *testing.T) *http.Request {
			r := signed(t)
			r.Header.Del("X-Amz-Date")
			return r
		}, CodeIncompleteSignature, []string{"Signature=" + Redacted}},
		{"header, bad algorithm", func(t *testing.T) *http.Request {
			r := signed(t)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1))
			return r
		}, CodeIncompleteSignature, []string{"Signature=" + Redacted}},
		{"header missing Credential", func(t *testing.T) *http.Request {
			r := signed(t)
			_, sig, _ := strings.Cut(r.Header.Get("Authorization"), "Signature=")
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature="+sig)
			return r
		}, CodeIncompleteSignature, []string{"Signature=" + Redacted}},
		{"token copied into a signed header", func(t *testing.T) *http.Request {
			r := newReq(t, "http://127.0.0.1:8655/2020-05-31/distribution/E1/invalidation")
			r.Header.Set("X-Debug", "token="+redactToken+" secret="+testSecret)
			if err := signer.SignHTTP(context.Background(), creds, r, payload, "cloudfront", "us-east-1", testNow); err != nil {
				t.Fatal(err)
			}
			return r
		}, CodeSignatureDoesNotMatch, []string{"x-debug:token=" + Redacted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req(t)
			body := make([]byte, 4)
			copy(body, "<x/>")
			err := v.Authenticate(r, body)
			var e *Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			sent := []string{redactToken, redactWrongSecret, testSecret}
			_, sig, _ := strings.Cut(r.Header.Get("Authorization"), "Signature=")
			if sig == "" {
				sig = r.URL.Query().Get("X-Amz-Signature")
			}
			sent = append(sent, sig)
			for _, s := range sent {
				if s != "" && (strings.Contains(e.Message, s) || strings.Contains(e.Error(), s)) {
					t.Errorf("message holds the secret %q:\n%s", s, e.Message)
				}
			}
			for _, want := range tt.contains {
				if !strings.Contains(e.Message, want) {
					t.Errorf("message lacks %q:\n%s", want, e.Message)
				}
			}
		})
	}
}

// TestRedactedStringToSignStillMatchesClient checks that redaction keeps the
// message useful: the string to sign quoted is exactly the one the client
// computed, so a client can compare it with its own.
func TestRedactedStringToSignStillMatchesClient(t *testing.T) {
	v := testVerifier()
	sum := sha256.Sum256(nil)
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8655/2020-05-31/distribution/E1", nil)
	log := &captureLogger{}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.LogSigning, o.Logger = true, log })
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: redactWrongSecret, SessionToken: redactToken}
	if err := signer.SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "cloudfront", "us-east-1", testNow.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	err := v.Authenticate(r, nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *Error", err)
	}
	_, sts, ok := strings.Cut(log.buf.String(), "---[ STRING TO SIGN ]--------------------------------\n")
	if !ok {
		t.Fatalf("signer log has no string to sign:\n%s", log.buf.String())
	}
	sts, _, _ = strings.Cut(sts, "\n-----")
	if !strings.Contains(e.Message, "'"+strings.TrimSpace(sts)+"'") {
		t.Errorf("message does not quote the client's string to sign %q:\n%s", sts, e.Message)
	}
}
