package tfprovider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cfinv/cfinv/cfinvtest"
	emulatorapi "github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/faults"
	"github.com/cfinv/cfinv/internal/sigv4"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// terraformBinary is the Terraform the acceptance tests run: the one on
// PATH (CI installs 1.11.4 as /usr/local/bin/terraform). It fails the test
// when there is none: these tests never skip.
func terraformBinary(t *testing.T) string {
	t.Helper()
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("the acceptance tests need the terraform binary on PATH: %v", err)
	}
	return tf
}

// accEnv makes terraform-plugin-testing run here, offline: TF_ACC on,
// the installed Terraform (never a download), no checkpoint call, no
// user CLI configuration, and the AWS SDK's chain reduced to the key pair
// of the emulator in the environment.
func accEnv(t *testing.T, accessKeyID, secret string) {
	t.Helper()
	home := t.TempDir()
	cliConfig := filepath.Join(home, "terraformrc")
	if err := os.WriteFile(cliConfig, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"TF_ACC":                      "1",
		"TF_ACC_TERRAFORM_PATH":       terraformBinary(t),
		"TF_ACC_TERRAFORM_VERSION":    "",
		"CHECKPOINT_DISABLE":          "1",
		"TF_CLI_CONFIG_FILE":          cliConfig,
		"TF_PLUGIN_CACHE_DIR":         "",
		"AWS_ACCESS_KEY_ID":           accessKeyID,
		"AWS_SECRET_ACCESS_KEY":       secret,
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_REGION":                  "us-east-1",
		"AWS_CONFIG_FILE":             filepath.Join(home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_CLOUDFRONT": "",
	} {
		t.Setenv(k, v)
	}
}

var factories = map[string]func() (tfprotov6.ProviderServer, error){
	"cfinv": providerserver.NewProtocol6WithError(New("test")()),
}

// emulator starts cfinvtest's CloudFront with opts, creates one
// distribution and sets up the environment for Terraform.
func emulator(t *testing.T, opts ...cfinvtest.Option) (srv *cfinvtest.Server, api *cloudfront.Client, dist string) {
	t.Helper()
	srv = cfinvtest.NewServer(t, opts...)
	accEnv(t, srv.AccessKeyID, srv.SecretAccessKey)
	return srv, cloudfront.NewFromConfig(srv.AWSConfig()), srv.NewDistribution(t, "bucket.s3.amazonaws.com")
}

func providerBlock(endpoint string) string {
	return fmt.Sprintf("provider \"cfinv\" {\n  endpoint = %q\n}\n", endpoint)
}

// hcl renders a Go value as an HCL expression: strings, lists and maps of
// strings.
func hcl(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = fmt.Sprintf("%q", s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case map[string]string:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("{\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "    %q = %q\n", k, v[k])
		}
		b.WriteString("  }")
		return b.String()
	}
	panic(fmt.Sprintf("hcl: %T", v))
}

// resourceBlock is a cfinv_invalidation "test" with attrs (name →
// value, rendered by hcl) and extra lines as they are.
func resourceBlock(attrs map[string]any, extra ...string) string {
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("resource \"cfinv_invalidation\" \"test\" {\n")
	for _, k := range names {
		fmt.Fprintf(&b, "  %s = %s\n", k, hcl(attrs[k]))
	}
	for _, e := range extra {
		b.WriteString("  " + e + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// invalidations returns the paths of every invalidation of dist, sorted
// within each, keyed by ID.
func invalidations(ctx context.Context, api *cloudfront.Client, dist string) (map[string][]string, error) {
	out := map[string][]string{}
	list, err := api.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist)})
	if err != nil {
		return nil, err
	}
	for _, s := range list.InvalidationList.Items {
		inv, err := api.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: s.Id})
		if err != nil {
			return nil, err
		}
		paths := append([]string(nil), inv.Invalidation.InvalidationBatch.Paths.Items...)
		sort.Strings(paths)
		out[aws.ToString(s.Id)] = paths
	}
	return out, nil
}

