package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tfStaging is the Terraform AWS provider's own continuous deployment
// set-up (its acceptance tests, continuous_deployment_policy_test.go): a
// staging distribution created with staging = true, a production
// distribution and an aws_cloudfront_continuous_deployment_policy naming
// the staging one's domain name. %[4]s is the production distribution's
// continuous_deployment_policy_id line (empty in the first step: CloudFront
// refuses a policy at creation), %[5]s the policy's enabled and
// traffic_config.
const tfStaging = tfAWSProvider + `
resource "aws_cloudfront_distribution" "staging" {
  enabled          = true
  retain_on_delete = false
  staging          = true

  default_cache_behavior {
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "test"
    viewer_protocol_policy = "allow-all"
    cache_policy_id        = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  }

  origin {
    domain_name = "green.example.com"
    origin_id   = "test"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

resource "aws_cloudfront_distribution" "production" {
  enabled          = true
  retain_on_delete = false
%[4]s
  default_cache_behavior {
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "test"
    viewer_protocol_policy = "allow-all"
    cache_policy_id        = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  }

  origin {
    domain_name = "blue.example.com"
    origin_id   = "test"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

resource "aws_cloudfront_continuous_deployment_policy" "test" {
  staging_distribution_dns_names {
    items    = [aws_cloudfront_distribution.staging.domain_name]
    quantity = 1
  }
%[5]s
}

output "production" {
  value = aws_cloudfront_distribution.production.id
}

output "policy" {
  value = aws_cloudfront_continuous_deployment_policy.test.id
}
`

// TestTerraformContinuousDeployment applies tfStaging in the provider's
// two steps (the policy, then the production distribution naming it, with
// a header-based traffic config), checks each plan is empty after apply,
// and destroys it all (issue 27).
func TestTerraformContinuousDeployment(t *testing.T) {
	t.Parallel()
	srv := startServe(t, "0s")
	env := clientEnv(t, srv.URL)
	tf := newTerraform(t, srv)
	tf.release = "unused"
	write := func(policyLine, traffic string) {
		t.Helper()
		src := fmt.Sprintf(tfStaging, tfProviderVer, srv.URL, srv.URL, policyLine, traffic)
		if err := os.WriteFile(filepath.Join(tf.dir, "main.tf"), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("", `
  enabled = false
  traffic_config {
    type = "SingleWeight"
    single_weight_config {
      weight = "0.01"
    }
  }`)
	tf.must(t, "init", "-no-color", "-input=false")
	tf.must(t, "apply", "-auto-approve", "-no-color", "-input=false")
	tf.noChanges(t, "after the first apply")

	write(`  continuous_deployment_policy_id = aws_cloudfront_continuous_deployment_policy.test.id`, `
  enabled = true
  traffic_config {
    type = "SingleHeader"
    single_header_config {
      header = "aws-cf-cd-test"
      value  = "green"
    }
  }`)
	tf.must(t, "apply", "-auto-approve", "-no-color", "-input=false")
	tf.noChanges(t, "after the policy is attached")

	var outputs struct {
		Production struct{ Value string } `json:"production"`
		Policy     struct{ Value string } `json:"policy"`
	}
	decode(t, "terraform output", tf.must(t, "output", "-json", "-no-color"), &outputs)
	var cfg struct {
		DistributionConfig struct{ ContinuousDeploymentPolicyId string }
	}
	decode(t, "get-distribution-config", mustAWS(t, env, srv, "get-distribution-config", "--id", outputs.Production.Value), &cfg)
	if got := cfg.DistributionConfig.ContinuousDeploymentPolicyId; got == "" || got != outputs.Policy.Value {
		t.Errorf("the production distribution's ContinuousDeploymentPolicyId = %q, want the policy %q", got, outputs.Policy.Value)
	}
	var pol struct {
		ContinuousDeploymentPolicy struct {
			ContinuousDeploymentPolicyConfig struct {
				Enabled       bool
				TrafficConfig struct {
					Type               string
					SingleHeaderConfig struct{ Header, Value string }
				}
			}
		}
	}
	decode(t, "get-continuous-deployment-policy", mustAWS(t, env, srv, "get-continuous-deployment-policy", "--id", outputs.Policy.Value), &pol)
	if c := pol.ContinuousDeploymentPolicy.ContinuousDeploymentPolicyConfig; !c.Enabled || c.TrafficConfig.Type != "SingleHeader" ||
		c.TrafficConfig.SingleHeaderConfig.Header != "aws-cf-cd-test" || c.TrafficConfig.SingleHeaderConfig.Value != "green" {
		t.Errorf("the policy as the AWS CLI reads it: %+v", c)
	}

	tf.must(t, "destroy", "-auto-approve", "-no-color", "-input=false")
	for _, list := range []string{"list-distributions", "list-continuous-deployment-policies"} {
		if out := mustAWS(t, env, srv, list); strings.Contains(out, `"Id"`) {
			t.Errorf("%s after destroy still lists something:\n%s", list, out)
		}
	}
	for _, line := range strings.Split(srv.out.String(), "\n") {
		if strings.Contains(line, "msg=request") && (strings.Contains(line, "code=NotImplemented") || strings.Contains(line, "status=5")) {
			t.Errorf("serve answered the provider with a fault or NotImplemented: %s", line)
		}
	}
}
