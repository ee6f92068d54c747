package emulator

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Connection groups (issue 27): how the distribution tenants of a
// multi-tenant distribution are reached — a routing endpoint (a
// CloudFront domain name the tenants' CNAMEs point to), IPv6, and
// optionally an Anycast static IP list.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/custom-connection-group.html
// The stored config is
//
//	<ConnectionGroup><Ipv6Enabled/><RoutingEndpoint/><AnycastIpListId/><Enabled/></ConnectionGroup>
//
// Tenants name a group in ConnectionGroupId; a group must be disabled
// before it is deleted (ResourceNotDisabled) and is in use while a
// tenant names it.
const connectionGroupKind = "connection-group"

// maxConnectionGroupName bounds a group's name. The model gives the Name
// no limit; 128 is the emulator's, the length of a tenant's name.
const maxConnectionGroupName = 128

var connectionGroups = &entityKind{
	kind:       connectionGroupKind,
	elem:       "ConnectionGroup",
	what:       "connection group",
	newID:      func() string { return newID("cg_", 27, upperAlnum) },
	create:     createConnectionGroupRequest,
	update:     updateConnectionGroupRequest,
	wire:       wireConnectionGroup,
	summary:    connectionGroupSummary,
	listMember: "ConnectionGroups",
	listExtra:  []string{"AssociationFilter"},
	listFilter: func(q listRequest) func(*store.Resource) bool {
		anycast := ""
		if q.body != nil {
			anycast = q.body.Value("AssociationFilter", "AnycastIpListId")
		}
		return func(res *store.Resource) bool {
			return anycast == "" || res.Config.Value("AnycastIpListId") == anycast
		}
	},
	canDelete: func(res *store.Resource) *apiError {
		if res.Config.Value("Enabled") != "false" {
			return errorf("ResourceNotDisabled", "The connection group is enabled; disable it (UpdateConnectionGroup with Enabled false) before deleting it.")
		}
		return nil
	},
	inUse: func(res *store.Resource, in store.Snapshot) (bool, error) {
		tenants, err := in.Resources(tenantKind)
		if err != nil {
			return false, err
		}
		for _, t := range tenants {
			if t.Config.Value("ConnectionGroupId") == res.ID {
				return true, nil
			}
		}
		return false, nil
	},
}

// connectionGroupFields reads the members Create- and
// UpdateConnectionGroupRequest share (Ipv6Enabled, AnycastIpListId,
// Enabled) over cfg. An AnycastIpListId must name a list of this account
// (EntityNotFound, the model's error for both operations).
func (s *Server) connectionGroupFields(ctx context.Context, n, cfg *distconfig.Node) error {
	for _, m := range []string{"Ipv6Enabled", "Enabled"} {
		v := cfg.Value(m) == "true"
		if aerr := boolMember(n, m, &v); aerr != nil {
			return aerr
		}
		cfg.Set(m, strconv.FormatBool(v))
	}
	if a := n.Child("AnycastIpListId"); a != nil {
		id := strings.TrimSpace(a.Text)
		if id != "" {
			if err := s.checkAnycastIPList(ctx, id, "AnycastIpListId"); err != nil {
				return err
			}
		}
		cfg.Set("AnycastIpListId", id)
	}
	return nil
}

func createConnectionGroupRequest(s *Server, r *http.Request) (*distconfig.Node, string, []store.Tag, error) {
	const root = "CreateConnectionGroupRequest"
	n, aerr := parseBody(requestBody(r), root)
	if aerr != nil {
		return nil, "", nil, aerr
	}
	if aerr := onlyMembers(n, root, "Name", "Ipv6Enabled", "Tags", "AnycastIpListId", "Enabled"); aerr != nil {
		return nil, "", nil, aerr
	}
	name := n.Value("Name")
	if !n.Has("Name") {
		return nil, "", nil, errorf("InvalidArgument", "%s.Name is required.", root)
	}
	if c := utf8.RuneCountInString(name); c == 0 || c > maxConnectionGroupName || !utf8.ValidString(name) ||
		strings.ContainsFunc(name, unicode.IsControl) {
		return nil, "", nil, errorf("InvalidArgument", "Name %q is not valid: 1 to %d characters, no control characters.", truncate(name, 140), maxConnectionGroupName)
	}
	// CloudFront's defaults: IPv6 on, enabled.
	cfg := &distconfig.Node{Name: "ConnectionGroup", Nodes: []*distconfig.Node{
		leaf("Ipv6Enabled", "true"), leaf("RoutingEndpoint", newDomainName()), leaf("Enabled", "true"),
	}}
	if err := s.connectionGroupFields(r.Context(), n, cfg); err != nil {
		return nil, "", nil, err
	}
	var tags []store.Tag
	if t := n.Child("Tags"); t != nil {
		if tags, aerr = parseTags(t); aerr != nil {
			return nil, "", nil, aerr
		}
	}
	return cfg, name, tags, nil
}