// lastRun checks what the emulator holds after an apply: total
// invalidations of dist in all, and the ones the resource's state names
// (invalidation_ids) with exactly paths between them.
func lastRun(api *cloudfront.Client, dist string, total int, paths ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources["cfinv_invalidation.test"]
		if !ok {
			return fmt.Errorf("cfinv_invalidation.test is not in the state")
		}
		invs, err := invalidations(context.Background(), api, dist)
		if err != nil {
			return err
		}
		if len(invs) != total {
			return fmt.Errorf("the distribution has %d invalidations, want %d: %v", len(invs), total, invs)
		}
		var got []string
		n := rs.Primary.Attributes["invalidation_ids.#"]
		for i := 0; fmt.Sprint(i) != n; i++ {
			id := rs.Primary.Attributes[fmt.Sprintf("invalidation_ids.%d", i)]
			p, ok := invs[id]
			if !ok {
				return fmt.Errorf("invalidation_ids.%d = %q is not an invalidation of %s", i, id, dist)
			}
			got = append(got, p...)
		}
		sort.Strings(got)
		want := append([]string(nil), paths...)
		sort.Strings(want)
		if d := cmp.Diff(want, got); d != "" {
			return fmt.Errorf("paths of the last run's invalidations (-want +got):\n%s", d)
		}
		return nil
	}
}

