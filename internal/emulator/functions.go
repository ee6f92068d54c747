package emulator

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cfinv/cfinv/internal/cffunc"
	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// CloudFront Functions: the control plane (CreateFunction … TestFunction).
// A function is one store.Resource of kind FunctionKind whose ID and Name
// are the function's name, and whose Config holds both stages:
//
//	<Function>
//	  <Development><FunctionConfig/><FunctionCode>base64</FunctionCode><ETag/><LastModifiedTime/></Development>
//	  <Live>… the same, and <SourceETag> (the DEVELOPMENT ETag published) …</Live>
//	</Function>
//
// The resource's ETag is the DEVELOPMENT stage's. Each stage has its own
// ETag, as in CloudFront: UpdateFunction and PublishFunction take the
// DEVELOPMENT one, TestFunction the one of the stage it tests.

// FunctionKind is the store kind of CloudFront Functions.
const FunctionKind = "function"

// Stages of a function.
const (
	stageDevelopment = "DEVELOPMENT"
	stageLive        = "LIVE"
)

// maxFunctions is CloudFront's quota of functions per account.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-functions
const maxFunctions = 100

var functionName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// functionARN returns the ARN distributions name the function by.
func (s *Server) functionARN(name string) string {
	return "arn:aws:cloudfront::" + s.accountID + ":function/" + name
}

// functionNameOf returns the name in an ARN of this account's function,
// or "" when arn is not one.
func (s *Server) functionNameOf(arn string) string {
	name, ok := strings.CutPrefix(arn, "arn:aws:cloudfront::"+s.accountID+":function/")
	if !ok || !functionName.MatchString(name) {
		return ""
	}
	return name
}

func (s *Server) functionRoutes() {
	const base = "/2020-05-31/function"
	s.mux.HandleFunc("POST "+base, s.createFunction)
	s.mux.HandleFunc("GET "+base, s.listFunctions)
	s.mux.HandleFunc("GET "+base+"/{name}", s.getFunction)
	s.mux.HandleFunc("GET "+base+"/{name}/describe", s.describeFunction)
	s.mux.HandleFunc("PUT "+base+"/{name}", s.updateFunction)
	s.mux.HandleFunc("DELETE "+base+"/{name}", s.deleteFunction)
	s.mux.HandleFunc("POST "+base+"/{name}/publish", s.publishFunction)
	s.mux.HandleFunc("POST "+base+"/{name}/test", s.testFunction)
}

func errNoSuchFunction(name string) *apiError {
	e := errorf("NoSuchFunctionExists", "The function does not exist.")
	e.Detail = "function " + truncate(name, 70)
	return e
}

// decodeFunctionInput checks FunctionConfig and FunctionCode of a
// Create/UpdateFunctionRequest and compiles the code, as CloudFront does.
func decodeFunctionInput(req *distconfig.Node) (*distconfig.Node, string, *apiError) {
	return decodeFunctionParts(req, "FunctionConfig", "FunctionCode", "FunctionSizeLimitExceeded")
}

// decodeFunctionParts checks the config member cfgName and the code member
// codeName of a function request (CloudFront Functions: FunctionConfig
// and FunctionCode; connection functions: ConnectionFunctionConfig and
// ConnectionFunctionCode) and compiles the code; code over the size limit
// is answered sizeCode. The config is returned as a FunctionConfig.
func decodeFunctionParts(req *distconfig.Node, cfgName, codeName, sizeCode string) (*distconfig.Node, string, *apiError) {
	cfg := req.Child(cfgName)
	if cfg == nil {
		return nil, "", fixed("MalformedXML", "%s is missing", cfgName)
	}
	if aerr := checkQuantities(cfg, "FunctionConfig"); aerr != nil {
		return nil, "", aerr
	}
	runtime := cfg.Value("Runtime")
	if runtime != cffunc.Runtime1 && runtime != cffunc.Runtime2 {
		return nil, "", errorf("InvalidArgument", "Runtime %q is not valid: use %s or %s.", truncate(runtime, 40), cffunc.Runtime1, cffunc.Runtime2)
	}
	if len(cfg.Value("Comment")) > 128 {
		return nil, "", errorf("InvalidArgument", "The Comment is longer than 128 characters.")
	}
	out := &distconfig.Node{Name: "FunctionConfig", Nodes: []*distconfig.Node{
		leaf("Comment", cfg.Value("Comment")), leaf("Runtime", runtime),
	}}
	if kvs := cfg.Child("KeyValueStoreAssociations"); kvs != nil {
		out.Append(kvs.Clone())
		dropEmptyItems(out)
	}
	text := strings.TrimSpace(req.Value(codeName))
	code, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, "", errorf("InvalidArgument", "%s is not valid base64: %v.", codeName, err)
	}
	if len(code) == 0 {
		return nil, "", errorf("InvalidArgument", "%s is empty.", codeName)
	}
	if _, err := cffunc.Compile(runtime, code); err != nil {
		if errors.Is(err, cffunc.ErrCodeSize) {
			e := errorf(sizeCode, "The CloudFront function size exceeds the maximum allowed size (%d bytes).", cffunc.MaxCodeSize)
			e.Detail = err.Error()
			return nil, "", e
		}
		var ce *cffunc.CompileError
		if errors.As(err, &ce) {
			return nil, "", errorf("InvalidArgument", "The function code is not valid: %s", truncate(ce.Msg, 400))
		}
		return nil, "", errorf("InvalidArgument", "%v", err)
	}
	return out, base64.StdEncoding.EncodeToString(code), nil
}

