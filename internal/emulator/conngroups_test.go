package emulator_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/test/harness"
)

// createConnectionGroup creates a connection group on a new Anycast IP
// list of its own (named after the group).
func (f *fixture) createConnectionGroup(name string, enabled bool) *cloudfront.CreateConnectionGroupOutput {
	f.t.Helper()
	list := f.createAnycastList("for-"+name, 3, "")
	out, err := f.cf.CreateConnectionGroup(f.t.Context(), &cloudfront.CreateConnectionGroupInput{
		Name: aws.String(name), Enabled: aws.Bool(enabled), AnycastIpListId: list.AnycastIpList.Id,
		Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("team"), Value: aws.String("edge")}}},
	})
	if err != nil {
		f.t.Fatalf("CreateConnectionGroup %s: %v", name, err)
	}
	return out
}

// TestConnectionGroupLifecycle covers issue 27's connection groups:
// create (201, ETag, CloudFront's defaults and a generated routing
// endpoint), get by Id and ARN and by routing endpoint, list with the
// Anycast filter, tags, update, and delete (disabled first, not while a
// tenant names it).
func TestConnectionGroupLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	created := f.createConnectionGroup("group-a", true)
	g := created.ConnectionGroup
	id := aws.ToString(g.Id)
	if aws.ToString(g.Arn) != "arn:aws:cloudfront::123456789012:connection-group/"+id || !aws.ToBool(g.Ipv6Enabled) ||
		!aws.ToBool(g.Enabled) || aws.ToBool(g.IsDefault) || aws.ToString(g.Status) != "Deployed" || !strings.HasPrefix(aws.ToString(g.AnycastIpListId), "aip_") {
		t.Errorf("CreateConnectionGroup = %+v", g)
	}
	ep := aws.ToString(g.RoutingEndpoint)
	if len(ep) != len("d0123456789abc.cloudfront.net") {
		t.Errorf("RoutingEndpoint = %q, want d + 13 characters + .cloudfront.net", ep)
	}
	etag := aws.ToString(created.ETag)
	for _, ident := range []string{id, aws.ToString(g.Arn), "group-a"} {
		got, err := f.cf.GetConnectionGroup(ctx, &cloudfront.GetConnectionGroupInput{Identifier: aws.String(ident)})
		if err != nil || aws.ToString(got.ETag) != etag || aws.ToString(got.ConnectionGroup.Name) != "group-a" {
			t.Errorf("GetConnectionGroup(%s) = %+v, %v", ident, got, err)
		}
	}
	byEP, err := f.cf.GetConnectionGroupByRoutingEndpoint(ctx, &cloudfront.GetConnectionGroupByRoutingEndpointInput{RoutingEndpoint: aws.String(ep)})
	if err != nil || aws.ToString(byEP.ConnectionGroup.Id) != id {
		t.Errorf("GetConnectionGroupByRoutingEndpoint = %+v, %v", byEP, err)
	}
	other := f.createConnectionGroup("group-b", true)
	list, err := f.cf.ListConnectionGroups(ctx, &cloudfront.ListConnectionGroupsInput{MaxItems: aws.Int32(1)})
	if err != nil || len(list.ConnectionGroups) != 1 || aws.ToString(list.NextMarker) != id || aws.ToString(list.ConnectionGroups[0].ETag) != etag {
		t.Fatalf("ListConnectionGroups(MaxItems 1) = %+v, %v", list, err)
	}
	list, err = f.cf.ListConnectionGroups(ctx, &cloudfront.ListConnectionGroupsInput{Marker: list.NextMarker})
	if err != nil || len(list.ConnectionGroups) != 1 || aws.ToString(list.ConnectionGroups[0].Id) != aws.ToString(other.ConnectionGroup.Id) {
		t.Errorf("ListConnectionGroups page 2 = %+v, %v", list, err)
	}
	list, err = f.cf.ListConnectionGroups(ctx, &cloudfront.ListConnectionGroupsInput{AssociationFilter: &types.ConnectionGroupAssociationFilter{AnycastIpListId: aws.String("aip_OTHER")}})
	if err != nil || len(list.ConnectionGroups) != 0 {
		t.Errorf("ListConnectionGroups(filter aip_OTHER) = %+v, %v", list, err)
	}
	tags, err := f.cf.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: g.Arn})
	if err != nil || len(tags.Tags.Items) != 1 {
		t.Errorf("ListTagsForResource = %+v, %v", tags, err)
	}
	if _, err := f.cf.UntagResource(ctx, &cloudfront.UntagResourceInput{Resource: g.Arn, TagKeys: &types.TagKeys{Items: []string{"team"}}}); err != nil {
		t.Fatal(err)
	}

	// Enabled: not deleted.
	_, err = f.cf.DeleteConnectionGroup(ctx, &cloudfront.DeleteConnectionGroupInput{Id: aws.String(id), IfMatch: aws.String(etag)})
	wantAPIErr(t, err, "ResourceNotDisabled", 409)
	upd, err := f.cf.UpdateConnectionGroup(ctx, &cloudfront.UpdateConnectionGroupInput{Id: aws.String(id), IfMatch: aws.String(etag),
		Enabled: aws.Bool(false), Ipv6Enabled: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToBool(upd.ConnectionGroup.Enabled) || aws.ToBool(upd.ConnectionGroup.Ipv6Enabled) || aws.ToString(upd.ConnectionGroup.RoutingEndpoint) != ep ||
		aws.ToString(upd.ETag) == etag || len(upd.ConnectionGroup.Tags.Items) != 0 {
		t.Errorf("UpdateConnectionGroup = %+v, ETag %s", upd.ConnectionGroup, aws.ToString(upd.ETag))
	}
	etag = aws.ToString(upd.ETag)

	// A tenant naming it: in use.
	dist := f.createMultiTenant("for-groups")
	tenant, err := f.cf.CreateDistributionTenant(ctx, &cloudfront.CreateDistributionTenantInput{
		DistributionId: aws.String(dist), Name: aws.String("tenant-a"), ConnectionGroupId: aws.String(id),
		Domains: []types.DomainItem{{Domain: aws.String("a.example.com")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.cf.DeleteConnectionGroup(ctx, &cloudfront.DeleteConnectionGroupInput{Id: aws.String(id), IfMatch: aws.String(etag)})
	wantAPIErr(t, err, "CannotDeleteEntityWhileInUse", 409)
	if _, err := f.cf.DeleteDistributionTenant(ctx, &cloudfront.DeleteDistributionTenantInput{Id: tenant.DistributionTenant.Id, IfMatch: tenant.ETag}); err != nil {
		var ae interface{ ErrorCode() string }
		if !errors.As(err, &ae) || ae.ErrorCode() != "ResourceNotDisabled" {
			t.Fatal(err)
		}
		up, err := f.cf.UpdateDistributionTenant(ctx, &cloudfront.UpdateDistributionTenantInput{Id: tenant.DistributionTenant.Id, IfMatch: tenant.ETag, Enabled: aws.Bool(false)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.cf.DeleteDistributionTenant(ctx, &cloudfront.DeleteDistributionTenantInput{Id: tenant.DistributionTenant.Id, IfMatch: up.ETag}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.cf.DeleteConnectionGroup(ctx, &cloudfront.DeleteConnectionGroupInput{Id: aws.String(id), IfMatch: aws.String(etag)}); err != nil {
		t.Fatalf("DeleteConnectionGroup: %v", err)
	}
	_, err = f.cf.GetConnectionGroup(ctx, &cloudfront.GetConnectionGroupInput{Identifier: aws.String(id)})
	wantAPIErr(t, err, "EntityNotFound", 404)
}

// TestConnectionGroupErrors covers each documented error the emulator
// answers for connection groups.
func TestConnectionGroupErrors(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	created := f.createConnectionGroup("taken", true)
	id, etag := aws.ToString(created.ConnectionGroup.Id), aws.ToString(created.ETag)
	dist := f.createMultiTenant("group-errors")
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"name taken", func() error {
			_, err := f.cf.CreateConnectionGroup(ctx, &cloudfront.CreateConnectionGroupInput{Name: aws.String("taken")})
			return err
		}, "EntityAlreadyExists", 409},
		{"no name", func() error {
			_, err := f.cf.CreateConnectionGroup(ctx, &cloudfront.CreateConnectionGroupInput{Name: aws.String("")})
			return err
		}, "InvalidArgument", 400},
		{"bad tag", func() error {
			_, err := f.cf.CreateConnectionGroup(ctx, &cloudfront.CreateConnectionGroupInput{Name: aws.String("tagged"),
				Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("aws:reserved"), Value: aws.String("x")}}}})
			return err
		}, "InvalidTagging", 400},
		{"get unknown", func() error {
			_, err := f.cf.GetConnectionGroup(ctx, &cloudfront.GetConnectionGroupInput{Identifier: aws.String("cg_NOPE")})
			return err
		}, "EntityNotFound", 404},
		{"unknown routing endpoint", func() error {
			_, err := f.cf.GetConnectionGroupByRoutingEndpoint(ctx, &cloudfront.GetConnectionGroupByRoutingEndpointInput{RoutingEndpoint: aws.String("dnope.cloudfront.net")})
			return err
		}, "EntityNotFound", 404},
		{"update without If-Match", func() error {
			_, err := f.cf.UpdateConnectionGroup(ctx, &cloudfront.UpdateConnectionGroupInput{Id: aws.String(id), IfMatch: aws.String("")})
			return err
		}, "InvalidIfMatchVersion", 400},
		{"update stale ETag", func() error {
			_, err := f.cf.UpdateConnectionGroup(ctx, &cloudfront.UpdateConnectionGroupInput{Id: aws.String(id), IfMatch: aws.String("ESTALE"), Enabled: aws.Bool(false)})
			return err
		}, "PreconditionFailed", 412},
		{"update unknown", func() error {
			_, err := f.cf.UpdateConnectionGroup(ctx, &cloudfront.UpdateConnectionGroupInput{Id: aws.String("cg_NOPE"), IfMatch: aws.String(etag)})
			return err
		}, "EntityNotFound", 404},
		{"delete stale ETag", func() error {
			_, err := f.cf.DeleteConnectionGroup(ctx, &cloudfront.DeleteConnectionGroupInput{Id: aws.String(id), IfMatch: aws.String("ESTALE")})
			return err
		}, "PreconditionFailed", 412},
		{"delete unknown", func() error {
			_, err := f.cf.DeleteConnectionGroup(ctx, &cloudfront.DeleteConnectionGroupInput{Id: aws.String("cg_NOPE"), IfMatch: aws.String(etag)})
			return err
		}, "EntityNotFound", 404},
		{"list bad marker", func() error {
			_, err := f.cf.ListConnectionGroups(ctx, &cloudfront.ListConnectionGroupsInput{Marker: aws.String("cg_NOPE")})
			return err
		}, "InvalidArgument", 400},
		{"group names an unknown Anycast IP list", func() error {
			_, err := f.cf.CreateConnectionGroup(ctx, &cloudfront.CreateConnectionGroupInput{Name: aws.String("no-list"), AnycastIpListId: aws.String("aip_NOPE")})
			return err
		}, "EntityNotFound", 404},
		{"update names an unknown Anycast IP list", func() error {
			_, err := f.cf.UpdateConnectionGroup(ctx, &cloudfront.UpdateConnectionGroupInput{Id: aws.String(id), IfMatch: aws.String(etag), AnycastIpListId: aws.String("aip_NOPE")})
			return err
		}, "EntityNotFound", 404},
		{"delete the Anycast IP list a group names", func() error {
			g, err := f.cf.GetConnectionGroup(ctx, &cloudfront.GetConnectionGroupInput{Identifier: aws.String(id)})
			if err != nil {
				return err
			}
			list, err := f.cf.GetAnycastIpList(ctx, &cloudfront.GetAnycastIpListInput{Id: g.ConnectionGroup.AnycastIpListId})
			if err != nil {
				return err
			}
			_, err = f.cf.DeleteAnycastIpList(ctx, &cloudfront.DeleteAnycastIpListInput{Id: g.ConnectionGroup.AnycastIpListId, IfMatch: list.ETag})
			return err
		}, "CannotDeleteEntityWhileInUse", 409},
		{"tenant names an unknown group", func() error {
			_, err := f.cf.CreateDistributionTenant(ctx, &cloudfront.CreateDistributionTenantInput{
				DistributionId: aws.String(dist), Name: aws.String("tenant-x"), ConnectionGroupId: aws.String("cg_NOPE"),
				Domains: []types.DomainItem{{Domain: aws.String("x.example.com")}},
			})
			return err
		}, "EntityNotFound", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIErr(t, tt.call(), tt.code, tt.status)
		})
	}
}

// testCA returns a PEM self-signed CA certificate.
func testCA(t *testing.T, cn string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: t0, NotAfter: t0.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func bundleAt(key string) types.CaCertificatesBundleSource {
	return &types.CaCertificatesBundleSourceMemberCaCertificatesBundleS3Location{Value: types.CaCertificatesBundleS3Location{
		Bucket: aws.String("certs"), Key: aws.String(key), Region: aws.String("us-east-1")}}
}

// TestTrustStoreLifecycle covers issue 27's trust stores with a local S3:
// the bundle's certificates are counted (active) or the store is failed
// with a reason; get, list, tags, update (the bundle re-read, the OCSP
// header), the in-use refusal and delete.
func TestTrustStoreLifecycle(t *testing.T) {
	files := map[string][]byte{
		"two.pem":  append(testCA(t, "ca-1"), testCA(t, "ca-2")...),
		"one.pem":  testCA(t, "ca-3"),
		"junk.pem": []byte("not a certificate"),
	}
	f := newFixture(t, func(o *emulator.Options) {
		o.ImportObject = func(bucket, key string, max int64) ([]byte, error) {
			if b, ok := files[key]; ok && bucket == "certs" {
				return b, nil
			}
			return nil, errors.New("NoSuchKey")
		}
	})
	ctx := t.Context()
	tests := []struct {
		name, key, status string
		count             int32
		reason            bool
	}{
		{"two CAs", "two.pem", "active", 2, false},
		{"not PEM", "junk.pem", "failed", 0, true},
		{"missing", "missing.pem", "failed", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := f.cf.CreateTrustStore(ctx, &cloudfront.CreateTrustStoreInput{Name: aws.String("ts-" + tt.key), CaCertificatesBundleSource: bundleAt(tt.key)})
			if err != nil {
				t.Fatal(err)
			}
			ts := out.TrustStore
			if string(ts.Status) != tt.status || aws.ToInt32(ts.NumberOfCaCertificates) != tt.count || (ts.Reason != nil) != tt.reason {
				t.Errorf("CreateTrustStore(%s) = status %s, %d certificates, reason %v; want %s, %d, reason %v",
					tt.key, string(ts.Status), aws.ToInt32(ts.NumberOfCaCertificates), aws.ToString(ts.Reason), tt.status, tt.count, tt.reason)
			}
		})
	}
	created, err := f.cf.CreateTrustStore(ctx, &cloudfront.CreateTrustStoreInput{Name: aws.String("devices"), CaCertificatesBundleSource: bundleAt("two.pem"),
		Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("team"), Value: aws.String("edge")}}}})
	if err != nil {
		t.Fatal(err)
	}
	id, etag, arn := aws.ToString(created.TrustStore.Id), aws.ToString(created.ETag), created.TrustStore.Arn
	if aws.ToString(arn) != "arn:aws:cloudfront::123456789012:trust-store/"+id {
		t.Errorf("Arn = %s", aws.ToString(arn))
	}
	got, err := f.cf.GetTrustStore(ctx, &cloudfront.GetTrustStoreInput{Identifier: arn})
	if err != nil || aws.ToString(got.ETag) != etag || aws.ToString(got.TrustStore.Name) != "devices" {
		t.Errorf("GetTrustStore = %+v, %v", got, err)
	}
	list, err := f.cf.ListTrustStores(ctx, &cloudfront.ListTrustStoresInput{})
	if err != nil || len(list.TrustStoreList) != 4 || aws.ToString(list.TrustStoreList[3].ETag) != etag {
		t.Errorf("ListTrustStores = %+v, %v", list, err)
	}
	tags, err := f.cf.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: arn})
	if err != nil || len(tags.Tags.Items) != 1 {
		t.Errorf("ListTagsForResource = %+v, %v", tags, err)
	}
	upd, err := f.cf.UpdateTrustStore(ctx, &cloudfront.UpdateTrustStoreInput{Id: aws.String(id), IfMatch: aws.String(etag),
		CaCertificatesBundleSource: bundleAt("one.pem"), UseClientCertificateOCSPEndpoint: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(upd.TrustStore.NumberOfCaCertificates) != 1 || !aws.ToBool(upd.TrustStore.UseClientCertificateOCSPEndpoint) || aws.ToString(upd.ETag) == etag {
		t.Errorf("UpdateTrustStore = %+v", upd.TrustStore)
	}
	etag = aws.ToString(upd.ETag)

	cfg := sdkConfig("mtls")
	cfg.ViewerMtlsConfig = &types.ViewerMtlsConfig{Mode: types.ViewerMtlsModeRequired, TrustStoreConfig: &types.TrustStoreConfig{TrustStoreId: aws.String(id)}}
	d, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.cf.DeleteTrustStore(ctx, &cloudfront.DeleteTrustStoreInput{Id: aws.String(id), IfMatch: aws.String(etag)})
	wantAPIErr(t, err, "CannotDeleteEntityWhileInUse", 409)
	cfg.ViewerMtlsConfig = nil
	if _, err := f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: d.Distribution.Id, IfMatch: d.ETag, DistributionConfig: cfg}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cf.DeleteTrustStore(ctx, &cloudfront.DeleteTrustStoreInput{Id: aws.String(id), IfMatch: aws.String(etag)}); err != nil {
		t.Fatalf("DeleteTrustStore: %v", err)
	}
	_, err = f.cf.GetTrustStore(ctx, &cloudfront.GetTrustStoreInput{Identifier: aws.String(id)})
	wantAPIErr(t, err, "EntityNotFound", 404)
}

