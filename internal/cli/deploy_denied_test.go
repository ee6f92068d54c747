package cli

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
)

// denyS3 is a proxy to the S3 API at target that answers S3's 403
// AccessDenied to the requests deny matches, as S3 does for an action the
// credentials' policy does not allow.
func denyS3(t *testing.T, target string, deny func(*http.Request) bool) string {
	t.Helper()
	return denyS3With(t, target, deny, "Access Denied")
}

// denyS3With is denyS3 answering with message msg.
func denyS3With(t *testing.T, target string, deny func(*http.Request) bool, msg string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = r.In.Host }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !deny(r) {
			rp.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>`+html.EscapeString(msg)+`</Message><RequestId>R1</RequestId></Error>`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestDeployAccessDenied: S3's AccessDenied names the IAM action deploy
// lacked and points to cfinv iam-policy for the bucket.
func TestDeployAccessDenied(t *testing.T) {
	for _, tc := range []struct {
		name     string
		deny     func(*http.Request) bool
		wantCode int
		wantErr  string
	}{
		{"list", func(r *http.Request) bool { return r.URL.Query().Get("list-type") == "2" }, ExitAuth, "Error: s3:ListBucket denied on s3://site: list s3://site/"},
		{"put", func(r *http.Request) bool { return r.Method == http.MethodPut }, ExitUploadFailed, "Error: s3:PutObject denied on s3://site: upload "},
		{"delete", func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Query().Has("delete") }, ExitAuth, "Error: s3:DeleteObject denied on s3://site: delete objects from s3://site"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newDeploySite(t)
			s.write(t, map[string]string{"index.html": "<h1>1</h1>", "app.css": "a{}", "old.js": "x"})
			if _, errOut, code := s.run(t); code != 0 {
				t.Fatalf("first deploy: exit %d\n%s", code, errOut)
			}
			s.write(t, map[string]string{"app.css": "b{}", "old.js": ""})
			s.s3 = newS3(s.srv.S3Config(), denyS3(t, s.srv.S3URL, tc.deny))
			_, errOut, code := s.run(t, "--delete")
			wantHint := "Try: attach the policy printed by `cfinv iam-policy --bucket s3://site --distribution-id " + s.dist + "`"
			if code != tc.wantCode || !strings.Contains(errOut, tc.wantErr) || !strings.Contains(errOut, "AccessDenied") || !strings.Contains(errOut, wantHint) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d, %q and %q", code, errOut, tc.wantCode, tc.wantErr, wantHint)
			}
		})
	}
}

// TestDeployKMSDenied: an upload S3 refuses because KMS refused its data
// key names the KMS action and the key, and the hint adds --kms-key.
func TestDeployKMSDenied(t *testing.T) {
	const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	msg := "User: arn:aws:sts::123456789012:assumed-role/deploy/ci is not authorized to perform: kms:GenerateDataKey on resource: " + key + " because no identity-based policy allows the kms:GenerateDataKey action"
	s := newDeploySite(t)
	s.write(t, map[string]string{"index.html": "<h1>1</h1>", "app.css": "a{}"})
	s.s3 = newS3(s.srv.S3Config(), denyS3With(t, s.srv.S3URL, func(r *http.Request) bool { return r.Method == http.MethodPut }, msg))
	_, errOut, code := s.run(t)
	wantErr := "Error: kms:GenerateDataKey on " + key + " denied for s3://site: upload "
	wantHint := "Try: attach the policy printed by `cfinv iam-policy --bucket s3://site --kms-key " + key + " --distribution-id " + s.dist + "`"
	if code != ExitUploadFailed || !strings.Contains(errOut, wantErr) || !strings.Contains(errOut, wantHint) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d, %q and %q", code, errOut, ExitUploadFailed, wantErr, wantHint)
	}
}
