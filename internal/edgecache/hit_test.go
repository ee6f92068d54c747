package edgecache

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// hitPolicy is a response headers policy with every kind of header a plain
// hit builds ahead of time: security headers, custom headers with and
// without Override, removed headers and CORS.
const hitPolicy = `<ResponseHeadersPolicyConfig><Name>hits</Name>
<CorsConfig><AccessControlAllowOrigins><Quantity>1</Quantity><Items><Origin>https://a.example</Origin></Items></AccessControlAllowOrigins>
<AccessControlAllowHeaders><Quantity>1</Quantity><Items><Header>*</Header></Items></AccessControlAllowHeaders>
<AccessControlAllowMethods><Quantity>1</Quantity><Items><Method>GET</Method></Items></AccessControlAllowMethods>
<AccessControlAllowCredentials>false</AccessControlAllowCredentials><OriginOverride>true</OriginOverride></CorsConfig>
<SecurityHeadersConfig><ContentTypeOptions><Override>true</Override></ContentTypeOptions>
<StrictTransportSecurity><Override>false</Override><AccessControlMaxAgeSec>600</AccessControlMaxAgeSec><IncludeSubdomains>true</IncludeSubdomains></StrictTransportSecurity></SecurityHeadersConfig>
<CustomHeadersConfig><Quantity>2</Quantity><Items>
<ResponseHeadersPolicyCustomHeader><Header>X-Team</Header><Value>edge</Value><Override>true</Override></ResponseHeadersPolicyCustomHeader>
<ResponseHeadersPolicyCustomHeader><Header>Cache-Control</Header><Value>no-store</Value><Override>false</Override></ResponseHeadersPolicyCustomHeader>
</Items></CustomHeadersConfig>
<RemoveHeadersConfig><Quantity>1</Quantity><Items><ResponseHeadersPolicyRemoveHeader><Header>X-Powered-By</Header></ResponseHeadersPolicyRemoveHeader></Items></RemoveHeadersConfig>
</ResponseHeadersPolicyConfig>`

// TestPlainHitHeaders checks that hits, whose headers are built once per
// object (hit.go), carry exactly the headers of the miss that stored the
// object (built per request) but for X-Cache, X-Amz-Cf-Id and Age, with a
// new X-Amz-Cf-Id per hit and Age counting from the store (plus the
// origin's Age), for every compression case, with and without a response
// headers policy, for GET and HEAD.
func TestPlainHitHeaders(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		policy bool
		origin http.Header
		hdr    []string
	}{
		{"no policy, behaviour without Compress", "GET", "/a.txt", false, nil, nil},
		{"no policy, compressible, no gzip asked", "GET", "/static/big.js", false, nil, nil},
		{"no policy, gzip", "GET", "/static/big.js", false, http.Header{"Etag": {`"e1"`}}, []string{"Accept-Encoding", "gzip"}},
		{"no policy, small object under a compressing behaviour", "GET", "/static/small.js", false, nil, []string{"Accept-Encoding", "gzip"}},
		{"origin Age and Via", "GET", "/b.txt", false, http.Header{"Age": {"100"}, "Via": {"1.1 upstream"}}, nil},
		{"origin Last-Modified", "GET", "/c.txt", false, http.Header{"Last-Modified": {"Mon, 02 Jan 2006 15:04:05 GMT"}}, nil},
		{"HEAD", "HEAD", "/static/head.js", false, nil, nil},
		{"policy", "GET", "/static/p.js", true, http.Header{"X-Powered-By": {"php"}, "Cache-Control": {"max-age=60"}, "X-Team": {"origin"}}, nil},
		{"policy, gzip", "GET", "/static/big-p.js", true, nil, []string{"Accept-Encoding", "gzip"}},
		{"policy, not a CORS origin", "GET", "/static/q.js", true, nil, []string{"Origin", "https://b.example"}},
		{"policy, CORS request (built per request)", "GET", "/static/cors.js", true, nil, []string{"Origin", "https://a.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newHitEnv(t)
			if tt.origin != nil {
				e.origin.set("/v1"+tt.path, tt.origin)
			}
			miss := e.do(t, tt.method, testDomain, tt.path, tt.hdr...)
			wantXCache(t, miss, "Miss from cloudfront")
			originAge := int64(0)
			if a, err := strconv.ParseInt(miss.header.Get("Age"), 10, 64); err == nil {
				originAge = a
			}
			ids := map[string]bool{}
			for i, wait := range []time.Duration{0, 3 * time.Second, 1500 * time.Millisecond} {
				e.clock.Advance(wait)
				hit := e.do(t, tt.method, testDomain, tt.path, tt.hdr...)
				wantXCache(t, hit, "Hit from cloudfront")
				if diff := cmp.Diff(comparable(miss.header), comparable(hit.header)); diff != "" {
					t.Errorf("hit %d headers differ from the miss's (-miss +hit):\n%s", i, diff)
				}
				if hit.body != miss.body {
					t.Errorf("hit %d body %q, want the miss's %q", i, hit.body, miss.body)
				}
				id := hit.header.Get("X-Amz-Cf-Id")
				if !cfIDRE.MatchString(id) || ids[id] || id == miss.header.Get("X-Amz-Cf-Id") {
					t.Errorf("hit %d X-Amz-Cf-Id %q: want a new ID shaped like CloudFront's", i, id)
				}
				ids[id] = true
				wantAge := originAge + []int64{0, 3, 4}[i]
				if got := hit.header.Values("Age"); len(got) != 1 || got[0] != strconv.FormatInt(wantAge, 10) {
					t.Errorf("hit %d Age = %q, want %d", i, got, wantAge)
				}
			}
		})
	}
}

// comparable is h without the headers that differ between a miss and a
// hit of the same object.
func comparable(h http.Header) http.Header {
	c := h.Clone()
	for _, k := range []string{"X-Cache", "X-Amz-Cf-Id", "Age", "Date"} {
		delete(c, k)
	}
	return c
}

// newHitEnv is newEnv with hitPolicy as the response headers policy of the
// /static/p*, /static/big-p*, /static/q* and /static/cors* paths.
func newHitEnv(t testing.TB) *env {
	t.Helper()
	const id = "11111111-2222-3333-4444-555555555555"
	pol := mustNode(t, hitPolicy)
	behavior := func(pattern string) string {
		return `<CacheBehavior><PathPattern>` + pattern + `</PathPattern><TargetOriginId>app</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><Compress>true</Compress>` +
			`<CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId><ResponseHeadersPolicyId>` + id + `</ResponseHeadersPolicyId></CacheBehavior>`
	}
	edit := func(doc string) string {
		doc = strings.Replace(doc, `<CacheBehaviors><Quantity>4</Quantity><Items>`, `<CacheBehaviors><Quantity>8</Quantity><Items>`+
			behavior("/static/p*")+behavior("/static/big-p*")+behavior("/static/q*")+behavior("/static/cors*"), 1)
		return doc
	}
	return newEnvConfig(t, func(p *Proxy) {
		inner := p.Distributions
		p.Distributions = DistributionsFunc(func(ctx context.Context) ([]Distribution, error) {
			ds, err := inner.ListDistributions(ctx)
			for i := range ds {
				ds[i].Policies = map[string]*distconfig.Node{id: pol}
			}
			return ds, err
		})
	}, edit)
}
