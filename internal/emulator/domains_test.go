package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
)

// createAliased creates a distribution with aliases and, when cert, an
// ACM certificate of its own.
func (f *fixture) createAliased(ref string, cert bool, aliases ...string) *cloudfront.CreateDistributionOutput {
	f.t.Helper()
	cfg := sdkConfig(ref)
	cfg.Aliases = &types.Aliases{Quantity: aws.Int32(int32(len(aliases))), Items: aliases}
	if cert {
		cfg.ViewerCertificate = &types.ViewerCertificate{
			ACMCertificateArn:      aws.String("arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"),
			SSLSupportMethod:       types.SSLSupportMethodSniOnly,
			MinimumProtocolVersion: types.MinimumProtocolVersionTLSv122021,
		}
	}
	out, err := f.cf.CreateDistribution(f.t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		f.t.Fatalf("CreateDistribution %s: %v", ref, err)
	}
	return out
}

func (f *fixture) aliases(id *string) []string {
	f.t.Helper()
	got, err := f.cf.GetDistributionConfig(f.t.Context(), &cloudfront.GetDistributionConfigInput{Id: id})
	if err != nil {
		f.t.Fatal(err)
	}
	if got.DistributionConfig.Aliases == nil {
		return nil
	}
	return got.DistributionConfig.Aliases.Items
}

// TestAssociateAlias covers issue 27's AssociateAlias: the alias moves
// from the distribution that has it to the target, both get a new ETag,
// and the target's certificate, kind and existence are checked.
func TestAssociateAlias(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	src := f.createAliased("src", true, "www.example.com", "static.example.com")
	dst := f.createAliased("dst", true, "new.example.com")
	if _, err := f.cf.AssociateAlias(ctx, &cloudfront.AssociateAliasInput{TargetDistributionId: dst.Distribution.Id, Alias: aws.String("www.example.com")}); err != nil {
		t.Fatalf("AssociateAlias: %v", err)
	}
	if diff := cmp.Diff([]string{"static.example.com"}, f.aliases(src.Distribution.Id)); diff != "" {
		t.Errorf("source aliases (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"new.example.com", "www.example.com"}, f.aliases(dst.Distribution.Id)); diff != "" {
		t.Errorf("target aliases (-want +got):\n%s", diff)
	}
	got, err := f.cf.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: src.Distribution.Id})
	if err != nil || aws.ToString(got.ETag) == aws.ToString(src.ETag) {
		t.Errorf("source ETag after the move = %s (was %s), %v", aws.ToString(got.ETag), aws.ToString(src.ETag), err)
	}
	// Again: nothing to move, the target keeps it once.
	if _, err := f.cf.AssociateAlias(ctx, &cloudfront.AssociateAliasInput{TargetDistributionId: dst.Distribution.Id, Alias: aws.String("www.example.com")}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.aliases(dst.Distribution.Id)); n != 2 {
		t.Errorf("target has %d aliases after a repeat, want 2", n)
	}

	noCert := f.createAliased("no-cert", false)
	multi := f.createMultiTenant("multi-alias")
	tests := []struct {
		name, target, alias, code string
		status                    int
	}{
		{"unknown target", "ENOSUCHDIST", "www.example.com", "NoSuchDistribution", 404},
		{"default certificate", aws.ToString(noCert.Distribution.Id), "www.example.com", "InvalidArgument", 400},
		{"multi-tenant target", multi, "www.example.com", "InvalidArgument", 400},
		{"not a domain", aws.ToString(dst.Distribution.Id), "not a domain", "InvalidArgument", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cf.AssociateAlias(ctx, &cloudfront.AssociateAliasInput{TargetDistributionId: aws.String(tt.target), Alias: aws.String(tt.alias)})
			wantAPIErr(t, err, tt.code, tt.status)
		})
	}
}