// TestTrustStoreErrors covers each documented error the emulator answers
// for trust stores, and the store of a server without local S3 buckets.
func TestTrustStoreErrors(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	created, err := f.cf.CreateTrustStore(ctx, &cloudfront.CreateTrustStoreInput{Name: aws.String("taken"), CaCertificatesBundleSource: bundleAt("ca.pem")})
	if err != nil {
		t.Fatal(err)
	}
	if ts := created.TrustStore; string(ts.Status) != "active" || aws.ToInt32(ts.NumberOfCaCertificates) != 0 {
		t.Errorf("without local S3: status %s, %d certificates; want active, 0", string(ts.Status), aws.ToInt32(ts.NumberOfCaCertificates))
	}
	id, etag := aws.ToString(created.TrustStore.Id), aws.ToString(created.ETag)
	badRegion := &types.CaCertificatesBundleSourceMemberCaCertificatesBundleS3Location{Value: types.CaCertificatesBundleS3Location{
		Bucket: aws.String("certs"), Key: aws.String("ca.pem"), Region: aws.String("Mars")}}
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"name taken", func() error {
			_, err := f.cf.CreateTrustStore(ctx, &cloudfront.CreateTrustStoreInput{Name: aws.String("taken"), CaCertificatesBundleSource: bundleAt("ca.pem")})
			return err
		}, "EntityAlreadyExists", 409},
		{"bad region", func() error {
			_, err := f.cf.CreateTrustStore(ctx, &cloudfront.CreateTrustStoreInput{Name: aws.String("r"), CaCertificatesBundleSource: badRegion})
			return err
		}, "InvalidArgument", 400},
		{"get unknown", func() error {
			_, err := f.cf.GetTrustStore(ctx, &cloudfront.GetTrustStoreInput{Identifier: aws.String("ts_NOPE")})
			return err
		}, "EntityNotFound", 404},
		{"update stale ETag", func() error {
			_, err := f.cf.UpdateTrustStore(ctx, &cloudfront.UpdateTrustStoreInput{Id: aws.String(id), IfMatch: aws.String("ESTALE"), CaCertificatesBundleSource: bundleAt("ca.pem")})
			return err
		}, "PreconditionFailed", 412},
		{"update without If-Match", func() error {
			_, err := f.cf.UpdateTrustStore(ctx, &cloudfront.UpdateTrustStoreInput{Id: aws.String(id), IfMatch: aws.String(""), CaCertificatesBundleSource: bundleAt("ca.pem")})
			return err
		}, "InvalidIfMatchVersion", 400},
		{"update bad region", func() error {
			_, err := f.cf.UpdateTrustStore(ctx, &cloudfront.UpdateTrustStoreInput{Id: aws.String(id), IfMatch: aws.String(etag), CaCertificatesBundleSource: badRegion})
			return err
		}, "InvalidArgument", 400},
		{"delete unknown", func() error {
			_, err := f.cf.DeleteTrustStore(ctx, &cloudfront.DeleteTrustStoreInput{Id: aws.String("ts_NOPE"), IfMatch: aws.String(etag)})
			return err
		}, "EntityNotFound", 404},
		{"delete stale ETag", func() error {
			_, err := f.cf.DeleteTrustStore(ctx, &cloudfront.DeleteTrustStoreInput{Id: aws.String(id), IfMatch: aws.String("ESTALE")})
			return err
		}, "PreconditionFailed", 412},
		{"distribution names an unknown trust store", func() error {
			cfg := sdkConfig("unknown-ts")
			cfg.ViewerMtlsConfig = &types.ViewerMtlsConfig{Mode: types.ViewerMtlsModeRequired, TrustStoreConfig: &types.TrustStoreConfig{TrustStoreId: aws.String("ts_NOPE")}}
			_, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
			return err
		}, "EntityNotFound", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIErr(t, tt.call(), tt.code, tt.status)
		})
	}
}

