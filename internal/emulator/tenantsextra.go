package emulator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// The rest of the distribution tenant operations (issue 27):
// GetManagedCertificateDetails, ListDistributionTenantsByCustomization and
// UpdateDomainAssociation. Control plane only: the edge serves no
// certificates (it speaks plain HTTP), and a domain's move changes which
// distribution or tenant the edge answers it for, as an alias or a
// tenant domain does.

func init() {
	shapes["ManagedCertificateRequest"] = shape{kind: shapeStructure,
		members: []member{{"ValidationTokenHost", "ValidationTokenHost"}, {"PrimaryDomainName", "string"},
			{"CertificateTransparencyLoggingPreference", "CertificateTransparencyLoggingPreference"}},
		required: []string{"ValidationTokenHost"}}
	shapes["ValidationTokenHost"] = shape{kind: shapeEnum, enum: []string{"cloudfront", "self-hosted"}}
	shapes["CertificateTransparencyLoggingPreference"] = shape{kind: shapeEnum, enum: []string{"enabled", "disabled"}}
	shapes["ListDistributionTenantsByCustomizationRequest"] = shape{kind: shapeStructure, members: []member{
		{"WebACLArn", "string"}, {"CertificateArn", "string"}, {"Marker", "string"}, {"MaxItems", "integer"}}}
	shapes["UpdateDomainAssociationRequest"] = shape{kind: shapeStructure,
		members:  []member{{"Domain", "string"}, {"TargetResource", "DistributionResourceId"}},
		required: []string{"Domain", "TargetResource"}}
	shapes["DistributionResourceId"] = shape{kind: shapeStructure,
		members: []member{{"DistributionId", "string"}, {"DistributionTenantId", "string"}}}
}

func (s *Server) tenantExtraRoutes() {
	const v = "/2020-05-31"
	s.mux.HandleFunc("GET "+v+"/managed-certificate/{id}", s.getManagedCertificateDetails)
	s.mux.HandleFunc("POST "+v+"/distribution-tenants-by-customization", s.listTenantsByCustomization)
	s.mux.HandleFunc("POST "+v+"/domain-association", s.updateDomainAssociation)
}

// checkManagedCertificateRequest checks a tenant request's
// ManagedCertificateRequest (nil: none) against the model.
func checkManagedCertificateRequest(n *distconfig.Node, root string) *apiError {
	if n == nil {
		return nil
	}
	return validateShape(n, "ManagedCertificateRequest", root+".ManagedCertificateRequest")
}

// isCode reports whether err is an *apiError with code.
func isCode(err error, code string) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Code == code
}

