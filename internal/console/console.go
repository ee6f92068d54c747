// Package console is the web console of the local CloudFront, served by
// cfinv serve at /console/ on the API address: one embedded page (HTML, a
// small hand-written script and style sheet, nothing fetched at run time)
// over JSON endpoints under /console/api/ that read the store, the edge
// cache and the local S3, a live feed of edge requests and purges as
// server-sent events, and a form that creates invalidations through the
// CloudFront API handler itself.
//
// The console is meant for loopback. A POST is accepted only from a
// loopback peer, with a Host that is a loopback address (no DNS
// rebinding), an Origin (when sent) equal to the page's, and the CSRF
// token the page was given; the console then signs the request with the
// serve's key and hands it to the API handler, so it goes through SigV4,
// the store's admission and the edge purge like any API call. Reads are
// loopback-only too. See docs/emulator.md.
package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/edgecache"
	"github.com/cfinv/cfinv/internal/s3store"
	"github.com/cfinv/cfinv/internal/store"
)

//go:embed static
var static embed.FS

// Prefix is where the console is mounted.
const Prefix = "/console/"

// Page sizes: the default and the most one request may ask for.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// Options configure New.
type Options struct {
	// Store holds the distributions and invalidations. Required.
	Store store.Store
	// API is the CloudFront API handler, SigV4 included; the console's
	// POSTs go through it. Required.
	API http.Handler
	// Keys are the API's key pairs; the console signs with one of them.
	Keys map[string]string
	// SignNow is the clock signatures are made on (nil: time.Now); it
	// must be the one the API checks them against.
	SignNow func() time.Time
	// Now is the clock of statuses (nil: time.Now).
	Now func() time.Time
	// Edge is the edge cache, nil when serve runs without one.
	Edge *edgecache.Proxy
	// Buckets are the local S3's buckets, nil when there are none.
	Buckets *s3store.Store
	// FeedSize is how many recent events the live feed keeps
	// (0: DefaultFeedSize).
	FeedSize int
}

// Console is the console's http.Handler.
type Console struct {
	opts  Options
	feed  *Feed
	token string
	mux   *http.ServeMux
}

// New returns a console for opts. It panics if Store or API is nil.
func New(opts Options) *Console {
	if opts.Store == nil || opts.API == nil {
		panic("console: Options.Store and Options.API are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SignNow == nil {
		opts.SignNow = time.Now
	}
	var tok [16]byte
	rand.Read(tok[:])
	c := &Console{opts: opts, feed: NewFeed(opts.FeedSize), token: hex.EncodeToString(tok[:]), mux: http.NewServeMux()}
	c.mux.HandleFunc("GET /console/{$}", c.page)
	c.mux.Handle("GET /console/static/", http.StripPrefix("/console", http.FileServerFS(static)))
	c.mux.HandleFunc("GET /console/api/distributions", c.distributions)
	c.mux.HandleFunc("GET /console/api/distributions/{id}/invalidations", c.invalidations)
	c.mux.HandleFunc("POST /console/api/distributions/{id}/invalidations", c.createInvalidation)
	c.mux.HandleFunc("GET /console/api/distributions/{id}/cache", c.cache)
	c.mux.HandleFunc("GET /console/api/buckets", c.buckets)
	c.mux.HandleFunc("GET /console/api/buckets/{bucket}/objects", c.objects)
	c.mux.HandleFunc("GET /console/api/events", c.events)
	c.mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no console resource %s %s", r.Method, r.URL.Path)
	})
	return c
}

// Observe feeds the live feed; it is the edge's Proxy.Observe.
func (c *Console) Observe(ev edgecache.Event) { c.feed.Publish(ev) }

// Feed returns the live feed.
func (c *Console) Feed() *Feed { return c.feed }

// ServeHTTP serves the console to loopback peers and refuses everyone
// else with 403.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := checkLoopback(r); err != nil {
		writeError(w, http.StatusForbidden, "%v", err)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	c.mux.ServeHTTP(w, r)
}

// ErrNotLoopback is why a request from off loopback is refused.
var ErrNotLoopback = errors.New("the console answers loopback only")

