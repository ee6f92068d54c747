package edgestore_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/edgecache"
	"github.com/cfinv/cfinv/internal/edgestore"
	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// countingOrigin is a real HTTP origin that counts the requests it gets
// and answers with a Server header a policy may remove.
type countingOrigin struct {
	mu   sync.Mutex
	hits int
	last *http.Request
}

func (o *countingOrigin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.hits++
	o.last = r.Clone(r.Context())
	n := o.hits
	o.mu.Unlock()
	w.Header().Set("Server", "origin/1.0")
	w.Header().Set("X-Frame-Options", "origin-set")
	fmt.Fprintf(w, "hit %d", n)
}

func (o *countingOrigin) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits
}

// TestEdgeHonoursPolicies drives a custom cache policy, a custom response
// headers policy and a custom origin request policy through the real API
// (SDK), the real edge and a real origin: the TTLs, the headers, cookies and
// query strings of the cache key, the headers the policy adds and removes,
// and what else is forwarded to the origin.
// stack is the emulator's API and the edge on one store, and a real
// origin on loopback.
type stack struct {
	cf      *cloudfront.Client
	clk     *harness.Clock
	edge    *edgecache.Proxy
	edgeSrv *httptest.Server
	org     *countingOrigin
	port    int // the origin's
}

func newStack(t *testing.T) *stack {
	t.Helper()
	st := store.NewMem()
	s := &stack{clk: harness.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)), org: &countingOrigin{}}
	s.edge = &edgecache.Proxy{Distributions: edgestore.Distributions(st), Now: s.clk.Now}
	api := httptest.NewServer(emulator.New(emulator.Options{Store: st, Now: s.clk.Now}).Handler())
	t.Cleanup(api.Close)
	s.edgeSrv = httptest.NewServer(s.edge)
	t.Cleanup(s.edgeSrv.Close)
	originSrv := httptest.NewServer(s.org)
	t.Cleanup(originSrv.Close)
	s.port, _ = strconv.Atoi(originSrv.URL[len("http://127.0.0.1:"):])
	// The harness's client: its HTTP client is wrapped with
	// sdkhttp.GuardBody and it makes one attempt. A bare SDK client here
	// met the smithy-go body race under load (the 201 of CreateDistribution
	// lost, the retry answered DistributionAlreadyExists).
	s.cf = harness.SDK(api.URL, harness.HTTPClient(api.Client()))
	return s
}

