package emulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// resourceKind describes one of the configuration resources that share
// CloudFront's Create/Get/GetConfig/List/Update/Delete shape: origin access
// controls, the three kinds of policies, public keys and key groups. Each
// is kept in the store as a store.Resource whose Config is the validated
// <Elem>Config tree.
type resourceKind struct {
	kind string // store kind and URL segment, e.g. "origin-access-control"
	elem string // element name, e.g. "OriginAccessControl"
	// newID returns a new ID in CloudFront's format for the kind.
	newID func() string
	// timeField is the timestamp member of the resource element:
	// "LastModifiedTime", "CreatedTime" or "" (none).
	timeField string
	// updateAtConfig: Update is PUT /{id}/config (else PUT /{id}).
	updateAtConfig bool
	// listMarker: the list carries Marker and IsTruncated.
	listMarker bool
	// typed: the list takes Type=managed|custom and its summaries carry
	// Type.
	typed bool
	// summary builds the list entry from the wire resource element.
	summary func(r *store.Resource, wire *distconfig.Node, typ string) *distconfig.Node
	// noSuch, exists and inUse are the kind's error codes and messages.
	noSuch, noSuchMsg   string
	exists, existsMsg   string
	inUseCode, inUseMsg string
	// defaults fills in what CloudFront adds to a config (may be nil).
	defaults func(c *distconfig.Node)
	// check runs after the model's shape check: the kind's own rules
	// (may be nil). old is the stored resource on update, else nil.
	check func(ctx context.Context, s *Server, c *distconfig.Node, old *store.Resource) *apiError
	// inUse reports whether the resource is referenced (may be nil).
	inUse func(r *store.Resource, in store.Snapshot) (bool, error)
	// managed are AWS's read-only resources of the kind, built on first
	// use (nil: the kind has none).
	managed func() []*store.Resource

	// path is the URL segment after /2020-05-31/ when it is not kind
	// (origin access identities: "origin-access-identity/cloudfront").
	path string
	// nameMember is the config member the store keeps unique within the
	// kind ("" means Name; origin access identities: CallerReference).
	nameMember string
	// nameFunc, when set, computes that value instead (continuous
	// deployment policies: the staging distribution's domain name).
	nameFunc func(c *distconfig.Node) string
	// replay: a Create repeating a stored resource's name with the same
	// config answers that resource (CloudFront's CallerReference rule);
	// with a different config, the kind's exists error.
	replay bool
	// members returns the resource element's members between Id (and
	// the timestamp) and the config, e.g. S3CanonicalUserId (may be nil).
	members func(r *store.Resource) []*distconfig.Node
	// quota is CloudFront's limit on resources of the kind per account
	// (0: none checked); creating one more is answered quotaCode and
	// quotaMsg.
	quota               int
	quotaCode, quotaMsg string
	// createMu serialises the kind's count-and-create when quota or
	// replay is set, so concurrent creates cannot pass the quota
	// together: the store is held by one process (bbolt's file lock).
	createMu sync.Mutex

	// The members below let a kind whose operations stray from the
	// classic shape (VPC origins, Anycast IP lists) still use the
	// generic handlers; all may be zero.

	// decodeCreate reads a Create body that is not the bare config (e.g.
	// CreateVpcOriginRequest): the config to store and the tags sent
	// with it. nil: the body is the config.
	decodeCreate func(s *Server, r *http.Request) (*distconfig.Node, []store.Tag, *apiError)
	// decodeUpdate reads an Update body that is not the bare config,
	// given the stored resource. nil: the body is the config.
	decodeUpdate func(s *Server, r *http.Request, old *store.Resource) (*distconfig.Node, *apiError)
	// wire builds the resource element instead of wireResource, e.g.
	// with members derived from the config and a status.
	wire func(s *Server, r *store.Resource) *distconfig.Node
	// listElem is the list's element when it is not elem+"List".
	listElem string
	// createStatus and updateStatus are the statuses of a success (0:
	// 201 and 200).
	createStatus, updateStatus int
	// deleteAnswers: Delete answers 202 with the resource element (its
	// Status deleteStatus) and its ETag instead of 204.
	deleteAnswers bool
	deleteStatus  string
	// noConfigGet: the kind has no Get…Config operation.
	noConfigGet bool
	// arnType is the resource type of the kind's ARN,
	// arn:aws:cloudfront::ACCOUNT:arnType/ID. A kind with one is
	// taggable: TagResource, UntagResource and ListTagsForResource take
	// its ARN.
	arnType string
	// afterDelete runs once the resource is deleted (may be nil), e.g.
	// to drop what hangs off it; its failures are logged.
	afterDelete func(ctx context.Context, s *Server, id string)
}

// resourceARN is the ARN of the kind's resource id (the kind has an
// arnType).
func (s *Server) resourceARN(k *resourceKind, id string) string { return s.typedARN(k.arnType, id) }

