package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cfinv/cfinv/internal/cffunc"
	"github.com/cfinv/cfinv/internal/store"
)

// CloudFront KeyValueStore, the data plane: the service
// cloudfront-keyvaluestore (API 2022-07-26, REST-JSON), served on the API
// address under /key-value-stores/. The SDKs send it to
// https://ACCOUNT.cloudfront-kvs.global.api.aws, or, given an endpoint
// URL, to ACCOUNT.HOST of that URL (the endpoint rules prefix the
// account of the store's ARN); either way the path names the store's ARN,
// and the Host is not read here. Requests are signed with SigV4A
// (Options.KVSAuth).
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Operations_Amazon_CloudFront_KeyValueStore.html

// KVSPathPrefix is the path under which the data plane is served.
const KVSPathPrefix = "/key-value-stores/"

// Data-plane limits besides the store quotas in kvs.go.
const (
	// maxKVSListKeys is ListKeys' largest MaxResults (the model's).
	maxKVSListKeys = 50
	// maxKVSUpdateItems is the most puts and deletes in one UpdateKeys.
	maxKVSUpdateItems = 50
	// maxKVSBody is the largest data-plane request body: an UpdateKeys
	// payload is at most 3 MB.
	maxKVSBody = 3 * 1024 * 1024
)

// kvsError is a data-plane error: the model's exception name, its status,
// and a message.
type kvsError struct {
	Type    string
	Status  int
	Message string
}

func (e *kvsError) Error() string { return e.Type + ": " + e.Message }

func kvsErrorf(typ string, format string, a ...any) *kvsError {
	status := map[string]int{
		"AccessDeniedException":         http.StatusForbidden,
		"ConflictException":             http.StatusConflict,
		"InternalServerException":       http.StatusInternalServerError,
		"ResourceNotFoundException":     http.StatusNotFound,
		"ServiceQuotaExceededException": http.StatusPaymentRequired,
		"ValidationException":           http.StatusBadRequest,
		"RequestEntityTooLarge":         http.StatusRequestEntityTooLarge,
	}[typ]
	if status == 0 {
		status = http.StatusBadRequest
	}
	return &kvsError{Type: typ, Status: status, Message: fmt.Sprintf(format, a...)}
}

// kvsAuthTypes maps the signature verifier's codes to the exception names
// AWS's JSON services answer them with.
var kvsAuthTypes = map[string]string{
	"MissingAuthenticationToken": "MissingAuthenticationTokenException",
	"IncompleteSignature":        "IncompleteSignatureException",
	"InvalidClientTokenId":       "UnrecognizedClientException",
	"SignatureDoesNotMatch":      "InvalidSignatureException",
	"AccessDenied":               "AccessDeniedException",
}

func (s *Server) writeKVSError(w http.ResponseWriter, r *http.Request, err error) {
	var ke *kvsError
	if !errors.As(err, &ke) {
		var ae *apiError
		if errors.As(err, &ae) {
			ke = &kvsError{Type: ae.Code, Status: ae.Status, Message: ae.Message}
		} else {
			s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
			ke = kvsErrorf("InternalServerException", "The key value store could not be read or written; please try again.")
		}
	}
	if rec, ok := w.(*recorder); ok {
		rec.code = ke.Type
	}
	w.Header().Set("X-Amzn-ErrorType", ke.Type)
	s.writeJSON(w, ke.Status, map[string]string{"message": ke.Message})
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// epoch renders t as REST-JSON's default timestamp: seconds since 1970.
func epoch(t time.Time) json.Number {
	return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64))
}