func TestEdgeHonoursPolicies(t *testing.T) {
	s := newStack(t)
	cf, clk, edge, edgeSrv, org, port := s.cf, s.clk, s.edge, s.edgeSrv, s.org, s.port
	ctx := t.Context()
	cp, err := cf.CreateCachePolicy(ctx, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: &types.CachePolicyConfig{
		Name: aws.String("keyed"), MinTTL: aws.Int64(0), DefaultTTL: aws.Int64(100), MaxTTL: aws.Int64(1000),
		ParametersInCacheKeyAndForwardedToOrigin: &types.ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: aws.Bool(false),
			HeadersConfig: &types.CachePolicyHeadersConfig{HeaderBehavior: types.CachePolicyHeaderBehaviorWhitelist,
				Headers: &types.Headers{Quantity: aws.Int32(1), Items: []string{"X-Variant"}}},
			CookiesConfig: &types.CachePolicyCookiesConfig{CookieBehavior: types.CachePolicyCookieBehaviorWhitelist,
				Cookies: &types.CookieNames{Quantity: aws.Int32(1), Items: []string{"session"}}},
			QueryStringsConfig: &types.CachePolicyQueryStringsConfig{QueryStringBehavior: types.CachePolicyQueryStringBehaviorWhitelist,
				QueryStrings: &types.QueryStringNames{Quantity: aws.Int32(1), Items: []string{"v"}}},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	rhp, err := cf.CreateResponseHeadersPolicy(ctx, &cloudfront.CreateResponseHeadersPolicyInput{ResponseHeadersPolicyConfig: &types.ResponseHeadersPolicyConfig{
		Name: aws.String("headers"),
		CorsConfig: &types.ResponseHeadersPolicyCorsConfig{
			AccessControlAllowOrigins:     &types.ResponseHeadersPolicyAccessControlAllowOrigins{Quantity: aws.Int32(1), Items: []string{"https://app.example.com"}},
			AccessControlAllowHeaders:     &types.ResponseHeadersPolicyAccessControlAllowHeaders{Quantity: aws.Int32(1), Items: []string{"Authorization"}},
			AccessControlAllowMethods:     &types.ResponseHeadersPolicyAccessControlAllowMethods{Quantity: aws.Int32(2), Items: []types.ResponseHeadersPolicyAccessControlAllowMethodsValues{"GET", "OPTIONS"}},
			AccessControlAllowCredentials: aws.Bool(true),
			OriginOverride:                aws.Bool(true),
		},
		SecurityHeadersConfig: &types.ResponseHeadersPolicySecurityHeadersConfig{
			FrameOptions:            &types.ResponseHeadersPolicyFrameOptions{FrameOption: types.FrameOptionsListDeny, Override: aws.Bool(true)},
			ContentTypeOptions:      &types.ResponseHeadersPolicyContentTypeOptions{Override: aws.Bool(false)},
			StrictTransportSecurity: &types.ResponseHeadersPolicyStrictTransportSecurity{AccessControlMaxAgeSec: aws.Int32(63072000), IncludeSubdomains: aws.Bool(true), Override: aws.Bool(true)},
		},
		CustomHeadersConfig: &types.ResponseHeadersPolicyCustomHeadersConfig{Quantity: aws.Int32(1), Items: []types.ResponseHeadersPolicyCustomHeader{
			{Header: aws.String("X-Site"), Value: aws.String("local"), Override: aws.Bool(false)},
		}},
		RemoveHeadersConfig: &types.ResponseHeadersPolicyRemoveHeadersConfig{Quantity: aws.Int32(1), Items: []types.ResponseHeadersPolicyRemoveHeader{
			{Header: aws.String("Server")},
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	orp, err := cf.CreateOriginRequestPolicy(ctx, &cloudfront.CreateOriginRequestPolicyInput{OriginRequestPolicyConfig: &types.OriginRequestPolicyConfig{
		Name:               aws.String("forward"),
		HeadersConfig:      &types.OriginRequestPolicyHeadersConfig{HeaderBehavior: types.OriginRequestPolicyHeaderBehaviorWhitelist, Headers: &types.Headers{Quantity: aws.Int32(1), Items: []string{"X-Trace"}}},
		CookiesConfig:      &types.OriginRequestPolicyCookiesConfig{CookieBehavior: types.OriginRequestPolicyCookieBehaviorAll},
		QueryStringsConfig: &types.OriginRequestPolicyQueryStringsConfig{QueryStringBehavior: types.OriginRequestPolicyQueryStringBehaviorAll},
	}})
	if err != nil {
		t.Fatal(err)
	}
	dist, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("policies"), Comment: aws.String(""), Enabled: aws.Bool(true),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("app"), DomainName: aws.String("127.0.0.1"),
			CustomOriginConfig: &types.CustomOriginConfig{HTTPPort: aws.Int32(int32(port)), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId: aws.String("app"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: cp.CachePolicy.Id, ResponseHeadersPolicyId: rhp.ResponseHeadersPolicy.Id,
		},
		CacheBehaviors: &types.CacheBehaviors{Quantity: aws.Int32(1), Items: []types.CacheBehavior{{
			PathPattern: aws.String("/api/*"), TargetOriginId: aws.String("app"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId:         aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"), // managed CachingOptimized: path only
			OriginRequestPolicyId: orp.OriginRequestPolicy.Id,
		}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	edge.RefreshDistributions()
	host := *dist.Distribution.DomainName

	get := func(t *testing.T, path string, header ...string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, edgeSrv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Add(header[i], header[i+1])
		}
		resp, err := edgeSrv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}

	// Each step: a request and whether it reaches the origin.
	steps := []struct {
		name    string
		path    string
		header  []string
		advance time.Duration
		miss    bool
	}{
		{"first", "/a?v=1", nil, 0, true},
		{"same key", "/a?v=1", nil, 0, false},
		{"query string outside the key", "/a?v=1&utm=x", nil, 0, false},
		{"query string in the key", "/a?v=2", nil, 0, true},
		{"header in the key", "/a?v=1", []string{"X-Variant", "b"}, 0, true},
		{"header in the key, again", "/a?v=1", []string{"X-Variant", "b"}, 0, false},
		{"header outside the key", "/a?v=1", []string{"X-Other", "z"}, 0, false},
		{"cookie in the key", "/a?v=1", []string{"Cookie", "session=s1"}, 0, true},
		{"cookie outside the key", "/a?v=1", []string{"Cookie", "theme=dark"}, 0, false},
		{"within DefaultTTL", "/a?v=1", nil, 99 * time.Second, false},
		{"past DefaultTTL", "/a?v=1", nil, 2 * time.Second, true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			clk.Advance(s.advance)
			before := org.count()
			resp := get(t, s.path, s.header...)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if miss := org.count() > before; miss != s.miss {
				t.Errorf("origin reached: %v, want %v (X-Cache %q)", miss, s.miss, resp.Header.Get("X-Cache"))
			}
		})
	}
	org.mu.Lock()
	last := org.last
	org.mu.Unlock()
	if last.Header.Get("Cookie") != "" || last.URL.Query().Has("utm") {
		t.Errorf("origin got Cookie %q, query %q; want only what is in the key", last.Header.Get("Cookie"), last.URL.RawQuery)
	}

	// Response headers, on a hit (cached object) and with a CORS request.
	resp := get(t, "/a?v=1", "Origin", "https://app.example.com")
	headers := []struct{ name, want string }{
		{"X-Frame-Options", "DENY"},
		{"X-Content-Type-Options", "nosniff"},
		{"Strict-Transport-Security", "max-age=63072000; includeSubDomains"},
		{"X-Site", "local"},
		{"Server", ""},
		{"Access-Control-Allow-Origin", "https://app.example.com"},
		{"Access-Control-Allow-Credentials", "true"},
	}
	for _, h := range headers {
		if got := resp.Header.Get(h.name); got != h.want {
			t.Errorf("%s = %q, want %q", h.name, got, h.want)
		}
	}
	if resp.Header.Get("X-Cache") != "Hit from cloudfront" {
		t.Errorf("X-Cache %q, want a hit", resp.Header.Get("X-Cache"))
	}
	// The origin request policy forwards more than the cache key holds.
	before := org.count()
	get(t, "/api/x?q=1", "X-Trace", "t1", "Cookie", "c=1", "X-Other", "o")
	org.mu.Lock()
	last = org.last
	org.mu.Unlock()
	if org.count() != before+1 || last.URL.RawQuery != "q=1" || last.Header.Get("X-Trace") != "t1" || last.Header.Get("Cookie") != "c=1" || last.Header.Get("X-Other") != "" {
		t.Errorf("origin request through the policy: query %q, X-Trace %q, Cookie %q, X-Other %q",
			last.URL.RawQuery, last.Header.Get("X-Trace"), last.Header.Get("Cookie"), last.Header.Get("X-Other"))
	}
	if resp := get(t, "/api/x?q=2", "X-Trace", "t2"); resp.Header.Get("X-Cache") != "Hit from cloudfront" {
		t.Errorf("forwarded values entered the cache key: X-Cache %q", resp.Header.Get("X-Cache"))
	}
	// An origin the policy does not allow gets no CORS headers.
	resp = get(t, "/a?v=1", "Origin", "https://evil.example")
	if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("Access-Control-Allow-Origin for a foreign origin = %q", v)
	}
}
