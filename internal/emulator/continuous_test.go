package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/emulator"
)

// Continuous deployment (issue 27): policies, CopyDistribution, the
// staging rules of Create/Update/DeleteDistribution and promotion, through
// the real SDK.

func headerPolicy(dns, header, value string, enabled bool) *types.ContinuousDeploymentPolicyConfig {
	return &types.ContinuousDeploymentPolicyConfig{
		Enabled:                     aws.Bool(enabled),
		StagingDistributionDnsNames: &types.StagingDistributionDnsNames{Quantity: aws.Int32(1), Items: []string{dns}},
		TrafficConfig: &types.TrafficConfig{Type: types.ContinuousDeploymentPolicyTypeSingleHeader,
			SingleHeaderConfig: &types.ContinuousDeploymentSingleHeaderConfig{Header: aws.String(header), Value: aws.String(value)}},
	}
}

func weightPolicy(dns string, weight float32, idle, max int32) *types.ContinuousDeploymentPolicyConfig {
	c := &types.ContinuousDeploymentPolicyConfig{
		Enabled:                     aws.Bool(true),
		StagingDistributionDnsNames: &types.StagingDistributionDnsNames{Quantity: aws.Int32(1), Items: []string{dns}},
		TrafficConfig: &types.TrafficConfig{Type: types.ContinuousDeploymentPolicyTypeSingleWeight,
			SingleWeightConfig: &types.ContinuousDeploymentSingleWeightConfig{Weight: aws.Float32(weight)}},
	}
	if idle > 0 {
		c.TrafficConfig.SingleWeightConfig.SessionStickinessConfig = &types.SessionStickinessConfig{IdleTTL: aws.Int32(idle), MaximumTTL: aws.Int32(max)}
	}
	return c
}

// copyStaging copies distribution primary (ETag etag) to a new staging
// distribution.
func (f *fixture) copyStaging(primary, etag, ref string) *cloudfront.CopyDistributionOutput {
	f.t.Helper()
	out, err := f.cf.CopyDistribution(f.t.Context(), &cloudfront.CopyDistributionInput{
		PrimaryDistributionId: aws.String(primary), CallerReference: aws.String(ref), Staging: aws.Bool(true), IfMatch: aws.String(etag)})
	if err != nil {
		f.t.Fatalf("CopyDistribution(%s): %v", primary, err)
	}
	return out
}

// setPolicy updates distribution id so its ContinuousDeploymentPolicyId is
// policy, and returns the update's answer and error.
func (f *fixture) setPolicy(id, policy string) (*cloudfront.UpdateDistributionOutput, error) {
	f.t.Helper()
	cur, err := f.cf.GetDistributionConfig(f.t.Context(), &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if err != nil {
		f.t.Fatalf("GetDistributionConfig(%s): %v", id, err)
	}
	c := cur.DistributionConfig
	c.ContinuousDeploymentPolicyId = aws.String(policy)
	return f.cf.UpdateDistribution(f.t.Context(), &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: cur.ETag, DistributionConfig: c})
}

// stagingPair creates a primary and its staging copy.
func (f *fixture) stagingPair(ref string) (primary *cloudfront.CreateDistributionOutput, staging *cloudfront.CopyDistributionOutput) {
	f.t.Helper()
	primary = f.createDist(ref)
	staging = f.copyStaging(aws.ToString(primary.Distribution.Id), aws.ToString(primary.ETag), ref+"-staging")
	return primary, staging
}

