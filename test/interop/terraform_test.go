package interop

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cfinv/cfinv/test/harness"
)

// tfPluginMirror is the filesystem mirror holding the hashicorp/aws
// provider (HOST/hashicorp/aws/VERSION/OS_ARCH/...): the tests never reach
// a registry.
const (
	tfPluginMirror = "/opt/tf-plugins"
	tfProviderVer  = "5.100.0"
	// cachingOptimized is the ID of CloudFront's managed cache policy
	// CachingOptimized.
	cachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
)

// tfCLIConfig makes terraform install providers from the mirror only:
// with no direct block, nothing is fetched over the network.
const tfCLIConfig = `provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["hashicorp/aws"]
  }
}
`

// tfAWSProvider is the head of every configuration here: the
// hashicorp/aws provider (version %q) with its CloudFront and STS
// endpoints (%q, %q) pointed at the server under test.
const tfAWSProvider = `terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = %q
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    cloudfront = %q
    sts        = %q
  }
}
`

// tfMain is the configuration under test: one distribution with a custom
// origin, the managed CachingOptimized policy, an SPA's custom error
// response and tags, and a terraform_data resource that runs cfinv
// invalidate for each release. The provider's
// credentials come from the environment (clientEnv).
const tfMain = tfAWSProvider + `
resource "aws_cloudfront_distribution" "site" {
  enabled             = true
  comment             = "cfinv terraform interop"
  default_root_object = "index.html"

  origin {
    origin_id   = "app"
    domain_name = "127.0.0.1"
    custom_origin_config {
      http_port              = 8080
      https_port             = 443
      origin_protocol_policy = "http-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id       = "app"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    cache_policy_id        = %q
    compress               = true
  }

  custom_error_response {
    error_code            = 404
    response_code         = 200
    response_page_path    = "/index.html"
    error_caching_min_ttl = 30
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  tags = {
%s  }
}

# The replacement for the aws_cloudfront_create_invalidation action
# (docs/recipes.md): one invalidation per release, re-runs never billed
# twice, applied only once the invalidation has completed.
variable "release" {
  type = string
}

resource "terraform_data" "invalidate" {
  triggers_replace = [var.release]
  provisioner "local-exec" {
    command = "%s invalidate --endpoint-url %s --state-dir %s --distribution-id ${aws_cloudfront_distribution.site.id} --deploy-id ${var.release} --wait --timeout 5m /index.html '/assets/*'"
  }
}

output "id" {
  value = aws_cloudfront_distribution.site.id
}

output "arn" {
  value = aws_cloudfront_distribution.site.arn
}
`

// terraform is a working directory with its own CLI config, data
// directory and HOME, aimed at one `cfinv serve`.
type terraform struct {
	bin, dir string
	stateDir string // cfinv's journal, kept across applies
	release  string // var.release of the next run
	env      []string
	srv      *server
}

