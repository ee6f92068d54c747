package emulator

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Web ACL association (issue 27): AWS WAF in front of a distribution or a
// distribution tenant. The emulator keeps the control plane only: the
// association is the distribution config's WebACLId, or the tenant's
// Customizations.WebAcl, and the edge filters nothing.
//
// AssociateDistributionWebACL and its three siblings change nothing but
// that member; each gives the distribution or tenant a new ETag, and a
// distribution goes InProgress as after UpdateDistribution. If-Match is
// optional in the model: when sent it must be the current ETag
// (PreconditionFailed). An unknown distribution or tenant is
// EntityNotFound, the code the model lists.
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_AssociateDistributionWebACL.html
// https://docs.aws.amazon.com/waf/latest/developerguide/cloudfront-features.html

var (
	// wafv2GlobalACL is a WAF V2 web ACL that CloudFront takes: scope
	// CLOUDFRONT, which lives in us-east-1 as global/webacl/NAME/ID.
	wafv2GlobalACL = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/[A-Za-z0-9_-]{1,128}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	})
	// wafClassicACLID is a WAF Classic web ACL's ID, a UUID.
	wafClassicACLID = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	})
)

func init() {
	statusOf["InvalidWebACLId"] = http.StatusBadRequest // the model's
	shapes["AssociateWebACLRequest"] = shape{kind: shapeStructure,
		members: []member{{"WebACLArn", "string"}}, required: []string{"WebACLArn"}}
}

func (s *Server) webACLRoutes() {
	const v = "/2020-05-31"
	s.mux.HandleFunc("PUT "+v+"/distribution/{id}/associate-web-acl", s.associateDistributionWebACL)
	s.mux.HandleFunc("PUT "+v+"/distribution/{id}/disassociate-web-acl", s.associateDistributionWebACL)
	s.mux.HandleFunc("PUT "+v+"/distribution-tenant/{id}/associate-web-acl", s.associateTenantWebACL)
	s.mux.HandleFunc("PUT "+v+"/distribution-tenant/{id}/disassociate-web-acl", s.associateTenantWebACL)
}

// decodeWebACLArn reads the WebACLArn of an Associate…WebACLRequest whose
// root is root.
func decodeWebACLArn(r *http.Request, root string) (string, *apiError) {
	n, aerr := parseBody(requestBody(r), root)
	if aerr == nil {
		aerr = validateShape(n, "AssociateWebACLRequest", root)
	}
	if aerr != nil {
		return "", aerr
	}
	arn := strings.TrimSpace(n.Value("WebACLArn"))
	if !wafv2GlobalACL().MatchString(arn) {
		return "", errorf("InvalidArgument", "%s.WebACLArn %q is not the ARN of a WAF V2 web ACL of scope CLOUDFRONT (arn:aws:wafv2:us-east-1:ACCOUNT:global/webacl/NAME/ID).", root, truncate(arn, 200))
	}
	return arn, nil
}

// webACLResult answers <root><Id/>[<WebACLArn/>]</root> with the ETag.
func (s *Server) webACLResult(w http.ResponseWriter, r *http.Request, root, id, arn, etag string) {
	n := &distconfig.Node{Name: root, Nodes: []*distconfig.Node{leaf("Id", id)}}
	if arn != "" {
		n.Append(leaf("WebACLArn", arn))
	}
	w.Header().Set("ETag", etag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{n})
}

