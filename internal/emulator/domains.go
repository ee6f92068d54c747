package emulator

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Aliases and domains (issue 27): AssociateAlias moves a CNAME between
// standard distributions, ListConflictingAliases and ListDomainConflicts
// find the distributions and tenants whose domains overlap one, and
// VerifyDnsConfiguration reports a tenant's DNS set-up.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/CNAMEs.html#alternate-domain-names-move
//
// CloudFront checks two things the emulator cannot: that the target's
// certificate covers the alias, and that a DNS TXT record _<alias> names
// the target. The emulator has neither certificates nor DNS: it checks
// that the target has a certificate of its own (not CloudFront's default,
// which covers no alias), and nothing of DNS.

// domainPattern is an alternate domain name: labels of letters, digits
// and hyphens, optionally a leading *. wildcard.
var domainPattern = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$`)

// normalDomain lowers d and drops a trailing dot.
func normalDomain(d string) string { return strings.TrimSuffix(strings.ToLower(d), ".") }

// checkDomain refuses what is not an alternate domain name (what names
// it in the message).
func checkDomain(what, d string) *apiError {
	if d == "" {
		return errorf("InvalidArgument", "%s is required.", what)
	}
	if len(d) > maxAliasLen || !domainPattern.MatchString(strings.ToLower(d)) {
		return errorf("InvalidArgument", "%s %q is not a domain name (letters, digits and hyphens in dot-separated labels, at most %d characters, optionally starting with *.).", what, truncate(d, 260), maxAliasLen)
	}
	return nil
}

// domainsOverlap reports whether two domains conflict as CloudFront
// counts it: the same name, or one a wildcard that covers the other (a
// wildcard covers one label, as the edge routes it) or the same wildcard.
func domainsOverlap(a, b string) bool {
	a, b = normalDomain(a), normalDomain(b)
	if a == b {
		return true
	}
	covers := func(w, d string) bool {
		rest, ok := strings.CutPrefix(w, "*.")
		if !ok {
			return false
		}
		_, parent, ok := strings.Cut(d, ".")
		return ok && parent == rest
	}
	return covers(a, b) || covers(b, a)
}

// msgCNAMEAlreadyExists is CloudFront's text for CNAMEAlreadyExists,
// whichever resource already has the name.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/alternate-domain-names-move.html
const msgCNAMEAlreadyExists = "One or more of the CNAMEs you provided are already associated with a different resource."

// checkCNAMEs answers CNAMEAlreadyExists when one of domains (aliases a
// CreateDistribution or UpdateDistribution would store, or a tenant's
// domains) is already a standard distribution's alias, other than
// selfDist's, or a distribution tenant's domain, other than selfTenant's:
// standard distributions and tenants share one set of names, as
// UpdateDomainAssociation moves a name between them.
//
// Only the same name conflicts (DNS names: case and a trailing dot do not
// count). A wildcard overlapping a name, *.example.com on one
// distribution and www.example.com on another, is allowed within one
// account, and the emulator is one account: "You cannot add an alternate
// domain name to a CloudFront distribution if the same alternate domain
// name already exists in another CloudFront distribution ... However, you
// can add a wildcard alternate domain name, such as *.example.com, that
// includes (that overlaps with) a non-wildcard alternate domain name,
// such as www.example.com ... as long as both distributions were created
// by using the same AWS account."
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/CNAMEs.html#alternate-domain-names-restrictions
//
// Callers run under Server.writeMu, so nothing can take a name between
// this check and their write. The names are looked up in s.names' index;
// a holder found there is read back from the store, and if it no longer
// has the name (a write that bypassed the index) the index is built again
// once.
func (s *Server) checkCNAMEs(ctx context.Context, selfDist, selfTenant string, domains []string) error {
	if len(domains) == 0 {
		return nil
	}
	self := map[nameHolder]bool{{"distribution", selfDist}: true, {"distribution tenant", selfTenant}: true}
	for try := 0; ; try++ {
		name, h, ok, err := s.names.holderOf(ctx, domains, self)
		if err != nil || !ok {
			return err
		}
		var has []string
		if h.kind == "distribution" {
			d, err := s.store.GetDistribution(ctx, h.id)
			if err != nil && !errors.Is(err, store.ErrNoDistribution) {
				return err
			}
			if d != nil {
				has = aliasesOf(d.Config)
			}
		} else {
			t, err := s.store.GetResource(ctx, tenantKind, h.id)
			if err != nil && !errors.Is(err, store.ErrNoResource) {
				return err
			}
			if t != nil {
				has = tenantDomains(t)
			}
		}
		if slices.ContainsFunc(has, func(a string) bool { return normalDomain(a) == name }) || try > 0 {
			return fixed("CNAMEAlreadyExists", "%s is already associated with %s %s", name, h.kind, h.id)
		}
		s.names.drop()
	}
}

func aliasesOf(c *distconfig.Node) []string {
	var out []string
	for _, a := range c.Find("Aliases", "Items").All("CNAME") {
		out = append(out, a.Text)
	}
	return out
}

// setAliases replaces a config's Aliases with list.
func setAliases(c *distconfig.Node, list []string) {
	n := &distconfig.Node{Name: "Aliases", Nodes: []*distconfig.Node{leaf("Quantity", strconv.Itoa(len(list)))}}
	if len(list) > 0 {
		items := n.Append(&distconfig.Node{Name: "Items"})
		for _, a := range list {
			items.Append(leaf("CNAME", a))
		}
	}
	if old := c.Child("Aliases"); old != nil {
		*old = *n
		return
	}
	c.Append(n)
}

func (s *Server) domainRoutes() {
	const v = "/2020-05-31"
	s.mux.HandleFunc("PUT "+v+"/distribution/{id}/associate-alias", s.associateAlias)
	s.mux.HandleFunc("GET "+v+"/conflicting-alias", s.listConflictingAliases)
	s.mux.HandleFunc("POST "+v+"/domain-conflicts", s.listDomainConflicts)
	s.mux.HandleFunc("POST "+v+"/verify-dns-configuration", s.verifyDnsConfiguration)
}

// editAliases applies edit to distribution id's config and aliases as
// an update does: a new ETag, InProgress until the completion delay.
func (s *Server) editAliases(ctx context.Context, id string, edit func(c *distconfig.Node, aliases []string) ([]string, error)) error {
	now := s.now()
	_, err := s.store.UpdateDistribution(ctx, id, func(d *store.Distribution) error {
		list, err := edit(d.Config, aliasesOf(d.Config))
		if err != nil {
			return err
		}
		setAliases(d.Config, list)
		d.ETag, d.Status, d.LastModifiedTime, d.DeployedAt = newETag(), store.StatusInProgress, now, now.Add(s.delay)
		return nil
	})
	if errors.Is(err, store.ErrNoDistribution) {
		err = errorf("NoSuchDistribution", msgNoSuchDistribution)
	}
	return err
}

// checkAliasTarget refuses an AssociateAlias target whose config c is
// multi-tenant, staging or without a certificate of its own.
func checkAliasTarget(target, alias string, c *distconfig.Node) *apiError {
	switch {
	case connectionModeOf(c) == "tenant-only":
		return errorf("InvalidArgument", "AssociateAlias only supports standard distributions; %s is multi-tenant (use UpdateDomainAssociation).", target)
	case c.Value("Staging") == "true":
		return errorf("IllegalUpdate", "A staging distribution cannot have alternate domain names.")
	case c.Child("ViewerCertificate") == nil || c.Value("ViewerCertificate", "CloudFrontDefaultCertificate") == "true" ||
		c.Value("ViewerCertificate", "ACMCertificateArn") == "" && c.Value("ViewerCertificate", "IAMCertificateId") == "":
		return errorf("InvalidArgument", "The target distribution %s must have an SSL/TLS certificate that covers %s; it uses CloudFront's default certificate.", target, truncate(alias, 260))
	}
	return nil
}

// associateAlias serves AssociateAlias: the alias is added to the target,
// which must be a standard, non-staging distribution with a certificate
// of its own (checked in the write that adds it), then removed from every
// other distribution of the account that lists it. Adding first means a
// refused target leaves the alias where it was.
func (s *Server) associateAlias(w http.ResponseWriter, r *http.Request) {
	target := r.PathValue("id")
	alias := r.URL.Query().Get("Alias")
	if aerr := checkDomain("Alias", alias); aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	norm := normalDomain(alias)
	has := func(list []string) bool {
		return slices.ContainsFunc(list, func(a string) bool { return normalDomain(a) == norm })
	}
	err := s.editAliases(r.Context(), target, func(c *distconfig.Node, list []string) ([]string, error) {
		if aerr := checkAliasTarget(target, alias, c); aerr != nil {
			return nil, aerr
		}
		if has(list) {
			return list, nil
		}
		if len(list) >= maxAliases {
			return nil, fixed("TooManyDistributionCNAMEs", "distribution %s has %d CNAMEs, the limit is %d", target, len(list), maxAliases)
		}
		return append(list, alias), nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	all, err := s.allDistributions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, src := range all {
		if src.ID == target || !has(aliasesOf(src.Config)) {
			continue
		}
		err := s.editAliases(r.Context(), src.ID, func(_ *distconfig.Node, list []string) ([]string, error) {
			return slices.DeleteFunc(list, func(a string) bool { return normalDomain(a) == norm }), nil
		})
		if err != nil && !isCode(err, "NoSuchDistribution") {
			s.writeError(w, r, err)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// maskID hides all but the last four characters of an ID, as CloudFront
// partially hides the distribution and account IDs of
// ListConflictingAliases.
func maskID(id string) string {
	if len(id) <= 4 {
		return id
	}
	return strings.Repeat("*", len(id)-4) + id[len(id)-4:]
}

// listConflictingAliases serves ListConflictingAliases: the aliases of
// the account's other distributions that overlap Alias. DistributionId
// must name a distribution of the account.
func (s *Server) listConflictingAliases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, alias := q.Get("DistributionId"), q.Get("Alias")
	if id == "" {
		s.writeError(w, r, errorf("InvalidArgument", "The DistributionId query parameter is required."))
		return
	}
	if aerr := checkDomain("Alias", alias); aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	max := DefaultMaxItems
	if q.Has("MaxItems") {
		v, err := strconv.Atoi(q.Get("MaxItems"))
		if err != nil || v < 1 || v > 100 {
			s.writeError(w, r, errorf("InvalidArgument", "MaxItems %q is invalid: it must be an integer from 1 to 100.", truncate(q.Get("MaxItems"), 40)))
			return
		}
		max = v
	}
	if len(id) > 25 {
		s.writeError(w, r, errorf("InvalidArgument", "DistributionId %q is longer than 25 characters.", truncate(id, 40)))
		return
	}
	if _, err := s.store.GetDistribution(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNoDistribution) {
			err = errorf("NoSuchDistribution", msgNoSuchDistribution)
		}
		s.writeError(w, r, err)
		return
	}
	all, err := s.allDistributions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type conflict struct{ alias, dist string }
	var found []conflict
	for _, d := range all {
		if d.ID == id {
			continue
		}
		for _, a := range aliasesOf(d.Config) {
			if domainsOverlap(a, alias) {
				found = append(found, conflict{a, d.ID})
			}
		}
	}
	// The marker is the position in the list, as text.
	start := 0
	if m := q.Get("Marker"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(found) {
			s.writeError(w, r, errorf("InvalidArgument", "Marker %q is not a marker this list returned.", truncate(m, 40)))
			return
		}
		start = n
	}
	page := found[start:]
	out := &distconfig.Node{Name: "ConflictingAliasesList"}
	if len(page) > max {
		page = page[:max]
		out.Append(leaf("NextMarker", strconv.Itoa(start+max)))
	}
	out.Append(leaf("MaxItems", strconv.Itoa(max)))
	out.Append(leaf("Quantity", strconv.Itoa(len(page))))
	if len(page) > 0 {
		items := out.Append(&distconfig.Node{Name: "Items"})
		for _, c := range page {
			items.Append(&distconfig.Node{Name: "ConflictingAlias", Nodes: []*distconfig.Node{
				leaf("Alias", c.alias), leaf("DistributionId", maskID(c.dist)), leaf("AccountId", maskID(s.accountID)),
			}})
		}
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{out})
}

// listDomainConflicts serves ListDomainConflicts: the distributions'
// aliases and the tenants' domains that overlap Domain, except those of
// the DomainControlValidationResource (a distribution or a tenant of the
// account, exactly one).
func (s *Server) listDomainConflicts(w http.ResponseWriter, r *http.Request) {
	q, aerr := parseListRequest(r, "ListDomainConflictsRequest", "Domain", "DomainControlValidationResource")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if q.body == nil {
		s.writeError(w, r, errorf("InvalidArgument", "ListDomainConflictsRequest.Domain and DomainControlValidationResource are required."))
		return
	}
	domain := q.extra["Domain"]
	if aerr := checkDomain("Domain", domain); aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	res := q.body.Child("DomainControlValidationResource")
	if res == nil {
		s.writeError(w, r, errorf("InvalidArgument", "ListDomainConflictsRequest.DomainControlValidationResource is required."))
		return
	}
	if aerr := onlyMembers(res, "DomainControlValidationResource", "DistributionId", "DistributionTenantId"); aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	distID, tenantID := res.Value("DistributionId"), res.Value("DistributionTenantId")
	switch {
	case (distID == "") == (tenantID == ""):
		s.writeError(w, r, errorf("InvalidArgument", "DomainControlValidationResource must give exactly one of DistributionId and DistributionTenantId."))
		return
	case distID != "":
		if _, err := s.store.GetDistribution(r.Context(), distID); err != nil {
			if errors.Is(err, store.ErrNoDistribution) {
				err = errorf("EntityNotFound", "The distribution %s was not found.", truncate(distID, 40))
			}
			s.writeError(w, r, err)
			return
		}
	default:
		if _, err := s.loadTenant(r.Context(), tenantID); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	type conflict struct{ domain, typ, id string }
	var found []conflict
	all, err := s.allDistributions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, d := range all {
		if d.ID == distID {
			continue
		}
		for _, a := range aliasesOf(d.Config) {
			if domainsOverlap(a, domain) {
				found = append(found, conflict{a, "distribution", d.ID})
			}
		}
	}
	tenants, err := s.store.ListResources(r.Context(), tenantKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, t := range tenants {
		if t.ID == tenantID {
			continue
		}
		for _, dom := range tenantDomains(t) {
			if domainsOverlap(dom, domain) {
				found = append(found, conflict{dom, "distribution-tenant", t.ID})
			}
		}
	}
	start := 0
	if q.marker != "" {
		n, err := strconv.Atoi(q.marker)
		if err != nil || n < 0 || n > len(found) {
			s.writeError(w, r, errorf("InvalidArgument", "Marker %q is not a marker this list returned.", truncate(q.marker, 40)))
			return
		}
		start = n
	}
	page := found[start:]
	out := &distconfig.Node{Name: "ListDomainConflictsResult"}
	list := out.Append(&distconfig.Node{Name: "DomainConflicts"})
	next := ""
	if len(page) > q.max {
		page = page[:q.max]
		next = strconv.Itoa(start + q.max)
	}
	for _, c := range page {
		list.Append(&distconfig.Node{Name: "DomainConflicts", Nodes: []*distconfig.Node{
			leaf("Domain", c.domain), leaf("ResourceType", c.typ), leaf("ResourceId", c.id), leaf("AccountId", s.accountID),
		}})
	}
	if next != "" {
		out.Append(leaf("NextMarker", next))
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{out})
}

// loadTenantByIdentifier returns the tenant an identifier names: its ID,
// its ARN or its name.
func (s *Server) loadTenantByIdentifier(ctx context.Context, ident string) (*store.Resource, error) {
	id := strings.TrimPrefix(ident, s.tenantARN(""))
	if id != "" && len(id) <= maxIDLen && !strings.Contains(id, "/") {
		t, err := s.store.GetResource(ctx, tenantKind, id)
		if err == nil || !errors.Is(err, store.ErrNoResource) {
			return t, err
		}
	}
	all, err := s.store.ListResources(ctx, tenantKind)
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		if t.Name == ident {
			return t, nil
		}
	}
	return nil, errNoTenant()
}

// verifyDnsConfiguration serves VerifyDnsConfiguration for a tenant (its
// ID, ARN or name): each of its domains, or the one Domain given, is
// answered unknown-configuration, as CloudFront answers a domain whose
// DNS it cannot look up — the emulator looks up no DNS.
func (s *Server) verifyDnsConfiguration(w http.ResponseWriter, r *http.Request) {
	const root = "VerifyDnsConfigurationRequest"
	n, aerr := parseBody(requestBody(r), root)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if aerr := onlyMembers(n, root, "Domain", "Identifier"); aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	ident := n.Value("Identifier")
	if ident == "" {
		s.writeError(w, r, errorf("InvalidArgument", "%s.Identifier is required: the distribution tenant's ID, ARN or name.", root))
		return
	}
	t, err := s.loadTenantByIdentifier(r.Context(), ident)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	domains := tenantDomains(t)
	if n.Has("Domain") {
		d := n.Value("Domain")
		if !slices.ContainsFunc(domains, func(have string) bool { return normalDomain(have) == normalDomain(d) }) {
			s.writeError(w, r, errorf("InvalidArgument", "The domain %q is not a domain of the distribution tenant %s.", truncate(d, 260), t.ID))
			return
		}
		domains = []string{d}
	}
	out := &distconfig.Node{Name: "VerifyDnsConfigurationResult"}
	list := out.Append(&distconfig.Node{Name: "DnsConfigurationList"})
	for _, d := range domains {
		list.Append(&distconfig.Node{Name: "DnsConfiguration", Nodes: []*distconfig.Node{
			leaf("Domain", d), leaf("Status", "unknown-configuration"),
			leaf("Reason", "cfinv serve does not look up DNS, so it cannot verify that the domain points to the routing endpoint."),
		}})
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{out})
}
