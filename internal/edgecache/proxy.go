// Package edgecache is a local CloudFront edge: an HTTP caching reverse
// proxy in front of the origins of every distribution in the store,
// chosen by the request's Host header, that behaves as its distribution's
// config says (origins, OriginPath, DefaultRootObject, cache behaviours
// by PathPattern, TTLs, managed cache policies, query strings in the
// cache key, compression, cache tags) and answers with CloudFront's
// headers (X-Cache, Age, Via, X-Amz-Cf-Id, X-Amz-Cf-Pop).
//
// Proxy.Purge implements invalidations: exact paths, trailing-'*'
// wildcards and '#tags', with cfpath's rules. After Purge returns, no
// request gets content fetched before the purge started: fetches that were
// running when it ran do not store what they got, and later requests do
// not join them.
//
// Why not httputil.ReverseProxy for cached requests: it streams each
// origin response to the one viewer that asked, while a cache fill must
// hold the whole response before anyone sees it, so that concurrent
// viewers share one origin fetch (request collapsing) and so that the
// purge check happens before the object becomes visible. Cache fills
// therefore call the Transport directly; ReverseProxy (with Rewrite) serves
// the methods that are never cached (POST, PUT, DELETE…).
package edgecache

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cfinv/cfinv/internal/cfpath"
	"github.com/cfinv/cfinv/internal/distconfig"
)

// Distribution is what the proxy needs to know about one distribution.
type Distribution struct {
	ID         string
	DomainName string // e.g. d111111abcdef8.cloudfront.net
	Config     distconfig.Config
}

// Distributions lists the distributions the proxy serves.
//
// ListDistributions returns every distribution, disabled ones included.
// The proxy calls it at most once per Proxy.ConfigRefresh and reads each
// Config during the call's aftermath only, so implementations may share
// trees they never mutate; a tree updated in place must be cloned.
type Distributions interface {
	ListDistributions(ctx context.Context) ([]Distribution, error)
}

// DistributionsFunc adapts a function to Distributions.
type DistributionsFunc func(ctx context.Context) ([]Distribution, error)

// ListDistributions calls f(ctx).
func (f DistributionsFunc) ListDistributions(ctx context.Context) ([]Distribution, error) {
	return f(ctx)
}

// Defaults of the Proxy's option fields.
const (
	DefaultMaxBytes       = 256 << 20
	DefaultMaxObjectBytes = 32 << 20
	DefaultConfigRefresh  = time.Second
	DefaultOriginTimeout  = 30 * time.Second
	// DefaultViewerWriteTimeout is how long a viewer may take to accept
	// each 256 KiB of a response.
	DefaultViewerWriteTimeout = 30 * time.Second
	DefaultPop                = "LCL50-C1"
)

// Proxy is a caching edge for the distributions Distributions lists. Set
// its fields before the first request and do not change them after. The
// zero value of every field but Distributions is a useful default.
type Proxy struct {
	// Distributions lists the distributions to serve. Required.
	Distributions Distributions

	// S3Origins maps an S3 bucket name to a local directory or to an
	// http(s):// URL that stands in for BUCKET.s3[.REGION].amazonaws.com
	// and its website endpoints. An S3 origin whose bucket is not here
	// answers 502.
	S3Origins map[string]string

	// Transport makes origin requests. Nil means http.DefaultTransport.
	Transport http.RoundTripper

	// Logger receives one record per origin fetch, purge and error.
	// Nil discards.
	Logger *slog.Logger

	// Now is the clock for TTLs and Age. Nil means time.Now.
	Now func() time.Time

	// MaxBytes is the cache budget; least recently used cache keys are
	// evicted beyond it. Zero means DefaultMaxBytes.
	MaxBytes int64

	// MaxObjectBytes is the largest response body cached; larger ones
	// are streamed to the viewer and not kept. Zero means
	// DefaultMaxObjectBytes.
	MaxObjectBytes int64

	// ConfigRefresh is how long the host table built from Distributions
	// is used before it is listed again (by Now). Zero means
	// DefaultConfigRefresh.
	ConfigRefresh time.Duration

	// OriginTimeout bounds the wait for an origin's response headers and,
	// for a cached object, the read of its body; for a streamed one (over
	// MaxObjectBytes) it bounds each read from the origin instead, so a
	// long download to a slow viewer is not cut off. Zero means
	// DefaultOriginTimeout.
	OriginTimeout time.Duration

	// ViewerWriteTimeout bounds each write of up to 256 KiB to a viewer:
	// a viewer that accepts nothing for this long is disconnected, while
	// one that reads slowly but steadily gets the whole object, however
	// large. It is applied with http.ResponseController write deadlines
	// (on the real clock, not Now), so it works whatever the server's
	// WriteTimeout. Zero means DefaultViewerWriteTimeout.
	ViewerWriteTimeout time.Duration

	// Pop is the X-Amz-Cf-Pop value, and seeds the Via host. Empty means
	// DefaultPop.
	Pop string

	// testHookFlight, when set (by tests), is called once per cache miss
	// when the request has become the leader of an origin fetch (true)
	// or a follower about to wait on one (false).
	testHookFlight func(leader bool)

	once   sync.Once
	cache  *cache
	log    *slog.Logger
	via    string
	hosts  atomic.Pointer[hostTable]
	hostMu sync.Mutex
}