// associateDistributionWebACL serves AssociateDistributionWebACL and, on
// …/disassociate-web-acl, DisassociateDistributionWebACL.
func (s *Server) associateDistributionWebACL(w http.ResponseWriter, r *http.Request) {
	associate := strings.HasSuffix(r.URL.Path, "/associate-web-acl")
	root := "DisassociateDistributionWebACL"
	arn := ""
	if associate {
		root = "AssociateDistributionWebACL"
		var aerr *apiError
		if arn, aerr = decodeWebACLArn(r, root+"Request"); aerr != nil {
			s.writeError(w, r, aerr)
			return
		}
	}
	etag := r.Header.Get("If-Match")
	now := s.now()
	id := r.PathValue("id")
	d, err := s.store.UpdateDistribution(r.Context(), id, func(d *store.Distribution) error {
		if etag != "" && d.ETag != etag {
			return errPreconditionFailed()
		}
		c := d.Config.Clone()
		if n := c.Child("WebACLId"); n != nil {
			n.Text = arn
		} else {
			c.Append(leaf("WebACLId", arn))
		}
		d.Config = withDefaults(c)
		d.ETag = newETag()
		d.Status = store.StatusInProgress
		d.LastModifiedTime = now
		d.DeployedAt = now.Add(s.delay)
		return nil
	})
	if errors.Is(err, store.ErrNoDistribution) {
		err = errorf("EntityNotFound", "The distribution %s was not found.", truncate(id, 40))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.webACLResult(w, r, root+"Result", d.ID, arn, d.ETag)
}

// associateTenantWebACL serves AssociateDistributionTenantWebACL and, on
// …/disassociate-web-acl, DisassociateDistributionTenantWebACL: the
// tenant's Customizations.WebAcl becomes {override, ARN}, or goes.
func (s *Server) associateTenantWebACL(w http.ResponseWriter, r *http.Request) {
	associate := strings.HasSuffix(r.URL.Path, "/associate-web-acl")
	root := "DisassociateDistributionTenantWebACL"
	arn := ""
	if associate {
		root = "AssociateDistributionTenantWebACL"
		var aerr *apiError
		if arn, aerr = decodeWebACLArn(r, root+"Request"); aerr != nil {
			s.writeError(w, r, aerr)
			return
		}
	}
	etag := r.Header.Get("If-Match")
	now := s.now()
	t, err := s.store.UpdateResource(r.Context(), tenantKind, r.PathValue("id"), func(t *store.Resource) error {
		if etag != "" && t.ETag != etag {
			return errPreconditionFailed()
		}
		c := t.Config.Clone()
		cust := c.Child("Customizations")
		if cust == nil {
			cust = c.Append(&distconfig.Node{Name: "Customizations"})
		}
		cust.Nodes = slicesDeleteNamed(cust.Nodes, "WebAcl")
		if associate {
			cust.Nodes = append([]*distconfig.Node{{Name: "WebAcl", Nodes: []*distconfig.Node{
				leaf("Action", "override"), leaf("Arn", arn),
			}}}, cust.Nodes...)
		}
		if len(cust.Nodes) == 0 {
			c.Nodes = slicesDeleteNamed(c.Nodes, "Customizations")
		}
		t.Config, t.ETag, t.LastModifiedTime = c, newETag(), now
		return nil
	})
	if errors.Is(err, store.ErrNoResource) || errors.Is(err, store.ErrInvalidKey) {
		err = errNoTenant()
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.webACLResult(w, r, root+"Result", t.ID, arn, t.ETag)
}

// checkWebACLID validates ListDistributionsByWebACLId's ID: a WAF V2 web
// ACL's ARN, a WAF Classic web ACL's ID, or "null" (the distributions
// without one), as the model documents; anything else is
// InvalidWebACLId.
func checkWebACLID(id string) *apiError {
	if id == "null" || wafv2GlobalACL().MatchString(id) || wafClassicACLID().MatchString(id) {
		return nil
	}
	return errorf("InvalidWebACLId", "Web ACL Id %q is not valid: give a WAF V2 web ACL's ARN (arn:aws:wafv2:us-east-1:ACCOUNT:global/webacl/NAME/ID), a WAF Classic web ACL's ID, or null.", truncate(id, 200))
}

// checkConfigWebACLID checks a DistributionConfig's WebACLId, when set:
// a WAF V2 web ACL's ARN (scope CLOUDFRONT) or a WAF Classic web ACL's
// ID, and only the former for a multi-tenant distribution, as the
// model's DistributionConfig.WebACLId documents; else InvalidWebACLId.
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html
func checkConfigWebACLID(c *distconfig.Node) *apiError {
	id := c.Value("WebACLId")
	switch {
	case id == "" || wafv2GlobalACL().MatchString(id):
		return nil
	case wafClassicACLID().MatchString(id) && connectionModeOf(c) == "tenant-only":
		return errorf("InvalidWebACLId", "DistributionConfig.WebACLId %q is a WAF Classic web ACL's ID; a multi-tenant distribution takes only a WAF V2 web ACL's ARN (arn:aws:wafv2:us-east-1:ACCOUNT:global/webacl/NAME/ID).", truncate(id, 200))
	case wafClassicACLID().MatchString(id):
		return nil
	}
	return errorf("InvalidWebACLId", "DistributionConfig.WebACLId %q is not valid: give a WAF V2 web ACL's ARN (arn:aws:wafv2:us-east-1:ACCOUNT:global/webacl/NAME/ID), a WAF Classic web ACL's ID (a UUID), or leave it empty.", truncate(id, 200))
}

// usesWebACL reports whether distribution config c has web ACL id
// ("null": has none).
func usesWebACL(c *distconfig.Node, id string) bool {
	if id == "null" {
		return c.Value("WebACLId") == ""
	}
	return c.Value("WebACLId") == id
}