// checkLoopback refuses a peer, or a Host, that is not a loopback address.
// The Host check stops DNS rebinding: a page of evil.example that resolves
// to 127.0.0.1 still sends Host evil.example.
func checkLoopback(r *http.Request) error {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refuse peer %s: %w", r.RemoteAddr, ErrNotLoopback)
	}
	if !loopbackHost(r.Host) {
		return fmt.Errorf("refuse Host %q (want 127.0.0.1, [::1] or localhost): %w", r.Host, ErrNotLoopback)
	}
	return nil
}

func loopbackHost(hostport string) bool {
	h := hostport
	if x, _, err := net.SplitHostPort(hostport); err == nil {
		h = x
	}
	h = strings.Trim(h, "[]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// page serves index.html with the CSRF token in a meta tag.
func (c *Console) page(w http.ResponseWriter, r *http.Request) {
	b, err := static.ReadFile("static/index.html")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "read page: %v", err)
		return
	}
	b = bytes.Replace(b, []byte("{{TOKEN}}"), []byte(c.token), 1)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// paging reads the paging parameters: after (a marker) and limit.
func paging(r *http.Request) (after string, limit int, err error) {
	limit = DefaultPageSize
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageSize {
			return "", 0, fmt.Errorf("parse limit %q: want a whole number from 1 to %d", s, MaxPageSize)
		}
		limit = n
	}
	return r.URL.Query().Get("after"), limit, nil
}

// Distribution is one row of GET /console/api/distributions.
type Distribution struct {
	ID         string     `json:"id"`
	DomainName string     `json:"domainName"`
	Status     string     `json:"status"`
	Enabled    bool       `json:"enabled"`
	Comment    string     `json:"comment,omitempty"`
	Aliases    []string   `json:"aliases"`
	Origins    []Origin   `json:"origins"`
	Behaviors  []Behavior `json:"behaviors"`
	Modified   time.Time  `json:"lastModified"`
}

// Origin is one origin of a Distribution.
type Origin struct {
	ID         string `json:"id"`
	DomainName string `json:"domainName"`
	OriginPath string `json:"originPath,omitempty"`
}

// Behavior is one cache behaviour of a Distribution, the default last.
type Behavior struct {
	PathPattern    string `json:"pathPattern"`
	TargetOriginID string `json:"targetOriginId"`
	CachePolicyID  string `json:"cachePolicyId,omitempty"`
}

// Page is a page of a list: Next is the marker of the following page, ""
// on the last.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