// resolved is a distribution with its config read once.
type resolved struct {
	id         string
	enabled    bool
	rootObject string
	tagHeader  string
	behaviors  []distconfig.Behavior
	def        distconfig.Behavior
	origins    map[string]distconfig.Origin
	// errorResponses are the CustomErrorResponses by ErrorCode.
	errorResponses map[int]distconfig.ErrorResponse
}

func (d *resolved) behaviorFor(p string) distconfig.Behavior {
	for _, b := range d.behaviors {
		if b.Matches(p) {
			return b
		}
	}
	return d.def
}

type hostTable struct {
	built    time.Time
	exact    map[string]*resolved
	wildcard map[string]*resolved // "*.example.com" stored as "example.com"
}

func (p *Proxy) init() {
	p.once.Do(func() {
		maxBytes := p.MaxBytes
		if maxBytes <= 0 {
			maxBytes = DefaultMaxBytes
		}
		p.cache = newCache(maxBytes)
		p.log = p.Logger
		if p.log == nil {
			p.log = slog.New(slog.DiscardHandler)
		}
		sum := md5.Sum([]byte("cfinv-edge " + p.pop()))
		p.via = "1.1 " + hex.EncodeToString(sum[:]) + ".cloudfront.net (CloudFront)"
	})
}

func (p *Proxy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Proxy) logger() *slog.Logger { return p.log }

func (p *Proxy) transport() http.RoundTripper {
	if p.Transport != nil {
		return p.Transport
	}
	return http.DefaultTransport
}

func (p *Proxy) pop() string {
	if p.Pop != "" {
		return p.Pop
	}
	return DefaultPop
}

func (p *Proxy) maxObject() int64 {
	if p.MaxObjectBytes > 0 {
		return p.MaxObjectBytes
	}
	return DefaultMaxObjectBytes
}

// Purge removes from distribution distributionID's cache what items name:
// an exact path removes that cache key ("/a.html" or "/a.html?x=1") with
// all its header and cookie variants; a path ending in '*' removes every
// key with that prefix, query-string variants included; "#tag" removes
// every object whose origin response carried the tag in the header named
// by the distribution's CacheTagConfig. Every item is checked with
// cfpath.Validate first; if one is invalid, Purge removes nothing and
// returns its error. Purging what is not cached is not an error. When
// Purge returns, no request gets content fetched before it started.
// Purge implements emulator.Purger.
func (p *Proxy) Purge(ctx context.Context, distributionID string, items []string) error {
	for _, it := range items {
		if err := cfpath.Validate(it); err != nil {
			return fmt.Errorf("purge %s: %w", distributionID, err)
		}
	}
	p.init()
	n := p.cache.purge(distributionID, slices.Clone(items))
	p.logger().LogAttrs(ctx, slog.LevelInfo, "edge purge", slog.String("distribution", distributionID),
		slog.Int("items", len(items)), slog.Int("removed", n))
	return nil
}

// Stats returns the cache's counters.
func (p *Proxy) Stats() Stats {
	p.init()
	p.cache.mu.Lock()
	defer p.cache.mu.Unlock()
	s := p.cache.stats
	s.Bytes = p.cache.bytes
	s.Objects = p.cache.lru.Len()
	return s
}

// lookupHost finds the distribution served at host: its DomainName, one
// of its Aliases (a "*.example.com" alias covers one label), or
// "ID.localhost". ok is false for an unknown host.
//
// An unknown host makes the proxy list the distributions again if its list
// is older than missRefresh, so a distribution created a moment ago is
// served at once rather than after ConfigRefresh.
func (p *Proxy) lookupHost(ctx context.Context, host string) (*resolved, bool, error) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	d, ok, err := p.lookupIn(ctx, host, 0)
	if !ok && d == nil && err == nil {
		return p.lookupIn(ctx, host, missRefresh)
	}
	return d, ok, err
}

