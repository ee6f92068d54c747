package integrations

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfinv/cfinv/test/harness"
)

// actDeployWorkflow deploys site/ with the action's deploy mode, twice
// (a re-run), then runs the deploy mode with a bad bucket (a failing step,
// continue-on-error), the invalidate mode with a bad input (another) and
// the invalidate mode; a last step writes the
// steps' outputs and outcomes, and the job summary, to files under %[4]s.
// %[1]s is the distribution, %[2]s the CloudFront endpoint, %[3]s the S3
// endpoint (both reach cfinv through the SDK's environment variables).
const actDeployWorkflow = `on: push
env:
  AWS_ENDPOINT_URL_CLOUDFRONT: %[2]s
  AWS_ENDPOINT_URL_S3: %[3]s
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: first
        uses: ./
        with:
          distribution-id: %[1]s
          deploy-dir: site
          bucket: s3://site
          config: routes.yml
          delete: "true"
      - id: again
        uses: ./
        with:
          distribution-id: %[1]s
          deploy-dir: site
          bucket: s3://site
          config: routes.yml
          delete: "true"
      - id: bad
        continue-on-error: true
        uses: ./
        with:
          distribution-id: %[1]s
          deploy-dir: site
          bucket: site
      - id: bad-invalidate
        continue-on-error: true
        uses: ./
        with:
          distribution-id: %[1]s
          paths: /docs/*
          wait: "yes"
      - id: invalidate
        uses: ./
        with:
          distribution-id: %[1]s
          paths: /docs/*
      - env:
          FIRST: ${{ steps.first.outputs.uploaded }} ${{ steps.first.outputs.deleted }} ${{ steps.first.outputs.invalidation-ids }}
          FIRST_ID: ${{ steps.first.outputs.deploy-id }}
          AGAIN: ${{ steps.again.outputs.uploaded }} ${{ steps.again.outputs.deleted }} ${{ steps.again.outputs.invalidation-ids }}
          BAD: ${{ steps.bad.outcome }} ${{ steps.bad.conclusion }} ${{ steps.bad-invalidate.outcome }}
          INVALIDATE: ${{ steps.invalidate.outputs.invalidation-ids }} ${{ steps.invalidate.outputs.billed-paths }}
        run: |
          printf 'first %%s\nfirst-id %%s\nagain %%s\nbad %%s\ninvalidate %%s\n' "$FIRST" "$FIRST_ID" "$AGAIN" "$BAD" "$INVALIDATE" > '%[4]s/outputs.txt'
`