func TestContinuousDeploymentPolicies(t *testing.T) {
	for _, st := range []string{"mem", "bolt"} {
		t.Run(st, func(t *testing.T) {
			var edit []func(*emulator.Options)
			if st == "bolt" {
				edit = append(edit, withBolt(t))
			}
			f := newFixture(t, edit...)
			ctx := t.Context()
			primary, staging := f.stagingPair("p")
			primaryID, dns := aws.ToString(primary.Distribution.Id), aws.ToString(staging.Distribution.DomainName)

			created, err := f.cf.CreateContinuousDeploymentPolicy(ctx, &cloudfront.CreateContinuousDeploymentPolicyInput{
				ContinuousDeploymentPolicyConfig: headerPolicy(dns, "aws-cf-cd-test", "blue", true)})
			if err != nil {
				t.Fatal(err)
			}
			p := created.ContinuousDeploymentPolicy
			id := aws.ToString(p.Id)
			if !strings.HasSuffix(aws.ToString(created.Location), "/2020-05-31/continuous-deployment-policy/"+id) ||
				!etagPattern.MatchString(aws.ToString(created.ETag)) || p.LastModifiedTime == nil || len(id) != 36 {
				t.Errorf("created: Id %q Location %q ETag %q LastModifiedTime %v", id, aws.ToString(created.Location), aws.ToString(created.ETag), p.LastModifiedTime)
			}

			got, err := f.cf.GetContinuousDeploymentPolicy(ctx, &cloudfront.GetContinuousDeploymentPolicyInput{Id: &id})
			if err != nil || aws.ToString(got.ETag) != aws.ToString(created.ETag) ||
				aws.ToString(got.ContinuousDeploymentPolicy.ContinuousDeploymentPolicyConfig.TrafficConfig.SingleHeaderConfig.Value) != "blue" {
				t.Fatalf("GetContinuousDeploymentPolicy = %+v, %v", got, err)
			}
			cfg, err := f.cf.GetContinuousDeploymentPolicyConfig(ctx, &cloudfront.GetContinuousDeploymentPolicyConfigInput{Id: &id})
			if err != nil || cfg.ContinuousDeploymentPolicyConfig.StagingDistributionDnsNames.Items[0] != dns {
				t.Fatalf("GetContinuousDeploymentPolicyConfig = %+v, %v", cfg, err)
			}
			list, err := f.cf.ListContinuousDeploymentPolicies(ctx, &cloudfront.ListContinuousDeploymentPoliciesInput{})
			if err != nil || aws.ToInt32(list.ContinuousDeploymentPolicyList.Quantity) != 1 ||
				aws.ToString(list.ContinuousDeploymentPolicyList.Items[0].ContinuousDeploymentPolicy.Id) != id {
				t.Fatalf("ListContinuousDeploymentPolicies = %+v, %v", list, err)
			}

			// One policy per staging distribution.
			_, err = f.cf.CreateContinuousDeploymentPolicy(ctx, &cloudfront.CreateContinuousDeploymentPolicyInput{
				ContinuousDeploymentPolicyConfig: weightPolicy(dns, 0.1, 0, 0)})
			wantAPIErr(t, err, "StagingDistributionInUse", 409)

			for _, tt := range []struct {
				name, ifMatch, code string
				status              int
			}{
				{"no If-Match", "", "InvalidIfMatchVersion", 400},
				{"stale If-Match", "ESTALE", "PreconditionFailed", 412},
			} {
				t.Run("update "+tt.name, func(t *testing.T) {
					in := &cloudfront.UpdateContinuousDeploymentPolicyInput{Id: &id, ContinuousDeploymentPolicyConfig: weightPolicy(dns, 0.1, 0, 0)}
					if tt.ifMatch != "" {
						in.IfMatch = aws.String(tt.ifMatch)
					}
					_, err := f.cf.UpdateContinuousDeploymentPolicy(ctx, in)
					wantAPIErr(t, err, tt.code, tt.status)
				})
				t.Run("delete "+tt.name, func(t *testing.T) {
					in := &cloudfront.DeleteContinuousDeploymentPolicyInput{Id: &id}
					if tt.ifMatch != "" {
						in.IfMatch = aws.String(tt.ifMatch)
					}
					_, err := f.cf.DeleteContinuousDeploymentPolicy(ctx, in)
					wantAPIErr(t, err, tt.code, tt.status)
				})
			}
			up, err := f.cf.UpdateContinuousDeploymentPolicy(ctx, &cloudfront.UpdateContinuousDeploymentPolicyInput{
				Id: &id, IfMatch: created.ETag, ContinuousDeploymentPolicyConfig: weightPolicy(dns, 0.15, 300, 3600)})
			if err != nil || aws.ToString(up.ETag) == aws.ToString(created.ETag) ||
				aws.ToFloat32(up.ContinuousDeploymentPolicy.ContinuousDeploymentPolicyConfig.TrafficConfig.SingleWeightConfig.Weight) != 0.15 {
				t.Fatalf("UpdateContinuousDeploymentPolicy = %+v, %v", up, err)
			}

			// In use by the primary: not deleted.
			if _, err := f.setPolicy(primaryID, id); err != nil {
				t.Fatalf("attach the policy: %v", err)
			}
			_, err = f.cf.DeleteContinuousDeploymentPolicy(ctx, &cloudfront.DeleteContinuousDeploymentPolicyInput{Id: &id, IfMatch: up.ETag})
			wantAPIErr(t, err, "ContinuousDeploymentPolicyInUse", 409)
			if _, err := f.setPolicy(primaryID, ""); err != nil {
				t.Fatalf("detach the policy: %v", err)
			}
			if _, err := f.cf.DeleteContinuousDeploymentPolicy(ctx, &cloudfront.DeleteContinuousDeploymentPolicyInput{Id: &id, IfMatch: up.ETag}); err != nil {
				t.Fatalf("DeleteContinuousDeploymentPolicy: %v", err)
			}
			_, err = f.cf.GetContinuousDeploymentPolicy(ctx, &cloudfront.GetContinuousDeploymentPolicyInput{Id: &id})
			wantAPIErr(t, err, "NoSuchContinuousDeploymentPolicy", 404)
		})
	}
}

