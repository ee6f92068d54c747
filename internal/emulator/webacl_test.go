package emulator_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/test/harness"
)

// Web ACL association (issue 27), through the real SDK.

const (
	testWebACL      = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/a1b2c3d4-5678-90ab-cdef-111111111111"
	testOtherWebACL = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/other/a1b2c3d4-5678-90ab-cdef-222222222222"
)

func TestDistributionWebACL(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	created := f.createDist("waf")
	id := created.Distribution.Id
	f.createDist("no-waf")

	assoc, err := f.cf.AssociateDistributionWebACL(ctx, &cloudfront.AssociateDistributionWebACLInput{Id: id, WebACLArn: aws.String(testWebACL), IfMatch: created.ETag})
	if err != nil {
		t.Fatalf("AssociateDistributionWebACL: %v", err)
	}
	if aws.ToString(assoc.Id) != aws.ToString(id) || aws.ToString(assoc.WebACLArn) != testWebACL || aws.ToString(assoc.ETag) == aws.ToString(created.ETag) {
		t.Errorf("AssociateDistributionWebACL answered %+v, ETag %s (was %s)", assoc, aws.ToString(assoc.ETag), aws.ToString(created.ETag))
	}
	got, err := f.cf.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Distribution.DistributionConfig.WebACLId) != testWebACL || aws.ToString(got.ETag) != aws.ToString(assoc.ETag) ||
		aws.ToString(got.Distribution.Status) != "InProgress" {
		t.Errorf("after associating: WebACLId %q, ETag %s, Status %s", aws.ToString(got.Distribution.DistributionConfig.WebACLId), aws.ToString(got.ETag), aws.ToString(got.Distribution.Status))
	}

	byACL := func(aclID string) []string {
		t.Helper()
		out, err := f.cf.ListDistributionsByWebACLId(ctx, &cloudfront.ListDistributionsByWebACLIdInput{WebACLId: aws.String(aclID)})
		if err != nil {
			t.Fatalf("ListDistributionsByWebACLId(%s): %v", aclID, err)
		}
		var ids []string
		for _, d := range out.DistributionList.Items {
			ids = append(ids, aws.ToString(d.Id))
		}
		return ids
	}
	if got := byACL(testWebACL); len(got) != 1 || got[0] != aws.ToString(id) {
		t.Errorf("ListDistributionsByWebACLId(ARN) = %v, want [%s]", got, aws.ToString(id))
	}
	if got := byACL(testOtherWebACL); len(got) != 0 {
		t.Errorf("ListDistributionsByWebACLId(another ARN) = %v, want none", got)
	}
	if got := byACL("null"); len(got) != 1 || got[0] == aws.ToString(id) {
		t.Errorf("ListDistributionsByWebACLId(null) = %v, want the other distribution", got)
	}
	if got := byACL("a1b2c3d4-5678-90ab-cdef-111111111111"); len(got) != 0 {
		t.Errorf("ListDistributionsByWebACLId(classic ID) = %v, want none", got)
	}

	// If-Match is optional; without it the association goes through.
	dis, err := f.cf.DisassociateDistributionWebACL(ctx, &cloudfront.DisassociateDistributionWebACLInput{Id: id})
	if err != nil {
		t.Fatalf("DisassociateDistributionWebACL: %v", err)
	}
	if aws.ToString(dis.ETag) == aws.ToString(assoc.ETag) {
		t.Errorf("DisassociateDistributionWebACL kept ETag %s", aws.ToString(dis.ETag))
	}
	if got := byACL(testWebACL); len(got) != 0 {
		t.Errorf("after disassociating, ListDistributionsByWebACLId = %v", got)
	}

	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"stale If-Match", func() error {
			_, err := f.cf.AssociateDistributionWebACL(ctx, &cloudfront.AssociateDistributionWebACLInput{Id: id, WebACLArn: aws.String(testWebACL), IfMatch: created.ETag})
			return err
		}, "PreconditionFailed", http.StatusPreconditionFailed},
		{"not a WAF V2 ARN", func() error {
			_, err := f.cf.AssociateDistributionWebACL(ctx, &cloudfront.AssociateDistributionWebACLInput{Id: id, WebACLArn: aws.String("a1b2c3d4-5678-90ab-cdef-111111111111")})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"regional web ACL", func() error {
			_, err := f.cf.AssociateDistributionWebACL(ctx, &cloudfront.AssociateDistributionWebACLInput{Id: id,
				WebACLArn: aws.String("arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/site/a1b2c3d4-5678-90ab-cdef-111111111111")})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"unknown distribution", func() error {
			_, err := f.cf.AssociateDistributionWebACL(ctx, &cloudfront.AssociateDistributionWebACLInput{Id: aws.String("ENOSUCH"), WebACLArn: aws.String(testWebACL)})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"disassociate unknown distribution", func() error {
			_, err := f.cf.DisassociateDistributionWebACL(ctx, &cloudfront.DisassociateDistributionWebACLInput{Id: aws.String("ENOSUCH")})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"look-up by a malformed ID", func() error {
			_, err := f.cf.ListDistributionsByWebACLId(ctx, &cloudfront.ListDistributionsByWebACLIdInput{WebACLId: aws.String("not-an-acl")})
			return err
		}, "InvalidWebACLId", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIErr(t, tt.call(), tt.code, tt.status)
		})
	}
}

func TestTenantWebACL(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	dist := f.createMultiTenant("mt-waf")
	created := f.createTenant(dist, "tenant-waf", "waf.example.com")
	id := created.DistributionTenant.Id
	assoc, err := f.cf.AssociateDistributionTenantWebACL(ctx, &cloudfront.AssociateDistributionTenantWebACLInput{Id: id, WebACLArn: aws.String(testWebACL), IfMatch: created.ETag})
	if err != nil {
		t.Fatalf("AssociateDistributionTenantWebACL: %v", err)
	}
	if aws.ToString(assoc.WebACLArn) != testWebACL || aws.ToString(assoc.ETag) == aws.ToString(created.ETag) {
		t.Errorf("AssociateDistributionTenantWebACL answered %+v, ETag %s", assoc, aws.ToString(assoc.ETag))
	}
	got, err := f.cf.GetDistributionTenant(ctx, &cloudfront.GetDistributionTenantInput{Identifier: id})
	if err != nil {
		t.Fatal(err)
	}
	wa := got.DistributionTenant.Customizations
	if wa == nil || wa.WebAcl == nil || wa.WebAcl.Action != types.CustomizationActionTypeOverride || aws.ToString(wa.WebAcl.Arn) != testWebACL {
		t.Errorf("tenant customizations after associating: %+v", wa)
	}
	if _, err := f.cf.DisassociateDistributionTenantWebACL(ctx, &cloudfront.DisassociateDistributionTenantWebACLInput{Id: id, IfMatch: assoc.ETag}); err != nil {
		t.Fatalf("DisassociateDistributionTenantWebACL: %v", err)
	}
	got, err = f.cf.GetDistributionTenant(ctx, &cloudfront.GetDistributionTenantInput{Identifier: id})
	if err != nil {
		t.Fatal(err)
	}
	if c := got.DistributionTenant.Customizations; c != nil && c.WebAcl != nil {
		t.Errorf("tenant still has a web ACL: %+v", c.WebAcl)
	}
	_, err = f.cf.AssociateDistributionTenantWebACL(ctx, &cloudfront.AssociateDistributionTenantWebACLInput{Id: id, WebACLArn: aws.String(testWebACL), IfMatch: assoc.ETag})
	wantAPIErr(t, err, "PreconditionFailed", http.StatusPreconditionFailed)
	_, err = f.cf.AssociateDistributionTenantWebACL(ctx, &cloudfront.AssociateDistributionTenantWebACLInput{Id: aws.String("dt_NOSUCH"), WebACLArn: aws.String(testWebACL)})
	wantAPIErr(t, err, "EntityNotFound", http.StatusNotFound)
	_, err = f.cf.DisassociateDistributionTenantWebACL(ctx, &cloudfront.DisassociateDistributionTenantWebACLInput{Id: aws.String("dt_NOSUCH")})
	wantAPIErr(t, err, "EntityNotFound", http.StatusNotFound)
	_, err = f.cf.AssociateDistributionTenantWebACL(ctx, &cloudfront.AssociateDistributionTenantWebACLInput{Id: id, WebACLArn: aws.String("arn:aws:s3:::bucket")})
	wantAPIErr(t, err, "InvalidArgument", http.StatusBadRequest)
}

// TestWebACLSurvivesRestart: the association is the distribution's
// config, so it is stored with it.
func TestWebACLSurvivesRestart(t *testing.T) {
	start := restartable(t, t.TempDir()+"/state.db", harness.NewClock(t0))
	cf, stop := start()
	created, err := cf.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: sdkConfig("waf-restart")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cf.AssociateDistributionWebACL(t.Context(), &cloudfront.AssociateDistributionWebACLInput{Id: created.Distribution.Id, WebACLArn: aws.String(testWebACL)}); err != nil {
		t.Fatal(err)
	}
	stop()
	cf, stop = start()
	defer stop()
	out, err := cf.ListDistributionsByWebACLId(t.Context(), &cloudfront.ListDistributionsByWebACLIdInput{WebACLId: aws.String(testWebACL)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.DistributionList.Quantity) != 1 {
		t.Errorf("after a restart, ListDistributionsByWebACLId: %+v", out.DistributionList)
	}
}

// TestWebACLIDEscaped: a WAF V2 ARN in the look-up's path holds slashes,
// which a client escapes; a raw request with them escaped is served too.
func TestWebACLIDEscaped(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do("GET", "/2020-05-31/distributionsByWebACLId/"+url.PathEscape(testWebACL), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got HTTP %d %s, want 200", resp.StatusCode, body)
	}
}

// TestDistributionWebACLIdForm: CreateDistribution and UpdateDistribution
// take as WebACLId a WAF V2 web ACL's ARN (scope CLOUDFRONT) or a WAF
// Classic web ACL's ID, and a multi-tenant distribution only the former,
// as the model's DistributionConfig.WebACLId documents; anything else is
// InvalidWebACLId (before: stored as sent).
func TestDistributionWebACLIdForm(t *testing.T) {
	const classic = "a1b2c3d4-5678-90ab-cdef-333333333333"
	tests := []struct {
		name, acl string
		multi     bool
		code      string // "" accepted
	}{
		{"WAF V2 ARN", testWebACL, false, ""},
		{"WAF Classic ID", classic, false, ""},
		{"WAF V2 ARN on a multi-tenant distribution", testWebACL, true, ""},
		{"not an ACL", "not-an-acl", false, "InvalidWebACLId"},
		{"regional WAF V2 ARN", "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/site/a1b2c3d4-5678-90ab-cdef-111111111111", false, "InvalidWebACLId"},
		{"WAF Classic ID on a multi-tenant distribution", classic, true, "InvalidWebACLId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			cfg := sdkConfig("waf-form")
			if tt.multi {
				cfg.ConnectionMode = types.ConnectionModeTenantOnly
			}
			cfg.WebACLId = aws.String(tt.acl)
			_, err := f.cf.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
			if tt.code == "" {
				if err != nil {
					t.Fatalf("CreateDistribution with WebACLId %q: %v", tt.acl, err)
				}
				return
			}
			wantAPIErr(t, err, tt.code, http.StatusBadRequest)
			// The same value through UpdateDistribution.
			cfg.WebACLId = aws.String("")
			created, err := f.cf.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
			if err != nil {
				t.Fatalf("CreateDistribution without a web ACL: %v", err)
			}
			err = f.editDist(aws.ToString(created.Distribution.Id), func(c *types.DistributionConfig) { c.WebACLId = aws.String(tt.acl) })
			wantAPIErr(t, err, tt.code, http.StatusBadRequest)
		})
	}
}
