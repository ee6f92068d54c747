package integrations

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// gitlabComponent is a CI/CD component file: the spec document, then the
// jobs.
type gitlabComponent struct {
	inputs map[string]struct {
		Default *string `yaml:"default"`
	}
	job gitlabJob
}

type gitlabJob struct {
	Stage     string               `yaml:"stage"`
	Image     string               `yaml:"image"`
	Variables map[string]yaml.Node `yaml:"variables"`
	Script    []string             `yaml:"script"`
	Artifacts struct {
		Reports struct {
			Dotenv string `yaml:"dotenv"`
		} `yaml:"reports"`
	} `yaml:"artifacts"`
}

func loadGitLab(t *testing.T) *gitlabComponent {
	t.Helper()
	name := filepath.Join(repoRoot(t), "integrations", "gitlab", "templates", "invalidate", "template.yml")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var spec struct {
		Spec struct {
			Inputs map[string]struct {
				Default *string `yaml:"default"`
			} `yaml:"inputs"`
		} `yaml:"spec"`
	}
	if err := dec.Decode(&spec); err != nil {
		t.Fatalf("parse the spec of %s: %v", name, err)
	}
	var jobs map[string]gitlabJob
	if err := dec.Decode(&jobs); err != nil {
		t.Fatalf("parse the jobs of %s: %v", name, err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		t.Fatalf("%s: want two YAML documents (spec, jobs)", name)
	}
	job, ok := jobs["cfinv-invalidate"]
	if !ok || len(jobs) != 1 {
		t.Fatalf("%s: want the one job cfinv-invalidate, got %d jobs", name, len(jobs))
	}
	return &gitlabComponent{inputs: spec.Spec.Inputs, job: job}
}

var gitlabInputRE = regexp.MustCompile(`\$\[\[\s*(.*?)\s*\]\]`)

// runGitLab runs the component's job as a runner would, as far as that can
// be done here: inputs interpolated ($[[ inputs.x ]]: defaults, then
// with) into the job's variables, which are expanded against the CI
// variables unless expand: false, and the script lines in one bash.
func runGitLab(t *testing.T, s *site, home string, with map[string]string) (log string, code int, dotenv map[string]string) {
	t.Helper()
	c := loadGitLab(t)
	inputs := map[string]string{}
	for name, in := range c.inputs {
		if in.Default != nil {
			inputs[name] = *in.Default
		}
	}
	for name, v := range with {
		if _, ok := c.inputs[name]; !ok {
			t.Fatalf("inputs: %s: the component has no such input", name)
		}
		inputs[name] = v
	}
	for name := range c.inputs {
		if _, ok := inputs[name]; !ok {
			t.Fatalf("input %s has no default and was not given", name)
		}
	}
	interpolate := func(s string) string {
		return gitlabInputRE.ReplaceAllStringFunc(s, func(m string) string {
			name, ok := strings.CutPrefix(gitlabInputRE.FindStringSubmatch(m)[1], "inputs.")
			v, known := inputs[name]
			if !ok || !known {
				t.Fatalf("the component interpolates %q: only $[[ inputs.NAME ]] of its spec is supported", m)
			}
			return v
		})
	}
	for _, line := range c.job.Script {
		if strings.Contains(line, "$[[") {
			t.Fatalf("a script line interpolates an input; pass it through variables: instead (script injection):\n%s", line)
		}
	}
	workdir := t.TempDir()
	ci := map[string]string{"CI": "true", "GITLAB_CI": "true", "CI_COMMIT_SHA": "89abcdef0123456789abcdef0123456789abcdef",
		"CI_PIPELINE_ID": "4242", "CI_JOB_ID": "777", "CI_PROJECT_DIR": workdir}
	env := append(baseEnv(home, s.binDir), "AWS_ENDPOINT_URL_CLOUDFRONT=") // the endpoint comes from the input
	if s.s3 != "" {
		env = append(env, "AWS_ENDPOINT_URL_S3="+s.s3) // a CI/CD variable of the project
	}
	for k, v := range ci {
		env = append(env, k+"="+v)
	}
	names := make([]string, 0, len(c.job.Variables))
	for name := range c.job.Variables {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		node := c.job.Variables[name]
		var v struct {
			Value  string `yaml:"value"`
			Expand *bool  `yaml:"expand"`
		}
		if node.Kind == yaml.ScalarNode {
			v.Value = node.Value
		} else if err := node.Decode(&v); err != nil {
			t.Fatalf("variable %s: %v", name, err)
		}
		val := interpolate(v.Value)
		if v.Expand == nil || *v.Expand {
			val = os.Expand(val, func(k string) string { return ci[k] })
		}
		env = append(env, name+"="+val)
	}
	log, code = runBash(t, workdir, strings.Join(c.job.Script, "\n"), env)
	dotenv = map[string]string{}
	if c.job.Artifacts.Reports.Dotenv != "" {
		if _, err := os.Stat(filepath.Join(workdir, c.job.Artifacts.Reports.Dotenv)); err == nil {
			dotenv = readOutputs(t, filepath.Join(workdir, c.job.Artifacts.Reports.Dotenv))
		}
	}
	return log, code, dotenv
}

func TestGitLabComponentInvalidates(t *testing.T) {
	s := startSite(t)
	home := t.TempDir()
	with := map[string]string{
		"distribution-id": "www.example.com",
		"paths":           "/index.html\n/docs/getting started.html\n/price-$HOME.html\n/q\"$(touch pwned)\"\n",
		"endpoint-url":    s.url,
	}
	log, code, dotenv := runGitLab(t, s, home, with)
	if code != 0 {
		t.Fatalf("the job failed with exit code %d:\n%s", code, log)
	}
	invs := s.invalidations(t)
	want := []string{"/docs/getting%20started.html", "/index.html", "/price-$HOME.html", "/q%22$(touch%20pwned)%22"}
	if len(invs) != 1 || !slices.Equal(sorted(invs[0].Paths), want) || invs[0].Status != "Completed" {
		t.Fatalf("server has %+v, want one Completed invalidation of %q", invs, want)
	}
	if got := dotenv["CFINV_INVALIDATION_IDS"]; got != invs[0].ID {
		t.Errorf("dotenv CFINV_INVALIDATION_IDS = %q, want %q", got, invs[0].ID)
	}
	// Retrying the job: the same commit, nothing bought twice.
	if log, code, _ := runGitLab(t, s, home, with); code != 0 || len(s.invalidations(t)) != 1 {
		t.Errorf("retry: exit code %d, %d invalidations, want 0 and 1:\n%s", code, len(s.invalidations(t)), log)
	}
	// A deploy-id with the pipeline ID (expanded) invalidates again.
	with["deploy-id"] = "$CI_COMMIT_SHA-$CI_PIPELINE_ID"
	with["wait"] = "false"
	if log, code, _ := runGitLab(t, s, home, with); code != 0 || len(s.invalidations(t)) != 2 {
		t.Errorf("new pipeline: exit code %d, %d invalidations, want 0 and 2:\n%s", code, len(s.invalidations(t)), log)
	}
	if got := filesUnder(t, home); len(got) != 0 {
		t.Errorf("the job wrote under $HOME: %q", got)
	}
}

func TestGitLabComponentRefusesBadInput(t *testing.T) {
	s := startSite(t)
	tests := []struct {
		name string
		with map[string]string
		code int
		want string
	}{
		{"bad path", map[string]string{"paths": "/ok\n/a*b"}, 2, `Error: invalid invalidation item "/a*b"`},
		{"bad wait", map[string]string{"paths": "/a", "wait": "maybe"}, 2, "invalid input wait 'maybe': want true or false"},
		{"no paths", map[string]string{"paths": "\n"}, 2, "input paths is empty"},
		{"unknown distribution", map[string]string{"paths": "/a", "distribution-id": "nowhere.example.org"}, 4, "no distribution matches"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			with := map[string]string{"distribution-id": s.dist, "endpoint-url": s.url}
			for k, v := range tt.with {
				with[k] = v
			}
			log, code, _ := runGitLab(t, s, t.TempDir(), with)
			if code != tt.code || !strings.Contains(log, tt.want) {
				t.Errorf("exit code %d, want %d, with %q in the log:\n%s", code, tt.code, tt.want, log)
			}
			if n := len(s.invalidations(t)); n != 0 {
				t.Errorf("%d invalidations sent", n)
			}
		})
	}
}