// typedARN is the ARN of resource id of type typ in this account.
func (s *Server) typedARN(typ, id string) string {
	return "arn:aws:cloudfront::" + s.accountID + ":" + typ + "/" + id
}

// deployStatus is the Status of a resource that deploys as distributions
// do in the emulator: Deploying for the server's delay after its last
// change, then Deployed. It is derived from LastModifiedTime, so it
// needs no storage and goes on after a restart.
func (s *Server) deployStatus(res *store.Resource) string {
	if s.now().Before(res.LastModifiedTime.Add(s.delay)) {
		return "Deploying"
	}
	return store.StatusDeployed
}

// wireOf is the kind's resource element for res.
func (s *Server) wireOf(k *resourceKind, res *store.Resource) *distconfig.Node {
	if k.wire != nil {
		return k.wire(s, res)
	}
	return k.wireResource(res)
}

// statusOr returns status, or def when status is 0.
func statusOr(status, def int) int {
	if status == 0 {
		return def
	}
	return status
}

// urlPath is the kind's URL path after the API version.
func (k *resourceKind) urlPath() string {
	if k.path != "" {
		return k.path
	}
	return k.kind
}

// nameOf is the value the store keeps unique within the kind.
func (k *resourceKind) nameOf(c *distconfig.Node) string {
	if k.nameFunc != nil {
		return k.nameFunc(c)
	}
	if k.nameMember != "" {
		return c.Value(k.nameMember)
	}
	return c.Value("Name")
}

func (k *resourceKind) configElem() string { return k.elem + "Config" }

// managedResources are AWS's read-only resources of the kind.
func (k *resourceKind) managedResources() []*store.Resource {
	if k.managed == nil {
		return nil
	}
	return k.managed()
}

