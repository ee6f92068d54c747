package emulator

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// entityKind describes a resource of the shape CloudFront's newer
// resources share (connection groups, trust stores; issue 27), unlike the
// <Kind>Config resources of resourceKind: a Create<Elem>Request body of
// members, the resource element answered with its ETag in a header,
// Get by Identifier (the Id, the ARN or the name), a POST list (List<Elem>s with
// Marker and MaxItems in the body), and the model's generic errors:
// EntityNotFound, EntityAlreadyExists (a name taken),
// CannotDeleteEntityWhileInUse, InvalidIfMatchVersion and
// PreconditionFailed. A kind is this declaration plus its decode, render
// and checks; the handlers below are shared. Each resource is a
// store.Resource whose Name is unique within the kind, whose Tags are
// the resource's (taggable through its ARN), and whose Config holds the
// kind's members.
type entityKind struct {
	kind string // store kind, URL segment and ARN resource type, e.g. "connection-group"
	elem string // element name, e.g. "ConnectionGroup"
	what string // for messages, e.g. "connection group"
	// newID returns a new ID in the kind's format.
	newID func() string
	// create decodes a Create<Elem>Request into the stored config and
	// the resource's name and tags.
	create func(s *Server, r *http.Request) (cfg *distconfig.Node, name string, tags []store.Tag, err error)
	// update decodes an Update<Elem>Request and returns the new config
	// from the stored resource.
	update func(s *Server, r *http.Request, old *store.Resource) (*distconfig.Node, error)
	// wire renders the resource element; summary the list entry (which
	// carries the ETag).
	wire, summary func(s *Server, res *store.Resource) *distconfig.Node
	// listMember is the list result's member, e.g. "ConnectionGroups";
	// listFilter, when set, reads the list request's filter and returns
	// which resources it keeps (the filter elements are allowed in the
	// request body).
	listMember string
	listFilter func(q listRequest) func(*store.Resource) bool
	listExtra  []string
	// canDelete refuses deleting a resource in its state (may be nil),
	// e.g. ResourceNotDisabled.
	canDelete func(res *store.Resource) *apiError
	// inUse reports whether another resource references res (may be nil).
	inUse func(res *store.Resource, in store.Snapshot) (bool, error)
}

// entityKinds are the kinds served through entityRoutes.
var entityKinds = []*entityKind{connectionGroups, trustStores}

// entityARN is the ARN of resource id of store kind kind.
func (s *Server) entityARN(kind, id string) string {
	return "arn:aws:cloudfront::" + s.accountID + ":" + kind + "/" + id
}

func (k *entityKind) notFound(ident string) *apiError {
	e := errorf("EntityNotFound", "The %s was not found.", k.what)
	e.Detail = k.what + " " + truncate(ident, 100)
	return e
}

// entityRoutes registers the kind's Create, Get, List, Update and Delete.
func (s *Server) entityRoutes(k *entityKind) {
	base := "/2020-05-31/" + k.kind
	s.mux.HandleFunc("POST "+base, func(w http.ResponseWriter, r *http.Request) { s.createEntity(w, r, k) })
	s.mux.HandleFunc("POST "+base+"s", func(w http.ResponseWriter, r *http.Request) { s.listEntities(w, r, k) })
	s.mux.HandleFunc("GET "+base+"/{id}", func(w http.ResponseWriter, r *http.Request) { s.getEntity(w, r, k) })
	s.mux.HandleFunc("PUT "+base+"/{id}", func(w http.ResponseWriter, r *http.Request) { s.updateEntity(w, r, k) })
	s.mux.HandleFunc("DELETE "+base+"/{id}", func(w http.ResponseWriter, r *http.Request) { s.deleteEntity(w, r, k) })
}

// loadEntity returns the resource an Identifier names: its Id, its ARN
// or its name (GetConnectionGroup's Identifier is "the ID, name, or ARN").
func (s *Server) loadEntity(ctx context.Context, k *entityKind, ident string) (*store.Resource, error) {
	id := strings.TrimPrefix(ident, s.entityARN(k.kind, ""))
	if id == "" || len(id) > maxIDLen || strings.Contains(id, "/") {
		return nil, k.notFound(ident)
	}
	res, err := s.store.GetResource(ctx, k.kind, id)
	if !errors.Is(err, store.ErrNoResource) {
		return res, err
	}
	all, err := s.store.ListResources(ctx, k.kind)
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if r.Name == ident {
			return r, nil
		}
	}
	return nil, k.notFound(ident)
}

