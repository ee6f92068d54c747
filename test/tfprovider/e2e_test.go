// Package tfprovider_test runs the built terraform-provider-cfinv the way
// a user does: Terraform loads it through a CLI configuration's
// dev_overrides (no terraform init, no registry, no network) and applies
// against a real `cfinv serve`.
package tfprovider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// run runs terraform args in dir and returns its combined output and
// exit code; any failure to start it ends the test.
func run(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := harness.Run(cmd) // terraform's provider plugins too die with the test binary
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &ee):
		return out.String(), ee.ExitCode()
	}
	t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out.String())
	return "", 0
}

// invalidations returns the paths of each invalidation of dist, by ID.
func invalidations(t *testing.T, api *cloudfront.Client, dist string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	list, err := api.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, s := range list.InvalidationList.Items {
		inv, err := api.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: s.Id})
		if err != nil {
			t.Fatal(err)
		}
		p := append([]string(nil), inv.Invalidation.InvalidationBatch.Paths.Items...)
		sort.Strings(p)
		out[aws.ToString(s.Id)] = p
	}
	return out
}

// added returns the paths of the invalidations in now and not in before.
func added(before, now map[string][]string) [][]string {
	var out [][]string
	for id, p := range now {
		if _, ok := before[id]; !ok {
			out = append(out, p)
		}
	}
	return out
}

// tofuVersion is the OpenTofu release the provider is tested with; .ci/run
// builds it into a cache directory named by it and sets CFINV_TOFU.
const tofuVersion = "v1.12.6"

// tools returns the command-line tools the end-to-end test applies with,
// by name: terraform from PATH and OpenTofu from CFINV_TOFU. Either
// missing fails the test under CI=true; run locally without CFINV_TOFU,
// the OpenTofu case is skipped with how to get it.
func tools(t *testing.T) map[string]string {
	t.Helper()
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("this test needs the terraform binary on PATH: %v", err)
	}
	return map[string]string{"terraform": tf, "tofu": os.Getenv("CFINV_TOFU")}
}

// needTofu fails the test, saying how to get OpenTofu, when its binary
// is not given: the test never skips.
func needTofu(t *testing.T, bin string) {
	t.Helper()
	if bin != "" {
		return
	}
	const how = "CFINV_TOFU names no OpenTofu binary: .ci/run builds OpenTofu " + tofuVersion + " once into ${XDG_CACHE_HOME:-$HOME/.cache}/cfinv-tools/tofu-" + tofuVersion + "/tofu and sets it; " +
		"to build it by hand: go mod download -json github.com/opentofu/opentofu@" + tofuVersion + ", copy its Dir out of the module cache (cp -r, chmod -R u+w), go build -o DIR/tofu ./cmd/tofu there, and set CFINV_TOFU=DIR/tofu"
	t.Fatal(how)
}

// TestApplyThroughDevOverrides applies with each of Terraform and
// OpenTofu (issue 28 item 3: the provider said it worked with OpenTofu,
// which no test had run).
func TestApplyThroughDevOverrides(t *testing.T) {
	bins := tools(t)
	for _, name := range []string{"terraform", "tofu"} {
		bin := bins[name]
		t.Run(name, func(t *testing.T) {
			if name == "tofu" {
				needTofu(t, bin)
			}
			applyThroughDevOverrides(t, name, bin)
		})
	}
}

