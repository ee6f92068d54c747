package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfinvtest"
	"github.com/cfinv/cfinv/deploy"
)

func TestDeployParse(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		want    deployOptions
		wantErr string
	}{
		{
			name: "defaults",
			args: []string{dir, "s3://site"},
			want: deployOptions{Dir: dir, Bucket: "site", ConfigFile: ".cfinv.yml", MaxDelete: 256, MaxWildcards: 15, Concurrency: 16, Timeout: 30 * 60e9},
		},
		{
			name: "every flag",
			args: []string{dir, "s3://site/www/", "--distribution-id", "E1", "--distribution-id", "www.example.com", "--config", "c.yml",
				"--deploy-id", "r42", "--delete", "--max-delete", "-1", "--keep-deleted", "24h", "--no-wait", "--dry-run", "--max-paths", "50", "--max-wildcards", "0",
				"--concurrency", "4", "--s3-endpoint-url", "http://127.0.0.1:1", "--output", "json", "--hash-cache-dir", "/tmp/hc"},
			want: deployOptions{Dir: dir, Bucket: "site", Prefix: "www", Distributions: []string{"E1", "www.example.com"}, ConfigFile: "c.yml", ConfigSet: true,
				DeployID: "r42", Delete: true, MaxDelete: -1, KeepDeleted: 24 * 3600e9, NoWait: true, DryRun: true, MaxPaths: 50, MaxWildcards: 0, Concurrency: 4,
				Timeout: 30 * 60e9, S3EndpointURL: "http://127.0.0.1:1", AWS: awsFlags{Output: "json"}, HashCacheDir: "/tmp/hc"},
		},
		{
			name: "no hash cache",
			args: []string{dir, "s3://site", "--no-hash-cache"},
			want: deployOptions{Dir: dir, Bucket: "site", ConfigFile: ".cfinv.yml", MaxDelete: 256, MaxWildcards: 15, Concurrency: 16, Timeout: 30 * 60e9, NoHashCache: true},
		},
		{name: "hash cache both ways", args: []string{dir, "s3://site", "--no-hash-cache", "--hash-cache-dir", "/tmp/hc"}, wantErr: `--no-hash-cache with --hash-cache-dir "/tmp/hc": want one of them`},
		{name: "not s3", args: []string{dir, "site"}, wantErr: `bucket "site": want s3://BUCKET or s3://BUCKET/PREFIX`},
		{name: "no dir", args: []string{filepath.Join(dir, "nope"), "s3://site"}, wantErr: "is not a directory"},
		{name: "one argument", args: []string{dir}, wantErr: "takes DIR and s3://BUCKET[/PREFIX], got 1 arguments"},
		{name: "max-wildcards", args: []string{dir, "s3://site", "--max-wildcards", "16"}, wantErr: "--max-wildcards 16 is out of range: want 0 to 15"},
		{name: "max-delete", args: []string{dir, "s3://site", "--max-delete", "0"}, wantErr: "--max-delete 0: want 1 or more, or -1 for no limit (to delete nothing, leave out --delete)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, _, _ := TestIO()
			var got *deployOptions
			cmd := newDeployCmd(&Deps{IO: ios}, func(o *deployOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(ios.ErrOut)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tc.wantErr != "" {
				var fe *FlagError
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &fe) {
					t.Fatalf("error %v, want a usage error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tc.want, got, cmpopts.IgnoreFields(deployOptions{}, "IO", "Client", "S3"), cmp.AllowUnexported(awsFlags{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

// deploySite is a bucket behind a distribution of an in-process CloudFront,
// and a deploy command aimed at them.
type deploySite struct {
	srv  *cfinvtest.Server
	s3   *s3.Client
	dist string
	dir  string
	// setLimit is the command's SetMemoryLimit (nil: none, as in tests).
	setLimit func(int64) int64
}

func newDeploySite(t *testing.T) *deploySite {
	t.Helper()
	srv := cfinvtest.NewServer(t, cfinvtest.WithMemoryStore(), cfinvtest.WithCompletionDelay(0))
	s := &deploySite{srv: srv, s3: newS3(srv.S3Config(), srv.S3URL), dir: t.TempDir()}
	if _, err := s.s3.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
		t.Fatal(err)
	}
	s.dist = srv.NewDistribution(t, "site.s3.amazonaws.com")
	return s
}

func (s *deploySite) write(t *testing.T, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(s.dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if body == "" {
			os.Remove(p)
			continue
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// run runs "cfinv deploy DIR s3://site --distribution-id DIST args…" and
// returns stdout, stderr and the exit code.
func (s *deploySite) run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return s.runEnv(t, nil, args...)
}

func (s *deploySite) runEnv(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	ios, _, out, errOut := TestIO()
	cmd := newDeployCmd(&Deps{IO: ios, Getenv: func(k string) string { return env[k] }}, func(o *deployOptions) error {
		o.Client = func(ctx context.Context, opts ...cfinv.Option) (*cfinv.Client, error) {
			return cfinv.New(s.srv.AWSConfig(), opts...), nil
		}
		o.S3 = func(context.Context) (*s3.Client, error) { return s.s3, nil }
		o.SetMemoryLimit = s.setLimit
		return deployRun(t.Context(), o)
	})
	cmd.SetArgs(append([]string{s.dir, "s3://site", "--distribution-id", s.dist}, args...))
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	if err != nil {
		printError(errOut, err, "")
	}
	return out.String(), errOut.String(), exitCode(err)
}

func TestDeployRun(t *testing.T) {
	s := newDeploySite(t)
	s.write(t, map[string]string{"index.html": "<h1>1</h1>", "app.css": "a{}", "old.js": "x", "old2.js": "z"})
	out, _, code := s.run(t)
	if code != 0 || !strings.Contains(out, "uploaded app.css (3 bytes, new) Content-Type: text/css; charset=utf-8\n") {
		t.Fatalf("first deploy: exit %d, stdout:\n%s", code, out)
	}

	s.write(t, map[string]string{"app.css": "b{}", "old.js": "", "old2.js": "", "new.js": "y"})
	out, _, code = s.run(t, "--dry-run", "--delete")
	want := "upload new.js (1 bytes, new) Content-Type: text/javascript; charset=utf-8\n" +
		"upload app.css (3 bytes, changed) Content-Type: text/css; charset=utf-8\n" +
		"invalidate " + s.dist + ": 2 paths for 3 URLs in 1 batch, estimated $0.000\n" +
		"  /app.css\n  /old*\n" + // old.js and old2.js, and no other URL
		"delete old.js\ndelete old2.js\n"
	if code != 0 || !strings.HasPrefix(out, want) {
		t.Fatalf("dry run: exit %d, stdout:\n%s\nwant it to start with:\n%s", code, out, want)
	}

	out, errOut, code := s.run(t, "--delete", "--max-delete", "1", "--output", "json")
	if code != ExitDeleteRefused || !strings.Contains(errOut, "Try: the uploads and the invalidation are done; to delete them, re-run with --max-delete 2") {
		t.Fatalf("refused deletion: exit %d, stderr:\n%s", code, errOut)
	}
	var rep deploy.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--output json: %v\n%s", err, out)
	}
	if diff := cmp.Diff([]string{"old.js", "old2.js"}, rep.Refused); diff != "" || len(rep.Uploads) != 2 {
		t.Errorf("report: refused (-want +got):\n%s\nuploads %v", diff, rep.Uploads)
	}

	out, _, code = s.run(t, "--delete")
	if code != 0 || !strings.Contains(out, "deleted old.js\ndeleted old2.js\n") {
		t.Fatalf("deletion: exit %d, stdout:\n%s", code, out)
	}
}

// TestDeployMemoryLimit (issue 31): the command gives the Go runtime a
// soft memory limit for the deploy, raised once the scan has counted the
// files, unless GOMEMLIMIT sets one. Without it a first deploy of 30,000
// files peaked at 96 MiB RSS, with it 76 (BENCHMARKS.md).
func TestDeployMemoryLimit(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want []int64
	}{
		{name: "set for the site", want: []int64{deployMemoryLimit(0), deployMemoryLimit(3)}},
		{name: "GOMEMLIMIT wins", env: map[string]string{"GOMEMLIMIT": "1GiB"}, want: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newDeploySite(t)
			s.write(t, map[string]string{"index.html": "<h1>1</h1>", "app.css": "a{}", "img/a.png": "png"})
			var got []int64
			s.setLimit = func(n int64) int64 {
				got = append(got, n)
				return 0
			}
			if _, errOut, code := s.runEnv(t, tc.env); code != 0 {
				t.Fatalf("deploy: exit %d\n%s", code, errOut)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("memory limits set (-want +got):\n%s", diff)
			}
		})
	}
	if got := deployMemoryLimit(30000); got < 44<<20 || got > 48<<20 {
		t.Errorf("deployMemoryLimit(30000) = %d MiB, want 44–48 MiB", got>>20)
	}
	if got := deployMemoryLimit(10_000_000); got != 64<<20 {
		t.Errorf("deployMemoryLimit(10,000,000) = %d MiB, want 64 MiB: the limit stops growing", got>>20)
	}
}

// TestDeployBudgetError: budgets no invalidation plan meets stop the
// deploy before its first upload, with the flags that would allow one.
func TestDeployBudgetError(t *testing.T) {
	s := newDeploySite(t)
	s.write(t, map[string]string{"index.html": "1", "a/index.html": "1", "b/index.html": "1"})
	if _, errOut, code := s.run(t); code != 0 {
		t.Fatalf("first deploy: exit %d\n%s", code, errOut)
	}
	s.write(t, map[string]string{"index.html": "2", "a/index.html": "2", "b/index.html": "2"})
	out, errOut, code := s.run(t, "--max-paths", "2", "--max-wildcards", "0")
	if code != ExitUsage || !strings.Contains(errOut, "Try: nothing was uploaded, invalidated or deleted: raise --max-paths (up to 3000) or --max-wildcards (up to 15)") {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, ExitUsage, out, errOut)
	}
	if _, errOut, code := s.run(t, "--max-paths", "2"); code != 0 {
		t.Fatalf("with wildcards: exit %d\n%s", code, errOut)
	}
}

func TestDeployBadConfig(t *testing.T) {
	s := newDeploySite(t)
	s.write(t, map[string]string{"index.html": "x"})
	cfg := filepath.Join(t.TempDir(), "c.yml")
	if err := os.WriteFile(cfg, []byte("routes:\n  - match: '*.html'\n    hedaers: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := s.run(t, "--config", cfg)
	if code != ExitUsage || !strings.Contains(errOut, "c.yml:3") {
		t.Fatalf("bad config: exit %d, stderr:\n%s", code, errOut)
	}
	if out, err := s.s3.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String("site")}); err != nil || len(out.Contents) != 0 {
		t.Fatalf("bad config wrote %v (%v), want nothing", out, err)
	}
}

// TestDeployMissingBucket: a bucket that does not exist is "not found"
// (exit 4), named in the message.
func TestDeployMissingBucket(t *testing.T) {
	s := newDeploySite(t)
	s.write(t, map[string]string{"index.html": "x"})
	ios, _, _, errOut := TestIO()
	cmd := newDeployCmd(&Deps{IO: ios}, func(o *deployOptions) error {
		o.S3 = func(context.Context) (*s3.Client, error) { return s.s3, nil }
		return deployRun(t.Context(), o)
	})
	cmd.SetArgs([]string{s.dir, "s3://nope"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	printError(errOut, err, "")
	if code := exitCode(err); code != ExitNotFound || !strings.Contains(errOut.String(), "list s3://nope/") || !strings.Contains(errOut.String(), "NoSuchBucket") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
}

func TestDeployExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"upload", &deploy.UploadError{Key: "a.css", Err: errors.New("boom")}, ExitUploadFailed},
		{"deletions", &deploy.DeleteLimitError{Deletions: 3, MaxDelete: 2}, ExitDeleteRefused},
		{"config", deploy.ErrConfig, ExitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := exitCode(tc.err); got != tc.want {
				t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

// TestIAMPolicyBucket: --bucket adds what deploy calls on S3, limited to
// the prefix's objects.
func TestIAMPolicyBucket(t *testing.T) {
	ios, _, stdout, _ := TestIO()
	if err := iamPolicyRun(&iamPolicyOptions{IO: ios, AccountID: "*", Buckets: []string{"s3://site/www"}}); err != nil {
		t.Fatal(err)
	}
	want := `{
    "Statement": [
        {
            "Sid": "CfinvDeployList",
            "Effect": "Allow",
            "Action": [
                "s3:ListBucket",
                "s3:ListBucketMultipartUploads"
            ],
            "Resource": [
                "arn:aws:s3:::site"
            ]
        },
        {
            "Sid": "CfinvDeployObjects",
            "Effect": "Allow",
            "Action": [
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:AbortMultipartUpload"
            ],
            "Resource": [
                "arn:aws:s3:::site/www/*"
            ]
        }
    ],
    "Version": "2012-10-17"
}
`
	if diff := cmp.Diff(want, stdout.String()); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
}

// TestIAMPolicyKMSKey: --kms-key adds the KMS actions S3 calls for
// deploy's writes, on the keys named once each.
func TestIAMPolicyKMSKey(t *testing.T) {
	const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	ios, _, stdout, _ := TestIO()
	if err := iamPolicyRun(&iamPolicyOptions{IO: ios, AccountID: "*", Buckets: []string{"s3://site"}, KMSKeys: []string{key, key}}); err != nil {
		t.Fatal(err)
	}
	var got struct{ Statement []iamStatement }
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := iamStatement{Sid: "CfinvDeployKMS", Effect: "Allow", Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: []string{key}}
	if n := len(got.Statement); n != 3 {
		t.Fatalf("%d statements, want 3 (list, objects, KMS):\n%s", n, stdout)
	}
	if diff := cmp.Diff(want, got.Statement[2]); diff != "" {
		t.Errorf("KMS statement (-want +got):\n%s", diff)
	}
}

// TestIAMPolicyKMSKeyRefused: a --kms-key that is not a key's ARN, or one
// without a --bucket, is a usage error naming what is accepted.
func TestIAMPolicyKMSKeyRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"alias", []string{"--bucket", "s3://site", "--kms-key", "alias/site"}, `invalid --kms-key "alias/site": want a key's ARN`},
		{"alias ARN", []string{"--bucket", "s3://site", "--kms-key", "arn:aws:kms:us-east-1:123456789012:alias/site"}, "an alias is not a resource IAM grants on"},
		{"bare key ID", []string{"--bucket", "s3://site", "--kms-key", "1234abcd-12ab-34cd-56ef-1234567890ab"}, "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID"},
		{"short account", []string{"--bucket", "s3://site", "--kms-key", "arn:aws:kms:us-east-1:12345:key/1234abcd-12ab-34cd-56ef-1234567890ab"}, `invalid --kms-key`},
		{"no bucket", []string{"--distribution-id", "E1U5RQF7T870K0", "--kms-key", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}, "--kms-key is for deploy's uploads: give the --bucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, stdout, errOut := TestIO()
			code := Main(t.Context(), append([]string{"iam-policy"}, tc.args...), ios, func(string) string { return "" })
			if code != ExitUsage {
				t.Errorf("exit %d, want %d (usage)", code, ExitUsage)
			}
			if !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errOut)
			}
			if stdout.Len() != 0 {
				t.Errorf("a policy was printed:\n%s", stdout)
			}
		})
	}
	ios, _, stdout, errOut := TestIO()
	ok := []string{"iam-policy", "--bucket", "s3://site", "--kms-key", "arn:aws-cn:kms:cn-north-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"}
	if code := Main(t.Context(), ok, ios, func(string) string { return "" }); code != 0 || !strings.Contains(stdout.String(), "CfinvDeployKMS") {
		t.Errorf("multi-Region key in aws-cn: exit %d\n%s%s", code, stdout, errOut)
	}
}