// serveKVS serves one data-plane request, in the recorder serveHTTP gives
// every request.
func (s *Server) serveKVS(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > maxKVSBody {
		w.Header().Set("Connection", "close")
		s.writeKVSError(w, r, kvsErrorf("ValidationException", "The request body is %d bytes, over the limit of %d.", r.ContentLength, maxKVSBody))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxKVSBody))
	if err != nil {
		w.Header().Set("Connection", "close")
		s.writeKVSError(w, r, kvsErrorf("ValidationException", "The request body could not be read (at most %d bytes): %v", maxKVSBody, err))
		return
	}
	if s.kvsAuth != nil {
		if err := s.kvsAuth.Authenticate(r, body); err != nil {
			aerr := authError(err)
			typ := kvsAuthTypes[aerr.Code]
			if typ == "" {
				typ = aerr.Code
			}
			s.writeKVSError(w, r, &kvsError{Type: typ, Status: aerr.Status, Message: aerr.Message})
			return
		}
	}
	// The ARN is one path segment, escaped ("arn%3Aaws…%2Fid").
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), KVSPathPrefix), "/")
	for i, seg := range segs {
		v, err := url.PathUnescape(seg)
		if err != nil {
			s.writeKVSError(w, r, kvsErrorf("ValidationException", "The request path is not validly escaped: %v.", err))
			return
		}
		segs[i] = v
	}
	op := ""
	switch {
	case len(segs) == 1 && r.Method == http.MethodGet:
		op = "DescribeKeyValueStore"
	case len(segs) == 2 && segs[1] == "keys" && r.Method == http.MethodGet:
		op = "ListKeys"
	case len(segs) == 2 && segs[1] == "keys" && r.Method == http.MethodPost:
		op = "UpdateKeys"
	case len(segs) == 3 && segs[1] == "keys":
		op = map[string]string{http.MethodGet: "GetKey", http.MethodPut: "PutKey", http.MethodDelete: "DeleteKey"}[r.Method]
	}
	if op == "" {
		s.writeKVSError(w, r, kvsErrorf("ValidationException", "%s %s is not an operation of the CloudFront KeyValueStore API.", r.Method, truncate(r.URL.Path, 200)))
		return
	}
	id := s.kvsIDOf(segs[0])
	if id == "" {
		s.writeKVSError(w, r, kvsErrorf("ValidationException", "KvsARN %q is not a key value store ARN of account %s (arn:aws:cloudfront::%s:key-value-store/ID).", truncate(segs[0], 200), s.accountID, s.accountID))
		return
	}
	key := ""
	if len(segs) == 3 {
		key = segs[2]
		if key == "" || len(key) > MaxKVSKeyBytes {
			s.writeKVSError(w, r, kvsErrorf("ValidationException", "The key is %d bytes; a key is 1 to %d bytes.", len(key), MaxKVSKeyBytes))
			return
		}
	}
	var out any
	switch op {
	case "DescribeKeyValueStore":
		out, err = s.kvsDescribe(w, r, id)
	case "ListKeys":
		out, err = s.kvsList(r, id)
	case "GetKey":
		out, err = s.kvsGet(r, id, key)
	default:
		out, err = s.kvsWrite(w, r, op, id, key, body)
	}
	if err != nil {
		s.writeKVSError(w, r, err)
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "key value store", slog.String("operation", op), slog.String("id", id))
	s.writeJSON(w, http.StatusOK, out)
}

// kvsEntry is what the data plane reads of a store: its items (never
// changed once cached: a write makes a new entry) and the control-plane
// fields DescribeKeyValueStore answers.
type kvsEntry struct {
	created time.Time
	status  string
	data    *kvsData

	// content is data as functions read it, made on first use.
	contentOnce sync.Once
	content     *cffunc.KeyValueStore
}

// KeyValueStore returns the content of the key value store id as
// functions read it, from the data plane's decoded copy when there is one
// (so the edge's refresh after each API write does not decode every
// store again); ok is false when there is no such store.
func (s *Server) KeyValueStore(ctx context.Context, id string) (kv *cffunc.KeyValueStore, ok bool, err error) {
	e, err := s.loadKVS(ctx, id)
	var ke *kvsError
	if errors.As(err, &ke) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	e.contentOnce.Do(func() {
		d := e.data
		kv := &cffunc.KeyValueStore{ID: id, Items: make(map[string]string, len(d.items)), Created: e.created, Modified: d.modified}
		if kv.Modified.IsZero() {
			kv.Modified = e.created
		}
		for _, it := range d.items {
			kv.Items[it.Key] = it.Value
		}
		e.content = kv
	})
	return e.content, true, nil
}

