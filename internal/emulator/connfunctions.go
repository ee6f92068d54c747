package emulator

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cfinv/cfinv/internal/cffunc"
	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Connection functions (issue 27): CloudFront Functions that run during an
// mTLS handshake, connectionHandler(connection) calling allow() or deny().
// They share everything with CloudFront Functions but their names on the
// wire: the code is compiled by cffunc at create and update, the two
// stages (DEVELOPMENT, LIVE) with their own ETags are kept as a function's
// are (stageOf, setStage), and key value store associations are checked
// the same way. Unlike a CloudFront Function, a connection function has a
// generated Id besides its Name; Get and Describe take either (or the
// ARN), Update, Delete, Publish and Test take the Id.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/customize-connections-validation-with-connection-functions.html

// ConnectionFunctionKind is the store kind of connection functions.
const ConnectionFunctionKind = "connection-function"

// maxConnectionFunctions bounds the connection functions of an account:
// CloudFront's quota for functions (the quotas page lists none of its own
// for connection functions).
const maxConnectionFunctions = maxFunctions

func newConnectionFunctionID() string { return newID("", 14, upperAlnum) }

func (s *Server) connectionFunctionARN(id string) string {
	return "arn:aws:cloudfront::" + s.accountID + ":connection-function/" + id
}

func errNoConnectionFunction(id string) *apiError {
	e := errorf("EntityNotFound", "The connection function was not found.")
	e.Detail = "connection function " + truncate(id, 80)
	return e
}

func (s *Server) connectionFunctionRoutes() {
	const base = "/2020-05-31/connection-function"
	s.mux.HandleFunc("POST "+base, s.createConnectionFunction)
	s.mux.HandleFunc("POST "+base+"s", s.listConnectionFunctions)
	s.mux.HandleFunc("GET "+base+"/{id}", s.getConnectionFunction)
	s.mux.HandleFunc("GET "+base+"/{id}/describe", s.describeConnectionFunction)
	s.mux.HandleFunc("PUT "+base+"/{id}", s.updateConnectionFunction)
	s.mux.HandleFunc("DELETE "+base+"/{id}", s.deleteConnectionFunction)
	s.mux.HandleFunc("POST "+base+"/{id}/publish", s.publishConnectionFunction)
	s.mux.HandleFunc("POST "+base+"/{id}/test", s.testConnectionFunction)
}

// connectionFunctionUsed reports whether a distribution's
// ConnectionFunctionAssociation names the connection function id.
func connectionFunctionUsed(in store.Snapshot, id string) (bool, error) {
	return anyDistribution(in, func(c *distconfig.Node) bool {
		return c.Value("ConnectionFunctionAssociation", "Id") == id
	})
}

// connectionFunctionSummary renders a stage as ConnectionFunctionSummary.
func (s *Server) connectionFunctionSummary(res *store.Resource, stage string, associated bool) *distconfig.Node {
	st, _ := stageOf(res, stage)
	live, published := stageOf(res, stageLive)
	status := "UNPUBLISHED"
	if stage == stageLive || (published && live.source == st.etag) {
		status = "UNASSOCIATED"
		if associated {
			status = "DEPLOYED"
		}
	}
	cfg := st.config.Clone()
	cfg.Name = "ConnectionFunctionConfig"
	return &distconfig.Node{Name: "ConnectionFunctionSummary", Nodes: []*distconfig.Node{
		leaf("Name", res.Name), leaf("Id", res.ID), cfg,
		leaf("ConnectionFunctionArn", s.connectionFunctionARN(res.ID)),
		leaf("Status", status), leaf("Stage", stage),
		leaf("CreatedTime", wireTime(res.CreatedTime)), leaf("LastModifiedTime", wireTime(st.modified)),
	}}
}

// loadConnectionFunction returns the connection function an identifier
// names: its Id, its ARN or, when byName, its Name.
func (s *Server) loadConnectionFunction(ctx context.Context, ident string, byName bool) (*store.Resource, error) {
	id := strings.TrimPrefix(ident, s.connectionFunctionARN(""))
	if id == "" || len(id) > maxIDLen {
		return nil, errNoConnectionFunction(ident)
	}
	res, err := s.store.GetResource(ctx, ConnectionFunctionKind, id)
	if errors.Is(err, store.ErrNoResource) && byName && functionName.MatchString(ident) {
		all, lerr := s.store.ListResources(ctx, ConnectionFunctionKind)
		if lerr != nil {
			return nil, lerr
		}
		for _, r := range all {
			if r.Name == ident {
				return r, nil
			}
		}
	}
	if errors.Is(err, store.ErrNoResource) {
		return nil, errNoConnectionFunction(ident)
	}
	return res, err
}