// missRefresh is the age beyond which a lookup of an unknown host lists
// the distributions again; it bounds the listing rate an unknown Host
// header can cause.
const missRefresh = 100 * time.Millisecond

// lookupIn looks host up in the host table, rebuilt first if it is older
// than maxAge (0 means ConfigRefresh).
func (p *Proxy) lookupIn(ctx context.Context, host string, maxAge time.Duration) (*resolved, bool, error) {
	t, err := p.table(ctx, maxAge)
	if t == nil {
		return nil, false, err
	}
	if err != nil {
		p.logger().LogAttrs(ctx, slog.LevelWarn, "edge list distributions, using the previous list", slog.Any("error", err))
	}
	if d, ok := t.exact[host]; ok {
		return d, true, nil
	}
	if _, parent, ok := strings.Cut(host, "."); ok {
		if d, ok := t.wildcard[parent]; ok {
			return d, true, nil
		}
	}
	return nil, false, nil
}

func (p *Proxy) table(ctx context.Context, maxAge time.Duration) (*hostTable, error) {
	refresh := p.ConfigRefresh
	if refresh <= 0 {
		refresh = DefaultConfigRefresh
	}
	if maxAge > 0 && maxAge < refresh {
		refresh = maxAge
	}
	now := p.now()
	if t := p.hosts.Load(); t != nil && now.Sub(t.built) < refresh && !now.Before(t.built) {
		return t, nil
	}
	p.hostMu.Lock()
	defer p.hostMu.Unlock()
	old := p.hosts.Load()
	if old != nil && now.Sub(old.built) < refresh && !now.Before(old.built) {
		return old, nil
	}
	if p.Distributions == nil {
		return old, errors.New("list distributions: Proxy.Distributions is nil")
	}
	list, err := p.Distributions.ListDistributions(ctx)
	if err != nil {
		return old, fmt.Errorf("list distributions: %w", err)
	}
	t := &hostTable{built: now, exact: map[string]*resolved{}, wildcard: map[string]*resolved{}}
	for _, d := range list {
		c := d.Config
		r := &resolved{
			id: d.ID, enabled: c.Enabled(), rootObject: c.DefaultRootObject(), tagHeader: c.CacheTagHeader(),
			behaviors: c.CacheBehaviors(), def: c.DefaultCacheBehavior(), origins: map[string]distconfig.Origin{},
			errorResponses: c.CustomErrorResponses(),
		}
		for _, o := range c.Origins() {
			r.origins[o.ID] = o
		}
		t.exact[strings.ToLower(d.ID)+".localhost"] = r
		if d.DomainName != "" {
			t.exact[strings.ToLower(d.DomainName)] = r
		}
		for _, a := range c.Aliases() {
			a = strings.TrimSuffix(strings.ToLower(a), ".")
			if rest, ok := strings.CutPrefix(a, "*."); ok {
				t.wildcard[rest] = r
			} else {
				t.exact[a] = r
			}
		}
	}
	p.hosts.Store(t)
	return t, nil
}

// ServeHTTP serves a viewer request as the distribution chosen by its
// Host header would.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.init()
	ctx := r.Context()
	cfID := newCfID()
	if r.Host == "" {
		p.errorPage(w, r, cfID, http.StatusBadRequest, msgBadRequest)
		return
	}
	escPath, err := cleanPath(r.URL.EscapedPath())
	if err != nil {
		p.logger().LogAttrs(ctx, slog.LevelInfo, "edge bad path", slog.String("path", r.URL.EscapedPath()), slog.Any("error", err))
		p.errorPage(w, r, cfID, http.StatusBadRequest, msgBadRequest)
		return
	}
	if escPath != r.URL.EscapedPath() {
		// Everything below reads the normalised path only.
		r = withPath(r, escPath)
	}
	d, ok, err := p.lookupHost(ctx, r.Host)
	if err != nil && d == nil {
		p.logger().LogAttrs(ctx, slog.LevelError, "edge host lookup", slog.String("host", r.Host), slog.Any("error", err))
		p.errorPage(w, r, cfID, http.StatusServiceUnavailable, msgUnavailable)
		return
	}
	if !ok || !d.enabled {
		p.errorPage(w, r, cfID, http.StatusForbidden, msgBadRequest)
		return
	}
	b := d.behaviorFor(escPath)
	if !slices.Contains(b.AllowedMethods, r.Method) {
		p.errorPage(w, r, cfID, http.StatusForbidden, msgMethod)
		return
	}
	objPath := escPath
	if objPath == "/" && d.rootObject != "" {
		objPath = "/" + strings.TrimPrefix(d.rootObject, "/")
	}
	rq, ok := p.newRequest(w, r, d, b, cfID, objPath)
	if !ok {
		return
	}
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || !slices.Contains(b.CachedMethods, r.Method) {
		rq.passThrough(w)
		return
	}
	rq.key = objPath
	if q := rq.pol.keyQuery(r.URL.RawQuery); q != "" {
		rq.key += "?" + q
	}
	rq.variant = rq.pol.variant(r)
	rq.serve(w, b.Compress && rq.pol.gzip)
}

