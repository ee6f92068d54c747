package deploy_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/deploy"
	"github.com/cfinv/cfinv/test/harness"
)

// TestAWSCLISeesWhatDeployWrote: "aws s3api head-object" reads the type,
// headers and metadata deploy set, on both S3 implementations.
func TestAWSCLISeesWhatDeployWrote(t *testing.T) {
	aws, err := harness.LookPath("aws")
	if err != nil {
		t.Fatalf("the AWS CLI is not on PATH (%v): install the AWS CLI v1 (pip install awscli); this test needs it and never skips", err)
	}
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, map[string]string{"assets/app.js": "console.log('hello, hello, hello')", "index.html": "<p>hi</p>"})
		cfg, err := deploy.ParseConfig([]byte(`routes:
  - match: "assets/**"
    headers: { Cache-Control: "public, max-age=31536000, immutable", X-Amz-Meta-Team: web }
    gzip: true
`), "test.yml")
		if err != nil {
			t.Fatal(err)
		}
		rep := s.mustRun(t, deploy.Options{Dir: dir, Config: cfg, DeployID: "release-1"})
		creds, err := s.s3cfg.Credentials.Retrieve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(aws, "s3api", "head-object", "--endpoint-url", s.endpoint, "--bucket", s.bucket, "--key", "assets/app.js", "--output", "json")
		cmd.Env = harness.Env(t.TempDir(), "AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey)
		out, err := harness.Output(cmd)
		if err != nil {
			t.Fatalf("aws s3api head-object: %v\n%s", err, out)
		}
		var got struct {
			ContentType, CacheControl, ContentEncoding string
			ContentLength                              int64
			Metadata                                   map[string]string
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("head-object output: %v\n%s", err, out)
		}
		want := rep.Uploads[0]
		if want.Key != "assets/app.js" {
			t.Fatalf("first upload %s, want assets/app.js", want.Key)
		}
		if got.ContentType != "text/javascript; charset=utf-8" || got.CacheControl != "public, max-age=31536000, immutable" || got.ContentEncoding != "gzip" || got.ContentLength != want.Size {
			t.Errorf("head-object = %+v, want text/javascript, the route's Cache-Control, gzip, %d bytes", got, want.Size)
		}
		if diff := cmp.Diff(map[string]string{"team": "web", "cfinv-deploy": "release-1", "cfinv-sha256": got.Metadata["cfinv-sha256"]}, got.Metadata); diff != "" || len(got.Metadata["cfinv-sha256"]) != 64 {
			t.Errorf("metadata (-want +got):\n%s", diff)
		}
	})
}