func (c *Console) distributions(w http.ResponseWriter, r *http.Request) {
	after, limit, err := paging(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	ds, more, err := c.opts.Store.ListDistributions(r.Context(), after, limit)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	now := c.opts.Now()
	page := Page[Distribution]{Items: make([]Distribution, 0, len(ds))}
	for _, d := range ds {
		cfg := distconfig.View(d.Config)
		row := Distribution{ID: d.ID, DomainName: d.DomainName, Status: d.StatusAt(now), Enabled: cfg.Enabled(),
			Comment: cfg.Comment(), Aliases: nonNil(cfg.Aliases()), Origins: []Origin{}, Modified: d.LastModifiedTime}
		for _, o := range cfg.Origins() {
			row.Origins = append(row.Origins, Origin{ID: o.ID, DomainName: o.DomainName, OriginPath: o.OriginPath})
		}
		for _, b := range append(cfg.CacheBehaviors(), cfg.DefaultCacheBehavior()) {
			row.Behaviors = append(row.Behaviors, Behavior{PathPattern: b.PathPattern, TargetOriginID: b.TargetOriginID, CachePolicyID: b.CachePolicyID})
		}
		page.Items = append(page.Items, row)
	}
	if more && len(ds) > 0 {
		page.Next = ds[len(ds)-1].ID
	}
	writeJSON(w, page)
}

// Invalidation is one row of GET …/invalidations.
type Invalidation struct {
	ID              string    `json:"id"`
	Status          string    `json:"status"`
	CallerReference string    `json:"callerReference"`
	Paths           []string  `json:"paths"`
	Created         time.Time `json:"created"`
	// Completed is when it completes, or completed.
	Completed time.Time `json:"completed"`
}

func (c *Console) invalidations(w http.ResponseWriter, r *http.Request) {
	after, limit, err := paging(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	invs, more, err := c.opts.Store.ListInvalidations(r.Context(), r.PathValue("id"), after, limit)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	now := c.opts.Now()
	page := Page[Invalidation]{Items: make([]Invalidation, 0, len(invs))}
	for _, inv := range invs {
		page.Items = append(page.Items, Invalidation{ID: inv.ID, Status: inv.StatusAt(now), CallerReference: inv.CallerReference,
			Paths: inv.Paths, Created: inv.CreateTime, Completed: inv.CompleteAt})
	}
	if more && len(invs) > 0 {
		page.Next = invs[len(invs)-1].ID
	}
	writeJSON(w, page)
}

// CacheEntry is one row of GET …/cache; durations are in seconds.
type CacheEntry struct {
	Key      string  `json:"key"`
	Variants int     `json:"variants"`
	Bytes    int64   `json:"bytes"`
	Age      float64 `json:"ageSeconds"`
	TTLLeft  float64 `json:"ttlLeftSeconds"`
	Hits     int64   `json:"hits"`
}

// Cache is the answer of GET …/cache.
type Cache struct {
	Edge        bool         `json:"edge"` // false: serve runs without an edge
	Hits        int64        `json:"hits"`
	Misses      int64        `json:"misses"`
	RefreshHits int64        `json:"refreshHits"`
	HitRatio    float64      `json:"hitRatio"`
	Items       []CacheEntry `json:"items"`
	Next        string       `json:"next,omitempty"`
}

func (c *Console) cache(w http.ResponseWriter, r *http.Request) {
	after, limit, err := paging(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	id := r.PathValue("id")
	if _, err := c.opts.Store.GetDistribution(r.Context(), id); err != nil {
		writeStoreError(w, err)
		return
	}
	out := Cache{Items: []CacheEntry{}}
	if c.opts.Edge != nil {
		out.Edge = true
		es, more, st := c.opts.Edge.CacheEntries(id, after, limit)
		out.Hits, out.Misses, out.RefreshHits, out.HitRatio = st.Hits, st.Misses, st.RefreshHits, st.HitRatio()
		for _, e := range es {
			out.Items = append(out.Items, CacheEntry{Key: e.Key, Variants: e.Variants, Bytes: e.Bytes,
				Age: e.Age.Seconds(), TTLLeft: e.TTLLeft.Seconds(), Hits: e.Hits})
		}
		if more && len(es) > 0 {
			out.Next = es[len(es)-1].Key
		}
	}
	writeJSON(w, out)
}

// Bucket is one row of GET /console/api/buckets.
type Bucket struct {
	Name     string    `json:"name"`
	Created  time.Time `json:"created"`
	ReadOnly bool      `json:"readOnly"`
}

func (c *Console) buckets(w http.ResponseWriter, r *http.Request) {
	out := Page[Bucket]{Items: []Bucket{}}
	if c.opts.Buckets != nil {
		for _, b := range c.opts.Buckets.Buckets() {
			out.Items = append(out.Items, Bucket{Name: b.Name, Created: b.Created, ReadOnly: b.ReadOnly})
		}
	}
	slices.SortFunc(out.Items, func(a, b Bucket) int { return strings.Compare(a.Name, b.Name) })
	writeJSON(w, out)
}

// Object is one row of GET /console/api/buckets/{bucket}/objects.
type Object struct {
	Key          string    `json:"key"`
	Size         int64     `json:"size"`
	ETag         string    `json:"etag"`
	LastModified time.Time `json:"lastModified"`
}

func (c *Console) objects(w http.ResponseWriter, r *http.Request) {
	after, limit, err := paging(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if c.opts.Buckets == nil {
		writeError(w, http.StatusNotFound, "no bucket %q: serve has no buckets", r.PathValue("bucket"))
		return
	}
	res, err := c.opts.Buckets.List(r.PathValue("bucket"), s3store.ListInput{After: after, MaxKeys: limit, Prefix: r.URL.Query().Get("prefix")})
	if errors.Is(err, s3store.ErrNoSuchBucket) {
		writeError(w, http.StatusNotFound, "no bucket %q", r.PathValue("bucket"))
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "list objects: %v", err)
		return
	}
	out := Page[Object]{Items: make([]Object, 0, len(res.Objects))}
	for _, o := range res.Objects {
		out.Items = append(out.Items, Object{Key: o.Key, Size: o.Size, ETag: o.ETag, LastModified: o.LastModified})
	}
	if res.Truncated {
		out.Next = res.Next
	}
	writeJSON(w, out)
}

// CreateInvalidation is the body of POST …/invalidations.
type CreateInvalidation struct {
	Paths           []string `json:"paths"`
	CallerReference string   `json:"callerReference,omitempty"` // "": one is made up
}

// Refusals of a POST, matchable with errors.Is.
var (
	ErrBadToken  = errors.New("missing or wrong X-CSRF-Token")
	ErrBadOrigin = errors.New("cross-origin request")
)

// checkSameOrigin refuses a POST without the page's CSRF token or with
// an Origin other than the console's own.
func (c *Console) checkSameOrigin(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
		return fmt.Errorf("refuse Origin %q (want http://%s): %w", o, r.Host, ErrBadOrigin)
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-CSRF-Token")), []byte(c.token)) != 1 {
		return fmt.Errorf("refuse POST: %w (reload the console page)", ErrBadToken)
	}
	return nil
}

type invalidationBatch struct {
	XMLName         xml.Name `xml:"http://cloudfront.amazonaws.com/doc/2020-05-31/ InvalidationBatch"`
	Quantity        int      `xml:"Paths>Quantity"`
	Paths           []string `xml:"Paths>Items>Path"`
	CallerReference string   `xml:"CallerReference"`
}

// createInvalidation signs a CreateInvalidation request with the serve's
// key and passes it to the API handler; the API's answer (XML, or its
// error) is returned as it is, with its status.
func (c *Console) createInvalidation(w http.ResponseWriter, r *http.Request) {
	if err := c.checkSameOrigin(r); err != nil {
		writeError(w, http.StatusForbidden, "%v", err)
		return
	}
	var in CreateInvalidation
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "decode body: %v (want {\"paths\": [\"/index.html\"]})", err)
		return
	}
	if in.CallerReference == "" {
		in.CallerReference = fmt.Sprintf("console-%d", time.Now().UnixNano())
	}
	body, err := xml.Marshal(invalidationBatch{Quantity: len(in.Paths), Paths: in.Paths, CallerReference: in.CallerReference})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encode batch: %v", err)
		return
	}
	req, err := c.signedRequest(r.Context(), r.Host, "/2020-05-31/distribution/"+r.PathValue("id")+"/invalidation", body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	rec := httptest.NewRecorder()
	c.opts.API.ServeHTTP(rec, req)
	for _, k := range []string{"Content-Type", "Location"} {
		if v := rec.Header().Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (c *Console) signedRequest(ctx context.Context, host, path string, body []byte) (*http.Request, error) {
	ids := make([]string, 0, len(c.opts.Keys))
	for id := range c.opts.Keys {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, errors.New("sign request: serve has no key pair")
	}
	slices.Sort(ids)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+host+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.RemoteAddr = "127.0.0.1:0"
	req.Header.Set("Content-Type", "application/xml")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: ids[0], SecretAccessKey: c.opts.Keys[ids[0]]}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "cloudfront", "us-east-1", c.opts.SignNow()); err != nil {
		return nil, fmt.Errorf("sign request: %w", err)
	}
	return req, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

// apiError is the body of every error answer.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(apiError{Error: fmt.Sprintf(format, args...)})
}

func writeStoreError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrNoDistribution):
		writeError(w, http.StatusNotFound, "%v", err)
	case errors.Is(err, store.ErrBadMarker):
		writeError(w, http.StatusBadRequest, "%v (after= must name an item of the list)", err)
	default:
		writeError(w, http.StatusInternalServerError, "%v", err)
	}
}
