package edgecache

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The functions of these tests, by name.
var testFunctions = map[string]string{
	// The classic S3 static site rewrite (issue 26).
	"rewrite": `function handler(event) {
		var request = event.request;
		if (request.uri.endsWith('/')) {
			request.uri += 'index.html';
		} else if (!request.uri.includes('.')) {
			request.uri += '/index.html';
		}
		return request;
	}`,
	"security-headers": `function handler(event) {
		var response = event.response;
		response.headers['strict-transport-security'] = {value: 'max-age=63072000'};
		response.headers['x-seen-status'] = {value: String(response.statusCode)};
		response.cookies['fn'] = {value: 'yes', attributes: 'Path=/'};
		return response;
	}`,
	"redirect": `function handler(event) {
		return {statusCode: 301, statusDescription: 'Moved Permanently',
			headers: {location: {value: 'https://example.com' + event.request.uri}},
			body: 'moved'};
	}`,
	"throws": `function handler(event) { throw new Error('nope'); }`,
	"loops":  `function handler(event) { while (true) {} }`,
	"loops-on": `function handler(event) {
		if (event.request.uri === '/loop') { while (true) {} }
		return event.request;
	}`,
	"query": `function handler(event) {
		var r = event.request;
		r.querystring = {lang: {value: r.headers['accept-language'] ? r.headers['accept-language'].value : 'none'}};
		r.headers['x-from-function'] = {value: '1'};
		return r;
	}`,
}

// withFunctions returns the edit and configure functions of an env whose
// default behaviour associates the named functions by event type.
func withFunctions(assoc map[string]string) (func(*Proxy), func(string) string) {
	fns := map[string]FunctionCode{}
	for name, code := range testFunctions {
		fns[name] = FunctionCode{Runtime: "cloudfront-js-2.0", Code: []byte(code), ETag: "E" + strings.ToUpper(name)}
	}
	configure := func(p *Proxy) {
		inner := p.Distributions
		p.Distributions = DistributionsFunc(func(ctx context.Context) ([]Distribution, error) {
			ds, err := inner.ListDistributions(ctx)
			for i := range ds {
				ds[i].Functions = fns
			}
			return ds, err
		})
		// Wall time on a loaded machine: generous, as only the endless
		// loop needs stopping.
		p.FunctionBudget = 2 * time.Second
	}
	var items strings.Builder
	for ev, name := range assoc {
		items.WriteString("<FunctionAssociation><FunctionARN>arn:aws:cloudfront::123456789012:function/" + name +
			"</FunctionARN><EventType>" + ev + "</EventType></FunctionAssociation>")
	}
	edit := func(doc string) string {
		return strings.Replace(doc, "<DefaultCacheBehavior><TargetOriginId>app</TargetOriginId>",
			"<DefaultCacheBehavior><TargetOriginId>app</TargetOriginId><FunctionAssociations><Quantity>"+
				string(rune('0'+len(assoc)))+"</Quantity><Items>"+items.String()+"</Items></FunctionAssociations>", 1)
	}
	return configure, edit
}

