package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/internal/awscli"
	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

func TestInvalidateParse(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want invalidateOptions
		err  string
	}{
		{
			name: "aws cli line",
			args: []string{"create-invalidation", "--distribution-id", "E1", "--paths", "/a", "/b"},
			want: invalidateOptions{Distributions: []string{"E1"}, Items: []string{"/a", "/b"}, PathArgs: 1, Timeout: 15 * time.Minute, AWSOutput: true},
		},
		{
			name: "several distributions and flags",
			args: []string{"invalidate", "--distribution-id", "E1", "--distribution-id", "www.example.com", "--deploy-id", "v1", "--wait", "--timeout", "2m", "--dry-run", "/x,y"},
			want: invalidateOptions{Distributions: []string{"E1", "www.example.com"}, Items: []string{"/x,y"}, PathArgs: 1, DeployID: "v1", Wait: true, Timeout: 2 * time.Minute, DryRun: true},
		},
		{
			name: "environment fills flags",
			args: []string{"invalidate", "/a"},
			env:  map[string]string{"CFINV_DISTRIBUTION_ID": "E9", "CFINV_ENDPOINT_URL": "http://127.0.0.1:1", "CFINV_STATE_DIR": "/s"},
			want: invalidateOptions{Distributions: []string{"E9"}, Items: []string{"/a"}, PathArgs: 1, Timeout: 15 * time.Minute, StateDir: "/s", AWS: awsFlags{EndpointURL: "http://127.0.0.1:1"}},
		},
		{
			name: "skeleton without value",
			args: []string{"invalidate", "--generate-cli-skeleton"},
			want: invalidateOptions{Skeleton: "input", Timeout: 15 * time.Minute},
		},
		{name: "bad timeout", args: []string{"invalidate", "--timeout", "soon"}, err: "invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := TestIO()
			env := map[string]string{"XDG_STATE_HOME": "/state"}
			for k, v := range tt.env {
				env[k] = v
			}
			d := &Deps{IO: ios, Getenv: func(k string) string { return env[k] }, Now: time.Now}
			var got *invalidateOptions
			root := NewRootCmd(d)
			for _, c := range root.Commands() {
				if c.Name() == "invalidate" {
					root.RemoveCommand(c)
				}
			}
			root.AddCommand(newInvalidateCmd(d, func(o *invalidateOptions) error { got = o; return nil }))
			root.SetArgs(tt.args)
			err := root.Execute()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want.StateDir == "" {
				tt.want.StateDir = "/state/cfinv"
			}
			if diff := cmp.Diff(tt.want, *got, cmp.FilterPath(func(p cmp.Path) bool {
				switch p.Last().String() {
				case ".IO", ".Getenv", ".Now", ".Client", ".FileExists":
					return true
				}
				return false
			}, cmp.Ignore()), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePathList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"/a\n/b\r\n\n  \n/c d\n", []string{"/a", "/b", "/c d"}},
		{"/a\x00/b\nc\x00", []string{"/a", "/b\nc"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := parsePathList([]byte(tt.in)); !cmp.Equal(got, tt.want) {
			t.Errorf("parsePathList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseInvalidationBatch(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "batch.json")
	if err := os.WriteFile(file, []byte(`{"Paths":{"Quantity":2,"Items":["/a","/b"]},"CallerReference":"ref-f"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in    string
		items []string
		ref   string
		err   string
	}{
		{in: `{"Paths":{"Quantity":1,"Items":["/x"]},"CallerReference":"r1"}`, items: []string{"/x"}, ref: "r1"},
		{in: "file://" + file, items: []string{"/a", "/b"}, ref: "ref-f"},
		{in: "Paths={Quantity=2,Items=[/a,/b*]},CallerReference=sh", items: []string{"/a", "/b*"}, ref: "sh"},
		{in: "CallerReference=first,Paths={Items=[/z],Quantity=1}", items: []string{"/z"}, ref: "first"},
		{in: `{"Paths":{"Quantity":3,"Items":["/x"]},"CallerReference":"r"}`, err: "Quantity is 3 but Items has 1"},
		{in: `{"Paths":{"Items":["/x"]},"Caller":"r"}`, err: "unknown field"},
		{in: "Paths={Quantity=x}", err: "not a number"},
		{in: "Bogus=1", err: "unknown key"},
		{in: "file://" + filepath.Join(dir, "missing"), err: "read --invalidation-batch"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			b, err := parseInvalidationBatch(t.Context(), tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				if exitCode(err) != ExitUsage {
					t.Errorf("exit code %d, want %d", exitCode(err), ExitUsage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(b.Paths.Items, tt.items) || b.CallerReference != tt.ref {
				t.Errorf("got items %q ref %q, want %q %q", b.Paths.Items, b.CallerReference, tt.items, tt.ref)
			}
		})
	}
}

func TestParseCLIInputJSON(t *testing.T) {
	in, err := parseCLIInputJSON(t.Context(), `{"DistributionId":"E1","InvalidationBatch":{"Paths":{"Quantity":1,"Items":["/a"]},"CallerReference":"c"}}`)
	if err != nil {
		t.Fatal(err)
	}
	if in.DistributionID != "E1" || in.InvalidationBatch.CallerReference != "c" || !cmp.Equal(in.InvalidationBatch.Paths.Items, []string{"/a"}) {
		t.Errorf("got %+v", in)
	}
	if _, err := parseCLIInputJSON(t.Context(), `{"DistributionId":"E1"} {}`); err == nil {
		t.Error("trailing data accepted")
	}
}

func FuzzParsePathList(f *testing.F) {
	f.Add([]byte("/a\n/b\r\n"))
	f.Add([]byte("/a\x00/b"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range parsePathList(data) {
			if strings.TrimSpace(p) == "" || strings.HasSuffix(p, "\r") && !strings.Contains(string(data), "\x00") {
				t.Fatalf("parsePathList(%q) returned %q", data, p)
			}
		}
	})
}

func FuzzParseInvalidationBatch(f *testing.F) {
	f.Add(`{"Paths":{"Quantity":1,"Items":["/x"]},"CallerReference":"r1"}`)
	f.Add("Paths={Quantity=2,Items=[/a,/b*]},CallerReference=sh")
	f.Add("Paths={Items=[")
	f.Fuzz(func(t *testing.T, s string) {
		if strings.HasPrefix(s, "file://") {
			return
		}
		b, err := parseInvalidationBatch(t.Context(), s)
		if err != nil {
			if exitCode(err) != ExitUsage {
				t.Fatalf("error %v has exit code %d, want usage", err, exitCode(err))
			}
			return
		}
		if b.Paths.Quantity != nil && *b.Paths.Quantity != len(b.Paths.Items) {
			t.Fatalf("accepted inconsistent Quantity: %+v", b)
		}
	})
}

func FuzzParseCLIInputJSON(f *testing.F) {
	f.Add(`{"DistributionId":"E1","InvalidationBatch":{"Paths":{"Quantity":1,"Items":["/a"]},"CallerReference":"c"}}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, s string) {
		if strings.HasPrefix(s, "file://") {
			return
		}
		in, err := parseCLIInputJSON(t.Context(), s)
		if err != nil {
			if exitCode(err) != ExitUsage {
				t.Fatalf("error %v has exit code %d, want usage", err, exitCode(err))
			}
			return
		}
		if b := in.InvalidationBatch; b != nil && b.Paths.Quantity != nil && *b.Paths.Quantity != len(b.Paths.Items) {
			t.Fatalf("accepted inconsistent Quantity: %+v", b)
		}
	})
}

// testEmulator runs the emulator on loopback with completion delay delay
// and returns its URL, a client factory on the shared clock and a
// distribution with alias www.example.com.
func testEmulator(t *testing.T, delay time.Duration) (url string, clock *harness.Clock, client clientFunc, dist string) {
	t.Helper()
	clock = harness.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	srv := httptest.NewServer(emulator.New(emulator.Options{Store: store.NewMem(), Now: clock.Now, CompletionDelay: delay}).Handler())
	t.Cleanup(srv.Close)
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_REGION": "",
	} {
		t.Setenv(k, v)
	}
	f := &awsFlags{EndpointURL: srv.URL}
	base := f.newClient(&IO{}, os.Getenv)
	client = func(ctx context.Context, opts ...cfinv.Option) (*cfinv.Client, error) {
		return base(ctx, append(opts, cfinv.WithClock(clock.Now, clock.Sleep))...)
	}
	dist = harness.Distribution(t, sdkClient(t, srv.URL), "cli-test", harness.Aliases("www.example.com"))
	return srv.URL, clock, client, dist
}

func TestInvalidateRunDryRun(t *testing.T) {
	_, clock, client, dist := testEmulator(t, 0)
	ios, _, stdout, stderr := TestIO()
	opts := &invalidateOptions{IO: ios, Now: clock.Now, Client: client, FileExists: func(n string) bool { return n == "index.html" },
		Distributions: []string{"www.example.com"}, Items: []string{"index.html", "/img/*", "/img/a.png", "/b c"}, DeployID: "v1", DryRun: true, StateDir: t.TempDir()}
	if err := invalidateRun(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	items := []string{"/b%20c", "/img/*", "/index.html"}
	ref := cfinv.DeployReference(dist, items, "v1")
	want := `{
    "DryRun": true,
    "Distributions": [
        {
            "DistributionId": "` + dist + `",
            "Batches": [
                {
                    "CallerReference": "` + ref + `",
                    "Paths": {
                        "Quantity": 3,
                        "Items": [
                            "/b%20c",
                            "/img/*",
                            "/index.html"
                        ]
                    }
                }
            ]
        }
    ],
    "BilledPaths": 3
}
`
	if diff := cmp.Diff(want, stdout.String()); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	wantErr := `Warning: "index.html" names a local file: did your shell expand a wildcard? Quote it: '/*'
Warning: index.html: added the leading '/' that CloudFront requires
Warning: /img/a.png: dropped: covered by /img/*
`
	if diff := cmp.Diff(wantErr, stderr.String()); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
}

func TestInvalidateRunWaitAndResume(t *testing.T) {
	_, clock, client, dist := testEmulator(t, 2*time.Second)
	state := t.TempDir()
	run := func() (map[string]any, string) {
		ios, _, stdout, stderr := TestIO()
		opts := &invalidateOptions{IO: ios, Now: clock.Now, Client: client, Distributions: []string{dist},
			Items: []string{"/a", "/b"}, DeployID: "v1", Wait: true, Timeout: time.Minute, StateDir: state}
		if err := invalidateRun(t.Context(), opts); err != nil {
			t.Fatalf("invalidate: %v\nstderr:\n%s", err, stderr)
		}
		var out map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
		}
		return out, stderr.String()
	}
	first, log := run()
	inv := first["Invalidation"].(map[string]any)
	if inv["Status"] != "Completed" || !strings.HasSuffix(first["Location"].(string), "/invalidation/"+inv["Id"].(string)) {
		t.Errorf("output %v: want a Completed invalidation with its Location", first)
	}
	batch := inv["InvalidationBatch"].(map[string]any)
	if diff := cmp.Diff(map[string]any{"Quantity": 2.0, "Items": []any{"/a", "/b"}}, batch["Paths"]); diff != "" {
		t.Errorf("Paths (-want +got):\n%s", diff)
	}
	if !strings.Contains(log, ": Completed (1/1 completed)") {
		t.Errorf("stderr lacks the state change line:\n%s", log)
	}
	second, log := run()
	if second["Invalidation"].(map[string]any)["Id"] != inv["Id"] || !strings.Contains(log, "not sent again") {
		t.Errorf("re-run created %v (stderr %q), want the journalled %v", second, log, inv["Id"])
	}
}

func TestInvalidateRunWaitTimeout(t *testing.T) {
	url, clock, client, dist := testEmulator(t, time.Hour)
	ios, _, stdout, stderr := TestIO()
	opts := &invalidateOptions{IO: ios, Now: clock.Now, Client: client, Distributions: []string{dist},
		Items: []string{"/a"}, Wait: true, Timeout: 10 * time.Second, StateDir: t.TempDir(), AWS: awsFlags{EndpointURL: url}}
	err := invalidateRun(t.Context(), opts)
	if got := exitCode(err); got != ExitTimeout {
		t.Fatalf("exit code %d (%v), want %d", got, err, ExitTimeout)
	}
	var out map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("the created invalidation was not printed: %v", err)
	}
	id := out["Invalidation"].(map[string]any)["Id"].(string)
	want := "cfinv wait --distribution-id " + dist + " --endpoint-url " + url + " " + id
	if !strings.Contains(stderr.String(), "To resume waiting, run:\n  "+want+"\n") {
		t.Errorf("stderr lacks the resume command %q:\n%s", want, stderr)
	}
}

func TestInvalidateRunErrors(t *testing.T) {
	_, clock, client, _ := testEmulator(t, 0)
	tests := []struct {
		name  string
		dists []string
		items []string
		code  int
		msg   string
	}{
		{"bad path", []string{"E1"}, []string{"/a*b"}, ExitUsage, `invalid invalidation item "/a*b"`},
		{"unknown distribution", []string{"ENOSUCHDIST00"}, []string{"/a"}, ExitNotFound, "NoSuchDistribution"},
		{"unknown alias", []string{"nowhere.example.org"}, []string{"/a"}, ExitNotFound, "no distribution matches"},
		{"no paths", []string{"E1"}, nil, ExitUsage, "no paths"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := TestIO()
			opts := &invalidateOptions{IO: ios, Now: clock.Now, Client: client, Distributions: tt.dists, Items: tt.items, StateDir: t.TempDir(), Timeout: time.Minute}
			err := invalidateRun(t.Context(), opts)
			if exitCode(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %v (exit %d), want exit %d containing %q", err, exitCode(err), tt.code, tt.msg)
			}
		})
	}
}

func TestInvalidateSkeletonAndQuery(t *testing.T) {
	ios, _, stdout, _ := TestIO()
	if err := invalidateRun(t.Context(), &invalidateOptions{IO: ios, Skeleton: "input"}); err != nil {
		t.Fatal(err)
	}
	var in awscli.CLIInput
	if err := json.Unmarshal(stdout.Bytes(), &in); err != nil {
		t.Fatalf("skeleton is not valid --cli-input-json: %v", err)
	}

	_, clock, client, dist := testEmulator(t, 0)
	ios, _, stdout, _ = TestIO()
	opts := &invalidateOptions{IO: ios, Now: clock.Now, Client: client, Distributions: []string{dist}, Items: []string{"/q"},
		StateDir: t.TempDir(), Timeout: time.Minute, AWS: awsFlags{Query: "Invalidation.InvalidationBatch.Paths.Items[0]", Output: "text"}}
	if err := invalidateRun(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	if got := stdout.String(); got != "/q\n" {
		t.Errorf("--query output %q, want %q", got, "/q\n")
	}
}

// TestInvalidateQueuesUntilTheDeadline is issue 10's item 5 end to end:
// 3,001 paths, one path of another invalidation in progress until 3s, and
// --timeout 5s. The first batch (3,000 paths) must be created once that
// invalidation completes, not given up on at 2s; the second then waits for
// the first until the deadline, so the run is partial (exit 7), not a
// limit failure with nothing created (exit 6).
func TestInvalidateQueuesUntilTheDeadline(t *testing.T) {
	url, clock, client, dist := testEmulator(t, 3*time.Second)
	if _, err := sdkClient(t, url).CreateInvalidation(t.Context(), &cloudfront.CreateInvalidationInput{DistributionId: aws.String(dist), InvalidationBatch: &types.InvalidationBatch{
		CallerReference: aws.String("blocker"), Paths: &types.Paths{Quantity: aws.Int32(1), Items: []string{"/blocker"}},
	}}); err != nil {
		t.Fatal(err)
	}
	items := make([]string, 3001)
	for i := range items {
		items[i] = fmt.Sprintf("/p%04d", i)
	}
	start := clock.Now()
	ios, _, stdout, stderr := TestIO()
	opts := &invalidateOptions{IO: ios, Now: clock.Now, Client: client, Distributions: []string{dist}, Items: items, Timeout: 5 * time.Second, StateDir: t.TempDir()}
	err := invalidateRun(t.Context(), opts)
	if got := exitCode(err); got != ExitPartial {
		t.Fatalf("exit code %d (%v), want %d\nstderr:\n%s", got, err, ExitPartial, stderr)
	}
	if !strings.Contains(stderr.String(), "batch 1: created") {
		t.Errorf("batch 1 was not created:\n%s", stderr)
	}
	if took := clock.Now().Sub(start); took < 5*time.Second {
		t.Errorf("gave up after %s of a 5s timeout", took)
	}
	if !strings.Contains(stdout.String(), `"Quantity": 3000`) {
		t.Errorf("stdout does not show the created batch:\n%.500s", stdout)
	}
}

// TestInvalidateEmpty: an empty plan or --paths-from list is a deploy with
// nothing to purge: exit 0 with a note on stderr (it was exit 2, "give
// --plan", which broke set -e scripts on the first deploy and whenever
// nothing changed); --fail-if-empty makes it exit 9. Nothing is sent: the
// endpoint is a closed port.
func TestInvalidateEmpty(t *testing.T) {
	dir := t.TempDir()
	emptyPlan := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(emptyPlan, []byte(`{"version":1,"created":"2026-01-01T00:00:00Z","strategy":"optimal","items":[],"batches":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyList := filepath.Join(dir, "paths.txt")
	if err := os.WriteFile(emptyList, []byte("\n  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"invalidate", "--endpoint-url", "http://127.0.0.1:1", "--distribution-id", "E1"}
	tests := []struct {
		name string
		args []string
		code int
		msg  string // in stderr
	}{
		{"empty plan", []string{"--plan", emptyPlan}, ExitOK, "nothing to invalidate: plan " + emptyPlan + " has no paths; nothing sent\n"},
		{"empty stdin", []string{"--paths-from", "-"}, ExitOK, "nothing to invalidate: --paths-from - has no paths; nothing sent\n"},
		{"blank list", []string{"--paths-from", emptyList}, ExitOK, "nothing to invalidate: --paths-from " + emptyList + " has no paths"},
		{"dry run", []string{"--plan", emptyPlan, "--dry-run"}, ExitOK, "dry run: plan " + emptyPlan + " has no paths: nothing to send\n"},
		{"fail if empty", []string{"--plan", emptyPlan, "--fail-if-empty"}, ExitEmpty, "nothing to invalidate: plan " + emptyPlan + " has no paths; nothing sent\n"},
		{"fail if empty, dry run", []string{"--paths-from", "-", "--fail-if-empty", "--dry-run"}, ExitEmpty, "dry run: --paths-from - has no paths"},
		{"no source of paths at all", nil, ExitUsage, "no paths: give paths as arguments"},
		{"empty plan, bad caller reference", []string{"--plan", emptyPlan, "--caller-reference", strings.Repeat("r", 129)}, ExitUsage, "at most 128 are accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, stdout, stderr := TestIO()
			code := Main(t.Context(), append(append([]string{}, base...), tt.args...), ios, func(string) string { return "" })
			if code != tt.code || !strings.Contains(stderr.String(), tt.msg) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d, stderr containing %q", code, stderr, tt.code, tt.msg)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if tt.code == ExitEmpty && strings.Contains(stderr.String(), "Error:") {
				t.Errorf("--fail-if-empty printed an error besides the note:\n%s", stderr)
			}
		})
	}
}

// TestCommandLineBatchReplacesCLIInputJSON covers issue drop-in 5: as in
// the AWS CLI, paths given on the command line replace the batch of
// --cli-input-json (its parameters fill only what the command line leaves
// out) rather than being added to it.
func TestCommandLineBatchReplacesCLIInputJSON(t *testing.T) {
	url, requests, dist := countingEmulator(t)
	input := `{"DistributionId":"` + dist + `","InvalidationBatch":{"Paths":{"Quantity":1,"Items":["/from-json"]},"CallerReference":"json-ref"}}`
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"--paths", []string{"--paths", "/x"}},
		{"--invalidation-batch", []string{"--invalidation-batch", `{"Paths":{"Quantity":1,"Items":["/x"]},"CallerReference":"r"}`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, stdout, stderr := TestIO()
			args := append([]string{"create-invalidation", "--dry-run", "--output", "json", "--endpoint-url", url, "--cli-input-json", input}, tt.args...)
			state := t.TempDir()
			if code := Main(t.Context(), args, ios, func(k string) string {
				if k == "XDG_STATE_HOME" {
					return state
				}
				return ""
			}); code != ExitOK {
				t.Fatalf("exit code %d\nstderr:\n%s", code, stderr)
			}
			var got dryRunJSON
			if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
				t.Fatalf("%v\n%s", err, stdout)
			}
			if len(got.Distributions) != 1 || len(got.Distributions[0].Batches) != 1 {
				t.Fatalf("got %+v, want one batch", got)
			}
			b := got.Distributions[0]
			if b.DistributionID != dist || !cmp.Equal(b.Batches[0].Paths.Items, []string{"/x"}) {
				t.Errorf("got distribution %s paths %q, want %s [/x]", b.DistributionID, b.Batches[0].Paths.Items, dist)
			}
			if n := requests.Load(); n != 0 {
				t.Errorf("%d requests sent by a dry run", n)
			}
		})
	}
}
