package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cfinv/cfinv/internal/cffunc"
	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// CloudFront KeyValueStore, the control plane (CreateKeyValueStore …
// DeleteKeyValueStore, CloudFront API 2020-05-31). A key value store is
// one store.Resource of kind KeyValueStoreKind whose ID is the store's
// UUID and whose Config holds both what the control plane shows and the
// data the data plane (kvsdata.go) and the functions read:
//
//	<KeyValueStore>
//	  <Comment/><Status>READY</Status>
//	  <DataETag/>      the data plane's ETag, changed by every key write
//	  <DataModified/>  RFC 3339, the last key write
//	  <Data/>          the items as JSON: [{"k":…,"v":…}, …] sorted by key
//	</KeyValueStore>
//
// Each write of keys rewrites the resource in one store transaction, so a
// key write is as durable as any other acknowledged write (fsync'd before
// the answer), and a store is at most MaxKVSBytes of items.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/kvs-with-functions.html

// KeyValueStoreKind is the store kind of key value stores.
const KeyValueStoreKind = "key-value-store"

// Quotas on key value stores.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-kvs
const (
	// MaxKVSBytes is the largest total size of a store's keys and values.
	MaxKVSBytes = 5 * 1024 * 1024
	// MaxKVSKeyBytes is the largest key.
	MaxKVSKeyBytes = 512
	// MaxKVSValueBytes is the largest value.
	MaxKVSValueBytes = 1024
	// maxKVSPerAccount is the number of stores an account may have.
	maxKVSPerAccount = 50
	// maxKVSPerFunction is the number of stores a function may associate.
	maxKVSPerFunction = 1
)

var kvsName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// kvsItem is one key and its value.
type kvsItem struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// kvsData is a store's items and data-plane state, decoded from its
// resource.
type kvsData struct {
	items    []kvsItem // sorted by key
	etag     string
	modified time.Time
	size     int64
}

func (d *kvsData) find(key string) (int, bool) {
	return slices.BinarySearchFunc(d.items, key, func(it kvsItem, k string) int { return strings.Compare(it.Key, k) })
}

// clone returns a copy of d that put and delete may change.
func (d *kvsData) clone() *kvsData {
	c := *d
	c.items = slices.Clone(d.items)
	return &c
}

func (d *kvsData) put(key, value string) {
	i, ok := d.find(key)
	if ok {
		d.size += int64(len(value) - len(d.items[i].Value))
		d.items[i].Value = value
		return
	}
	d.items = slices.Insert(d.items, i, kvsItem{key, value})
	d.size += int64(len(key) + len(value))
}

func (d *kvsData) delete(key string) {
	if i, ok := d.find(key); ok {
		d.size -= int64(len(key) + len(d.items[i].Value))
		d.items = slices.Delete(d.items, i, i+1)
	}
}

// dataOf decodes the items of a key value store resource.
func dataOf(res *store.Resource) (*kvsData, error) {
	d := &kvsData{etag: res.Config.Value("DataETag")}
	d.modified, _ = time.Parse(time.RFC3339Nano, res.Config.Value("DataModified"))
	if raw := res.Config.Value("Data"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &d.items); err != nil {
			return nil, fmt.Errorf("decode key value store %s: %w", res.ID, err)
		}
	}
	for _, it := range d.items {
		d.size += int64(len(it.Key) + len(it.Value))
	}
	return d, nil
}

// setData stores d in res with a new data ETag and time.
func setData(res *store.Resource, d *kvsData, now time.Time) error {
	raw, err := json.Marshal(d.items)
	if err != nil {
		return fmt.Errorf("encode key value store %s: %w", res.ID, err)
	}
	d.etag, d.modified = newETag(), now
	res.Config.Set("DataETag", d.etag)
	res.Config.Set("DataModified", now.UTC().Format(time.RFC3339Nano))
	res.Config.Set("Data", string(raw))
	return nil
}

