package integrations

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/test/harness"
)

// badInputs are inputs the action refuses, each with the annotation its
// step must print (a regular expression matched against act's log line,
// which act prefixes with the job's name and "❗").
var badInputs = []struct {
	name string
	with map[string]string
	want string
}{
	{"bad path", map[string]string{"paths": "/ok\n/a*b"},
		`::error title=cfinv%3A invalid path /a\*b::invalid invalidation item "/a\*b"`},
	{"bad wait", map[string]string{"paths": "/a", "wait": "yes"},
		`::error title=cfinv action::invalid input wait 'yes': want true or false$`},
	{"no paths", map[string]string{"paths": "\n \n"},
		`::error title=cfinv action::nothing to invalidate: give paths, paths-file`},
	{"missing paths-file", map[string]string{"paths-file": "nope.txt"},
		`::error title=cfinv action::input paths-file 'nope.txt' is not a readable file$`},
	{"paths and a planner", map[string]string{"paths": "/a", "plan-dir": ".", "manifest": "m"},
		`::error title=cfinv action::give either paths`},
	{"bad timeout", map[string]string{"paths": "/a", "timeout": "forever"},
		`::error title=cfinv failed::invalid argument "forever" for "--timeout"`},
	{"deploy without bucket", map[string]string{"deploy-dir": "."},
		`::error title=cfinv action::invalid input bucket '': deploy-dir needs it, as s3://BUCKET or s3://BUCKET/PREFIX$`},
	{"deploy with paths", map[string]string{"deploy-dir": ".", "bucket": "s3://b", "paths": "/a"},
		`::error title=cfinv action::deploy-dir invalidates what it uploads: give no paths`},
	{"deploy, bad delete", map[string]string{"deploy-dir": ".", "bucket": "s3://b", "delete": "yes"},
		`::error title=cfinv action::invalid input delete 'yes': want true or false$`},
	{"deploy, bad max-delete", map[string]string{"deploy-dir": ".", "bucket": "s3://b", "delete": "true", "max-delete": "lots"},
		`::error title=cfinv action::invalid input max-delete 'lots': want a number of objects, or -1 for no limit$`},
	{"deploy-dir not a directory", map[string]string{"deploy-dir": "public", "bucket": "s3://b"},
		`::error title=cfinv action::input deploy-dir 'public' is not a directory$`},
	{"bucket without deploy-dir", map[string]string{"paths": "/a", "bucket": "s3://b"},
		`::error title=cfinv action::input bucket is for deploy mode: give deploy-dir too$`},
	{"delete without deploy-dir", map[string]string{"paths": "/a", "delete": "true"},
		`::error title=cfinv action::inputs delete and dry-run are for deploy mode: give deploy-dir too$`},
}