func updateConnectionGroupRequest(s *Server, r *http.Request, old *store.Resource) (*distconfig.Node, error) {
	const root = "UpdateConnectionGroupRequest"
	cfg := old.Config.Clone()
	body := requestBody(r)
	if len(body) == 0 {
		return cfg, nil
	}
	n, aerr := parseBody(body, root)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := onlyMembers(n, root, "Ipv6Enabled", "AnycastIpListId", "Enabled"); aerr != nil {
		return nil, aerr
	}
	if err := s.connectionGroupFields(r.Context(), n, cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

func wireConnectionGroup(s *Server, res *store.Resource) *distconfig.Node {
	c := res.Config
	n := &distconfig.Node{Name: "ConnectionGroup", Nodes: []*distconfig.Node{
		leaf("Id", res.ID), leaf("Name", res.Name), leaf("Arn", s.entityARN(connectionGroupKind, res.ID)),
		leaf("CreatedTime", wireTime(res.CreatedTime)), leaf("LastModifiedTime", wireTime(res.LastModifiedTime)),
		tagsNode(res.Tags),
		leaf("Ipv6Enabled", c.Value("Ipv6Enabled")), leaf("RoutingEndpoint", c.Value("RoutingEndpoint")),
	}}
	if a := c.Value("AnycastIpListId"); a != "" {
		n.Append(leaf("AnycastIpListId", a))
	}
	n.Append(leaf("Status", "Deployed"))
	n.Append(leaf("Enabled", c.Value("Enabled")))
	n.Append(leaf("IsDefault", "false"))
	return n
}

func connectionGroupSummary(s *Server, res *store.Resource) *distconfig.Node {
	c := res.Config
	n := &distconfig.Node{Name: "ConnectionGroupSummary", Nodes: []*distconfig.Node{
		leaf("Id", res.ID), leaf("Name", res.Name), leaf("Arn", s.entityARN(connectionGroupKind, res.ID)),
		leaf("RoutingEndpoint", c.Value("RoutingEndpoint")),
		leaf("CreatedTime", wireTime(res.CreatedTime)), leaf("LastModifiedTime", wireTime(res.LastModifiedTime)),
		leaf("ETag", res.ETag),
	}}
	if a := c.Value("AnycastIpListId"); a != "" {
		n.Append(leaf("AnycastIpListId", a))
	}
	n.Append(leaf("Enabled", c.Value("Enabled")))
	n.Append(leaf("Status", "Deployed"))
	n.Append(leaf("IsDefault", "false"))
	return n
}

func (s *Server) connectionGroupRoutes() {
	s.mux.HandleFunc("GET /2020-05-31/connection-group", s.getConnectionGroupByRoutingEndpoint)
}

// getConnectionGroupByRoutingEndpoint serves
// GetConnectionGroupByRoutingEndpoint: the group whose RoutingEndpoint is
// the query's (compared without case).
func (s *Server) getConnectionGroupByRoutingEndpoint(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("RoutingEndpoint") {
		s.writeError(w, r, errorf("InvalidArgument", "The RoutingEndpoint query parameter is required."))
		return
	}
	ep := q.Get("RoutingEndpoint")
	all, err := s.store.ListResources(r.Context(), connectionGroupKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, res := range all {
		if strings.EqualFold(res.Config.Value("RoutingEndpoint"), ep) {
			w.Header().Set("ETag", res.ETag)
			s.writeXML(w, r, http.StatusOK, xmlDocument{wireConnectionGroup(s, res)})
			return
		}
	}
	s.writeError(w, r, connectionGroups.notFound("routing endpoint "+ep))
}

// checkConnectionGroupID refuses a tenant's ConnectionGroupId that names
// no connection group by its ID (EntityNotFound); "" names none and
// passes.
func (s *Server) checkConnectionGroupID(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	notFound := errorf("EntityNotFound", "The connection group %s in ConnectionGroupId was not found.", truncate(id, 40))
	if len(id) > maxIDLen {
		return notFound
	}
	_, err := s.store.GetResource(ctx, connectionGroupKind, id)
	if errors.Is(err, store.ErrNoResource) {
		return notFound
	}
	return err
}