// TestConflictingAliasesAndDomains covers ListConflictingAliases and
// ListDomainConflicts: exact and wildcard overlaps (one label) among the
// other distributions and tenants, partially hidden IDs in the former,
// paging and the errors.
func TestConflictingAliasesAndDomains(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	// mine has a certificate for www.example.com but not the alias, which
	// exact has: CloudFront refuses one name on two distributions.
	mine := f.createAliased("mine", true)
	wild := f.createAliased("wild", true, "*.example.com")
	exact := f.createAliased("exact", true, "www.example.com", "other.test")
	f.createAliased("deeper", true, "a.b.example.com")
	multi := f.createMultiTenant("domains")
	tenant, err := f.cf.CreateDistributionTenant(ctx, &cloudfront.CreateDistributionTenantInput{DistributionId: aws.String(multi), Name: aws.String("tenant-www"),
		Domains: []types.DomainItem{{Domain: aws.String("shop.example.com")}}})
	if err != nil {
		t.Fatal(err)
	}

	list, err := f.cf.ListConflictingAliases(ctx, &cloudfront.ListConflictingAliasesInput{DistributionId: mine.Distribution.Id, Alias: aws.String("www.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range list.ConflictingAliasesList.Items {
		got = append(got, aws.ToString(c.Alias))
		if id := aws.ToString(c.DistributionId); id[0] != '*' || id[len(id)-4:] != aws.ToString(wild.Distribution.Id)[10:] && id[len(id)-4:] != aws.ToString(exact.Distribution.Id)[10:] {
			t.Errorf("DistributionId %q is not partially hidden", id)
		}
		if aws.ToString(c.AccountId) != "********9012" {
			t.Errorf("AccountId = %q, want ********9012", aws.ToString(c.AccountId))
		}
	}
	if diff := cmp.Diff([]string{"*.example.com", "www.example.com"}, got); diff != "" {
		t.Errorf("conflicting aliases (-want +got):\n%s", diff)
	}
	page, err := f.cf.ListConflictingAliases(ctx, &cloudfront.ListConflictingAliasesInput{DistributionId: mine.Distribution.Id, Alias: aws.String("www.example.com"), MaxItems: aws.Int32(1)})
	if err != nil || len(page.ConflictingAliasesList.Items) != 1 || page.ConflictingAliasesList.NextMarker == nil {
		t.Fatalf("page 1 = %+v, %v", page, err)
	}
	page, err = f.cf.ListConflictingAliases(ctx, &cloudfront.ListConflictingAliasesInput{DistributionId: mine.Distribution.Id, Alias: aws.String("www.example.com"),
		MaxItems: aws.Int32(1), Marker: page.ConflictingAliasesList.NextMarker})
	if err != nil || len(page.ConflictingAliasesList.Items) != 1 || aws.ToString(page.ConflictingAliasesList.Items[0].Alias) != "www.example.com" {
		t.Errorf("page 2 = %+v, %v", page, err)
	}

	dc, err := f.cf.ListDomainConflicts(ctx, &cloudfront.ListDomainConflictsInput{Domain: aws.String("*.example.com"),
		DomainControlValidationResource: &types.DistributionResourceId{DistributionId: wild.Distribution.Id}})
	if err != nil {
		t.Fatal(err)
	}
	type conflict struct{ Domain, Type, ID string }
	var conflicts []conflict
	for _, c := range dc.DomainConflicts {
		conflicts = append(conflicts, conflict{aws.ToString(c.Domain), string(c.ResourceType), aws.ToString(c.ResourceId)})
		if aws.ToString(c.AccountId) != "123456789012" {
			t.Errorf("AccountId = %s", aws.ToString(c.AccountId))
		}
	}
	want := []conflict{
		{"www.example.com", "distribution", aws.ToString(exact.Distribution.Id)},
		{"shop.example.com", "distribution-tenant", aws.ToString(tenant.DistributionTenant.Id)},
	}
	if diff := cmp.Diff(want, conflicts); diff != "" {
		t.Errorf("domain conflicts (-want +got):\n%s", diff)
	}

	errs := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"aliases of unknown distribution", func() error {
			_, err := f.cf.ListConflictingAliases(ctx, &cloudfront.ListConflictingAliasesInput{DistributionId: aws.String("ENOSUCHDIST"), Alias: aws.String("www.example.com")})
			return err
		}, "NoSuchDistribution", 404},
		{"aliases, MaxItems over 100", func() error {
			_, err := f.cf.ListConflictingAliases(ctx, &cloudfront.ListConflictingAliasesInput{DistributionId: mine.Distribution.Id, Alias: aws.String("www.example.com"), MaxItems: aws.Int32(101)})
			return err
		}, "InvalidArgument", 400},
		{"domain conflicts, unknown tenant", func() error {
			_, err := f.cf.ListDomainConflicts(ctx, &cloudfront.ListDomainConflictsInput{Domain: aws.String("www.example.com"),
				DomainControlValidationResource: &types.DistributionResourceId{DistributionTenantId: aws.String("dt_NOPE")}})
			return err
		}, "EntityNotFound", 404},
		{"domain conflicts, both resources", func() error {
			_, err := f.cf.ListDomainConflicts(ctx, &cloudfront.ListDomainConflictsInput{Domain: aws.String("www.example.com"),
				DomainControlValidationResource: &types.DistributionResourceId{DistributionId: mine.Distribution.Id, DistributionTenantId: tenant.DistributionTenant.Id}})
			return err
		}, "InvalidArgument", 400},
		{"domain conflicts, bad domain", func() error {
			_, err := f.cf.ListDomainConflicts(ctx, &cloudfront.ListDomainConflictsInput{Domain: aws.String("bad domain"),
				DomainControlValidationResource: &types.DistributionResourceId{DistributionId: mine.Distribution.Id}})
			return err
		}, "InvalidArgument", 400},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIErr(t, tt.call(), tt.code, tt.status)
		})
	}
}

