package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cfinv/cfinv/internal/s3api"
	"github.com/cfinv/cfinv/internal/s3store"
)

var scopeRegion = regexp.MustCompile(`Credential=[^/]+/[0-9]+/([^/]+)/s3/`)

// regionalS3 is the local S3 API with its buckets in region, answering a
// request signed for another region as S3 does: 301 PermanentRedirect
// with x-amz-bucket-region (no body for a HEAD). The local S3 checks
// the signing region only with StrictRegion, and then answers 400
// AuthorizationHeaderMalformed; this wrapper answers as a regional
// endpoint does.
func regionalS3(t *testing.T, region string) string {
	t.Helper()
	st, err := s3store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	api := &s3api.Server{Store: st}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := scopeRegion.FindStringSubmatch(r.Header.Get("Authorization"))
		if m == nil || m[1] == region {
			api.ServeHTTP(w, r)
			return
		}
		w.Header().Set("X-Amz-Bucket-Region", region)
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusMovedPermanently)
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>`))
	}))
	t.Cleanup(srv.Close)
	c := s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDREGION", "secret", "")})
	in := &s3.CreateBucketInput{Bucket: aws.String("site")}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	if _, err := c.CreateBucket(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	return srv.URL
}

// TestDeployBucketRegion: without --region, deploy finds the bucket's
// region (S3 answers 301 PermanentRedirect to requests signed for
// us-east-1) and deploys there; with --region it uses that one.
func TestDeployBucketRegion(t *testing.T) {
	home := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDREGION", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "", "AWS_PROFILE": "",
	} {
		t.Setenv(k, v)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>hi</h1>"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{name: "found", wantOut: "deploy "},
		{name: "--region wins", args: []string{"--region", "us-west-2"}, wantCode: ExitFailure,
			wantErr: "PermanentRedirect: The bucket you are attempting to access must be addressed using the specified endpoint.\nTry: s3://site is not in --region us-west-2: leave --region out (deploy then asks S3 for the bucket's region) or give the bucket's region"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := regionalS3(t, "eu-west-1")
			ios, _, out, errOut := TestIO()
			cmd := newDeployCmd(&Deps{IO: ios, Getenv: os.Getenv}, nil)
			cmd.SetArgs(append([]string{dir, "s3://site", "--s3-endpoint-url", url}, tc.args...))
			cmd.SetOut(errOut)
			cmd.SetErr(errOut)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			if err != nil {
				printError(errOut, err, "")
			}
			if code := exitCode(err); code != tc.wantCode || !strings.Contains(out.String(), tc.wantOut) || !strings.Contains(errOut.String(), tc.wantErr) {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, stdout with %q, stderr with %q", code, out, errOut, tc.wantCode, tc.wantOut, tc.wantErr)
			}
		})
	}
}

// TestBucketRegion: the region S3 names for a bucket, "" when it names
// none.
func TestBucketRegion(t *testing.T) {
	url := regionalS3(t, "ap-southeast-2")
	for _, tc := range []struct {
		name, signing, bucket, want string
	}{
		{"redirected", "us-east-1", "site", "ap-southeast-2"},
		{"right region", "ap-southeast-2", "site", "ap-southeast-2"},
		{"no such bucket", "ap-southeast-2", "nope", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := s3.New(s3.Options{Region: tc.signing, BaseEndpoint: aws.String(url), UsePathStyle: true,
				Credentials: credentials.NewStaticCredentialsProvider("AKIDREGION", "secret", "")})
			if got := bucketRegion(t.Context(), c, tc.bucket); got != tc.want {
				t.Errorf("bucketRegion = %q, want %q", got, tc.want)
			}
		})
	}
}