// TestContinuousDeploymentPolicyErrors sends each kind of bad config and
// checks CloudFront's error code; nothing is created.
func TestContinuousDeploymentPolicyErrors(t *testing.T) {
	f := newFixture(t)
	primary, staging := f.stagingPair("p")
	dns := aws.ToString(staging.Distribution.DomainName)
	edit := func(c *types.ContinuousDeploymentPolicyConfig, e func(c *types.ContinuousDeploymentPolicyConfig)) *types.ContinuousDeploymentPolicyConfig {
		e(c)
		return c
	}
	tests := []struct {
		name   string
		config *types.ContinuousDeploymentPolicyConfig
		code   string
		status int
	}{
		{"no staging domain name", edit(headerPolicy(dns, "aws-cf-cd-x", "1", true), func(c *types.ContinuousDeploymentPolicyConfig) {
			c.StagingDistributionDnsNames = &types.StagingDistributionDnsNames{Quantity: aws.Int32(0)}
		}), "InvalidArgument", 400},
		{"two staging domain names", edit(headerPolicy(dns, "aws-cf-cd-x", "1", true), func(c *types.ContinuousDeploymentPolicyConfig) {
			c.StagingDistributionDnsNames = &types.StagingDistributionDnsNames{Quantity: aws.Int32(2), Items: []string{dns, dns}}
		}), "InvalidArgument", 400},
		{"quantity not the items", edit(headerPolicy(dns, "aws-cf-cd-x", "1", true), func(c *types.ContinuousDeploymentPolicyConfig) {
			c.StagingDistributionDnsNames.Quantity = aws.Int32(3)
		}), "InconsistentQuantities", 400},
		{"unknown domain name", headerPolicy("d0000000000000.cloudfront.net", "aws-cf-cd-x", "1", true), "InvalidArgument", 400},
		{"the primary's domain name", headerPolicy(aws.ToString(primary.Distribution.DomainName), "aws-cf-cd-x", "1", true), "InvalidArgument", 400},
		{"weight over 0.15", weightPolicy(dns, 0.16, 0, 0), "InvalidArgument", 400},
		{"negative weight", weightPolicy(dns, -0.01, 0, 0), "InvalidArgument", 400},
		{"idle TTL under 300", weightPolicy(dns, 0.1, 299, 600), "InvalidArgument", 400},
		{"maximum TTL over 3600", weightPolicy(dns, 0.1, 300, 3601), "InvalidArgument", 400},
		{"idle TTL over maximum", weightPolicy(dns, 0.1, 900, 600), "InvalidArgument", 400},
		{"header without the prefix", headerPolicy(dns, "x-staging", "1", true), "InvalidArgument", 400},
		{"header only the prefix", headerPolicy(dns, "aws-cf-cd-", "1", true), "InvalidArgument", 400},
		{"header not a token", headerPolicy(dns, "aws-cf-cd-a b", "1", true), "InvalidArgument", 400},
		{"empty header value", headerPolicy(dns, "aws-cf-cd-x", "", true), "InvalidArgument", 400},
		{"weight type with a header config", edit(weightPolicy(dns, 0.1, 0, 0), func(c *types.ContinuousDeploymentPolicyConfig) {
			c.TrafficConfig.SingleHeaderConfig = &types.ContinuousDeploymentSingleHeaderConfig{Header: aws.String("aws-cf-cd-x"), Value: aws.String("1")}
		}), "InvalidArgument", 400},
		{"header type without its config", edit(headerPolicy(dns, "aws-cf-cd-x", "1", true), func(c *types.ContinuousDeploymentPolicyConfig) {
			c.TrafficConfig.SingleHeaderConfig = nil
		}), "InvalidArgument", 400},
		{"unknown type", edit(headerPolicy(dns, "aws-cf-cd-x", "1", true), func(c *types.ContinuousDeploymentPolicyConfig) {
			c.TrafficConfig.Type = "Split"
		}), "InvalidArgument", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cf.CreateContinuousDeploymentPolicy(t.Context(), &cloudfront.CreateContinuousDeploymentPolicyInput{ContinuousDeploymentPolicyConfig: tt.config})
			wantAPIErr(t, err, tt.code, tt.status)
		})
	}
	t.Run("weight not a number", func(t *testing.T) {
		resp, body := f.do("POST", "/2020-05-31/continuous-deployment-policy", stringsReader(`<ContinuousDeploymentPolicyConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">`+
			`<StagingDistributionDnsNames><Quantity>1</Quantity><Items><DnsName>`+dns+`</DnsName></Items></StagingDistributionDnsNames><Enabled>true</Enabled>`+
			`<TrafficConfig><SingleWeightConfig><Weight>ten percent</Weight></SingleWeightConfig><Type>SingleWeight</Type></TrafficConfig></ContinuousDeploymentPolicyConfig>`))
		wantRawErr(t, resp, body, "MalformedXML", 400, "did not validate")
	})
	list, err := f.cf.ListContinuousDeploymentPolicies(t.Context(), &cloudfront.ListContinuousDeploymentPoliciesInput{})
	if err != nil || aws.ToInt32(list.ContinuousDeploymentPolicyList.Quantity) != 0 {
		t.Fatalf("after the refusals: %+v, %v; want no policy", list, err)
	}
}

