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
// therefore call the Transport directly; objects over MaxObjectBytes are
// streamed to their viewer and not cached (stream.go); ReverseProxy (with
// Rewrite) serves the methods that are never cached (POST, PUT, DELETE…).
//
// Files: proxy.go (options, entry, purge), path.go (the viewer path's
// normal form), hosts.go (host table), flight.go (request collapsing and
// the purge race), route.go (a behaviour's policies and origin targets,
// built once per host table), fetch.go (origin requests), respond.go
// (cached responses), hit.go (plain hits from headers built once per
// object), stream.go (uncached responses, viewer write deadlines), server.go
// (the net/http server and the viewer limits both servers share),
// passthrough.go, origin.go (origin targets, directory origins), cache.go,
// index.go, cachepolicy.go, requestpolicy.go and headerspolicy.go (the
// three kinds of policy), fasthttp.go (FastServer), staging.go (continuous
// deployment: a primary's requests sent to its staging distribution).
package edgecache

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httputil"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/internal/cffunc"
	"github.com/cfinv/cfinv/internal/distconfig"
)

// Distribution is what the proxy needs to know about one distribution.
type Distribution struct {
	ID         string
	DomainName string // e.g. d111111abcdef8.cloudfront.net
	Config     distconfig.Config
	// Policies holds, by ID, the configs (CachePolicyConfig,
	// OriginRequestPolicyConfig, ResponseHeadersPolicyConfig) of at least
	// the policies the behaviours name, custom and managed alike, so
	// the edge honours them. The proxy only reads it; it may be shared
	// between distributions. A cache policy missing here falls back to the
	// managed policies the edge knows, then to CloudFront's defaults.
	Policies map[string]*distconfig.Node
	// Domains are more host names served as this distribution: the
	// domains of its enabled distribution tenants.
	Domains []string
	// Functions holds, by function name, the LIVE code of at least the
	// CloudFront Functions the behaviours associate. A behaviour naming a
	// function missing here answers 503, as a function that cannot run.
	Functions map[string]FunctionCode
	// Staging, when not nil, is the distribution's enabled continuous
	// deployment policy (staging.go): some of its viewer requests are
	// served by the staging distribution it names.
	Staging *StagingRoute
	// IsStaging marks a staging distribution: it is served only through
	// its primary, never at its own domain name.
	IsStaging bool
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

	// S3Buckets, when not nil, answers the origin requests of S3 origins
	// whose bucket S3Origins does not map, in process and path-style
	// (GET /BUCKET/ORIGINPATH/KEY): cfinv serve's own S3 API. A missing
	// key answers 403 AccessDenied, as S3 answers CloudFront for a
	// private bucket. Each origin request first asks it for the bucket's
	// location (its BucketLocation method when it has one, as
	// s3api.Server does, else GET /BUCKET?location), and a bucket of another region
	// than the origin's DomainName names gets S3's answer for that
	// endpoint (301 PermanentRedirect or 400
	// IllegalLocationConstraintException; see docs/emulator.md).
	S3Buckets http.Handler

	// Transport makes origin requests. Nil means http.DefaultTransport.
	Transport http.RoundTripper

	// Logger receives one record per origin fetch, purge and error.
	// Nil discards.
	Logger *slog.Logger

	// Now is the clock for TTLs and Age. Nil means time.Now.
	Now func() time.Time

	// MaxBytes is the cache budget; least recently used cache keys are
	// evicted beyond it. It also bounds the bodies that misses in flight
	// hold whole (to share and cache them): a miss whose body would take
	// them past it is streamed, as one over MaxObjectBytes is. Zero
	// means DefaultMaxBytes.
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

	// ViewerReadTimeout bounds the arrival of a request, headers and body
	// (a body passed through to the origin included), on Server and
	// FastServer alike: a viewer that has not sent it all by then is
	// disconnected. Zero means DefaultViewerReadTimeout.
	ViewerReadTimeout time.Duration

	// FunctionBudget is how long a CloudFront Function may run per
	// event before it is stopped and the viewer gets a 503. Zero means
	// cffunc.DefaultBudget.
	FunctionBudget time.Duration

	// Pop is the X-Amz-Cf-Pop value, and seeds the Via host. Empty means
	// DefaultPop.
	Pop string

	// StagingDraw, when not nil, decides where a new viewer of a
	// weight-based continuous deployment policy goes: to the staging
	// distribution when it returns less than the policy's Weight (it
	// returns a number in [0, 1)). Nil draws at random. Tests set it to
	// route deterministically.
	StagingDraw func(r *http.Request) float64

	// Observe, when not nil, is called once per viewer request after it
	// is answered and once per purge, on the goroutine that served it. It
	// must not block (cfinv serve's console copies the event into a
	// bounded ring and returns).
	Observe func(Event)

	// testHookFlight, when set (by tests), is called once per cache miss
	// when the request has become the leader of an origin fetch (true)
	// or a follower about to wait on one (false).
	testHookFlight func(leader bool)
	// testHookFetched, when set (by tests), is called when a cache
	// miss's leader has its origin response: read whole, or ready to
	// stream.
	testHookFetched func()
	// testHookFastHit, when set (by tests), is called for every plain hit
	// FastServer answers on fasthttp.
	testHookFastHit func()

	once     sync.Once
	cache    *cache
	inflight byteBudget // bodies of misses in flight
	log      *slog.Logger
	via      string
	hosts    atomic.Pointer[hostTable]
	hostMu   sync.Mutex
	rp       *httputil.ReverseProxy // pass-through of uncached methods
	fnMu     sync.Mutex
	fns      map[string]*cffunc.Function // compiled functions by ETag
	// fnCompiles counts Compile calls (under fnMu), for the compile-once
	// test.
	fnCompiles int
}

