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

	"gopkg.in/yaml.v3"

	"github.com/cfinv/cfinv/test/harness"
)

// actionFile is the part of action.yml a composite action's runner reads.
type actionFile struct {
	Description string `yaml:"description"`
	Inputs      map[string]struct {
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
		Required    bool   `yaml:"required"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Name  string            `yaml:"name"`
			Shell string            `yaml:"shell"`
			Run   string            `yaml:"run"`
			Env   map[string]string `yaml:"env"`
			If    string            `yaml:"if"`
			Uses  string            `yaml:"uses"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func loadAction(t *testing.T) *actionFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("parse action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml runs.using = %q, want composite", a.Runs.Using)
	}
	// The runner evaluates expressions in descriptions when it loads the
	// action, where no context exists, and fails the job at "Set up job"
	// (TestActionUnderAct runs the real thing).
	descs := map[string]string{"description": a.Description}
	for name, in := range a.Inputs {
		descs["input "+name] = in.Description
	}
	for name, out := range a.Outputs {
		descs["output "+name] = out.Description
	}
	for where, d := range descs {
		if strings.Contains(d, "${{") {
			t.Fatalf("action.yml: the %s description holds an expression (${{ … }}), which the runner refuses when it loads the action: %q", where, d)
		}
	}
	return &a
}

// actionRun is one local run of the action's steps, as GitHub's runner
// would run them in a job.
type actionRun struct {
	root      string // github.action_path
	workspace string // github.workspace, the steps' working directory
	temp      string // runner.temp
	home      string
	sha       string
	attempt   string
	inputs    map[string]string
	steps     map[string]map[string]string // step id → outputs
	env       map[string]string            // env.* (the job's environment)
	noGo      bool                         // PATH without go
}

var exprRE = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// eval substitutes the expressions of s. Only those a local run can
// supply are allowed; any other fails the test, so action.yml cannot come
// to depend on what this test does not check.
func (r *actionRun) eval(t *testing.T, s string) string {
	t.Helper()
	return exprRE.ReplaceAllStringFunc(s, func(m string) string {
		expr := exprRE.FindStringSubmatch(m)[1]
		parts := strings.Split(expr, ".")
		switch {
		case len(parts) == 2 && parts[0] == "inputs":
			v, ok := r.inputs[parts[1]]
			if !ok {
				t.Fatalf("expression %q: no input %q in action.yml", m, parts[1])
			}
			return v
		case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
			return r.steps[parts[1]][parts[3]]
		case len(parts) == 2 && parts[0] == "env":
			return r.env[parts[1]]
		case expr == "github.action_path":
			return r.root
		case expr == "github.sha":
			return r.sha
		case expr == "github.run_attempt":
			return r.attempt
		case expr == "github.workspace":
			return r.workspace
		case expr == "runner.temp":
			return r.temp
		}
		t.Fatalf("action.yml uses the expression %q, which a local run cannot supply: keep to inputs.*, steps.*.outputs.*, env.*, github.action_path, github.sha, github.run_attempt, github.workspace, runner.temp", m)
		return ""
	})
}

// actionResult is what a run of the action left.
type actionResult struct {
	outputs    map[string]string // the action's outputs
	log        string            // every step's stdout and stderr
	code       int               // exit code of the step that failed, else 0
	summary    string            // the job summary, every step's
	githubPath string            // what the steps added to PATH
}