// newRequest prepares the request r for objPath through behaviour b of
// d: its origin and cache policy. When the origin cannot be used it
// writes CloudFront's 502 and returns false.
func (p *Proxy) newRequest(w http.ResponseWriter, r *http.Request, d *resolved, b distconfig.Behavior, cfID, objPath string) (*request, bool) {
	ctx := r.Context()
	o, ok := d.origins[b.TargetOriginID]
	if !ok {
		p.logger().LogAttrs(ctx, slog.LevelWarn, "edge origin not found (origin groups are not supported)",
			slog.String("distribution", d.id), slog.String("origin", b.TargetOriginID))
		p.errorPage(w, r, cfID, http.StatusBadGateway, msgNoOrigin)
		return nil, false
	}
	t, err := p.target(r, o)
	if err != nil {
		p.logger().LogAttrs(ctx, slog.LevelWarn, "edge origin", slog.String("distribution", d.id), slog.Any("error", err))
		p.errorPage(w, r, cfID, http.StatusBadGateway, msgNoOrigin)
		return nil, false
	}
	pol, known := policyFor(b)
	if !known {
		p.logger().LogAttrs(ctx, slog.LevelDebug, "edge custom cache policy unknown, legacy defaults used",
			slog.String("distribution", d.id), slog.String("policy", b.CachePolicyID))
	}
	pol.errorResponses = d.errorResponses
	return &request{p: p, d: d, t: t, pol: pol, r: r, cfID: cfID, objPath: objPath}, true
}

// request is one viewer request being served.
type request struct {
	p       *Proxy
	d       *resolved
	t       originTarget
	pol     cachePolicy
	r       *http.Request
	cfID    string
	objPath string
	key     string // cache key: objPath plus "?query" when the policy keys on it
	variant string
	// errPage is set when this request fetches a custom error page;
	// status is then the code the page is sent with.
	errPage bool
	status  int
}

// flight is a running origin fetch that concurrent requests for the same
// cache key and variant wait on.
type flight struct {
	key  string
	done chan struct{}
	res  fetchResult
}

type fetchResult struct {
	obj      *object
	xcache   string // "Miss", "RefreshHit", "Error", or "Hit" for a stale object
	stored   bool   // obj is in the cache
	stale    bool   // obj is the expired cached object, served because the origin failed
	err      error
	tooLarge bool           // the leader streams it; the others fetch on their own
	resp     *http.Response // for the leader when tooLarge
	prefix   []byte
}