// kvsCache keeps each store's entry after its first read or write, so a
// read does not decode the whole store (up to 5 MB of JSON) from the
// state store. The Server is the only writer of its store (bbolt's file
// lock keeps a second process out), and writes of keys hold kvsWriteMu
// from the store's transaction until the cache is updated, so the cache
// always holds the committed data.
type kvsCache struct {
	mu sync.Mutex
	m  map[string]*kvsEntry
}

func (c *kvsCache) get(id string) *kvsEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

func (c *kvsCache) put(id string, e *kvsEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*kvsEntry{}
	}
	if e == nil {
		delete(c.m, id)
		return
	}
	c.m[id] = e
}

func (s *Server) loadKVS(ctx context.Context, id string) (*kvsEntry, error) {
	if e := s.kvsCache.get(id); e != nil {
		return e, nil
	}
	res, err := s.store.GetResource(ctx, KeyValueStoreKind, id)
	if errors.Is(err, store.ErrNoResource) {
		return nil, kvsErrorf("ResourceNotFoundException", "The key value store %s does not exist.", s.kvsARN(id))
	}
	if err != nil {
		return nil, err
	}
	d, err := dataOf(res)
	if err != nil {
		return nil, err
	}
	e := &kvsEntry{created: res.CreatedTime, status: res.Config.Value("Status"), data: d}
	s.kvsCache.put(id, e)
	return e, nil
}

