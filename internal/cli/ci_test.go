package cli

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv"
)

func TestWorkflowCommandEscaping(t *testing.T) {
	tests := []struct {
		name, in, data, prop string
	}{
		{"plain", "/index.html", "/index.html", "/index.html"},
		{"percent first", "/a%20b", "/a%2520b", "/a%2520b"},
		{"newline cannot start a new command", "/a\n::error::x", "/a%0A::error::x", "/a%0A%3A%3Aerror%3A%3Ax"},
		{"carriage return", "a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"colon and comma end a property", "E1: a,b", "E1: a,b", "E1%3A a%2Cb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escapeData(tt.in); got != tt.data {
				t.Errorf("escapeData(%q) = %q, want %q", tt.in, got, tt.data)
			}
			if got := escapeProperty(tt.in); got != tt.prop {
				t.Errorf("escapeProperty(%q) = %q, want %q", tt.in, got, tt.prop)
			}
		})
	}
}

func TestDetectGitHubCI(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"unset", nil, false},
		{"not true", map[string]string{"GITHUB_ACTIONS": "1"}, false},
		{"GitHub Actions", map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": "/s"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			c := detectGitHubCI(func(k string) string { return tt.env[k] }, &b)
			if (c != nil) != tt.want {
				t.Fatalf("detected %v, want %v", c != nil, tt.want)
			}
			// Every method is safe on nil and writes nothing there.
			c.warn(cfinv.Event{Kind: cfinv.EventWarning, Message: "m"})
			c.fail(errors.New("boom"))
			c.waitProgress(cfinv.Event{Kind: cfinv.EventWaitProgress, Total: 1})
			c.endGroup()
			if !tt.want && b.Len() != 0 {
				t.Errorf("wrote %q outside GitHub Actions", b.String())
			}
		})
	}
}

// acceptPath is cfpath's description of an acceptable path.
const acceptPath = "a path that starts with '/', at most 4000 characters, with '*' only as its last character, e.g. /index.html or /images/*"

