package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// countingEmulator runs the emulator on loopback behind a counter of API
// requests, with one distribution (alias www.example.com) created before
// the count starts. It sets the AWS SDK's environment for the test.
func countingEmulator(t *testing.T) (url string, requests *atomic.Int64, dist string) {
	t.Helper()
	requests = &atomic.Int64{}
	h := emulator.New(emulator.Options{Store: store.NewMem(), CompletionDelay: time.Hour}).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_REGION": "", "AWS_ENDPOINT_URL_CLOUDFRONT": "", "AWS_ENDPOINT_URL": "",
	} {
		t.Setenv(k, v)
	}
	dist = harness.Distribution(t, sdkClient(t, srv.URL), "counting", harness.Aliases("www.example.com"))
	requests.Store(0)
	return srv.URL, requests, dist
}

// TestBadInputSendsNothing covers issue 10, item 2: every flag and input is
// checked before the first API call (distribution-name resolution
// included), so a typo costs nothing and the corrected re-run pays once.
func TestBadInputSendsNothing(t *testing.T) {
	url, requests, dist := countingEmulator(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	badPlan := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(badPlan, []byte(`{"not":"a plan"`), 0o600); err != nil {
		t.Fatal(err)
	}
	goodPaths := filepath.Join(dir, "paths.txt")
	if err := os.WriteFile(goodPaths, []byte("/b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const batchJSON = `{"Paths":{"Quantity":1,"Items":["/a"]},"CallerReference":"r"}`
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"invalidate, bad --query, by alias", []string{"invalidate", "--distribution-id", "www.example.com", "--query", "Invalidation.[", "/a"}, `invalid --query "Invalidation.["`},
		{"invalidate, bad --query, by ID", []string{"invalidate", "--distribution-id", dist, "--query", "Invalidation.[", "/a"}, `invalid --query`},
		{"invalidate --wait, bad --query", []string{"invalidate", "--distribution-id", dist, "--wait", "--query", "]", "/a"}, `invalid --query`},
		{"invalidate, bad --output", []string{"invalidate", "--distribution-id", dist, "--output", "yaml", "/a"}, `"--output"`},
		{"invalidate, bad --timeout", []string{"invalidate", "--distribution-id", dist, "--timeout", "0", "/a"}, `"--timeout"`},
		{"invalidate, bad path", []string{"invalidate", "--distribution-id", "www.example.com", "/a*b"}, `invalid invalidation item "/a*b"`},
		{"invalidate, missing --paths-from", []string{"invalidate", "--distribution-id", "www.example.com", "--paths-from", missing}, "read --paths-from"},
		{"invalidate, bad --invalidation-batch", []string{"invalidate", "--distribution-id", dist, "--invalidation-batch", `{"Paths":`}, "--invalidation-batch: invalid JSON"},
		{"invalidate, bad --cli-input-json", []string{"invalidate", "--cli-input-json", `{"DistributionId":"` + dist + `","Bogus":1}`}, "--cli-input-json: invalid JSON"},
		{"invalidate, bad --plan", []string{"invalidate", "--distribution-id", "www.example.com", "--plan", badPlan}, "read plan"},
		// Issue drop-in 5: what the AWS CLI refuses together is refused
		// before anything is sent (it exits 255 with `The key "paths"
		// cannot be specified when … invalidation_batch`).
		{"create-invalidation --paths with --invalidation-batch", []string{"create-invalidation", "--distribution-id", dist, "--paths", "/x", "--invalidation-batch", batchJSON}, "--invalidation-batch and --paths are mutually exclusive"},
		{"create-invalidation --invalidation-batch with --paths", []string{"create-invalidation", "--distribution-id", dist, "--invalidation-batch", batchJSON, "--paths", "/x"}, "--invalidation-batch and --paths are mutually exclusive"},
		{"invalidate, a path argument with --invalidation-batch", []string{"invalidate", "--distribution-id", dist, "--invalidation-batch", batchJSON, "/x"}, `--invalidation-batch and the path argument "/x" are mutually exclusive`},
		{"invalidate, --paths-from with --invalidation-batch", []string{"invalidate", "--distribution-id", dist, "--invalidation-batch", batchJSON, "--paths-from", goodPaths}, "--invalidation-batch and --paths-from are mutually exclusive"},
		{"invalidate, --plan with --invalidation-batch", []string{"invalidate", "--distribution-id", dist, "--invalidation-batch", batchJSON, "--plan", badPlan}, "--invalidation-batch and --plan are mutually exclusive"},
		{"invalidate, bad --generate-cli-skeleton", []string{"invalidate", "--generate-cli-skeleton=both"}, `invalid --generate-cli-skeleton "both"`},
		{"wait, bad --query", []string{"wait", "--distribution-id", dist, "--query", "[", "I1"}, `invalid --query "["`},
		{"get, bad --query", []string{"get", "--distribution-id", dist, "--query", "[", "I1"}, `invalid --query "["`},
		{"list, bad --query", []string{"list", "--distribution-id", dist, "--query", "["}, `invalid --query "["`},
		{"distributions, bad --query", []string{"distributions", "--query", "["}, `invalid --query "["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requests.Store(0)
			ios, _, stdout, stderr := TestIO()
			state := t.TempDir()
			args := append(append([]string{}, tt.args...), "--endpoint-url", url)
			code := Main(t.Context(), args, ios, func(k string) string {
				if k == "XDG_STATE_HOME" {
					return state
				}
				return ""
			})
			if code != ExitUsage {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitUsage, stdout, stderr)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr:\n%s\nwant it to contain %q", stderr, tt.want)
			}
			if n := requests.Load(); n != 0 {
				t.Errorf("%d API requests reached the server, want none", n)
			}
		})
	}
}