func (rq *request) serve(w http.ResponseWriter, compress bool) {
	c := rq.p.cache
	now := rq.p.now()
	c.mu.Lock()
	dc := c.dist(rq.d.id)
	cached := c.lookup(dc, rq.key, rq.variant)
	if cached != nil && cached.fresh(now) {
		c.stats.Hits++
		c.mu.Unlock()
		rq.respond(w, cached, "Hit", true, now, compress)
		return
	}
	fk := rq.key + "\x00" + rq.variant
	if f := dc.flights[fk]; f != nil {
		c.mu.Unlock()
		if h := rq.p.testHookFlight; h != nil {
			h(false)
		}
		select {
		case <-f.done:
		case <-rq.r.Context().Done():
			return
		}
		if f.res.tooLarge {
			// Not cached, so not shared: this viewer streams its own
			// fetch, and gets the whole body (or its range).
			rq.streamOwn(w)
			return
		}
		rq.finish(w, f.res, compress)
		return
	}
	var stale, expired *object
	if cached != nil && cached.hasValidators() {
		stale = cached
	}
	if cached != nil && cached.status < 400 {
		expired = cached
	}
	f := &flight{key: rq.key, done: make(chan struct{})}
	dc.flights[fk] = f
	start := dc.begin()
	c.mu.Unlock()
	if h := rq.p.testHookFlight; h != nil {
		h(true)
	}

	res := rq.fetch(stale)

	c.mu.Lock()
	var tags []string
	if res.obj != nil {
		tags = res.obj.tags
	}
	purged := dc.end(start, rq.key, tags)
	if dc.flights[fk] == f {
		delete(dc.flights, fk)
	}
	if expired != nil && originFailed(res) && !purged && c.lookup(dc, rq.key, rq.variant) == expired {
		// CloudFront keeps serving an expired object while its origin
		// fails, until an invalidation removes it.
		res = fetchResult{obj: expired, xcache: "Hit", stale: true}
		c.stats.StaleHits++
	}
	switch {
	case res.stale, res.obj == nil:
	case res.xcache == "RefreshHit":
		c.stats.RefreshHits++
	default:
		c.stats.Misses++
	}
	if res.stored {
		if purged {
			res.stored = false
			c.stats.Discarded++
		} else {
			c.store(dc, rq.key, rq.variant, res.obj)
		}
	}
	c.mu.Unlock()
	f.res = res
	f.res.resp, f.res.prefix = nil, nil // only the leader streams
	close(f.done)
	if res.tooLarge {
		rq.stream(w, res.resp, res.prefix)
		return
	}
	rq.finish(w, res, compress)
}

func (rq *request) finish(w http.ResponseWriter, res fetchResult, compress bool) {
	if res.err != nil {
		status, msg := http.StatusBadGateway, msgNoOrigin
		if errors.Is(res.err, context.DeadlineExceeded) {
			status, msg = http.StatusGatewayTimeout, msgTimeout
		}
		if er, ok := rq.customError(status); ok {
			rq.serveErrorPage(w, er, status)
			return
		}
		rq.p.errorPage(w, rq.r, rq.cfID, status, msg)
		return
	}
	rq.respond(w, res.obj, res.xcache, res.stale, rq.p.now(), compress)
}

// originFailed reports whether a fetch found the origin unreachable or
// answering a server error.
func originFailed(res fetchResult) bool {
	return res.err != nil || res.obj != nil && res.obj.status >= 500
}

// originRequest builds the request CloudFront would send to the origin.
func (rq *request) originRequest(ctx context.Context, method string) *http.Request {
	r := rq.r
	u := rq.t.url(rq.objPath, rq.pol.originQuery(r.URL.RawQuery))
	out := (&http.Request{
		Method: method, URL: u, Host: u.Host, Header: http.Header{},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}).WithContext(ctx)
	for _, h := range rq.pol.headers {
		if h == "Host" {
			out.Host = r.Host
			continue
		}
		if v := r.Header.Values(h); len(v) > 0 {
			out.Header[h] = v
		}
	}
	if rq.pol.allHeaders {
		for k, v := range r.Header {
			out.Header[k] = v
		}
		out.Host = r.Host
	}
	switch rq.pol.cookies {
	case "all":
		if v := r.Header.Values("Cookie"); len(v) > 0 {
			out.Header["Cookie"] = v
		}
	case "whitelist":
		for _, name := range rq.pol.cookieNames {
			if c, err := r.Cookie(name); err == nil {
				out.AddCookie(c)
			}
		}
	default:
		out.Header.Del("Cookie")
	}
	for _, h := range rq.t.headers {
		out.Header.Set(h[0], h[1])
	}
	if out.Header.Get("User-Agent") == "" {
		out.Header.Set("User-Agent", "Amazon CloudFront")
	}
	out.Header.Set("Via", rq.p.via)
	out.Header.Set("X-Amz-Cf-Id", rq.cfID)
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		out.Header.Set("X-Forwarded-For", ip)
	}
	// The edge compresses itself; ask the origin for the plain bytes.
	out.Header.Set("Accept-Encoding", "identity")
	return out
}

// originTimeout is Proxy.OriginTimeout or its default.
func (p *Proxy) originTimeout() time.Duration {
	if p.OriginTimeout > 0 {
		return p.OriginTimeout
	}
	return DefaultOriginTimeout
}

