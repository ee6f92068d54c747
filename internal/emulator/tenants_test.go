package emulator_test

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// createMultiTenant creates a multi-tenant (ConnectionMode tenant-only)
// distribution and returns its ID.
func (f *fixture) createMultiTenant(ref string) string {
	f.t.Helper()
	cfg := sdkConfig(ref)
	cfg.ConnectionMode = types.ConnectionModeTenantOnly
	out, err := f.cf.CreateDistribution(f.t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		f.t.Fatalf("CreateDistribution tenant-only: %v", err)
	}
	return *out.Distribution.Id
}

func tenantInput(dist, name string, domains ...string) *cloudfront.CreateDistributionTenantInput {
	in := &cloudfront.CreateDistributionTenantInput{DistributionId: aws.String(dist), Name: aws.String(name)}
	for _, d := range domains {
		in.Domains = append(in.Domains, types.DomainItem{Domain: aws.String(d)})
	}
	return in
}

func (f *fixture) createTenant(dist, name string, domains ...string) *cloudfront.CreateDistributionTenantOutput {
	f.t.Helper()
	out, err := f.cf.CreateDistributionTenant(f.t.Context(), tenantInput(dist, name, domains...))
	if err != nil {
		f.t.Fatalf("CreateDistributionTenant(%s): %v", name, err)
	}
	return out
}

func domainsOf(t *types.DistributionTenant) []string {
	var out []string
	for _, d := range t.Domains {
		out = append(out, *d.Domain+"="+string(d.Status))
	}
	return out
}

func TestTenantLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	dist := f.createMultiTenant("mt")
	created := f.createTenant(dist, "tenant-one", "one.example.com", "www.one.example.com")
	tn := created.DistributionTenant
	if !strings.HasPrefix(*tn.Id, "dt_") || *tn.DistributionId != dist || *tn.Name != "tenant-one" || !*tn.Enabled || *tn.Status != "Deployed" {
		t.Fatalf("created %+v", tn)
	}
	if !strings.HasSuffix(*tn.Arn, ":distribution-tenant/"+*tn.Id) {
		t.Errorf("Arn %s", *tn.Arn)
	}
	if diff := cmp.Diff([]string{"one.example.com=active", "www.one.example.com=active"}, domainsOf(tn)); diff != "" {
		t.Errorf("domains (-want +got):\n%s", diff)
	}

	for _, ident := range []string{*tn.Id, "tenant-one", *tn.Arn} {
		got, err := f.cf.GetDistributionTenant(ctx, &cloudfront.GetDistributionTenantInput{Identifier: aws.String(ident)})
		if err != nil {
			t.Fatalf("GetDistributionTenant(%s): %v", ident, err)
		}
		if *got.DistributionTenant.Id != *tn.Id || *got.ETag != *created.ETag {
			t.Errorf("GetDistributionTenant(%s) = %s ETag %s, want %s ETag %s", ident, *got.DistributionTenant.Id, *got.ETag, *tn.Id, *created.ETag)
		}
	}
	byDomain, err := f.cf.GetDistributionTenantByDomain(ctx, &cloudfront.GetDistributionTenantByDomainInput{Domain: aws.String("WWW.one.example.com")})
	if err != nil || *byDomain.DistributionTenant.Id != *tn.Id {
		t.Fatalf("GetDistributionTenantByDomain: %v", err)
	}

	// Update: a stale If-Match fails, the current one changes the domains.
	upd := &cloudfront.UpdateDistributionTenantInput{
		Id: tn.Id, IfMatch: aws.String("ESTALE"),
		Domains: []types.DomainItem{{Domain: aws.String("new.example.com")}},
	}
	_, err = f.cf.UpdateDistributionTenant(ctx, upd)
	wantAPIErr(t, err, "PreconditionFailed", 412)
	upd.IfMatch = created.ETag
	updated, err := f.cf.UpdateDistributionTenant(ctx, upd)
	if err != nil {
		t.Fatalf("UpdateDistributionTenant: %v", err)
	}
	if *updated.ETag == *created.ETag || *updated.DistributionTenant.Name != "tenant-one" || !*updated.DistributionTenant.Enabled {
		t.Errorf("updated %+v ETag %s", updated.DistributionTenant, *updated.ETag)
	}
	if diff := cmp.Diff([]string{"new.example.com=active"}, domainsOf(updated.DistributionTenant)); diff != "" {
		t.Errorf("updated domains (-want +got):\n%s", diff)
	}

	// Delete: the ETag must match and the tenant must be disabled.
	_, err = f.cf.DeleteDistributionTenant(ctx, &cloudfront.DeleteDistributionTenantInput{Id: tn.Id, IfMatch: updated.ETag})
	wantAPIErr(t, err, "ResourceNotDisabled", 409)
	disabled, err := f.cf.UpdateDistributionTenant(ctx, &cloudfront.UpdateDistributionTenantInput{Id: tn.Id, IfMatch: updated.ETag, Enabled: aws.Bool(false)})
	if err != nil {
		t.Fatalf("disable: %v", err)
	}
	_, err = f.cf.DeleteDistributionTenant(ctx, &cloudfront.DeleteDistributionTenantInput{Id: tn.Id, IfMatch: updated.ETag})
	wantAPIErr(t, err, "PreconditionFailed", 412)
	if _, err := f.cf.DeleteDistributionTenant(ctx, &cloudfront.DeleteDistributionTenantInput{Id: tn.Id, IfMatch: disabled.ETag}); err != nil {
		t.Fatalf("DeleteDistributionTenant: %v", err)
	}
	_, err = f.cf.GetDistributionTenant(ctx, &cloudfront.GetDistributionTenantInput{Identifier: tn.Id})
	wantAPIErr(t, err, "EntityNotFound", 404)
}

