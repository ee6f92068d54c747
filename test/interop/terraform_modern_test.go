package interop

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tfModern is a modern site's configuration (issue 15 item 5): an origin
// access control for the S3 bucket, AWS's managed CachingOptimized read
// through the data source, a custom cache policy, a response headers
// policy, an origin request policy, a public key in a key group trusted
// for signed URLs, a legacy origin access identity on a second origin,
// and a distribution using them all; and (issues 26 and 27) a key value
// store, a CloudFront Function associated with it that redirects on
// viewer request, a real-time log configuration on the API's behaviour, a
// monitoring subscription, a field-level encryption profile and
// configuration, and a VPC origin behind a third origin of the
// distribution. var.edition changes something in each of the latter, so
// a second apply updates them all in place.
const tfModern = tfAWSProvider + `
variable "edition" {
  type    = string
  default = "one"
}

locals {
  second = var.edition == "two"
}

resource "aws_cloudfront_key_value_store" "redirects" {
  name    = "redirects"
  comment = "redirects, edition ${var.edition}"
}

resource "aws_cloudfront_function" "redirect" {
  name    = "redirect"
  runtime = "cloudfront-js-2.0"
  comment = "edition ${var.edition}"
  publish = true
  key_value_store_associations = [aws_cloudfront_key_value_store.redirects.arn]
  code    = <<-EOT
    import cf from 'cloudfront';
    const kvs = cf.kvs();
    async function handler(event) {
      if (event.request.uri === '/old') {
        return { statusCode: 301, statusDescription: 'Moved Permanently',
                 headers: { location: { value: '/${var.edition}' } } };
      }
      return event.request;
    }
  EOT
}

resource "aws_cloudfront_vpc_origin" "internal" {
  vpc_origin_endpoint_config {
    name                   = "internal-alb"
    arn                    = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/internal/0123456789abcdef"
    http_port              = local.second ? 8080 : 80
    https_port             = 443
    origin_protocol_policy = "https-only"
    origin_ssl_protocols {
      items    = ["TLSv1.2"]
      quantity = 1
    }
  }
  tags = {
    edition = var.edition
  }
}

resource "aws_cloudfront_realtime_log_config" "api" {
  name          = "api-requests"
  sampling_rate = local.second ? 75 : 50
  fields        = local.second ? ["timestamp", "c-ip", "sc-status", "cs-uri-stem"] : ["timestamp", "c-ip", "sc-status"]
  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = "arn:aws:iam::123456789012:role/cf-logs-writer"
      stream_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/cf-logs"
    }
  }
}

resource "aws_cloudfront_monitoring_subscription" "site" {
  distribution_id = aws_cloudfront_distribution.site.id
  monitoring_subscription {
    realtime_metrics_subscription_config {
      realtime_metrics_subscription_status = local.second ? "Disabled" : "Enabled"
    }
  }
}

resource "aws_cloudfront_field_level_encryption_profile" "card" {
  name    = "card-number"
  comment = "edition ${var.edition}"
  encryption_entities {
    items {
      public_key_id = aws_cloudfront_public_key.signer.id
      provider_id   = "card-provider"
      field_patterns {
        items = local.second ? ["CardNumber", "CardCvc"] : ["CardNumber"]
      }
    }
  }
}

resource "aws_cloudfront_field_level_encryption_config" "card" {
  comment = "edition ${var.edition}"
  content_type_profile_config {
    forward_when_content_type_is_unknown = true
    content_type_profiles {
      items {
        content_type = "application/x-www-form-urlencoded"
        format       = "URLEncoded"
        profile_id   = aws_cloudfront_field_level_encryption_profile.card.id
      }
    }
  }
  query_arg_profile_config {
    forward_when_query_arg_profile_is_unknown = true
  }
}

data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

resource "aws_cloudfront_origin_access_control" "site" {
  name                              = "site-bucket"
  description                       = "the site's bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_cache_policy" "api" {
  name        = "api"
  comment     = "API answers, keyed on Authorization and the query string"
  min_ttl     = 0
  default_ttl = 60
  max_ttl     = 600
  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true
    headers_config {
      header_behavior = "whitelist"
      headers {
        items = ["Authorization"]
      }
    }
    cookies_config {
      cookie_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "all"
    }
  }
}

resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "security"
  comment = "security headers and CORS for the app"
  cors_config {
    access_control_allow_credentials = false
    access_control_allow_headers {
      items = ["Authorization"]
    }
    access_control_allow_methods {
      items = ["GET", "HEAD"]
    }
    access_control_allow_origins {
      items = ["https://app.example.com"]
    }
    access_control_max_age_sec = 600
    origin_override            = true
  }
  security_headers_config {
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    content_type_options {
      override = true
    }
    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = true
      override                   = true
    }
  }
  custom_headers_config {
    items {
      header   = "X-Site"
      value    = "modern"
      override = false
    }
  }
}

resource "aws_cloudfront_origin_request_policy" "api" {
  name    = "api-origin"
  comment = "the API sees the viewer's language and query string"
  headers_config {
    header_behavior = "whitelist"
    headers {
      items = ["Accept-Language"]
    }
  }
  cookies_config {
    cookie_behavior = "none"
  }
  query_strings_config {
    query_string_behavior = "all"
  }
}

resource "aws_cloudfront_public_key" "signer" {
  name        = "signer"
  comment     = "signs the API's private URLs"
  encoded_key = file("${path.module}/signer.pem")
}

resource "aws_cloudfront_origin_access_identity" "legacy" {
  comment = "the legacy bucket"
}

resource "aws_cloudfront_key_group" "signers" {
  name    = "signers"
  comment = "who may sign"
  items   = [aws_cloudfront_public_key.signer.id]
}

resource "aws_cloudfront_distribution" "site" {
  enabled             = true
  comment             = "cfinv terraform interop, modern"
  default_root_object = "index.html"

  origin {
    origin_id                = "bucket"
    domain_name              = "site-bucket.s3.us-east-1.amazonaws.com"
    origin_access_control_id = aws_cloudfront_origin_access_control.site.id
  }

  origin {
    origin_id   = "legacy"
    domain_name = "legacy-bucket.s3.us-east-1.amazonaws.com"
    s3_origin_config {
      origin_access_identity = aws_cloudfront_origin_access_identity.legacy.cloudfront_access_identity_path
    }
  }

  origin {
    origin_id   = "internal"
    domain_name = "internal-alb.example.com"
    vpc_origin_config {
      vpc_origin_id = aws_cloudfront_vpc_origin.internal.id
    }
  }

  default_cache_behavior {
    target_origin_id           = "bucket"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    compress                   = true
    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.redirect.arn
    }
  }

  ordered_cache_behavior {
    path_pattern           = "/api/*"
    target_origin_id       = "bucket"
    viewer_protocol_policy = "https-only"
    allowed_methods        = ["GET", "HEAD", "OPTIONS"]
    cached_methods         = ["GET", "HEAD"]
    cache_policy_id          = aws_cloudfront_cache_policy.api.id
    origin_request_policy_id = aws_cloudfront_origin_request_policy.api.id
    trusted_key_groups       = [aws_cloudfront_key_group.signers.id]
    realtime_log_config_arn  = aws_cloudfront_realtime_log_config.api.arn
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
}

output "id" {
  value = aws_cloudfront_distribution.site.id
}

output "domain" {
  value = aws_cloudfront_distribution.site.domain_name
}

output "optimized" {
  value = data.aws_cloudfront_cache_policy.optimized.id
}
`

