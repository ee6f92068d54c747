package emulator

import (
	"net/http"
	"slices"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// The look-ups of issue 27: ListDistributionsByConnectionMode,
// …ByConnectionFunction and …ByTrustStore answer a DistributionList of
// DistributionSummary (unlike the older look-ups' DistributionIdList),
// in creation order, paged by distribution ID.

func (s *Server) connectionLookupRoutes() {
	const v = "/2020-05-31"
	s.mux.HandleFunc("GET "+v+"/distributionsByConnectionMode/{mode}", s.listDistributionsByConnectionMode)
	s.mux.HandleFunc("GET "+v+"/distributionsByConnectionFunction", s.listDistributionsByConnectionFunction)
	s.mux.HandleFunc("GET "+v+"/distributionsByTrustStore", s.listDistributionsByTrustStore)
}

// connectionModeOf is a config's ConnectionMode; a distribution that
// sets none is a direct (standard) distribution.
func connectionModeOf(c *distconfig.Node) string {
	if m := c.Value("ConnectionMode"); m != "" {
		return m
	}
	return "direct"
}

func (s *Server) listDistributionsByConnectionMode(w http.ResponseWriter, r *http.Request) {
	mode := r.PathValue("mode")
	if mode != "direct" && mode != "tenant-only" {
		s.writeError(w, r, errorf("InvalidArgument", "ConnectionMode %q is not one of direct, tenant-only.", truncate(mode, 40)))
		return
	}
	s.listDistributionsWhere(w, r, func(c *distconfig.Node) bool { return connectionModeOf(c) == mode })
}

func (s *Server) listDistributionsByConnectionFunction(w http.ResponseWriter, r *http.Request) {
	ident := r.URL.Query().Get("ConnectionFunctionIdentifier")
	if ident == "" {
		s.writeError(w, r, errorf("InvalidArgument", "The ConnectionFunctionIdentifier query parameter is required: the connection function's Id, name or ARN."))
		return
	}
	res, err := s.loadConnectionFunction(r.Context(), ident, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.listDistributionsWhere(w, r, func(c *distconfig.Node) bool {
		return c.Value("ConnectionFunctionAssociation", "Id") == res.ID
	})
}

func (s *Server) listDistributionsByTrustStore(w http.ResponseWriter, r *http.Request) {
	ident := r.URL.Query().Get("TrustStoreIdentifier")
	if ident == "" {
		s.writeError(w, r, errorf("InvalidArgument", "The TrustStoreIdentifier query parameter is required: the trust store's Id, name or ARN."))
		return
	}
	res, err := s.loadEntity(r.Context(), trustStores, ident)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.listDistributionsWhere(w, r, func(c *distconfig.Node) bool {
		return c.Value("ViewerMtlsConfig", "TrustStoreConfig", "TrustStoreId") == res.ID
	})
}

// listDistributionsWhere answers a DistributionList of the distributions
// whose config keep holds for, paged by Marker and MaxItems.
func (s *Server) listDistributionsWhere(w http.ResponseWriter, r *http.Request, keep func(*distconfig.Node) bool) {
	max, aerr := parseMaxItems(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	all, err := s.allDistributions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var match []*store.Distribution
	for _, d := range all {
		if keep(d.Config) {
			match = append(match, d)
		}
	}
	marker := r.URL.Query().Get("Marker")
	if marker != "" {
		i := slices.IndexFunc(match, func(d *store.Distribution) bool { return d.ID == marker })
		if i < 0 {
			s.writeError(w, r, errorf("InvalidArgument", "Marker %q does not name a distribution of this list.", truncate(marker, 40)))
			return
		}
		match = match[i+1:]
	}
	truncated := len(match) > max
	if truncated {
		match = match[:max]
	}
	out := &xmlDistributionList{Marker: marker, MaxItems: max, IsTruncated: truncated, Quantity: len(match)}
	if len(match) > 0 {
		out.Items = &xmlItems{}
	}
	for _, d := range match {
		out.Items.Nodes = append(out.Items.Nodes, s.summaryOf(d))
	}
	if truncated {
		out.NextMarker = match[len(match)-1].ID
	}
	s.writeXML(w, r, http.StatusOK, out)
}