func TestTenantCreateErrors(t *testing.T) {
	f := newFixture(t)
	mt := f.createMultiTenant("mt")
	direct := *f.createDist("direct").Distribution.Id
	f.createTenant(mt, "taken", "taken.example.com")
	noDomains := tenantInput(mt, "t-3")
	noDomains.Domains = []types.DomainItem{}
	tests := []struct {
		name   string
		in     *cloudfront.CreateDistributionTenantInput
		code   string
		status int
	}{
		{"unknown parent", tenantInput("ENOSUCHDIST", "t-1", "a.example.com"), "EntityNotFound", 404},
		{"standard parent", tenantInput(direct, "t-1", "a.example.com"), "InvalidArgument", 400},
		{"name in use", tenantInput(mt, "taken", "b.example.com"), "EntityAlreadyExists", 409},
		{"domain in use", tenantInput(mt, "t-2", "Taken.example.com"), "CNAMEAlreadyExists", 409},
		{"bad name", tenantInput(mt, "-x", "c.example.com"), "InvalidArgument", 400},
		{"no domains", noDomains, "InvalidArgument", 400},
		{"six domains", tenantInput(mt, "t-4", "1.example", "2.example", "3.example", "4.example", "5.example", "6.example"), "InvalidArgument", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cf.CreateDistributionTenant(t.Context(), tt.in)
			wantAPIErr(t, err, tt.code, tt.status)
		})
	}
}