func TestContinuousDeploymentPolicyQuota(t *testing.T) {
	f := newFixture(t)
	p := f.createDist("p")
	for i := range 20 {
		s := f.copyStaging(aws.ToString(p.Distribution.Id), aws.ToString(p.ETag), "s"+itoa(int64(i)))
		if _, err := f.cf.CreateContinuousDeploymentPolicy(t.Context(), &cloudfront.CreateContinuousDeploymentPolicyInput{
			ContinuousDeploymentPolicyConfig: weightPolicy(aws.ToString(s.Distribution.DomainName), 0.05, 0, 0)}); err != nil {
			t.Fatalf("policy %d: %v", i+1, err)
		}
	}
	s := f.copyStaging(aws.ToString(p.Distribution.Id), aws.ToString(p.ETag), "s20")
	_, err := f.cf.CreateContinuousDeploymentPolicy(t.Context(), &cloudfront.CreateContinuousDeploymentPolicyInput{
		ContinuousDeploymentPolicyConfig: weightPolicy(aws.ToString(s.Distribution.DomainName), 0.05, 0, 0)})
	wantAPIErr(t, err, "TooManyContinuousDeploymentPolicies", 400)
}

func TestCopyDistribution(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	c := sdkConfig("primary")
	c.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{"www.example.com"}}
	primary, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
	if err != nil {
		t.Fatal(err)
	}
	pid := aws.ToString(primary.Distribution.Id)
	copied, err := f.cf.CopyDistribution(ctx, &cloudfront.CopyDistributionInput{
		PrimaryDistributionId: &pid, CallerReference: aws.String("staging-1"), Staging: aws.Bool(true), IfMatch: primary.ETag})
	if err != nil {
		t.Fatalf("CopyDistribution: %v", err)
	}
	d := copied.Distribution
	sc := d.DistributionConfig
	if aws.ToString(d.Id) == pid || aws.ToString(d.DomainName) == aws.ToString(primary.Distribution.DomainName) ||
		!strings.HasSuffix(aws.ToString(copied.Location), "/2020-05-31/distribution/"+aws.ToString(d.Id)) || !etagPattern.MatchString(aws.ToString(copied.ETag)) {
		t.Errorf("copy: Id %s DomainName %s Location %s ETag %s", aws.ToString(d.Id), aws.ToString(d.DomainName), aws.ToString(copied.Location), aws.ToString(copied.ETag))
	}
	if !aws.ToBool(sc.Staging) || !aws.ToBool(sc.Enabled) || aws.ToString(sc.CallerReference) != "staging-1" ||
		aws.ToInt32(sc.Aliases.Quantity) != 0 || aws.ToString(sc.Comment) != "test distribution" ||
		aws.ToString(sc.DefaultCacheBehavior.CachePolicyId) != aws.ToString(c.DefaultCacheBehavior.CachePolicyId) {
		t.Errorf("copied config: Staging %v Enabled %v CallerReference %q Aliases %d Comment %q", aws.ToBool(sc.Staging), aws.ToBool(sc.Enabled),
			aws.ToString(sc.CallerReference), aws.ToInt32(sc.Aliases.Quantity), aws.ToString(sc.Comment))
	}
	disabled, err := f.cf.CopyDistribution(ctx, &cloudfront.CopyDistributionInput{
		PrimaryDistributionId: &pid, CallerReference: aws.String("staging-2"), Staging: aws.Bool(true), Enabled: aws.Bool(false)})
	if err != nil || aws.ToBool(disabled.Distribution.DistributionConfig.Enabled) {
		t.Fatalf("CopyDistribution Enabled false, no If-Match: %+v, %v", disabled, err)
	}

	tests := []struct {
		name   string
		in     cloudfront.CopyDistributionInput
		code   string
		status int
	}{
		{"no Staging", cloudfront.CopyDistributionInput{PrimaryDistributionId: &pid, CallerReference: aws.String("x1")}, "InvalidArgument", 400},
		{"Staging false", cloudfront.CopyDistributionInput{PrimaryDistributionId: &pid, CallerReference: aws.String("x2"), Staging: aws.Bool(false)}, "InvalidArgument", 400},
		{"stale If-Match", cloudfront.CopyDistributionInput{PrimaryDistributionId: &pid, CallerReference: aws.String("x3"), Staging: aws.Bool(true), IfMatch: aws.String("ESTALE")}, "PreconditionFailed", 412},
		{"unknown primary", cloudfront.CopyDistributionInput{PrimaryDistributionId: aws.String("E000000000000"), CallerReference: aws.String("x4"), Staging: aws.Bool(true)}, "NoSuchDistribution", 404},
		{"reused CallerReference", cloudfront.CopyDistributionInput{PrimaryDistributionId: &pid, CallerReference: aws.String("primary"), Staging: aws.Bool(true)}, "DistributionAlreadyExists", 409},
		{"empty CallerReference", cloudfront.CopyDistributionInput{PrimaryDistributionId: &pid, CallerReference: aws.String(""), Staging: aws.Bool(true)}, "InvalidArgument", 400},
		{"copy of a staging distribution", cloudfront.CopyDistributionInput{PrimaryDistributionId: d.Id, CallerReference: aws.String("x5"), Staging: aws.Bool(true)}, "InvalidArgument", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cf.CopyDistribution(ctx, &tt.in)
			wantAPIErr(t, err, tt.code, tt.status)
		})
	}
}

