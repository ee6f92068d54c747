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
	pages   [][]*store.Distribution
	err     error
	markers []string
}

func (s *pagedStore) ListDistributions(_ context.Context, marker string, _ int) ([]*store.Distribution, bool, error) {
	s.markers = append(s.markers, marker)
	if s.err != nil {
		return nil, false, s.err
	}
	page := s.pages[len(s.markers)-1]
	return page, len(s.markers) < len(s.pages), nil
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

func TestDistributionsError(t *testing.T) {
	boom := errors.New("boom")
	_, err := edgestore.Distributions(&pagedStore{err: boom}).ListDistributions(t.Context())
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
}
