package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"
	"github.com/google/go-cmp/cmp"
)

const (
	testKeyID  = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// testNow is the server clock in every test.
var testNow = time.Date(2026, 11, 22, 13, 52, 53, 0, time.UTC)

func testVerifier() *Verifier {
	return &Verifier{
		Lookup: func(id string) (string, bool) {
			if id == testKeyID {
				return testSecret, true
			}
			return "", false
		},
		Now: func() time.Time { return testNow },
	}
}

// result is what the test server saw for one request.
type result struct {
	path string
	err  error
}

// recorder is a loopback server that authenticates every request with v and
// answers 403 with the error in CloudFront's XML envelope, or 404
// NoSuchInvalidation when the request is authentic (so SDK clients, which
// then raise a typed error, can tell the two apart).
type recorder struct {
	mu      sync.Mutex
	results []result
}

func newRecorder(t *testing.T, v *Verifier) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		aerr := v.Authenticate(r, body)
		rec.mu.Lock()
		rec.results = append(rec.results, result{path: r.URL.EscapedPath(), err: aerr})
		rec.mu.Unlock()
		code, msg, status := "NoSuchInvalidation", "The specified invalidation does not exist.", http.StatusNotFound
		var e *Error
		if errors.As(aerr, &e) {
			code, msg, status = e.Code, e.Message, e.Status
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r</RequestId></ErrorResponse>`, code, xmlEscape(msg))
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (rec *recorder) take(t *testing.T) []result {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := rec.results
	rec.results = nil
	return out
}

func codeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "non-sigv4 error: " + err.Error()
	}
	return ""
}

// captureLogger keeps the SDK signer's debug log (canonical string).
type captureLogger struct{ buf bytes.Buffer }

func (l *captureLogger) Logf(_ logging.Classification, format string, v ...interface{}) {
	fmt.Fprintf(&l.buf, format, v...)
}

// TestGoSDKSigner signs real requests with aws-sdk-go-v2's v4 signer, sends
// them over loopback and checks what the verifier decides.
func TestGoSDKSigner(t *testing.T) {
	type req struct {
		method, rawURL string // rawURL is path?query, already escaped
		header         http.Header
		body           string
		keyID, secret  string
		token          string
		region, svc    string
		at             time.Time
		presign        bool
		hashHeader     bool                  // send X-Amz-Content-Sha256 (signed)
		after          func(r *http.Request) // applied after signing
	}
	base := func() req {
		return req{
			method: http.MethodPost, rawURL: "/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation",
			header: http.Header{"Content-Type": {"application/xml"}},
			body:   `<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Paths><Quantity>1</Quantity><Items><Path>/index.html</Path></Items></Paths><CallerReference>r1</CallerReference></InvalidationBatch>`,
			keyID:  testKeyID, secret: testSecret, region: "us-east-1", svc: "cloudfront", at: testNow,
		}
	}
	with := func(f func(*req)) req { r := base(); f(&r); return r }
	tests := []struct {
		name    string
		req     req
		strict  bool
		want    string // error code, "" = authentic
		wantMsg string // exact message when set
	}{
		{name: "post with body", req: base()},
		{name: "get with query needing encoding", req: with(func(r *req) {
			r.method, r.body, r.header = http.MethodGet, "", http.Header{}
			r.rawURL = "/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation?Marker=a%20b%2Bc%2F%C3%A9&MaxItems=2"
		})},
		{name: "path with escaped special characters", req: with(func(r *req) {
			r.method, r.body = http.MethodGet, ""
			r.rawURL = "/2020-05-31/distribution/E%20A%2Bb%2F%C3%A9%25/invalidation/I%3Ax"
		})},
		{name: "dot segments and double slash signed unnormalised", req: with(func(r *req) {
			r.method, r.body = http.MethodGet, ""
			r.rawURL = "/2020-05-31//distribution/./E1/x/../invalidation"
		})},
		{name: "session token is signed and accepted", req: with(func(r *req) { r.token = "FQoGZXIvYXdzEXAMPLETOKEN" })},
		{name: "unsigned header changed after signing", req: with(func(r *req) {
			r.after = func(h *http.Request) { h.Header.Set("User-Agent", "changed/1.0"); h.Header.Set("X-Late", "added") }
		})},
		{name: "signed header values with runs of spaces", req: with(func(r *req) { r.header.Set("X-Amz-Meta-Note", "  a   b  c ") })},
		{name: "other region accepted when not strict", req: with(func(r *req) { r.region = "eu-west-1" })},
		{name: "exactly 5 minutes old", req: with(func(r *req) { r.at = testNow.Add(-5 * time.Minute) })},
		{name: "exactly 5 minutes ahead", req: with(func(r *req) { r.at = testNow.Add(5 * time.Minute) })},
		{name: "presigned query", req: with(func(r *req) { r.presign, r.method, r.body = true, http.MethodGet, "" })},
		{name: "presigned with X-Amz-Expires, an hour old", req: with(func(r *req) {
			r.presign, r.method, r.body, r.rawURL, r.at = true, http.MethodGet, "", r.rawURL+"?X-Amz-Expires=7200", testNow.Add(-time.Hour)
		})},
		{name: "presigned past X-Amz-Expires", req: with(func(r *req) {
			r.presign, r.method, r.body, r.rawURL, r.at = true, http.MethodGet, "", r.rawURL+"?X-Amz-Expires=60", testNow.Add(-61*time.Second)
		}), want: CodeAccessDenied, wantMsg: "Request has expired"},
		{name: "presigned without X-Amz-Expires, 6 minutes old", req: with(func(r *req) {
			r.presign, r.method, r.body, r.at = true, http.MethodGet, "", testNow.Add(-6*time.Minute)
		}), want: CodeSignatureDoesNotMatch},
		{name: "unsigned", req: with(func(r *req) { r.after = func(h *http.Request) { h.Header.Del("Authorization") } }),
			want: CodeMissingAuthenticationToken, wantMsg: "Missing Authentication Token"},
		{name: "wrong secret", req: with(func(r *req) { r.secret = "not-the-secret" }), want: CodeSignatureDoesNotMatch},
		{name: "body altered after signing", req: with(func(r *req) {
			r.after = func(h *http.Request) {
				b := strings.Replace(r.body, "/index.html", "/other.html", 1)
				h.Body = io.NopCloser(strings.NewReader(b))
			}
		}), want: CodeSignatureDoesNotMatch},
		{name: "signed header altered", req: with(func(r *req) {
			r.header.Set("X-Amz-Meta-Note", "one")
			r.after = func(h *http.Request) { h.Header.Set("X-Amz-Meta-Note", "two") }
		}), want: CodeSignatureDoesNotMatch},
		{name: "claimed payload hash header", req: with(func(r *req) { r.hashHeader = true })},
		{name: "body altered under a claimed payload hash", req: with(func(r *req) {
			r.hashHeader = true
			r.after = func(h *http.Request) {
				h.Body = io.NopCloser(strings.NewReader(strings.Replace(r.body, "/index.html", "/other.html", 1)))
			}
		}), want: CodeContentSHA256Mismatch},
		{name: "query altered", req: with(func(r *req) {
			r.method, r.body, r.rawURL = http.MethodGet, "", "/2020-05-31/distribution/E1/invalidation?MaxItems=2"
			r.after = func(h *http.Request) { h.URL.RawQuery = "MaxItems=3" }
		}), want: CodeSignatureDoesNotMatch},
		{name: "presigned query altered", req: with(func(r *req) {
			r.presign, r.method, r.body = true, http.MethodGet, ""
			r.after = func(h *http.Request) { h.URL.RawQuery += "&MaxItems=1" }
		}), want: CodeSignatureDoesNotMatch},
		{name: "expired", req: with(func(r *req) { r.at = testNow.Add(-5*time.Minute - time.Second) }),
			want: CodeSignatureDoesNotMatch, wantMsg: "Signature expired: 20261122T134752Z is now earlier than 20261122T134753Z (20261122T135253Z - 5 min.)"},
		{name: "from the future", req: with(func(r *req) { r.at = testNow.Add(5*time.Minute + time.Second) }),
			want: CodeSignatureDoesNotMatch, wantMsg: "Signature not yet current: 20261122T135754Z is still later than 20261122T135753Z (20261122T135253Z + 5 min.)"},
		{name: "unknown key", req: with(func(r *req) { r.keyID = "AKIAUNKNOWNKEY000000" }),
			want: CodeInvalidClientTokenID, wantMsg: "The security token included in the request is invalid."},
		{name: "unknown key checked before time", req: with(func(r *req) { r.keyID, r.at = "AKIAUNKNOWNKEY000000", testNow.Add(-time.Hour) }),
			want: CodeInvalidClientTokenID},
		{name: "wrong service", req: with(func(r *req) { r.svc = "s3" }),
			want: CodeSignatureDoesNotMatch, wantMsg: "Credential should be scoped to correct service: 'cloudfront'."},
		{name: "strict region", req: with(func(r *req) { r.region = "eu-west-1" }), strict: true,
			want: CodeSignatureDoesNotMatch, wantMsg: "Credential should be scoped to a valid region, not 'eu-west-1'."},
		{name: "strict region us-east-1", req: base(), strict: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := testVerifier()
			v.StrictRegion = tt.strict
			srv, rec := newRecorder(t, v)
			r := tt.req
			hr, err := http.NewRequest(r.method, srv.URL+r.rawURL, strings.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			if r.body == "" {
				hr.Body, hr.ContentLength = http.NoBody, 0
			}
			for k, vs := range r.header {
				hr.Header[k] = vs
			}
			sum := sha256.Sum256([]byte(r.body))
			if r.hashHeader {
				hr.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
			}
			creds := aws.Credentials{AccessKeyID: r.keyID, SecretAccessKey: r.secret, SessionToken: r.token}
			log := &captureLogger{}
			signer := v4.NewSigner(func(o *v4.SignerOptions) { o.LogSigning, o.Logger = true, log })
			if r.presign {
				signed, _, err := signer.PresignHTTP(context.Background(), creds, hr, hex.EncodeToString(sum[:]), r.svc, r.region, r.at)
				if err != nil {
					t.Fatal(err)
				}
				u, err := url.Parse(signed)
				if err != nil {
					t.Fatal(err)
				}
				hr.URL = u
			} else if err := signer.SignHTTP(context.Background(), creds, hr, hex.EncodeToString(sum[:]), r.svc, r.region, r.at); err != nil {
				t.Fatal(err)
			}
			if r.after != nil {
				r.after(hr)
			}
			resp, err := srv.Client().Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := rec.take(t)
			if len(got) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(got))
			}
			if code := codeOf(got[0].err); code != tt.want {
				t.Fatalf("got code %q, want %q (error: %v)\nsigner log:\n%s", code, tt.want, got[0].err, log.buf.String())
			}
			if tt.wantMsg != "" {
				var e *Error
				errors.As(got[0].err, &e)
				if e.Message != tt.wantMsg {
					t.Errorf("got message %q, want %q", e.Message, tt.wantMsg)
				}
			}
			wantStatus := http.StatusForbidden
			if tt.want == CodeContentSHA256Mismatch {
				wantStatus = http.StatusBadRequest
			}
			if tt.want != "" && resp.StatusCode != wantStatus {
				t.Errorf("got HTTP %d, want %d", resp.StatusCode, wantStatus)
			}
		})
	}
}

// TestSignatureMismatchMessageShowsClientCanonicalString checks that when
// only the secret differs, the canonical string the server reports is
// byte-for-byte the one aws-sdk-go-v2 signed.
func TestSignatureMismatchMessageShowsClientCanonicalString(t *testing.T) {
	v := testVerifier()
	srv, rec := newRecorder(t, v)
	hr, err := http.NewRequest(http.MethodGet, srv.URL+"/2020-05-31/distribution/E%2F1/invalidation?MaxItems=5&Marker=x%20y", nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(nil)
	log := &captureLogger{}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.LogSigning, o.Logger = true, log })
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "wrong"}
	if err := signer.SignHTTP(context.Background(), creds, hr, hex.EncodeToString(sum[:]), "cloudfront", "us-east-1", testNow); err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := rec.take(t)
	var e *Error
	if len(got) != 1 || !errors.As(got[0].err, &e) {
		t.Fatalf("got %v, want one SignatureDoesNotMatch", got)
	}
	// The SDK logs "Request Signature:\n---[ CANONICAL STRING  ]-----------------------------\n%s\n---[ STRING TO SIGN ]…".
	logged := log.buf.String()
	_, after, ok := strings.Cut(logged, "---[ CANONICAL STRING  ]-----------------------------\n")
	if !ok {
		t.Fatalf("signer log has no canonical string:\n%s", logged)
	}
	canon, _, _ := strings.Cut(after, "\n---[ STRING TO SIGN ]")
	want := "The Canonical String for this request should have been\n'" + canon + "'\n"
	if !strings.Contains(e.Message, want) {
		t.Errorf("message does not carry the client's canonical string\n%s", cmp.Diff(want, e.Message))
	}
	if !strings.HasPrefix(e.Message, "The request signature we calculated does not match the signature you provided.") {
		t.Errorf("got message %q, want AWS's opening sentence", e.Message)
	}
}

// TestCapturedBotocoreCanonicalRequest rebuilds the canonical request of a
// CreateInvalidation captured from botocore against moto_server (wire
// reference §7) and checks its hash against the captured string to sign.
func TestCapturedBotocoreCanonicalRequest(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:5000/2020-05-31/distribution/XJ067HSADGTR0/invalidation", nil)
	r.Header.Set("X-Amz-Date", "20261122T135253Z")
	// The captured body is not in the reference; its hash is.
	r.Header.Set("X-Amz-Content-Sha256", "572ddba74a048d804d928ca8292193772ec3a31f4f77be3775d5fefd956d9432")
	c, err := parseAuthorization("AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/cloudfront/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.setDate("20261122T135253Z"); err != nil {
		t.Fatal(err)
	}
	c.payload = payloadHash(r, nil, false)
	got := canonicalRequest(r, c, encodePath(r.URL.EscapedPath()), false)
	want := "POST\n/2020-05-31/distribution/XJ067HSADGTR0/invalidation\n\nhost:127.0.0.1:5000\nx-amz-date:20261122T135253Z\n\nhost;x-amz-date\n572ddba74a048d804d928ca8292193772ec3a31f4f77be3775d5fefd956d9432"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("canonical request (-want +got):\n%s", diff)
	}
	sum := sha256.Sum256([]byte(got))
	if h := hex.EncodeToString(sum[:]); h != "43a153b5f82e735b93f476c2cd7f31beca1d7cbedc0d5dbee0ee5f1c2ea78985" {
		t.Errorf("got canonical request hash %s, want the captured 43a153b5…", h)
	}
}

// TestMalformed checks requests that fail before any key is consulted, and
// the scope-date check, with exact codes.
func TestMalformed(t *testing.T) {
	const cred = "Credential=" + testKeyID + "/20261122/us-east-1/cloudfront/aws4_request"
	tests := []struct {
		name    string
		auth    string
		date    string
		query   string
		want    string
		wantMsg string // substring
	}{
		{name: "no auth at all", want: CodeMissingAuthenticationToken},
		{name: "other scheme", auth: "Bearer abc", date: "20261122T135253Z", want: CodeIncompleteSignature, wantMsg: "Unsupported AWS 'algorithm': 'Bearer'"},
		{name: "sigv2 style", auth: "AWS " + testKeyID + ":c2ln", date: "20261122T135253Z", want: CodeIncompleteSignature},
		{name: "missing credential", auth: "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=abcd", date: "20261122T135253Z",
			want: CodeIncompleteSignature, wantMsg: "Authorization header requires 'Credential' parameter."},
		{name: "missing signed headers and signature", auth: "AWS4-HMAC-SHA256 " + cred, date: "20261122T135253Z",
			want: CodeIncompleteSignature, wantMsg: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
		{name: "scope with four parts", auth: "AWS4-HMAC-SHA256 Credential=" + testKeyID + "/20261122/us-east-1/aws4_request, SignedHeaders=host, Signature=ab",
			date: "20261122T135253Z", want: CodeIncompleteSignature, wantMsg: "Credential must have exactly 5 slash-delimited elements"},
		{name: "bad terminator", auth: "AWS4-HMAC-SHA256 Credential=" + testKeyID + "/20261122/us-east-1/cloudfront/aws5_request, SignedHeaders=host, Signature=ab",
			date: "20261122T135253Z", want: CodeIncompleteSignature, wantMsg: "not 'aws5_request'"},
		{name: "bad scope date", auth: "AWS4-HMAC-SHA256 Credential=" + testKeyID + "/2026-11-22/us-east-1/cloudfront/aws4_request, SignedHeaders=host, Signature=ab",
			date: "20261122T135253Z", want: CodeIncompleteSignature},
		{name: "host not signed", auth: "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date, Signature=ab", date: "20261122T135253Z",
			want: CodeIncompleteSignature, wantMsg: "'Host' or ':authority' must be a 'SignedHeader'"},
		{name: "upper-case signed header", auth: "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=Host;x-amz-date, Signature=ab", date: "20261122T135253Z",
			want: CodeIncompleteSignature},
		{name: "missing X-Amz-Date", auth: "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=ab",
			want: CodeIncompleteSignature, wantMsg: "requires existence of either a 'X-Amz-Date' or a 'Date' header"},
		{name: "X-Amz-Date not basic format", auth: "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=ab", date: "2026-11-22T13:52:53Z",
			want: CodeIncompleteSignature, wantMsg: "ISO-8601 'basic format'"},
		{name: "scope date differs from X-Amz-Date", auth: "AWS4-HMAC-SHA256 Credential=" + testKeyID + "/20261121/us-east-1/cloudfront/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab",
			date: "20261122T135253Z", want: CodeSignatureDoesNotMatch,
			wantMsg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261121' != '20261122', from '20261122T135253Z'."},
		{name: "well-formed but wrong signature", auth: "AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host;x-amz-date,Signature=0000", date: "20261122T135253Z",
			want: CodeSignatureDoesNotMatch},
		{name: "presign missing parts", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261122T135253Z",
			want: CodeIncompleteSignature, wantMsg: "AWS query-string parameters must include 'X-Amz-Credential'."},
		{name: "presign other algorithm", query: "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", want: CodeIncompleteSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := "http://127.0.0.1:8080/2020-05-31/distribution/E1/invalidation"
			if tt.query != "" {
				target += "?" + tt.query
			}
			r := httptest.NewRequest(http.MethodGet, target, nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			if tt.date != "" {
				r.Header.Set("X-Amz-Date", tt.date)
			}
			err := testVerifier().Authenticate(r, nil)
			if got := codeOf(err); got != tt.want {
				t.Fatalf("got code %q, want %q (%v)", got, tt.want, err)
			}
			var e *Error
			errors.As(err, &e)
			if e.HTTPStatus() != http.StatusForbidden {
				t.Errorf("got status %d, want 403", e.HTTPStatus())
			}
			if !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("got message %q, want it to contain %q", e.Message, tt.wantMsg)
			}
		})
	}
}

func TestNilLookupRejects(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "http://h/x", nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=A/20261122/us-east-1/cloudfront/aws4_request, SignedHeaders=host, Signature=ab")
	r.Header.Set("X-Amz-Date", "20261122T135253Z")
	if got := codeOf((&Verifier{}).Authenticate(r, nil)); got != CodeInvalidClientTokenID {
		t.Errorf("got %q, want %q", got, CodeInvalidClientTokenID)
	}
}

func TestErrorInterface(t *testing.T) {
	var err error = newError(CodeSignatureDoesNotMatch, "m")
	coded, ok := err.(interface {
		ErrorCode() string
		HTTPStatus() int
	})
	if !ok {
		t.Fatal("*Error does not implement ErrorCode and HTTPStatus")
	}
	if got := fmt.Sprintf("%s %d %s", coded.ErrorCode(), coded.HTTPStatus(), err.Error()); got != "SignatureDoesNotMatch 403 SignatureDoesNotMatch: m" {
		t.Errorf("got %q", got)
	}
}

func TestRemoveDotSegments(t *testing.T) {
	tests := map[string]string{
		"":            "/",
		"/":           "/",
		"/a/b":        "/a/b",
		"/a//b/":      "/a/b/",
		"/a/./b/../c": "/a/c",
		"/../a":       "/a",
		"//":          "/",
	}
	for in, want := range tests {
		if got := removeDotSegments(in); got != want {
			t.Errorf("removeDotSegments(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		raw       string
		presigned bool
		want      string
	}{
		{raw: "", want: ""},
		{raw: "b=2&a=1", want: "a=1&b=2"},
		{raw: "a=2&a=1", want: "a=1&a=2"},
		{raw: "Marker=a+b%2Fc%7E", want: "Marker=a%20b%2Fc~"},
		{raw: "flag&x=", want: "flag=&x="},
		{raw: "a=1&&b=2", want: "a=1&b=2"},
		{raw: "bad=%zz", want: "bad=%25zz"},
		{raw: "X-Amz-Signature=ab&X-Amz-Date=1", presigned: true, want: "X-Amz-Date=1"},
	}
	for _, tt := range tests {
		if got := canonicalQuery(tt.raw, tt.presigned, false); got != tt.want {
			t.Errorf("canonicalQuery(%q, %v): got %q, want %q", tt.raw, tt.presigned, got, tt.want)
		}
	}
}

// TestSigningKeyCache checks that cached signing keys are the derived ones
// and that scopes a client makes up cannot grow the cache past its bound.
func TestSigningKeyCache(t *testing.T) {
	var c signingKeys
	for i := range 3 * maxSigningKeys {
		region := fmt.Sprintf("region-%d", i%(2*maxSigningKeys))
		got := c.get("secret", "20261201", region, "cloudfront")
		if want := signingKey("secret", "20261201", region, "cloudfront"); !bytes.Equal(got, want) {
			t.Fatalf("key for %s = %x, want %x", region, got, want)
		}
		if len(c.m) > maxSigningKeys {
			t.Fatalf("cache holds %d keys, want at most %d", len(c.m), maxSigningKeys)
		}
	}
	// Another secret with the same scope gets its own key.
	if bytes.Equal(c.get("a", "20261201", "us-east-1", "cloudfront"), c.get("b", "20261201", "us-east-1", "cloudfront")) {
		t.Error("two secrets share one cached key")
	}
}