func TestAccPathsAndTriggers(t *testing.T) {
	srv, api, dist := emulator(t)
	cfg := func(paths []string, version string) string {
		return providerBlock(srv.URL) + resourceBlock(map[string]any{
			"distribution_id": dist, "paths": paths, "triggers": map[string]string{"version": version},
		})
	}
	two := []string{"/index.html", "/img/*"}
	three := []string{"/index.html", "/img/*", "about.html"}
	var firstRefs string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{
				Config: cfg(two, "1"),
				Check: resource.ComposeAggregateTestCheckFunc(
					lastRun(api, dist, 1, "/img/*", "/index.html"),
					resource.TestCheckResourceAttr("cfinv_invalidation.test", "invalidation_ids.#", "1"),
					resource.TestCheckResourceAttr("cfinv_invalidation.test", "caller_references.#", "1"),
					resource.TestCheckResourceAttr("cfinv_invalidation.test", "billed_paths", "2"),
					resource.TestCheckResourceAttr("cfinv_invalidation.test", "wait_for_completion", "true"),
					resource.TestMatchResourceAttr("cfinv_invalidation.test", "caller_references.0", regexp.MustCompile(`^cfinv-[0-9a-f]{40}$`)),
					resource.TestMatchResourceAttr("cfinv_invalidation.test", "id", regexp.MustCompile(`^[0-9a-f]{20}$`)),
					func(s *terraform.State) error {
						firstRefs = s.RootModule().Resources["cfinv_invalidation.test"].Primary.Attributes["caller_references.0"]
						return nil
					},
				),
			},
			{
				// Nothing changed: nothing to do.
				Config:           cfg(two, "1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            lastRun(api, dist, 1, "/img/*", "/index.html"),
			},
			{
				// Paths alone changed: recorded, nothing invalidated.
				Config: cfg(three, "1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("cfinv_invalidation.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					lastRun(api, dist, 1, "/img/*", "/index.html"),
					resource.TestCheckResourceAttr("cfinv_invalidation.test", "paths.#", "3"),
				),
			},
			{
				// A trigger changed: every path again, the added one cleaned.
				Config: cfg(three, "2"),
				Check: resource.ComposeAggregateTestCheckFunc(
					lastRun(api, dist, 2, "/about.html", "/img/*", "/index.html"),
					resource.TestCheckResourceAttr("cfinv_invalidation.test", "billed_paths", "3"),
				),
			},
			{
				// Back to an earlier trigger value: a new invalidation, not
				// the first one's references again.
				Config: cfg(three, "1"),
				Check: resource.ComposeAggregateTestCheckFunc(
					lastRun(api, dist, 3, "/about.html", "/img/*", "/index.html"),
					func(s *terraform.State) error {
						if got := s.RootModule().Resources["cfinv_invalidation.test"].Primary.Attributes["caller_references.0"]; got == firstRefs {
							return fmt.Errorf("caller reference %s reused from the first run", got)
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccCreateAgainPaysNothing applies a create whose state was then
// lost (as when an apply fails after CloudFront accepted the
// invalidation): the same inputs give the same caller reference, and
// CloudFront answers with the invalidation it already has.
func TestAccCreateAgainPaysNothing(t *testing.T) {
	srv, api, dist := emulator(t)
	cfg := providerBlock(srv.URL) + resourceBlock(map[string]any{"distribution_id": dist, "paths": []string{"/a.html", "/b.html"}})
	var refs, ids string
	keep := func(s *terraform.State) error {
		a := s.RootModule().Resources["cfinv_invalidation.test"].Primary.Attributes
		refs, ids = a["caller_references.0"], a["invalidation_ids.0"]
		return nil
	}
	same := func(s *terraform.State) error {
		a := s.RootModule().Resources["cfinv_invalidation.test"].Primary.Attributes
		if a["caller_references.0"] != refs || a["invalidation_ids.0"] != ids {
			return fmt.Errorf("created again as %s (%s), want %s (%s)", a["invalidation_ids.0"], a["caller_references.0"], ids, refs)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{Config: cfg, Check: resource.ComposeAggregateTestCheckFunc(lastRun(api, dist, 1, "/a.html", "/b.html"), keep)},
			// Destroy only forgets it: the invalidation stays.
			{Config: providerBlock(srv.URL), Check: func(*terraform.State) error {
				invs, err := invalidations(context.Background(), api, dist)
				if err == nil && len(invs) != 1 {
					err = fmt.Errorf("%d invalidations after destroy, want 1", len(invs))
				}
				return err
			}},
			{Config: cfg, Check: resource.ComposeAggregateTestCheckFunc(lastRun(api, dist, 1, "/a.html", "/b.html"), same)},
		},
	})
}

// TestAccTaint replaces a tainted object whose inputs did not change:
// the replacement is a new object with a new ID and a new invalidation,
// not the first one's again (issue: a replacement returned the old
// invalidation and created nothing). A destroy and a create in separate
// applies stay TestAccCreateAgainPaysNothing's case.
func TestAccTaint(t *testing.T) {
	srv, api, dist := emulator(t)
	cfg := providerBlock(srv.URL) + resourceBlock(map[string]any{"distribution_id": dist, "paths": []string{"/a.html"}})
	seen := map[string]bool{}
	isNew := func(s *terraform.State) error {
		id, inv := stateAttr(s, "id"), stateAttr(s, "invalidation_ids.0")
		if seen[id] || seen[inv] {
			return fmt.Errorf("ID %s, invalidation %s: want both new, had %v", id, inv, seen)
		}
		seen[id], seen[inv] = true, true
		return nil
	}
	replace := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("cfinv_invalidation.test", plancheck.ResourceActionDestroyBeforeCreate),
	}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{Config: cfg, Check: resource.ComposeAggregateTestCheckFunc(lastRun(api, dist, 1, "/a.html"), isNew)},
			{Config: cfg, Taint: []string{"cfinv_invalidation.test"}, ConfigPlanChecks: replace, Check: resource.ComposeAggregateTestCheckFunc(lastRun(api, dist, 2, "/a.html"), isNew)},
			{Config: cfg, Taint: []string{"cfinv_invalidation.test"}, ConfigPlanChecks: replace, Check: resource.ComposeAggregateTestCheckFunc(lastRun(api, dist, 3, "/a.html"), isNew)},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

func TestAccObjects(t *testing.T) {
	srv, api, dist := emulator(t)
	site := map[string]string{
		"index.html": "v1", "about/index.html": "v1",
		"blog/a.html": "v1", "blog/b.html": "v1", "img/x.png": "v1",
	}
	cfg := func(edit func(map[string]string)) string {
		m := make(map[string]string, len(site))
		for k, v := range site {
			m[k] = v
		}
		edit(m)
		return providerBlock(srv.URL) + resourceBlock(map[string]any{"distribution_id": dist, "objects": m})
	}
	none := func(map[string]string) {}
	oneChanged := func(m map[string]string) { m["blog/a.html"] = "v2" }
	removedAdded := func(m map[string]string) { oneChanged(m); delete(m, "img/x.png"); m["new.html"] = "v1" }
	rootChanged := func(m map[string]string) { removedAdded(m); m["index.html"] = "v2" }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			// Create: the distribution may hold any object, so all.
			{Config: cfg(none), Check: lastRun(api, dist, 1, "/*")},
			{Config: cfg(none), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{Config: cfg(oneChanged), Check: resource.ComposeAggregateTestCheckFunc(
				lastRun(api, dist, 2, "/blog/a.html"),
				resource.TestCheckResourceAttr("cfinv_invalidation.test", "billed_paths", "1"),
			)},
			// A removed object is purged; an added one needs nothing.
			{Config: cfg(removedAdded), Check: lastRun(api, dist, 3, "/img/x.png")},
			// The root index: / and /index.html, not a wildcard over the site.
			{Config: cfg(rootChanged), Check: lastRun(api, dist, 4, "/", "/index.html")},
		},
	})
}

// TestAccObjectsAddedOnly adds objects and changes nothing else: the plan
// shows the update, and the apply invalidates nothing and keeps the last
// run's results.
func TestAccObjectsAddedOnly(t *testing.T) {
	srv, api, dist := emulator(t)
	cfg := func(objects map[string]string) string {
		return providerBlock(srv.URL) + resourceBlock(map[string]any{"distribution_id": dist, "objects": objects, "paths": []string{"/feed.xml"}})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{Config: cfg(map[string]string{"a.html": "1"}), Check: lastRun(api, dist, 1, "/a.html", "/feed.xml")},
			{
				Config: cfg(map[string]string{"a.html": "1", "b.html": "1"}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("cfinv_invalidation.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					lastRun(api, dist, 1, "/a.html", "/feed.xml"),
					resource.TestCheckResourceAttr("cfinv_invalidation.test", "billed_paths", "2"),
				),
			},
		},
	})
}

func TestAccErrors(t *testing.T) {
	srv, _, dist := emulator(t)
	tests := []struct {
		name   string
		config string
		want   string // regexp of the error
	}{
		{"bad path, named by index", resourceBlock(map[string]any{"distribution_id": dist, "paths": []string{"/ok.html", "/a*b"}}),
			`paths\[1\]: invalid invalidation item "/a\*b": '\*' at position 3`},
		{"unknown distribution", resourceBlock(map[string]any{"distribution_id": "E0NOSUCHDIST00", "paths": []string{"/a"}}),
			`Unknown distribution(.|\n)*distribution_id "E0NOSUCHDIST00"`},
		{"unknown alias", resourceBlock(map[string]any{"distribution_id": "www.nowhere.example", "paths": []string{"/a"}}),
			`Unknown distribution(.|\n)*distribution_id "www.nowhere.example"`},
		{"empty distribution", resourceBlock(map[string]any{"distribution_id": "", "paths": []string{"/a"}}),
			`distribution_id is ""`},
		{"nothing to invalidate", resourceBlock(map[string]any{"distribution_id": dist}),
			`set paths, objects or both`},
		{"timeout under the range", resourceBlock(map[string]any{"distribution_id": dist, "paths": []string{"/a"}}, `timeouts { create = "30s" }`),
			`timeouts.create "30s" is out of range: want 1m0s to 1h0m0s`},
		{"timeout over the range", resourceBlock(map[string]any{"distribution_id": dist, "paths": []string{"/a"}}, `timeouts { update = "2h" }`),
			`timeouts.update "2h" is out of range`},
		{"origin path without a slash", resourceBlock(map[string]any{"distribution_id": dist, "objects": map[string]string{"a": "1"}, "origin_path": "prod"}),
			`origin_path "prod" must start with '/'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories,
				Steps:                    []resource.TestStep{{Config: providerBlock(srv.URL) + tt.config, ExpectError: regexp.MustCompile(tt.want)}},
			})
		})
	}
}

func TestAccProviderErrors(t *testing.T) {
	srv, _, dist := emulator(t)
	res := resourceBlock(map[string]any{"distribution_id": dist, "paths": []string{"/a"}})
	tests := []struct {
		name   string
		config string
		want   string
	}{
		{"endpoint not a URL", providerBlock("127.0.0.1:8655") + res, `endpoint "127.0.0.1:8655" is not an http:// or https:// URL`},
		{"unknown profile", "provider \"cfinv\" {\n  endpoint = \"" + srv.URL + "\"\n  profile = \"nope\"\n}\n" + res, `with profile "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories,
				Steps:                    []resource.TestStep{{Config: tt.config, ExpectError: regexp.MustCompile(tt.want)}},
			})
		})
	}
}

// denied is CloudFront's answer to a request the caller's IAM policy does
// not allow.
type denied struct{ action string }

func (d denied) Error() string {
	return "AccessDenied: User: arn:aws:iam::123456789012:user/deploy is not authorized to perform: " + d.action
}
func (denied) ErrorCode() string { return "AccessDenied" }
func (denied) HTTPStatus() int   { return http.StatusForbidden }

// iamServer is the emulator behind SigV4 and an IAM stand-in: while
// denyWait is set, GetInvalidation and ListInvalidations are refused as an
// IAM policy without them would, after the signature is checked.
//
// It also loses the responses of the next loseCreates CreateInvalidation
// requests after the emulator has acted on them (faults.KindLostResponse),
// as a network that drops the answer does.
type iamServer struct {
	verifier    *sigv4.Verifier
	denyWait    atomic.Bool
	denyAll     atomic.Bool
	loseCreates atomic.Int32
}

// wrap returns api behind the lost responses.
func (a *iamServer) wrap(api http.Handler) http.Handler {
	lost := faults.New(api, faults.Config{Rate: 1, Kinds: []faults.Kind{faults.KindLostResponse}})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/invalidation") && a.loseCreates.Add(-1) >= 0 {
			lost.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

func (a *iamServer) Authenticate(r *http.Request, body []byte) error {
	if err := a.verifier.Authenticate(r, body); err != nil {
		return err
	}
	isInv := strings.Contains(r.URL.Path, "/invalidation")
	switch {
	case a.denyAll.Load() && isInv && r.Method == http.MethodPost:
		return denied{"cloudfront:CreateInvalidation"}
	case (a.denyWait.Load() || a.denyAll.Load()) && isInv && r.Method == http.MethodGet:
		return denied{"cloudfront:GetInvalidation"}
	}
	return nil
}

func newIAMServer(t *testing.T) (url string, iam *iamServer, api *cloudfront.Client, dist string) {
	t.Helper()
	id, secret, err := sigv4.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	iam = &iamServer{verifier: &sigv4.Verifier{Lookup: func(k string) (string, bool) { return secret, k == id }}}
	srv := httptest.NewServer(iam.wrap(emulatorapi.New(emulatorapi.Options{Store: store.NewMem(), Auth: iam}).Handler()))
	t.Cleanup(srv.Close)
	accEnv(t, id, secret)
	api = harness.SDK(srv.URL, harness.Credentials(id, secret, ""))
	dist, err = harness.CreateDistribution(t.Context(), api, "tf-iam")
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL, iam, api, dist
}

// TestAccAccessDenied: a missing permission is a diagnostic on
// distribution_id with the policy to attach; and a create or an update
// that created its invalidation but failed waiting for it leaves the
// state as it was (none, for the create), so the apply run again resumes
// the same invalidation instead of buying another.
func TestAccAccessDenied(t *testing.T) {
	endpoint, iam, api, dist := newIAMServer(t)
	cfg := func(version string) string {
		return providerBlock(endpoint) + resourceBlock(map[string]any{"distribution_id": dist, "paths": []string{"/index.html"}, "triggers": map[string]string{"v": version}})
	}
	set := func(b *atomic.Bool, v bool) func() { return func() { b.Store(v) } }
	policy := `(?s)Missing IAM permission.*distribution_id "` + dist + `".*cloudfront:CreateInvalidation.*"arn:aws:cloudfront::\*:distribution/` + dist + `"`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{PreConfig: set(&iam.denyAll, true), Config: cfg("1"), ExpectError: regexp.MustCompile(policy)},
			// The create's invalidation is created, then the wait is
			// refused: no state is saved.
			{PreConfig: func() { iam.denyAll.Store(false); iam.denyWait.Store(true) }, Config: cfg("1"), ExpectError: regexp.MustCompile(`(?s)Missing IAM permission.*cloudfront:GetInvalidation`)},
			// Applied again, the create resumes that invalidation.
			{PreConfig: set(&iam.denyWait, false), Config: cfg("1"), Check: lastRun(api, dist, 1, "/index.html")},
			// The update's invalidation is created, then the wait is refused.
			{PreConfig: set(&iam.denyWait, true), Config: cfg("2"), ExpectError: regexp.MustCompile(`(?s)Missing IAM permission.*cloudfront:GetInvalidation`)},
			{
				PreConfig: set(&iam.denyWait, false), Config: cfg("2"),
				// The failed update kept the prior state: the update is
				// planned again, and resumes the invalidation it created.
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("cfinv_invalidation.test", plancheck.ResourceActionUpdate),
				}},
				Check: lastRun(api, dist, 2, "/index.html"),
			},
		},
	})
}

// stateAttr returns attribute name of cfinv_invalidation.test in s.
func stateAttr(s *terraform.State, name string) string {
	rs, ok := s.RootModule().Resources["cfinv_invalidation.test"]
	if !ok {
		return ""
	}
	return rs.Primary.Attributes[name]
}

// count checks that dist has n invalidations.
func count(api *cloudfront.Client, dist string, n int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		invs, err := invalidations(context.Background(), api, dist)
		if err == nil && len(invs) != n {
			err = fmt.Errorf("%s has %d invalidations, want %d: %v", dist, len(invs), n, invs)
		}
		return err
	}
}

// TestAccDistributionChange moves the resource from distribution A to B
// and back: each move invalidates the paths and every object on the
// distribution it names, with references new to the resource, so the
// move back to A is a second invalidation of A and not the first one
// again (issue: A → B → A returned the first invalidation and
// invalidated nothing).
func TestAccDistributionChange(t *testing.T) {
	srv, api, a := emulator(t)
	b := srv.NewDistribution(t, "bucket.s3.amazonaws.com")
	cfg := func(dist string) string {
		return providerBlock(srv.URL) + resourceBlock(map[string]any{"distribution_id": dist, "paths": []string{"/feed.xml"}, "objects": map[string]string{"a.html": "1"}})
	}
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("cfinv_invalidation.test", plancheck.ResourceActionUpdate),
		plancheck.ExpectUnknownValue("cfinv_invalidation.test", tfjsonpath.New("invalidation_ids")),
	}}
	var first, id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{Config: cfg(a), Check: resource.ComposeAggregateTestCheckFunc(
				lastRun(api, a, 1, "/a.html", "/feed.xml"), count(api, b, 0),
				func(s *terraform.State) error {
					first, id = stateAttr(s, "invalidation_ids.0"), stateAttr(s, "id")
					return nil
				},
			)},
			{Config: cfg(b), ConfigPlanChecks: update, Check: resource.ComposeAggregateTestCheckFunc(
				lastRun(api, b, 1, "/a.html", "/feed.xml"), count(api, a, 1),
				resource.TestCheckResourceAttrPtr("cfinv_invalidation.test", "id", &id),
			)},
			{Config: cfg(a), ConfigPlanChecks: update, Check: resource.ComposeAggregateTestCheckFunc(
				lastRun(api, a, 2, "/a.html", "/feed.xml"), count(api, b, 1),
				func(s *terraform.State) error {
					if got := stateAttr(s, "invalidation_ids.0"); got == first {
						return fmt.Errorf("back on A, the state names the first invalidation %s again", got)
					}
					return nil
				},
			)},
			{Config: cfg(a), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// TestAccFailedApplyAgain loses the response to a create after
// CloudFront created the invalidation (the client sends it again, with
// the same reference) and fails applies after their invalidation was
// created (the wait is refused), on moves between distributions: each
// apply run again sends the same references and buys nothing more.
func TestAccFailedApplyAgain(t *testing.T) {
	endpoint, iam, api, a := newIAMServer(t)
	b, err := harness.CreateDistribution(t.Context(), api, "tf-iam-b")
	if err != nil {
		t.Fatal(err)
	}
	cfg := func(dist string) string {
		return providerBlock(endpoint) + resourceBlock(map[string]any{"distribution_id": dist, "paths": []string{"/index.html"}})
	}
	lose := func() { iam.loseCreates.Store(1) }
	deny := func() { iam.denyWait.Store(true) }
	allow := func() { iam.loseCreates.Store(0); iam.denyWait.Store(false) }
	lost := func(*terraform.State) error {
		if n := iam.loseCreates.Load(); n >= 0 {
			return fmt.Errorf("no create response was lost (%d left to lose)", n+1)
		}
		return nil
	}
	refused := regexp.MustCompile(`(?s)Missing IAM permission.*cloudfront:GetInvalidation`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{PreConfig: lose, Config: cfg(a), Check: resource.ComposeAggregateTestCheckFunc(lost, lastRun(api, a, 1, "/index.html"), count(api, b, 0))},
			{PreConfig: deny, Config: cfg(b), ExpectError: refused},
			{PreConfig: allow, Config: cfg(b), Check: resource.ComposeAggregateTestCheckFunc(lastRun(api, b, 1, "/index.html"), count(api, a, 1))},
			{PreConfig: func() { lose(); deny() }, Config: cfg(a), ExpectError: refused},
			{PreConfig: allow, Config: cfg(a), Check: resource.ComposeAggregateTestCheckFunc(lastRun(api, a, 2, "/index.html"), count(api, b, 1))},
		},
	})
}

// TestAccUnknownAtPlan feeds objects from another resource's output,
// unknown until apply (as aws_s3_object's etag is when the object is
// uploaded in the same apply): the plan cannot tell what will be
// invalidated, and the apply decides.
func TestAccUnknownAtPlan(t *testing.T) {
	srv, api, dist := emulator(t)
	cfg := func(content, replace string) string {
		return providerBlock(srv.URL) + fmt.Sprintf(`
resource "terraform_data" "etag" {
  input            = %q
  triggers_replace = [%q]
}
`, content, replace) + resourceBlock(map[string]any{"distribution_id": dist}, `objects = { "a.html" = terraform_data.etag.output, "b.html" = "1" }`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{Config: cfg("1", "x"), Check: lastRun(api, dist, 1, "/*")},
			{
				Config: cfg("2", "x"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue("cfinv_invalidation.test", tfjsonpath.New("invalidation_ids")),
				}},
				Check: lastRun(api, dist, 2, "/a.html"),
			},
			// Replaced with the same output: unknown at plan, nothing to do.
			{Config: cfg("2", "y"), Check: lastRun(api, dist, 2, "/a.html")},
		},
	})
}

// TestAccEndpointUnknownAtPlan configures the provider from another
// resource's output: unknown while planning (the provider then makes no
// client and the plan needs none), known when the resource is applied.
func TestAccEndpointUnknownAtPlan(t *testing.T) {
	srv, api, dist := emulator(t)
	cfg := fmt.Sprintf(`
resource "terraform_data" "endpoint" {
  input = %q
}

provider "cfinv" {
  endpoint = terraform_data.endpoint.output
}
`, srv.URL) + resourceBlock(map[string]any{"distribution_id": dist, "paths": []string{"/a.html"}})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps:                    []resource.TestStep{{Config: cfg, Check: lastRun(api, dist, 1, "/a.html")}},
	})
}

// TestAccNoWait: with wait_for_completion = false the apply returns with
// the invalidation still in progress (here it never completes: a wait
// would hang the test until its deadline).
func TestAccNoWait(t *testing.T) {
	srv, api, dist := emulator(t, cfinvtest.WithCompletionDelay(24*time.Hour))
	cfg := providerBlock(srv.URL) + resourceBlock(map[string]any{"distribution_id": dist, "paths": []string{"/a.html"}}, "wait_for_completion = false")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{Config: cfg, Check: resource.ComposeAggregateTestCheckFunc(
			lastRun(api, dist, 1, "/a.html"),
			func(s *terraform.State) error {
				id := s.RootModule().Resources["cfinv_invalidation.test"].Primary.Attributes["invalidation_ids.0"]
				out, err := api.GetInvalidation(context.Background(), &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(id)})
				if err != nil {
					return err
				}
				if got := aws.ToString(out.Invalidation.Status); got != "InProgress" {
					return fmt.Errorf("invalidation %s is %s, want InProgress", id, got)
				}
				return nil
			},
		)}},
	})
}
