package edgestore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/edgestore"
	"github.com/cfinv/cfinv/internal/store"
)

// pagedStore serves ListDistributions from fixed pages and records the
// markers it was asked for; every other method is left nil.
type pagedStore struct {
	store.Store
	pages     [][]*store.Distribution
	err       error
	markers   []string
	resources []*store.Resource
}

func (s *pagedStore) ListDistributions(_ context.Context, marker string, _ int) ([]*store.Distribution, bool, error) {
	s.markers = append(s.markers, marker)
	if s.err != nil {
		return nil, false, s.err
	}
	page := s.pages[len(s.markers)-1]
	return page, len(s.markers) < len(s.pages), nil
}

// ListResources serves the fixed policies.
func (s *pagedStore) ListResources(_ context.Context, kind string) ([]*store.Resource, error) {
	var out []*store.Resource
	for _, r := range s.resources {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out, nil
}

func TestDistributionsPages(t *testing.T) {
	cfg := &distconfig.Node{Name: "DistributionConfig"}
	st := &pagedStore{pages: [][]*store.Distribution{
		{{ID: "E1", DomainName: "d1.cloudfront.net", Config: cfg}, {ID: "E2", DomainName: "d2.cloudfront.net"}},
		{{ID: "E3", DomainName: "d3.cloudfront.net"}},
	}}
	got, err := edgestore.Distributions(st).ListDistributions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids, domains []string
	for _, d := range got {
		ids, domains = append(ids, d.ID), append(domains, d.DomainName)
	}
	if diff := cmp.Diff([]string{"E1", "E2", "E3"}, ids); diff != "" {
		t.Errorf("IDs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"d1.cloudfront.net", "d2.cloudfront.net", "d3.cloudfront.net"}, domains); diff != "" {
		t.Errorf("domain names (-want +got):\n%s", diff)
	}
	if got[0].Config.Node() != cfg {
		t.Errorf("config of E1 is not a view of the stored tree")
	}
	if diff := cmp.Diff([]string{"", "E2"}, st.markers); diff != "" {
		t.Errorf("markers (-want +got):\n%s", diff)
	}
}

// TestDistributionsPolicies checks that each distribution comes with the
// custom cache and response headers policies and the managed ones.
func TestDistributionsPolicies(t *testing.T) {
	custom := &distconfig.Node{Name: "CachePolicyConfig"}
	headers := &distconfig.Node{Name: "ResponseHeadersPolicyConfig"}
	st := &pagedStore{
		pages: [][]*store.Distribution{{{ID: "E1", DomainName: "d1.cloudfront.net"}}},
		resources: []*store.Resource{
			{Kind: "cache-policy", ID: "c1", Config: custom},
			{Kind: "response-headers-policy", ID: "r1", Config: headers},
			{Kind: "origin-access-control", ID: "o1", Config: &distconfig.Node{Name: "OriginAccessControlConfig"}},
		},
	}
	got, err := edgestore.Distributions(st).ListDistributions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	pols := got[0].Policies
	tests := []struct {
		id, want string
	}{
		{"c1", "CachePolicyConfig"},
		{"r1", "ResponseHeadersPolicyConfig"},
		{"658327ea-f89d-4fab-a63d-7e88639e58f6", "CachePolicyConfig"},           // managed CachingOptimized
		{"67f7725c-6f97-4210-82d7-5512b31e9d03", "ResponseHeadersPolicyConfig"}, // managed SecurityHeadersPolicy
		{"o1", ""},
	}
	for _, tt := range tests {
		name := ""
		if n := pols[tt.id]; n != nil {
			name = n.Name
		}
		if name != tt.want {
			t.Errorf("Policies[%s] = %q, want %q", tt.id, name, tt.want)
		}
	}
}

func TestDistributionsError(t *testing.T) {
	boom := errors.New("boom")
	_, err := edgestore.Distributions(&pagedStore{err: boom}).ListDistributions(t.Context())
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
}