// TestFunctionIndexRewrite: a viewer-request function decides the cache
// key. GET /about/ is fetched and cached as /about/index.html, so
// /about/index.html is then a hit, and invalidating /about/index.html
// makes /about/ fetch again (issue 26).
func TestFunctionIndexRewrite(t *testing.T) {
	configure, edit := withFunctions(map[string]string{"viewer-request": "rewrite"})
	e := newEnvConfig(t, configure, edit)
	host := testDomain

	r := e.get(t, host, "/about/")
	wantXCache(t, r, "Miss from cloudfront")
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, "/v1/about/index.html v0") {
		t.Fatalf("GET /about/ = %d %q, want index.html's content", r.status, r.body)
	}
	wantXCache(t, e.get(t, host, "/about/"), "Hit from cloudfront")
	// Cached under the rewritten URI: the direct URL is the same object.
	r = e.get(t, host, "/about/index.html")
	wantXCache(t, r, "Hit from cloudfront")
	wantXCache(t, e.get(t, host, "/about"), "Hit from cloudfront")
	if n := e.origin.count("/v1/about/index.html"); n != 1 {
		t.Errorf("origin fetched /about/index.html %d times, want 1", n)
	}
	if n := e.origin.count("/v1/about/"); n != 0 {
		t.Errorf("origin was asked for /about/ %d times, want 0", n)
	}

	// Purging the directory URL purges nothing: it is not a cache key.
	if err := e.proxy.Purge(t.Context(), testDist, []string{"/about/"}); err != nil {
		t.Fatal(err)
	}
	wantXCache(t, e.get(t, host, "/about/"), "Hit from cloudfront")
	e.origin.bump("/v1/about/index.html")
	if err := e.proxy.Purge(t.Context(), testDist, []string{"/about/index.html"}); err != nil {
		t.Fatal(err)
	}
	r = e.get(t, host, "/about/")
	wantXCache(t, r, "Miss from cloudfront")
	if !strings.HasPrefix(r.body, "/v1/about/index.html v1") {
		t.Errorf("after the purge GET /about/ = %q, want the new copy", r.body)
	}
}

func TestFunctionResults(t *testing.T) {
	tests := []struct {
		name       string
		assoc      map[string]string
		path       string
		hdr        []string
		wantStatus int
		wantXCache string
		wantHeader map[string]string
		wantBody   string // prefix
		originPath string // fetched once, or never when ""
	}{
		{
			name: "generated response short-circuits", assoc: map[string]string{"viewer-request": "redirect"},
			path: "/old", wantStatus: 301, wantXCache: "FunctionGeneratedResponse from cloudfront",
			wantHeader: map[string]string{"Location": "https://example.com/old"}, wantBody: "moved",
		},
		{
			name: "throwing function is a 503", assoc: map[string]string{"viewer-request": "throws"},
			path: "/x", wantStatus: 503, wantXCache: "FunctionExecutionError from cloudfront", wantBody: "<!DOCTYPE",
		},
		{
			name: "endless loop is stopped with a 503", assoc: map[string]string{"viewer-request": "loops"},
			path: "/x", wantStatus: 503, wantXCache: "FunctionThrottledError from cloudfront", wantBody: "<!DOCTYPE",
		},
		{
			name: "viewer-response throwing is a 503", assoc: map[string]string{"viewer-response": "throws"},
			path: "/x", wantStatus: 503, wantXCache: "FunctionExecutionError from cloudfront", wantBody: "<!DOCTYPE",
			originPath: "/v1/x",
		},
		{
			name: "unpublished function is a 503", assoc: map[string]string{"viewer-request": "missing"},
			path: "/x", wantStatus: 503, wantXCache: "FunctionExecutionError from cloudfront",
		},
		{
			// The /q/* behaviour forwards no header: the function's
			// x-from-function and the viewer's Accept-Language stay at
			// the edge, as CloudFront keeps them.
			name:  "query string set by the function reaches the origin and the key",
			assoc: map[string]string{"viewer-request": "query"}, path: "/q/page?drop=1", hdr: []string{"Accept-Language", "fr"},
			wantStatus: 200, wantXCache: "Miss from cloudfront", wantBody: "/v1/q/page v0 lang= q=lang=fr", originPath: "/v1/q/page?lang=fr",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			configure, edit := withFunctions(tt.assoc)
			if strings.HasPrefix(tt.path, "/q/") {
				// The /q/* behaviour keys on the query string.
				edit = func(doc string) string {
					return strings.Replace(doc, "<PathPattern>/q/*</PathPattern><TargetOriginId>app</TargetOriginId>",
						"<PathPattern>/q/*</PathPattern><TargetOriginId>app</TargetOriginId><FunctionAssociations><Quantity>1</Quantity><Items><FunctionAssociation><FunctionARN>arn:aws:cloudfront::123456789012:function/query</FunctionARN><EventType>viewer-request</EventType></FunctionAssociation></Items></FunctionAssociations>", 1)
				}
			}
			e := newEnvConfig(t, configure, edit)
			e.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			r := e.get(t, testDomain, tt.path, tt.hdr...)
			if r.status != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %q)", r.status, tt.wantStatus, r.body)
			}
			wantXCache(t, r, tt.wantXCache)
			for k, v := range tt.wantHeader {
				if got := r.header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if !strings.HasPrefix(r.body, tt.wantBody) {
				t.Errorf("body = %q, want it to start with %q", r.body, tt.wantBody)
			}
			want := 0
			if tt.originPath != "" {
				want = 1
			}
			if n := e.origin.count(tt.originPath); n != want {
				t.Errorf("origin got %q %d times, want %d", tt.originPath, n, want)
			}
		})
	}
}