func (s *Server) createEntity(w http.ResponseWriter, r *http.Request, k *entityKind) {
	cfg, name, tags, err := k.create(s, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	res := &store.Resource{Kind: k.kind, ID: k.newID(), Name: name, ETag: newETag(),
		CreatedTime: now, LastModifiedTime: now, Config: cfg, Tags: tags}
	err = s.store.CreateResource(r.Context(), res)
	if errors.Is(err, store.ErrResourceExists) {
		err = errorf("EntityAlreadyExists", "A %s named %q already exists in this AWS account.", k.what, truncate(name, 128))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", res.ETag)
	s.writeXML(w, r, http.StatusCreated, xmlDocument{k.wire(s, res)})
}

func (s *Server) getEntity(w http.ResponseWriter, r *http.Request, k *entityKind) {
	res, err := s.loadEntity(r.Context(), k, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", res.ETag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{k.wire(s, res)})
}

func (s *Server) listEntities(w http.ResponseWriter, r *http.Request, k *entityKind) {
	q, aerr := parseListRequest(r, "List"+k.elem+"sRequest", k.listExtra...)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	all, err := s.store.ListResources(r.Context(), k.kind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if k.listFilter != nil {
		keep := k.listFilter(q)
		match := all[:0:0]
		for _, res := range all {
			if keep(res) {
				match = append(match, res)
			}
		}
		all = match
	}
	page, next, aerr := pageAfter(all, q.marker, q.max, k.what)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	out := &distconfig.Node{Name: "List" + k.elem + "sResult"}
	if next != "" {
		out.Append(leaf("NextMarker", next))
	}
	list := out.Append(&distconfig.Node{Name: k.listMember})
	for _, res := range page {
		list.Append(k.summary(s, res))
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{out})
}

func (s *Server) updateEntity(w http.ResponseWriter, r *http.Request, k *entityKind) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	id := r.PathValue("id")
	old, err := s.loadEntity(r.Context(), k, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cfg, err := k.update(s, r, old)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	res, err := s.store.UpdateResource(r.Context(), k.kind, old.ID, func(res *store.Resource) error {
		if res.ETag != etag {
			return errPreconditionFailed()
		}
		res.Config, res.ETag, res.LastModifiedTime = cfg, newETag(), now
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = k.notFound(id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", res.ETag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{k.wire(s, res)})
}

func (s *Server) deleteEntity(w http.ResponseWriter, r *http.Request, k *entityKind) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.writeError(w, r, k.notFound(id))
		return
	}
	err := s.store.DeleteResource(r.Context(), k.kind, id, func(res *store.Resource, in store.Snapshot) error {
		if res.ETag != etag {
			return errPreconditionFailed()
		}
		if k.canDelete != nil {
			if aerr := k.canDelete(res); aerr != nil {
				return aerr
			}
		}
		if k.inUse == nil {
			return nil
		}
		used, err := k.inUse(res, in)
		if err != nil {
			return err
		}
		if used {
			return errorf("CannotDeleteEntityWhileInUse", "The %s is in use; remove the references to it first.", k.what)
		}
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = k.notFound(id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// boolMember reads the optional boolean member name of n into *dst
// (unchanged when absent); a value other than true or false is
// MalformedXML, as the model's boolean.
func boolMember(n *distconfig.Node, name string, dst *bool) *apiError {
	c := n.Child(name)
	if c == nil {
		return nil
	}
	switch strings.TrimSpace(c.Text) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		return fixed("MalformedXML", "%s %q is not true or false", name, truncate(c.Text, 40))
	}
	return nil
}

// onlyMembers refuses an element of n (whose root is root) not in known,
// as CloudFront's schema check does.
func onlyMembers(n *distconfig.Node, root string, known ...string) *apiError {
	seen := map[string]bool{}
	for _, c := range n.Nodes {
		if !slices.Contains(known, c.Name) {
			return fixed("MalformedXML", "%s has an unexpected element <%s>; the model's members are %s", root, c.Name, strings.Join(known, ", "))
		}
		if seen[c.Name] {
			return fixed("MalformedXML", "%s holds <%s> twice", root, c.Name)
		}
		seen[c.Name] = true
	}
	return nil
}

// tagsNode renders tags as the model's Tags element.
func tagsNode(tags []store.Tag) *distconfig.Node {
	n := &distconfig.Node{Name: "Tags"}
	items := n.Append(&distconfig.Node{Name: "Items"})
	for _, t := range tags {
		items.Append(&distconfig.Node{Name: "Tag", Nodes: []*distconfig.Node{leaf("Key", t.Key), leaf("Value", t.Value)}})
	}
	return n
}
