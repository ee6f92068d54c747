package edgestore_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/edgecache"
	"github.com/cfinv/cfinv/internal/edgestore"
	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// TestEdgeServesTenantDomains: the domains of a multi-tenant
// distribution's enabled tenants reach its origin through the edge; a
// disabled tenant's domain and an unknown one do not.
func TestEdgeServesTenantDomains(t *testing.T) {
	st := store.NewMem()
	clk := harness.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	edge := &edgecache.Proxy{Distributions: edgestore.Distributions(st), Now: clk.Now}
	api := httptest.NewServer(emulator.New(emulator.Options{Store: st, Now: clk.Now}).Handler())
	t.Cleanup(api.Close)
	edgeSrv := httptest.NewServer(edge)
	t.Cleanup(edgeSrv.Close)
	org := &countingOrigin{}
	originSrv := httptest.NewServer(org)
	t.Cleanup(originSrv.Close)
	port, _ := strconv.Atoi(originSrv.URL[len("http://127.0.0.1:"):])

	cf := harness.SDK(api.URL, harness.HTTPClient(api.Client()))
	ctx := t.Context()
	dist, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("multi-tenant"), Comment: aws.String(""), Enabled: aws.Bool(true),
		ConnectionMode: types.ConnectionModeTenantOnly,
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("app"), DomainName: aws.String("127.0.0.1"),
			CustomOriginConfig: &types.CustomOriginConfig{HTTPPort: aws.Int32(int32(port)), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId: aws.String("app"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"), // managed CachingDisabled
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range []struct {
		name, domain string
		enabled      bool
	}{{"shop", "shop.example.com", true}, {"closed", "closed.example.com", false}} {
		if _, err := cf.CreateDistributionTenant(ctx, &cloudfront.CreateDistributionTenantInput{
			DistributionId: dist.Distribution.Id, Name: aws.String(tn.name), Enabled: aws.Bool(tn.enabled),
			Domains: []types.DomainItem{{Domain: aws.String(tn.domain)}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	edge.RefreshDistributions()

	for _, tt := range []struct {
		host       string
		wantOrigin bool
	}{
		{"shop.example.com", true},
		{"SHOP.example.com.", true},
		{"closed.example.com", false},
		{"other.example.com", false},
	} {
		t.Run(tt.host, func(t *testing.T) {
			before := org.count()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, edgeSrv.URL+"/page", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tt.host
			resp, err := edgeSrv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if reached := org.count() > before; reached != tt.wantOrigin || (tt.wantOrigin && resp.StatusCode != http.StatusOK) {
				t.Errorf("Host %s: status %d, origin reached %v; want origin reached %v", tt.host, resp.StatusCode, reached, tt.wantOrigin)
			}
		})
	}
}
