package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Distribution tenants (issue 11 item 7, issue 15 item 4): a tenant of a
// multi-tenant distribution (ConnectionMode tenant-only) has its own
// domains and its own invalidations. Tenants are kept in the generic
// resource store under kind distribution-tenant. A tenant's invalidations
// are an invalidation set of the store's own, named by the tenant's ID
// (store.CreateInvalidationSet), so they go through the one
// CreateInvalidation a distribution's do: CallerReference replay, the
// in-progress limits and the write in one transaction, and a cost that
// does not grow with other tenants' invalidations (cfinv issue 24 item
// 10). Before that they were resources of kind
// distribution-tenant-invalidation; migrateTenantInvalidations moves any
// such into their sets.
const (
	tenantKind = "distribution-tenant"
	// tenantInvalidationKind is where tenant invalidations were kept
	// before cfinv issue 24; only migration reads it.
	tenantInvalidationKind = "distribution-tenant-invalidation"
	// maxTenantDomains is CloudFront's limit of domains per tenant, as
	// the model's UpdateDistributionTenant documentation states.
	maxTenantDomains = 5
)

// tenantNamePattern is the model's CreateDistributionTenantRequestNameString.
var tenantNamePattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-.]{1,126}[a-zA-Z0-9]$`)
})

// newTenantID returns an ID in the dt_ form CloudFront's console shows for
// tenants (the exact format is not in the model).
func newTenantID() string { return newID("dt_", 27, upperAlnum) }

func (s *Server) tenantRoutes() {
	const v = "/2020-05-31"
	s.mux.HandleFunc("POST "+v+"/distribution-tenant", s.createTenant)
	s.mux.HandleFunc("GET "+v+"/distribution-tenant", s.getTenantByDomain)
	s.mux.HandleFunc("POST "+v+"/distribution-tenants", s.listTenants)
	s.mux.HandleFunc("GET "+v+"/distribution-tenant/{id}", s.getTenant)
	s.mux.HandleFunc("PUT "+v+"/distribution-tenant/{id}", s.updateTenant)
	s.mux.HandleFunc("DELETE "+v+"/distribution-tenant/{id}", s.deleteTenant)
	s.mux.HandleFunc("POST "+v+"/distribution-tenant/{id}/invalidation", s.createTenantInvalidation)
	s.mux.HandleFunc("GET "+v+"/distribution-tenant/{id}/invalidation", s.listTenantInvalidations)
	s.mux.HandleFunc("GET "+v+"/distribution-tenant/{id}/invalidation/{invID}", s.getTenantInvalidation)
}

// tenantARN is the tenant's ARN, arn:aws:cloudfront::<account>:distribution-tenant/<id>.
func (s *Server) tenantARN(id string) string {
	return "arn:aws:cloudfront::" + s.accountID + ":distribution-tenant/" + id
}

func errNoTenant() *apiError {
	return errorf("EntityNotFound", "The distribution tenant was not found.")
}

// tenantRequest is a decoded Create- or UpdateDistributionTenantRequest.
type tenantRequest struct {
	distributionID string
	name           string
	domains        []string
	enabled        string // "true", "false" or "" (not sent)
	// extra are the members kept as sent: Tags, Customizations,
	// Parameters, ConnectionGroupId.
	extra map[string]*distconfig.Node
}

// connectionGroupID is the ConnectionGroupId the request names, or "".
func (req *tenantRequest) connectionGroupID() string {
	if n := req.extra["ConnectionGroupId"]; n != nil {
		return n.Text
	}
	return ""
}

var tenantExtraMembers = []string{"Tags", "Customizations", "Parameters", "ConnectionGroupId",
	// Kept for GetManagedCertificateDetails, not answered (the model's
	// DistributionTenant has no such member).
	"ManagedCertificateRequest"}

// decodeTenantRequest parses a tenant request body whose root is root;
// create requires Name and Domains (update takes no Name).
func decodeTenantRequest(body []byte, root string, create bool) (*tenantRequest, *apiError) {
	n, aerr := parseBody(body, root)
	if aerr != nil {
		return nil, aerr
	}
	req := &tenantRequest{extra: map[string]*distconfig.Node{}}
	known := []string{"DistributionId", "Domains", "Enabled", "ManagedCertificateRequest"}
	known = append(known, tenantExtraMembers...)
	if create {
		known = append(known, "Name")
	} else {
		// The model's UpdateDistributionTenantRequest has no Tags: a
		// tenant's tags change through TagResource and UntagResource.
		known = slices.DeleteFunc(known, func(m string) bool { return m == "Tags" })
	}
	for _, c := range n.Nodes {
		if !slices.Contains(known, c.Name) {
			return nil, fixed("MalformedXML", "%s has an unexpected element <%s>; the model's members are %s.", root, c.Name, strings.Join(known, ", "))
		}
	}
	req.distributionID = n.Value("DistributionId")
	if create && req.distributionID == "" {
		return nil, errorf("InvalidArgument", "%s.DistributionId is required.", root)
	}
	if create {
		req.name = n.Value("Name")
		if !tenantNamePattern().MatchString(req.name) {
			return nil, errorf("InvalidArgument", "%s.Name %q is invalid: it must be 3 to 128 letters, digits, hyphens and dots, starting and ending with a letter or digit.", root, truncate(req.name, 140))
		}
	}
	if d := n.Child("Domains"); d != nil {
		for _, m := range d.Nodes {
			dom := strings.ToLower(m.Value("Domain"))
			if dom == "" {
				return nil, errorf("InvalidArgument", "%s.Domains holds an item without a Domain.", root)
			}
			if slices.Contains(req.domains, dom) {
				return nil, errorf("InvalidArgument", "%s.Domains lists %q twice.", root, dom)
			}
			req.domains = append(req.domains, dom)
		}
		if len(req.domains) == 0 {
			return nil, errorf("InvalidArgument", "%s.Domains must list at least one domain.", root)
		}
		if len(req.domains) > maxTenantDomains {
			return nil, errorf("InvalidArgument", "%s.Domains lists %d domains; a distribution tenant can have up to %d.", root, len(req.domains), maxTenantDomains)
		}
	} else if create {
		return nil, errorf("InvalidArgument", "%s.Domains is required.", root)
	}
	if e := n.Child("Enabled"); e != nil {
		if e.Text != "true" && e.Text != "false" {
			return nil, fixed("MalformedXML", "%s.Enabled %q is not true or false.", root, truncate(e.Text, 40))
		}
		req.enabled = e.Text
	}
	for _, name := range tenantExtraMembers {
		if c := n.Child(name); c != nil {
			req.extra[name] = c.Clone()
		}
	}
	// Tags follow the model's TagKey and TagValue rules, as TagResource's
	// do: a bad one is InvalidTagging, not stored.
	if t := n.Child("Tags"); t != nil {
		if _, aerr := parseTags(t); aerr != nil {
			return nil, aerr
		}
	}
	if aerr := checkManagedCertificateRequest(n.Child("ManagedCertificateRequest"), root); aerr != nil {
		return nil, aerr
	}
	return req, nil
}

// checkParent checks that id names a multi-tenant distribution.
func (s *Server) checkParent(ctx context.Context, id string) *apiError {
	d, err := s.store.GetDistribution(ctx, id)
	if errors.Is(err, store.ErrNoDistribution) {
		return errorf("EntityNotFound", "The distribution %s was not found.", truncate(id, 40))
	}
	if err != nil {
		return errorf("InternalFailure", "read distribution: %v", err)
	}
	if mode := d.Config.Value("ConnectionMode"); mode != "tenant-only" {
		if mode == "" {
			mode = "direct"
		}
		return errorf("InvalidArgument", "The distribution %s is not a multi-tenant distribution (its ConnectionMode is %s, want tenant-only).", id, mode)
	}
	return nil
}

func tenantDomains(t *store.Resource) []string {
	var out []string
	for _, d := range t.Config.Find("Domains").All("Domain") {
		out = append(out, d.Text)
	}
	return out
}

// tenantConfig builds the stored tree: DistributionId, Domains (each a
// <Domain>), Enabled and the extra members.
func tenantConfig(req *tenantRequest, enabled string) *distconfig.Node {
	c := &distconfig.Node{Name: "DistributionTenantConfig"}
	c.Append(leaf("DistributionId", req.distributionID))
	doms := c.Append(&distconfig.Node{Name: "Domains"})
	for _, d := range req.domains {
		doms.Append(leaf("Domain", d))
	}
	c.Append(leaf("Enabled", enabled))
	for _, name := range tenantExtraMembers {
		if x := req.extra[name]; x != nil {
			c.Append(x)
		}
	}
	return c
}

// wireTenant is the DistributionTenant element, members in the model's
// order; summary gives a DistributionTenantSummary instead.
func (s *Server) wireTenant(t *store.Resource, summary bool) *distconfig.Node {
	c := t.Config
	name := "DistributionTenant"
	if summary {
		name = "DistributionTenantSummary"
	}
	n := &distconfig.Node{Name: name}
	n.Append(leaf("Id", t.ID))
	n.Append(leaf("DistributionId", c.Value("DistributionId")))
	n.Append(leaf("Name", t.Name))
	n.Append(leaf("Arn", s.tenantARN(t.ID)))
	doms := n.Append(&distconfig.Node{Name: "Domains"})
	for _, d := range tenantDomains(t) {
		doms.Append(&distconfig.Node{Name: "member", Nodes: []*distconfig.Node{leaf("Domain", d), leaf("Status", "active")}})
	}
	members := []string{"Tags", "Customizations", "Parameters", "ConnectionGroupId"}
	if summary {
		members = []string{"ConnectionGroupId", "Customizations"}
	}
	for _, m := range members {
		if x := c.Child(m); x != nil {
			n.Append(x.Clone())
		}
	}
	n.Append(leaf("CreatedTime", wireTime(t.CreatedTime)))
	n.Append(leaf("LastModifiedTime", wireTime(t.LastModifiedTime)))
	if summary {
		n.Append(leaf("ETag", t.ETag))
	}
	n.Append(leaf("Enabled", c.Value("Enabled")))
	n.Append(leaf("Status", store.StatusDeployed))
	return n
}

func (s *Server) createTenant(w http.ResponseWriter, r *http.Request) {
	req, aerr := decodeTenantRequest(requestBody(r), "CreateDistributionTenantRequest", true)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if aerr := s.checkParent(r.Context(), req.distributionID); aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if err := s.checkConnectionGroupID(r.Context(), req.connectionGroupID()); err != nil {
		s.writeError(w, r, err)
		return
	}
	enabled := req.enabled
	if enabled == "" {
		enabled = "true"
	}
	if err := s.checkCNAMEs(r.Context(), "", "", req.domains); err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	t := &store.Resource{
		Kind: tenantKind, ID: newTenantID(), Name: req.name, ETag: newETag(),
		CreatedTime: now, LastModifiedTime: now, Config: tenantConfig(req, enabled),
	}
	err := s.store.CreateResource(r.Context(), t)
	switch {
	case errors.Is(err, store.ErrResourceExists):
		s.writeError(w, r, errorf("EntityAlreadyExists", "A distribution tenant named %s already exists.", req.name))
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", t.ETag)
	w.Header().Set("Location", location(r, "/2020-05-31/distribution-tenant/"+t.ID))
	s.writeXML(w, r, http.StatusCreated, xmlDocument{s.wireTenant(t, false)})
}

// loadTenant returns the tenant id, or the EntityNotFound *apiError.
func (s *Server) loadTenant(ctx context.Context, id string) (*store.Resource, error) {
	t, err := s.store.GetResource(ctx, tenantKind, id)
	if errors.Is(err, store.ErrNoResource) {
		return nil, errNoTenant()
	}
	return t, err
}

func (s *Server) getTenant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	t, err := s.loadTenant(r.Context(), id)
	if err != nil {
		// Identifier may also be the tenant's name or ARN.
		all, lerr := s.store.ListResources(r.Context(), tenantKind)
		if lerr != nil {
			s.writeError(w, r, lerr)
			return
		}
		i := slices.IndexFunc(all, func(t *store.Resource) bool { return t.Name == id || s.tenantARN(t.ID) == id })
		if i < 0 {
			s.writeError(w, r, err)
			return
		}
		t = all[i]
	}
	w.Header().Set("ETag", t.ETag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{s.wireTenant(t, false)})
}

func (s *Server) getTenantByDomain(w http.ResponseWriter, r *http.Request) {
	dom := strings.ToLower(r.URL.Query().Get("domain"))
	if dom == "" {
		s.writeError(w, r, errorf("InvalidArgument", "The domain query parameter is required."))
		return
	}
	all, err := s.store.ListResources(r.Context(), tenantKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, t := range all {
		if slices.Contains(tenantDomains(t), dom) {
			w.Header().Set("ETag", t.ETag)
			s.writeXML(w, r, http.StatusOK, xmlDocument{s.wireTenant(t, false)})
			return
		}
	}
	s.writeError(w, r, errorf("EntityNotFound", "No distribution tenant has the domain %s.", truncate(dom, 100)))
}

func (s *Server) listTenants(w http.ResponseWriter, r *http.Request) {
	var filterDist, filterGroup, marker string
	max := DefaultMaxItems
	if body := requestBody(r); len(strings.TrimSpace(string(body))) > 0 {
		n, aerr := parseBody(body, "ListDistributionTenantsRequest")
		if aerr != nil {
			s.writeError(w, r, aerr)
			return
		}
		filterDist = n.Value("AssociationFilter", "DistributionId")
		filterGroup = n.Value("AssociationFilter", "ConnectionGroupId")
		marker = n.Value("Marker")
		if m := n.Child("MaxItems"); m != nil {
			v, err := strconv.Atoi(m.Text)
			if err != nil || v < 1 || v > MaxMaxItems {
				s.writeError(w, r, errorf("InvalidArgument", "MaxItems %q is invalid: it must be an integer from 1 to %d.", truncate(m.Text, 40), MaxMaxItems))
				return
			}
			max = v
		}
	}
	if filterDist != "" {
		if _, err := s.store.GetDistribution(r.Context(), filterDist); errors.Is(err, store.ErrNoDistribution) {
			s.writeError(w, r, errorf("EntityNotFound", "The distribution %s was not found.", truncate(filterDist, 40)))
			return
		}
	}
	all, err := s.store.ListResources(r.Context(), tenantKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var match []*store.Resource
	for _, t := range all {
		if (filterDist == "" || t.Config.Value("DistributionId") == filterDist) &&
			(filterGroup == "" || t.Config.Value("ConnectionGroupId") == filterGroup) {
			match = append(match, t)
		}
	}
	page, next, aerr := pageAfter(match, marker, max, "distribution tenant")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	out := &distconfig.Node{Name: "ListDistributionTenantsResult"}
	if next != "" {
		out.Append(leaf("NextMarker", next))
	}
	list := out.Append(&distconfig.Node{Name: "DistributionTenantList"})
	for _, t := range page {
		list.Append(s.wireTenant(t, true))
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{out})
}

// pageAfter returns up to max of items after the one whose ID is marker,
// and the marker of the next page ("" on the last).
func pageAfter(items []*store.Resource, marker string, max int, what string) ([]*store.Resource, string, *apiError) {
	if marker != "" {
		i := slices.IndexFunc(items, func(r *store.Resource) bool { return r.ID == marker })
		if i < 0 {
			return nil, "", errorf("InvalidArgument", "Marker %q does not name a %s.", truncate(marker, 40), what)
		}
		items = items[i+1:]
	}
	if len(items) > max {
		return items[:max], items[max-1].ID, nil
	}
	return items, "", nil
}

func (s *Server) updateTenant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	req, aerr := decodeTenantRequest(requestBody(r), "UpdateDistributionTenantRequest", false)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if err := s.checkConnectionGroupID(r.Context(), req.connectionGroupID()); err != nil {
		s.writeError(w, r, err)
		return
	}
	old, err := s.loadTenant(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.distributionID == "" {
		req.distributionID = old.Config.Value("DistributionId")
	} else if aerr := s.checkParent(r.Context(), req.distributionID); aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if req.domains == nil {
		req.domains = tenantDomains(old)
	}
	enabled := req.enabled
	if enabled == "" {
		enabled = old.Config.Value("Enabled")
	}
	// Members not sent keep their stored values.
	for _, name := range tenantExtraMembers {
		if req.extra[name] == nil {
			if x := old.Config.Child(name); x != nil {
				req.extra[name] = x.Clone()
			}
		}
	}
	if err := s.checkCNAMEs(r.Context(), "", id, req.domains); err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	t, err := s.store.UpdateResource(r.Context(), tenantKind, id, func(t *store.Resource) error {
		if t.ETag != etag {
			return errPreconditionFailed()
		}
		t.Config, t.ETag, t.LastModifiedTime = tenantConfig(req, enabled), newETag(), now
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = errNoTenant()
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", t.ETag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{s.wireTenant(t, false)})
}

func (s *Server) deleteTenant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	err := s.store.DeleteResource(r.Context(), tenantKind, id, func(t *store.Resource, _ store.Snapshot) error {
		if t.ETag != etag {
			return errPreconditionFailed()
		}
		if t.Config.Value("Enabled") != "false" {
			return errorf("ResourceNotDisabled", "The distribution tenant %s is enabled; disable it (UpdateDistributionTenant with Enabled false) before deleting it.", id)
		}
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = errNoTenant()
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The tenant's invalidations go with it, as a distribution's do.
	if err := s.store.DeleteInvalidationSet(r.Context(), id); err != nil && !errors.Is(err, store.ErrNoDistribution) {
		s.log.Error("delete tenant invalidations", "tenant", id, "err", err)
	}
	w.WriteHeader(http.StatusNoContent)
}

// A tenant invalidation stored the old way is a Resource whose Name is
// "<tenant ID> <CallerReference>" and whose Config is
//
//	<TenantInvalidation><TenantId/><CompleteAt/><InvalidationBatch>…</InvalidationBatch></TenantInvalidation>
func invalidationOf(res *store.Resource) *store.Invalidation {
	c := res.Config
	complete, _ := time.Parse(time.RFC3339Nano, c.Value("CompleteAt"))
	inv := &store.Invalidation{
		DistributionID:  c.Value("TenantId"),
		ID:              res.ID,
		CallerReference: c.Value("InvalidationBatch", "CallerReference"),
		CreateTime:      res.CreatedTime,
		CompleteAt:      complete,
	}
	for _, p := range c.Find("InvalidationBatch", "Paths", "Items").All("Path") {
		inv.Paths = append(inv.Paths, p.Text)
	}
	return inv
}

// migrateTenantInvalidations moves tenant invalidations stored the old way
// (resources of tenantInvalidationKind, before cfinv issue 24) into their
// tenants' invalidation sets, oldest first, keeping their IDs,
// CallerReferences, paths and times, and deletes each once its set holds
// it, so a run cut short resumes where it stopped. Those of a tenant no
// longer there are deleted. It does the work once per server, at the
// first request about tenant invalidations.
func (s *Server) migrateTenantInvalidations(ctx context.Context) error {
	s.migrateMu.Lock()
	defer s.migrateMu.Unlock()
	if s.migrated {
		return nil
	}
	old, err := s.store.ListResources(ctx, tenantInvalidationKind)
	if err != nil {
		return fmt.Errorf("migrate tenant invalidations: %w", err)
	}
	for _, res := range old {
		inv := invalidationOf(res)
		_, err := s.store.GetResource(ctx, tenantKind, inv.DistributionID)
		switch {
		case err == nil:
			if err := s.store.CreateInvalidationSet(ctx, inv.DistributionID); err != nil {
				return fmt.Errorf("migrate tenant invalidation %s: %w", inv.ID, err)
			}
			// A replay (a run cut short after this create) returns the
			// one stored; nothing else can hold the reference.
			if _, _, err := s.store.CreateInvalidation(ctx, inv, s.now(), nil); err != nil {
				return fmt.Errorf("migrate tenant invalidation %s: %w", inv.ID, err)
			}
		case !errors.Is(err, store.ErrNoResource):
			return fmt.Errorf("migrate tenant invalidation %s: %w", inv.ID, err)
		}
		if err := s.store.DeleteResource(ctx, tenantInvalidationKind, res.ID, nil); err != nil && !errors.Is(err, store.ErrNoResource) {
			return fmt.Errorf("migrate tenant invalidation %s: %w", inv.ID, err)
		}
	}
	if len(old) > 0 {
		s.log.Info("moved tenant invalidations into their tenants' invalidation sets", "count", len(old))
	}
	s.migrated = true
	return nil
}

// loadTenantInvalidations returns the tenant id, or the EntityNotFound
// *apiError, once tenant invalidations stored the old way are migrated.
func (s *Server) loadTenantInvalidations(ctx context.Context, id string) (*store.Resource, error) {
	t, err := s.loadTenant(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.migrateTenantInvalidations(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

func (s *Server) createTenantInvalidation(w http.ResponseWriter, r *http.Request) {
	tenantID := r.PathValue("id")
	batch, aerr := decodeInvalidationBatch(requestBody(r))
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	t, err := s.loadTenantInvalidations(r.Context(), tenantID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The edge caches per distribution, so a tenant's purge is its
	// parent's: it may drop other tenants' copies of the same paths,
	// never keep a stale one.
	parent := t.Config.Value("DistributionId")
	got, err := s.storeInvalidation(r.Context(), batch, invalidationTarget{
		set: tenantID, purge: parent, noun: "distribution tenant", log: []any{"distribution", parent, "tenant", tenantID}, makeSet: true,
	})
	switch {
	case errors.Is(err, store.ErrNoDistribution):
		s.writeError(w, r, errNoTenant()) // deleted meanwhile
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	s.writeTenantInvalidation(w, r, tenantID, got)
}

func (s *Server) writeTenantInvalidation(w http.ResponseWriter, r *http.Request, tenantID string, inv *store.Invalidation) {
	w.Header().Set("Location", location(r, "/2020-05-31/distribution-tenant/"+tenantID+"/invalidation/"+inv.ID))
	s.writeXML(w, r, http.StatusCreated, s.wireInvalidation(inv))
}

func (s *Server) getTenantInvalidation(w http.ResponseWriter, r *http.Request) {
	tenantID := r.PathValue("id")
	if _, err := s.loadTenantInvalidations(r.Context(), tenantID); err != nil {
		s.writeError(w, r, err)
		return
	}
	inv, err := s.store.GetInvalidation(r.Context(), tenantID, r.PathValue("invID"))
	switch {
	case errors.Is(err, store.ErrNoDistribution), errors.Is(err, store.ErrNoInvalidation):
		// No set yet: the tenant has no invalidation.
		s.writeError(w, r, errorf("NoSuchInvalidation", msgNoSuchInvalidation))
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, s.wireInvalidation(inv))
}

func (s *Server) listTenantInvalidations(w http.ResponseWriter, r *http.Request) {
	tenantID := r.PathValue("id")
	max, aerr := parseMaxItems(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if _, err := s.loadTenantInvalidations(r.Context(), tenantID); err != nil {
		s.writeError(w, r, err)
		return
	}
	marker := r.URL.Query().Get("Marker")
	page, truncated, err := s.store.ListInvalidations(r.Context(), tenantID, marker, max)
	switch {
	case errors.Is(err, store.ErrNoDistribution) && marker == "":
		err = nil // no set yet: no invalidations
	case errors.Is(err, store.ErrNoDistribution), errors.Is(err, store.ErrBadMarker):
		s.writeError(w, r, errorf("InvalidArgument", "Marker %q does not name a invalidation of this distribution tenant.", truncate(marker, 40)))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	out := &xmlInvalidationList{Marker: marker, MaxItems: max, IsTruncated: truncated, Quantity: len(page)}
	if truncated {
		out.NextMarker = page[len(page)-1].ID
	}
	for _, inv := range page {
		if out.Items == nil {
			out.Items = &xmlInvalidationItems{}
		}
		out.Items.Summaries = append(out.Items.Summaries, xmlInvalidationSummary{ID: inv.ID, CreateTime: wireTime(inv.CreateTime), Status: inv.StatusAt(now)})
	}
	s.writeXML(w, r, http.StatusOK, out)
}

// tenantsOf refuses, with ResourceInUse, the deletion of a distribution
// that still has tenants (checked before the delete's own transaction: a
// tenant created in between is not seen).
func (s *Server) tenantsOf(ctx context.Context, distID string) error {
	list, err := s.store.ListResources(ctx, "distribution-tenant")
	if err != nil {
		return err
	}
	for _, t := range list {
		if t.Config.Value("DistributionId") == distID {
			e := errorf("ResourceInUse", "Cannot delete this resource because it is in use.")
			e.Detail = "distribution " + distID + " still has tenant " + t.ID
			return e
		}
	}
	return nil
}
