package emulator_test

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/distconfig"
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
	tagged := func(n int, key, value string) *cloudfront.CreateDistributionTenantInput {
		in := tenantInput(mt, fmt.Sprintf("tagged-%d", n), fmt.Sprintf("tagged%d.example.com", n))
		in.Tags = &types.Tags{Items: []types.Tag{{Key: aws.String(key), Value: aws.String(value)}}}
		return in
	}
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
		// The model's TagKey and TagValue rules, as TagResource applies them.
		{"reserved tag key", tagged(1, "aws:team", "web"), "InvalidTagging", 400},
		{"tag key too long", tagged(2, strings.Repeat("k", 129), "web"), "InvalidTagging", 400},
		{"tag value with a bad character", tagged(3, "team", "web<1>"), "InvalidTagging", 400},
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

// TestTenantInvalidationLimitConcurrent (cfinv issue 24 item 10): the
// in-progress limit of a tenant was checked apart from the write, so 40
// concurrent one-wildcard creates were all accepted (the limit is 15
// wildcards). Now the check and the write are one transaction, the
// store's, as for a distribution: exactly 15 are accepted, the others
// answered TooManyInvalidationsInProgress.
func TestTenantInvalidationLimitConcurrent(t *testing.T) {
	for _, backend := range []string{"mem", "bolt"} {
		t.Run(backend, func(t *testing.T) {
			var edit []func(*emulator.Options)
			if backend == "bolt" {
				edit = append(edit, withBolt(t))
			}
			f := newFixture(t, edit...)
			dist := f.createMultiTenant("mt")
			tn := *f.createTenant(dist, "tenant", "tenant.example.com").DistributionTenant.Id
			var (
				wg       sync.WaitGroup
				accepted atomic.Int32
				refused  atomic.Int32
			)
			for i := range 40 {
				wg.Go(func() {
					_, err := f.cf.CreateInvalidationForDistributionTenant(t.Context(), &cloudfront.CreateInvalidationForDistributionTenantInput{
						Id: aws.String(tn), InvalidationBatch: batch(fmt.Sprint("w", i), fmt.Sprintf("/w%d/*", i))})
					if err == nil {
						accepted.Add(1)
						return
					}
					if code, _ := apiErr(t, err); code == "TooManyInvalidationsInProgress" {
						refused.Add(1)
						return
					}
					t.Errorf("create w%d: %v", i, err)
				})
			}
			wg.Wait()
			if a, r := accepted.Load(), refused.Load(); a != 15 || r != 25 {
				t.Errorf("40 concurrent one-wildcard creates: %d accepted, %d refused; want 15 and 25", a, r)
			}
		})
	}
}

// oldTenantInvalidation is a tenant invalidation as cfinv stored it before
// issue 24: a resource of kind distribution-tenant-invalidation.
func oldTenantInvalidation(tenant, id, ref string, created, complete time.Time, paths ...string) *store.Resource {
	leaf := func(name, text string) *distconfig.Node { return &distconfig.Node{Name: name, Text: text} }
	c := &distconfig.Node{Name: "TenantInvalidation"}
	c.Append(leaf("TenantId", tenant))
	c.Append(leaf("CompleteAt", complete.UTC().Format(time.RFC3339Nano)))
	b := c.Append(&distconfig.Node{Name: "InvalidationBatch"})
	p := b.Append(&distconfig.Node{Name: "Paths"})
	p.Append(leaf("Quantity", fmt.Sprint(len(paths))))
	items := p.Append(&distconfig.Node{Name: "Items"})
	for _, path := range paths {
		items.Append(leaf("Path", path))
	}
	b.Append(leaf("CallerReference", ref))
	return &store.Resource{Kind: "distribution-tenant-invalidation", ID: id, Name: tenant + " " + ref,
		ETag: "E" + id, CreatedTime: created, LastModifiedTime: created, Config: c}
}