// roundTrip sends req (made with ctx, which it cancels on failure) and
// arms the origin timeout until the response headers arrive. The
// returned timer is stopped; the caller re-arms it for the body.
func (rq *request) roundTrip(req *http.Request, cancel context.CancelFunc) (*http.Response, *time.Timer, error) {
	timeout := rq.p.originTimeout()
	timer := time.AfterFunc(timeout, cancel)
	resp, err := rq.t.rt.RoundTrip(req)
	timer.Stop()
	if err != nil {
		if req.Context().Err() != nil && !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err) // our timer cancelled it
		}
		cancel()
		rq.p.logger().LogAttrs(rq.r.Context(), slog.LevelWarn, "edge origin fetch", slog.String("distribution", rq.d.id),
			slog.String("url", req.URL.String()), slog.Any("error", err))
		return nil, nil, err
	}
	return resp, timer, nil
}

// fetch gets the object from the origin, conditionally when stale is a
// cached object with validators. A body that fits MaxObjectBytes is read
// whole (bounded by OriginTimeout), to be shared by the flight's viewers
// and cached; a larger one (by Content-Length, or once more than
// MaxObjectBytes have arrived) is left open for the leader to stream.
func (rq *request) fetch(stale *object) fetchResult {
	// The fetch serves every waiter, so the first viewer's going away
	// must not cancel it.
	ctx, cancel := context.WithCancel(context.WithoutCancel(rq.r.Context()))
	req := rq.originRequest(ctx, http.MethodGet)
	if stale != nil {
		if stale.etag != "" {
			req.Header.Set("If-None-Match", stale.etag)
		}
		if stale.lastModified != "" {
			req.Header.Set("If-Modified-Since", stale.lastModified)
		}
	}
	log := rq.p.logger()
	resp, timer, err := rq.roundTrip(req, cancel)
	if err != nil {
		return fetchResult{err: err}
	}
	now := rq.p.now()
	if resp.StatusCode == http.StatusNotModified && stale != nil {
		resp.Body.Close()
		cancel()
		h := stale.header.Clone()
		for _, k := range []string{"Cache-Control", "Expires", "Date", "Etag", "Last-Modified"} {
			if v := resp.Header.Values(k); len(v) > 0 {
				h[k] = v
			}
		}
		o := &object{status: stale.status, header: h, body: stale.body, stored: now,
			etag: h.Get("ETag"), lastModified: h.Get("Last-Modified"), tags: stale.tags}
		ttl, store := rq.pol.ttlFor(o.status, h, now)
		o.expires = now.Add(ttl)
		log.LogAttrs(rq.r.Context(), slog.LevelDebug, "edge refresh", slog.String("distribution", rq.d.id), slog.String("key", rq.key))
		return fetchResult{obj: o, xcache: "RefreshHit", stored: store}
	}
	limit := rq.p.maxObject()
	if resp.ContentLength > limit {
		resp.Body = rq.p.idleBody(resp.Body, timer, cancel)
		return fetchResult{tooLarge: true, resp: resp}
	}
	timer.Reset(rq.p.originTimeout())
	body, err := readBody(resp.Body, resp.ContentLength, limit)
	if !timer.Stop() && err != nil {
		err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
	}
	if err != nil {
		resp.Body.Close()
		cancel()
		return fetchResult{err: fmt.Errorf("read origin response: %w", err)}
	}
	if int64(len(body)) > limit {
		resp.Body = rq.p.idleBody(resp.Body, timer, cancel)
		return fetchResult{tooLarge: true, resp: resp, prefix: body}
	}
	resp.Body.Close()
	cancel()
	h := resp.Header.Clone()
	removeHopHeaders(h)
	h.Del("Content-Length")
	o := &object{status: resp.StatusCode, header: h, body: body, stored: now,
		etag: h.Get("ETag"), lastModified: h.Get("Last-Modified"), tags: parseTags(h, rq.d.tagHeader)}
	ttl, store := rq.pol.ttlFor(o.status, h, now)
	if ttl == 0 && !o.hasValidators() {
		store = false
	}
	o.expires = now.Add(ttl)
	xc := "Miss"
	if o.status >= 400 {
		xc = "Error"
	}
	log.LogAttrs(rq.r.Context(), slog.LevelDebug, "edge miss", slog.String("distribution", rq.d.id), slog.String("key", rq.key),
		slog.Int("status", o.status), slog.Duration("ttl", ttl), slog.Bool("store", store))
	return fetchResult{obj: o, xcache: xc, stored: store}
}