// KeyValueStoreContent returns the content of a key value store resource,
// for the edge's functions (edgestore) and TestFunction.
func KeyValueStoreContent(res *store.Resource) (*cffunc.KeyValueStore, error) {
	d, err := dataOf(res)
	if err != nil {
		return nil, err
	}
	out := &cffunc.KeyValueStore{ID: res.ID, Items: make(map[string]string, len(d.items)), Created: res.CreatedTime, Modified: d.modified}
	if out.Modified.IsZero() {
		out.Modified = res.CreatedTime
	}
	for _, it := range d.items {
		out.Items[it.Key] = it.Value
	}
	return out, nil
}

// KeyValueStoreIDs returns the IDs of the key value stores a function's
// stage ("DEVELOPMENT" or "LIVE") associates.
func KeyValueStoreIDs(fn *store.Resource, stage string) []string {
	st, ok := stageOf(fn, stage)
	if !ok || st.config == nil {
		return nil
	}
	var ids []string
	for _, a := range st.config.Find("KeyValueStoreAssociations", "Items").All("KeyValueStoreAssociation") {
		if _, id, ok := strings.Cut(a.Value("KeyValueStoreARN"), ":key-value-store/"); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func (s *Server) kvsARN(id string) string {
	return "arn:aws:cloudfront::" + s.accountID + ":key-value-store/" + id
}

// kvsIDOf returns the ID in an ARN of this account's key value store, or
// "" when arn is not one.
func (s *Server) kvsIDOf(arn string) string {
	id, ok := strings.CutPrefix(arn, "arn:aws:cloudfront::"+s.accountID+":key-value-store/")
	if !ok || id == "" || len(id) > maxIDLen || strings.ContainsAny(id, "/:") {
		return ""
	}
	return id
}

func (s *Server) kvsRoutes() {
	const base = "/2020-05-31/key-value-store"
	s.mux.HandleFunc("POST "+base, s.createKVS)
	s.mux.HandleFunc("GET "+base, s.listKVS)
	s.mux.HandleFunc("GET "+base+"/{name}", s.describeKVS)
	s.mux.HandleFunc("PUT "+base+"/{name}", s.updateKVS)
	s.mux.HandleFunc("DELETE "+base+"/{name}", s.deleteKVS)
}

func errNoSuchKVS(name string) *apiError {
	e := errorf("EntityNotFound", "The key value store entity was not found.")
	e.Detail = "key value store " + truncate(name, 70)
	return e
}

// kvsNode renders res as CloudFront's KeyValueStore element.
func (s *Server) kvsNode(res *store.Resource) *distconfig.Node {
	modified := res.LastModifiedTime
	if d, _ := time.Parse(time.RFC3339Nano, res.Config.Value("DataModified")); d.After(modified) {
		modified = d
	}
	n := &distconfig.Node{Name: "KeyValueStore", Nodes: []*distconfig.Node{
		leaf("Name", res.Name), leaf("Id", res.ID), leaf("Comment", res.Config.Value("Comment")),
		leaf("ARN", s.kvsARN(res.ID)), leaf("Status", res.Config.Value("Status")),
		leaf("LastModifiedTime", wireTime(modified)),
	}}
	return n
}

// kvsByName returns the store named name.
func (s *Server) kvsByName(ctx context.Context, name string) (*store.Resource, error) {
	if !kvsName.MatchString(name) {
		return nil, errNoSuchKVS(name)
	}
	all, err := s.store.ListResources(ctx, KeyValueStoreKind)
	if err != nil {
		return nil, err
	}
	for _, res := range all {
		if res.Name == name {
			return res, nil
		}
	}
	return nil, errNoSuchKVS(name)
}

func (s *Server) createKVS(w http.ResponseWriter, r *http.Request) {
	req, aerr := parseBody(requestBody(r), "CreateKeyValueStoreRequest")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	name := req.Value("Name")
	if !kvsName.MatchString(name) {
		s.writeError(w, r, errorf("InvalidArgument", "Name %q is not valid: 1 to 64 characters from a-z, A-Z, 0-9, - and _.", truncate(name, 70)))
		return
	}
	comment := req.Value("Comment")
	if len(comment) > 128 {
		s.writeError(w, r, errorf("InvalidArgument", "The Comment is %d characters long; the limit is 128.", len(comment)))
		return
	}
	var tags []store.Tag
	if t := req.Child("Tags"); t != nil {
		if tags, aerr = parseTags(t); aerr != nil {
			s.writeError(w, r, aerr)
			return
		}
	}
	data := &kvsData{}
	if src := req.Child("ImportSource"); src != nil {
		if data, aerr = s.importKVS(src); aerr != nil {
			s.writeError(w, r, aerr)
			return
		}
	}
	// Count and create under one lock, or concurrent creates all see
	// room under the quota.
	s.kvsCreateMu.Lock()
	defer s.kvsCreateMu.Unlock()
	existing, err := s.store.ListResources(r.Context(), KeyValueStoreKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(existing) >= maxKVSPerAccount {
		s.writeError(w, r, errorf("EntityLimitExceeded", "You have reached the maximum number of key value stores for this AWS account (%d).", maxKVSPerAccount))
		return
	}
	now := s.now()
	res := &store.Resource{Kind: KeyValueStoreKind, ID: newRequestID(), Name: name, ETag: newETag(),
		CreatedTime: now, LastModifiedTime: now, Tags: tags,
		Config: &distconfig.Node{Name: "KeyValueStore", Nodes: []*distconfig.Node{leaf("Comment", comment), leaf("Status", "READY")}}}
	if err := setData(res, data, now); err != nil {
		s.writeError(w, r, err)
		return
	}
	err = s.store.CreateResource(r.Context(), res)
	if errors.Is(err, store.ErrResourceExists) {
		err = errorf("EntityAlreadyExists", "A key value store with the name %s already exists in this AWS account.", name)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", location(r, "/2020-05-31/key-value-store/"+s.kvsARN(res.ID)))
	w.Header().Set("ETag", res.ETag)
	s.writeXML(w, r, http.StatusCreated, xmlDocument{s.kvsNode(res)})
}

// importKVS reads an ImportSource: a JSON file {"data":[{"key":…,"value":…}]}
// in a bucket of the local S3 API, at most MaxKVSBytes, no key twice.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/kvs-with-functions-create-s3-kvp.html
func (s *Server) importKVS(src *distconfig.Node) (*kvsData, *apiError) {
	if t := src.Value("SourceType"); t != "S3" {
		return nil, errorf("InvalidArgument", "ImportSource SourceType %q is not valid: the only source type is S3.", truncate(t, 40))
	}
	arn := src.Value("SourceARN")
	path, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	bucket, key, _ := strings.Cut(path, "/")
	if !ok || bucket == "" || key == "" {
		return nil, errorf("InvalidArgument", "ImportSource SourceARN %q is not an S3 object ARN (arn:aws:s3:::BUCKET/KEY).", truncate(arn, 200))
	}
	if s.importObject == nil {
		return nil, errorf("UnsupportedOperation", "ImportSource needs the local S3 buckets, which this server does not have; create the store empty and write the keys with UpdateKeys.")
	}
	raw, err := s.importObject(bucket, key, MaxKVSBytes)
	if err != nil {
		return nil, errorf("InvalidArgument", "ImportSource %s could not be read: %v.", truncate(arn, 200), err)
	}
	if len(raw) > MaxKVSBytes {
		return nil, errorf("EntitySizeLimitExceeded", "ImportSource %s is over the limit of %d bytes.", truncate(arn, 200), MaxKVSBytes)
	}
	var file struct {
		Data []struct {
			Key   *string `json:"key"`
			Value *string `json:"value"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		return nil, errorf("InvalidArgument", "ImportSource %s is not a JSON file of the form {\"data\":[{\"key\":…,\"value\":…}]}: %v.", truncate(arn, 200), err)
	}
	d := &kvsData{}
	for i, it := range file.Data {
		if it.Key == nil || it.Value == nil {
			return nil, errorf("InvalidArgument", "ImportSource %s: item %d has no key or no value.", truncate(arn, 200), i)
		}
		if msg := checkKVSPair(*it.Key, *it.Value); msg != "" {
			return nil, errorf("InvalidArgument", "ImportSource %s: item %d: %s.", truncate(arn, 200), i, msg)
		}
		if _, dup := d.find(*it.Key); dup {
			return nil, errorf("InvalidArgument", "ImportSource %s: key %q is given twice.", truncate(arn, 200), truncate(*it.Key, 80))
		}
		d.put(*it.Key, *it.Value)
	}
	if d.size > MaxKVSBytes {
		return nil, errorf("EntitySizeLimitExceeded", "ImportSource %s holds %d bytes of keys and values, over the limit of %d.", truncate(arn, 200), d.size, MaxKVSBytes)
	}
	return d, nil
}

// checkKVSPair returns why a key or value is refused, or "".
func checkKVSPair(key, value string) string {
	switch {
	case key == "":
		return "the key is empty"
	case len(key) > MaxKVSKeyBytes:
		return fmt.Sprintf("the key is %d bytes, over the limit of %d", len(key), MaxKVSKeyBytes)
	case len(value) > MaxKVSValueBytes:
		return fmt.Sprintf("the value of key %q is %d bytes, over the limit of %d", truncate(key, 80), len(value), MaxKVSValueBytes)
	}
	return ""
}

func (s *Server) describeKVS(w http.ResponseWriter, r *http.Request) {
	res, err := s.kvsByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", res.ETag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{s.kvsNode(res)})
}

func (s *Server) listKVS(w http.ResponseWriter, r *http.Request) {
	max, aerr := parseMaxItems(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	q := r.URL.Query()
	all, err := s.store.ListResources(r.Context(), KeyValueStoreKind)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if st := q.Get("Status"); st != "" {
		all = slices.DeleteFunc(all, func(res *store.Resource) bool { return res.Config.Value("Status") != st })
	}
	start := 0
	if m := q.Get("Marker"); m != "" {
		start = slices.IndexFunc(all, func(res *store.Resource) bool { return res.ID == m }) + 1
		if start == 0 {
			s.writeError(w, r, errorf("InvalidArgument", "Marker %q does not name a key value store.", truncate(m, 80)))
			return
		}
	}
	page := all[start:]
	list := &distconfig.Node{Name: "KeyValueStoreList"}
	if len(page) > max {
		page = page[:max]
		list.Append(leaf("NextMarker", page[len(page)-1].ID))
	}
	list.Append(leaf("MaxItems", strconv.Itoa(max)))
	list.Append(leaf("Quantity", strconv.Itoa(len(page))))
	if len(page) > 0 {
		items := list.Append(&distconfig.Node{Name: "Items"})
		for _, res := range page {
			items.Append(s.kvsNode(res))
		}
	}
	s.writeXML(w, r, http.StatusOK, xmlDocument{list})
}

func (s *Server) updateKVS(w http.ResponseWriter, r *http.Request) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	req, aerr := parseBody(requestBody(r), "UpdateKeyValueStoreRequest")
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	comment := req.Value("Comment")
	if len(comment) > 128 {
		s.writeError(w, r, errorf("InvalidArgument", "The Comment is %d characters long; the limit is 128.", len(comment)))
		return
	}
	old, err := s.kvsByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	res, err := s.store.UpdateResource(r.Context(), KeyValueStoreKind, old.ID, func(res *store.Resource) error {
		if res.ETag != etag {
			return errPreconditionFailed()
		}
		res.Config.Set("Comment", comment)
		res.ETag, res.LastModifiedTime = newETag(), now
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = errNoSuchKVS(old.Name)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", res.ETag)
	s.writeXML(w, r, http.StatusOK, xmlDocument{s.kvsNode(res)})
}

// kvsUsers returns the names of the functions whose stages associate arn.
func kvsUsers(fns []*store.Resource, arn string) []string {
	var out []string
	for _, f := range fns {
		for _, stage := range []string{stageDevelopment, stageLive} {
			st, ok := stageOf(f, stage)
			if !ok || st.config == nil {
				continue
			}
			if slices.ContainsFunc(st.config.Find("KeyValueStoreAssociations", "Items").All("KeyValueStoreAssociation"),
				func(a *distconfig.Node) bool { return a.Value("KeyValueStoreARN") == arn }) {
				out = append(out, f.Name)
				break
			}
		}
	}
	return out
}

func (s *Server) deleteKVS(w http.ResponseWriter, r *http.Request) {
	etag, aerr := ifMatch(r)
	if aerr != nil {
		s.writeError(w, r, aerr)
		return
	}
	old, err := s.kvsByName(r.Context(), r.PathValue("name"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	arn := s.kvsARN(old.ID)
	s.kvsWriteMu.Lock()
	defer s.kvsWriteMu.Unlock()
	s.kvsCache.put(old.ID, nil)
	err = s.store.DeleteResource(r.Context(), KeyValueStoreKind, old.ID, func(res *store.Resource, in store.Snapshot) error {
		if res.ETag != etag {
			return errPreconditionFailed()
		}
		var fns []*store.Resource
		for _, kind := range []string{FunctionKind, ConnectionFunctionKind} {
			some, err := in.Resources(kind)
			if err != nil {
				return err
			}
			fns = append(fns, some...)
		}
		if users := kvsUsers(fns, arn); len(users) > 0 {
			e := errorf("CannotDeleteEntityWhileInUse", "The key value store is associated with one or more functions (%s); remove the association first.", strings.Join(users, ", "))
			return e
		}
		return nil
	})
	if errors.Is(err, store.ErrNoResource) {
		err = errNoSuchKVS(old.Name)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// checkKVSAssociations refuses a FunctionConfig's KeyValueStoreAssociations
// that CloudFront refuses: more than one store, or an ARN that is not one
// of this account's stores.
func (s *Server) checkKVSAssociations(ctx context.Context, cfg *distconfig.Node) error {
	items := cfg.Find("KeyValueStoreAssociations", "Items").All("KeyValueStoreAssociation")
	if len(items) > maxKVSPerFunction {
		return errorf("InvalidArgument", "A function can be associated with at most %d key value store; %d are given.", maxKVSPerFunction, len(items))
	}
	for _, a := range items {
		arn := a.Value("KeyValueStoreARN")
		id := s.kvsIDOf(arn)
		if id == "" {
			return errorf("InvalidArgument", "KeyValueStoreARN %q is not a key value store ARN of account %s (arn:aws:cloudfront::%s:key-value-store/ID).", truncate(arn, 200), s.accountID, s.accountID)
		}
		_, err := s.store.GetResource(ctx, KeyValueStoreKind, id)
		if errors.Is(err, store.ErrNoResource) {
			return errNoSuchKVS(arn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// functionKVS returns the content of the stores a function's stage
// associates, for TestFunction.
func (s *Server) functionKVS(ctx context.Context, fn *store.Resource, stage string) ([]*cffunc.KeyValueStore, error) {
	var out []*cffunc.KeyValueStore
	for _, id := range KeyValueStoreIDs(fn, stage) {
		res, err := s.store.GetResource(ctx, KeyValueStoreKind, id)
		if errors.Is(err, store.ErrNoResource) {
			continue
		}
		if err != nil {
			return nil, err
		}
		d, err := KeyValueStoreContent(res)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