// TestVerifyDnsConfiguration covers VerifyDnsConfiguration: every domain
// of the tenant (named by ID, ARN or name), or the one given, is
// unknown-configuration with a reason, as the emulator looks up no DNS.
func TestVerifyDnsConfiguration(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	multi := f.createMultiTenant("dns")
	tenant, err := f.cf.CreateDistributionTenant(ctx, &cloudfront.CreateDistributionTenantInput{DistributionId: aws.String(multi), Name: aws.String("tenant-dns"),
		Domains: []types.DomainItem{{Domain: aws.String("a.example.com")}, {Domain: aws.String("b.example.com")}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ident, domain string
		want                []string
	}{
		{"by ID, all domains", aws.ToString(tenant.DistributionTenant.Id), "", []string{"a.example.com", "b.example.com"}},
		{"by ARN, one domain", aws.ToString(tenant.DistributionTenant.Arn), "b.example.com", []string{"b.example.com"}},
		{"by name", "tenant-dns", "", []string{"a.example.com", "b.example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &cloudfront.VerifyDnsConfigurationInput{Identifier: aws.String(tt.ident)}
			if tt.domain != "" {
				in.Domain = aws.String(tt.domain)
			}
			out, err := f.cf.VerifyDnsConfiguration(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range out.DnsConfigurationList {
				got = append(got, aws.ToString(c.Domain))
				if c.Status != types.DnsConfigurationStatusUnknown || aws.ToString(c.Reason) == "" {
					t.Errorf("%s: status %s, reason %q; want unknown-configuration with a reason", aws.ToString(c.Domain), c.Status, aws.ToString(c.Reason))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("domains (-want +got):\n%s", diff)
			}
		})
	}
	_, err = f.cf.VerifyDnsConfiguration(ctx, &cloudfront.VerifyDnsConfigurationInput{Identifier: aws.String("dt_NOPE")})
	wantAPIErr(t, err, "EntityNotFound", 404)
	_, err = f.cf.VerifyDnsConfiguration(ctx, &cloudfront.VerifyDnsConfigurationInput{Identifier: tenant.DistributionTenant.Id, Domain: aws.String("c.example.com")})
	wantAPIErr(t, err, "InvalidArgument", 400)
}

// TestAssociateAliasRaced: the target loses its certificate between
// AssociateAlias's checks and its writes (a concurrent writer,
// made certain by a store wrapper). The target's checks must hold in the
// write that gives it the alias, and the source must keep the alias when
// that write is refused.
func TestAssociateAliasRaced(t *testing.T) {
	racer := &updateRacer{Store: store.NewMem()}
	f := newFixture(t, func(o *emulator.Options) { o.Store = racer })
	src := f.createAliased("src", true, "www.example.com")
	dst := f.createAliased("dst", true)
	var raceErr error
	racer.arm(aws.ToString(dst.Distribution.Id), func() {
		raceErr = rawEdit(racer.Store, aws.ToString(dst.Distribution.Id), func(c *distconfig.Node) {
			*c.Child("ViewerCertificate") = distconfig.Node{Name: "ViewerCertificate", Nodes: []*distconfig.Node{{Name: "CloudFrontDefaultCertificate", Text: "true"}}}
		})
	})
	_, err := f.cf.AssociateAlias(t.Context(), &cloudfront.AssociateAliasInput{TargetDistributionId: dst.Distribution.Id, Alias: aws.String("www.example.com")})
	if raceErr != nil {
		t.Fatalf("the racing UpdateDistribution: %v", raceErr)
	}
	code, status := "", 200
	if err != nil {
		code, status = apiErr(t, err)
	}
	if code != "InvalidArgument" || status != 400 {
		t.Errorf("AssociateAlias to a target that lost its certificate: %q (HTTP %d), want InvalidArgument (400)", code, status)
	}
	if diff := cmp.Diff([]string{"www.example.com"}, f.aliases(src.Distribution.Id)); diff != "" {
		t.Errorf("source aliases (-want +got):\n%s", diff)
	}
	if got := f.aliases(dst.Distribution.Id); len(got) != 0 {
		t.Errorf("target aliases: %v, want none", got)
	}
}