// TestFunctionViewerResponse: the viewer-response function runs on every
// response, miss and hit, and what it adds is not cached.
func TestFunctionViewerResponse(t *testing.T) {
	configure, edit := withFunctions(map[string]string{"viewer-response": "security-headers"})
	e := newEnvConfig(t, configure, edit)
	for i, want := range []string{"Miss from cloudfront", "Hit from cloudfront", "Hit from cloudfront"} {
		r := e.get(t, testDomain, "/page.html")
		wantXCache(t, r, want)
		if got := r.header.Get("Strict-Transport-Security"); got != "max-age=63072000" {
			t.Errorf("request %d: Strict-Transport-Security = %q", i, got)
		}
		if got := r.header.Get("X-Seen-Status"); got != "200" {
			t.Errorf("request %d: X-Seen-Status = %q, want 200", i, got)
		}
		if got := r.header.Values("Set-Cookie"); len(got) != 1 || got[0] != "fn=yes; Path=/" {
			t.Errorf("request %d: Set-Cookie = %q, want [fn=yes; Path=/] (once)", i, got)
		}
		if !strings.HasPrefix(r.body, "/v1/page.html v0") {
			t.Errorf("request %d: body = %q", i, r.body)
		}
	}
	if n := e.origin.count("/v1/page.html"); n != 1 {
		t.Errorf("origin fetches = %d, want 1", n)
	}
}