func TestStagingDistributionRules(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	primary, staging := f.stagingPair("p")
	pid, sid := aws.ToString(primary.Distribution.Id), aws.ToString(staging.Distribution.Id)
	pol, err := f.cf.CreateContinuousDeploymentPolicy(ctx, &cloudfront.CreateContinuousDeploymentPolicyInput{
		ContinuousDeploymentPolicyConfig: headerPolicy(aws.ToString(staging.Distribution.DomainName), "aws-cf-cd-test", "1", true)})
	if err != nil {
		t.Fatal(err)
	}
	polID := aws.ToString(pol.ContinuousDeploymentPolicy.Id)

	t.Run("create with a policy", func(t *testing.T) {
		c := sdkConfig("with-policy")
		c.ContinuousDeploymentPolicyId = &polID
		_, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
		wantAPIErr(t, err, "InvalidArgument", 400)
		if !strings.Contains(err.Error(), "Continuous deployment policy is not supported during distribution creation.") {
			t.Errorf("message: %v", err)
		}
	})
	t.Run("create a staging distribution with aliases", func(t *testing.T) {
		c := sdkConfig("staging-aliases")
		c.Staging = aws.Bool(true)
		c.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{"staging.example.com"}}
		_, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
		wantAPIErr(t, err, "InvalidArgument", 400)
	})
	t.Run("create a staging distribution", func(t *testing.T) {
		c := sdkConfig("staging-created")
		c.Staging = aws.Bool(true)
		out, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
		if err != nil || !aws.ToBool(out.Distribution.DistributionConfig.Staging) {
			t.Fatalf("CreateDistribution Staging true: %+v, %v", out, err)
		}
	})
	update := func(t *testing.T, id string, e func(c *types.DistributionConfig)) error {
		t.Helper()
		cur, err := f.cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: &id})
		if err != nil {
			t.Fatal(err)
		}
		e(cur.DistributionConfig)
		_, err = f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: &id, IfMatch: cur.ETag, DistributionConfig: cur.DistributionConfig})
		return err
	}
	tests := []struct {
		name   string
		id     string
		edit   func(c *types.DistributionConfig)
		code   string
		status int
	}{
		{"staging to primary", sid, func(c *types.DistributionConfig) { c.Staging = aws.Bool(false) }, "IllegalUpdate", 400},
		{"primary to staging", pid, func(c *types.DistributionConfig) { c.Staging = aws.Bool(true) }, "IllegalUpdate", 400},
		{"aliases on staging", sid, func(c *types.DistributionConfig) {
			c.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{"staging.example.com"}}
		}, "InvalidArgument", 400},
		{"policy on staging", sid, func(c *types.DistributionConfig) { c.ContinuousDeploymentPolicyId = &polID }, "InvalidArgument", 400},
		{"unknown policy", pid, func(c *types.DistributionConfig) {
			c.ContinuousDeploymentPolicyId = aws.String("00000000-0000-4000-8000-000000000000")
		}, "NoSuchContinuousDeploymentPolicy", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantAPIErr(t, update(t, tt.id, tt.edit), tt.code, tt.status) })
	}

	if _, err := f.setPolicy(pid, polID); err != nil {
		t.Fatalf("attach: %v", err)
	}
	t.Run("policy of a second primary", func(t *testing.T) {
		other := f.createDist("other")
		_, err := f.setPolicy(aws.ToString(other.Distribution.Id), polID)
		wantAPIErr(t, err, "ContinuousDeploymentPolicyInUse", 409)
	})
	t.Run("delete the staging distribution in use", func(t *testing.T) {
		if err := update(t, sid, func(c *types.DistributionConfig) { c.Enabled = aws.Bool(false) }); err != nil {
			t.Fatal(err)
		}
		cur, err := f.cf.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: &sid})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.cf.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: &sid, IfMatch: cur.ETag})
		wantAPIErr(t, err, "ResourceInUse", 409)
		if _, err := f.setPolicy(pid, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.cf.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: &sid, IfMatch: cur.ETag}); err != nil {
			t.Fatalf("delete once detached: %v", err)
		}
	})
}