func TestListDistributionTenants(t *testing.T) {
	f := newFixture(t)
	a, b := f.createMultiTenant("a"), f.createMultiTenant("b")
	var want []string
	for _, name := range []string{"t-1", "t-2", "t-3"} {
		want = append(want, *f.createTenant(a, name, name+".example.com").DistributionTenant.Id)
	}
	f.createTenant(b, "other", "other.example.com")
	var got []string
	var marker *string
	for pages := 0; ; pages++ {
		out, err := f.cf.ListDistributionTenants(t.Context(), &cloudfront.ListDistributionTenantsInput{
			AssociationFilter: &types.DistributionTenantAssociationFilter{DistributionId: aws.String(a)},
			MaxItems:          aws.Int32(2), Marker: marker,
		})
		if err != nil {
			t.Fatalf("ListDistributionTenants: %v", err)
		}
		for _, s := range out.DistributionTenantList {
			got = append(got, *s.Id)
			if *s.DistributionId != a || *s.ETag == "" {
				t.Errorf("summary %+v", s)
			}
		}
		if out.NextMarker == nil {
			break
		}
		marker = out.NextMarker
		if pages > 3 {
			t.Fatal("no last page")
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tenants of %s (-want +got):\n%s", a, diff)
	}
	all, err := f.cf.ListDistributionTenants(t.Context(), &cloudfront.ListDistributionTenantsInput{})
	if err != nil || len(all.DistributionTenantList) != 4 {
		t.Fatalf("unfiltered list: %v, %d tenants, want 4", err, len(all.DistributionTenantList))
	}
}

func TestTenantInvalidations(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	dist := f.createMultiTenant("mt")
	tn := *f.createTenant(dist, "tenant", "tenant.example.com").DistributionTenant.Id
	create := func(ref string, paths ...string) (*cloudfront.CreateInvalidationForDistributionTenantOutput, error) {
		return f.cf.CreateInvalidationForDistributionTenant(ctx, &cloudfront.CreateInvalidationForDistributionTenantInput{Id: aws.String(tn), InvalidationBatch: batch(ref, paths...)})
	}
	first, err := create("r1", "/a", "/b/*")
	if err != nil {
		t.Fatalf("CreateInvalidationForDistributionTenant: %v", err)
	}
	if *first.Invalidation.Status != "InProgress" || !strings.HasSuffix(*first.Location, "/2020-05-31/distribution-tenant/"+tn+"/invalidation/"+*first.Invalidation.Id) {
		t.Errorf("created %s at %s", *first.Invalidation.Status, *first.Location)
	}
	if diff := cmp.Diff([]purgeCall{{dist, []string{"/a", "/b/*"}}}, f.purger.Calls()); diff != "" {
		t.Errorf("purges (-want +got):\n%s", diff)
	}
	again, err := create("r1", "/a", "/b/*")
	if err != nil || *again.Invalidation.Id != *first.Invalidation.Id {
		t.Fatalf("replay: %v", err)
	}
	_, err = create("r1", "/other")
	wantAPIErr(t, err, "InvalidationBatchAlreadyExists", 409)
	second, err := create("r2", "/c")
	if err != nil {
		t.Fatal(err)
	}

	get := func(id *string) string {
		t.Helper()
		out, err := f.cf.GetInvalidationForDistributionTenant(ctx, &cloudfront.GetInvalidationForDistributionTenantInput{DistributionTenantId: aws.String(tn), Id: id})
		if err != nil {
			t.Fatalf("GetInvalidationForDistributionTenant: %v", err)
		}
		return *out.Invalidation.Status
	}
	if s := get(first.Invalidation.Id); s != "InProgress" {
		t.Errorf("before the delay: %s", s)
	}
	f.clock.Advance(delay)
	if s := get(first.Invalidation.Id); s != "Completed" {
		t.Errorf("after the delay: %s", s)
	}

	list, err := f.cf.ListInvalidationsForDistributionTenant(ctx, &cloudfront.ListInvalidationsForDistributionTenantInput{Id: aws.String(tn)})
	if err != nil {
		t.Fatalf("ListInvalidationsForDistributionTenant: %v", err)
	}
	var ids []string
	for _, s := range list.InvalidationList.Items {
		ids = append(ids, *s.Id)
	}
	if diff := cmp.Diff([]string{*second.Invalidation.Id, *first.Invalidation.Id}, ids); diff != "" {
		t.Errorf("list, newest first (-want +got):\n%s", diff)
	}

	// The tenant's invalidations are not its parent's.
	_, err = f.cf.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: first.Invalidation.Id})
	wantAPIErr(t, err, "NoSuchInvalidation", 404)

	type errCase struct {
		name   string
		err    error
		code   string
		status int
	}
	var errs []errCase
	_, err = f.cf.CreateInvalidationForDistributionTenant(ctx, &cloudfront.CreateInvalidationForDistributionTenantInput{Id: aws.String("dt_NOSUCH"), InvalidationBatch: batch("x", "/a")})
	errs = append(errs, errCase{"create, unknown tenant", err, "EntityNotFound", 404})
	_, err = create("bad", "no-slash")
	errs = append(errs, errCase{"create, bad path", err, "InvalidArgument", 400})
	_, err = f.cf.GetInvalidationForDistributionTenant(ctx, &cloudfront.GetInvalidationForDistributionTenantInput{DistributionTenantId: aws.String(tn), Id: aws.String("INOSUCH")})
	errs = append(errs, errCase{"get, unknown invalidation", err, "NoSuchInvalidation", 404})
	_, err = f.cf.ListInvalidationsForDistributionTenant(ctx, &cloudfront.ListInvalidationsForDistributionTenantInput{Id: aws.String("dt_NOSUCH")})
	errs = append(errs, errCase{"list, unknown tenant", err, "EntityNotFound", 404})
	for _, e := range errs {
		t.Run(e.name, func(t *testing.T) { wantAPIErr(t, e.err, e.code, e.status) })
	}
}

func TestTenantRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	clk := harness.NewClock(t0)
	start := func() (*cloudfront.Client, func()) {
		st, err := store.OpenBolt(path)
		if err != nil {
			t.Fatalf("OpenBolt: %v", err)
		}
		srv := httptest.NewServer(emulator.New(emulator.Options{Store: st, Now: clk.Now, CompletionDelay: time.Minute}).Handler())
		return newClient(srv), func() { srv.Close(); _ = st.Close() }
	}
	cf, stop := start()
	f := &fixture{t: t, cf: cf}
	dist := f.createMultiTenant("mt")
	tn := f.createTenant(dist, "persisted", "p.example.com")
	inv, err := cf.CreateInvalidationForDistributionTenant(t.Context(), &cloudfront.CreateInvalidationForDistributionTenantInput{Id: tn.DistributionTenant.Id, InvalidationBatch: batch("r", "/x")})
	if err != nil {
		t.Fatal(err)
	}
	stop()

	cf, stop = start()
	defer stop()
	got, err := cf.GetDistributionTenant(t.Context(), &cloudfront.GetDistributionTenantInput{Identifier: tn.DistributionTenant.Id})
	if err != nil || *got.ETag != *tn.ETag || *got.DistributionTenant.Name != "persisted" {
		t.Fatalf("GetDistributionTenant after restart: %v", err)
	}
	clk.Advance(time.Minute)
	gi, err := cf.GetInvalidationForDistributionTenant(t.Context(), &cloudfront.GetInvalidationForDistributionTenantInput{DistributionTenantId: tn.DistributionTenant.Id, Id: inv.Invalidation.Id})
	if err != nil || *gi.Invalidation.Status != "Completed" || gi.Invalidation.InvalidationBatch.Paths.Items[0] != "/x" {
		t.Fatalf("GetInvalidationForDistributionTenant after restart: %v %+v", err, gi)
	}
	// The CallerReference is still known after the restart.
	again, err := cf.CreateInvalidationForDistributionTenant(t.Context(), &cloudfront.CreateInvalidationForDistributionTenantInput{Id: tn.DistributionTenant.Id, InvalidationBatch: batch("r", "/x")})
	if err != nil || *again.Invalidation.Id != *inv.Invalidation.Id {
		t.Fatalf("replay after restart: %v", err)
	}
}

// TestDeleteDistributionWithTenants: a disabled distribution that still has
// a tenant is ResourceInUse; once the tenant is gone it can be deleted.
func TestDeleteDistributionWithTenants(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	dist := f.createMultiTenant("parent")
	tn := f.createTenant(dist, "shop", "shop.example.com")
	cfg, err := f.cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(dist)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DistributionConfig.Enabled = aws.Bool(false)
	upd, err := f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(dist), IfMatch: cfg.ETag, DistributionConfig: cfg.DistributionConfig})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.cf.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(dist), IfMatch: upd.ETag})
	wantAPIErr(t, err, "ResourceInUse", 409)

	off, err := f.cf.UpdateDistributionTenant(ctx, &cloudfront.UpdateDistributionTenantInput{Id: tn.DistributionTenant.Id, IfMatch: tn.ETag, Enabled: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.cf.DeleteDistributionTenant(ctx, &cloudfront.DeleteDistributionTenantInput{Id: tn.DistributionTenant.Id, IfMatch: off.ETag}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cf.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(dist), IfMatch: upd.ETag}); err != nil {
		t.Fatalf("DeleteDistribution once its tenant is gone: %v", err)
	}
}
