package cli

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/awscli"
	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// mainIn runs cfinv in-process against the test emulator at url and
// returns the exit code, stdout and stderr.
func mainIn(t *testing.T, url string, args ...string) (int, string, string) {
	t.Helper()
	ios, _, stdout, stderr := TestIO()
	code := Main(t.Context(), append(args, "--endpoint-url", url), ios, func(string) string { return "" })
	return code, stdout.String(), stderr.String()
}

// TestDistributionByName pins issue 11 item 4: get, list and wait take a
// domain name or alias for --distribution-id, as invalidate does.
func TestDistributionByName(t *testing.T) {
	url, _, _, dist := testEmulator(t, 0)
	code, out, stderr := mainIn(t, url, "create-invalidation", "--distribution-id", "www.example.com", "--paths", "/a", "--query", "Invalidation.Id", "--output", "text")
	if code != ExitOK {
		t.Fatalf("create-invalidation: exit %d, stderr %q", code, stderr)
	}
	id := strings.TrimSpace(out)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"get", []string{"get", "--distribution-id", "www.example.com", id, "--query", "Invalidation.Id", "--output", "text"}, id + "\n"},
		{"get-invalidation", []string{"get-invalidation", "--distribution-id", "WWW.example.com.", "--id", id, "--query", "Invalidation.Id", "--output", "text"}, id + "\n"},
		{"list", []string{"list", "--distribution-id", "www.example.com", "--query", "InvalidationList.Items[].Id", "--output", "text"}, id + "\n"},
		{"wait", []string{"wait", "--distribution-id", "www.example.com", id, "--query", "Invalidations[].DistributionId", "--output", "text"}, dist + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := mainIn(t, url, tt.args...)
			if code != ExitOK || out != tt.want {
				t.Errorf("cfinv %s: exit %d, stdout %q (stderr %q), want 0 and %q", strings.Join(tt.args, " "), code, out, stderr, tt.want)
			}
		})
	}
	t.Run("unknown name", func(t *testing.T) {
		code, _, stderr := mainIn(t, url, "get", "--distribution-id", "nope.example.org", id)
		if code != ExitNotFound || !strings.Contains(stderr, `"nope.example.org"`) {
			t.Errorf("get of an unknown name: exit %d, stderr %q, want %d naming it", code, stderr, ExitNotFound)
		}
	})
}

// TestWaitNamesMissingID pins issue 11 item 3: of several IDs, the one
// that does not exist is named.
func TestWaitNamesMissingID(t *testing.T) {
	url, _, _, dist := testEmulator(t, 0)
	_, out, _ := mainIn(t, url, "create-invalidation", "--distribution-id", dist, "--paths", "/a", "--query", "Invalidation.Id", "--output", "text")
	id := strings.TrimSpace(out)
	for _, ids := range [][]string{{"INOSUCH0000001"}, {id, "INOSUCH0000001"}} {
		args := []string{"wait", "--distribution-id", dist, "--timeout", "1m"}
		for _, i := range ids {
			args = append(args, "--id", i)
		}
		code, _, stderr := mainIn(t, url, args...)
		if code != ExitNotFound || !strings.Contains(stderr, "invalidation INOSUCH0000001 does not exist") {
			t.Errorf("wait for %q: exit %d, stderr %q, want %d naming INOSUCH0000001", ids, code, stderr, ExitNotFound)
		}
	}
}

// TestSkeleton pins issue 11 item 5: --generate-cli-skeleton takes input
// (the default) or output, on the three AWS-named commands; anything else
// is a usage error listing both.
func TestSkeleton(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"create-invalidation", "--generate-cli-skeleton"}, awscli.CreateInputSkeleton},
		{[]string{"create-invalidation", "--generate-cli-skeleton", "input"}, awscli.CreateInputSkeleton},
		{[]string{"create-invalidation", "--generate-cli-skeleton", "output"}, awscli.CreateOutputSkeleton},
		{[]string{"get-invalidation", "--generate-cli-skeleton"}, awscli.GetInputSkeleton},
		{[]string{"get-invalidation", "--generate-cli-skeleton", "output"}, awscli.GetOutputSkeleton},
		{[]string{"list-invalidations", "--generate-cli-skeleton=input"}, awscli.ListInputSkeleton},
		{[]string{"list-invalidations", "--generate-cli-skeleton", "output"}, awscli.ListOutputSkeleton},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, stderr := mainIn(t, "http://127.0.0.1:9", tt.args...)
			if code != ExitOK || out != tt.want {
				t.Errorf("exit %d, stdout %q, stderr %q; want 0 and %q", code, out, stderr, tt.want)
			}
		})
	}
	for _, c := range []string{"create-invalidation", "get-invalidation", "list-invalidations"} {
		t.Run(c+" bogus", func(t *testing.T) {
			code, out, stderr := mainIn(t, "http://127.0.0.1:9", c, "--generate-cli-skeleton", "bogus")
			if code != ExitUsage || out != "" || !strings.Contains(stderr, `invalid --generate-cli-skeleton "bogus": valid choices are: input | output`) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and the choices", code, out, stderr, ExitUsage)
			}
		})
	}
}