// functionStage is one stage of a stored function.
type functionStage struct {
	config   *distconfig.Node
	code     string // base64
	etag     string
	modified time.Time
	source   string // LIVE: the DEVELOPMENT ETag published
}

func stageOf(res *store.Resource, stage string) (functionStage, bool) {
	elem := "Development"
	if stage == stageLive {
		elem = "Live"
	}
	n := res.Config.Child(elem)
	if n == nil {
		return functionStage{}, false
	}
	t, _ := time.Parse(time.RFC3339Nano, n.Value("LastModifiedTime"))
	return functionStage{config: n.Child("FunctionConfig"), code: n.Value("FunctionCode"), etag: n.Value("ETag"),
		modified: t, source: n.Value("SourceETag")}, true
}

func (st functionStage) node(elem string) *distconfig.Node {
	n := &distconfig.Node{Name: elem, Nodes: []*distconfig.Node{
		st.config.Clone(), leaf("FunctionCode", st.code), leaf("ETag", st.etag),
		leaf("LastModifiedTime", st.modified.UTC().Format(time.RFC3339Nano)),
	}}
	if st.source != "" {
		n.Append(leaf("SourceETag", st.source))
	}
	return n
}

// setStage replaces (or adds) one stage of res.
func setStage(res *store.Resource, stage string, st functionStage) {
	elem := "Development"
	if stage == stageLive {
		elem = "Live"
	}
	if res.Config == nil {
		res.Config = &distconfig.Node{Name: "Function"}
	}
	for i, c := range res.Config.Nodes {
		if c.Name == elem {
			res.Config.Nodes[i] = st.node(elem)
			return
		}
	}
	res.Config.Append(st.node(elem))
}

// FunctionCode returns the code and ETag of res's stage ("DEVELOPMENT" or
// "LIVE"), for the edge; ok is false when the stage does not exist.
func FunctionCode(res *store.Resource, stage string) (runtime string, code []byte, etag string, ok bool) {
	st, ok := stageOf(res, stage)
	if !ok {
		return "", nil, "", false
	}
	code, err := base64.StdEncoding.DecodeString(st.code)
	if err != nil {
		return "", nil, "", false
	}
	return st.config.Value("Runtime"), code, st.etag, true
}

// functionAssociated reports whether a distribution's behaviour names arn.
func functionAssociated(in store.Snapshot, arn string) (bool, error) {
	return anyDistribution(in, func(c *distconfig.Node) bool {
		for _, b := range behaviorsOf(c) {
			for _, a := range b.Find("FunctionAssociations", "Items").All("FunctionAssociation") {
				if a.Value("FunctionARN") == arn {
					return true
				}
			}
		}
		return false
	})
}

// snapshotOf adapts the store's read methods to the Snapshot the
// association check takes, outside a write transaction.
type snapshotOf struct {
	ctx context.Context
	st  store.Store
}

func (s snapshotOf) Distributions() ([]*store.Distribution, error) {
	var out []*store.Distribution
	marker := ""
	for {
		items, truncated, err := s.st.ListDistributions(s.ctx, marker, 1000)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if !truncated || len(items) == 0 {
			return out, nil
		}
		marker = items[len(items)-1].ID
	}
}

func (s snapshotOf) Resources(kind string) ([]*store.Resource, error) {
	return s.st.ListResources(s.ctx, kind)
}