func (p *Proxy) init() {
	p.once.Do(func() {
		maxBytes := p.MaxBytes
		if maxBytes <= 0 {
			maxBytes = DefaultMaxBytes
		}
		p.cache = newCache(maxBytes)
		p.inflight.max = maxBytes
		p.log = p.Logger
		if p.log == nil {
			p.log = slog.New(slog.DiscardHandler)
		}
		sum := md5.Sum([]byte("cfinv-edge " + p.pop()))
		p.via = "1.1 " + hex.EncodeToString(sum[:]) + ".cloudfront.net (CloudFront)"
		p.rp = p.newReverseProxy()
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
	if p.Observe != nil {
		p.Observe(Event{Kind: EventPurge, Time: p.now(), Distribution: distributionID, Items: slices.Clone(items), Removed: n})
	}
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

// ServeHTTP serves a viewer request as the distribution chosen by its
// Host header would.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.init()
	if p.Observe != nil {
		defer p.observe(w, r)
	}
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
	if d.staging != nil {
		var cookie string
		if d, cookie = p.chooseDistribution(r, d); cookie != "" {
			w = &cookieWriter{ResponseWriter: w, cookie: cookie}
		}
	}
	route := p.routeFor(d, escPath)
	b := &route.b
	if !slices.Contains(b.AllowedMethods, r.Method) {
		p.errorPage(w, r, cfID, http.StatusForbidden, msgMethod)
		return
	}
	if route.hasFunctions() {
		var done bool
		if w, r, escPath, done = p.runFunctions(w, r, d, route, cfID, escPath); done {
			return
		}
	}
	objPath := escPath
	if objPath == "/" && d.rootObject != "" {
		objPath = "/" + strings.TrimPrefix(d.rootObject, "/")
	}
	rq, ok := p.newRequest(w, r, d, route, cfID, objPath)
	if !ok {
		return
	}
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || !slices.Contains(b.CachedMethods, r.Method) {
		rq.passThrough(w)
		return
	}
	rq.setKey(r.URL.RawQuery)
	rq.serve(w, b.Compress && rq.pol.gzip)
}

// newRequest prepares the request r for objPath through route rt of d:
// its origin and cache policy. When the origin cannot be used it writes
// CloudFront's 502 and returns false.
func (p *Proxy) newRequest(w http.ResponseWriter, r *http.Request, d *resolved, rt *route, cfID, objPath string) (*request, bool) {
	ctx := r.Context()
	b := &rt.b
	if !rt.found {
		p.logger().LogAttrs(ctx, slog.LevelWarn, "edge origin not found (origin groups are not supported)",
			slog.String("distribution", d.id), slog.String("origin", b.TargetOriginID))
		p.errorPage(w, r, cfID, http.StatusBadGateway, msgNoOrigin)
		return nil, false
	}
	t, err := rt.target(r)
	if err != nil {
		p.logger().LogAttrs(ctx, slog.LevelWarn, "edge origin", slog.String("distribution", d.id), slog.Any("error", err))
		p.errorPage(w, r, cfID, http.StatusBadGateway, msgNoOrigin)
		return nil, false
	}
	if !rt.known {
		p.logger().LogAttrs(ctx, slog.LevelDebug, "edge custom cache policy unknown, legacy defaults used",
			slog.String("distribution", d.id), slog.String("policy", b.CachePolicyID))
	}
	return rt.request(p, d, t, r, cfID, objPath), true
}

// request is a viewer request r for objPath through rt, to origin target t.
func (rt *route) request(p *Proxy, d *resolved, t originTarget, r *http.Request, cfID, objPath string) *request {
	return &request{p: p, d: d, t: t, pol: &rt.pol, headers: rt.headers, forward: rt.forward, r: r, cfID: cfID, objPath: objPath}
}

// setKey sets the request's cache key (its object path, plus the query
// string the cache policy keys on) and its variant.
func (rq *request) setKey(rawQuery string) {
	rq.key = rq.objPath
	if q := rq.pol.keyQuery(rawQuery); q != "" {
		rq.key += "?" + q
	}
	rq.variant = rq.pol.variant(rq.r)
}

// request is one viewer request being served.
type request struct {
	p       *Proxy
	d       *resolved
	t       originTarget
	pol     *cachePolicy   // shared by every request of the route: read only
	headers *headersPolicy // the behaviour's response headers policy, or nil
	forward *requestPolicy // the behaviour's origin request policy, or nil
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
	var out [56]byte // on the stack: the string is the one allocation
	base64.URLEncoding.Encode(out[:], b[:])
	return string(out[:])
}