// TestActionDeployUnderAct runs the action's deploy mode under act (see
// TestActionUnderAct) against cfinv serve's CloudFront and S3 APIs: a
// bucket filled by aws s3 cp (an old index.html, a page the site no
// longer has) is deployed over; the objects are checked with the AWS CLI;
// a re-run uploads and buys nothing (and names the first run's
// invalidation); a bad input fails its step; the
// invalidate mode's outputs reach the workflow too.
func TestActionDeployUnderAct(t *testing.T) {
	s := startSiteS3(t)
	s3url := s.s3
	cli := awsS3(t, s3url)
	old := filepath.Join(t.TempDir(), "old.html")
	if err := os.WriteFile(old, []byte("<p>old</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli.run("s3api", "create-bucket", "--bucket", "site")
	cli.run("s3", "cp", old, "s3://site/index.html")
	cli.run("s3", "cp", old, "s3://site/gone.html")

	out := t.TempDir()
	log, sha, err := runAct(t, s.binDir, nil, map[string]string{
		".github/workflows/deploy.yml":   fmt.Sprintf(actDeployWorkflow, s.dist, s.url, s3url, out),
		"site/index.html":                "<h1>home</h1><link rel=stylesheet href=/assets/site.css>",
		"site/docs/getting started.html": "<p>start</p>",
		"site/assets/site.css":           "body{}",
		"routes.yml": `routes:
  - match: "assets/**"
    headers: { Cache-Control: "public, max-age=31536000, immutable" }
`,
	})
	if err != nil {
		t.Fatalf("act: %v\n%s", err, log)
	}
	invs := s.invalidations(t)
	if len(invs) != 2 {
		t.Fatalf("server has %+v, want two invalidations: the deploy's (the re-run buys nothing) and the invalidate mode's\n%s", invs, log)
	}
	got, err := os.ReadFile(filepath.Join(out, "outputs.txt"))
	if err != nil {
		t.Fatalf("the workflow wrote no outputs: %v\n%s", err, log)
	}
	// Three files uploaded (index.html changed, two new), gone.html
	// deleted, one invalidation; the re-run: nothing, and it names the
	// invalidation the first run bought.
	want := fmt.Sprintf("first 3 1 %s\nfirst-id %s\nagain 0 0 %s\nbad failure success failure\ninvalidate %s 1\n", invs[0].ID, sha, invs[0].ID, invs[1].ID)
	if string(got) != want {
		t.Errorf("step outputs:\n%s\nwant:\n%s\nact's log:\n%s", got, want, log)
	}
	if !strings.Contains(log, "invalid input bucket 'site': deploy-dir needs it, as s3://BUCKET or s3://BUCKET/PREFIX") {
		t.Errorf("act's log lacks the bad input's error:\n%s", log)
	}

	for key, want := range map[string][2]string{
		"index.html":                {"text/html; charset=utf-8", ""},
		"docs/getting started.html": {"text/html; charset=utf-8", ""},
		"assets/site.css":           {"text/css; charset=utf-8", "public, max-age=31536000, immutable"},
	} {
		var head struct {
			ContentType, CacheControl string
			Metadata                  map[string]string
		}
		if err := json.Unmarshal([]byte(cli.run("s3api", "head-object", "--bucket", "site", "--key", key)), &head); err != nil {
			t.Fatal(err)
		}
		if head.ContentType != want[0] || head.CacheControl != want[1] || head.Metadata["cfinv-deploy"] != sha {
			t.Errorf("head-object %s: %+v, want Content-Type %q, Cache-Control %q and deploy %s", key, head, want[0], want[1], sha)
		}
	}
	if out, err := cli.try("s3api", "head-object", "--bucket", "site", "--key", "gone.html"); err == nil {
		t.Errorf("gone.html is still in the bucket after a deploy with delete: true:\n%s", out)
	}
	// act prints each step's job summary ("Summary - …") and annotations.
	for _, want := range []string{
		"Summary - ### cfinv deploy " + sha, "| uploaded | 3 of 3 files (0 unchanged) |", "| deleted | 1 |",
		"| uploaded | 0 of 3 files (3 unchanged) |",
		"| " + s.dist + " | " + invs[1].ID + " | 1: `/docs/*` | Completed | 1 |", "**1 path billed**",
		"::error title=cfinv action::invalid input wait 'yes': want true or false",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("act's log lacks %q:\n%s", want, log)
		}
	}
}

// s3URL is the URL of serve's S3 API, from the line serve prints after
// the CloudFront API's (started with --s3-addr 127.0.0.1:0).
func (s *site) s3URL(t *testing.T) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for line := range strings.SplitSeq(s.srv.Stderr.String(), "\n") {
			if _, rest, ok := strings.Cut(line, "S3 API on "); ok && strings.Contains(rest, " ") {
				u, _, _ := strings.Cut(rest, " ")
				return u
			}
		}
	}
	t.Fatalf("cfinv serve printed no S3 API line:\n%s", s.srv.Stderr.String())
	return ""
}

// startSiteS3 is startSite with serve's S3 API on too (s.s3).
func startSiteS3(t *testing.T) *site {
	t.Helper()
	s := startSite(t, "--s3-addr", "127.0.0.1:0")
	s.s3 = s.s3URL(t)
	return s
}

// awsS3Client runs the AWS CLI against an S3 API, with the harness
// credentials.
type awsS3Client struct {
	t        *testing.T
	bin, url string
	env      []string
}

// awsS3 is the AWS CLI for the S3 API at endpoint.
func awsS3(t *testing.T, endpoint string) *awsS3Client {
	t.Helper()
	bin, err := harness.LookPath("aws")
	if err != nil {
		t.Fatalf("the AWS CLI is required to check what a deploy wrote (pip install awscli): %v", err)
	}
	return &awsS3Client{t: t, bin: bin, url: endpoint, env: baseEnv(t.TempDir(), "")}
}

// try runs aws --endpoint-url URL args… and returns its output.
func (c *awsS3Client) try(args ...string) (string, error) {
	cmd := exec.Command(c.bin, append([]string{"--endpoint-url", c.url}, args...)...)
	cmd.Env = c.env
	out, err := harness.CombinedOutput(cmd)
	return string(out), err
}

// run is try that fails the test when aws fails.
func (c *awsS3Client) run(args ...string) string {
	c.t.Helper()
	out, err := c.try(args...)
	if err != nil {
		c.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}