// TestGlobalOptions pins issue 11 item 6: the AWS CLI's global options
// cfinv takes work, and those it refuses are refused by name, with the
// reason, exit 2, nothing sent.
func TestGlobalOptions(t *testing.T) {
	url, _, _, dist := testEmulator(t, 0)
	noPEM := filepath.Join(t.TempDir(), "bundle.pem")
	if err := os.WriteFile(noPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	get := []string{"list-invalidations", "--distribution-id", dist, "--output", "json"}
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"connect timeout", []string{"--cli-connect-timeout", "5"}, ExitOK, ""},
		{"read timeout", []string{"--cli-read-timeout", "0"}, ExitOK, ""},
		{"no-verify-ssl warns", []string{"--no-verify-ssl"}, ExitOK, "Warning: --no-verify-ssl: TLS certificates are not verified"},
		{"bad connect timeout", []string{"--cli-connect-timeout", "-1"}, ExitUsage, `"-1" is not a whole number of seconds`},
		{"bad read timeout", []string{"--cli-read-timeout", "1.5"}, ExitUsage, `"1.5" is not a whole number of seconds`},
		{"ca bundle missing", []string{"--ca-bundle", "/nonexistent/ca.pem"}, ExitUsage, `--ca-bundle "/nonexistent/ca.pem"`},
		{"ca bundle without PEM", []string{"--ca-bundle", noPEM}, ExitUsage, "holds no PEM certificate"},
		{"no-sign-request", []string{"--no-sign-request"}, ExitUsage, "--no-sign-request is an AWS CLI option cfinv does not take: CloudFront refuses unsigned requests"},
		{"cli-binary-format", []string{"--cli-binary-format", "raw-in-base64-out"}, ExitUsage, "--cli-binary-format is an AWS CLI option cfinv does not take"},
		{"color", []string{"--color", "off"}, ExitUsage, "--color is an AWS CLI option cfinv does not take"},
		{"no-cli-pager", []string{"--no-cli-pager"}, ExitUsage, "--no-cli-pager is an AWS CLI option cfinv does not take"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := mainIn(t, url, append(append([]string{}, get...), tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.wantErr)
			}
		})
	}
	t.Run("refused before anything is sent", func(t *testing.T) {
		code, _, _ := mainIn(t, url, "create-invalidation", "--distribution-id", dist, "--paths", "/x", "--no-sign-request")
		if code != ExitUsage {
			t.Fatalf("exit %d, want %d", code, ExitUsage)
		}
		// An empty listing prints nothing in JSON, as the AWS CLI's does:
		// CloudFront leaves an empty list's Items out.
		_, out, _ := mainIn(t, url, "list-invalidations", "--distribution-id", dist, "--output", "json")
		if out != "" {
			t.Errorf("invalidations after a refused create: %q, want none", out)
		}
	})
}

// TestCABundle checks --ca-bundle and --no-verify-ssl against a TLS
// emulator whose certificate no system pool trusts: refused by default,
// trusted with the bundle, or unverified with --no-verify-ssl. An answer
// from the API (NoSuchDistribution, exit 4) shows the handshake passed.
func TestCABundle(t *testing.T) {
	testEmulator(t, 0) // the AWS environment
	srv := httptest.NewTLSServer(emulator.New(emulator.Options{Store: store.NewMem()}).Handler())
	t.Cleanup(srv.Close)
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"untrusted", nil, ExitFailure, "certificate"},
		{"--ca-bundle", []string{"--ca-bundle", bundle}, ExitNotFound, "NoSuchDistribution"},
		{"--no-verify-ssl", []string{"--no-verify-ssl"}, ExitNotFound, "NoSuchDistribution"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"list-invalidations", "--distribution-id", "E000000000000X", "--cli-connect-timeout", "10"}, tt.args...)
			code, _, stderr := mainIn(t, srv.URL, args...)
			if code != tt.code || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.wantErr)
			}
		})
	}
}

