package edgecache

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/test/harness"
)

const (
	testDist   = "E2TESTDIST0001"
	testDomain = "d111111abcdef8.cloudfront.net"
)

// configXML is an AWS-CLI-shaped DistributionConfig whose custom origin
// is the test origin at 127.0.0.1:port.
func configXML(port int, enabled bool) string {
	return fmt.Sprintf(`<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
<CallerReference>t</CallerReference>
<Aliases><Quantity>2</Quantity><Items><CNAME>www.example.com</CNAME><CNAME>*.cdn.example.com</CNAME></Items></Aliases>
<DefaultRootObject>index.html</DefaultRootObject>
<Origins><Quantity>2</Quantity><Items>
 <Origin><Id>app</Id><DomainName>127.0.0.1</DomainName><OriginPath>/v1</OriginPath>
  <CustomHeaders><Quantity>1</Quantity><Items><OriginCustomHeader><HeaderName>X-Origin-Secret</HeaderName><HeaderValue>s3cr3t</HeaderValue></OriginCustomHeader></Items></CustomHeaders>
  <CustomOriginConfig><HTTPPort>%d</HTTPPort><HTTPSPort>443</HTTPSPort><OriginProtocolPolicy>http-only</OriginProtocolPolicy></CustomOriginConfig></Origin>
 <Origin><Id>bucket</Id><DomainName>site-bucket.s3.eu-west-1.amazonaws.com</DomainName><OriginPath /><S3OriginConfig><OriginAccessIdentity /></S3OriginConfig></Origin>
</Items></Origins>
<DefaultCacheBehavior><TargetOriginId>app</TargetOriginId>
 <ForwardedValues><QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies>
  <Headers><Quantity>1</Quantity><Items><Name>Accept-Language</Name></Items></Headers></ForwardedValues>
 <ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy>
 <AllowedMethods><Quantity>7</Quantity><Items><Method>GET</Method><Method>HEAD</Method><Method>OPTIONS</Method><Method>PUT</Method><Method>PATCH</Method><Method>POST</Method><Method>DELETE</Method></Items>
  <CachedMethods><Quantity>2</Quantity><Items><Method>GET</Method><Method>HEAD</Method></Items></CachedMethods></AllowedMethods>
 <MinTTL>5</MinTTL><DefaultTTL>60</DefaultTTL><MaxTTL>600</MaxTTL>
</DefaultCacheBehavior>
<CacheBehaviors><Quantity>4</Quantity><Items>
 <CacheBehavior><PathPattern>/api/*</PathPattern><TargetOriginId>app</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><CachePolicyId>4135ea2d-6df8-44a3-9df3-4b5a84be39ad</CachePolicyId></CacheBehavior>
 <CacheBehavior><PathPattern>/static/*</PathPattern><TargetOriginId>app</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><Compress>true</Compress><CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId></CacheBehavior>
 <CacheBehavior><PathPattern>/q/*</PathPattern><TargetOriginId>app</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy>
  <ForwardedValues><QueryString>true</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues><MinTTL>0</MinTTL><DefaultTTL>300</DefaultTTL><MaxTTL>600</MaxTTL></CacheBehavior>
 <CacheBehavior><PathPattern>/s3/*</PathPattern><TargetOriginId>bucket</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy>
  <ForwardedValues><QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues><MinTTL>0</MinTTL><DefaultTTL>10</DefaultTTL><MaxTTL>600</MaxTTL></CacheBehavior>
</Items></CacheBehaviors>
<Comment />
<Enabled>%v</Enabled>
<CacheTagConfig><HeaderName>Edge-Cache-Tag</HeaderName></CacheTagConfig>
</DistributionConfig>`, port, enabled)
}

// origin is a real HTTP origin that counts requests per path and serves
// configurable headers and versioned bodies.
type origin struct {
	srv *httptest.Server

	mu      sync.Mutex
	hits    map[string]int
	headers map[string]http.Header // by path
	version map[string]int         // bumps the body
	status  int                    // when not 0, every answer has this status
	last    *http.Request
}

func newOrigin(t testing.TB) *origin {
	t.Helper()
	o := &origin{hits: map[string]int{}, headers: map[string]http.Header{}, version: map[string]int{}}
	o.srv = httptest.NewServer(http.HandlerFunc(o.serve))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *origin) serve(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	key := r.URL.Path
	if r.URL.RawQuery != "" {
		key += "?" + r.URL.RawQuery
	}
	o.hits[key]++
	o.last = r.Clone(context.Background())
	h := o.headers[r.URL.Path]
	v := o.version[r.URL.Path]
	status := o.status
	o.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		fmt.Fprintf(w, "origin says %d", status)
		return
	}
	for k, vs := range h {
		w.Header()[k] = vs
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/plain")
	}
	if et := w.Header().Get("ETag"); et != "" && r.Header.Get("If-None-Match") == et {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if strings.HasSuffix(r.URL.Path, "/missing") {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "not found")
		return
	}
	if strings.Contains(r.URL.Path, "/big") {
		fmt.Fprint(w, strings.Repeat("var x = 1; // padding\n", 200))
		return
	}
	fmt.Fprintf(w, "%s v%d lang=%s q=%s", r.URL.Path, v, r.Header.Get("Accept-Language"), r.URL.RawQuery)
}

func (o *origin) set(path string, h http.Header) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.headers[path] = h
}

func (o *origin) bump(path string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.version[path]++
}

func (o *origin) count(key string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[key]
}

func (o *origin) lastRequest() *http.Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

