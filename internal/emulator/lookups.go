package emulator

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// The ListDistributionsBy… look-ups for the resources the emulator serves:
// which distributions use a policy or trust a key group (a cleanup
// script's question before DeleteCachePolicy answers CachePolicyInUse).
var lookups = []struct {
	path string // URL segment, e.g. "distributionsByCachePolicyId"
	kind *resourceKind
	uses func(b *distconfig.Node, id string) bool
}{
	{"distributionsByCachePolicyId", cachePolicies, memberIs("CachePolicyId")},
	{"distributionsByOriginRequestPolicyId", originRequestPolicies, memberIs("OriginRequestPolicyId")},
	{"distributionsByResponseHeadersPolicyId", responseHeadersPolicies, memberIs("ResponseHeadersPolicyId")},
	{"distributionsByKeyGroupId", keyGroups, func(b *distconfig.Node, id string) bool {
		return slices.ContainsFunc(b.Find("TrustedKeyGroups", "Items").All("KeyGroup"), func(g *distconfig.Node) bool { return g.Text == id })
	}},
}

func memberIs(member string) func(b *distconfig.Node, id string) bool {
	return func(b *distconfig.Node, id string) bool { return b.Value(member) == id }
}

func (s *Server) lookupRoutes() {
	for _, l := range lookups {
		s.mux.HandleFunc("GET /2020-05-31/"+l.path+"/{id}", func(w http.ResponseWriter, r *http.Request) {
			s.listDistributionIDs(w, r, l.kind, l.uses)
		})
	}
}

// listDistributionIDs answers a DistributionIdList of the distributions,
// in creation order, with a behaviour for which uses holds.
func (s *Server) listDistributionIDs(w http.ResponseWriter, r *http.Request, k *resourceKind, uses func(*distconfig.Node, string) bool) {
	max, aerr := parseMaxItems(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	id := r.PathValue("id")
	if _, err := s.loadResource(r.Context(), k, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	var ids []string
	marker := ""
	for {
		page, truncated, err := s.store.ListDistributions(r.Context(), marker, MaxMaxItems)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, d := range page {
			if slices.ContainsFunc(behaviorsOf(d.Config), func(b *distconfig.Node) bool { return uses(b, id) }) {
				ids = append(ids, d.ID)
			}
		}
		if !truncated || len(page) == 0 {
			break
		}
		marker = page[len(page)-1].ID
	}
	start := 0
	if m := r.URL.Query().Get("Marker"); m != "" {
		i := slices.Index(ids, m)
		if i < 0 {
			s.writeError(w, r, errorf("InvalidArgument", "Marker %q does not name a distribution of this list.", truncate(m, 40)))
			return
		}
		start = i + 1
	}
	page := ids[start:]
	truncated := len(page) > max
	if truncated {
		page = page[:max]
	}
	list := &distconfig.Node{Name: "DistributionIdList", Nodes: []*distconfig.Node{leaf("Marker", r.URL.Query().Get("Marker"))}}
	if truncated && len(page) > 0 {
		list.Append(leaf("NextMarker", page[len(page)-1]))
	}
	list.Append(leaf("MaxItems", strconv.Itoa(max)))
	list.Append(leaf("IsTruncated", strconv.FormatBool(truncated)))
	list.Append(leaf("Quantity", strconv.Itoa(len(page))))
	if len(page) > 0 {
		items := list.Append(&distconfig.Node{Name: "Items"})
		for _, d := range page {
			items.Append(leaf("DistributionId", d))
		}
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{list})
}