// TestTenantInvalidationsMigrated (cfinv issue 24 item 10): tenant
// invalidations a state file holds the old way are moved into their
// tenants' sets at the first request about them, with their IDs, times,
// references and in-progress deadlines, and are still there after a
// restart; those of a tenant no longer there are dropped.
func TestTenantInvalidationsMigrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	clk := harness.NewClock(t0)
	start := func() (*cloudfront.Client, store.Store, func()) {
		st, err := store.OpenBolt(path)
		if err != nil {
			t.Fatalf("OpenBolt: %v", err)
		}
		srv := httptest.NewServer(emulator.New(emulator.Options{Store: st, Now: clk.Now, CompletionDelay: time.Minute}).Handler())
		return newClient(srv), st, func() { srv.Close(); _ = st.Close() }
	}
	cf, st, stop := start()
	f := &fixture{t: t, cf: cf}
	dist := f.createMultiTenant("mt")
	a := *f.createTenant(dist, "tenant-a", "a.example.com").DistributionTenant.Id
	b := *f.createTenant(dist, "tenant-b", "b.example.com").DistributionTenant.Id
	for _, res := range []*store.Resource{
		oldTenantInvalidation(a, "IOLD1", "r1", t0.Add(-2*time.Minute), t0.Add(-time.Minute), "/a"),
		oldTenantInvalidation("dt_GONE", "IGONE", "r1", t0.Add(-time.Minute), t0.Add(time.Minute), "/g"),
		oldTenantInvalidation(b, "IOLDB", "r1", t0.Add(-time.Minute), t0.Add(time.Minute), "/b"),
		oldTenantInvalidation(a, "IOLD2", "r2", t0.Add(-30*time.Second), t0.Add(30*time.Second), "/w/*"),
	} {
		if err := st.CreateResource(t.Context(), res); err != nil {
			t.Fatal(err)
		}
	}
	stop()

	cf, st, stop = start()
	f.cf = cf
	list := func(tn string) []string {
		t.Helper()
		out, err := cf.ListInvalidationsForDistributionTenant(t.Context(), &cloudfront.ListInvalidationsForDistributionTenantInput{Id: aws.String(tn)})
		if err != nil {
			t.Fatalf("ListInvalidationsForDistributionTenant(%s): %v", tn, err)
		}
		var got []string
		for _, s := range out.InvalidationList.Items {
			got = append(got, *s.Id+"="+*s.Status+"@"+s.CreateTime.Format(time.RFC3339))
		}
		return got
	}
	want := []string{
		"IOLD2=InProgress@" + t0.Add(-30*time.Second).Format(time.RFC3339),
		"IOLD1=Completed@" + t0.Add(-2*time.Minute).Format(time.RFC3339),
	}
	if diff := cmp.Diff(want, list(a)); diff != "" {
		t.Errorf("tenant a after migration (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"IOLDB=InProgress@" + t0.Add(-time.Minute).Format(time.RFC3339)}, list(b)); diff != "" {
		t.Errorf("tenant b after migration (-want +got):\n%s", diff)
	}
	if old, err := st.ListResources(t.Context(), "distribution-tenant-invalidation"); err != nil || len(old) != 0 {
		t.Errorf("after migration %d old records are left, %v; want none", len(old), err)
	}
	// The reference replays; the migrated wildcard still counts against
	// the limit of 15 in progress.
	again, err := cf.CreateInvalidationForDistributionTenant(t.Context(), &cloudfront.CreateInvalidationForDistributionTenantInput{Id: aws.String(a), InvalidationBatch: batch("r1", "/a")})
	if err != nil || *again.Invalidation.Id != "IOLD1" {
		t.Errorf("replaying r1 after migration: %v, %v; want IOLD1", again, err)
	}
	var wild []string
	for i := range 15 {
		wild = append(wild, fmt.Sprintf("/m%d/*", i))
	}
	_, err = cf.CreateInvalidationForDistributionTenant(t.Context(), &cloudfront.CreateInvalidationForDistributionTenantInput{Id: aws.String(a), InvalidationBatch: batch("many", wild...)})
	wantAPIErr(t, err, "TooManyInvalidationsInProgress", 400)
	stop()

	cf, _, stop = start()
	defer stop()
	if diff := cmp.Diff(want, list(a)); diff != "" {
		t.Errorf("tenant a after a restart (-want +got):\n%s", diff)
	}
}

// TestTenantUpdateRefusesTags: the model's UpdateDistributionTenantRequest
// has no Tags member (a tenant's tags change through TagResource), so a
// body holding one is MalformedXML, and the tenant keeps its ETag and tags
// (before: accepted with 200, the tags replaced).
func TestTenantUpdateRefusesTags(t *testing.T) {
	f := newFixture(t)
	tenant := f.createTenant(f.createMultiTenant("tags-parent"), "tags-tenant", "a.example.com")
	id, etag := aws.ToString(tenant.DistributionTenant.Id), aws.ToString(tenant.ETag)
	body := `<UpdateDistributionTenantRequest xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Enabled>true</Enabled>` +
		`<Tags><Items><Tag><Key>team</Key><Value>web</Value></Tag></Items></Tags></UpdateDistributionTenantRequest>`
	resp, got := f.do("PUT", "/2020-05-31/distribution-tenant/"+id, stringsReader(body), "If-Match", etag)
	wantRawErr(t, resp, got, "MalformedXML", 400, "did not validate")
	after, err := f.cf.GetDistributionTenant(t.Context(), &cloudfront.GetDistributionTenantInput{Identifier: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if tags := after.DistributionTenant.Tags; aws.ToString(after.ETag) != etag || tags != nil && len(tags.Items) != 0 {
		t.Errorf("after the refused update: ETag %s (was %s), tags %+v; want both unchanged", aws.ToString(after.ETag), etag, after.DistributionTenant.Tags)
	}
}