// TestDeployGitHubSummary: in a GitHub Actions step the deploy appends a
// job summary and sets its step outputs.
func TestDeployGitHubSummary(t *testing.T) {
	s := newDeploySite(t)
	s.write(t, map[string]string{"index.html": "x", "a.css": "a"})
	if _, _, code := s.run(t); code != 0 {
		t.Fatalf("first deploy: exit %d", code)
	}
	s.write(t, map[string]string{"a.css": "b"})
	tmp := t.TempDir()
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": filepath.Join(tmp, "summary"), "GITHUB_OUTPUT": filepath.Join(tmp, "output")}
	if _, errOut, code := s.runEnv(t, env, "--deploy-id", "r2"); code != 0 {
		t.Fatalf("deploy: exit %d\n%s", code, errOut)
	}
	summary, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	for _, want := range []string{"### cfinv deploy r2\n", "| uploaded | 1 of 2 files (1 unchanged) |\n", "| invalidated on " + s.dist + " | 1 path for 1 URLs, estimated $0.000 |\n", "| deleted | 0 |\n"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	output, _ := os.ReadFile(env["GITHUB_OUTPUT"])
	for _, want := range []string{"deploy-id<<", "\nr2\n", "uploaded<<", "\n1\n", "invalidation-ids<<"} {
		if !strings.Contains(string(output), want) {
			t.Errorf("outputs lack %q:\n%s", want, output)
		}
	}
}

// TestDeployHashCacheDir (issue 31): the hash cache goes where
// os.UserCacheDir would put it, read through getenv; --hash-cache-dir
// chooses another place, --no-hash-cache none.
func TestDeployHashCacheDir(t *testing.T) {
	for _, tc := range []struct {
		name string
		goos string
		env  map[string]string
		opts deployOptions
		want string
	}{
		{"xdg", "linux", map[string]string{"XDG_CACHE_HOME": "/c", "HOME": "/h"}, deployOptions{}, filepath.Join("/c", "cfinv", "deploy")},
		{"home", "linux", map[string]string{"HOME": "/h"}, deployOptions{}, filepath.Join("/h", ".cache", "cfinv", "deploy")},
		{"relative xdg", "linux", map[string]string{"XDG_CACHE_HOME": "c", "HOME": "/h"}, deployOptions{}, ""},
		{"no home", "linux", map[string]string{}, deployOptions{}, ""},
		{"darwin", "darwin", map[string]string{"HOME": "/Users/a"}, deployOptions{}, filepath.Join("/Users/a", "Library", "Caches", "cfinv", "deploy")},
		{"windows", "windows", map[string]string{"LocalAppData": `C:\a`}, deployOptions{}, filepath.Join(`C:\a`, "cfinv", "deploy")},
		{"flag", "linux", map[string]string{"HOME": "/h"}, deployOptions{HashCacheDir: "/x"}, "/x"},
		{"off", "linux", map[string]string{"HOME": "/h"}, deployOptions{NoHashCache: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.Getenv = func(k string) string { return tc.env[k] }
			if got := o.hashCacheDir(tc.goos); got != tc.want {
				t.Errorf("hash cache directory %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDeployUploadsOnDisk (issue 31): the command keeps a long list of
// uploads for its report on disk, not in memory, and prints the same
// report from it, as text, as JSON and through a query; a list it cannot
// keep fails the command, saying the deploy itself is done.
func TestDeployUploadsOnDisk(t *testing.T) {
	s := newDeploySite(t)
	files := map[string]string{"index.html": "<h1>1</h1>", "about/index.html": "<p>about"}
	for i := range 12 {
		files[fmt.Sprintf("assets/a%02d.js", i)] = fmt.Sprintf("let a = %d", i)
	}
	s.write(t, files)
	outputs := [][]string{{"--dry-run"}, {"--dry-run", "--output", "json"}, {"--dry-run", "--output", "json", "--query", "uploads[-1]"}}
	var want []string
	for _, args := range outputs {
		out, errOut, code := s.run(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d, stderr:\n%s", args, code, errOut)
		}
		want = append(want, out)
	}
	if !strings.Contains(want[1], `"key": "assets/a11.js"`) || !strings.Contains(want[0], "upload assets/a11.js") {
		t.Fatalf("the report does not list every upload:\n%s\n%s", want[0], want[1])
	}
	defer func(n int) { uploadsInMemory = n }(uploadsInMemory)
	uploadsInMemory = 3
	for i, args := range outputs {
		out, errOut, code := s.run(t, args...)
		if code != 0 {
			t.Fatalf("%v, on disk: exit %d, stderr:\n%s", args, code, errOut)
		}
		if diff := cmp.Diff(want[i], out); diff != "" {
			t.Errorf("%v: report with the uploads on disk (-in memory +on disk):\n%s", args, diff)
		}
	}
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	_, errOut, code := s.run(t)
	if code == 0 || !strings.Contains(errOut, "the deploy is done, but its report cannot be printed: keep the list of uploads on disk") {
		t.Errorf("list not kept: exit %d, stderr:\n%s", code, errOut)
	}
	t.Setenv("TMPDIR", t.TempDir())
	out, _, code := s.run(t, "--output", "json", "--query", "uploaded")
	if code != 0 || out != "0\n" {
		t.Errorf("redeploy after it: exit %d, %q uploaded, want 0", code, out)
	}
}