// yamlBlock writes v as a YAML literal block indented by indent.
func yamlBlock(v, indent string) string {
	if !strings.Contains(v, "\n") && !strings.ContainsAny(v, `:#'"*{}[]&!|>%@`+"`") && strings.TrimSpace(v) == v && v != "" {
		return v
	}
	var b strings.Builder
	b.WriteString("|-\n")
	for line := range strings.SplitSeq(v, "\n") {
		b.WriteString(indent + "  " + line + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// usesStep is a workflow step running the action with these inputs.
func usesStep(id string, continueOnError bool, with map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "      - id: %s\n        uses: ./\n", id)
	if continueOnError {
		b.WriteString("        continue-on-error: true\n")
	}
	b.WriteString("        with:\n")
	keys := make([]string, 0, len(with))
	for k := range with {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "          %s: %s\n", k, yamlBlock(with[k], "          "))
	}
	return b.String()
}

// TestActionRefusesBadInputUnderAct runs the action under act (see
// TestActionUnderAct) with each of badInputs in a step of one job: every
// step fails with exit code 2 and an annotation naming the bad value, and
// nothing is sent. Then, with no cfinv on PATH, a version that is no
// version fails the install step before anything is downloaded.
func TestActionRefusesBadInputUnderAct(t *testing.T) {
	s := startSite(t)
	out := t.TempDir()
	var wf strings.Builder
	wf.WriteString("on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n")
	var outcomes []string
	for i, tt := range badInputs {
		with := map[string]string{"distribution-id": s.dist, "endpoint-url": s.url}
		for k, v := range tt.with {
			with[k] = v
		}
		wf.WriteString(usesStep(fmt.Sprintf("s%d", i), true, with))
		outcomes = append(outcomes, fmt.Sprintf("${{ steps.s%d.outcome }}", i))
	}
	fmt.Fprintf(&wf, "      - env:\n          OUTCOMES: %s\n        run: printf '%%s\\n' \"$OUTCOMES\" > '%s/outcomes.txt'\n",
		strings.Join(outcomes, " "), out)
	log, _, err := runAct(t, s.binDir, nil, map[string]string{".github/workflows/deploy.yml": wf.String()})
	if err != nil {
		t.Fatalf("act: %v\n%s", err, log)
	}
	got, err := os.ReadFile(filepath.Join(out, "outcomes.txt"))
	if err != nil {
		t.Fatalf("the workflow wrote no outcomes: %v\n%s", err, log)
	}
	if want := strings.TrimSpace(strings.Repeat("failure ", len(badInputs))) + "\n"; string(got) != want {
		t.Errorf("step outcomes %q, want %q", got, want)
	}
	for _, tt := range badInputs {
		if !regexp.MustCompile(`(?m)❗  ` + tt.want).MatchString(log) {
			t.Errorf("%s: act's log has no annotation matching %s", tt.name, tt.want)
		}
	}
	if n := strings.Count(log, "] exit status 2\n"); n != len(badInputs) {
		t.Errorf("%d steps failed with exit status 2, want %d", n, len(badInputs))
	}
	if t.Failed() {
		t.Logf("act's log:\n%s", log)
	}

	// No cfinv on PATH, and a version that is none: the install step
	// fails before it downloads anything.
	wf.Reset()
	wf.WriteString("on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n")
	wf.WriteString(usesStep("install", false, map[string]string{"distribution-id": s.dist, "endpoint-url": s.url, "paths": "/a", "version": "main; rm -rf /"}))
	log, _, err = runAct(t, "", nil, map[string]string{".github/workflows/deploy.yml": wf.String()})
	if err == nil {
		t.Fatalf("act succeeded with version 'main; rm -rf /':\n%s", log)
	}
	if want := `(?m)❗  ::error title=cfinv action::invalid input version 'main; rm -rf /': want latest or vMAJOR.MINOR.PATCH`; !regexp.MustCompile(want).MatchString(log) ||
		!strings.Contains(log, "] exit status 2\n") || strings.Contains(log, "downloading") {
		t.Errorf("act's log lacks the exit status 2 and an annotation matching %s, or downloaded:\n%s", want, log)
	}
	if n := len(s.invalidations(t)); n != 0 {
		t.Errorf("bad input sent %d invalidations", n)
	}
}

// actPlansWorkflow runs the action's planner and file inputs in one job:
// %[1]s is the distribution, %[2]s the endpoint, %[3]s where the last
// step writes the steps' outputs. Between the second and third uses of
// plan-dir a run: step changes a page, as a new build would.
const actPlansWorkflow = `on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: synclog
        uses: ./
        with:
          distribution-id: %[1]s
          endpoint-url: %[2]s
          wait: "false"
          s3-sync-log: sync.log
          all-objects: all.txt
      - id: lines
        uses: ./
        with:
          distribution-id: %[1]s
          endpoint-url: %[2]s
          paths: /a
          paths-file: changed.txt
      - id: nul
        uses: ./
        with:
          distribution-id: %[1]s
          endpoint-url: %[2]s
          paths: /a
          paths-file: changed0.txt
      - id: build1
        uses: ./
        with:
          distribution-id: %[1]s
          endpoint-url: %[2]s
          plan-dir: public
          manifest: .cfinv-manifest
      - run: printf v2 > 'public/docs/a b.html' && test -s .cfinv-manifest
      - id: build2
        uses: ./
        with:
          distribution-id: %[1]s
          endpoint-url: %[2]s
          plan-dir: public
          manifest: .cfinv-manifest
      - id: build3
        uses: ./
        with:
          distribution-id: %[1]s
          endpoint-url: %[2]s
          plan-dir: public
          manifest: .cfinv-manifest
      - env:
          SYNCLOG: ${{ steps.synclog.outputs.invalidation-ids }} ${{ steps.synclog.outputs.billed-paths }}
          LINES: ${{ steps.lines.outputs.invalidation-ids }} ${{ steps.lines.outputs.billed-paths }}
          NUL: ${{ steps.nul.outputs.invalidation-ids }} ${{ steps.nul.outputs.billed-paths }}
          BUILD: ${{ steps.build1.outputs.billed-paths }} ${{ steps.build2.outputs.invalidation-ids }} ${{ steps.build2.outputs.billed-paths }} ${{ steps.build3.outputs.billed-paths }}
        run: printf 'synclog %%s\nlines %%s\nnul %%s\nbuild %%s\n' "$SYNCLOG" "$LINES" "$NUL" "$BUILD" > '%[3]s/outputs.txt'
`

// TestActionPlansUnderAct runs the planner and file inputs under act (see
// TestActionUnderAct): the output of aws s3 sync with the site's objects;
// a paths-file of lines and one NUL-separated (a path may then hold a
// line break, which cfinv encodes); and plan-dir with a manifest over
// three builds: the first (no manifest yet) plans nothing and writes it,
// the second invalidates the page that changed, the third plans nothing.
func TestActionPlansUnderAct(t *testing.T) {
	s := startSite(t)
	out := t.TempDir()
	log, _, err := runAct(t, s.binDir, nil, map[string]string{
		".github/workflows/deploy.yml": fmt.Sprintf(actPlansWorkflow, s.dist, s.url, out),
		"sync.log":                     "upload: public/index.html to s3://b/index.html\nupload: public/docs/a b.html to s3://b/docs/a b.html\n",
		"all.txt":                      "index.html\ndocs/a b.html\ndocs/c.html\n",
		"changed.txt":                  "/from file.html\r\n/b\n\n",
		"changed0.txt":                 "/line\nbreak\x00/b\x00",
		"public/index.html":            "v1",
		"public/docs/a b.html":         "v1",
	})
	if err != nil {
		t.Fatalf("act: %v\n%s", err, log)
	}
	invs := s.invalidations(t)
	wantPaths := [][]string{
		{"/", "/docs/a%20b.html", "/index.html"},
		{"/a", "/b", "/from%20file.html"},
		{"/a", "/b", "/line%0Abreak"},
		{"/docs/a%20b.html"},
	}
	if len(invs) != len(wantPaths) {
		t.Fatalf("server has %+v, want %d invalidations, of %q\n%s", invs, len(wantPaths), wantPaths, log)
	}
	for i, want := range wantPaths {
		if got := sorted(invs[i].Paths); !slices.Equal(got, want) {
			t.Errorf("invalidation %d: %q, want %q", i, got, want)
		}
	}
	got, err := os.ReadFile(filepath.Join(out, "outputs.txt"))
	if err != nil {
		t.Fatalf("the workflow wrote no outputs: %v\n%s", err, log)
	}
	want := fmt.Sprintf("synclog %s 3\nlines %s 3\nnul %s 3\nbuild 0 %s 1 0\n", invs[0].ID, invs[1].ID, invs[2].ID, invs[3].ID)
	if string(got) != want {
		t.Errorf("step outputs:\n%s\nwant:\n%s", got, want)
	}
	for _, want := range []string{"first deploy: no manifest", "the plan is empty"} {
		if !strings.Contains(log, want) {
			t.Errorf("act's log lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("act's log:\n%s", log)
	}
}

// TestActionDownloadsReleaseUnderAct runs the install step under act (see
// TestActionUnderAct) where neither cfinv nor Go is on PATH: it downloads
// the release binary for the runner, checks it against SHA256SUMS and
// adds it to PATH for the later steps. The releases are served on
// 127.0.0.1 (CFINV_RELEASES_URL, the mirror setting), laid out as GitHub
// serves them; a binary that does not match its checksum fails the step
// and nothing runs.
func TestActionDownloadsReleaseUnderAct(t *testing.T) {
	s := startSite(t)
	if runtime.GOOS != "linux" {
		t.Fatalf("this test maps the runner to Linux; it runs on linux only, not %s", runtime.GOOS)
	}
	name := "cfinv_linux_" + runtime.GOARCH
	dir := t.TempDir()
	rel := filepath.Join(dir, "download", "v9.9.9")
	if err := os.MkdirAll(rel, 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-X github.com/cfinv/cfinv/internal/cli.Version=v9.9.9", "-o", filepath.Join(rel, name), "github.com/cfinv/cfinv/cmd/cfinv")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := harness.CombinedOutput(build); err != nil {
		t.Fatalf("build the release binary: %v\n%s", err, out)
	}
	bin, err := os.ReadFile(filepath.Join(rel, name))
	if err != nil {
		t.Fatal(err)
	}
	sums := fmt.Sprintf("%x  %s\n%x  cfinv_windows_arm64.exe\n", sha256.Sum256(bin), name, sha256.Sum256(nil))
	if err := os.WriteFile(filepath.Join(rel, "SHA256SUMS"), []byte(sums), 0o644); err != nil {
		t.Fatal(err)
	}
	mirror := httptest.NewServer(http.StripPrefix("/releases", http.FileServer(http.Dir(dir))))
	t.Cleanup(mirror.Close)

	out := t.TempDir()
	wf := "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n" +
		usesStep("install", false, map[string]string{"distribution-id": s.dist, "endpoint-url": s.url, "paths": "/a", "version": "v9.9.9"}) +
		"      - run: cfinv --version > '" + out + "/version.txt'\n"
	env := []string{"CFINV_RELEASES_URL=" + mirror.URL + "/releases", noGoPath(t, baseEnv(t.TempDir(), ""))}
	run := func() (string, error) {
		log, _, err := runAct(t, "", env, map[string]string{".github/workflows/deploy.yml": wf})
		return log, err
	}
	log, err := run()
	if err != nil {
		t.Fatalf("act: %v\n%s", err, log)
	}
	if !strings.Contains(log, name+": OK") || !strings.Contains(log, "downloading "+mirror.URL+"/releases/download/v9.9.9/"+name) {
		t.Errorf("the install step did not download and check %s:\n%s", name, log)
	}
	if got, err := os.ReadFile(filepath.Join(out, "version.txt")); err != nil || string(got) != "cfinv version v9.9.9\n" {
		t.Errorf("the next step's cfinv --version: %q (%v), want the downloaded v9.9.9\n%s", got, err, log)
	}
	if n := len(s.invalidations(t)); n != 1 {
		t.Errorf("the server has %d invalidations, want 1", n)
	}

	// A tampered binary: the checksum fails the step, nothing runs.
	if err := os.WriteFile(filepath.Join(rel, name), append(bin, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(out, "version.txt")); err != nil {
		t.Fatal(err)
	}
	log, err = run()
	if err == nil || !strings.Contains(log, name+": FAILED") {
		t.Errorf("a binary that fails its checksum: act %v, want a failure and %q in its log:\n%s", err, name+": FAILED", log)
	}
	if _, err := os.Stat(filepath.Join(out, "version.txt")); err == nil {
		t.Errorf("a step after the failed install ran")
	}
	if n := len(s.invalidations(t)); n != 1 {
		t.Errorf("the server has %d invalidations, want still 1", n)
	}
}

// noGoPath is env's PATH without the directories that hold go, as
// "PATH=…" (runAct's later env entries win).
func noGoPath(t *testing.T, env []string) string {
	t.Helper()
	for _, kv := range env {
		value, ok := strings.CutPrefix(kv, "PATH=")
		if !ok {
			continue
		}
		var dirs []string
		for d := range strings.SplitSeq(value, string(os.PathListSeparator)) {
			if _, err := os.Stat(filepath.Join(d, "go")); err == nil {
				continue
			}
			dirs = append(dirs, d)
		}
		return "PATH=" + strings.Join(dirs, string(os.PathListSeparator))
	}
	t.Fatal("the environment has no PATH")
	return ""
}