// runAction runs action.yml's steps with these inputs (with:) against
// the server, as the runner does: each run: by bash with its env:, a
// fresh GITHUB_OUTPUT and GITHUB_STEP_SUMMARY per step, and
// GITHUB_ACTIONS=true; the first failing step ends the run.
func runAction(t *testing.T, r *actionRun, binDir string, with map[string]string) actionResult {
	t.Helper()
	a := loadAction(t)
	r.inputs = map[string]string{}
	for name, in := range a.Inputs {
		r.inputs[name] = r.eval(t, in.Default)
	}
	for name, v := range with {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("with: %s: the action has no such input", name)
		}
		r.inputs[name] = v
	}
	for name, in := range a.Inputs {
		if in.Required && r.inputs[name] == "" {
			t.Fatalf("required input %s not given", name)
		}
	}
	r.steps = map[string]map[string]string{}
	var res actionResult
	ghPath := filepath.Join(r.temp, "github_path")
	if err := os.WriteFile(ghPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, st := range a.Runs.Steps {
		if st.Uses != "" || st.If != "" || st.Shell != "bash" {
			t.Fatalf("step %d (%s): this runner runs only run: steps with shell: bash and no if:", i, st.Name)
		}
		if strings.Contains(st.Run, "${{") {
			t.Fatalf("step %d (%s): run: text holds an expression; pass it through env: instead (script injection)", i, st.Name)
		}
		out := filepath.Join(r.temp, fmt.Sprintf("output-%d", i))
		sum := filepath.Join(r.temp, fmt.Sprintf("summary-%d", i))
		for _, f := range []string{out, sum} {
			if err := os.WriteFile(f, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		env := withPath(t, baseEnv(r.home, binDir), ghPath, r.noGo)
		env = append(env,
			"GITHUB_ACTIONS=true", "GITHUB_OUTPUT="+out, "GITHUB_STEP_SUMMARY="+sum, "GITHUB_PATH="+ghPath,
			"GITHUB_ACTION_PATH="+r.root, "GITHUB_WORKSPACE="+r.workspace, "GITHUB_SHA="+r.sha,
			"GITHUB_RUN_ATTEMPT="+r.attempt, "RUNNER_TEMP="+r.temp, "RUNNER_OS=Linux", "RUNNER_ARCH=X64")
		for k, v := range r.env {
			env = append(env, k+"="+v)
		}
		keys := make([]string, 0, len(st.Env))
		for k := range st.Env {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			env = append(env, k+"="+r.eval(t, st.Env[k]))
		}
		log, code := runBash(t, r.workspace, st.Run, env)
		res.log += log
		s, err := os.ReadFile(sum)
		if err != nil {
			t.Fatal(err)
		}
		res.summary += string(s)
		if st.ID != "" {
			r.steps[st.ID] = readOutputs(t, out)
		}
		if code != 0 {
			res.code = code
			break
		}
	}
	p, err := os.ReadFile(ghPath)
	if err != nil {
		t.Fatal(err)
	}
	res.githubPath = string(p)
	res.outputs = map[string]string{}
	if res.code == 0 {
		for name, o := range a.Outputs {
			res.outputs[name] = r.eval(t, o.Value)
		}
	}
	return res
}

// withPath is env with PATH as the runner gives a step: the directories
// earlier steps added to $GITHUB_PATH first (the latest first), and with
// noGo, without any directory holding go.
func withPath(t *testing.T, env []string, ghPath string, noGo bool) []string {
	t.Helper()
	data, err := os.ReadFile(ghPath)
	if err != nil {
		t.Fatal(err)
	}
	var added []string
	for _, d := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if d != "" {
			added = append([]string{d}, added...)
		}
	}
	out := slices.Clone(env)
	for i, kv := range out {
		value, ok := strings.CutPrefix(kv, "PATH=")
		if !ok {
			continue
		}
		dirs := added
		for d := range strings.SplitSeq(value, string(os.PathListSeparator)) {
			if _, err := os.Stat(filepath.Join(d, "go")); noGo && err == nil {
				continue
			}
			dirs = append(dirs, d)
		}
		out[i] = "PATH=" + strings.Join(dirs, string(os.PathListSeparator))
	}
	return out
}

func newActionRun(t *testing.T, home string) *actionRun {
	t.Helper()
	return &actionRun{root: repoRoot(t), workspace: t.TempDir(), temp: t.TempDir(), home: home,
		sha: "0123456789abcdef0123456789abcdef01234567", attempt: "1", env: map[string]string{}}
}

// TestActionInvalidates runs the action as a deploy job would: two
// distributions (an ID and an alias), paths with spaces and shell
// metacharacters, the job summary and outputs; then "Re-run job" on the
// same runner and on a fresh one, which buy nothing; then a new attempt
// with a deploy-id that includes github.run_attempt, which invalidates
// again.
func TestActionInvalidates(t *testing.T) {
	s := startSite(t)
	home := t.TempDir()
	with := map[string]string{
		"distribution-id": s.dist + "\n  www.example.com  \n",
		"paths":           "/index.html\n/docs/getting started.html\n  /img/*\n/q\"$(touch pwned)\"`touch pwned2`\n\n",
		"endpoint-url":    s.url,
	}
	r := newActionRun(t, home)
	first := runAction(t, r, s.binDir, with)
	if first.code != 0 {
		t.Fatalf("the action failed with exit code %d:\n%s", first.code, first.log)
	}
	if !strings.Contains(first.log, "installing nothing") || first.githubPath != "" {
		t.Errorf("with cfinv on PATH the action installed something (GITHUB_PATH %q):\n%s", first.githubPath, first.log)
	}
	for _, f := range []string{"pwned", "pwned2"} {
		if _, err := os.Stat(filepath.Join(r.workspace, f)); err == nil {
			t.Errorf("an input ran shell code: %s exists", f)
		}
	}
	invs := s.invalidations(t)
	// Sorted: with a deploy ID (the action always has one) a batch is the
	// set of its paths in one order, so a reordered re-run makes the same
	// batch and reference.
	wantPaths := []string{"/docs/getting%20started.html", "/img/*", "/index.html", "/q%22$(touch%20pwned)%22%60touch%20pwned2%60"}
	if len(invs) != 1 || !slices.Equal(invs[0].Paths, wantPaths) || invs[0].Status != "Completed" {
		t.Fatalf("server has %+v, want one Completed invalidation of %q (the alias names the same distribution)", invs, wantPaths)
	}
	if got, want := first.outputs["invalidation-ids"], invs[0].ID; got != want {
		t.Errorf("output invalidation-ids = %q, want %q", got, want)
	}
	if got := first.outputs["billed-paths"]; got != "4" {
		t.Errorf("output billed-paths = %q, want 4", got)
	}
	for _, want := range []string{
		"| " + s.dist + " | " + invs[0].ID + " | 4: `/docs/getting%20started.html` `/img/*` `/index.html`",
		"| Completed | 4 |", "**4 paths billed**",
	} {
		if !strings.Contains(first.summary, want) {
			t.Errorf("job summary lacks %q:\n%s", want, first.summary)
		}
	}
	if !regexp.MustCompile(`(?m)^::group::cfinv: waiting for 1 invalidation$`).MatchString(first.log) {
		t.Errorf("the wait is not grouped:\n%s", first.log)
	}

	// "Re-run job": the same commit, so the same deploy-id.
	for _, rerun := range []struct{ name, home string }{{"same runner", home}, {"fresh runner", t.TempDir()}} {
		again := runAction(t, newActionRun(t, rerun.home), s.binDir, with)
		if again.code != 0 {
			t.Fatalf("re-run on the %s failed with exit code %d:\n%s", rerun.name, again.code, again.log)
		}
		if n := len(s.invalidations(t)); n != 1 {
			t.Errorf("re-run on the %s: the server has %d invalidations, want still 1", rerun.name, n)
		}
		if got := again.outputs["invalidation-ids"]; got != invs[0].ID {
			t.Errorf("re-run on the %s: invalidation-ids = %q, want the first run's %q", rerun.name, got, invs[0].ID)
		}
	}
	// On the same runner the journal knows the batch: nothing billed.
	again := runAction(t, newActionRun(t, home), s.binDir, with)
	if got := again.outputs["billed-paths"]; got != "0" || !strings.Contains(again.summary, "**0 paths billed**") {
		t.Errorf("re-run: billed-paths = %q, want 0; summary:\n%s", got, again.summary)
	}

	// The documented way to invalidate again on "Re-run job".
	retry := newActionRun(t, home)
	retry.attempt = "2"
	with["deploy-id"] = "${{ github.sha }}-${{ github.run_attempt }}"
	with["deploy-id"] = retry.eval(t, with["deploy-id"]) // as the workflow's with: would
	third := runAction(t, retry, s.binDir, with)
	if third.code != 0 {
		t.Fatalf("attempt 2 failed with exit code %d:\n%s", third.code, third.log)
	}
	if n := len(s.invalidations(t)); n != 2 {
		t.Errorf("attempt 2 with deploy-id sha-2: the server has %d invalidations, want 2", n)
	}
}

// TestActionPlansFromSyncLog runs the planner inputs: the output of aws
// s3 sync and the site's objects.
func TestActionPlansFromSyncLog(t *testing.T) {
	s := startSite(t)
	r := newActionRun(t, t.TempDir())
	write := func(name, body string) string {
		p := filepath.Join(r.workspace, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return name // relative, as a workflow gives it
	}
	res := runAction(t, r, s.binDir, map[string]string{
		"distribution-id": s.dist, "endpoint-url": s.url, "wait": "false",
		"s3-sync-log": write("sync.log", "upload: public/index.html to s3://b/index.html\nupload: public/docs/a b.html to s3://b/docs/a b.html\n"),
		"all-objects": write("all.txt", "index.html\ndocs/a b.html\ndocs/c.html\n"),
	})
	if res.code != 0 {
		t.Fatalf("the action failed with exit code %d:\n%s", res.code, res.log)
	}
	invs := s.invalidations(t)
	if want := []string{"/", "/docs/a%20b.html", "/index.html"}; len(invs) != 1 || !slices.Equal(sorted(invs[0].Paths), want) {
		t.Fatalf("server has %+v, want one invalidation of %q", invs, want)
	}
	if res.outputs["invalidation-ids"] != invs[0].ID || res.outputs["billed-paths"] != "3" {
		t.Errorf("outputs %v, want invalidation-ids %s and billed-paths 3", res.outputs, invs[0].ID)
	}
}

// TestActionRefusesBadInput checks that a bad input fails the step with
// exit code 2 and an ::error:: naming the bad value, and sends nothing.
func TestActionRefusesBadInput(t *testing.T) {
	s := startSite(t)
	tests := []struct {
		name  string
		with  map[string]string
		noCLI bool   // cfinv is not on PATH
		want  string // regular expression the log must match
	}{
		{"bad path", map[string]string{"paths": "/ok\n/a*b"},
			false, `(?m)^::error title=cfinv%3A invalid path /a\*b::invalid invalidation item "/a\*b"`},
		{"bad wait", map[string]string{"paths": "/a", "wait": "yes"},
			false, `(?m)^::error title=cfinv action::invalid input wait 'yes': want true or false$`},
		{"no paths", map[string]string{"paths": "\n \n"},
			false, `(?m)^::error title=cfinv action::nothing to invalidate: give paths, paths-file`},
		{"missing paths-file", map[string]string{"paths-file": "nope.txt"},
			false, `(?m)^::error title=cfinv action::input paths-file 'nope.txt' is not a readable file$`},
		{"paths and a planner", map[string]string{"paths": "/a", "plan-dir": ".", "manifest": "m"},
			false, `(?m)^::error title=cfinv action::give either paths`},
		{"bad timeout", map[string]string{"paths": "/a", "timeout": "forever"},
			false, `(?m)^::error title=cfinv failed::invalid argument "forever" for "--timeout"`},
		{"deploy without bucket", map[string]string{"deploy-dir": "."},
			false, `(?m)^::error title=cfinv action::invalid input bucket '': deploy-dir needs it, as s3://BUCKET or s3://BUCKET/PREFIX$`},
		{"deploy with paths", map[string]string{"deploy-dir": ".", "bucket": "s3://b", "paths": "/a"},
			false, `(?m)^::error title=cfinv action::deploy-dir invalidates what it uploads: give no paths`},
		{"deploy, bad delete", map[string]string{"deploy-dir": ".", "bucket": "s3://b", "delete": "yes"},
			false, `(?m)^::error title=cfinv action::invalid input delete 'yes': want true or false$`},
		{"deploy, bad max-delete", map[string]string{"deploy-dir": ".", "bucket": "s3://b", "delete": "true", "max-delete": "lots"},
			false, `(?m)^::error title=cfinv action::invalid input max-delete 'lots': want a number of objects, or -1 for no limit$`},
		{"deploy-dir not a directory", map[string]string{"deploy-dir": "public", "bucket": "s3://b"},
			false, `(?m)^::error title=cfinv action::input deploy-dir 'public' is not a directory$`},
		{"bucket without deploy-dir", map[string]string{"paths": "/a", "bucket": "s3://b"},
			false, `(?m)^::error title=cfinv action::input bucket is for deploy mode: give deploy-dir too$`},
		{"delete without deploy-dir", map[string]string{"paths": "/a", "delete": "true"},
			false, `(?m)^::error title=cfinv action::inputs delete and dry-run are for deploy mode: give deploy-dir too$`},
		{"bad version, cfinv not on PATH", map[string]string{"paths": "/a", "version": "main; rm -rf /"},
			true, `(?m)^::error title=cfinv action::invalid input version 'main; rm -rf /': want latest or vMAJOR.MINOR.PATCH`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			with := map[string]string{"distribution-id": s.dist, "endpoint-url": s.url}
			for k, v := range tt.with {
				with[k] = v
			}
			binDir := s.binDir
			if tt.noCLI {
				binDir = ""
			}
			res := runAction(t, newActionRun(t, t.TempDir()), binDir, with)
			if res.code != 2 {
				t.Errorf("exit code %d, want 2:\n%s", res.code, res.log)
			}
			if !regexp.MustCompile(tt.want).MatchString(res.log) {
				t.Errorf("log does not match %s:\n%s", tt.want, res.log)
			}
			if n := len(s.invalidations(t)); n != 0 {
				t.Errorf("bad input sent %d invalidations", n)
			}
		})
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestActionPlansFromBuildDir runs the plan-dir and manifest inputs: the
// first deploy (no manifest yet) plans nothing and writes the manifest;
// the next one invalidates what changed, and records it.
func TestActionPlansFromBuildDir(t *testing.T) {
	s := startSite(t)
	r := newActionRun(t, t.TempDir())
	site := filepath.Join(r.workspace, "public")
	write := func(name, body string) {
		p := filepath.Join(site, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("index.html", "v1")
	write("docs/a b.html", "v1")
	with := map[string]string{"distribution-id": s.dist, "endpoint-url": s.url, "plan-dir": "public", "manifest": ".cfinv-manifest"}
	first := runAction(t, r, s.binDir, with)
	if first.code != 0 || !strings.Contains(first.log, "first deploy: no manifest") || first.outputs["billed-paths"] != "0" {
		t.Fatalf("first deploy: exit code %d, outputs %v, want 0, an empty plan and 0 billed:\n%s", first.code, first.outputs, first.log)
	}
	if _, err := os.Stat(filepath.Join(r.workspace, ".cfinv-manifest")); err != nil {
		t.Fatalf("the first deploy wrote no manifest: %v", err)
	}
	write("docs/a b.html", "v2")
	r2 := newActionRun(t, r.home)
	r2.workspace = r.workspace
	r2.sha = "fedcba9876543210fedcba9876543210fedcba98"
	second := runAction(t, r2, s.binDir, with)
	if second.code != 0 {
		t.Fatalf("second deploy failed with exit code %d:\n%s", second.code, second.log)
	}
	invs := s.invalidations(t)
	if want := []string{"/docs/a%20b.html"}; len(invs) != 1 || !slices.Equal(invs[0].Paths, want) {
		t.Fatalf("server has %+v, want one invalidation of %q", invs, want)
	}
	// The manifest now records v2: a third deploy plans nothing.
	r3 := newActionRun(t, r.home)
	r3.workspace = r.workspace
	r3.sha = "0000000000000000000000000000000000000003"
	if third := runAction(t, r3, s.binDir, with); third.code != 0 || !strings.Contains(third.log, "the plan is empty") {
		t.Errorf("third deploy: exit code %d, want 0 and an empty plan:\n%s", third.code, third.log)
	}
}

// TestActionDownloadsRelease runs the install step where neither cfinv
// nor Go is on PATH: it downloads the release binary for the runner and
// checks it against SHA256SUMS. The releases are served on 127.0.0.1
// (CFINV_RELEASES_URL, the mirror setting), laid out as GitHub serves
// them; a binary that does not match its checksum fails the step.
func TestActionDownloadsRelease(t *testing.T) {
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
	arch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]

	run := func() actionResult {
		r := newActionRun(t, t.TempDir())
		r.env["CFINV_RELEASES_URL"] = mirror.URL + "/releases"
		r.env["RUNNER_ARCH"] = arch
		r.noGo = true
		return runAction(t, r, "", map[string]string{"distribution-id": s.dist, "endpoint-url": s.url, "paths": "/a", "version": "v9.9.9"})
	}
	res := run()
	if res.code != 0 {
		t.Fatalf("the action failed with exit code %d:\n%s", res.code, res.log)
	}
	if !strings.Contains(res.log, name+": OK") || !strings.Contains(res.log, "downloading "+mirror.URL+"/releases/download/v9.9.9/"+name) {
		t.Errorf("the install step did not download and check %s:\n%s", name, res.log)
	}
	added := strings.TrimSpace(res.githubPath)
	if out, err := harness.Output(exec.Command(filepath.Join(added, "cfinv"), "--version")); err != nil || string(out) != "cfinv version v9.9.9\n" {
		t.Errorf("GITHUB_PATH %q: cfinv --version = %q (%v), want the downloaded v9.9.9", added, out, err)
	}
	if n := len(s.invalidations(t)); n != 1 {
		t.Errorf("the server has %d invalidations, want 1", n)
	}

	// A tampered binary: the checksum fails the step, nothing runs.
	if err := os.WriteFile(filepath.Join(rel, name), append(bin, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	bad := run()
	if bad.code == 0 || !strings.Contains(bad.log, name+": FAILED") || bad.githubPath != "" {
		t.Errorf("a binary that fails its checksum: exit code %d, GITHUB_PATH %q, want a failure and nothing on PATH:\n%s", bad.code, bad.githubPath, bad.log)
	}
	if n := len(s.invalidations(t)); n != 1 {
		t.Errorf("the server has %d invalidations, want still 1", n)
	}
}

// TestActionPathsFile adds a paths-file to paths: one path a line, or
// NUL-separated (a path may then hold a line break, which cfinv encodes).
func TestActionPathsFile(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"lines", "/from file.html\r\n/b\n\n", []string{"/a", "/b", "/from%20file.html"}},
		{"NUL-separated", "/line\nbreak\x00/b\x00", []string{"/a", "/b", "/line%0Abreak"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSite(t)
			r := newActionRun(t, t.TempDir())
			if err := os.WriteFile(filepath.Join(r.workspace, "changed.txt"), []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			res := runAction(t, r, s.binDir, map[string]string{"distribution-id": s.dist, "endpoint-url": s.url, "paths": "/a\n", "paths-file": "changed.txt"})
			if res.code != 0 {
				t.Fatalf("the action failed with exit code %d:\n%s", res.code, res.log)
			}
			invs := s.invalidations(t)
			if len(invs) != 1 || !slices.Equal(sorted(invs[0].Paths), tt.want) {
				t.Errorf("server has %+v, want one invalidation of %q", invs, tt.want)
			}
		})
	}
}