// BenchmarkHitThroughFunction compares, in one run, a plain hit with a
// hit whose behaviour runs the index-rewrite viewer-request function
// (ServeHTTP into a recorder, from both cores).
func BenchmarkHitThroughFunction(b *testing.B) {
	for _, bc := range []struct{ name, path string }{{"plain", "/about/index.html"}, {"viewer-request", "/about/"}} {
		b.Run(bc.name, func(b *testing.B) {
			var e *env
			if bc.name == "plain" {
				e = newEnv(b, nil)
			} else {
				configure, edit := withFunctions(map[string]string{"viewer-request": "rewrite"})
				e = newEnvConfig(b, configure, edit)
			}
			req := httptest.NewRequest(http.MethodGet, "http://"+testDomain+bc.path, nil)
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

// compileCount is how many times p has compiled a function.
func compileCount(p *Proxy) int {
	p.fnMu.Lock()
	defer p.fnMu.Unlock()
	return p.fnCompiles
}

// TestFunctionCompiledOncePerPublish: a function is compiled once per
// published ETag, whatever the number of requests and config refreshes
// (issue 26).
func TestFunctionCompiledOncePerPublish(t *testing.T) {
	configure, edit := withFunctions(map[string]string{"viewer-request": "rewrite"})
	var mu sync.Mutex
	etag := "ETAG1"
	e := newEnvConfig(t, func(p *Proxy) {
		configure(p)
		inner := p.Distributions
		p.Distributions = DistributionsFunc(func(ctx context.Context) ([]Distribution, error) {
			ds, err := inner.ListDistributions(ctx)
			mu.Lock()
			defer mu.Unlock()
			for i := range ds {
				fc := ds[i].Functions["rewrite"]
				fc.ETag = etag
				ds[i].Functions = map[string]FunctionCode{"rewrite": fc}
			}
			return ds, err
		})
	}, edit)
	serve := func(n int) {
		t.Helper()
		for i := range n {
			rec := httptest.NewRecorder()
			e.proxy.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://"+testDomain+"/about/", nil).WithContext(t.Context()))
			if rec.Code != http.StatusOK {
				t.Fatalf("request %d: status %d", i, rec.Code)
			}
		}
	}
	serve(1)
	if n := compileCount(e.proxy); n != 1 {
		t.Fatalf("after the first request: %d compiles, want 1", n)
	}
	serve(1000)
	if n := compileCount(e.proxy); n != 1 {
		t.Errorf("after 1,000 more requests: %d compiles, want 1", n)
	}
	// Config refreshes rebuild the routes; the LIVE ETag is the same.
	for range 3 {
		e.clock.Advance(2 * DefaultConfigRefresh)
		serve(10)
	}
	if n := compileCount(e.proxy); n != 1 {
		t.Errorf("after three config refreshes without a publish: %d compiles, want 1", n)
	}
	// A second publish (a new LIVE ETag), seen at the next config refresh.
	mu.Lock()
	etag = "ETAG2"
	mu.Unlock()
	e.clock.Advance(2 * DefaultConfigRefresh)
	serve(1000)
	if n := compileCount(e.proxy); n != 2 {
		t.Errorf("after a second publish and 1,000 requests: %d compiles, want 2", n)
	}
}

// TestFunctionBudgetAfterLoop: a function stopped by its budget answers
// 503 FunctionThrottledError every time, and the requests through the
// same function after it are served (its runtimes are pooled: none may
// keep the interrupt).
func TestFunctionBudgetAfterLoop(t *testing.T) {
	configure, edit := withFunctions(map[string]string{"viewer-request": "loops-on"})
	e := newEnvConfig(t, func(p *Proxy) {
		configure(p)
		p.FunctionBudget = 200 * time.Millisecond // only the loop needs stopping
	}, edit)
	for i := range 2 {
		r := e.get(t, testDomain, "/loop")
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("loop %d: status %d, want 503", i, r.status)
		}
		wantXCache(t, r, "FunctionThrottledError from cloudfront")
		r = e.get(t, testDomain, "/page.html")
		if r.status != http.StatusOK || !strings.HasPrefix(r.body, "/v1/page.html v0") {
			t.Fatalf("after loop %d: GET /page.html = %d %q, want the page", i, r.status, r.body)
		}
	}
}

// TestFunctionConcurrentHits: hits and misses through a viewer-request
// and a viewer-response function from many viewers at once each get
// their own rewrite and headers (run with -race).
func TestFunctionConcurrentHits(t *testing.T) {
	configure, edit := withFunctions(map[string]string{"viewer-request": "rewrite", "viewer-response": "security-headers"})
	e := newEnvConfig(t, configure, edit)
	const viewers, each = 8, 25
	errs := make(chan error, viewers)
	var wg sync.WaitGroup
	for v := range viewers {
		wg.Go(func() {
			for i := range each {
				dir := fmt.Sprintf("/d%d/", (v+i)%5)
				req := httptest.NewRequest(http.MethodGet, "http://"+testDomain+dir, nil)
				rec := httptest.NewRecorder()
				e.proxy.ServeHTTP(rec, req)
				body := rec.Body.String()
				if rec.Code != http.StatusOK || !strings.HasPrefix(body, "/v1"+dir+"index.html v0") {
					errs <- fmt.Errorf("GET %s = %d %q, want %sindex.html", dir, rec.Code, body, dir)
					return
				}
				if got := rec.Header().Get("X-Seen-Status"); got != "200" {
					errs <- fmt.Errorf("GET %s: X-Seen-Status %q, want 200", dir, got)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