// loadConnectionStage loads the connection function ident names and its
// stage stageValue (DEVELOPMENT when ""), which must exist.
func (s *Server) loadConnectionStage(ctx context.Context, ident, stageValue string, byName bool) (*store.Resource, string, functionStage, error) {
	stage, aerr := stageParam(stageValue)
	if aerr != nil {
		return nil, "", functionStage{}, aerr
	}
	if stage == "" {
		stage = stageDevelopment
	}
	res, err := s.loadConnectionFunction(ctx, ident, byName)
	if err != nil {
		return nil, "", functionStage{}, err
	}
	st, ok := stageOf(res, stage)
	if !ok {
		e := errNoConnectionFunction(ident)
		e.Detail += " has no LIVE stage: it was never published"
		return nil, "", functionStage{}, e
	}
	return res, stage, st, nil
}

func (s *Server) connectionFunctionAssociated(ctx context.Context, id string) (bool, error) {
	return connectionFunctionUsed(snapshotOf{ctx, s.store}, id)
}

// decodeConnectionFunctionInput reads and compiles the config and code of
// a Create- or UpdateConnectionFunctionRequest, as CloudFront Functions'.
func (s *Server) decodeConnectionFunctionInput(ctx context.Context, req *distconfig.Node) (*distconfig.Node, string, error) {
	cfg, code, aerr := decodeFunctionParts(req, "ConnectionFunctionConfig", "ConnectionFunctionCode", "EntitySizeLimitExceeded")
	if aerr != nil {
		return nil, "", aerr
	}
	if err := s.checkKVSAssociations(ctx, cfg); err != nil {
		return nil, "", err
	}
	return cfg, code, nil
}