// newTerraform checks for terraform and the provider mirror and prepares a
// working directory. Nothing is skipped: a missing tool fails the test.
func newTerraform(t *testing.T, srv *server) *terraform {
	t.Helper()
	bin := need(t, "terraform", "install Terraform 1.5 or newer")
	if found, _ := filepath.Glob(filepath.Join(tfPluginMirror, "*", "hashicorp", "aws", tfProviderVer)); len(found) == 0 {
		t.Fatalf("the Terraform interoperability test needs the hashicorp/aws provider %s in the filesystem mirror %s (HOST/hashicorp/aws/%s/OS_ARCH/)",
			tfProviderVer, tfPluginMirror, tfProviderVer)
	}
	root := t.TempDir()
	tf := &terraform{bin: bin, dir: filepath.Join(root, "work"), stateDir: filepath.Join(root, "cfinv-state"), srv: srv}
	for _, d := range []string{tf.dir, filepath.Join(root, "home"), filepath.Join(root, "data")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rc := filepath.Join(root, "cli.tfrc")
	if err := os.WriteFile(rc, fmt.Appendf(nil, tfCLIConfig, tfPluginMirror), 0o600); err != nil {
		t.Fatal(err)
	}
	tf.env = append(clientEnv(t, srv.URL),
		"TF_CLI_CONFIG_FILE="+rc,
		"TF_DATA_DIR="+filepath.Join(root, "data"),
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
		"HOME="+filepath.Join(root, "home"),
	)
	return tf
}

// write writes main.tf with the given tags.
func (tf *terraform) write(t *testing.T, tags map[string]string) {
	t.Helper()
	t.Helper()
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		fmt.Fprintf(&b, "    %q = %q\n", k, tags[k])
	}
	src := fmt.Sprintf(tfMain, tfProviderVer, tf.srv.URL, tf.srv.URL, cachingOptimized, b.String(), cfinvBinary(t), tf.srv.URL, tf.stateDir)
	if err := os.WriteFile(filepath.Join(tf.dir, "main.tf"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
}

// run runs terraform with args and returns its combined output and exit
// code. The provider's waiter polls no faster than every 15 s after a 30 s
// delay, so destroy alone takes about a minute; and every command starts
// terraform-provider-aws afresh, which takes 5.7-6.3 s of CPU (measured:
// validate 4.56 s user + 1.38 s sys, plan 5.12 + 1.21) before it answers
// its first call. In two .ci/run passes at load 18-31 on 2 cores, an
// apply's provider was still running (state R, terraform waiting in
// ValidateProviderConfig) when the old 5-minute limit killed it. The
// limit is there to end a hang with a diagnosis, not to time terraform:
// 12 minutes, inside the package's 30, of which time spent waiting for a
// CPU is not charged (harness.Limit).
func (tf *terraform) run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	lim, ctx := harness.NewLimit(t.Context(), 12*time.Minute)
	cmd := exec.CommandContext(ctx, tf.bin, args...)
	cmd.Env = append(slices.Clip(tf.env), "TF_VAR_release="+tf.release)
	cmd.Dir = tf.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// On the time-out, say what every process of the apply was doing
	// (stopped, waiting on I/O, running) and make terraform print its
	// goroutines (Go's SIGQUIT dump) before it is killed, so a hang shows
	// where it hangs.
	var stuck string
	cmd.Cancel = func() error {
		stuck = harness.DescribeGroup(cmd.Process.Pid)
		return cmd.Process.Signal(syscall.SIGQUIT)
	}
	cmd.WaitDelay = 20 * time.Second
	err := harness.RunWithin(cmd, lim) // the provider plugins too die with the test binary
	var ee *exec.ExitError
	switch {
	case errors.Is(err, harness.ErrLimit):
		t.Fatalf("terraform %s: %v\nprocesses at the time-out:\n%s\noutput:\n%s", strings.Join(args, " "), err, stuck, out.String())
	case err == nil:
		return out.String(), 0
	case errors.As(err, &ee):
		return out.String(), ee.ExitCode()
	default:
		t.Fatalf("run terraform %s: %v", strings.Join(args, " "), err)
	}
	return "", 0
}

// must runs terraform and fails with its output unless it exits 0.
func (tf *terraform) must(t *testing.T, args ...string) string {
	t.Helper()
	out, code := tf.run(t, args...)
	if code != 0 {
		t.Fatalf("terraform %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// noChanges runs `terraform plan -detailed-exitcode`, which exits 2 when the
// provider sees any difference between the configuration and what the API
// returns: every field must round-trip.
func (tf *terraform) noChanges(t *testing.T, when string) {
	t.Helper()
	out, code := tf.run(t, "plan", "-detailed-exitcode", "-no-color", "-input=false")
	if code != 0 {
		t.Fatalf("terraform plan -detailed-exitcode %s: exit %d, want 0 (no changes)\n%s", when, code, out)
	}
}

// invalidations lists the distribution's invalidations, newest first, with
// the AWS CLI: "ID Status path,path…" each.
func invalidations(t *testing.T, env []string, srv *server, id string) []string {
	t.Helper()
	var list struct {
		InvalidationList struct{ Items []struct{ Id, Status string } }
	}
	decode(t, "list-invalidations", mustAWS(t, env, srv, "list-invalidations", "--distribution-id", id), &list)
	var out []string
	for _, it := range list.InvalidationList.Items {
		var got struct {
			Invalidation struct {
				InvalidationBatch struct{ Paths struct{ Items []string } }
			}
		}
		decode(t, "get-invalidation", mustAWS(t, env, srv, "get-invalidation", "--distribution-id", id, "--id", it.Id), &got)
		out = append(out, it.Status+" "+strings.Join(got.Invalidation.InvalidationBatch.Paths.Items, ","))
	}
	return out
}

// distTags lists the distribution's tags with the AWS CLI.
func distTags(t *testing.T, env []string, srv *server, arn string) map[string]string {
	t.Helper()
	var got struct {
		Tags struct{ Items []struct{ Key, Value string } }
	}
	decode(t, "list-tags-for-resource", mustAWS(t, env, srv, "list-tags-for-resource", "--resource", arn), &got)
	tags := map[string]string{}
	for _, it := range got.Tags.Items {
		tags[it.Key] = it.Value
	}
	return tags
}

// TestTerraform applies, re-plans, retags and destroys an
// aws_cloudfront_distribution with the hashicorp/aws provider against
// `cfinv serve`, invalidates once per release with cfinv from a
// terraform_data resource, and checks each step with the AWS CLI.
//
// The provider's waiters sleep tens of seconds between polls, so this test
// runs in parallel with the rest of the package.
func TestTerraform(t *testing.T) {
	t.Parallel()
	srv := startServe(t, "0s")
	env := clientEnv(t, srv.URL)
	tf := newTerraform(t, srv)

	tags := map[string]string{"Project": "cfinv", "Env": "interop", "Empty": ""}
	tf.release = "r1"
	tf.write(t, tags)
	tf.must(t, "init", "-no-color", "-input=false")
	tf.must(t, "apply", "-auto-approve", "-no-color", "-input=false")

	var outputs struct {
		ID  struct{ Value string } `json:"id"`
		ARN struct{ Value string } `json:"arn"`
	}
	decode(t, "terraform output", tf.must(t, "output", "-json", "-no-color"), &outputs)
	id, arn := outputs.ID.Value, outputs.ARN.Value
	if id == "" || arn != "arn:aws:cloudfront::123456789012:distribution/"+id {
		t.Fatalf("terraform output: id %q, arn %q; want an ID and its ARN", id, arn)
	}

	var got struct {
		ETag         string
		Distribution struct {
			Id, Status         string
			DistributionConfig struct {
				Comment, DefaultRootObject string
				Enabled                    bool
				Origins                    struct {
					Items []struct {
						Id, DomainName     string
						CustomOriginConfig struct {
							HTTPPort             int
							OriginProtocolPolicy string
						}
					}
				}
				DefaultCacheBehavior struct {
					TargetOriginId, ViewerProtocolPolicy, CachePolicyId string
					Compress                                            bool
				}
				CustomErrorResponses struct {
					Items []struct {
						ErrorCode          int
						ResponsePagePath   string
						ResponseCode       string
						ErrorCachingMinTTL int
					}
				}
				ViewerCertificate struct{ CloudFrontDefaultCertificate bool }
				Restrictions      struct {
					GeoRestriction struct{ RestrictionType string }
				}
			}
		}
	}
	decode(t, "get-distribution", mustAWS(t, env, srv, "get-distribution", "--id", id), &got)
	c := got.Distribution.DistributionConfig
	o := c.Origins.Items
	switch {
	case got.Distribution.Status != "Deployed":
		t.Errorf("status %q, want Deployed", got.Distribution.Status)
	case c.Comment != "cfinv terraform interop" || c.DefaultRootObject != "index.html" || !c.Enabled:
		t.Errorf("got Comment %q, DefaultRootObject %q, Enabled %v; want the configured values", c.Comment, c.DefaultRootObject, c.Enabled)
	case len(o) != 1 || o[0].Id != "app" || o[0].DomainName != "127.0.0.1" || o[0].CustomOriginConfig.HTTPPort != 8080 || o[0].CustomOriginConfig.OriginProtocolPolicy != "http-only":
		t.Errorf("got origins %+v, want the custom origin app on 127.0.0.1:8080, http-only", o)
	case c.DefaultCacheBehavior.CachePolicyId != cachingOptimized || c.DefaultCacheBehavior.TargetOriginId != "app" ||
		c.DefaultCacheBehavior.ViewerProtocolPolicy != "redirect-to-https" || !c.DefaultCacheBehavior.Compress:
		t.Errorf("got default cache behaviour %+v, want CachingOptimized to app, redirect-to-https, compressed", c.DefaultCacheBehavior)
	case len(c.CustomErrorResponses.Items) != 1 || c.CustomErrorResponses.Items[0].ErrorCode != 404 || c.CustomErrorResponses.Items[0].ResponseCode != "200" ||
		c.CustomErrorResponses.Items[0].ResponsePagePath != "/index.html" || c.CustomErrorResponses.Items[0].ErrorCachingMinTTL != 30:
		t.Errorf("got custom error responses %+v, want 404 -> /index.html with 200, cached 30 s", c.CustomErrorResponses.Items)
	case !c.ViewerCertificate.CloudFrontDefaultCertificate || c.Restrictions.GeoRestriction.RestrictionType != "none":
		t.Errorf("got viewer certificate %+v, restrictions %+v; want the default certificate and no geo restriction", c.ViewerCertificate, c.Restrictions)
	}
	if g := distTags(t, env, srv, arn); !maps.Equal(g, tags) {
		t.Errorf("tags after apply: got %v, want %v", g, tags)
	}

	tf.noChanges(t, "after apply")

	// The release's invalidation was made, and completed before apply
	// returned; running it again (a retried pipeline) buys nothing new.
	// Sorted: with --deploy-id a batch is the set of its paths in one
	// order, so a reordered re-run makes the same batch and reference.
	want := []string{"Completed /assets/*,/index.html"}
	if got := invalidations(t, env, srv, id); !slices.Equal(got, want) {
		t.Errorf("invalidations after apply: got %q, want %q", got, want)
	}
	tf.must(t, "apply", "-auto-approve", "-no-color", "-input=false", "-replace=terraform_data.invalidate")
	if got := invalidations(t, env, srv, id); !slices.Equal(got, want) {
		t.Errorf("invalidations after re-running release r1: got %q, want %q", got, want)
	}

	// Changing only tags makes the provider call TagResource and
	// UntagResource, not UpdateDistribution.
	// A new release in the same apply invalidates again.
	tags = map[string]string{"Project": "cfinv", "Env": "staging", "Owner": "interop test"}
	tf.release = "r2"
	tf.write(t, tags)
	tf.must(t, "apply", "-auto-approve", "-no-color", "-input=false")
	if got := invalidations(t, env, srv, id); len(got) != 2 || got[0] != want[0] {
		t.Errorf("invalidations after release r2: got %q, want two, both %q", got, want[0])
	}
	if g := distTags(t, env, srv, arn); !maps.Equal(g, tags) {
		t.Errorf("tags after retagging: got %v, want %v", g, tags)
	}
	var after struct{ ETag string }
	decode(t, "get-distribution", mustAWS(t, env, srv, "get-distribution", "--id", id), &after)
	if after.ETag != got.ETag {
		t.Errorf("retagging changed the ETag from %q to %q; tags are not part of the config", got.ETag, after.ETag)
	}
	tf.noChanges(t, "after retagging")

	// Destroy disables the distribution, waits for Deployed, deletes it
	// and waits until GetDistribution answers NoSuchDistribution.
	tf.must(t, "destroy", "-auto-approve", "-no-color", "-input=false")
	_, errOut, code := awsCLI(t, env, srv, "get-distribution", "--id", id)
	if code != 255 || !strings.Contains(errOut, "(NoSuchDistribution)") {
		t.Errorf("get-distribution after destroy: exit %d, stderr %q; want 255 and (NoSuchDistribution)", code, errOut)
	}
}