// functionSummary renders a stage as CloudFront's FunctionSummary.
func (s *Server) functionSummary(res *store.Resource, stage string, associated bool) *distconfig.Node {
	st, _ := stageOf(res, stage)
	live, published := stageOf(res, stageLive)
	status := "UNPUBLISHED"
	if stage == stageLive || (published && live.source == st.etag) {
		status = "UNASSOCIATED"
		if associated {
			status = "DEPLOYED"
		}
	}
	return &distconfig.Node{Name: "FunctionSummary", Nodes: []*distconfig.Node{
		leaf("Name", res.Name), leaf("Status", status), st.config.Clone(),
		{Name: "FunctionMetadata", Nodes: []*distconfig.Node{
			leaf("FunctionARN", s.functionARN(res.Name)), leaf("Stage", stage),
			leaf("CreatedTime", wireTime(res.CreatedTime)), leaf("LastModifiedTime", wireTime(st.modified)),
		}},
	}}
}

// loadFunction returns the function named in the path.
func (s *Server) loadFunction(ctx context.Context, name string) (*store.Resource, *apiError, error) {
	if !functionName.MatchString(name) {
		return nil, errNoSuchFunction(name), nil
	}
	res, err := s.store.GetResource(ctx, FunctionKind, name)
	if errors.Is(err, store.ErrNoResource) {
		return nil, errNoSuchFunction(name), nil
	}
	return res, nil, err
}

// stageParam reads the Stage query parameter or member ("" when absent).
func stageParam(v string) (string, *apiError) {
	switch v {
	case "", stageDevelopment, stageLive:
		return v, nil
	}
	return "", errorf("InvalidArgument", "Stage %q is not DEVELOPMENT or LIVE.", truncate(v, 40))
}

