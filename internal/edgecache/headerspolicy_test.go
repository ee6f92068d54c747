package edgecache

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/internal/distconfig"
)

func mustNode(t testing.TB, doc string) *distconfig.Node {
	t.Helper()
	n, err := distconfig.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHeadersPolicyApply(t *testing.T) {
	p := headersPolicyOf(mustNode(t, `<ResponseHeadersPolicyConfig><Name>p</Name>
<CorsConfig><AccessControlAllowOrigins><Quantity>1</Quantity><Items><Origin>*</Origin></Items></AccessControlAllowOrigins>
<AccessControlAllowHeaders><Quantity>1</Quantity><Items><Header>*</Header></Items></AccessControlAllowHeaders>
<AccessControlAllowMethods><Quantity>1</Quantity><Items><Method>ALL</Method></Items></AccessControlAllowMethods>
<AccessControlAllowCredentials>false</AccessControlAllowCredentials><AccessControlMaxAgeSec>600</AccessControlMaxAgeSec><OriginOverride>false</OriginOverride></CorsConfig>
<SecurityHeadersConfig><XSSProtection><Override>false</Override><Protection>true</Protection><ModeBlock>true</ModeBlock></XSSProtection>
<ReferrerPolicy><Override>true</Override><ReferrerPolicy>no-referrer</ReferrerPolicy></ReferrerPolicy></SecurityHeadersConfig>
<RemoveHeadersConfig><Quantity>1</Quantity><Items><ResponseHeadersPolicyRemoveHeader><Header>X-Powered-By</Header></ResponseHeadersPolicyRemoveHeader></Items></RemoveHeadersConfig>
</ResponseHeadersPolicyConfig>`))
	tests := []struct {
		name      string
		method    string
		reqHeader http.Header
		origin    http.Header
		want      map[string]string
	}{
		{"not CORS", "GET", http.Header{}, http.Header{"X-Powered-By": {"php"}, "Referrer-Policy": {"origin"}},
			map[string]string{"X-Xss-Protection": "1; mode=block", "Referrer-Policy": "no-referrer", "X-Powered-By": "", "Access-Control-Allow-Origin": ""}},
		{"override false keeps the origin's", "GET", http.Header{}, http.Header{"X-Xss-Protection": {"0"}},
			map[string]string{"X-Xss-Protection": "0"}},
		{"simple CORS", "GET", http.Header{"Origin": {"https://a.example"}}, http.Header{},
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": ""}},
		{"preflight", "OPTIONS", http.Header{"Origin": {"https://a.example"}, "Access-Control-Request-Method": {"PUT"}}, http.Header{},
			map[string]string{"Access-Control-Allow-Methods": "GET, POST, OPTIONS, PUT, DELETE, PATCH, HEAD", "Access-Control-Allow-Headers": "*", "Access-Control-Max-Age": "600"}},
		{"origin's CORS header kept", "GET", http.Header{"Origin": {"https://a.example"}}, http.Header{"Access-Control-Allow-Origin": {"https://a.example"}},
			map[string]string{"Access-Control-Allow-Origin": "https://a.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/", nil)
			r.Header = tt.reqHeader
			h := tt.origin.Clone()
			p.apply(h, r)
			for k, want := range tt.want {
				if got := h.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
	var nilPolicy *headersPolicy
	nilPolicy.apply(http.Header{}, httptest.NewRequest("GET", "/", nil)) // must not panic
}

func TestCustomPolicyAllExcept(t *testing.T) {
	c := mustNode(t, `<CachePolicyConfig><Name>x</Name><MinTTL>5</MinTTL><DefaultTTL>60</DefaultTTL><MaxTTL>600</MaxTTL>
<ParametersInCacheKeyAndForwardedToOrigin><EnableAcceptEncodingGzip>true</EnableAcceptEncodingGzip>
<HeadersConfig><HeaderBehavior>none</HeaderBehavior></HeadersConfig>
<CookiesConfig><CookieBehavior>allExcept</CookieBehavior><Cookies><Quantity>1</Quantity><Items><Name>track</Name></Items></Cookies></CookiesConfig>
<QueryStringsConfig><QueryStringBehavior>allExcept</QueryStringBehavior><QueryStrings><Quantity>1</Quantity><Items><Name>utm</Name></Items></QueryStrings></QueryStringsConfig>
</ParametersInCacheKeyAndForwardedToOrigin></CachePolicyConfig>`)
	p, known := policyFor(distconfig.Behavior{CachePolicyID: "id1", Compress: true}, map[string]*distconfig.Node{"id1": c})
	if !known || p.min != 5 || p.def != 60 || p.max != 600 || !p.gzip {
		t.Fatalf("policy = %+v, known %v", p, known)
	}
	tests := []struct{ query, wantKey string }{
		{"a=1&utm=x&b=2", "a=1&b=2"},
		{"utm=x", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := p.keyQuery(tt.query); got != tt.wantKey {
			t.Errorf("keyQuery(%q) = %q, want %q", tt.query, got, tt.wantKey)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "track=1; session=s")
	if v := p.variant(r); v != "session=s;" {
		t.Errorf("variant = %q, want only the session cookie", v)
	}
	if _, known := policyFor(distconfig.Behavior{CachePolicyID: "unknown"}, nil); known {
		t.Errorf("an unknown policy reported known")
	}
}

// FuzzPolicyConfigs checks that no policy config tree, valid or not, makes
// the edge's readers of response headers and cache policies panic.
func FuzzPolicyConfigs(f *testing.F) {
	f.Add(`<ResponseHeadersPolicyConfig><CorsConfig><AccessControlAllowOrigins><Items><Origin>*</Origin></Items></AccessControlAllowOrigins></CorsConfig></ResponseHeadersPolicyConfig>`, "a=1&b")
	f.Add(`<CachePolicyConfig><MinTTL>x</MinTTL><ParametersInCacheKeyAndForwardedToOrigin><QueryStringsConfig><QueryStringBehavior>allExcept</QueryStringBehavior></QueryStringsConfig></ParametersInCacheKeyAndForwardedToOrigin></CachePolicyConfig>`, "%zz=1")
	f.Fuzz(func(t *testing.T, doc, query string) {
		n, err := distconfig.Parse(strings.NewReader(doc))
		if err != nil {
			return
		}
		r := httptest.NewRequest("OPTIONS", "/", nil)
		r.Header.Set("Origin", "https://a.example")
		r.Header.Set("Access-Control-Request-Method", "GET")
		r.Header.Set("Cookie", "a=1; b=2")
		headersPolicyOf(n).apply(http.Header{}, r)
		rp := requestPolicyOf(n.Renamed("OriginRequestPolicyConfig"))
		rp.apply(httptest.NewRequest("GET", "/", nil), r)
		_ = rp.queryFor(query, "")
		p := customPolicy("id", n.Renamed("CachePolicyConfig"), true)
		_ = p.keyQuery(query)
		_ = p.variant(r)
	})
}

func TestRequestPolicy(t *testing.T) {
	p := requestPolicyOf(mustNode(t, `<OriginRequestPolicyConfig><Name>p</Name>
<HeadersConfig><HeaderBehavior>allExcept</HeaderBehavior><Headers><Quantity>1</Quantity><Items><Name>authorization</Name></Items></Headers></HeadersConfig>
<CookiesConfig><CookieBehavior>whitelist</CookieBehavior><Cookies><Quantity>1</Quantity><Items><Name>s</Name></Items></Cookies></CookiesConfig>
<QueryStringsConfig><QueryStringBehavior>allExcept</QueryStringBehavior><QueryStrings><Quantity>1</Quantity><Items><Name>utm</Name></Items></QueryStrings></QueryStringsConfig>
</OriginRequestPolicyConfig>`))
	queries := []struct{ raw, key, want string }{
		{"a=1&utm=x&b=2", "", "a=1&b=2"},
		{"utm=x", "utm=x", "utm=x"}, // what the cache key holds is always forwarded
		{"", "", ""},
	}
	for _, q := range queries {
		if got := p.queryFor(q.raw, q.key); got != q.want {
			t.Errorf("queryFor(%q, %q) = %q, want %q", q.raw, q.key, got, q.want)
		}
	}
	r := httptest.NewRequest("GET", "http://viewer.example/", nil)
	r.Header.Set("Authorization", "secret")
	r.Header.Set("X-A", "1")
	r.Header.Set("Cookie", "s=1; t=2")
	out := httptest.NewRequest("GET", "http://origin.example/", nil)
	out.Header = http.Header{}
	p.apply(out, r)
	checks := []struct{ got, want string }{
		{out.Header.Get("Authorization"), ""},
		{out.Header.Get("X-A"), "1"},
		{out.Header.Get("Cookie"), "s=1"},
		{out.Host, "viewer.example"}, // allExcept without Host forwards it
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %q, want %q", i, c.got, c.want)
		}
	}
	if requestPolicyOf(nil) != nil {
		t.Errorf("requestPolicyOf(nil) is not nil")
	}
}