// TestTerraformModern applies tfModern with the hashicorp/aws provider
// against ` + "`cfinv serve`" + `, re-plans with no changes, checks what was
// created with the AWS CLI, and destroys it all.
func TestTerraformModern(t *testing.T) {
	t.Parallel()
	srv := startServe(t, "0s")
	env := clientEnv(t, srv.URL)
	tf := newTerraform(t, srv)
	tf.release = "unused"
	src := fmt.Sprintf(tfModern, tfProviderVer, srv.URL, srv.URL)
	if err := os.WriteFile(filepath.Join(tf.dir, "main.tf"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tf.dir, "signer.pem"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	tf.must(t, "init", "-no-color", "-input=false")
	tf.must(t, "apply", "-auto-approve", "-no-color", "-input=false")
	tf.noChanges(t, "after apply")

	var outputs struct {
		ID        struct{ Value string } `json:"id"`
		Domain    struct{ Value string } `json:"domain"`
		Optimized struct{ Value string } `json:"optimized"`
	}
	decode(t, "terraform output", tf.must(t, "output", "-json", "-no-color"), &outputs)
	if outputs.Optimized.Value != cachingOptimized {
		t.Errorf("data.aws_cloudfront_cache_policy.optimized.id = %q, want %s", outputs.Optimized.Value, cachingOptimized)
	}
	var cfg struct {
		DistributionConfig struct {
			Origins struct {
				Items []struct {
					OriginAccessControlId string
					S3OriginConfig        struct{ OriginAccessIdentity string }
				}
			}
			DefaultCacheBehavior struct{ CachePolicyId, ResponseHeadersPolicyId string }
		}
	}
	decode(t, "get-distribution-config", mustAWS(t, env, srv, "get-distribution-config", "--id", outputs.ID.Value), &cfg)
	var oacs struct {
		OriginAccessControlList struct{ Items []struct{ Id, Name string } }
	}
	decode(t, "list-origin-access-controls", mustAWS(t, env, srv, "list-origin-access-controls"), &oacs)
	// The provider keeps origins in a set: their order is its own.
	var oacNamed, oaiNamed string
	for _, o := range cfg.DistributionConfig.Origins.Items {
		oacNamed += o.OriginAccessControlId
		oaiNamed += o.S3OriginConfig.OriginAccessIdentity
	}
	if items := oacs.OriginAccessControlList.Items; len(items) != 1 || items[0].Name != "site-bucket" ||
		len(cfg.DistributionConfig.Origins.Items) != 3 || oacNamed != items[0].Id {
		t.Errorf("origin access controls %+v; the distribution's origins name %+v", items, cfg.DistributionConfig.Origins.Items)
	}
	var oais struct {
		CloudFrontOriginAccessIdentityList struct {
			Items []struct{ Id, Comment string }
		}
	}
	decode(t, "list-cloud-front-origin-access-identities", mustAWS(t, env, srv, "list-cloud-front-origin-access-identities"), &oais)
	if items := oais.CloudFrontOriginAccessIdentityList.Items; len(items) != 1 || items[0].Comment != "the legacy bucket" ||
		oaiNamed != "origin-access-identity/cloudfront/"+items[0].Id {
		t.Errorf("origin access identities %+v; the distribution's origins name %+v", items, cfg.DistributionConfig.Origins.Items)
	}
	var rhps struct {
		ResponseHeadersPolicyList struct {
			Items []struct {
				Type                  string
				ResponseHeadersPolicy struct{ Id string }
			}
		}
	}
	decode(t, "list-response-headers-policies", mustAWS(t, env, srv, "list-response-headers-policies", "--type", "custom"), &rhps)
	if items := rhps.ResponseHeadersPolicyList.Items; len(items) != 1 || items[0].ResponseHeadersPolicy.Id != cfg.DistributionConfig.DefaultCacheBehavior.ResponseHeadersPolicyId {
		t.Errorf("custom response headers policies %+v, the default behaviour names %q", items, cfg.DistributionConfig.DefaultCacheBehavior.ResponseHeadersPolicyId)
	}

	// The published function runs at the edge: /old is redirected before
	// any origin is asked.
	edge := srv.edgeURL(t)
	if got := edgeRedirect(t, edge, outputs.Domain.Value, "/old"); got != "/one" {
		t.Errorf("edge GET /old: Location %q, want /one (the function of edition one)", got)
	}

	// Edition two changes every resource of issues 26 and 27 in place.
	tf.must(t, "apply", "-auto-approve", "-no-color", "-input=false", "-var", "edition=two")
	if out, code := tf.run(t, "plan", "-detailed-exitcode", "-no-color", "-input=false", "-var", "edition=two"); code != 0 {
		t.Fatalf("terraform plan -detailed-exitcode after the update: exit %d, want 0 (no changes)\n%s", code, out)
	}
	var second struct {
		ID, Domain struct{ Value string }
	}
	decode(t, "terraform output", tf.must(t, "output", "-json", "-no-color"), &second)
	if second.ID.Value != outputs.ID.Value {
		t.Errorf("the update replaced the distribution: %s, then %s", outputs.ID.Value, second.ID.Value)
	}
	var logCfg struct {
		RealtimeLogConfig struct {
			SamplingRate int
			Fields       []string
		}
	}
	decode(t, "get-realtime-log-config", mustAWS(t, env, srv, "get-realtime-log-config", "--name", "api-requests"), &logCfg)
	if l := logCfg.RealtimeLogConfig; l.SamplingRate != 75 || len(l.Fields) != 4 {
		t.Errorf("real-time log config after the update: %+v, want sampling rate 75 and 4 fields", l)
	}
	var mon struct {
		MonitoringSubscription struct {
			RealtimeMetricsSubscriptionConfig struct{ RealtimeMetricsSubscriptionStatus string }
		}
	}
	decode(t, "get-monitoring-subscription", mustAWS(t, env, srv, "get-monitoring-subscription", "--distribution-id", outputs.ID.Value), &mon)
	if got := mon.MonitoringSubscription.RealtimeMetricsSubscriptionConfig.RealtimeMetricsSubscriptionStatus; got != "Disabled" {
		t.Errorf("monitoring subscription after the update: %q, want Disabled", got)
	}
	var kvs struct {
		KeyValueStore struct{ Comment, Status string }
	}
	decode(t, "describe-key-value-store", mustAWS(t, env, srv, "describe-key-value-store", "--name", "redirects"), &kvs)
	if kvs.KeyValueStore.Comment != "redirects, edition two" {
		t.Errorf("key value store after the update: %+v", kvs.KeyValueStore)
	}
	var fle struct {
		FieldLevelEncryptionProfile struct {
			FieldLevelEncryptionProfileConfig struct {
				Comment            string
				EncryptionEntities struct {
					Items []struct{ FieldPatterns struct{ Items []string } }
				}
			}
		}
	}
	var fleList struct {
		FieldLevelEncryptionProfileList struct{ Items []struct{ Id string } }
	}
	decode(t, "list-field-level-encryption-profiles", mustAWS(t, env, srv, "list-field-level-encryption-profiles"), &fleList)
	if items := fleList.FieldLevelEncryptionProfileList.Items; len(items) != 1 {
		t.Fatalf("field-level encryption profiles: %+v, want one", items)
	}
	decode(t, "get-field-level-encryption-profile", mustAWS(t, env, srv, "get-field-level-encryption-profile",
		"--id", fleList.FieldLevelEncryptionProfileList.Items[0].Id), &fle)
	if c := fle.FieldLevelEncryptionProfile.FieldLevelEncryptionProfileConfig; c.Comment != "edition two" ||
		len(c.EncryptionEntities.Items) != 1 || len(c.EncryptionEntities.Items[0].FieldPatterns.Items) != 2 {
		t.Errorf("field-level encryption profile after the update: %+v", c)
	}
	var vpcs struct {
		VpcOriginList struct {
			Items []struct{ Id, Name, Status string }
		}
	}
	decode(t, "list-vpc-origins", mustAWS(t, env, srv, "list-vpc-origins"), &vpcs)
	if items := vpcs.VpcOriginList.Items; len(items) != 1 || items[0].Name != "internal-alb" {
		t.Fatalf("VPC origins after the update: %+v, want internal-alb", items)
	}
	var vpc struct {
		VpcOrigin struct {
			VpcOriginEndpointConfig struct{ HTTPPort int }
		}
	}
	decode(t, "get-vpc-origin", mustAWS(t, env, srv, "get-vpc-origin", "--id", vpcs.VpcOriginList.Items[0].Id), &vpc)
	if got := vpc.VpcOrigin.VpcOriginEndpointConfig.HTTPPort; got != 8080 {
		t.Errorf("VPC origin's HTTP port after the update: %d, want 8080", got)
	}
	if got := edgeRedirect(t, edge, outputs.Domain.Value, "/old"); got != "/two" {
		t.Errorf("edge GET /old after the update: Location %q, want /two (the newly published function)", got)
	}

	tf.must(t, "destroy", "-auto-approve", "-no-color", "-input=false", "-var", "edition=two")
	for _, list := range []string{"list-distributions", "list-origin-access-controls", "list-public-keys", "list-key-groups",
		"list-cloud-front-origin-access-identities", "list-functions", "list-key-value-stores", "list-realtime-log-configs",
		"list-field-level-encryption-configs", "list-field-level-encryption-profiles", "list-vpc-origins"} {
		out := mustAWS(t, env, srv, list)
		if strings.Contains(out, `"Id"`) || strings.Contains(out, `"Name"`) { // functions and log configs have names, no IDs
			t.Errorf("%s after destroy still lists something:\n%s", list, out)
		}
	}
	out := mustAWS(t, env, srv, "list-cache-policies", "--type", "custom")
	if strings.Contains(out, `"Id"`) {
		t.Errorf("custom cache policies after destroy:\n%s", out)
	}

	// Everything the provider asked for was implemented and answered
	// without a server fault.
	calls := map[string]bool{}
	for _, line := range strings.Split(srv.out.String(), "\n") {
		if !strings.Contains(line, "msg=request") {
			continue
		}
		if strings.Contains(line, "code=NotImplemented") || strings.Contains(line, "status=5") {
			t.Errorf("serve answered the provider with a fault or NotImplemented: %s", line)
		}
		calls[field(line, "method")+" "+field(line, "path")] = true
	}
	t.Logf("the provider made %d distinct calls", len(calls))
}

// field returns the value of key=value in a slog text line.
func field(line, key string) string {
	_, rest, ok := strings.Cut(line, " "+key+"=")
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, " ")
	return v
}

// edgeRedirect requests path from the edge at base as host and returns the
// Location of the 301 it must answer.
func edgeRedirect(t *testing.T, base, host, path string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("edge GET %s (Host %s): %v", path, host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		t.Fatalf("edge GET %s (Host %s): %s, want 301\n%s", path, host, resp.Status, body)
	}
	return resp.Header.Get("Location")
}