func TestPromoteStagingConfig(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	c := sdkConfig("primary")
	c.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{"www.example.com"}}
	c.Comment = aws.String("v1")
	primary, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
	if err != nil {
		t.Fatal(err)
	}
	pid := aws.ToString(primary.Distribution.Id)
	staging := f.copyStaging(pid, aws.ToString(primary.ETag), "staging")
	sid := aws.ToString(staging.Distribution.Id)
	sc := staging.Distribution.DistributionConfig
	sc.Comment = aws.String("v2")
	sc.DefaultRootObject = aws.String("index.html")
	supd, err := f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: &sid, IfMatch: staging.ETag, DistributionConfig: sc})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := f.cf.CreateContinuousDeploymentPolicy(ctx, &cloudfront.CreateContinuousDeploymentPolicyInput{
		ContinuousDeploymentPolicyConfig: headerPolicy(aws.ToString(staging.Distribution.DomainName), "aws-cf-cd-test", "1", true)})
	if err != nil {
		t.Fatal(err)
	}
	polID := aws.ToString(pol.ContinuousDeploymentPolicy.Id)
	att, err := f.setPolicy(pid, polID)
	if err != nil {
		t.Fatal(err)
	}
	both := aws.ToString(att.ETag) + ", " + aws.ToString(supd.ETag)

	tests := []struct {
		name               string
		stagingID, ifMatch string
		code               string
		status             int
	}{
		{"no If-Match", sid, "", "InvalidIfMatchVersion", 400},
		{"one ETag", sid, aws.ToString(att.ETag), "InvalidIfMatchVersion", 400},
		{"three ETags", sid, both + ", EX", "InvalidIfMatchVersion", 400},
		{"stale primary ETag", sid, "ESTALE, " + aws.ToString(supd.ETag), "PreconditionFailed", 412},
		{"stale staging ETag", sid, aws.ToString(att.ETag) + ", ESTALE", "PreconditionFailed", 412},
		{"no staging ID", "", both, "InvalidArgument", 400},
		{"unknown staging", "E000000000000", both, "NoSuchDistribution", 404},
		{"not a staging distribution", pid, both, "InvalidArgument", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &cloudfront.UpdateDistributionWithStagingConfigInput{Id: &pid}
			if tt.stagingID != "" {
				in.StagingDistributionId = aws.String(tt.stagingID)
			}
			if tt.ifMatch != "" {
				in.IfMatch = aws.String(tt.ifMatch)
			}
			_, err := f.cf.UpdateDistributionWithStagingConfig(ctx, in)
			wantAPIErr(t, err, tt.code, tt.status)
		})
	}

	out, err := f.cf.UpdateDistributionWithStagingConfig(ctx, &cloudfront.UpdateDistributionWithStagingConfigInput{
		Id: &pid, StagingDistributionId: &sid, IfMatch: aws.String(both)})
	if err != nil {
		t.Fatalf("UpdateDistributionWithStagingConfig: %v", err)
	}
	pc := out.Distribution.DistributionConfig
	if aws.ToString(out.ETag) == aws.ToString(att.ETag) || aws.ToString(out.Distribution.Id) != pid ||
		aws.ToString(pc.Comment) != "v2" || aws.ToString(pc.DefaultRootObject) != "index.html" ||
		aws.ToBool(pc.Staging) || aws.ToString(pc.CallerReference) != "primary" ||
		aws.ToString(pc.ContinuousDeploymentPolicyId) != polID ||
		aws.ToInt32(pc.Aliases.Quantity) != 1 || pc.Aliases.Items[0] != "www.example.com" {
		t.Errorf("promoted primary: ETag %s Comment %q DefaultRootObject %q Staging %v CallerReference %q policy %q aliases %v",
			aws.ToString(out.ETag), aws.ToString(pc.Comment), aws.ToString(pc.DefaultRootObject), aws.ToBool(pc.Staging),
			aws.ToString(pc.CallerReference), aws.ToString(pc.ContinuousDeploymentPolicyId), pc.Aliases.Items)
	}
	got, err := f.cf.GetContinuousDeploymentPolicy(ctx, &cloudfront.GetContinuousDeploymentPolicyInput{Id: &polID})
	if err != nil || aws.ToBool(got.ContinuousDeploymentPolicy.ContinuousDeploymentPolicyConfig.Enabled) || aws.ToString(got.ETag) == aws.ToString(pol.ETag) {
		t.Errorf("the policy after promotion: %+v, %v; want it disabled, with a new ETag", got, err)
	}
}