func (o *origin) port(t testing.TB) int {
	t.Helper()
	_, p, err := net.SplitHostPort(o.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

type env struct {
	origin *origin
	proxy  *Proxy
	front  string // the edge's URL
	clock  *harness.Clock
	client *http.Client
}

func newEnv(t testing.TB, configure func(*Proxy)) *env {
	t.Helper()
	return newEnvConfig(t, configure, nil)
}

// newEnvConfig is newEnv with edit applied to the config document.
func newEnvConfig(t testing.TB, configure func(*Proxy), edit func(string) string) *env {
	t.Helper()
	o := newOrigin(t)
	doc := configXML(o.port(t), true)
	if edit != nil {
		doc = edit(doc)
	}
	root, err := distconfig.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	clk := harness.NewClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	p := &Proxy{
		Distributions: DistributionsFunc(func(context.Context) ([]Distribution, error) {
			return []Distribution{{ID: testDist, DomainName: testDomain, Config: distconfig.View(root)}}, nil
		}),
		Now: clk.Now,
	}
	if configure != nil {
		configure(p)
	}
	return &env{origin: o, proxy: p, front: serveFront(t, p), clock: clk,
		// On fasthttp a connection that carried anything but a plain
		// hit stays with net/http, so every request gets a connection of
		// its own there: hits then take the fast path.
		client: &http.Client{Transport: &http.Transport{DisableCompression: true, DisableKeepAlives: fastFront}}}
}

type result struct {
	status int
	header http.Header
	body   string
}

func (e *env) get(t *testing.T, host, path string, hdr ...string) result {
	t.Helper()
	return e.do(t, http.MethodGet, host, path, hdr...)
}

func (e *env) do(t *testing.T, method, host, path string, hdr ...string) result {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, e.front+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

func xcache(r result) string { return r.header.Get("X-Cache") }

func wantXCache(t *testing.T, r result, want string) {
	t.Helper()
	if got := xcache(r); got != want {
		t.Errorf("X-Cache = %q, want %q (status %d, body %q)", got, want, r.status, r.body)
	}
}

var (
	viaRE  = regexp.MustCompile(`^1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)$`)
	cfIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{54}==$`)
)

func TestHitMissHeaders(t *testing.T) {
	e := newEnv(t, nil)
	r := e.get(t, testDomain, "/a.txt")
	if r.status != 200 || r.body != "/v1/a.txt v0 lang= q=" {
		t.Fatalf("first GET = %d %q, want 200 with the origin's body", r.status, r.body)
	}
	wantXCache(t, r, "Miss from cloudfront")
	if age := r.header.Get("Age"); age != "" {
		t.Errorf("miss Age = %q, want none", age)
	}
	if via := r.header.Get("Via"); !viaRE.MatchString(via) {
		t.Errorf("Via = %q, want 1.1 <hash>.cloudfront.net (CloudFront)", via)
	}
	if id := r.header.Get("X-Amz-Cf-Id"); !cfIDRE.MatchString(id) {
		t.Errorf("X-Amz-Cf-Id = %q, want 56 URL-safe base64 characters", id)
	}
	if pop := r.header.Get("X-Amz-Cf-Pop"); pop != DefaultPop {
		t.Errorf("X-Amz-Cf-Pop = %q, want %q", pop, DefaultPop)
	}
	e.clock.Advance(7 * time.Second)
	r2 := e.get(t, testDomain, "/a.txt")
	wantXCache(t, r2, "Hit from cloudfront")
	if r2.body != r.body {
		t.Errorf("hit body = %q, want %q", r2.body, r.body)
	}
	if age := r2.header.Get("Age"); age != "7" {
		t.Errorf("hit Age = %q, want 7", age)
	}
	if id1, id2 := r.header.Get("X-Amz-Cf-Id"), r2.header.Get("X-Amz-Cf-Id"); id1 == id2 {
		t.Errorf("X-Amz-Cf-Id repeated across requests: %q", id1)
	}
	if got := e.origin.count("/v1/a.txt"); got != 1 {
		t.Errorf("origin hits = %d, want 1", got)
	}
	// What the origin saw: OriginPath, custom header, CloudFront's agent.
	lr := e.origin.lastRequest()
	if got := lr.Header.Get("X-Origin-Secret"); got != "s3cr3t" {
		t.Errorf("origin X-Origin-Secret = %q, want s3cr3t", got)
	}
	if got := lr.Header.Get("User-Agent"); got != "Amazon CloudFront" {
		t.Errorf("origin User-Agent = %q, want Amazon CloudFront", got)
	}
	if got := lr.Header.Get("X-Amz-Cf-Id"); got != r.header.Get("X-Amz-Cf-Id") {
		t.Errorf("origin X-Amz-Cf-Id = %q, want the viewer's %q", got, r.header.Get("X-Amz-Cf-Id"))
	}
	st := e.proxy.Stats()
	if st.Hits != 1 || st.Misses != 1 || st.Objects != 1 {
		t.Errorf("Stats = %+v, want 1 hit, 1 miss, 1 object", st)
	}
}

func TestTTL(t *testing.T) {
	// Default behaviour: MinTTL 5, DefaultTTL 60, MaxTTL 600.
	type probe struct {
		after time.Duration // since the first request
		want  string        // X-Cache prefix
	}
	tests := []struct {
		name   string
		path   string
		header http.Header
		probes []probe
	}{
		{"no headers use DefaultTTL", "/d.txt", nil,
			[]probe{{59 * time.Second, "Hit"}, {60 * time.Second, "Miss"}}},
		{"max-age within bounds", "/m.txt", http.Header{"Cache-Control": {"max-age=30"}},
			[]probe{{29 * time.Second, "Hit"}, {30 * time.Second, "Miss"}}},
		{"max-age above MaxTTL", "/big-age.txt", http.Header{"Cache-Control": {"public, max-age=100000"}},
			[]probe{{599 * time.Second, "Hit"}, {600 * time.Second, "Miss"}}},
		{"max-age below MinTTL", "/small.txt", http.Header{"Cache-Control": {"max-age=1"}},
			[]probe{{4 * time.Second, "Hit"}, {5 * time.Second, "Miss"}}},
		{"s-maxage wins over max-age", "/s.txt", http.Header{"Cache-Control": {"max-age=10, s-maxage=40"}},
			[]probe{{39 * time.Second, "Hit"}, {40 * time.Second, "Miss"}}},
		{"no-store cached for MinTTL", "/ns.txt", http.Header{"Cache-Control": {"no-store"}},
			[]probe{{4 * time.Second, "Hit"}, {5 * time.Second, "Miss"}}},
		{"private cached for MinTTL", "/p.txt", http.Header{"Cache-Control": {"private"}},
			[]probe{{4 * time.Second, "Hit"}, {5 * time.Second, "Miss"}}},
		{"Expires relative to Date", "/e.txt", http.Header{
			"Date":    {"Sun, 22 Nov 2026 10:00:00 GMT"},
			"Expires": {"Sun, 22 Nov 2026 10:02:00 GMT"}},
			[]probe{{119 * time.Second, "Hit"}, {120 * time.Second, "Miss"}}},
		{"max-age wins over Expires", "/me.txt", http.Header{
			"Cache-Control": {"max-age=20"},
			"Date":          {"Sun, 22 Nov 2026 10:00:00 GMT"},
			"Expires":       {"Sun, 22 Nov 2026 11:00:00 GMT"}},
			[]probe{{19 * time.Second, "Hit"}, {20 * time.Second, "Miss"}}},
		{"CachingDisabled never caches", "/api/x", http.Header{"Cache-Control": {"max-age=600"}},
			[]probe{{0, "Miss"}, {time.Second, "Miss"}}},
		{"CachingOptimized honours max-age", "/static/x.txt", http.Header{"Cache-Control": {"max-age=100"}},
			[]probe{{99 * time.Second, "Hit"}, {100 * time.Second, "Miss"}}},
		{"CachingOptimized MinTTL 1 with no-cache", "/static/nc.txt", http.Header{"Cache-Control": {"no-cache"}},
			[]probe{{0, "Hit"}, {time.Second, "Miss"}}},
		{"404 cached for the error caching TTL", "/e/missing", nil,
			[]probe{{9 * time.Second, "Error"}, {10 * time.Second, "Error"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.origin.set("/v1"+tc.path, tc.header)
			start := e.clock.Now()
			first := e.get(t, testDomain, tc.path)
			if !strings.HasPrefix(xcache(first), "Miss") && !strings.HasPrefix(xcache(first), "Error") {
				t.Fatalf("first X-Cache = %q, want a miss", xcache(first))
			}
			fetches := 1
			for _, pr := range tc.probes {
				e.clock.Advance(start.Add(pr.after).Sub(e.clock.Now()))
				r := e.get(t, testDomain, tc.path)
				if !strings.HasPrefix(xcache(r), pr.want) {
					t.Errorf("after %v: X-Cache = %q, want %s", pr.after, xcache(r), pr.want)
				}
				if pr.want == "Miss" {
					fetches++
				}
			}
			if strings.HasSuffix(tc.path, "/missing") {
				// The 404 is served from cache until 10 s, then fetched again.
				fetches = 2
			}
			if got := e.origin.count("/v1" + tc.path); got != fetches {
				t.Errorf("origin hits = %d, want %d", got, fetches)
			}
		})
	}
}

func TestRevalidation(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{"ETag", http.Header{"Cache-Control": {"max-age=10"}, "Etag": {`"v1"`}}, "If-None-Match"},
		{"Last-Modified", http.Header{"Cache-Control": {"max-age=10"}, "Last-Modified": {"Sun, 22 Nov 2026 09:00:00 GMT"}}, "If-Modified-Since"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			if tc.want == "If-Modified-Since" {
				// Serve 304 for If-Modified-Since through a dedicated handler.
				e.origin.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					e.origin.mu.Lock()
					e.origin.hits[r.URL.Path]++
					e.origin.last = r.Clone(context.Background())
					e.origin.mu.Unlock()
					for k, v := range tc.header {
						w.Header()[k] = v
					}
					if r.Header.Get("If-Modified-Since") != "" {
						w.WriteHeader(http.StatusNotModified)
						return
					}
					fmt.Fprint(w, "body")
				})
			}
			e.origin.set("/v1/r.txt", tc.header)
			first := e.get(t, testDomain, "/r.txt")
			wantXCache(t, first, "Miss from cloudfront")
			e.clock.Advance(11 * time.Second)
			r := e.get(t, testDomain, "/r.txt")
			wantXCache(t, r, "RefreshHit from cloudfront")
			if r.body != first.body {
				t.Errorf("RefreshHit body = %q, want %q", r.body, first.body)
			}
			if got := e.origin.lastRequest().Header.Get(tc.want); got == "" {
				t.Errorf("origin got no %s on revalidation", tc.want)
			}
			e.clock.Advance(5 * time.Second)
			wantXCache(t, e.get(t, testDomain, "/r.txt"), "Hit from cloudfront")
			if got := e.origin.count("/v1/r.txt"); got != 2 {
				t.Errorf("origin hits = %d, want 2", got)
			}
			if st := e.proxy.Stats(); st.RefreshHits != 1 {
				t.Errorf("Stats.RefreshHits = %d, want 1", st.RefreshHits)
			}
		})
	}
}

func TestQueryStringsInKey(t *testing.T) {
	e := newEnv(t, nil)
	// /q/* forwards query strings: each is its own object.
	wantXCache(t, e.get(t, testDomain, "/q/x?a=1"), "Miss from cloudfront")
	r := e.get(t, testDomain, "/q/x?a=2")
	wantXCache(t, r, "Miss from cloudfront")
	if !strings.HasSuffix(r.body, "q=a=2") {
		t.Errorf("body = %q, want the origin to see a=2", r.body)
	}
	wantXCache(t, e.get(t, testDomain, "/q/x?a=1"), "Hit from cloudfront")
	// The default behaviour does not: the query is dropped, one object.
	wantXCache(t, e.get(t, testDomain, "/plain?a=1"), "Miss from cloudfront")
	r = e.get(t, testDomain, "/plain?a=2")
	wantXCache(t, r, "Hit from cloudfront")
	if got := e.origin.lastRequest().URL.RawQuery; got != "" {
		t.Errorf("origin query = %q, want none", got)
	}
}

func TestPurgeKinds(t *testing.T) {
	ctx := context.Background()
	type req struct{ path, lang string }
	all := []req{
		{"/a/one.txt", ""}, {"/a/one.txt", "fr"}, {"/a/two.txt", ""}, {"/b/one.txt", ""},
		{"/q/f.js?v=1", ""}, {"/q/f.js?v=2", ""}, {"/q/f.js", ""}, {"/A/one.txt", ""}, {"/tagged.txt", ""},
	}
	tests := []struct {
		name  string
		items []string
		gone  []req
	}{
		{"exact path purges every header variant", []string{"/a/one.txt"}, []req{{"/a/one.txt", ""}, {"/a/one.txt", "fr"}}},
		{"exact path is case-sensitive", []string{"/A/one.txt"}, []req{{"/A/one.txt", ""}}},
		{"exact path without query purges only the no-query object", []string{"/q/f.js"}, []req{{"/q/f.js", ""}}},
		{"exact path with query purges that query variant", []string{"/q/f.js?v=1"}, []req{{"/q/f.js?v=1", ""}}},
		{"trailing star catches every query variant", []string{"/q/f.js*"}, []req{{"/q/f.js?v=1", ""}, {"/q/f.js?v=2", ""}, {"/q/f.js", ""}}},
		{"directory wildcard", []string{"/a/*"}, []req{{"/a/one.txt", ""}, {"/a/one.txt", "fr"}, {"/a/two.txt", ""}}},
		{"everything", []string{"/*"}, all},
		{"tag, case-insensitive", []string{"#Product:TV"}, []req{{"/tagged.txt", ""}, {"/b/one.txt", ""}}},
		{"unknown tag", []string{"#nope"}, nil},
		{"not cached", []string{"/zzz", "/y/*"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.origin.set("/v1/tagged.txt", http.Header{"Edge-Cache-Tag": {"product:tv, brand:x"}})
			e.origin.set("/v1/b/one.txt", http.Header{"Edge-Cache-Tag": {"other", "PRODUCT:tv"}})
			for _, r := range all {
				wantXCache(t, e.get(t, testDomain, r.path, "Accept-Language", r.lang), "Miss from cloudfront")
			}
			if err := e.proxy.Purge(ctx, testDist, tc.items); err != nil {
				t.Fatalf("Purge: %v", err)
			}
			gone := map[req]bool{}
			for _, r := range tc.gone {
				gone[r] = true
			}
			for _, r := range all {
				want := "Hit from cloudfront"
				if gone[r] {
					want = "Miss from cloudfront"
				}
				if got := xcache(e.get(t, testDomain, r.path, "Accept-Language", r.lang)); got != want {
					t.Errorf("%s (lang %q): X-Cache = %q, want %q", r.path, r.lang, got, want)
				}
			}
		})
	}
}

func TestPurgeOtherDistributionAndInvalid(t *testing.T) {
	e := newEnv(t, nil)
	e.get(t, testDomain, "/x.txt")
	if err := e.proxy.Purge(t.Context(), "EOTHER", []string{"/*"}); err != nil {
		t.Fatalf("Purge(other): %v", err)
	}
	wantXCache(t, e.get(t, testDomain, "/x.txt"), "Hit from cloudfront")
	if err := e.proxy.Purge(t.Context(), testDist, []string{"/x.txt", "no-slash"}); err == nil {
		t.Fatalf("Purge with an invalid item: got nil error, want one")
	}
	// Nothing was purged: the batch is rejected as a whole.
	wantXCache(t, e.get(t, testDomain, "/x.txt"), "Hit from cloudfront")
}

// blockingTransport holds origin requests for paths in block until the
// test releases them, so a purge can be run while a fetch is in flight.
type blockingTransport struct {
	mu      sync.Mutex
	block   map[string]chan struct{} // path -> release
	entered chan string
	calls   int
}

func (b *blockingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	b.mu.Lock()
	b.calls++
	release := b.block[r.URL.Path]
	delete(b.block, r.URL.Path) // block only the first request
	b.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(r)
	if release != nil && err == nil {
		// The origin has answered (with what it held then); hold the
		// answer until the test has run its purge.
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if rerr != nil {
			return nil, rerr
		}
		b.entered <- r.URL.Path
		<-release
	}
	return resp, err
}

func (b *blockingTransport) holdNext(path string) chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := make(chan struct{})
	b.block[path] = c
	return c
}

func TestPurgeDuringFetchDoesNotStoreStaleContent(t *testing.T) {
	for _, item := range []string{"/race.txt", "/r*", "/*", "#racetag"} {
		t.Run(item, func(t *testing.T) {
			bt := &blockingTransport{block: map[string]chan struct{}{}, entered: make(chan string, 1)}
			e := newEnv(t, func(p *Proxy) { p.Transport = bt })
			e.origin.set("/v1/race.txt", http.Header{"Edge-Cache-Tag": {"racetag"}})
			release := bt.holdNext("/v1/race.txt")
			done := make(chan result)
			go func() { done <- e.get(t, testDomain, "/race.txt") }()
			<-bt.entered // the fetch holds v0 but has not returned it yet
			// The origin changes, then the old content is purged.
			e.origin.bump("/v1/race.txt")
			if err := e.proxy.Purge(t.Context(), testDist, []string{item}); err != nil {
				t.Fatal(err)
			}
			// A request made after Purge returned must not join that fetch
			// (if it did, it would wait for the release below: bound it).
			afterc := make(chan result, 1)
			go func() { afterc <- e.get(t, testDomain, "/race.txt") }()
			var after result
			select {
			case after = <-afterc:
			case <-time.After(10 * time.Second):
				close(release)
				t.Fatal("GET after Purge joined the fetch that started before it")
			}
			if !strings.Contains(after.body, " v1 ") {
				t.Errorf("GET after purge = %q (%s), want v1 content", after.body, xcache(after))
			}
			close(release)
			old := <-done
			if !strings.Contains(old.body, " v0 ") {
				t.Errorf("in-flight GET body = %q, want the v0 it fetched", old.body)
			}
			// Whatever the in-flight fetch got, it must not have been stored
			// over the purge: every later GET sees v1.
			for range 3 {
				r := e.get(t, testDomain, "/race.txt")
				if !strings.Contains(r.body, " v1 ") {
					t.Fatalf("GET after the in-flight fetch finished = %q (%s), want v1", r.body, xcache(r))
				}
			}
			if st := e.proxy.Stats(); st.Discarded != 1 {
				t.Errorf("Stats.Discarded = %d, want 1 (the in-flight fetch's response)", st.Discarded)
			}
		})
	}
}

func TestPurgeOfUnrelatedPathKeepsInFlightInsert(t *testing.T) {
	bt := &blockingTransport{block: map[string]chan struct{}{}, entered: make(chan string, 1)}
	e := newEnv(t, func(p *Proxy) { p.Transport = bt })
	release := bt.holdNext("/v1/keep.txt")
	done := make(chan result)
	go func() { done <- e.get(t, testDomain, "/keep.txt") }()
	<-bt.entered
	if err := e.proxy.Purge(t.Context(), testDist, []string{"/other/*", "/keep.txt.bak"}); err != nil {
		t.Fatal(err)
	}
	close(release)
	wantXCache(t, <-done, "Miss from cloudfront")
	wantXCache(t, e.get(t, testDomain, "/keep.txt"), "Hit from cloudfront")
}

// TestConcurrentMissesMakeOneFetch: concurrent misses for one object make
// one origin fetch, and every follower gets the leader's response. The
// proxy's flight hook tells the test when each request has become the
// leader or is waiting on it, so the leader is released only once every
// follower is parked: a follower that arrived after the fill (and got a
// hit) cannot make a broken collapser pass (issue 10).
func TestConcurrentMissesMakeOneFetch(t *testing.T) {
	const n = 8
	e, results := collapsedMisses(t, n, "/hot.txt", nil)
	for _, r := range results {
		if r.body != "/v1/hot.txt v0 lang= q=" {
			t.Errorf("body = %q", r.body)
		}
		wantXCache(t, r, "Miss from cloudfront")
	}
	if got := e.origin.count("/v1/hot.txt"); got != 1 {
		t.Errorf("origin hits = %d, want 1", got)
	}
	if st := e.proxy.Stats(); st.Hits != 0 || st.Misses != 1 {
		t.Errorf("Stats hits/misses = %d/%d, want 0/1", st.Hits, st.Misses)
	}
}

// collapsedMisses sends n concurrent GETs of path to a new env (configure
// may change its Proxy) and checks exactly one of them led an origin
// fetch: the leader's fetch of /v1+path is held at the origin until every
// other request is parked on it as a follower. It returns the env and the
// n results.
func collapsedMisses(t *testing.T, n int, path string, configure func(*Proxy)) (*env, []result) {
	t.Helper()
	bt := &blockingTransport{block: map[string]chan struct{}{}, entered: make(chan string, 1)}
	arrived := make(chan bool, n)
	e := newEnv(t, func(p *Proxy) {
		p.Transport = bt
		p.testHookFlight = func(leader bool) { arrived <- leader }
		if configure != nil {
			configure(p)
		}
	})
	release := bt.holdNext("/v1" + path)
	results := make(chan result, n)
	go func() { results <- e.get(t, testDomain, path) }()
	<-bt.entered // the leader's fetch is held at the origin
	for range n - 1 {
		go func() { results <- e.get(t, testDomain, path) }()
	}
	leaders := 0
	for range n {
		if <-arrived {
			leaders++
		}
	}
	close(release)
	if leaders != 1 {
		t.Errorf("%d of %d concurrent misses led an origin fetch, want 1", leaders, n)
	}
	out := make([]result, n)
	for i := range out {
		out[i] = <-results
	}
	return e, out
}

func TestGzip(t *testing.T) {
	e := newEnv(t, nil)
	plain := e.get(t, testDomain, "/static/big.js")
	wantXCache(t, plain, "Miss from cloudfront")
	if ce := plain.header.Get("Content-Encoding"); ce != "" {
		t.Errorf("without Accept-Encoding: Content-Encoding = %q, want none", ce)
	}
	gz := e.get(t, testDomain, "/static/big.js", "Accept-Encoding", "br, gzip")
	wantXCache(t, gz, "Hit from cloudfront")
	if ce := gz.header.Get("Content-Encoding"); ce != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", ce)
	}
	if v := gz.header.Get("Vary"); v != "Accept-Encoding" {
		t.Errorf("Vary = %q, want Accept-Encoding", v)
	}
	zr, err := gzip.NewReader(strings.NewReader(gz.body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(plain.body, string(got)); diff != "" {
		t.Errorf("gunzipped body differs (-plain +gunzipped):\n%s", diff)
	}
	if len(gz.body) >= len(plain.body) {
		t.Errorf("gzip body %d bytes, not smaller than %d", len(gz.body), len(plain.body))
	}
	// q=0 refuses gzip; small objects and behaviours without Compress are
	// never compressed.
	if ce := e.get(t, testDomain, "/static/big.js", "Accept-Encoding", "gzip;q=0").header.Get("Content-Encoding"); ce != "" {
		t.Errorf("gzip;q=0: Content-Encoding = %q, want none", ce)
	}
	if ce := e.get(t, testDomain, "/static/small.js", "Accept-Encoding", "gzip").header.Get("Content-Encoding"); ce != "" {
		t.Errorf("small object: Content-Encoding = %q, want none", ce)
	}
	if ce := e.get(t, testDomain, "/big.js", "Accept-Encoding", "gzip").header.Get("Content-Encoding"); ce != "" {
		t.Errorf("Compress off: Content-Encoding = %q, want none", ce)
	}
	if got := e.origin.count("/v1/static/big.js"); got != 1 {
		t.Errorf("origin hits = %d, want 1 (both encodings from one object)", got)
	}
	// One purge removes both encodings.
	if err := e.proxy.Purge(t.Context(), testDist, []string{"/static/big.js"}); err != nil {
		t.Fatal(err)
	}
	wantXCache(t, e.get(t, testDomain, "/static/big.js", "Accept-Encoding", "gzip"), "Miss from cloudfront")
}

func TestDefaultRootObjectAndOriginPath(t *testing.T) {
	e := newEnv(t, nil)
	r := e.get(t, testDomain, "/")
	if r.body != "/v1/index.html v0 lang= q=" {
		t.Errorf("GET / body = %q, want the root object from OriginPath /v1", r.body)
	}
	wantXCache(t, e.get(t, testDomain, "/"), "Hit from cloudfront")
	// The root object is invalidated by its own path.
	if err := e.proxy.Purge(t.Context(), testDist, []string{"/index.html"}); err != nil {
		t.Fatal(err)
	}
	wantXCache(t, e.get(t, testDomain, "/"), "Miss from cloudfront")
	// Only "/" gets the root object, not subdirectories.
	if r := e.get(t, testDomain, "/sub/"); r.body != "/v1/sub/ v0 lang= q=" {
		t.Errorf("GET /sub/ body = %q", r.body)
	}
}

func TestHostRouting(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		host       string
		wantStatus int
	}{
		{testDomain, 200},
		{strings.ToUpper(testDomain) + ":443", 200},
		{"www.example.com", 200},
		{"img.cdn.example.com", 200},
		{strings.ToLower(testDist) + ".localhost", 200},
		{testDist + ".localhost:8656", 200},
		{"a.b.cdn.example.com", 403},
		{"cdn.example.com", 403},
		{"unknown.example.org", 403},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			r := e.get(t, tc.host, "/h.txt")
			if r.status != tc.wantStatus {
				t.Fatalf("status = %d, want %d", r.status, tc.wantStatus)
			}
			if tc.wantStatus == 403 {
				wantXCache(t, r, "Error from cloudfront")
				if !strings.Contains(r.body, "<H1>403 ERROR</H1>") || !strings.Contains(r.body, "The request could not be satisfied.") {
					t.Errorf("403 body is not CloudFront's error page: %q", r.body)
				}
				if !strings.Contains(r.body, "Request ID: "+r.header.Get("X-Amz-Cf-Id")) {
					t.Errorf("error page does not carry the request ID")
				}
			}
		})
	}
	// All hosts of the distribution share one cache.
	if got := e.origin.count("/v1/h.txt"); got != 1 {
		t.Errorf("origin hits = %d, want 1", got)
	}
}

func TestDisabledDistributionAndConfigRefresh(t *testing.T) {
	o := newOrigin(t)
	var mu sync.Mutex
	enabled := true
	clk := harness.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	p := &Proxy{Now: clk.Now, Distributions: DistributionsFunc(func(context.Context) ([]Distribution, error) {
		mu.Lock()
		defer mu.Unlock()
		root, err := distconfig.Parse(strings.NewReader(configXML(o.port(t), enabled)))
		return []Distribution{{ID: testDist, DomainName: testDomain, Config: distconfig.View(root)}}, err
	})}
	front := httptest.NewServer(p)
	defer front.Close()
	e := &env{origin: o, proxy: p, front: front.URL, clock: clk, client: front.Client()}
	if r := e.get(t, testDomain, "/x"); r.status != 200 {
		t.Fatalf("enabled: status %d, want 200", r.status)
	}
	mu.Lock()
	enabled = false
	mu.Unlock()
	if r := e.get(t, testDomain, "/x"); r.status != 200 {
		t.Errorf("before the refresh: status %d, want 200 (config cached for ConfigRefresh)", r.status)
	}
	clk.Advance(DefaultConfigRefresh)
	if r := e.get(t, testDomain, "/x"); r.status != 403 {
		t.Errorf("after the refresh: status %d, want 403 for a disabled distribution", r.status)
	}

	// RefreshDistributions picks a change up with the clock standing still.
	mu.Lock()
	enabled = true
	mu.Unlock()
	p.RefreshDistributions()
	if r := e.get(t, testDomain, "/x"); r.status != 200 {
		t.Errorf("after RefreshDistributions: status %d, want 200 for a re-enabled distribution", r.status)
	}
}

func TestMethods(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do(t, http.MethodPost, testDomain, "/form")
	wantXCache(t, r, "Miss from cloudfront")
	if r.status != 200 || !strings.HasPrefix(r.body, "/v1/form") {
		t.Errorf("POST = %d %q, want the origin's answer", r.status, r.body)
	}
	if m := e.origin.lastRequest().Method; m != http.MethodPost {
		t.Errorf("origin method = %s, want POST", m)
	}
	e.do(t, http.MethodPost, testDomain, "/form")
	if got := e.origin.count("/v1/form"); got != 2 {
		t.Errorf("POST origin hits = %d, want 2 (never cached)", got)
	}
	// /api/* allows only GET and HEAD.
	r = e.do(t, http.MethodDelete, testDomain, "/api/x")
	if r.status != 403 || !strings.Contains(r.body, "not configured to allow the HTTP request method") {
		t.Errorf("DELETE /api/x = %d %q, want CloudFront's 403", r.status, r.body)
	}
	// HEAD is served from the object a GET cached.
	e.get(t, testDomain, "/head.txt")
	r = e.do(t, http.MethodHead, testDomain, "/head.txt")
	wantXCache(t, r, "Hit from cloudfront")
	if r.body != "" || r.header.Get("Content-Length") != "24" {
		t.Errorf("HEAD = body %q, Content-Length %q; want empty and 24", r.body, r.header.Get("Content-Length"))
	}
}

func TestViewerConditionalAndRange(t *testing.T) {
	e := newEnv(t, nil)
	e.origin.set("/v1/c.txt", http.Header{"Etag": {`"abc"`}, "Last-Modified": {"Sat, 21 Nov 2026 10:00:00 GMT"}})
	e.get(t, testDomain, "/c.txt")
	// A plain hit carries what http.ServeContent would have set.
	plain := e.get(t, testDomain, "/c.txt")
	for k, want := range map[string]string{"Accept-Ranges": "bytes", "Content-Length": strconv.Itoa(len("/v1/c.txt v0 lang= q=")), "Last-Modified": "Sat, 21 Nov 2026 10:00:00 GMT", "Etag": `"abc"`} {
		if got := plain.header.Get(k); got != want {
			t.Errorf("plain hit %s = %q, want %q (body %q)", k, got, want, plain.body)
		}
	}
	r := e.get(t, testDomain, "/c.txt", "If-None-Match", `"abc"`)
	if r.status != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", r.status)
	}
	r = e.get(t, testDomain, "/c.txt", "Range", "bytes=0-5")
	if r.status != http.StatusPartialContent || r.body != "/v1/c." {
		t.Errorf("Range: %d %q, want 206 %q", r.status, r.body, "/v1/c.")
	}
	if got := e.origin.count("/v1/c.txt"); got != 1 {
		t.Errorf("origin hits = %d, want 1", got)
	}
}

// TestStaleOnOriginError serves an expired object while the origin fails,
// as CloudFront does, and stops once an invalidation removes it.
func TestStaleOnOriginError(t *testing.T) {
	e := newEnv(t, nil)
	first := e.get(t, testDomain, "/a.txt")
	wantXCache(t, first, "Miss from cloudfront")
	e.clock.Advance(61 * time.Second) // DefaultTTL 60

	e.origin.mu.Lock()
	e.origin.status = http.StatusServiceUnavailable
	e.origin.mu.Unlock()
	r := e.get(t, testDomain, "/a.txt")
	if r.status != 200 || r.body != first.body {
		t.Fatalf("origin 503: %d %q, want the expired copy %q", r.status, r.body, first.body)
	}
	wantXCache(t, r, "Hit from cloudfront")
	if r.header.Get("Age") != "61" {
		t.Errorf("Age = %q, want 61", r.header.Get("Age"))
	}

	e.origin.srv.Close()
	if r := e.get(t, testDomain, "/a.txt"); r.status != 200 || r.body != first.body {
		t.Errorf("origin down: %d %q, want the expired copy", r.status, r.body)
	}
	if got := e.proxy.Stats().StaleHits; got != 2 {
		t.Errorf("StaleHits = %d, want 2", got)
	}

	if err := e.proxy.Purge(t.Context(), testDist, []string{"/a.txt"}); err != nil {
		t.Fatal(err)
	}
	if r := e.get(t, testDomain, "/a.txt"); r.status != http.StatusBadGateway {
		t.Errorf("after the invalidation: %d %q, want CloudFront's 502", r.status, r.body)
	}
}

func TestOriginDown(t *testing.T) {
	e := newEnv(t, nil)
	e.origin.srv.Close()
	r := e.get(t, testDomain, "/x")
	if r.status != http.StatusBadGateway || !strings.Contains(r.body, "wasn't able to connect to the origin") {
		t.Errorf("origin down: %d %q, want CloudFront's 502", r.status, r.body)
	}
	wantXCache(t, r, "Error from cloudfront")
}

// customErrors adds CustomErrorResponses to the test config: 404 shows
// /index.html with 200 and is cached 30 s (an SPA's setup); 502 (origin
// down) shows a page from the S3 origin with 503.
func customErrors(doc string) string {
	return strings.Replace(doc, "<Comment />", `<CustomErrorResponses><Quantity>2</Quantity><Items>
 <CustomErrorResponse><ErrorCode>404</ErrorCode><ResponsePagePath>/index.html</ResponsePagePath><ResponseCode>200</ResponseCode><ErrorCachingMinTTL>30</ErrorCachingMinTTL></CustomErrorResponse>
 <CustomErrorResponse><ErrorCode>502</ErrorCode><ResponsePagePath>/s3/down.html</ResponsePagePath><ResponseCode>503</ResponseCode></CustomErrorResponse>
</Items></CustomErrorResponses><Comment />`, 1)
}

// TestCustomErrorPages serves an SPA's routes through a 404 custom error
// response: the error is cached for ErrorCachingMinTTL, the page under its
// own path, so invalidating the page changes every route at once.
func TestCustomErrorPages(t *testing.T) {
	e := newEnvConfig(t, nil, customErrors)
	r := e.get(t, testDomain, "/app/missing")
	if r.status != 200 || !strings.HasPrefix(r.body, "/v1/index.html v0") {
		t.Fatalf("GET /app/missing = %d %q, want 200 and the index page", r.status, r.body)
	}
	wantXCache(t, r, "Error from cloudfront")
	if r := e.do(t, http.MethodHead, testDomain, "/app/missing"); r.status != 200 || r.body != "" {
		t.Errorf("HEAD /app/missing = %d %q, want 200 and no body", r.status, r.body)
	}
	if a, b := e.origin.count("/v1/app/missing"), e.origin.count("/v1/index.html"); a != 1 || b != 1 {
		t.Errorf("origin fetches: route %d, page %d; want 1 and 1 (both cached)", a, b)
	}

	// A deploy changes the page; invalidating it shows the new page on
	// the route at once, without asking the origin for the route again.
	e.origin.bump("/v1/index.html")
	if err := e.proxy.Purge(t.Context(), testDist, []string{"/index.html"}); err != nil {
		t.Fatal(err)
	}
	if r := e.get(t, testDomain, "/app/missing"); r.status != 200 || !strings.HasPrefix(r.body, "/v1/index.html v1") {
		t.Errorf("after invalidating /index.html: %d %q, want the new page", r.status, r.body)
	}
	if a, b := e.origin.count("/v1/app/missing"), e.origin.count("/v1/index.html"); a != 1 || b != 2 {
		t.Errorf("origin fetches: route %d, page %d; want 1 and 2", a, b)
	}

	// The route's error is asked for again after ErrorCachingMinTTL.
	e.clock.Advance(29 * time.Second)
	e.get(t, testDomain, "/app/missing")
	if n := e.origin.count("/v1/app/missing"); n != 1 {
		t.Errorf("route fetched %d times within 30 s, want 1", n)
	}
	e.clock.Advance(2 * time.Second)
	e.get(t, testDomain, "/app/missing")
	if n := e.origin.count("/v1/app/missing"); n != 2 {
		t.Errorf("route fetched %d times after 31 s, want 2", n)
	}

	// Ranges and preconditions apply to the route, not to the page fetch.
	if r := e.get(t, testDomain, "/app/missing", "Range", "bytes=0-3"); r.status != 200 {
		t.Errorf("GET with Range = %d, want the whole page with 200", r.status)
	}
}

// bucketDir returns a directory standing for the test config's S3 bucket,
// holding s3/NAME with the given content.
func bucketDir(t *testing.T, name, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "s3"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "s3", name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCustomErrorPageOriginDown shows a page from another origin when the
// main one is down, and the page origin's own error when the page is
// missing too.
func TestCustomErrorPageOriginDown(t *testing.T) {
	dir := bucketDir(t, "down.html", "back soon")
	e := newEnvConfig(t, func(p *Proxy) { p.S3Origins = map[string]string{"site-bucket": dir} }, customErrors)
	e.origin.srv.Close()
	r := e.get(t, testDomain, "/x")
	if r.status != http.StatusServiceUnavailable || r.body != "back soon" {
		t.Errorf("origin down: %d %q, want 503 and the S3 page", r.status, r.body)
	}
	wantXCache(t, r, "Error from cloudfront")

	if err := os.Remove(filepath.Join(dir, "s3", "down.html")); err != nil {
		t.Fatal(err)
	}
	if err := e.proxy.Purge(t.Context(), testDist, []string{"/s3/down.html"}); err != nil {
		t.Fatal(err)
	}
	if r := e.get(t, testDomain, "/y"); r.status != http.StatusNotFound || !strings.Contains(r.body, "NoSuchKey") {
		t.Errorf("page missing too: %d %q, want the page origin's 404", r.status, r.body)
	}
}

func TestS3Origins(t *testing.T) {
	dir := bucketDir(t, "page.html", "<p>hello</p>")
	bucketSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "url origin %s", r.URL.Path)
	}))
	defer bucketSrv.Close()
	for _, tc := range []struct{ name, loc, want string }{
		{"directory", dir, "<p>hello</p>"},
		{"URL", bucketSrv.URL + "/prefix", "url origin /prefix/s3/page.html"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(p *Proxy) { p.S3Origins = map[string]string{"site-bucket": tc.loc} })
			r := e.get(t, testDomain, "/s3/page.html")
			if r.status != 200 || r.body != tc.want {
				t.Fatalf("GET = %d %q, want 200 %q", r.status, r.body, tc.want)
			}
			wantXCache(t, r, "Miss from cloudfront")
			wantXCache(t, e.get(t, testDomain, "/s3/page.html"), "Hit from cloudfront")
		})
	}
	t.Run("directory revalidation and errors", func(t *testing.T) {
		e := newEnv(t, func(p *Proxy) { p.S3Origins = map[string]string{"site-bucket": dir} })
		r := e.get(t, testDomain, "/s3/page.html")
		if r.header.Get("Content-Type") != "text/html; charset=utf-8" || r.header.Get("ETag") == "" {
			t.Errorf("headers = %v, want text/html and an ETag", r.header)
		}
		e.clock.Advance(11 * time.Second) // DefaultTTL of /s3/* is 10
		wantXCache(t, e.get(t, testDomain, "/s3/page.html"), "RefreshHit from cloudfront")
		for _, p := range []string{"/s3/nope.html", "/s3/"} { // dot segments: TestTraversalOutOfOriginPath
			if r := e.get(t, testDomain, p); r.status != 404 || !strings.Contains(r.body, "NoSuchKey") {
				t.Errorf("GET %s = %d %q, want 404 NoSuchKey", p, r.status, r.body)
			}
		}
	})
	t.Run("unmapped bucket", func(t *testing.T) {
		e := newEnv(t, nil)
		if r := e.get(t, testDomain, "/s3/page.html"); r.status != http.StatusBadGateway {
			t.Errorf("status = %d, want 502", r.status)
		}
	})
}

func TestEvictionByBytes(t *testing.T) {
	e := newEnv(t, func(p *Proxy) { p.MaxBytes = 3000 })
	for i := range 20 {
		e.get(t, testDomain, fmt.Sprintf("/f%02d.txt", i))
	}
	st := e.proxy.Stats()
	if st.Bytes > 3000 || st.Evicted == 0 {
		t.Errorf("Stats = %+v, want Bytes <= 3000 and evictions", st)
	}
	// The most recent object stays, the oldest went.
	wantXCache(t, e.get(t, testDomain, "/f19.txt"), "Hit from cloudfront")
	wantXCache(t, e.get(t, testDomain, "/f00.txt"), "Miss from cloudfront")
}

func TestTooLargeIsStreamedNotCached(t *testing.T) {
	e := newEnv(t, func(p *Proxy) { p.MaxObjectBytes = 100 })
	r := e.get(t, testDomain, "/big.txt")
	if len(r.body) != 22*200 {
		t.Fatalf("body length %d, want %d", len(r.body), 22*200)
	}
	wantXCache(t, r, "Miss from cloudfront")
	wantXCache(t, e.get(t, testDomain, "/big.txt"), "Miss from cloudfront")
	if got := e.origin.count("/v1/big.txt"); got != 2 {
		t.Errorf("origin hits = %d, want 2", got)
	}
}

func TestZeroValueFieldsAndBytes(t *testing.T) {
	var b bytes.Buffer
	p := &Proxy{}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://x.localhost/", &b))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("no Distributions: status %d, want 503", rec.Code)
	}
}

// BenchmarkHit measures the proxy's own cost of a cache hit (no network:
// ServeHTTP into a recorder), from both cores: a plain hit, one whose
// viewer accepts gzip, and one through a response headers policy.
func BenchmarkHit(b *testing.B) {
	cases := []struct {
		name, path string
		hdr        []string
		policy     bool
	}{
		{"plain", "/static/app.css", nil, false},
		{"gzip", "/static/big.js", []string{"Accept-Encoding", "gzip, deflate, br"}, false},
		{"policy", "/static/p.css", nil, true},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			e := newEnv(b, nil)
			if bc.policy {
				e = newHitEnv(b)
			}
			req := httptest.NewRequest(http.MethodGet, "http://"+testDomain+bc.path, nil)
			for i := 0; i+1 < len(bc.hdr); i += 2 {
				req.Header.Set(bc.hdr[i], bc.hdr[i+1])
			}
			for range 2 {
				e.proxy.ServeHTTP(httptest.NewRecorder(), req.Clone(b.Context()))
			}
			rec := httptest.NewRecorder()
			e.proxy.ServeHTTP(rec, req.Clone(b.Context()))
			if got := rec.Header().Get("X-Cache"); got != "Hit from cloudfront" {
				b.Fatalf("X-Cache = %q after priming, want a hit", got)
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := req.Clone(context.Background())
				for pb.Next() {
					e.proxy.ServeHTTP(httptest.NewRecorder(), r)
				}
			})
		})
	}
}