// getManagedCertificateDetails answers the CloudFront-managed ACM
// certificate a tenant asked for with ManagedCertificateRequest. Its ARN
// and validation tokens are derived from the tenant's ID; it is
// pending-validation for the server's completion delay after the tenant's
// creation, then issued. A tenant that asked for none is EntityNotFound,
// the only not-found code the model lists.
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetManagedCertificateDetails.html
func (s *Server) getManagedCertificateDetails(w http.ResponseWriter, r *http.Request) {
	t, err := s.loadTenantByIdentifier(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req := t.Config.Child("ManagedCertificateRequest")
	if req == nil {
		s.writeError(w, r, errorf("EntityNotFound", "The distribution tenant %s has no CloudFront-managed certificate: create or update it with a ManagedCertificateRequest.", t.ID))
		return
	}
	sum := sha256.Sum256([]byte("cfinv managed certificate " + t.ID))
	h := hex.EncodeToString(sum[:])
	status := "issued"
	if s.now().Before(t.CreatedTime.Add(s.delay)) {
		status = "pending-validation"
	}
	n := &distconfig.Node{Name: "ManagedCertificateDetails", Nodes: []*distconfig.Node{
		leaf("CertificateArn", fmt.Sprintf("arn:aws:acm:us-east-1:%s:certificate/%s-%s-%s-%s-%s", s.accountID, h[:8], h[8:12], h[12:16], h[16:20], h[20:32])),
		leaf("CertificateStatus", status),
		leaf("ValidationTokenHost", req.Value("ValidationTokenHost")),
	}}
	tokens := n.Append(&distconfig.Node{Name: "ValidationTokenDetails"})
	for i, d := range tenantDomains(t) {
		token := h[32+i%8 : 48+i%8]
		tokens.Append(&distconfig.Node{Name: "member", Nodes: []*distconfig.Node{
			leaf("Domain", d),
			leaf("RedirectTo", "validation.us-east-1.acm-validations.aws/"+s.accountID+"/.well-known/pki-validation/"+token+".txt"),
			leaf("RedirectFrom", d+"/.well-known/pki-validation/"+token+".txt"),
		}})
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{n})
}

// listTenantsByCustomization answers the tenants whose Customizations name
// the WebACLArn and/or CertificateArn given (one at least), in creation
// order.
func (s *Server) listTenantsByCustomization(w http.ResponseWriter, r *http.Request) {
	const root = "ListDistributionTenantsByCustomizationRequest"
	// No member is required, so an SDK sends no body for an empty
	// request (boto3 does): that is the empty request, not MissingBody.
	n, aerr := &distconfig.Node{Name: root}, (*apiError)(nil)
	if body := requestBody(r); len(bytes.TrimSpace(body)) > 0 {
		n, aerr = parseBody(body, root)
	}
	if aerr == nil {
		aerr = validateShape(n, root, root)
	}
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	acl, cert := strings.TrimSpace(n.Value("WebACLArn")), strings.TrimSpace(n.Value("CertificateArn"))
	if acl == "" && cert == "" {
		s.writeError(w, r, errorf("InvalidArgument", "%s needs WebACLArn or CertificateArn (or both) to filter by.", root))
		return
	}
	max := DefaultMaxItems
	if m := n.Child("MaxItems"); m != nil {
		v, err := strconv.Atoi(strings.TrimSpace(m.Text))
		if err != nil || v < 1 || v > MaxMaxItems {
			s.writeError(w, r, errorf("InvalidArgument", "MaxItems %q is invalid: it must be an integer from 1 to %d.", truncate(m.Text, 40), MaxMaxItems))
			return
		}
		max = v
	}
	all, err := s.store.ListResources(r.Context(), tenantKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var match []*store.Resource
	for _, t := range all {
		c := t.Config.Child("Customizations")
		if c == nil {
			continue
		}
		if (acl == "" || c.Value("WebAcl", "Arn") == acl) && (cert == "" || c.Value("Certificate", "Arn") == cert) {
			match = append(match, t)
		}
	}
	page, next, aerr := pageAfter(match, n.Value("Marker"), max, "distribution tenant")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	out := &distconfig.Node{Name: "ListDistributionTenantsByCustomizationResult"}
	if next != "" {
		out.Append(leaf("NextMarker", next))
	}
	list := out.Append(&distconfig.Node{Name: "DistributionTenantList"})
	for _, t := range page {
		list.Append(s.wireTenant(t, true))
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{out})
}

// domainHolder is where a domain is: a distribution's alias or a tenant's
// domain.
type domainHolder struct {
	dist   *store.Distribution
	tenant *store.Resource
}

func (h domainHolder) id() string {
	if h.dist != nil {
		return h.dist.ID
	}
	return h.tenant.ID
}

func (h domainHolder) enabled() bool {
	if h.dist != nil {
		return h.dist.Config.Value("Enabled") == "true"
	}
	return h.tenant.Config.Value("Enabled") == "true"
}

// findDomain returns the distribution or tenant that has domain (ok false:
// none).
func (s *Server) findDomain(ctx context.Context, domain string) (domainHolder, bool, error) {
	dists, err := s.allDistributions(ctx)
	if err != nil {
		return domainHolder{}, false, err
	}
	for _, d := range dists {
		for _, a := range d.Config.Find("Aliases", "Items").All("CNAME") {
			if strings.EqualFold(a.Text, domain) {
				return domainHolder{dist: d}, true, nil
			}
		}
	}
	tenants, err := s.store.ListResources(ctx, tenantKind)
	if err != nil {
		return domainHolder{}, false, err
	}
	for _, t := range tenants {
		if slices.Contains(tenantDomains(t), domain) {
			return domainHolder{tenant: t}, true, nil
		}
	}
	return domainHolder{}, false, nil
}

// withAlias returns distribution config c with domain added to (add) or
// removed from its Aliases, Quantity to match.
func withAlias(c *distconfig.Node, domain string, add bool) *distconfig.Node {
	c = c.Clone()
	names := slices.DeleteFunc(aliasesOf(c), func(a string) bool { return strings.EqualFold(a, domain) })
	if add {
		names = append(names, domain)
	}
	setAliases(c, names)
	return withDefaults(c)
}

// withTenantDomain returns tenant config c with domain added or removed.
func withTenantDomain(c *distconfig.Node, domain string, add bool) *distconfig.Node {
	c = c.Clone()
	doms := c.Child("Domains")
	doms.Nodes = slices.DeleteFunc(doms.Nodes, func(d *distconfig.Node) bool { return d.Text == domain })
	if add {
		doms.Append(leaf("Domain", domain))
	}
	return c
}

// moveDomain adds domain to (add) or removes it from holder's
// distribution or tenant; etag, when not empty, must be its ETag, and
// check (may be nil) is called with its config and its domains in the
// same transaction as the write. It returns the new ETag.
func (s *Server) moveDomain(ctx context.Context, h domainHolder, domain string, add bool, etag string, check func(c *distconfig.Node, domains []string) error) (string, error) {
	now := s.now()
	if h.dist != nil {
		d, err := s.store.UpdateDistribution(ctx, h.dist.ID, func(d *store.Distribution) error {
			if etag != "" && d.ETag != etag {
				return errPreconditionFailed()
			}
			if check != nil {
				if err := check(d.Config, aliasesOf(d.Config)); err != nil {
					return err
				}
			}
			d.Config = withAlias(d.Config, domain, add)
			d.ETag, d.Status, d.LastModifiedTime, d.DeployedAt = newETag(), store.StatusInProgress, now, now.Add(s.delay)
			return nil
		})
		if errors.Is(err, store.ErrNoDistribution) {
			return "", errorf("EntityNotFound", "The distribution %s was not found.", h.dist.ID)
		}
		if err != nil {
			return "", err
		}
		return d.ETag, nil
	}
	t, err := s.store.UpdateResource(ctx, tenantKind, h.tenant.ID, func(t *store.Resource) error {
		if etag != "" && t.ETag != etag {
			return errPreconditionFailed()
		}
		if check != nil {
			if err := check(t.Config, tenantDomains(t)); err != nil {
				return err
			}
		}
		t.Config, t.ETag, t.LastModifiedTime = withTenantDomain(t.Config, domain, add), newETag(), now
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		return "", errNoTenant()
	}
	if err != nil {
		return "", err
	}
	return t.ETag, nil
}

// updateDomainAssociation moves a domain from the standard distribution
// or tenant that has it to the target one. As CloudFront documents, the
// source must be disabled first (IllegalUpdate otherwise); If-Match, when
// sent, is the target's ETag. The move is two writes: the target gets the
// domain, then the source loses it, each checked in its own write (the
// target's kind and domain count, the source still holding the domain and
// disabled), so a concurrent change between the look-up and the writes is
// refused instead of leaving the domain on two resources or moving it off
// an enabled one; if the second write fails, the first is undone.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/CNAMEs.html#alternate-domain-names-move
func (s *Server) updateDomainAssociation(w http.ResponseWriter, r *http.Request) {
	const root = "UpdateDomainAssociationRequest"
	n, aerr := parseBody(requestBody(r), root)
	if aerr == nil {
		aerr = validateShape(n, root, root)
	}
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	domain := strings.ToLower(strings.TrimSpace(n.Value("Domain")))
	distID, tenantID := n.Value("TargetResource", "DistributionId"), n.Value("TargetResource", "DistributionTenantId")
	if domain == "" || (distID == "") == (tenantID == "") {
		s.writeError(w, r, errorf("InvalidArgument", "%s needs a Domain and a TargetResource with one of DistributionId and DistributionTenantId.", root))
		return
	}
	ctx := r.Context()
	var target domainHolder
	if distID != "" {
		d, err := s.store.GetDistribution(ctx, distID)
		if errors.Is(err, store.ErrNoDistribution) {
			err = errorf("EntityNotFound", "The target distribution %s was not found.", truncate(distID, 40))
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if d.Config.Value("ConnectionMode") == "tenant-only" {
			s.writeError(w, r, errorf("InvalidArgument", "The target distribution %s is multi-tenant: its domains are its tenants'; target one of its tenants.", distID))
			return
		}
		target.dist = d
	} else {
		t, err := s.loadTenant(ctx, tenantID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if len(tenantDomains(t)) >= maxTenantDomains {
			s.writeError(w, r, errorf("InvalidArgument", "The target distribution tenant %s has %d domains already, the most a tenant can have.", t.ID, maxTenantDomains))
			return
		}
		target.tenant = t
	}
	source, ok, err := s.findDomain(ctx, domain)
	switch {
	case err != nil:
		s.writeError(w, r, err)
		return
	case !ok:
		s.writeError(w, r, errorf("EntityNotFound", "No distribution or distribution tenant has the domain %s.", truncate(domain, 100)))
		return
	case source.id() == target.id():
		s.writeError(w, r, errorf("InvalidArgument", "The domain %s is already associated with %s.", domain, target.id()))
		return
	case source.enabled():
		s.writeError(w, r, errorf("IllegalUpdate", "The domain %s is associated with %s, which is enabled: disable it before moving the domain.", domain, source.id()))
		return
	}
	etag, err := s.moveDomain(ctx, target, domain, true, r.Header.Get("If-Match"), func(c *distconfig.Node, domains []string) error {
		if slices.ContainsFunc(domains, func(d string) bool { return strings.EqualFold(d, domain) }) {
			return errorf("InvalidArgument", "The domain %s is already associated with %s.", domain, target.id())
		}
		if target.tenant != nil && len(domains) >= maxTenantDomains {
			return errorf("InvalidArgument", "The target distribution tenant %s has %d domains already, the most a tenant can have.", target.id(), maxTenantDomains)
		}
		if target.dist != nil && c.Value("ConnectionMode") == "tenant-only" {
			return errorf("InvalidArgument", "The target distribution %s is multi-tenant: its domains are its tenants'; target one of its tenants.", target.id())
		}
		return nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, err = s.moveDomain(ctx, source, domain, false, "", func(c *distconfig.Node, domains []string) error {
		if !slices.ContainsFunc(domains, func(d string) bool { return strings.EqualFold(d, domain) }) {
			return errorf("IllegalUpdate", "The domain %s is no longer associated with %s: another request moved it meanwhile; look it up and try again.", domain, source.id())
		}
		if c.Value("Enabled") == "true" {
			return errorf("IllegalUpdate", "The domain %s is associated with %s, which is enabled: disable it before moving the domain.", domain, source.id())
		}
		return nil
	})
	if err != nil {
		if _, uerr := s.moveDomain(ctx, target, domain, false, "", nil); uerr != nil {
			s.log.Error("undo domain association", "domain", domain, "target", target.id(), "err", uerr)
		}
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{&distconfig.Node{Name: "UpdateDomainAssociationResult", Nodes: []*distconfig.Node{
		leaf("Domain", domain), leaf("ResourceId", target.id()),
	}}})
}
