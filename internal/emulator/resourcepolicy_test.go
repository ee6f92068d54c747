package emulator_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// Resource policies, ListDistributionsByOwnedResource and the rest of the
// tenant operations (issue 27), through the real SDK.

const testPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"cloudfront:UpdateDistribution","Resource":"*"}]}`

func TestResourcePolicy(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	vo := f.createVpcOrigin("shared")
	arn := vo.VpcOrigin.Arn

	put, err := f.cf.PutResourcePolicy(ctx, &cloudfront.PutResourcePolicyInput{ResourceArn: arn, PolicyDocument: aws.String(testPolicy)})
	if err != nil {
		t.Fatalf("PutResourcePolicy: %v", err)
	}
	if aws.ToString(put.ResourceArn) != aws.ToString(arn) {
		t.Errorf("PutResourcePolicy answered ResourceArn %s, want %s", aws.ToString(put.ResourceArn), aws.ToString(arn))
	}
	got, err := f.cf.GetResourcePolicy(ctx, &cloudfront.GetResourcePolicyInput{ResourceArn: arn})
	if err != nil {
		t.Fatalf("GetResourcePolicy: %v", err)
	}
	if aws.ToString(got.PolicyDocument) != testPolicy || aws.ToString(got.ResourceArn) != aws.ToString(arn) {
		t.Errorf("GetResourcePolicy: %+v", got)
	}

	// ListDistributionsByOwnedResource: the distributions whose origins
	// use the VPC origin, with their owner.
	dist := f.createDist("owned-user")
	if err := f.editDist(aws.ToString(dist.Distribution.Id), useVpcOrigin(aws.ToString(vo.VpcOrigin.Id))); err != nil {
		t.Fatal(err)
	}
	owned, err := f.cf.ListDistributionsByOwnedResource(ctx, &cloudfront.ListDistributionsByOwnedResourceInput{ResourceArn: arn})
	if err != nil {
		t.Fatalf("ListDistributionsByOwnedResource: %v", err)
	}
	if l := owned.DistributionList; aws.ToInt32(l.Quantity) != 1 || aws.ToString(l.Items[0].DistributionId) != aws.ToString(dist.Distribution.Id) ||
		aws.ToString(l.Items[0].OwnerAccountId) != "123456789012" {
		t.Errorf("ListDistributionsByOwnedResource: %+v", l)
	}

	if _, err := f.cf.DeleteResourcePolicy(ctx, &cloudfront.DeleteResourcePolicyInput{ResourceArn: arn}); err != nil {
		t.Fatalf("DeleteResourcePolicy: %v", err)
	}
	_, err = f.cf.GetResourcePolicy(ctx, &cloudfront.GetResourcePolicyInput{ResourceArn: arn})
	wantAPIErr(t, err, "EntityNotFound", http.StatusNotFound)

	distARN := dist.Distribution.ARN
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"delete without a policy", func() error {
			_, err := f.cf.DeleteResourcePolicy(ctx, &cloudfront.DeleteResourcePolicyInput{ResourceArn: arn})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"not JSON", func() error {
			_, err := f.cf.PutResourcePolicy(ctx, &cloudfront.PutResourcePolicyInput{ResourceArn: arn, PolicyDocument: aws.String("allow everyone")})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"no Statement", func() error {
			_, err := f.cf.PutResourcePolicy(ctx, &cloudfront.PutResourcePolicyInput{ResourceArn: arn, PolicyDocument: aws.String(`{"Version":"2012-10-17"}`)})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"not a CloudFront ARN", func() error {
			_, err := f.cf.PutResourcePolicy(ctx, &cloudfront.PutResourcePolicyInput{ResourceArn: aws.String("arn:aws:s3:::bucket"), PolicyDocument: aws.String(testPolicy)})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"a distribution, which CloudFront does not share", func() error {
			_, err := f.cf.PutResourcePolicy(ctx, &cloudfront.PutResourcePolicyInput{ResourceArn: distARN, PolicyDocument: aws.String(testPolicy)})
			return err
		}, "UnsupportedOperation", http.StatusBadRequest},
		{"unknown VPC origin", func() error {
			_, err := f.cf.GetResourcePolicy(ctx, &cloudfront.GetResourcePolicyInput{ResourceArn: aws.String("arn:aws:cloudfront::123456789012:vpcorigin/vo_NOSUCH")})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"owned-resource look-up of an unknown VPC origin", func() error {
			_, err := f.cf.ListDistributionsByOwnedResource(ctx, &cloudfront.ListDistributionsByOwnedResourceInput{ResourceArn: aws.String("arn:aws:cloudfront::123456789012:vpcorigin/vo_NOSUCH")})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"owned-resource look-up of a distribution", func() error {
			_, err := f.cf.ListDistributionsByOwnedResource(ctx, &cloudfront.ListDistributionsByOwnedResourceInput{ResourceArn: distARN})
			return err
		}, "UnsupportedOperation", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIErr(t, tt.call(), tt.code, tt.status)
		})
	}
}

// TestResourcePolicyLifetime: a policy survives a restart and goes with
// its VPC origin.
func TestResourcePolicyLifetime(t *testing.T) {
	start := restartable(t, t.TempDir()+"/state.db", harness.NewClock(t0))
	cf, stop := start()
	ctx := t.Context()
	vo, err := cf.CreateVpcOrigin(ctx, &cloudfront.CreateVpcOriginInput{VpcOriginEndpointConfig: vpcEndpoint("policy-kept")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cf.PutResourcePolicy(ctx, &cloudfront.PutResourcePolicyInput{ResourceArn: vo.VpcOrigin.Arn, PolicyDocument: aws.String(testPolicy)}); err != nil {
		t.Fatal(err)
	}
	stop()
	cf, stop = start()
	defer stop()
	got, err := cf.GetResourcePolicy(ctx, &cloudfront.GetResourcePolicyInput{ResourceArn: vo.VpcOrigin.Arn})
	if err != nil || aws.ToString(got.PolicyDocument) != testPolicy {
		t.Fatalf("after a restart: %+v, %v", got, err)
	}
	if _, err := cf.DeleteVpcOrigin(ctx, &cloudfront.DeleteVpcOriginInput{Id: vo.VpcOrigin.Id, IfMatch: vo.ETag}); err != nil {
		t.Fatal(err)
	}
	// A new VPC origin gets a new ID, so nothing can see the old policy;
	// the store must not keep it either.
	vo2, err := cf.CreateVpcOrigin(ctx, &cloudfront.CreateVpcOriginInput{VpcOriginEndpointConfig: vpcEndpoint("policy-kept")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cf.GetResourcePolicy(ctx, &cloudfront.GetResourcePolicyInput{ResourceArn: vo2.VpcOrigin.Arn})
	wantAPIErr(t, err, "EntityNotFound", http.StatusNotFound)
}

func TestManagedCertificateDetails(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	dist := f.createMultiTenant("mt-cert")
	in := tenantInput(dist, "tenant-cert", "cert.example.com")
	in.ManagedCertificateRequest = &types.ManagedCertificateRequest{ValidationTokenHost: types.ValidationTokenHostCloudFront}
	withCert, err := f.cf.CreateDistributionTenant(ctx, in)
	if err != nil {
		t.Fatalf("CreateDistributionTenant with ManagedCertificateRequest: %v", err)
	}
	plain := f.createTenant(dist, "tenant-plain", "plain.example.com")

	for _, ident := range []string{aws.ToString(withCert.DistributionTenant.Id), "tenant-cert", aws.ToString(withCert.DistributionTenant.Arn)} {
		got, err := f.cf.GetManagedCertificateDetails(ctx, &cloudfront.GetManagedCertificateDetailsInput{Identifier: aws.String(ident)})
		if err != nil {
			t.Fatalf("GetManagedCertificateDetails(%s): %v", ident, err)
		}
		d := got.ManagedCertificateDetails
		if d.CertificateStatus != types.ManagedCertificateStatusPendingValidation || d.ValidationTokenHost != types.ValidationTokenHostCloudFront ||
			len(d.ValidationTokenDetails) != 1 || aws.ToString(d.ValidationTokenDetails[0].Domain) != "cert.example.com" ||
			aws.ToString(d.CertificateArn) == "" {
			t.Errorf("GetManagedCertificateDetails(%s): %+v", ident, d)
		}
	}
	f.clock.Advance(delay)
	got, err := f.cf.GetManagedCertificateDetails(ctx, &cloudfront.GetManagedCertificateDetailsInput{Identifier: withCert.DistributionTenant.Id})
	if err != nil || got.ManagedCertificateDetails.CertificateStatus != types.ManagedCertificateStatusIssued {
		t.Errorf("after the delay: %+v, %v; want issued", got, err)
	}
	_, err = f.cf.GetManagedCertificateDetails(ctx, &cloudfront.GetManagedCertificateDetailsInput{Identifier: plain.DistributionTenant.Id})
	wantAPIErr(t, err, "EntityNotFound", http.StatusNotFound)
	_, err = f.cf.GetManagedCertificateDetails(ctx, &cloudfront.GetManagedCertificateDetailsInput{Identifier: aws.String("dt_NOSUCH")})
	wantAPIErr(t, err, "EntityNotFound", http.StatusNotFound)
	bad := tenantInput(dist, "tenant-bad-cert", "bad.example.com")
	bad.ManagedCertificateRequest = &types.ManagedCertificateRequest{ValidationTokenHost: "carrier-pigeon"}
	_, err = f.cf.CreateDistributionTenant(ctx, bad)
	wantAPIErr(t, err, "InvalidArgument", http.StatusBadRequest)
}

func TestListTenantsByCustomization(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	dist := f.createMultiTenant("mt-cust")
	const cert = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
	in := tenantInput(dist, "tenant-a", "a.example.com")
	in.Customizations = &types.Customizations{Certificate: &types.Certificate{Arn: aws.String(cert)}}
	a, err := f.cf.CreateDistributionTenant(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	b := f.createTenant(dist, "tenant-b", "b.example.com")
	f.createTenant(dist, "tenant-c", "c.example.com")
	if _, err := f.cf.AssociateDistributionTenantWebACL(ctx, &cloudfront.AssociateDistributionTenantWebACLInput{Id: a.DistributionTenant.Id, WebACLArn: aws.String(testWebACL)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cf.AssociateDistributionTenantWebACL(ctx, &cloudfront.AssociateDistributionTenantWebACLInput{Id: b.DistributionTenant.Id, WebACLArn: aws.String(testWebACL)}); err != nil {
		t.Fatal(err)
	}
	names := func(in *cloudfront.ListDistributionTenantsByCustomizationInput) ([]string, string) {
		t.Helper()
		out, err := f.cf.ListDistributionTenantsByCustomization(ctx, in)
		if err != nil {
			t.Fatalf("ListDistributionTenantsByCustomization: %v", err)
		}
		var got []string
		for _, s := range out.DistributionTenantList {
			got = append(got, aws.ToString(s.Name))
		}
		return got, aws.ToString(out.NextMarker)
	}
	tests := []struct {
		name string
		in   *cloudfront.ListDistributionTenantsByCustomizationInput
		want []string
	}{
		{"by web ACL", &cloudfront.ListDistributionTenantsByCustomizationInput{WebACLArn: aws.String(testWebACL)}, []string{"tenant-a", "tenant-b"}},
		{"by certificate", &cloudfront.ListDistributionTenantsByCustomizationInput{CertificateArn: aws.String(cert)}, []string{"tenant-a"}},
		{"by both", &cloudfront.ListDistributionTenantsByCustomizationInput{WebACLArn: aws.String(testWebACL), CertificateArn: aws.String(cert)}, []string{"tenant-a"}},
		{"by another web ACL", &cloudfront.ListDistributionTenantsByCustomizationInput{WebACLArn: aws.String(testOtherWebACL)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := names(tt.in)
			if len(got) != len(tt.want) || (len(got) > 0 && (got[0] != tt.want[0] || got[len(got)-1] != tt.want[len(tt.want)-1])) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	page, next := names(&cloudfront.ListDistributionTenantsByCustomizationInput{WebACLArn: aws.String(testWebACL), MaxItems: aws.Int32(1)})
	if len(page) != 1 || next == "" {
		t.Fatalf("page 1: %v, NextMarker %q", page, next)
	}
	page, next = names(&cloudfront.ListDistributionTenantsByCustomizationInput{WebACLArn: aws.String(testWebACL), MaxItems: aws.Int32(1), Marker: aws.String(next)})
	if len(page) != 1 || page[0] != "tenant-b" || next != "" {
		t.Errorf("page 2: %v, NextMarker %q", page, next)
	}
	_, err = f.cf.ListDistributionTenantsByCustomization(ctx, &cloudfront.ListDistributionTenantsByCustomizationInput{})
	wantAPIErr(t, err, "InvalidArgument", http.StatusBadRequest)
	// boto3 sends no body at all for an empty request.
	resp, body := f.do("POST", "/2020-05-31/distribution-tenants-by-customization", nil)
	wantRawErr(t, resp, body, "InvalidArgument", http.StatusBadRequest, "WebACLArn or CertificateArn")
}

func TestUpdateDomainAssociation(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	withAlias := func(ref string, enabled bool, aliases ...string) *cloudfront.CreateDistributionOutput {
		t.Helper()
		c := sdkConfig(ref)
		c.Enabled = aws.Bool(enabled)
		c.Aliases = &types.Aliases{Quantity: aws.Int32(int32(len(aliases))), Items: aliases}
		out, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
		if err != nil {
			t.Fatalf("CreateDistribution(%s): %v", ref, err)
		}
		return out
	}
	src := withAlias("src", false, "www.example.com", "static.example.com")
	dst := withAlias("dst", true)
	enabledSrc := withAlias("enabled-src", true, "live.example.com")
	spare := withAlias("spare", false, "spare.example.com")

	moved, err := f.cf.UpdateDomainAssociation(ctx, &cloudfront.UpdateDomainAssociationInput{Domain: aws.String("www.example.com"),
		TargetResource: &types.DistributionResourceId{DistributionId: dst.Distribution.Id}, IfMatch: dst.ETag})
	if err != nil {
		t.Fatalf("UpdateDomainAssociation: %v", err)
	}
	if aws.ToString(moved.ResourceId) != aws.ToString(dst.Distribution.Id) || aws.ToString(moved.Domain) != "www.example.com" || aws.ToString(moved.ETag) == aws.ToString(dst.ETag) {
		t.Errorf("UpdateDomainAssociation answered %+v, ETag %s", moved, aws.ToString(moved.ETag))
	}
	aliasesOf := func(id *string) []string {
		t.Helper()
		got, err := f.cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		if n := aws.ToInt32(got.DistributionConfig.Aliases.Quantity); int(n) != len(got.DistributionConfig.Aliases.Items) {
			t.Errorf("Aliases.Quantity %d with %d items", n, len(got.DistributionConfig.Aliases.Items))
		}
		return got.DistributionConfig.Aliases.Items
	}
	if got := aliasesOf(src.Distribution.Id); len(got) != 1 || got[0] != "static.example.com" {
		t.Errorf("source aliases after the move: %v", got)
	}
	if got := aliasesOf(dst.Distribution.Id); len(got) != 1 || got[0] != "www.example.com" {
		t.Errorf("target aliases after the move: %v", got)
	}

	// To a tenant, and back out of it.
	mt := f.createMultiTenant("mt-dom")
	tenant := f.createTenant(mt, "tenant-dom", "t.example.com")
	if _, err := f.cf.UpdateDomainAssociation(ctx, &cloudfront.UpdateDomainAssociationInput{Domain: aws.String("static.example.com"),
		TargetResource: &types.DistributionResourceId{DistributionTenantId: tenant.DistributionTenant.Id}}); err != nil {
		t.Fatalf("UpdateDomainAssociation to a tenant: %v", err)
	}
	tn, err := f.cf.GetDistributionTenant(ctx, &cloudfront.GetDistributionTenantInput{Identifier: tenant.DistributionTenant.Id})
	if err != nil || len(tn.DistributionTenant.Domains) != 2 {
		t.Errorf("tenant after the move: %+v, %v", tn, err)
	}

	tests := []struct {
		name   string
		in     *cloudfront.UpdateDomainAssociationInput
		code   string
		status int
	}{
		{"source enabled", &cloudfront.UpdateDomainAssociationInput{Domain: aws.String("live.example.com"),
			TargetResource: &types.DistributionResourceId{DistributionId: dst.Distribution.Id}}, "IllegalUpdate", http.StatusBadRequest},
		{"nobody has the domain", &cloudfront.UpdateDomainAssociationInput{Domain: aws.String("nowhere.example.com"),
			TargetResource: &types.DistributionResourceId{DistributionId: dst.Distribution.Id}}, "EntityNotFound", http.StatusNotFound},
		{"unknown target", &cloudfront.UpdateDomainAssociationInput{Domain: aws.String("live.example.com"),
			TargetResource: &types.DistributionResourceId{DistributionId: aws.String("ENOSUCH")}}, "EntityNotFound", http.StatusNotFound},
		{"stale If-Match", &cloudfront.UpdateDomainAssociationInput{Domain: aws.String("spare.example.com"),
			TargetResource: &types.DistributionResourceId{DistributionId: enabledSrc.Distribution.Id}, IfMatch: aws.String("ESTALE")}, "PreconditionFailed", http.StatusPreconditionFailed},
		{"both targets", &cloudfront.UpdateDomainAssociationInput{Domain: aws.String("www.example.com"),
			TargetResource: &types.DistributionResourceId{DistributionId: dst.Distribution.Id, DistributionTenantId: tenant.DistributionTenant.Id}}, "InvalidArgument", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cf.UpdateDomainAssociation(ctx, tt.in)
			wantAPIErr(t, err, tt.code, tt.status)
		})
	}
	// The stale If-Match case must not have half-moved anything.
	if got := aliasesOf(spare.Distribution.Id); len(got) != 1 || got[0] != "spare.example.com" {
		t.Errorf("source after a refused move: %v", got)
	}
	if got := aliasesOf(enabledSrc.Distribution.Id); len(got) != 1 || got[0] != "live.example.com" {
		t.Errorf("target after a refused move: %v", got)
	}
}

// TestOwnedResourceEscaped: the ARN in ListDistributionsByOwnedResource's
// path holds a slash, escaped by the client.
func TestOwnedResourceEscaped(t *testing.T) {
	f := newFixture(t)
	vo := f.createVpcOrigin("escaped")
	resp, body := f.do("GET", "/2020-05-31/distributionsByOwnedResource/"+url.PathEscape(aws.ToString(vo.VpcOrigin.Arn)), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got HTTP %d %s, want 200", resp.StatusCode, body)
	}
}

// createRacer is the real store with one interleaving made certain: just
// before the next CreateResource of kind, another writer's create of the
// same resource lands (as a concurrent request's would).
type createRacer struct {
	store.Store
	mu   sync.Mutex
	kind string // "" once the race has run
}

func (c *createRacer) CreateResource(ctx context.Context, r *store.Resource) error {
	c.mu.Lock()
	race := r.Kind == c.kind
	if race {
		c.kind = ""
	}
	c.mu.Unlock()
	if race {
		other := r.Clone()
		other.ETag = "EOTHERWRITER"
		if err := c.Store.CreateResource(ctx, other); err != nil {
			return err
		}
	}
	return c.Store.CreateResource(ctx, r)
}

// TestResourcePolicyConcurrentFirstPut: a first PutResourcePolicy whose
// create is beaten by a concurrent first put of the same ARN. A put
// replaces the whole policy, so it must succeed (the last write wins),
// not fail because the other created the policy between its look-up and
// its create.
func TestResourcePolicyConcurrentFirstPut(t *testing.T) {
	racer := &createRacer{Store: store.NewMem()}
	f := newFixture(t, func(o *emulator.Options) { o.Store = racer })
	arn := f.createVpcOrigin("shared").VpcOrigin.Arn
	racer.mu.Lock()
	racer.kind = emulator.ResourcePolicyKind
	racer.mu.Unlock()
	if _, err := f.cf.PutResourcePolicy(t.Context(), &cloudfront.PutResourcePolicyInput{ResourceArn: arn, PolicyDocument: aws.String(testPolicy)}); err != nil {
		t.Fatalf("PutResourcePolicy beaten by a concurrent first put: %v", err)
	}
	racer.mu.Lock()
	raced := racer.kind == ""
	racer.mu.Unlock()
	if !raced {
		t.Fatal("the put created no resource policy: the race was not run")
	}
	got, err := f.cf.GetResourcePolicy(t.Context(), &cloudfront.GetResourcePolicyInput{ResourceArn: arn})
	if err != nil || aws.ToString(got.PolicyDocument) != testPolicy {
		t.Errorf("GetResourcePolicy = %+v, %v; want the put's document", got, err)
	}
}

// updateRacer is the real store with one interleaving made certain: just
// before the next UpdateDistribution of distribution id, hook runs. The
// server runs its API writes one at a time, so hook writes the store
// directly (rawEdit), as a writer that skipped that lock would: the
// checks made in the write itself must still hold.
type updateRacer struct {
	store.Store
	mu   sync.Mutex
	id   string
	hook func()
}

func (u *updateRacer) arm(id string, hook func()) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.id, u.hook = id, hook
}

func (u *updateRacer) UpdateDistribution(ctx context.Context, id string, fn func(d *store.Distribution) error) (*store.Distribution, error) {
	u.mu.Lock()
	var hook func()
	if id == u.id {
		hook, u.id, u.hook = u.hook, "", nil
	}
	u.mu.Unlock()
	if hook != nil {
		hook()
	}
	return u.Store.UpdateDistribution(ctx, id, fn)
}

// rawEdit applies edit to distribution id's stored config, bypassing the
// API (and its write lock), with a new ETag.
func rawEdit(st store.Store, id string, edit func(c *distconfig.Node)) error {
	_, err := st.UpdateDistribution(context.Background(), id, func(d *store.Distribution) error {
		edit(d.Config)
		d.ETag = "ERACED"
		return nil
	})
	return err
}

// rawAliases sets a stored config's Aliases to list.
func rawAliases(c *distconfig.Node, list ...string) {
	n := &distconfig.Node{Name: "Aliases", Nodes: []*distconfig.Node{{Name: "Quantity", Text: strconv.Itoa(len(list))}}}
	if len(list) > 0 {
		items := n.Append(&distconfig.Node{Name: "Items"})
		for _, a := range list {
			items.Append(&distconfig.Node{Name: "CNAME", Text: a})
		}
	}
	*c.Child("Aliases") = *n
}

// TestUpdateDomainAssociationRaced moves a domain while a concurrent
// request changes its source between the move's checks and its writes:
// the source's checks (it still has the domain, it is disabled) must
// hold in the write that takes the domain from it, so a domain never
// ends on two distributions, nor leaves an enabled one.
func TestUpdateDomainAssociationRaced(t *testing.T) {
	tests := []struct {
		name string
		// race runs between the checks and the writes of the move
		// to target t1.
		race func(st store.Store, src, t2 string) error
		// want are the aliases of src, t1 and t2 afterwards.
		want [3][]string
	}{
		{"the domain moved to another target", func(st store.Store, src, t2 string) error {
			if err := rawEdit(st, t2, func(c *distconfig.Node) { rawAliases(c, "www.example.com") }); err != nil {
				return err
			}
			return rawEdit(st, src, func(c *distconfig.Node) { rawAliases(c) })
		}, [3][]string{nil, nil, {"www.example.com"}}},
		{"the source was enabled", func(st store.Store, src, _ string) error {
			return rawEdit(st, src, func(c *distconfig.Node) { c.Set("Enabled", "true") })
		}, [3][]string{{"www.example.com"}, nil, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			racer := &updateRacer{Store: store.NewMem()}
			f := newFixture(t, func(o *emulator.Options) { o.Store = racer })
			create := func(ref string, aliases ...string) *cloudfront.CreateDistributionOutput {
				t.Helper()
				c := sdkConfig(ref)
				c.Enabled = aws.Bool(false)
				c.Aliases = &types.Aliases{Quantity: aws.Int32(int32(len(aliases))), Items: aliases}
				out, err := f.cf.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: c})
				if err != nil {
					t.Fatalf("CreateDistribution(%s): %v", ref, err)
				}
				return out
			}
			src, t1, t2 := create("src", "www.example.com"), create("t1"), create("t2")
			var raceErr error
			racer.arm(aws.ToString(t1.Distribution.Id), func() {
				raceErr = tt.race(racer.Store, aws.ToString(src.Distribution.Id), aws.ToString(t2.Distribution.Id))
			})
			_, err := f.cf.UpdateDomainAssociation(t.Context(), &cloudfront.UpdateDomainAssociationInput{Domain: aws.String("www.example.com"),
				TargetResource: &types.DistributionResourceId{DistributionId: t1.Distribution.Id}})
			if raceErr != nil {
				t.Fatalf("the racing request: %v", raceErr)
			}
			wantAPIErr(t, err, "IllegalUpdate", http.StatusBadRequest)
			for i, d := range []*cloudfront.CreateDistributionOutput{src, t1, t2} {
				if diff := cmp.Diff(tt.want[i], f.aliases(d.Distribution.Id), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("aliases of %s (-want +got):\n%s", aws.ToString(d.Distribution.DistributionConfig.CallerReference), diff)
				}
			}
		})
	}
}