// applyThroughDevOverrides applies a configuration of the provider with
// the tool tf (terraform or tofu, by name) against a real cfinv serve.
func applyThroughDevOverrides(t *testing.T, name, tf string) {
	ctx := context.Background()

	pluginDir := buildProvider(t)
	home := t.TempDir()
	serve := harness.StartServe(t, harness.Binary(t), t.TempDir(), harness.Env(home), "--addr", "127.0.0.1:0")
	api := harness.SDK(serve.URL)
	dist, err := harness.CreateDistribution(ctx, api, "tf-e2e")
	if err != nil {
		t.Fatal(err)
	}

	cliConfig := devOverrides(t, home, pluginDir)
	work := t.TempDir()
	// The endpoint comes from the SDK's chain (AWS_ENDPOINT_URL_CLOUDFRONT),
	// as in a CI job pointed at cfinv serve; the provider block is empty.
	writeFile(t, filepath.Join(work, "main.tf"), fmt.Sprintf(`terraform {
  required_providers {
    cfinv = { source = "cfinv/cfinv" }
  }
}

provider "cfinv" {}

resource "cfinv_invalidation" "site" {
  distribution_id = %q
  objects         = jsondecode(file("${path.module}/objects.json"))
}
`, dist))
	site := map[string]string{
		"index.html": "etag-1", "about/index.html": "etag-1", "blog/a.html": "etag-1",
		"blog/b.html": "etag-1", "css/site.css": "etag-1", "img/logo.png": "etag-1",
	}
	writeObjects := func() {
		b, err := json.Marshal(site)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(work, "objects.json"), string(b))
	}
	env := harness.Env(home,
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"AWS_ENDPOINT_URL_CLOUDFRONT="+serve.URL,
	)
	apply := func() string {
		t.Helper()
		out, code := run(t, work, env, tf, "apply", "-auto-approve", "-input=false", "-no-color")
		if code != 0 {
			t.Fatalf("%s apply exited %d:\n%s", name, code, out)
		}
		if !strings.Contains(out, "Provider development overrides are in effect") {
			t.Errorf("%s did not load the provider through dev_overrides:\n%s", name, out)
		}
		return out
	}
	planIsEmpty := func() {
		t.Helper()
		out, code := run(t, work, env, tf, "plan", "-detailed-exitcode", "-input=false", "-no-color")
		if code != 0 {
			t.Fatalf("%s plan -detailed-exitcode exited %d, want 0 (no changes):\n%s", name, code, out)
		}
	}

	// 1. Create: every object, planned into the fewest paths.
	writeObjects()
	out := apply()
	first := invalidations(t, api, dist)
	if d := cmp.Diff([][]string{{"/*"}}, added(nil, first)); d != "" {
		t.Errorf("first apply's invalidations (-want +got):\n%s\n%s", d, out)
	}

	// 2. Nothing changed: nothing created, and the plan is empty.
	out = apply()
	if !strings.Contains(out, "No changes.") {
		t.Errorf("second apply changed something:\n%s", out)
	}
	if n := len(invalidations(t, api, dist)); n != 1 {
		t.Errorf("%d invalidations after the second apply, want 1", n)
	}
	planIsEmpty()

	// 3. One object changed: only its URLs.
	site["about/index.html"] = "etag-2"
	writeObjects()
	out = apply()
	third := invalidations(t, api, dist)
	if d := cmp.Diff([][]string{{"/about*"}}, added(first, third)); d != "" {
		t.Errorf("third apply's invalidations (-want +got):\n%s\n%s", d, out)
	}
	planIsEmpty()

	// Nothing secret reached the state or Terraform's output.
	state, err := os.ReadFile(filepath.Join(work, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"the state": string(state), name + "'s output": out} {
		if strings.Contains(text, harness.SecretAccessKey) {
			t.Errorf("the secret access key is in %s", what)
		}
	}
}

// tfState is what TestReplace reads of terraform.tfstate.
type tfState struct {
	Resources []struct {
		Instances []struct {
			Attributes struct {
				ID              string   `json:"id"`
				InvalidationIDs []string `json:"invalidation_ids"`
			} `json:"attributes"`
		} `json:"instances"`
	} `json:"resources"`
}

