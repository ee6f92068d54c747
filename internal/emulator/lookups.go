package emulator

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// The ListDistributionsBy… look-ups for the resources the emulator serves:
// which distributions use a policy, trust a key group or reach a VPC
// origin (a cleanup script's question before DeleteCachePolicy answers
// CachePolicyInUse).
type lookup struct {
	path string // URL segment, e.g. "distributionsByCachePolicyId"
	// kind is the kind of resource the ID names: an unknown ID gets its
	// NoSuch… error. nil: check decides.
	kind *resourceKind
	// check validates the ID when kind is nil (may be nil).
	check func(id string) *apiError
	// uses reports whether distribution config c uses the resource.
	uses func(c *distconfig.Node, id string) bool
	// summaries: the answer is a DistributionList of summaries, not a
	// DistributionIdList.
	summaries bool
	// resolve maps the path's value to the ID uses takes, or answers the
	// error for it (may be nil: the value is the ID).
	resolve func(ctx context.Context, s *Server, v string) (string, error)
	// owners: the answer is a DistributionIdOwnerList, each distribution
	// with its owner account.
	owners bool
}

var lookups = []lookup{
	{path: "distributionsByCachePolicyId", kind: cachePolicies, uses: behaviorMemberIs("CachePolicyId")},
	{path: "distributionsByOriginRequestPolicyId", kind: originRequestPolicies, uses: behaviorMemberIs("OriginRequestPolicyId")},
	{path: "distributionsByResponseHeadersPolicyId", kind: responseHeadersPolicies, uses: behaviorMemberIs("ResponseHeadersPolicyId")},
	{path: "distributionsByKeyGroupId", kind: keyGroups, uses: behaviorUsesFunc(func(b *distconfig.Node, id string) bool {
		return slices.ContainsFunc(b.Find("TrustedKeyGroups", "Items").All("KeyGroup"), func(g *distconfig.Node) bool { return g.Text == id })
	})},
	{path: "distributionsByVpcOriginId", kind: vpcOrigins, uses: originsUseVpcOrigin},
	{path: "distributionsByAnycastIpListId", kind: anycastIPLists, uses: usesAnycastIPList, summaries: true},
	{path: "distributionsByWebACLId", check: checkWebACLID, uses: usesWebACL, summaries: true},
	{path: "distributionsByOwnedResource", uses: originsUseVpcOrigin, owners: true,
		resolve: func(ctx context.Context, s *Server, arn string) (string, error) { return s.sharedResource(ctx, arn) }},
}

// behaviorMemberIs holds for a config with a cache behaviour whose member
// is the ID.
func behaviorMemberIs(member string) func(c *distconfig.Node, id string) bool {
	return behaviorUsesFunc(func(b *distconfig.Node, id string) bool { return b.Value(member) == id })
}

// behaviorUsesFunc holds for a config with a cache behaviour for which
// uses holds.
func behaviorUsesFunc(uses func(b *distconfig.Node, id string) bool) func(c *distconfig.Node, id string) bool {
	return func(c *distconfig.Node, id string) bool {
		return slices.ContainsFunc(behaviorsOf(c), func(b *distconfig.Node) bool { return uses(b, id) })
	}
}

func (s *Server) lookupRoutes() {
	for _, l := range lookups {
		s.mux.HandleFunc("GET /2020-05-31/"+l.path+"/{id}", func(w http.ResponseWriter, r *http.Request) {
			s.listDistributionIDs(w, r, l)
		})
	}
}

// listDistributionIDs answers a DistributionIdList (or, for a look-up
// with summaries, a DistributionList) of the distributions, in creation
// order, that use the resource the path names.
func (s *Server) listDistributionIDs(w http.ResponseWriter, r *http.Request, l lookup) {
	max, aerr := parseMaxItems(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	id := r.PathValue("id")
	switch {
	case l.kind != nil:
		if _, err := s.loadResource(r.Context(), l.kind, id); err != nil {
			s.writeError(w, r, err)
			return
		}
	case l.check != nil:
		if aerr := l.check(id); aerr != nil {
			s.writeError(w, r, aerr)
			return
		}
	case l.resolve != nil:
		var err error
		if id, err = l.resolve(r.Context(), s, id); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	var (
		ids   []string
		dists = map[string]*store.Distribution{}
	)
	marker := ""
	for {
		page, truncated, err := s.store.ListDistributions(r.Context(), marker, MaxMaxItems)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, d := range page {
			if l.uses(d.Config, id) {
				ids = append(ids, d.ID)
				dists[d.ID] = d
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
	if l.summaries {
		out := &xmlDistributionList{Marker: r.URL.Query().Get("Marker"), MaxItems: max, IsTruncated: truncated, Quantity: len(page)}
		if len(page) > 0 {
			out.Items = &xmlItems{}
		}
		for _, d := range page {
			out.Items.Nodes = append(out.Items.Nodes, s.summaryOf(dists[d]))
		}
		if truncated {
			out.NextMarker = page[len(page)-1]
		}
		s.writeXML(w, r, http.StatusOK, out)
		return
	}
	name := "DistributionIdList"
	if l.owners {
		name = "DistributionList"
	}
	list := &distconfig.Node{Name: name, Nodes: []*distconfig.Node{leaf("Marker", r.URL.Query().Get("Marker"))}}
	if truncated && len(page) > 0 {
		list.Append(leaf("NextMarker", page[len(page)-1]))
	}
	list.Append(leaf("MaxItems", strconv.Itoa(max)))
	list.Append(leaf("IsTruncated", strconv.FormatBool(truncated)))
	list.Append(leaf("Quantity", strconv.Itoa(len(page))))
	if len(page) > 0 {
		items := list.Append(&distconfig.Node{Name: "Items"})
		for _, d := range page {
			if l.owners {
				items.Append(&distconfig.Node{Name: "DistributionIdOwner", Nodes: []*distconfig.Node{
					leaf("DistributionId", d), leaf("OwnerAccountId", s.accountID),
				}})
				continue
			}
			items.Append(leaf("DistributionId", d))
		}
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{list})
}