func (s *Server) createFunction(w http.ResponseWriter, r *http.Request) {
	req, aerr := parseBody(requestBody(r), "CreateFunctionRequest")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	name := req.Value("Name")
	if !functionName.MatchString(name) {
		s.writeError(w, r, errorf("InvalidArgument", "Name %q is not valid: 1 to 64 characters from a-z, A-Z, 0-9, - and _.", truncate(name, 70)))
		return
	}
	cfg, code, aerr := decodeFunctionInput(req)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if err := s.checkKVSAssociations(r.Context(), cfg); err != nil {
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
	// Count and create under one lock, or concurrent creates all see
	// room under the quota.
	s.functionCreateMu.Lock()
	defer s.functionCreateMu.Unlock()
	existing, err := s.store.ListResources(r.Context(), FunctionKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(existing) >= maxFunctions {
		s.writeError(w, r, errorf("TooManyFunctions", "You have reached the maximum number of CloudFront functions for this AWS account (%d).", maxFunctions))
		return
	}
	now := s.now()
	res := &store.Resource{Kind: FunctionKind, ID: name, Name: name, ETag: newETag(), CreatedTime: now, LastModifiedTime: now, Tags: tags}
	setStage(res, stageDevelopment, functionStage{config: cfg, code: code, etag: res.ETag, modified: now})
	err = s.store.CreateResource(r.Context(), res)
	if errors.Is(err, store.ErrResourceExists) {
		err = errorf("FunctionAlreadyExists", "A function with the same name already exists in this AWS account.")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", location(r, "/2020-05-31/function/"+s.functionARN(name)))
	w.Header().Set("ETag", res.ETag)
	s.writeXML(w, r, http.StatusCreated, xmlDocument{s.functionSummary(res, stageDevelopment, false)})
}

// describe loads the function and the stage a request names (DEVELOPMENT
// by default); the stage must exist.
func (s *Server) loadStage(r *http.Request, stageValue string) (*store.Resource, string, functionStage, error) {
	stage, aerr := stageParam(stageValue)
	if aerr != nil {
		return nil, "", functionStage{}, aerr
	}
	if stage == "" {
		stage = stageDevelopment
	}
	res, aerr, err := s.loadFunction(r.Context(), r.PathValue("name"))
	if aerr != nil {
		return nil, "", functionStage{}, aerr
	}
	if err != nil {
		return nil, "", functionStage{}, err
	}
	st, ok := stageOf(res, stage)
	if !ok {
		e := errNoSuchFunction(res.Name)
		e.Detail += " has no LIVE stage: it was never published"
		return nil, "", functionStage{}, e
	}
	return res, stage, st, nil
}

func (s *Server) isAssociated(ctx context.Context, name string) (bool, error) {
	return functionAssociated(snapshotOf{ctx, s.store}, s.functionARN(name))
}

func (s *Server) describeFunction(w http.ResponseWriter, r *http.Request) {
	res, stage, st, err := s.loadStage(r, r.URL.Query().Get("Stage"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	assoc, err := s.isAssociated(r.Context(), res.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", st.etag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{s.functionSummary(res, stage, assoc)})
}

func (s *Server) getFunction(w http.ResponseWriter, r *http.Request) {
	_, _, st, err := s.loadStage(r, r.URL.Query().Get("Stage"))
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

func (s *Server) listFunctions(w http.ResponseWriter, r *http.Request) {
	max, aerr := parseMaxItems(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	q := r.URL.Query()
	stage, aerr := stageParam(q.Get("Stage"))
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	all, err := s.store.ListResources(r.Context(), FunctionKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	snap := snapshotOf{r.Context(), s.store}
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
	if m := q.Get("Marker"); m != "" {
		start = -1
		for i, e := range entries {
			if e.res.Name+":"+e.stage == m {
				start = i + 1
				break
			}
		}
		if start < 0 {
			s.writeError(w, r, errorf("InvalidArgument", "Marker %q does not name a function.", truncate(m, 80)))
			return
		}
	}
	page := entries[start:]
	list := &distconfig.Node{Name: "FunctionList"}
	if len(page) > max {
		page = page[:max]
		last := page[len(page)-1]
		list.Append(leaf("NextMarker", last.res.Name+":"+last.stage))
	}
	list.Append(leaf("MaxItems", strconv.Itoa(max)))
	list.Append(leaf("Quantity", strconv.Itoa(len(page))))
	if len(page) > 0 {
		items := list.Append(&distconfig.Node{Name: "Items"})
		for _, e := range page {
			assoc, err := functionAssociated(snap, s.functionARN(e.res.Name))
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			items.Append(s.functionSummary(e.res, e.stage, assoc))
		}
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{list})
}

func (s *Server) updateFunction(w http.ResponseWriter, r *http.Request) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	req, aerr := parseBody(requestBody(r), "UpdateFunctionRequest")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	cfg, code, aerr := decodeFunctionInput(req)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	if err := s.checkKVSAssociations(r.Context(), cfg); err != nil {
		s.writeError(w, r, err)
		return
	}
	name := r.PathValue("name")
	if !functionName.MatchString(name) {
		s.writeError(w, r, errNoSuchFunction(name))
		return
	}
	res, assoc, err := s.changeFunction(r, name, etag, func(res *store.Resource, now time.Time) {
		res.ETag, res.LastModifiedTime = newETag(), now
		setStage(res, stageDevelopment, functionStage{config: cfg, code: code, etag: res.ETag, modified: now})
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", res.ETag)
	// The model names UpdateFunctionResult's header "ETtag"; SDKs
	// generated from it read that name.
	w.Header().Set("ETtag", res.ETag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{s.functionSummary(res, stageDevelopment, assoc)})
}

// changeFunction applies change to function name if its ETag is etag,
// and returns it and whether a distribution uses it.
func (s *Server) changeFunction(r *http.Request, name, etag string, change func(*store.Resource, time.Time)) (*store.Resource, bool, error) {
	now := s.now()
	res, err := s.store.UpdateResource(r.Context(), FunctionKind, name, func(res *store.Resource) error {
		if res.ETag != etag {
			return errPreconditionFailed()
		}
		change(res, now)
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = errNoSuchFunction(name)
	}
	if err != nil {
		return nil, false, err
	}
	assoc, err := s.isAssociated(r.Context(), name)
	if err != nil {
		return nil, false, err
	}
	return res, assoc, nil
}

func (s *Server) publishFunction(w http.ResponseWriter, r *http.Request) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	name := r.PathValue("name")
	if !functionName.MatchString(name) {
		s.writeError(w, r, errNoSuchFunction(name))
		return
	}
	res, assoc, err := s.changeFunction(r, name, etag, func(res *store.Resource, now time.Time) {
		dev, _ := stageOf(res, stageDevelopment)
		setStage(res, stageLive, functionStage{config: dev.config, code: dev.code, etag: newETag(), modified: now, source: dev.etag})
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{s.functionSummary(res, stageLive, assoc)})
}

func (s *Server) deleteFunction(w http.ResponseWriter, r *http.Request) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	name := r.PathValue("name")
	if !functionName.MatchString(name) {
		s.writeError(w, r, errNoSuchFunction(name))
		return
	}
	arn := s.functionARN(name)
	err := s.store.DeleteResource(r.Context(), FunctionKind, name, func(res *store.Resource, in store.Snapshot) error {
		live, _ := stageOf(res, stageLive)
		if etag != res.ETag && (live.etag == "" || etag != live.etag) {
			return errPreconditionFailed()
		}
		used, err := functionAssociated(in, arn)
		if err != nil {
			return err
		}
		if used {
			return errorf("FunctionInUse", "Cannot delete the function because it's attached to one or more cache behaviors.")
		}
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = errNoSuchFunction(name)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) testFunction(w http.ResponseWriter, r *http.Request) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	req, aerr := parseBody(requestBody(r), "TestFunctionRequest")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	res, stage, st, err := s.loadStage(r, req.Value("Stage"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if etag != st.etag {
		s.writeError(w, r, errPreconditionFailed())
		return
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(req.Value("EventObject")))
	if err != nil {
		s.writeError(w, r, errorf("InvalidArgument", "EventObject is not valid base64: %v.", err))
		return
	}
	if len(raw) > 40960 {
		s.writeError(w, r, errorf("InvalidArgument", "EventObject is %d bytes, over the limit of 40960.", len(raw)))
		return
	}
	ev, err := cffunc.ParseEvent(raw)
	if err != nil {
		s.writeError(w, r, errorf("InvalidArgument", "The event object is not valid: %s.", truncate(err.Error(), 300)))
		return
	}
	if ev.Context.EventType == "" {
		ev.Context.EventType = cffunc.ViewerRequest
		if ev.Response != nil {
			ev.Context.EventType = cffunc.ViewerResponse
		}
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
	out, err := fn.Run(r.Context(), ev, cffunc.Limits{KeyValueStores: stores})
	if err != nil {
		s.writeError(w, r, errorf("InvalidArgument", "The event object is not valid: %s.", truncate(err.Error(), 300)))
		return
	}
	assoc, err := s.isAssociated(r.Context(), res.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{testResult("TestResult", "Function",
		s.functionSummary(res, stage, assoc), out.ComputeUtilization, out.Logs, out.Err, out.Output())})
}

// testResult renders the result of TestFunction (root TestResult, kind
// Function) or TestConnectionFunction (ConnectionFunctionTestResult,
// ConnectionFunction): the summary, the compute utilization, the
// kind+ExecutionLogs, the kind+ErrorMessage when the run failed and the
// kind+Output.
func testResult(root, kind string, summary *distconfig.Node, utilization int, logLines []string, runErr error, output string) *distconfig.Node {
	result := &distconfig.Node{Name: root, Nodes: []*distconfig.Node{summary, leaf("ComputeUtilization", strconv.Itoa(utilization))}}
	logs := result.Append(&distconfig.Node{Name: kind + "ExecutionLogs"})
	for _, l := range logLines {
		logs.Append(leaf("member", l))
	}
	if runErr != nil {
		var ee *cffunc.ExecutionError
		msg := runErr.Error()
		if errors.As(runErr, &ee) {
			msg = ee.Msg
		}
		result.Append(leaf(kind+"ErrorMessage", msg))
	}
	result.Append(leaf(kind+"Output", output))
	return result
}

// checkFunctionAssociations refuses a behaviour's FunctionAssociations
// that CloudFront refuses: an ARN that is not one of this account's
// functions (NoSuchFunctionExists), a function never published, an event
// type CloudFront Functions do not run on, or an event type twice
// (InvalidFunctionAssociation).
func (s *Server) checkFunctionAssociations(ctx context.Context, b *distconfig.Node) error {
	seen := map[string]bool{}
	for _, a := range b.Find("FunctionAssociations", "Items").All("FunctionAssociation") {
		arn, ev := a.Value("FunctionARN"), a.Value("EventType")
		invalid := func(detail string) error {
			e := errorf("InvalidFunctionAssociation", "The function association is invalid.")
			e.Detail = "FunctionARN " + truncate(arn, 120) + ": " + detail
			return e
		}
		if ev != cffunc.ViewerRequest && ev != cffunc.ViewerResponse {
			return invalid("EventType " + truncate(ev, 40) + " is not viewer-request or viewer-response")
		}
		if seen[ev] {
			return invalid("a behaviour has one function per event type; " + ev + " is given twice")
		}
		seen[ev] = true
		name := s.functionNameOf(arn)
		if name == "" {
			return invalid("not a function ARN of account " + s.accountID)
		}
		res, err := s.store.GetResource(ctx, FunctionKind, name)
		if errors.Is(err, store.ErrNoResource) {
			return errNoSuchFunction(name)
		}
		if err != nil {
			return err
		}
		if _, ok := stageOf(res, stageLive); !ok {
			return invalid("the function is not published (it has no LIVE stage): call PublishFunction first")
		}
	}
	return nil
}