// TestReplace runs terraform apply -replace on a resource whose inputs
// did not change: each replacement is a new object with a new ID and a
// new invalidation (issue: it returned the old invalidation and created
// nothing, its references being derived from the same inputs).
func TestReplace(t *testing.T) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("this test needs the terraform binary on PATH: %v", err)
	}
	home := t.TempDir()
	serve := harness.StartServe(t, harness.Binary(t), t.TempDir(), harness.Env(home), "--addr", "127.0.0.1:0")
	api := harness.SDK(serve.URL)
	dist, err := harness.CreateDistribution(context.Background(), api, "tf-replace")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	writeFile(t, filepath.Join(work, "main.tf"), fmt.Sprintf(`terraform {
  required_providers {
    cfinv = { source = "cfinv/cfinv" }
  }
}

provider "cfinv" {}

resource "cfinv_invalidation" "site" {
  distribution_id = %q
  paths           = ["/index.html"]
}
`, dist))
	env := harness.Env(home,
		"TF_CLI_CONFIG_FILE="+devOverrides(t, home, buildProvider(t)),
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"AWS_ENDPOINT_URL_CLOUDFRONT="+serve.URL,
	)
	// apply runs terraform apply with args and returns the resource's ID
	// and its first invalidation's.
	apply := func(args ...string) (id, inv string) {
		t.Helper()
		out, code := run(t, work, env, append([]string{tf, "apply", "-auto-approve", "-input=false", "-no-color"}, args...)...)
		if code != 0 {
			t.Fatalf("terraform apply %s exited %d:\n%s", strings.Join(args, " "), code, out)
		}
		b, err := os.ReadFile(filepath.Join(work, "terraform.tfstate"))
		if err != nil {
			t.Fatal(err)
		}
		var st tfState
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatal(err)
		}
		if len(st.Resources) != 1 || len(st.Resources[0].Instances) != 1 || len(st.Resources[0].Instances[0].Attributes.InvalidationIDs) != 1 {
			t.Fatalf("want one resource with one invalidation in the state:\n%s", b)
		}
		a := st.Resources[0].Instances[0].Attributes
		return a.ID, a.InvalidationIDs[0]
	}

	ids, invs := map[string]bool{}, map[string]bool{}
	for i, args := range [][]string{nil, {"-replace=cfinv_invalidation.site"}, {"-replace=cfinv_invalidation.site"}} {
		id, inv := apply(args...)
		if ids[id] || invs[inv] {
			t.Errorf("apply %d (%s): ID %s, invalidation %s: want both new, had %v and %v", i+1, strings.Join(args, " "), id, inv, ids, invs)
		}
		ids[id], invs[inv] = true, true
		if got, want := len(invalidations(t, api, dist)), i+1; got != want {
			t.Errorf("after apply %d (%s): %d invalidations, want %d", i+1, strings.Join(args, " "), got, want)
		}
	}
	// A plan after the replacements is empty.
	if out, code := run(t, work, env, tf, "plan", "-detailed-exitcode", "-input=false", "-no-color"); code != 0 {
		t.Errorf("terraform plan -detailed-exitcode exited %d, want 0 (no changes):\n%s", code, out)
	}
}

// buildProvider builds cmd/terraform-provider-cfinv, as a user would, into
// a directory for dev_overrides.
func buildProvider(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := harness.CombinedOutput(exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-cfinv"), "github.com/cfinv/cfinv/cmd/terraform-provider-cfinv")); err != nil {
		t.Fatalf("build the provider: %v\n%s", err, out)
	}
	return dir
}

// devOverrides writes a CLI configuration under home that loads
// cfinv/cfinv from pluginDir, and returns its path.
func devOverrides(t *testing.T, home, pluginDir string) string {
	t.Helper()
	name := filepath.Join(home, "terraformrc")
	writeFile(t, name, fmt.Sprintf(`provider_installation {
  dev_overrides {
    "cfinv/cfinv" = %q
  }
  direct {}
}
`, pluginDir))
	return name
}

// TestExamples checks every configuration under examples/ (the
// registry's layout, shown on the provider's pages) with terraform fmt
// and terraform validate, which runs the provider's own checks of its
// values.
func TestExamples(t *testing.T) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("this test needs the terraform binary on PATH: %v", err)
	}
	home := t.TempDir()
	env := harness.Env(home, "TF_CLI_CONFIG_FILE="+devOverrides(t, home, buildProvider(t)), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	dirs := []string{"provider", "resources/cfinv_invalidation"}
	for _, d := range dirs {
		t.Run(d, func(t *testing.T) {
			dir := filepath.Join("..", "..", "examples", d)
			if out, code := run(t, dir, env, tf, "fmt", "-check", "-diff", "-no-color"); code != 0 {
				t.Errorf("terraform fmt -check exited %d:\n%s", code, out)
			}
			if out, code := run(t, dir, env, tf, "validate", "-no-color"); code != 0 || !strings.Contains(out, "Success!") {
				t.Errorf("terraform validate exited %d:\n%s", code, out)
			}
		})
	}
	// Every example directory is checked.
	var found []string
	for _, pattern := range []string{"provider", "resources/*"} {
		m, err := filepath.Glob(filepath.Join("..", "..", "examples", pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			rel, _ := filepath.Rel(filepath.Join("..", "..", "examples"), p)
			found = append(found, filepath.ToSlash(rel))
		}
	}
	sort.Strings(found)
	if d := cmp.Diff(dirs, found); d != "" {
		t.Errorf("example directories (-checked +present):\n%s", d)
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
