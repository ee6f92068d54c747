package edgestore_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// TestEdgeServesTenantDomains: the domains of a multi-tenant
// distribution's enabled tenants reach its origin through the edge; a
// disabled tenant's domain and an unknown one do not.
func TestEdgeServesTenantDomains(t *testing.T) {
	s := newStack(t)
	cf, edge, edgeSrv, org, port := s.cf, s.edge, s.edgeSrv, s.org, s.port
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