// TestWaitAWSForm pins issue 11 item 3: "cfinv wait invalidation-completed"
// is the AWS CLI's two-word form, with its waiter's deadline unless
// --timeout is given, and nothing on stdout when done.
func TestWaitAWSForm(t *testing.T) {
	parse := []struct {
		args    []string
		ids     []string
		timeout time.Duration
		aws     bool
	}{
		{[]string{"invalidation-completed", "--distribution-id", "E1", "--id", "I1"}, []string{"I1"}, awsWaiterTimeout, true},
		{[]string{"invalidation-completed", "--distribution-id", "E1", "--id", "I1", "--timeout", "1m"}, []string{"I1"}, time.Minute, true},
		{[]string{"--distribution-id", "E1", "I1", "I2"}, []string{"I1", "I2"}, 15 * time.Minute, false},
	}
	for _, tt := range parse {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := TestIO()
			var got *waitOptions
			cmd := newWaitCmd(&Deps{IO: ios, Getenv: func(string) string { return "" }, Now: time.Now}, func(o *waitOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.ids, got.IDs); diff != "" || got.Timeout != tt.timeout || got.AWSWaiter != tt.aws {
				t.Errorf("IDs (-want +got):\n%s\ntimeout %v, AWS form %v; want %v, %v", diff, got.Timeout, got.AWSWaiter, tt.timeout, tt.aws)
			}
		})
	}

	url, _, _, dist := testEmulator(t, 0)
	_, out, _ := mainIn(t, url, "create-invalidation", "--distribution-id", dist, "--paths", "/a", "--query", "Invalidation.Id", "--output", "text")
	id := strings.TrimSpace(out)
	for _, args := range [][]string{
		{"wait", "invalidation-completed", "--distribution-id", dist, "--id", id},
		{"invalidation-completed", "--distribution-id", "www.example.com", "--id", id},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			code, out, stderr := mainIn(t, url, args...)
			if code != ExitOK || out != "" {
				t.Errorf("exit %d, stdout %q (stderr %q); want 0 and nothing, as the AWS CLI's waiter", code, out, stderr)
			}
		})
	}
	code, _, stderr := mainIn(t, url, "wait", "invalidation-completed", "--distribution-id", dist, "--id", "INOSUCH0000001")
	if code != ExitNotFound || !strings.Contains(stderr, "INOSUCH0000001") {
		t.Errorf("unknown ID: exit %d, stderr %q; want %d naming it", code, stderr, ExitNotFound)
	}
}

// TestNativeListPages: the native list takes the AWS CLI's pagination too,
// printing the NextToken in its own formats (issue 11 item 2).
func TestNativeListPages(t *testing.T) {
	url, clock, _, dist := testEmulator(t, time.Hour)
	var ids []string
	for _, p := range []string{"/a", "/b", "/c"} {
		clock.Advance(time.Second)
		_, out, _ := mainIn(t, url, "create-invalidation", "--distribution-id", dist, "--paths", p, "--query", "Invalidation.Id", "--output", "text", "--state-dir", t.TempDir())
		ids = append(ids, strings.TrimSpace(out))
	}
	code, out, stderr := mainIn(t, url, "list", "--distribution-id", dist, "--max-items", "2", "--page-size", "1", "--output", "text")
	tok := awscli.EncodeToken(awscli.PageToken{Marker: &ids[1]}, false)
	want := ids[2] + "\tInProgress\t2026-05-01T12:00:03.000Z\n" + ids[1] + "\tInProgress\t2026-05-01T12:00:02.000Z\nNextToken\t" + tok + "\n"
	if code != ExitOK || out != want {
		t.Fatalf("list --max-items 2 --page-size 1: exit %d, stdout %q (stderr %q), want %q", code, out, stderr, want)
	}
	code, out, _ = mainIn(t, url, "list", "--distribution-id", dist, "--starting-token", tok, "--output", "text")
	if want := ids[0] + "\tInProgress\t2026-05-01T12:00:01.000Z\n"; code != ExitOK || out != want {
		t.Errorf("list --starting-token: exit %d, stdout %q, want %q", code, out, want)
	}
	code, _, stderr = mainIn(t, url, "list-invalidations", "--distribution-id", dist, "--status", "InProgress")
	if code != ExitUsage || !strings.Contains(stderr, "--status is not an option of list-invalidations") {
		t.Errorf("list-invalidations --status: exit %d, stderr %q, want a usage error", code, stderr)
	}
}

// TestDistributionsPages: distributions pages through ListDistributions
// with the AWS CLI's options (issue 11 item 2).
func TestDistributionsPages(t *testing.T) {
	url, _, _, first := testEmulator(t, 0)
	second := harness.Distribution(t, sdkClient(t, url), "cli-test-2")
	third := harness.Distribution(t, sdkClient(t, url), "cli-test-3")
	code, out, stderr := mainIn(t, url, "distributions", "--max-items", "2", "--page-size", "1", "--query", "[DistributionList.Items[].Id, NextToken]", "--output", "json")
	tok := awscli.EncodeToken(awscli.PageToken{Marker: &second}, false)
	want := "[\n    [\n        \"" + first + "\",\n        \"" + second + "\"\n    ],\n    \"" + tok + "\"\n]\n"
	if code != ExitOK || out != want {
		t.Fatalf("distributions --max-items 2: exit %d, stdout %q (stderr %q), want %q", code, out, stderr, want)
	}
	code, out, _ = mainIn(t, url, "distributions", "--starting-token", tok, "--query", "DistributionList.Items[].Id", "--output", "text")
	if code != ExitOK || out != third+"\n" {
		t.Errorf("distributions --starting-token: exit %d, stdout %q, want %q", code, out, third+"\n")
	}
}