// readBody reads a response body of n bytes (-1: unknown) into one
// allocation of its size, or, when n is unknown, at most limit+1 bytes.
func readBody(r io.Reader, n, limit int64) ([]byte, error) {
	if n >= 0 {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(io.LimitReader(r, limit+1))
}

// respond writes o to the viewer with CloudFront's headers, compressed
// when allowed, and answers the viewer's conditional and range requests.
func (rq *request) respond(w http.ResponseWriter, o *object, xcache string, hit bool, now time.Time, compress bool) {
	if er, ok := rq.customError(o.status); ok {
		rq.serveErrorPage(w, er, o.status)
		return
	}
	status := o.status
	if rq.errPage && status < 400 {
		status = rq.status
		xcache = "Error"
	}
	h := w.Header()
	for k, v := range o.header {
		h[k] = v
	}
	if status >= 400 {
		xcache = "Error"
	}
	rq.p.cfHeaders(h, xcache, rq.cfID)
	if hit {
		age := int64(now.Sub(o.stored) / time.Second)
		if a, err := strconv.ParseInt(o.header.Get("Age"), 10, 64); err == nil && a > 0 {
			age += a
		}
		h.Set("Age", strconv.FormatInt(max(age, 0), 10))
	}
	body := o.body
	if compress && compressible(o) {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(rq.r) {
			body = rq.gzipped(o)
			h.Set("Content-Encoding", "gzip")
			if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
				h.Set("ETag", "W/"+et)
			}
		}
	}
	if status == http.StatusOK {
		if _, ok := h["Content-Type"]; !ok {
			h["Content-Type"] = nil // no sniffing: CloudFront passes what the origin sent
		}
		if !conditionalOrRange(rq.r) {
			// The common hit: what http.ServeContent would do for a
			// plain GET or HEAD, without its parsing and allocations.
			if o.lastModified != "" && h.Get("Last-Modified") == "" {
				h.Set("Last-Modified", o.lastModified)
			}
			h.Set("Accept-Ranges", "bytes")
			h.Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusOK)
			if rq.r.Method != http.MethodHead {
				rq.p.writeBody(w, body)
			}
			return
		}
		modtime, _ := http.ParseTime(o.lastModified)
		if len(body) <= writeChunk {
			http.ServeContent(w, rq.r, "", modtime, bytes.NewReader(body))
			return
		}
		vw := rq.p.viewerWriter(w)
		http.ServeContent(vw, rq.r, "", modtime, bytes.NewReader(body))
		vw.done()
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if rq.r.Method != http.MethodHead {
		rq.p.writeBody(w, body)
	}
}

// writeBody writes a cached body; one larger than a write chunk goes
// under viewer write deadlines.
func (p *Proxy) writeBody(w http.ResponseWriter, body []byte) {
	if len(body) <= writeChunk {
		w.Write(body)
		return
	}
	vw := p.viewerWriter(w)
	vw.Write(body)
	vw.done()
}

// customError returns the distribution's custom error response with a
// page for an error status, unless this request is already fetching one.
func (rq *request) customError(status int) (distconfig.ErrorResponse, bool) {
	if status < 400 || rq.errPage {
		return distconfig.ErrorResponse{}, false
	}
	er, ok := rq.d.errorResponses[status]
	return er, ok && er.ResponsePagePath != ""
}

// serveErrorPage answers an origin error of the given status with the
// custom error page er names, as CloudFront does: the page is requested
// like any object, through the behaviour, origin and cache entry of its
// own path (so invalidating the page takes effect for every URL that
// shows it), and sent with ResponseCode, else the original status, and
// X-Cache "Error from cloudfront". When the page itself cannot be had,
// the viewer gets the page's error.
func (rq *request) serveErrorPage(w http.ResponseWriter, er distconfig.ErrorResponse, status int) {
	page := "/" + strings.TrimPrefix(er.ResponsePagePath, "/")
	code := er.ResponseCode
	if code == 0 {
		code = status
	}
	r := rq.r.Clone(rq.r.Context())
	r.URL = &url.URL{Path: page}
	for _, k := range [...]string{"Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"} {
		r.Header.Del(k)
	}
	b := rq.d.behaviorFor(page)
	sub, ok := rq.p.newRequest(w, r, rq.d, b, rq.cfID, r.URL.EscapedPath())
	if !ok {
		return
	}
	sub.errPage, sub.status = true, code
	sub.key, sub.variant = sub.objPath, sub.pol.variant(r)
	sub.serve(w, b.Compress && sub.pol.gzip)
}

