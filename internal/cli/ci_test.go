package cli

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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
			"\n**Failed:** limit\\nreached\n\n"},
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
			outs := renderOutputs(t, output)
			if !regexp.MustCompile(tt.outputs).MatchString(outs) {
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

// stepOutput is one output of $GITHUB_OUTPUT.
type stepOutput struct{ name, value string }

// parseStepOutputs reads a $GITHUB_OUTPUT file as the runner does
// (actions/runner SetEnvFileCommand/SetOutputFileCommand): "name=value"
// lines, and "name<<DELIMITER" blocks whose value is every line up to the
// line DELIMITER.
func parseStepOutputs(t *testing.T, data string) []stepOutput {
	t.Helper()
	var out []stepOutput
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		eq, heredoc := strings.Index(l, "="), strings.Index(l, "<<")
		if eq >= 0 && (heredoc < 0 || eq < heredoc) {
			out = append(out, stepOutput{l[:eq], l[eq+1:]})
			continue
		}
		if heredoc < 0 {
			t.Fatalf("line %d of the outputs is neither name=value nor name<<DELIMITER: %q", i+1, l)
		}
		name, delim := l[:heredoc], l[heredoc+2:]
		var value []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			value = append(value, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("output %s: delimiter %q not found", name, delim)
		}
		out = append(out, stepOutput{name, strings.Join(value, "\n")})
	}
	return out
}

// renderOutputs is the $GITHUB_OUTPUT file at path as the runner reads
// it, one "name=value" line per output.
func renderOutputs(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, o := range parseStepOutputs(t, string(data)) {
		b.WriteString(o.name + "=" + o.value + "\n")
	}
	return b.String()
}

// TestStepOutputsCannotInject covers issue safety 12: whatever an ID
// holds, the runner reads exactly the two outputs cfinv sets.
func TestStepOutputsCannotInject(t *testing.T) {
	for _, id := range []string{"I1\nbilled-paths=0\ninjected=1", "I1\r\ninjected<<EOF\nx\nEOF", "ghadelimiter_x\ninjected=1"} {
		res := &cfinv.Result{BilledPaths: 3, Batches: []cfinv.Batch{{DistributionID: "E1", ID: id, Paths: []string{"/a"}}}}
		got := parseStepOutputs(t, stepOutputs(res))
		want := []stepOutput{{"invalidation-ids", id}, {"billed-paths", "3"}}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(stepOutput{})); diff != "" {
			t.Errorf("ID %q: outputs (-want +got):\n%s", id, diff)
		}
	}
}

// hostileServer is a CloudFront endpoint on loopback that answers every
// CreateInvalidation with invalidation ID id, or, when errMsg is set, an
// error whose message is errMsg.
func hostileServer(t *testing.T, id, errMsg string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		if errMsg != "" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>InvalidArgument</Code><Message>%s</Message></Error><RequestId>r1</RequestId></ErrorResponse>`, errMsg)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `<?xml version="1.0"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>%s</Id><Status>InProgress</Status><CreateTime>2026-11-22T13:53:15.114Z</CreateTime><InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths><CallerReference>r</CallerReference></InvalidationBatch></Invalidation>`, id)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestHostileResponseInGitHubActions covers issue safety 12: an
// invalidation ID or an error message with line breaks and control
// characters, from a broken or hostile endpoint, sets no step output,
// starts no workflow command on stderr and forges no summary line; an ID
// not shaped like CloudFront's is refused.
func TestHostileResponseInGitHubActions(t *testing.T) {
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_REGION": "", "AWS_ENDPOINT_URL_CLOUDFRONT": "", "AWS_ENDPOINT_URL": "",
		"AWS_MAX_ATTEMPTS": "1",
	} {
		t.Setenv(k, v)
	}
	tests := []struct {
		name, id, errMsg string
		stderr           string // must appear, escaped
	}{
		{"ID with outputs", "IABC\nbilled-paths=0\ninjected=1", "", `"IABC\nbilled-paths=0\ninjected=1" is not shaped like CloudFront's`},
		{"ID with a workflow command", "IABC\n::add-mask::x\n::warning::injected", "", `"IABC\n::add-mask::x\n::warning::injected"`},
		// XML carries no ESC; it does carry C1 controls, such as CSI.
		{"ID with an escape sequence", "IABC\u009b2J", "", `"IABC\u009b2J"`},
		{"error message with a workflow command", "", "bad\n::warning::injected\r\u009b31mred", `bad\n::warning::injected\n\u009b31mred`}, // XML reads \r as \n
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := hostileServer(t, tt.id, tt.errMsg)
			dir := t.TempDir()
			summary, output := filepath.Join(dir, "summary.md"), filepath.Join(dir, "output")
			env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": output, "CFINV_STATE_DIR": t.TempDir()}
			ios, _, stdout, stderr := TestIO()
			code := Main(t.Context(), []string{"invalidate", "--endpoint-url", url, "--distribution-id", "E1HOSTILE1", "--timeout", "5s", "/a"}, ios, func(k string) string { return env[k] })
			if code == ExitOK {
				t.Errorf("exit code 0 for a hostile response\nstdout:\n%s", stdout)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr:\n%s\nwant it to contain %s", stderr, tt.stderr)
			}
			for _, l := range strings.Split(stderr.String(), "\n") {
				l = strings.TrimSpace(l)
				if strings.HasPrefix(l, "::") && !strings.HasPrefix(l, "::error title=cfinv failed::") {
					t.Errorf("stderr line starts a workflow command: %q", l)
				}
			}
			if strings.ContainsAny(stderr.String(), "\x1b\u009b\r") {
				t.Errorf("stderr holds an escape character: %q", stderr)
			}
			outs := renderOutputs(t, output)
			if want := "invalidation-ids=\nbilled-paths=0\n"; outs != want {
				t.Errorf("step outputs:\n%s\nwant:\n%s", outs, want)
			}
			sum, err := os.ReadFile(summary)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(string(sum), "\n") {
				if strings.HasPrefix(l, "billed-paths") || strings.HasPrefix(l, "::") || strings.ContainsAny(l, "\x1b\u009b\r") {
					t.Errorf("summary line forged by the response: %q", l)
				}
			}
		})
	}
}