// TestGitLabComponentDeploys runs the component's deploy mode against
// serve's CloudFront and S3 APIs: a bucket with an old index.html and a
// page the site no longer has; the dotenv report; a retry that uploads
// and buys nothing; bad deploy inputs that write nothing.
func TestGitLabComponentDeploys(t *testing.T) {
	s := startSiteS3(t)
	cli := awsS3(t, s.s3)
	old := filepath.Join(t.TempDir(), "old.html")
	if err := os.WriteFile(old, []byte("<p>old</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli.run("s3api", "create-bucket", "--bucket", "site")
	cli.run("s3", "cp", old, "s3://site/www/index.html")
	cli.run("s3", "cp", old, "s3://site/www/gone.html")
	dir := t.TempDir()
	for name, body := range map[string]string{"index.html": "<h1>home</h1>", "docs/a b.html": "<p>a</p>", "app.js": "x()"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	home := t.TempDir()
	with := map[string]string{"distribution-id": s.dist, "endpoint-url": s.url, "deploy-dir": dir, "bucket": "s3://site/www", "delete": "true"}
	log, code, dotenv := runGitLab(t, s, home, with)
	if code != 0 {
		t.Fatalf("the job failed with exit code %d:\n%s", code, log)
	}
	invs := s.invalidations(t)
	if len(invs) != 1 {
		t.Fatalf("server has %+v, want one invalidation (index.html changed, gone.html deleted)\n%s", invs, log)
	}
	want := map[string]string{"CFINV_INVALIDATION_IDS": invs[0].ID, "CFINV_DEPLOY_ID": "89abcdef0123456789abcdef0123456789abcdef", "CFINV_UPLOADED": "3", "CFINV_DELETED": "1"}
	if !maps.Equal(dotenv, want) {
		t.Errorf("dotenv %v, want %v\n%s", dotenv, want, log)
	}
	var head struct{ Metadata map[string]string }
	if err := json.Unmarshal([]byte(cli.run("s3api", "head-object", "--bucket", "site", "--key", "www/docs/a b.html")), &head); err != nil {
		t.Fatal(err)
	}
	if got := head.Metadata["cfinv-deploy"]; got != want["CFINV_DEPLOY_ID"] {
		t.Errorf("www/docs/a b.html: deploy %q, want the commit SHA %s", got, want["CFINV_DEPLOY_ID"])
	}
	if out, err := cli.try("s3api", "head-object", "--bucket", "site", "--key", "www/gone.html"); err == nil {
		t.Errorf("www/gone.html is still in the bucket after a deploy with delete: true:\n%s", out)
	}
	// Retrying the job: nothing uploaded, nothing bought.
	log, code, dotenv = runGitLab(t, s, home, with)
	if code != 0 || len(s.invalidations(t)) != 1 || dotenv["CFINV_UPLOADED"] != "0" || dotenv["CFINV_INVALIDATION_IDS"] != "" {
		t.Errorf("retry: exit code %d, %d invalidations, dotenv %v, want 0, 1 and nothing uploaded or invalidated:\n%s", code, len(s.invalidations(t)), dotenv, log)
	}

	for _, tt := range []struct {
		name string
		with map[string]string
		want string
	}{
		{"no bucket", map[string]string{"bucket": ""}, "invalid input bucket '': deploy-dir needs it, as s3://BUCKET or s3://BUCKET/PREFIX"},
		{"paths too", map[string]string{"paths": "/a"}, "deploy-dir invalidates what it uploads: give no paths with it"},
		{"bad max-delete", map[string]string{"max-delete": "all"}, "invalid input max-delete 'all': want a number of objects, or -1 for no limit"},
		{"missing config", map[string]string{"config": "nope.yml"}, "input config 'nope.yml' is not a readable file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := maps.Clone(with)
			maps.Copy(w, tt.with)
			log, code, _ := runGitLab(t, s, t.TempDir(), w)
			if code != 2 || !strings.Contains(log, tt.want) {
				t.Errorf("exit code %d, want 2, with %q in the log:\n%s", code, tt.want, log)
			}
			if n := len(s.invalidations(t)); n != 1 {
				t.Errorf("%d invalidations, want still 1", n)
			}
		})
	}
}