// conditionalOrRange reports whether r carries a header that
// http.ServeContent must evaluate (a range or a precondition).
func conditionalOrRange(r *http.Request) bool {
	for _, k := range [...]string{"Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"} {
		if _, ok := r.Header[k]; ok {
			return true
		}
	}
	return false
}

// gzipped returns o's body compressed, building it once per cached object.
func (rq *request) gzipped(o *object) []byte {
	c := rq.p.cache
	c.mu.Lock()
	gz := o.gz
	c.mu.Unlock()
	if gz != nil {
		return gz
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zw.Write(o.body)
	zw.Close()
	gz = buf.Bytes()
	c.mu.Lock()
	c.grow(c.dist(rq.d.id), rq.key, o, gz)
	c.mu.Unlock()
	return gz
}

// compressible reports whether CloudFront would compress o: status 200,
// not already encoded, 1,000 to 10,000,000 bytes, and a compressible
// Content-Type.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html
func compressible(o *object) bool {
	if o.status != http.StatusOK || o.header.Get("Content-Encoding") != "" || len(o.body) < 1000 || len(o.body) > 10_000_000 {
		return false
	}
	ct := strings.ToLower(o.header.Get("Content-Type"))
	ct, _, _ = strings.Cut(ct, ";")
	ct = strings.TrimSpace(ct)
	if strings.HasPrefix(ct, "text/") {
		return true
	}
	switch ct {
	case "application/javascript", "application/x-javascript", "application/json", "application/ld+json",
		"application/xml", "application/xhtml+xml", "application/rss+xml", "application/atom+xml",
		"application/manifest+json", "application/vnd.ms-fontobject", "application/wasm",
		"font/otf", "font/ttf", "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon", "image/bmp":
		return true
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
				return false
			}
			return true
		}
	}
	return false
}

// passThrough forwards a request that is not cached (a method CloudFront
// does not cache, or a response too large) with httputil.ReverseProxy.
func (rq *request) passThrough(w http.ResponseWriter) {
	rp := &httputil.ReverseProxy{
		Transport: rq.t.rt,
		Rewrite: func(pr *httputil.ProxyRequest) {
			o := rq.originRequest(pr.Out.Context(), pr.In.Method)
			o.Body, o.ContentLength, o.GetBody = pr.Out.Body, pr.Out.ContentLength, pr.Out.GetBody
			if ct := pr.In.Header.Values("Content-Type"); len(ct) > 0 {
				o.Header["Content-Type"] = ct
			}
			o.Header.Del("Accept-Encoding")
			pr.Out.URL, pr.Out.Host, pr.Out.Header = o.URL, o.Host, o.Header
		},
		ModifyResponse: func(resp *http.Response) error {
			xc := "Miss"
			if resp.StatusCode >= 400 {
				xc = "Error"
			}
			rq.p.cfHeaders(resp.Header, xc, rq.cfID)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			rq.p.logger().LogAttrs(r.Context(), slog.LevelWarn, "edge origin pass-through", slog.String("distribution", rq.d.id), slog.Any("error", err))
			rq.p.errorPage(w, r, rq.cfID, http.StatusBadGateway, msgNoOrigin)
		},
		ErrorLog: slog.NewLogLogger(rq.p.logger().Handler(), slog.LevelWarn),
	}
	vw := rq.p.viewerWriter(w)
	rp.ServeHTTP(vw, rq.r)
	vw.done()
}

func (p *Proxy) cfHeaders(h http.Header, xcache, cfID string) {
	h.Set("X-Cache", xcache+" from cloudfront")
	if v := h.Get("Via"); v != "" {
		h.Set("Via", v+", "+p.via)
	} else {
		h.Set("Via", p.via)
	}
	h.Set("X-Amz-Cf-Pop", p.pop())
	h.Set("X-Amz-Cf-Id", cfID)
}

var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func removeHopHeaders(h http.Header) {
	for _, f := range h["Connection"] {
		for _, sf := range strings.Split(f, ",") {
			if sf = strings.TrimSpace(sf); sf != "" {
				h.Del(sf)
			}
		}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
}

// newCfID returns a request ID shaped like CloudFront's X-Amz-Cf-Id: 40
// random bytes in URL-safe base64, 56 characters ending in "==".
func newCfID() string {
	var b [40]byte
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rand.Uint64())
	}
	return base64.URLEncoding.EncodeToString(b[:])
}
