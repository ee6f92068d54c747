package integrations

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/test/harness"
)

var update = flag.Bool("update", false, "write integrations/octopus/cfinv-invalidate.sh into the template's ScriptBody")

// octopusTemplate is the part of an Octopus step template this test reads.
type octopusTemplate struct {
	ID          string `json:"Id"`
	Name        string
	Description string
	ActionType  string
	Version     int
	Properties  map[string]any
	Parameters  []struct {
		ID              string `json:"Id"`
		Name            string
		Label           string
		HelpText        string
		DefaultValue    *string
		DisplaySettings map[string]string
	}
}

func octopusPaths(t *testing.T) (jsonFile, script string) {
	dir := filepath.Join(repoRoot(t), "integrations", "octopus")
	return filepath.Join(dir, "cfinv-invalidate.json"), filepath.Join(dir, "cfinv-invalidate.sh")
}

func loadOctopus(t *testing.T) *octopusTemplate {
	t.Helper()
	jsonFile, _ := octopusPaths(t)
	data, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var tpl octopusTemplate
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatalf("parse %s: %v", jsonFile, err)
	}
	return &tpl
}

// TestOctopusTemplateShape checks what Octopus's import needs and what the
// script relies on: a Bash inline script equal to cfinv-invalidate.sh,
// that reads every parameter with get_octopusvariable and holds no
// #{…} for Octopus to splice into it, and documented parameters with an
// AWS account among them.
func TestOctopusTemplateShape(t *testing.T) {
	jsonFile, scriptFile := octopusPaths(t)
	script, err := os.ReadFile(scriptFile)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		var raw map[string]any
		data, err := os.ReadFile(jsonFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatal(err)
		}
		raw["Properties"].(map[string]any)["Octopus.Action.Script.ScriptBody"] = string(script)
		out, err := json.MarshalIndent(raw, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(jsonFile, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tpl := loadOctopus(t)
	if tpl.ActionType != "Octopus.Script" || tpl.ID == "" || tpl.Name == "" || tpl.Description == "" || tpl.Version < 1 {
		t.Errorf("template header: Id %q, Name %q, ActionType %q, Version %d: want an Id, a Name, a Description, Octopus.Script and a version", tpl.ID, tpl.Name, tpl.ActionType, tpl.Version)
	}
	// A step on a Windows worker runs PowerShell unless told otherwise:
	// the description must say the worker needs Bash.
	if !strings.Contains(tpl.Description, "Bash only") || !strings.Contains(tpl.Description, "Git Bash or WSL") {
		t.Errorf("the template's description does not say the script needs a worker with Bash (Linux, or Windows with Git Bash or WSL): %q", tpl.Description)
	}
	for k, want := range map[string]string{"Octopus.Action.Script.Syntax": "Bash", "Octopus.Action.Script.ScriptSource": "Inline"} {
		if got := tpl.Properties[k]; got != want {
			t.Errorf("Properties[%s] = %v, want %s", k, got, want)
		}
	}
	body, _ := tpl.Properties["Octopus.Action.Script.ScriptBody"].(string)
	if body != string(script) {
		t.Fatalf("the template's ScriptBody differs from %s: run go test ./test/integrations -run TestOctopusTemplateShape -update", scriptFile)
	}
	if strings.Contains(body, "#{") {
		t.Errorf("ScriptBody holds #{…}: Octopus would splice a value into the script text; read it with get_octopusvariable")
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	if !uuid.MatchString(tpl.ID) {
		t.Errorf("template Id %q is not a GUID, which Octopus's import needs", tpl.ID)
	}
	params := map[string]string{}
	var ids []string
	for _, p := range tpl.Parameters {
		ctl := p.DisplaySettings["Octopus.ControlType"]
		if p.ID == "" || p.Name == "" || p.Label == "" || p.HelpText == "" || ctl == "" {
			t.Errorf("parameter %+v: want Id, Name, Label, HelpText and Octopus.ControlType", p)
		}
		switch ctl {
		case "SingleLineText", "MultiLineText", "Checkbox", "AmazonWebServicesAccount":
		default:
			t.Errorf("parameter %s: unexpected control type %q", p.Name, ctl)
		}
		if !uuid.MatchString(p.ID) {
			t.Errorf("parameter %s: Id %q is not a GUID", p.Name, p.ID)
		}
		params[p.Name] = ctl
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != len(tpl.Parameters) {
		t.Errorf("parameter Ids are not unique: %v", ids)
	}
	var account string
	for name, ctl := range params {
		if ctl == "AmazonWebServicesAccount" {
			account = name
		}
	}
	if account == "" {
		t.Fatal("no AmazonWebServicesAccount parameter")
	}
	for _, m := range regexp.MustCompile(`get_octopusvariable "([^"]+)"`).FindAllStringSubmatch(body, -1) {
		name := m[1]
		if _, ok := params[name]; !ok && !strings.HasPrefix(name, account+".") {
			t.Errorf("the script reads %q, which is neither a parameter nor a property of the account %s", name, account)
		}
	}
	for name := range params {
		if name != account && !strings.Contains(body, `get_octopusvariable "`+name+`"`) {
			t.Errorf("parameter %s is never read by the script", name)
		}
	}
}

// octopusBootstrap stands in for the functions Octopus's bash bootstrap
// defines: get_octopusvariable prints a variable's value (empty when
// unknown), set_octopusvariable records an output variable, fail_step
// fails the step with a message. Values live in files named by the hex
// of the variable's name, outside $HOME.
const octopusBootstrap = `get_octopusvariable() { local f; f="$OCTOPUS_TEST_VARS/$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')"; if [ -f "$f" ]; then cat "$f"; fi; }
set_octopusvariable() { printf '%s=%s\n' "$1" "$2" >> "$OCTOPUS_TEST_OUTPUT"; }
fail_step() { echo "##octopus[stepFailed] $1"; exit 1; }
`

type octopusResult struct {
	log     string
	code    int
	outputs map[string]string
}

// runOctopus runs the template's script body as Octopus would: the
// parameters' default values with vars over them, #{Name} in values
// resolved from the others (Octopus resolves variables recursively; an
// unknown one stays as it is), in a working directory of its own, with
// HOME set to home and no AWS credentials in the environment.
func runOctopus(t *testing.T, s *site, home string, vars map[string]string) octopusResult {
	t.Helper()
	tpl := loadOctopus(t)
	values := map[string]string{}
	for _, p := range tpl.Parameters {
		if p.DefaultValue != nil {
			values[p.Name] = *p.DefaultValue
		}
	}
	for k, v := range vars {
		values[k] = v
	}
	ref := regexp.MustCompile(`#\{([^}]+)\}`)
	varDir, outFile := t.TempDir(), filepath.Join(t.TempDir(), "outputs")
	for name, v := range values {
		v = ref.ReplaceAllStringFunc(v, func(m string) string {
			if r, ok := values[ref.FindStringSubmatch(m)[1]]; ok {
				return r
			}
			return m
		})
		if err := os.WriteFile(filepath.Join(varDir, hex.EncodeToString([]byte(name))), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(outFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range baseEnv(home, s.binDir) {
		if name, _, _ := strings.Cut(kv, "="); name == "AWS_ACCESS_KEY_ID" || name == "AWS_SECRET_ACCESS_KEY" {
			continue // the account parameter is the only source of credentials
		}
		env = append(env, kv)
	}
	env = append(env, "OCTOPUS_TEST_VARS="+varDir, "OCTOPUS_TEST_OUTPUT="+outFile)
	log, code := runBash(t, t.TempDir(), octopusBootstrap+tpl.Properties["Octopus.Action.Script.ScriptBody"].(string), env)
	return octopusResult{log: log, code: code, outputs: readOutputs(t, outFile)}
}

func TestOctopusStepInvalidates(t *testing.T) {
	s := startSite(t)
	home := t.TempDir()
	vars := map[string]string{
		"Cfinv.AwsAccount":                 "Accounts-1",
		"Cfinv.AwsAccount.AccessKey":       harness.AccessKeyID,
		"Cfinv.AwsAccount.SecretKey":       harness.SecretAccessKey,
		"Cfinv.DistributionId":             "www.example.com\r\n",
		"Cfinv.Paths":                      "/index.html\r\n/docs/getting started.html\n  /images/*\n/it's \"$(touch pwned)\"\n",
		"Cfinv.EndpointUrl":                s.url,
		"Octopus.Release.Number":           "2026.12.1",
		"Octopus.Deployment.Id":            "Deployments-7",
		"Octopus.Environment.Name":         "Production",
		"Octopus.Action.Script.ScriptBody": "unused",
	}
	first := runOctopus(t, s, home, vars)
	if first.code != 0 {
		t.Fatalf("the step failed with exit code %d:\n%s", first.code, first.log)
	}
	invs := s.invalidations(t)
	want := []string{"/docs/getting%20started.html", "/images/*", "/index.html", "/it's%20%22$(touch%20pwned)%22"}
	if len(invs) != 1 || !slices.Equal(sorted(invs[0].Paths), want) || invs[0].Status != "Completed" {
		t.Fatalf("server has %+v, want one Completed invalidation of %q", invs, want)
	}
	if got := first.outputs["InvalidationIds"]; got != invs[0].ID {
		t.Errorf("output variable InvalidationIds = %q, want %q", got, invs[0].ID)
	}
	if got := filesUnder(t, home); len(got) != 0 {
		t.Errorf("the step wrote under $HOME: %q", got)
	}

	// Redeploying the same release buys nothing, though the journal of
	// the first run is gone with its temporary directory.
	again := runOctopus(t, s, home, vars)
	if again.code != 0 {
		t.Fatalf("the redeploy failed with exit code %d:\n%s", again.code, again.log)
	}
	if n := len(s.invalidations(t)); n != 1 || again.outputs["InvalidationIds"] != invs[0].ID {
		t.Errorf("redeploy: the server has %d invalidations and the step output %q, want 1 and %s", n, again.outputs["InvalidationIds"], invs[0].ID)
	}
	// The documented Deploy ID that invalidates again on every redeploy.
	vars["Cfinv.DeployId"] = "#{Octopus.Release.Number}-#{Octopus.Deployment.Id}"
	vars["Cfinv.Wait"] = "False"
	third := runOctopus(t, s, home, vars)
	if n := len(s.invalidations(t)); third.code != 0 || n != 2 {
		t.Errorf("deploy ID with the deployment: exit code %d, %d invalidations, want 0 and 2:\n%s", third.code, n, third.log)
	}
	if got := filesUnder(t, home); len(got) != 0 {
		t.Errorf("the step wrote under $HOME: %q", got)
	}
}

// TestOctopusStepFailures checks that each failure fails the step with a
// message that says what to do, and that bad parameters send nothing.
func TestOctopusStepFailures(t *testing.T) {
	s := startSite(t)
	good := map[string]string{
		"Cfinv.AwsAccount.AccessKey": harness.AccessKeyID, "Cfinv.AwsAccount.SecretKey": harness.SecretAccessKey,
		"Cfinv.DistributionId": s.dist, "Cfinv.Paths": "/a", "Cfinv.EndpointUrl": s.url, "Octopus.Release.Number": "1.0.0",
	}
	tests := []struct {
		name string
		vars map[string]string
		want []string // substrings of the log
	}{
		{"bad path", map[string]string{"Cfinv.Paths": "/ok\n/a*b"},
			[]string{`Error: invalid invalidation item "/a*b"`, "##octopus[stepFailed] cfinv refused the step's parameters (exit code 2)"}},
		{"bad wait", map[string]string{"Cfinv.Wait": "Sometimes"},
			[]string{"##octopus[stepFailed] invalid Wait 'Sometimes': want True or False"}},
		{"bad timeout", map[string]string{"Cfinv.Timeout": "48h"},
			[]string{`--timeout`, "(exit code 2)"}},
		{"no paths", map[string]string{"Cfinv.Paths": " \n\n"},
			[]string{"##octopus[stepFailed] Paths is empty"}},
		{"runbook without a release", map[string]string{"Octopus.Release.Number": ""},
			[]string{"##octopus[stepFailed] Deploy ID is empty or holds an unresolved variable"}},
		{"no credentials", map[string]string{"Cfinv.AwsAccount.AccessKey": "", "Cfinv.AwsAccount.SecretKey": ""},
			[]string{"##octopus[stepFailed] AWS refused the credentials or a permission (exit code 3)"}},
		{"wrong secret", map[string]string{"Cfinv.AwsAccount.SecretKey": "not-the-secret"},
			[]string{"(exit code 3)"}},
		{"unknown distribution", map[string]string{"Cfinv.DistributionId": "nowhere.example.org"},
			[]string{"##octopus[stepFailed] no such distribution (exit code 4)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{}
			for k, v := range good {
				vars[k] = v
			}
			for k, v := range tt.vars {
				vars[k] = v
			}
			if tt.name == "runbook without a release" {
				delete(vars, "Octopus.Release.Number")
			}
			home := t.TempDir()
			res := runOctopus(t, s, home, vars)
			if res.code != 1 {
				t.Errorf("exit code %d, want 1 (a failed step):\n%s", res.code, res.log)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.log, w) {
					t.Errorf("log lacks %q:\n%s", w, res.log)
				}
			}
			if n := len(s.invalidations(t)); n != 0 {
				t.Errorf("%d invalidations sent", n)
			}
			if got := filesUnder(t, home); len(got) != 0 {
				t.Errorf("the step wrote under $HOME: %q", got)
			}
		})
	}
}

// TestOctopusRehearsal runs integrations/octopus/rehearse.sh, the
// rehearsal docs/recipes.md shows, as a user would against a local serve:
// it must invalidate, print the output variable and, for a failed step,
// print Octopus's failure line and exit 1.
func TestOctopusRehearsal(t *testing.T) {
	s := startSite(t)
	script := filepath.Join(repoRoot(t), "integrations", "octopus", "rehearse.sh")
	var env []string
	for _, kv := range baseEnv(t.TempDir(), s.binDir) {
		if name, _, _ := strings.Cut(kv, "="); name == "AWS_ACCESS_KEY_ID" || name == "AWS_SECRET_ACCESS_KEY" {
			continue // the account parameter is the only source of credentials
		}
		env = append(env, kv)
	}
	rehearse := func(args ...string) (string, int) {
		cmd := exec.Command("bash", append([]string{"--noprofile", "--norc", script}, args...)...)
		cmd.Dir, cmd.Env = t.TempDir(), env
		out, err := harness.CombinedOutput(cmd)
		var ee *exec.ExitError
		switch {
		case err == nil:
			return string(out), 0
		case errors.As(err, &ee):
			return string(out), ee.ExitCode()
		}
		t.Fatalf("run %s: %v", script, err)
		return "", 0
	}
	common := []string{
		"Cfinv.DistributionId=" + s.dist, "Cfinv.EndpointUrl=" + s.url,
		"Cfinv.AwsAccount.AccessKey=" + harness.AccessKeyID, "Cfinv.AwsAccount.SecretKey=" + harness.SecretAccessKey,
		"Octopus.Release.Number=1.0.0",
	}
	log, code := rehearse(append(common, "Cfinv.Paths=/index.html\n/docs/getting started.html")...)
	if code != 0 {
		t.Fatalf("rehearse.sh exited %d:\n%s", code, log)
	}
	invs := s.invalidations(t)
	if want := []string{"/docs/getting%20started.html", "/index.html"}; len(invs) != 1 || !slices.Equal(sorted(invs[0].Paths), want) {
		t.Fatalf("server has %+v, want one invalidation of %q\n%s", invs, want, log)
	}
	if want := "output variable InvalidationIds=" + invs[0].ID + "\n"; !strings.Contains(log, want) {
		t.Errorf("rehearse.sh did not print %q:\n%s", want, log)
	}
	log, code = rehearse(append(common, "Cfinv.Paths=/a", "Cfinv.Wait=Sometimes")...)
	if code != 1 || !strings.Contains(log, "##octopus[stepFailed] invalid Wait 'Sometimes'") {
		t.Errorf("a bad parameter: exit %d, want 1 and the step's failure line:\n%s", code, log)
	}
	if n := len(s.invalidations(t)); n != 1 {
		t.Errorf("the server has %d invalidations, want still 1", n)
	}
}

// TestOctopusStepDeploys runs the step's deploy mode (a Deploy directory)
// against serve's CloudFront and S3 APIs, then a redeploy of the same
// release, which uploads and buys nothing, then rehearse.sh with a bad
// Bucket.
func TestOctopusStepDeploys(t *testing.T) {
	s := startSiteS3(t)
	cli := awsS3(t, s.s3)
	cli.run("s3api", "create-bucket", "--bucket", "site")
	dir := t.TempDir()
	for name, body := range map[string]string{"index.html": "<h1>home</h1>", "img/it's.svg": "<svg/>"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := map[string]string{
		"Cfinv.AwsAccount.AccessKey": harness.AccessKeyID, "Cfinv.AwsAccount.SecretKey": harness.SecretAccessKey,
		"Cfinv.DistributionId": s.dist, "Cfinv.EndpointUrl": s.url, "Cfinv.S3EndpointUrl": s.s3,
		"Cfinv.DeployDirectory": dir, "Cfinv.Bucket": "s3://site", "Cfinv.Delete": "True",
		"Octopus.Release.Number": "2026.12.2",
	}
	home := t.TempDir()
	first := runOctopus(t, s, home, vars)
	if first.code != 0 {
		t.Fatalf("the step failed with exit code %d:\n%s", first.code, first.log)
	}
	want := map[string]string{"InvalidationIds": "", "DeployId": "2026.12.2", "Uploaded": "2", "Deleted": "0"}
	if !maps.Equal(first.outputs, want) {
		t.Errorf("output variables %v, want %v (new objects need no invalidation)\n%s", first.outputs, want, first.log)
	}
	var head struct{ Metadata map[string]string }
	if err := json.Unmarshal([]byte(cli.run("s3api", "head-object", "--bucket", "site", "--key", "img/it's.svg")), &head); err != nil {
		t.Fatal(err)
	}
	if got := head.Metadata["cfinv-deploy"]; got != "2026.12.2" {
		t.Errorf("img/it's.svg: deploy %q, want the release number", got)
	}
	// A changed page: the next release uploads and invalidates it.
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>v2</h1>"), 0o644); err != nil {
		t.Fatal(err)
	}
	vars["Octopus.Release.Number"] = "2026.12.3"
	second := runOctopus(t, s, home, vars)
	invs := s.invalidations(t)
	if second.code != 0 || len(invs) != 1 || second.outputs["InvalidationIds"] != invs[0].ID || second.outputs["Uploaded"] != "1" {
		t.Fatalf("release 2026.12.3: exit code %d, outputs %v, server %+v, want one upload and one invalidation\n%s", second.code, second.outputs, invs, second.log)
	}
	again := runOctopus(t, s, home, vars)
	if again.code != 0 || again.outputs["Uploaded"] != "0" || len(s.invalidations(t)) != 1 {
		t.Errorf("redeploy: exit code %d, outputs %v, %d invalidations, want nothing uploaded and still 1\n%s", again.code, again.outputs, len(s.invalidations(t)), again.log)
	}
	if got := filesUnder(t, home); len(got) != 0 {
		t.Errorf("the step wrote under $HOME: %q", got)
	}

	// rehearse.sh, as docs/recipes.md shows it: a bad Bucket fails the step.
	script := filepath.Join(repoRoot(t), "integrations", "octopus", "rehearse.sh")
	args := []string{"--noprofile", "--norc", script}
	for k, v := range vars {
		if k == "Cfinv.Bucket" {
			v = "site"
		}
		args = append(args, k+"="+v)
	}
	cmd := exec.Command("bash", args...)
	cmd.Dir, cmd.Env = t.TempDir(), baseEnv(t.TempDir(), s.binDir)
	out, err := harness.CombinedOutput(cmd)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "##octopus[stepFailed] invalid Bucket 'site'") {
		t.Errorf("rehearse.sh with Bucket site: %v, want exit 1 and the step's failure line:\n%s", err, out)
	}
}