func TestGitHubCIAnnotations(t *testing.T) {
	tests := []struct {
		name string
		do   func(c *githubCI)
		want string
	}{
		{"warning names the distribution", func(c *githubCI) {
			c.warn(cfinv.Event{Kind: cfinv.EventWarning, DistributionID: "E1", Message: "index.html: added the leading '/'"})
		}, "::warning title=cfinv E1::index.html: added the leading '/'\n"},
		{"bad path names the path", func(c *githubCI) {
			c.fail(cfinv.Request{DistributionIDs: []string{"E1"}, Paths: []string{"/a*b"}}.Validate())
		}, "::error title=cfinv%3A invalid path /a*b::invalid invalidation item \"/a*b\": '*' at position 3 is not the last character; CloudFront accepts a wildcard only at the end%0ATry: a path that starts with '/', at most 4000 characters, with '*' only as its last character, e.g. /index.html or /images/*\n"},
		{"one annotation per bad path", func(c *githubCI) {
			c.fail(cfinv.Request{DistributionIDs: []string{"E1"}, Paths: []string{"/ok", "/a*b", "/e*f"}}.Validate())
		}, "::error title=cfinv%3A invalid path /a*b::invalid invalidation item \"/a*b\": '*' at position 3 is not the last character; CloudFront accepts a wildcard only at the end%0ATry: " + acceptPath + "\n" +
			"::error title=cfinv%3A invalid path /e*f::invalid invalidation item \"/e*f\": '*' at position 3 is not the last character; CloudFront accepts a wildcard only at the end%0ATry: " + acceptPath + "\n"},
		{"silent errors are not annotated", func(c *githubCI) { c.fail(ErrSilent) }, ""},
		{"one group per wait", func(c *githubCI) {
			c.waitProgress(cfinv.Event{Kind: cfinv.EventWaitProgress, Total: 2})
			c.waitProgress(cfinv.Event{Kind: cfinv.EventWaitProgress, Total: 2, Done: 1})
			c.endGroup()
			c.endGroup()
		}, "::group::cfinv: waiting for 2 invalidations\n::endgroup::\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			tt.do(&githubCI{w: &b})
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("workflow commands (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummaryMarkdown(t *testing.T) {
	head := "### CloudFront invalidation (cfinv)\n\n| Distribution | Invalidation | Paths | Status | Billed paths |\n| --- | --- | --- | --- | ---: |\n"
	tests := []struct {
		name string
		res  *cfinv.Result
		err  error
		want string
	}{
		{"created and resumed", &cfinv.Result{BilledPaths: 2, Batches: []cfinv.Batch{
			{DistributionID: "E1", ID: "I1", Paths: []string{"/a", "/b"}, Status: "Completed"},
			{DistributionID: "E2", ID: "I2", Paths: []string{"/c"}, Status: "InProgress", Resumed: true},
		}}, nil, head +
			"| E1 | I1 | 2: `/a` `/b` | Completed | 2 |\n" +
			"| E2 | I2 | 1: `/c` | InProgress (earlier run, not billed again) | 0 |\n" +
			"\n**2 paths billed** (at most $0.010 past CloudFront's 1000 free paths a month; a wildcard is one path).\n\n"},
		{"not created, with the failure", &cfinv.Result{Batches: []cfinv.Batch{
			{DistributionID: "E1", Paths: []string{"/a|b", "/`x`", "/3", "/4", "/5", "/6", "/7"}},
		}}, errors.New("limit\nreached"), head +
			"| E1 | — | 7: `/a\\|b` `/'x'` `/3` `/4` `/5` … (2 more) | not created | 0 |\n" +
			"\n**0 paths billed** (at most $0.000 past CloudFront's 1000 free paths a month; a wildcard is one path).\n" +
			"\n**Failed:** limit reached\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, summaryMarkdown(tt.res, tt.err)); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInvalidateInGitHubActions runs cfinv invalidate as a workflow step
// would, through Main with the runner's variables: the job summary, the
// annotations and the folded wait, and no terminal redraws.
func TestInvalidateInGitHubActions(t *testing.T) {
	url, _, _, dist := testEmulator(t, 0)
	summary := filepath.Join(t.TempDir(), "step_summary.md")
	output := filepath.Join(t.TempDir(), "output")
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": output,
		"CFINV_ENDPOINT_URL": url, "CFINV_STATE_DIR": t.TempDir(),
	}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		args    []string
		code    int
		stderr  []string // regular expressions, each must match
		summary []string
		outputs string // regular expression
	}{
		{"created and awaited", []string{"invalidate", "--distribution-id", dist, "--deploy-id", "sha1", "--wait", "index.html", "/img/*"}, ExitOK,
			[]string{`(?m)^::warning title=cfinv::index.html: added the leading '/' that CloudFront requires$`,
				`(?m)^::group::cfinv: waiting for 1 invalidation\n(.*\n)*::endgroup::$`},
			[]string{`\| ` + dist + ` \| I[0-9A-Z]+ \| 2: ` + "`/img/\\*` `/index.html`" + ` \| Completed \| 2 \|`, `\*\*2 paths billed\*\*`},
			`^invalidation-ids=I[0-9A-Z]+\nbilled-paths=2\n$`},
		{"the re-run buys nothing", []string{"invalidate", "--distribution-id", dist, "--deploy-id", "sha1", "/index.html", "/img/*"}, ExitOK,
			nil,
			[]string{`\| Completed \(earlier run, not billed again\) \| 0 \|`, `\*\*0 paths billed\*\*`},
			`^invalidation-ids=I[0-9A-Z]+\nbilled-paths=0\n$`},
		{"a bad path fails the step naming it", []string{"invalidate", "--distribution-id", dist, "/ok", "/a*b"}, ExitUsage,
			[]string{`(?m)^::error title=cfinv%3A invalid path /a\*b::invalid invalidation item "/a\*b": .*%0ATry: a path that starts with '/'`},
			nil, `^$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range []string{summary, output} {
				if err := os.WriteFile(f, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ios, _, _, stderr := TestIO()
			if code := Main(t.Context(), tt.args, ios, getenv); code != tt.code {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			for _, re := range tt.stderr {
				if !regexp.MustCompile(re).MatchString(stderr.String()) {
					t.Errorf("stderr does not match %s:\n%s", re, stderr)
				}
			}
			if strings.ContainsAny(stderr.String(), "\r\x1b") {
				t.Errorf("stderr holds terminal redraws: %q", stderr)
			}
			got, err := os.ReadFile(summary)
			if err != nil {
				t.Fatal(err)
			}
			if tt.summary == nil && len(got) != 0 {
				t.Errorf("summary written for a run that sent nothing:\n%s", got)
			}
			outs, err := os.ReadFile(output)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(tt.outputs).Match(outs) {
				t.Errorf("step outputs do not match %s:\n%s", tt.outputs, outs)
			}
			for _, re := range tt.summary {
				if !regexp.MustCompile(re).Match(got) {
					t.Errorf("summary does not match %s:\n%s", re, got)
				}
			}
		})
	}
}

// TestInvalidateOutsideCI checks that without GITHUB_ACTIONS nothing of
// the above is printed, even with GITHUB_STEP_SUMMARY set.
func TestInvalidateOutsideCI(t *testing.T) {
	url, _, _, dist := testEmulator(t, 0)
	summary := filepath.Join(t.TempDir(), "step_summary.md")
	env := map[string]string{"GITHUB_STEP_SUMMARY": summary, "CFINV_ENDPOINT_URL": url, "CFINV_STATE_DIR": t.TempDir()}
	ios, _, _, stderr := TestIO()
	if code := Main(t.Context(), []string{"invalidate", "--distribution-id", dist, "--wait", "index.html", "/a*b"}, ios, func(k string) string { return env[k] }); code != ExitUsage {
		t.Fatalf("exit code %d, want %d", code, ExitUsage)
	}
	if strings.Contains(stderr.String(), "::") {
		t.Errorf("workflow commands outside GitHub Actions:\n%s", stderr)
	}
	if _, err := os.Stat(summary); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("summary file written outside GitHub Actions (stat: %v)", err)
	}
}

// FuzzWorkflowCommandEscaping checks that no value can end a workflow
// command early or start another: the escaped message has no line break,
// an escaped property no ':' or ',' either, and unescaping gives the value
// back.
func FuzzWorkflowCommandEscaping(f *testing.F) {
	for _, s := range []string{"/index.html", "/a%0A", "E1: a,b\r\n::error::x", "%%25"} {
		f.Add(s)
	}
	unescape := strings.NewReplacer("%25", "%", "%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",")
	f.Fuzz(func(t *testing.T, s string) {
		data, prop := escapeData(s), escapeProperty(s)
		if strings.ContainsAny(data, "\r\n") || strings.ContainsAny(prop, "\r\n:,") {
			t.Fatalf("escapeData(%q) = %q, escapeProperty = %q: a delimiter is left", s, data, prop)
		}
		if got := unescape.Replace(data); got != s {
			t.Errorf("unescape(escapeData(%q)) = %q", s, got)
		}
		if got := unescape.Replace(prop); got != s {
			t.Errorf("unescape(escapeProperty(%q)) = %q", s, got)
		}
	})
}

// TestNoRedrawsInGitHubActions checks that the live progress line, redrawn
// with \r and ANSI escapes on a terminal, is replaced by plain lines in
// GitHub Actions even when stderr looks like a terminal (a runner with a
// pseudo-terminal), and that a terminal outside CI still gets it.
func TestNoRedrawsInGitHubActions(t *testing.T) {
	_, clock, client, dist := testEmulator(t, 3*time.Second)
	for _, tt := range []struct {
		name    string
		ci      bool
		redraws bool
	}{{"terminal", false, true}, {"GitHub Actions on a terminal", true, false}} {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, stderr := TestIO()
			ios.IsStderrTTY = true
			opts := &invalidateOptions{IO: ios, Now: clock.Now, Client: client, Distributions: []string{dist},
				Items: []string{"/" + strings.ReplaceAll(tt.name, " ", "-")}, Wait: true, Timeout: time.Minute, StateDir: t.TempDir()}
			if tt.ci {
				opts.CI = &githubCI{w: stderr}
			}
			if err := invalidateRun(t.Context(), opts); err != nil {
				t.Fatalf("invalidate: %v\n%s", err, stderr)
			}
			if got := strings.Contains(stderr.String(), "\r\x1b[K"); got != tt.redraws {
				t.Errorf("redraws: %v, want %v; stderr %q", got, tt.redraws, stderr)
			}
		})
	}
}