// TestConnectionGroupAndTrustStoreRestart checks that connection groups
// and trust stores, with their ETags and tags, survive a restart on the
// same bbolt file.
func TestConnectionGroupAndTrustStoreRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	start := restartable(t, path, harness.NewClock(t0))
	cf, stop := start()
	f := &fixture{t: t, cf: cf}
	g := f.createConnectionGroup("persisted", false)
	ts, err := cf.CreateTrustStore(t.Context(), &cloudfront.CreateTrustStoreInput{Name: aws.String("persisted"), CaCertificatesBundleSource: bundleAt("ca.pem"),
		Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	cf, stop = start()
	defer stop()
	gotG, err := cf.GetConnectionGroup(t.Context(), &cloudfront.GetConnectionGroupInput{Identifier: g.ConnectionGroup.Id})
	if err != nil || aws.ToString(gotG.ETag) != aws.ToString(g.ETag) || aws.ToString(gotG.ConnectionGroup.RoutingEndpoint) != aws.ToString(g.ConnectionGroup.RoutingEndpoint) ||
		len(gotG.ConnectionGroup.Tags.Items) != 1 {
		t.Errorf("GetConnectionGroup after restart = %+v, %v", gotG, err)
	}
	gotTS, err := cf.GetTrustStore(t.Context(), &cloudfront.GetTrustStoreInput{Identifier: ts.TrustStore.Id})
	if err != nil || aws.ToString(gotTS.ETag) != aws.ToString(ts.ETag) || aws.ToString(gotTS.TrustStore.Name) != "persisted" {
		t.Errorf("GetTrustStore after restart = %+v, %v", gotTS, err)
	}
	tags, err := cf.ListTagsForResource(t.Context(), &cloudfront.ListTagsForResourceInput{Resource: ts.TrustStore.Arn})
	if err != nil || len(tags.Tags.Items) != 1 {
		t.Errorf("trust store tags after restart = %+v, %v", tags, err)
	}
}