func (k *resourceKind) managedByID(id string) *store.Resource {
	for _, m := range k.managedResources() {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// resourceRoutes registers the kind's six operations.
func (s *Server) resourceRoutes(k *resourceKind) {
	base := "/2020-05-31/" + k.urlPath()
	s.mux.HandleFunc("POST "+base, func(w http.ResponseWriter, r *http.Request) { s.createResource(w, r, k) })
	s.mux.HandleFunc("GET "+base, func(w http.ResponseWriter, r *http.Request) { s.listResources(w, r, k) })
	s.mux.HandleFunc("GET "+base+"/{id}", func(w http.ResponseWriter, r *http.Request) { s.getResource(w, r, k, false) })
	if !k.noConfigGet {
		s.mux.HandleFunc("GET "+base+"/{id}/config", func(w http.ResponseWriter, r *http.Request) { s.getResource(w, r, k, true) })
	}
	update := "PUT " + base + "/{id}"
	if k.updateAtConfig {
		update += "/config"
	}
	s.mux.HandleFunc(update, func(w http.ResponseWriter, r *http.Request) { s.updateResource(w, r, k) })
	s.mux.HandleFunc("DELETE "+base+"/{id}", func(w http.ResponseWriter, r *http.Request) { s.deleteResource(w, r, k) })
}

// decodeResourceConfig parses and validates a <Elem>Config body.
func (s *Server) decodeResourceConfig(r *http.Request, k *resourceKind, old *store.Resource) (*distconfig.Node, *apiError) {
	c, aerr := parseBody(requestBody(r), k.configElem())
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkQuantities(c, k.configElem()); aerr != nil {
		return nil, aerr
	}
	if aerr := validateShape(c, k.configElem(), k.configElem()); aerr != nil {
		return nil, aerr
	}
	if k.check != nil {
		if aerr := k.check(r.Context(), s, c, old); aerr != nil {
			return nil, aerr
		}
	}
	if k.defaults != nil {
		k.defaults(c)
	}
	dropEmptyItems(c)
	return c, nil
}

// wireResource is the resource element: Id, the timestamp, the config.
func (k *resourceKind) wireResource(res *store.Resource) *distconfig.Node {
	n := &distconfig.Node{Name: k.elem, Nodes: []*distconfig.Node{leaf("Id", res.ID)}}
	switch k.timeField {
	case "LastModifiedTime":
		n.Append(leaf("LastModifiedTime", wireTime(res.LastModifiedTime)))
	case "CreatedTime":
		n.Append(leaf("CreatedTime", wireTime(res.CreatedTime)))
	}
	if k.members != nil {
		for _, m := range k.members(res) {
			n.Append(m)
		}
	}
	n.Append(res.Config.Clone())
	return n
}

func (s *Server) noSuch(k *resourceKind) *apiError { return errorf(k.noSuch, "%s", k.noSuchMsg) }

// loadResource returns the managed or stored resource named in the path;
// the error is the kind's NoSuch… *apiError for an unknown ID, else the
// store's.
func (s *Server) loadResource(ctx context.Context, k *resourceKind, id string) (*store.Resource, error) {
	if m := k.managedByID(id); m != nil {
		return m, nil
	}
	res, err := s.store.GetResource(ctx, k.kind, id)
	if errors.Is(err, store.ErrNoResource) {
		return nil, s.noSuch(k)
	}
	return res, err
}

func (s *Server) createResource(w http.ResponseWriter, r *http.Request, k *resourceKind) {
	var (
		c    *distconfig.Node
		tags []store.Tag
		aerr *apiError
	)
	if k.decodeCreate != nil {
		c, tags, aerr = k.decodeCreate(s, r)
	} else {
		c, aerr = s.decodeResourceConfig(r, k, nil)
	}
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	now := s.now()
	res := &store.Resource{
		Kind: k.kind, ID: k.newID(), Name: k.nameOf(c), ETag: newETag(),
		CreatedTime: now, LastModifiedTime: now, Config: c, Tags: tags,
	}
	for _, m := range k.managedResources() {
		if m.Name == res.Name {
			s.writeError(w, r, errorf(k.exists, "%s", k.existsMsg))
			return
		}
	}
	if k.quota > 0 || k.replay {
		k.createMu.Lock()
		defer k.createMu.Unlock()
		prev, err := s.precheckCreate(r.Context(), k, res)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if prev != nil {
			res = prev // the same request again: the same answer
			w.Header().Set("Location", location(r, "/2020-05-31/"+k.urlPath()+"/"+res.ID))
			w.Header().Set("ETag", res.ETag)
			s.writeXML(w, r, statusOr(k.createStatus, http.StatusCreated), xmlDocument{s.wireOf(k, res)})
			return
		}
	}
	err := s.store.CreateResource(r.Context(), res)
	switch {
	case errors.Is(err, store.ErrResourceExists):
		s.writeError(w, r, errorf(k.exists, "%s", k.existsMsg))
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", location(r, "/2020-05-31/"+k.urlPath()+"/"+res.ID))
	w.Header().Set("ETag", res.ETag)
	s.writeXML(w, r, statusOr(k.createStatus, http.StatusCreated), xmlDocument{s.wireOf(k, res)})
}

// precheckCreate applies the kind's replay and quota rules to res, about
// to be created, with k.createMu held: it returns the stored resource a
// replayed request names, the kind's exists error for a reused name with a
// different config, or quotaCode when the kind is full.
func (s *Server) precheckCreate(ctx context.Context, k *resourceKind, res *store.Resource) (*store.Resource, error) {
	all, err := s.store.ListResources(ctx, k.kind)
	if err != nil {
		return nil, err
	}
	if k.replay {
		for _, old := range all {
			if old.Name != res.Name {
				continue
			}
			if bytes.Equal(old.Config.Document(), res.Config.Document()) {
				return old, nil
			}
			return nil, errorf(k.exists, "%s", k.existsMsg)
		}
	}
	if k.quota > 0 && len(all) >= k.quota {
		e := errorf(k.quotaCode, "%s", k.quotaMsg)
		e.Detail = fmt.Sprintf("%d %s resources exist, the limit is %d", len(all), k.elem, k.quota)
		return nil, e
	}
	return nil, nil
}

func (s *Server) getResource(w http.ResponseWriter, r *http.Request, k *resourceKind, configOnly bool) {
	res, err := s.loadResource(r.Context(), k, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", res.ETag)
	if configOnly {
		s.writeXML(w, r, http.StatusOK, xmlDocument{res.Config.Clone()})
		return
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{s.wireOf(k, res)})
}

func (s *Server) listResources(w http.ResponseWriter, r *http.Request, k *resourceKind) {
	max, aerr := parseMaxItems(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	q := r.URL.Query()
	typ := q.Get("Type")
	if k.typed && typ != "" && typ != "managed" && typ != "custom" {
		s.writeError(w, r, errorf("InvalidArgument", "Type %q is not managed or custom.", truncate(typ, 40)))
		return
	}
	type entry struct {
		res *store.Resource
		typ string
	}
	var all []entry
	if typ != "custom" {
		for _, m := range k.managedResources() {
			all = append(all, entry{m, "managed"})
		}
	}
	if typ != "managed" {
		custom, err := s.store.ListResources(r.Context(), k.kind)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, c := range custom {
			all = append(all, entry{c, "custom"})
		}
	}
	marker := q.Get("Marker")
	start := 0
	if marker != "" {
		start = -1
		for i, e := range all {
			if e.res.ID == marker {
				start = i + 1
				break
			}
		}
		if start < 0 {
			s.writeError(w, r, errorf("InvalidArgument", "Marker %q does not name a %s.", truncate(marker, 40), k.elem))
			return
		}
	}
	page := all[start:]
	truncated := len(page) > max
	if truncated {
		page = page[:max]
	}
	listElem := k.listElem
	if listElem == "" {
		listElem = k.elem + "List"
	}
	list := &distconfig.Node{Name: listElem}
	if k.listMarker {
		list.Append(leaf("Marker", marker))
	}
	if truncated && len(page) > 0 {
		list.Append(leaf("NextMarker", page[len(page)-1].res.ID))
	}
	list.Append(leaf("MaxItems", strconv.Itoa(max)))
	if k.listMarker {
		list.Append(leaf("IsTruncated", strconv.FormatBool(truncated)))
	}
	list.Append(leaf("Quantity", strconv.Itoa(len(page))))
	if len(page) > 0 {
		items := list.Append(&distconfig.Node{Name: "Items"})
		for _, e := range page {
			items.Append(k.summary(e.res, s.wireOf(k, e.res), e.typ))
		}
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{list})
}

func (s *Server) updateResource(w http.ResponseWriter, r *http.Request, k *resourceKind) {
	id := r.PathValue("id")
	if k.managedByID(id) != nil {
		s.writeError(w, r, errorf("IllegalUpdate", "The update contains modifications that are not allowed."))
		return
	}
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	old, err := s.loadResource(r.Context(), k, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var c *distconfig.Node
	if k.decodeUpdate != nil {
		c, aerr = k.decodeUpdate(s, r, old)
	} else {
		c, aerr = s.decodeResourceConfig(r, k, old)
	}
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	for _, m := range k.managedResources() {
		if m.Name == k.nameOf(c) {
			s.writeError(w, r, errorf(k.exists, "%s", k.existsMsg))
			return
		}
	}
	now := s.now()
	res, err := s.store.UpdateResource(r.Context(), k.kind, id, func(res *store.Resource) error {
		if res.ETag != etag {
			return errPreconditionFailed()
		}
		res.Name, res.Config, res.ETag, res.LastModifiedTime = k.nameOf(c), c, newETag(), now
		return nil
	})
	switch {
	case errors.Is(err, store.ErrNoResource):
		err = s.noSuch(k)
	case errors.Is(err, store.ErrResourceExists):
		err = errorf(k.exists, "%s", k.existsMsg)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", res.ETag)
	s.writeXML(w, r, statusOr(k.updateStatus, http.StatusOK), xmlDocument{s.wireOf(k, res)})
}

func (s *Server) deleteResource(w http.ResponseWriter, r *http.Request, k *resourceKind) {
	id := r.PathValue("id")
	if k.managedByID(id) != nil {
		s.writeError(w, r, errorf("IllegalDelete", "Deletion is not allowed for this entity."))
		return
	}
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	var gone *store.Resource
	err := s.store.DeleteResource(r.Context(), k.kind, id, func(res *store.Resource, in store.Snapshot) error {
		if res.ETag != etag {
			return errPreconditionFailed()
		}
		gone = res.Clone()
		if k.inUse == nil {
			return nil
		}
		used, err := k.inUse(res, in)
		if err != nil {
			return err
		}
		if used {
			return errorf(k.inUseCode, "%s", k.inUseMsg)
		}
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = s.noSuch(k)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if k.afterDelete != nil {
		k.afterDelete(r.Context(), s, id)
	}
	if k.deleteAnswers && gone != nil {
		n := s.wireOf(k, gone)
		if st := n.Child("Status"); st != nil && k.deleteStatus != "" {
			st.Text = k.deleteStatus
		}
		w.Header().Set("ETag", gone.ETag)
		s.writeXML(w, r, http.StatusAccepted, xmlDocument{n})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// behaviorsOf returns a distribution config's default and other cache
// behaviours.
func behaviorsOf(c *distconfig.Node) []*distconfig.Node {
	var out []*distconfig.Node
	if b := c.Child("DefaultCacheBehavior"); b != nil {
		out = append(out, b)
	}
	return append(out, c.Find("CacheBehaviors", "Items").All("CacheBehavior")...)
}

// anyDistribution reports whether pred holds for a distribution in in.
func anyDistribution(in store.Snapshot, pred func(c *distconfig.Node) bool) (bool, error) {
	dists, err := in.Distributions()
	if err != nil {
		return false, err
	}
	for _, d := range dists {
		if pred(d.Config) {
			return true, nil
		}
	}
	return false, nil
}

// behaviorUses returns an inUse check for behaviours naming the resource
// in member (e.g. CachePolicyId).
func behaviorUses(member string) func(r *store.Resource, in store.Snapshot) (bool, error) {
	return func(r *store.Resource, in store.Snapshot) (bool, error) {
		return anyDistribution(in, func(c *distconfig.Node) bool {
			for _, b := range behaviorsOf(c) {
				if b.Value(member) == r.ID {
					return true
				}
			}
			return false
		})
	}
}