func (s *Server) createConnectionFunction(w http.ResponseWriter, r *http.Request) {
	req, aerr := parseBody(requestBody(r), "CreateConnectionFunctionRequest")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	name := req.Value("Name")
	if !functionName.MatchString(name) {
		s.writeError(w, r, errorf("InvalidArgument", "Name %q is not valid: 1 to 64 characters from a-z, A-Z, 0-9, - and _.", truncate(name, 70)))
		return
	}
	cfg, code, err := s.decodeConnectionFunctionInput(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var tags []store.Tag
	if t := req.Child("Tags"); t != nil {
		if tags, aerr = parseTags(t); aerr != nil {
			s.writeError(w, r, aerr)
			return
		}
	}
	s.connectionFunctionCreateMu.Lock()
	defer s.connectionFunctionCreateMu.Unlock()
	existing, err := s.store.ListResources(r.Context(), ConnectionFunctionKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(existing) >= maxConnectionFunctions {
		s.writeError(w, r, errorf("EntityLimitExceeded", "You have reached the maximum number of connection functions for this AWS account (%d).", maxConnectionFunctions))
		return
	}
	now := s.now()
	res := &store.Resource{Kind: ConnectionFunctionKind, ID: newConnectionFunctionID(), Name: name, ETag: newETag(),
		CreatedTime: now, LastModifiedTime: now, Tags: tags}
	setStage(res, stageDevelopment, functionStage{config: cfg, code: code, etag: res.ETag, modified: now})
	err = s.store.CreateResource(r.Context(), res)
	if errors.Is(err, store.ErrResourceExists) {
		err = errorf("EntityAlreadyExists", "A connection function with the same name already exists in this AWS account.")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", location(r, "/2020-05-31/connection-function/"+res.ID))
	w.Header().Set("ETag", res.ETag)
	s.writeXML(w, r, http.StatusCreated, xmlDocument{s.connectionFunctionSummary(res, stageDevelopment, false)})
}

func (s *Server) describeConnectionFunction(w http.ResponseWriter, r *http.Request) {
	res, stage, st, err := s.loadConnectionStage(r.Context(), r.PathValue("id"), r.URL.Query().Get("Stage"), true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	assoc, err := s.connectionFunctionAssociated(r.Context(), res.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", st.etag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{s.connectionFunctionSummary(res, stage, assoc)})
}

func (s *Server) getConnectionFunction(w http.ResponseWriter, r *http.Request) {
	_, _, st, err := s.loadConnectionStage(r.Context(), r.PathValue("id"), r.URL.Query().Get("Stage"), true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	code, err := base64.StdEncoding.DecodeString(st.code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", st.etag)
	s.writeRaw(w, http.StatusOK, "application/octet-stream", code)
}

func (s *Server) listConnectionFunctions(w http.ResponseWriter, r *http.Request) {
	q, aerr := parseListRequest(r, "ListConnectionFunctionsRequest", "Stage")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	stage, aerr := stageParam(q.extra["Stage"])
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	all, err := s.store.ListResources(r.Context(), ConnectionFunctionKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type entry struct {
		res   *store.Resource
		stage string
	}
	var entries []entry
	for _, res := range all {
		for _, st := range []string{stageDevelopment, stageLive} {
			if _, ok := stageOf(res, st); ok && (stage == "" || stage == st) {
				entries = append(entries, entry{res, st})
			}
		}
	}
	start := 0
	if q.marker != "" {
		start = -1
		for i, e := range entries {
			if e.res.ID+":"+e.stage == q.marker {
				start = i + 1
				break
			}
		}
		if start < 0 {
			s.writeError(w, r, errorf("InvalidArgument", "Marker %q does not name a connection function.", truncate(q.marker, 80)))
			return
		}
	}
	page := entries[start:]
	out := &distconfig.Node{Name: "ListConnectionFunctionsResult"}
	if len(page) > q.max {
		page = page[:q.max]
		last := page[len(page)-1]
		out.Append(leaf("NextMarker", last.res.ID+":"+last.stage))
	}
	list := out.Append(&distconfig.Node{Name: "ConnectionFunctions"})
	snap := snapshotOf{r.Context(), s.store}
	for _, e := range page {
		assoc, err := connectionFunctionUsed(snap, e.res.ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		list.Append(s.connectionFunctionSummary(e.res, e.stage, assoc))
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{out})
}

// changeConnectionFunction applies change to connection function id if
// its DEVELOPMENT ETag is etag.
func (s *Server) changeConnectionFunction(r *http.Request, id, etag string, change func(*store.Resource, time.Time)) (*store.Resource, bool, error) {
	if id == "" || len(id) > maxIDLen {
		return nil, false, errNoConnectionFunction(id)
	}
	now := s.now()
	res, err := s.store.UpdateResource(r.Context(), ConnectionFunctionKind, id, func(res *store.Resource) error {
		if res.ETag != etag {
			return errPreconditionFailed()
		}
		change(res, now)
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = errNoConnectionFunction(id)
	}
	if err != nil {
		return nil, false, err
	}
	assoc, err := s.connectionFunctionAssociated(r.Context(), id)
	if err != nil {
		return nil, false, err
	}
	return res, assoc, nil
}

func (s *Server) updateConnectionFunction(w http.ResponseWriter, r *http.Request) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	req, aerr := parseBody(requestBody(r), "UpdateConnectionFunctionRequest")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	cfg, code, err := s.decodeConnectionFunctionInput(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, assoc, err := s.changeConnectionFunction(r, r.PathValue("id"), etag, func(res *store.Resource, now time.Time) {
		res.ETag, res.LastModifiedTime = newETag(), now
		setStage(res, stageDevelopment, functionStage{config: cfg, code: code, etag: res.ETag, modified: now})
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", res.ETag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{s.connectionFunctionSummary(res, stageDevelopment, assoc)})
}

func (s *Server) publishConnectionFunction(w http.ResponseWriter, r *http.Request) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	res, assoc, err := s.changeConnectionFunction(r, r.PathValue("id"), etag, func(res *store.Resource, now time.Time) {
		dev, _ := stageOf(res, stageDevelopment)
		setStage(res, stageLive, functionStage{config: dev.config, code: dev.code, etag: newETag(), modified: now, source: dev.etag})
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{s.connectionFunctionSummary(res, stageLive, assoc)})
}

func (s *Server) deleteConnectionFunction(w http.ResponseWriter, r *http.Request) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.writeError(w, r, errNoConnectionFunction(id))
		return
	}
	err := s.store.DeleteResource(r.Context(), ConnectionFunctionKind, id, func(res *store.Resource, in store.Snapshot) error {
		live, _ := stageOf(res, stageLive)
		if etag != res.ETag && (live.etag == "" || etag != live.etag) {
			return errPreconditionFailed()
		}
		used, err := connectionFunctionUsed(in, id)
		if err != nil {
			return err
		}
		if used {
			return errorf("CannotDeleteEntityWhileInUse", "The connection function is associated with one or more distributions (ConnectionFunctionAssociation); remove the association first.")
		}
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = errNoConnectionFunction(id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) testConnectionFunction(w http.ResponseWriter, r *http.Request) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	req, aerr := parseBody(requestBody(r), "TestConnectionFunctionRequest")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if req.Child("ConnectionObject") == nil {
		s.writeError(w, r, errorf("InvalidArgument", "ConnectionObject is required: the connection event, as JSON."))
		return
	}
	res, stage, st, err := s.loadConnectionStage(r.Context(), r.PathValue("id"), req.Value("Stage"), false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if etag != st.etag {
		s.writeError(w, r, errPreconditionFailed())
		return
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(req.Value("ConnectionObject")))
	if err != nil {
		s.writeError(w, r, errorf("InvalidArgument", "ConnectionObject is not valid base64: %v.", err))
		return
	}
	if len(raw) > 40960 {
		s.writeError(w, r, errorf("InvalidArgument", "ConnectionObject is %d bytes, over the limit of 40960.", len(raw)))
		return
	}
	runtime, code, _, _ := FunctionCode(res, stage)
	fn, err := cffunc.Compile(runtime, code)
	if err != nil {
		s.writeError(w, r, errorf("TestFunctionFailed", "The CloudFront function failed: %v", err))
		return
	}
	stores, err := s.functionKVS(r.Context(), res, stage)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := fn.RunConnection(r.Context(), raw, cffunc.Limits{KeyValueStores: stores})
	if err != nil {
		s.writeError(w, r, errorf("InvalidArgument", "The connection object is not valid: %s.", truncate(err.Error(), 300)))
		return
	}
	assoc, err := s.connectionFunctionAssociated(r.Context(), res.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{testResult("ConnectionFunctionTestResult", "ConnectionFunction",
		s.connectionFunctionSummary(res, stage, assoc), out.ComputeUtilization, out.Logs, out.Err, out.Output())})
}

// listRequest is a decoded List…Request body of the POST list operations
// (ListConnectionFunctions, ListConnectionGroups, ListTrustStores…).
type listRequest struct {
	marker string
	max    int
	// extra holds the text of the other members named to parseListRequest.
	extra map[string]string
	body  *distconfig.Node // nil when the body was empty
}

// parseListRequest reads Marker, MaxItems (1 to MaxMaxItems, default
// DefaultMaxItems) and the members extra from a list request body whose
// root is root; an empty body lists from the start. Other members are
// refused (MalformedXML), except the elements allowed as nested filters.
func parseListRequest(r *http.Request, root string, extra ...string) (listRequest, *apiError) {
	q := listRequest{max: DefaultMaxItems, extra: map[string]string{}}
	body := requestBody(r)
	if len(strings.TrimSpace(string(body))) == 0 {
		return q, nil
	}
	n, aerr := parseBody(body, root)
	if aerr != nil {
		return q, aerr
	}
	q.body = n
	q.marker = n.Value("Marker")
	if m := n.Child("MaxItems"); m != nil {
		v, err := strconv.Atoi(strings.TrimSpace(m.Text))
		if err != nil || v < 1 || v > MaxMaxItems {
			return q, errorf("InvalidArgument", "MaxItems %q is invalid: it must be an integer from 1 to %d.", truncate(m.Text, 40), MaxMaxItems)
		}
		q.max = v
	}
	for _, c := range n.Nodes {
		switch {
		case c.Name == "Marker" || c.Name == "MaxItems":
		case slices.Contains(extra, c.Name):
			q.extra[c.Name] = c.Value()
		default:
			return q, fixed("MalformedXML", "%s has an unexpected element <%s>", root, c.Name)
		}
	}
	return q, nil
}
