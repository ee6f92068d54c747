package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/deploy"
)

// TestDeployQuery: --query applies to the report's JSON, as for the other
// commands; a bad one is refused before anything is written.
func TestDeployQuery(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		wantOut  string
		wantCode int
		wantErr  string
	}{
		{name: "json", args: []string{"--deploy-id", "q1", "--output", "json", "--query", "deploy_id"}, wantOut: "\"q1\"\n"},
		{name: "json list", args: []string{"--output", "json", "--query", "uploads[].key"}, wantOut: "[\n    \"app.css\",\n    \"index.html\"\n]\n"},
		{name: "text", args: []string{"--query", "[files, unchanged]"}, wantOut: "2\t0\n"},
		{name: "invalid", args: []string{"--query", "uploads[", "--output", "json"}, wantCode: ExitUsage, wantErr: `invalid --query "uploads["`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newDeploySite(t)
			s.write(t, map[string]string{"index.html": "<h1>1</h1>", "app.css": "a{}"})
			out, errOut, code := s.run(t, tc.args...)
			if code != tc.wantCode || out != tc.wantOut || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s\nwant exit %d, stdout %q, stderr with %q", code, out, errOut, tc.wantCode, tc.wantOut, tc.wantErr)
			}
			if tc.wantCode != 0 {
				list, err := s.s3.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String("site")})
				if err != nil || len(list.Contents) != 0 {
					t.Errorf("a refused --query wrote %d objects (%v), want none", len(list.Contents), err)
				}
			}
		})
	}
}

// TestDeployRerunComplete: running a deploy that completed again, with the
// same deploy ID, says it was already complete and names the invalidation
// it bought, which is not bought again. Before, it listed every changed
// object as "resumed … invalidated" and said "nothing to invalidate" (with
// deletions) or "invalidated … estimated $…" (without).
func TestDeployRerunComplete(t *testing.T) {
	for _, tc := range []struct {
		name      string
		v2        map[string]string
		args      []string
		wantPaths string
		summary   string // the last line's, which scripts read
	}{
		{"with deletions", map[string]string{"index.html": "<h1>2</h1>", "app.css": "b{}", "old.js": ""}, []string{"--delete"}, "  /*\n", "2 files, 0 objects uploaded, 2 unchanged, 0 objects deleted"},
		{"same paths", map[string]string{"app.css": "b{}"}, nil, "  /app.css\n", "3 files, 0 objects uploaded, 3 unchanged, 0 objects deleted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newDeploySite(t)
			s.write(t, map[string]string{"index.html": "<h1>1</h1>", "app.css": "a{}", "old.js": "x"})
			if _, errOut, code := s.run(t); code != 0 {
				t.Fatalf("first deploy: exit %d\n%s", code, errOut)
			}
			s.write(t, tc.v2)
			args := append([]string{"--deploy-id", "d2"}, tc.args...)
			out, errOut, code := s.run(t, append(args, "--output", "json")...)
			var rep deploy.Report
			if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || len(rep.Invalidations) != 1 || len(rep.Invalidations[0].Batches) != 1 {
				t.Fatalf("deploy d2: exit %d, %v\n%s\n%s", code, err, out, errOut)
			}
			id := rep.Invalidations[0].Batches[0].ID

			out, errOut, code = s.run(t, args...)
			n := strings.Count(tc.wantPaths, "\n")
			want := s.dist + ": invalidation " + id + " (" + count(n, "path", "paths") + ", Completed) was bought by an earlier run of this deploy; not bought again\n" +
				tc.wantPaths +
				"already complete: an earlier run of deploy d2 uploaded its objects and bought the invalidation it needed; nothing to do now\n" +
				"deploy d2: " + tc.summary + "\n"
			if code != 0 || out != want {
				t.Errorf("re-run: exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", code, out, want, errOut)
			}
			if strings.Contains(errOut, "paths for") {
				t.Errorf("re-run: the progress says an invalidation is sent:\n%s", errOut)
			}
			out, _, _ = s.run(t, append(args, "--output", "json", "--query", "already_complete")...)
			if out != "true\n" {
				t.Errorf("re-run: already_complete is %q, want true", out)
			}
			invs, err := cfinv.New(s.srv.AWSConfig()).List(t.Context(), s.dist, 100, "")
			if err != nil || len(invs) != 1 {
				t.Errorf("the distribution has %d invalidations (%v), want 1", len(invs), err)
			}
		})
	}
}

// TestDeployGitHubSummaryComplete: the job summary of a re-run of a
// completed deploy says so and names the invalidation bought before,
// instead of "0 paths … estimated $0.000".
func TestDeployGitHubSummaryComplete(t *testing.T) {
	s := newDeploySite(t)
	s.write(t, map[string]string{"index.html": "x", "a.css": "a"})
	if _, _, code := s.run(t); code != 0 {
		t.Fatalf("first deploy: exit %d", code)
	}
	s.write(t, map[string]string{"a.css": "b"})
	out, errOut, code := s.run(t, "--deploy-id", "r2", "--output", "json", "--query", "invalidations[0].batches[0].ID")
	if code != 0 {
		t.Fatalf("deploy: exit %d\n%s", code, errOut)
	}
	var id string
	if err := json.Unmarshal([]byte(out), &id); err != nil || id == "" {
		t.Fatalf("invalidation ID %q: %v", out, err)
	}
	tmp := t.TempDir()
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": filepath.Join(tmp, "summary"), "GITHUB_OUTPUT": filepath.Join(tmp, "output")}
	if _, errOut, code := s.runEnv(t, env, "--deploy-id", "r2"); code != 0 {
		t.Fatalf("re-run: exit %d\n%s", code, errOut)
	}
	summary, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	want := "| uploaded | 0 of 2 files (2 unchanged) |\n" +
		"| already complete | an earlier run of this deploy did it all; nothing bought now |\n" +
		"| invalidated on " + s.dist + " | " + id + " (1 path) by an earlier run of this deploy; not bought again |\n" +
		"| deleted | 0 |\n"
	if !strings.Contains(string(summary), want) {
		t.Errorf("summary lacks:\n%s\ngot:\n%s", want, summary)
	}
	output, _ := os.ReadFile(env["GITHUB_OUTPUT"])
	if !strings.Contains(string(output), id) {
		t.Errorf("invalidation-ids output lacks %s:\n%s", id, output)
	}
}