func (s *Server) kvsDescribe(w http.ResponseWriter, r *http.Request, id string) (any, error) {
	e, err := s.loadKVS(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := e.data
	w.Header().Set("ETag", d.etag)
	modified := d.modified
	if modified.IsZero() {
		modified = e.created
	}
	return map[string]any{
		"ItemCount": len(d.items), "TotalSizeInBytes": d.size, "KvsARN": s.kvsARN(id),
		"Created": epoch(e.created), "LastModified": epoch(modified), "Status": e.status,
	}, nil
}

func (s *Server) kvsGet(r *http.Request, id, key string) (any, error) {
	e, err := s.loadKVS(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := e.data
	i, ok := d.find(key)
	if !ok {
		return nil, kvsErrorf("ResourceNotFoundException", "The key %q does not exist in the key value store.", truncate(key, 80))
	}
	return map[string]any{"Key": key, "Value": d.items[i].Value, "ItemCount": len(d.items), "TotalSizeInBytes": d.size}, nil
}

// kvsList pages through the keys in key order; NextToken is the last key
// of the page, base64-free but opaque to clients.
func (s *Server) kvsList(r *http.Request, id string) (any, error) {
	q := r.URL.Query()
	max := maxKVSListKeys
	if v := q.Get("MaxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxKVSListKeys {
			return nil, kvsErrorf("ValidationException", "MaxResults %q is not valid: an integer from 1 to %d.", truncate(v, 40), maxKVSListKeys)
		}
		max = n
	}
	e, err := s.loadKVS(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := e.data
	start := 0
	if tok := q.Get("NextToken"); tok != "" {
		after, ok := strings.CutPrefix(tok, "k:")
		if !ok {
			return nil, kvsErrorf("ValidationException", "NextToken %q is not a token ListKeys returned.", truncate(tok, 80))
		}
		i, found := d.find(after)
		if found {
			i++
		}
		start = i
	}
	page := d.items[start:]
	items := make([]map[string]string, 0, min(len(page), max))
	out := map[string]any{}
	if len(page) > max {
		page = page[:max]
		out["NextToken"] = "k:" + page[len(page)-1].Key
	}
	for _, it := range page {
		items = append(items, map[string]string{"Key": it.Key, "Value": it.Value})
	}
	out["Items"] = items
	return out, nil
}

// kvsWrite serves PutKey, DeleteKey and UpdateKeys: If-Match must be the
// store's current ETag (ConflictException otherwise), the keys and values
// within their limits (ValidationException) and the store within
// MaxKVSBytes (ServiceQuotaExceededException); nothing is written unless
// all of it is.
func (s *Server) kvsWrite(w http.ResponseWriter, r *http.Request, op, id, key string, body []byte) (any, error) {
	etag := r.Header.Get("If-Match")
	if etag == "" {
		return nil, kvsErrorf("ValidationException", "If-Match is missing: send the ETag DescribeKeyValueStore or the last write returned.")
	}
	var puts []kvsItem
	var deletes []string
	switch op {
	case "PutKey":
		var in struct {
			Value *string `json:"Value"`
		}
		if err := json.Unmarshal(body, &in); err != nil || in.Value == nil {
			return nil, kvsErrorf("ValidationException", "PutKey needs a JSON body {\"Value\": \"…\"}.")
		}
		puts = []kvsItem{{key, *in.Value}}
	case "DeleteKey":
		deletes = []string{key}
	case "UpdateKeys":
		var in struct {
			Puts    []struct{ Key, Value *string }
			Deletes []struct{ Key *string }
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, kvsErrorf("ValidationException", "UpdateKeys needs a JSON body {\"Puts\": [{\"Key\", \"Value\"}], \"Deletes\": [{\"Key\"}]}: %v.", err)
		}
		if n := len(in.Puts) + len(in.Deletes); n > maxKVSUpdateItems {
			return nil, kvsErrorf("ValidationException", "UpdateKeys has %d puts and deletes; at most %d are allowed in one request.", n, maxKVSUpdateItems)
		}
		for i, p := range in.Puts {
			if p.Key == nil || p.Value == nil {
				return nil, kvsErrorf("ValidationException", "Puts[%d] needs a Key and a Value.", i)
			}
			puts = append(puts, kvsItem{*p.Key, *p.Value})
		}
		for i, d := range in.Deletes {
			if d.Key == nil {
				return nil, kvsErrorf("ValidationException", "Deletes[%d] needs a Key.", i)
			}
			if *d.Key == "" || len(*d.Key) > MaxKVSKeyBytes {
				return nil, kvsErrorf("ValidationException", "Deletes[%d]: the key is %d bytes; a key is 1 to %d bytes.", i, len(*d.Key), MaxKVSKeyBytes)
			}
			deletes = append(deletes, *d.Key)
		}
	}
	for _, p := range puts {
		if msg := checkKVSPair(p.Key, p.Value); msg != "" {
			return nil, kvsErrorf("ValidationException", "%s.", strings.ToUpper(msg[:1])+msg[1:])
		}
	}
	now := s.now()
	var d *kvsData
	s.kvsWriteMu.Lock()
	defer s.kvsWriteMu.Unlock()
	cached := s.kvsCache.get(id)
	res, err := s.store.UpdateResource(r.Context(), KeyValueStoreKind, id, func(res *store.Resource) error {
		if cached != nil && cached.data.etag == res.Config.Value("DataETag") {
			d = cached.data.clone()
		} else {
			var err error
			if d, err = dataOf(res); err != nil {
				return err
			}
		}
		if d.etag != etag {
			return kvsErrorf("ConflictException", "Pre-Condition failed: If-Match %q is not the store's ETag %s.", truncate(etag, 40), d.etag)
		}
		for _, k := range deletes {
			d.delete(k)
		}
		for _, p := range puts {
			d.put(p.Key, p.Value)
		}
		if d.size > MaxKVSBytes {
			return kvsErrorf("ServiceQuotaExceededException", "The key value store would hold %d bytes of keys and values, over the limit of %d.", d.size, MaxKVSBytes)
		}
		return setData(res, d, now)
	})
	if errors.Is(err, store.ErrNoResource) {
		err = kvsErrorf("ResourceNotFoundException", "The key value store %s does not exist.", s.kvsARN(id))
	}
	if err != nil {
		return nil, err
	}
	s.kvsCache.put(id, &kvsEntry{created: res.CreatedTime, status: res.Config.Value("Status"), data: d})
	w.Header().Set("ETag", d.etag)
	return map[string]any{"ItemCount": len(d.items), "TotalSizeInBytes": d.size}, nil
}
