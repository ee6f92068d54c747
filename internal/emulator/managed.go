package emulator

import (
	"strconv"
	"sync"
	"time"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// AWS's managed policies, with the IDs and settings the CloudFront
// developer guide publishes ("Use managed cache policies", "… origin
// request policies", "… response headers policies"). Their names carry the
// "Managed-" prefix, as ListCachePolicies returns them. They are the same
// on every server: a fixed ETag and LastModifiedTime.

var managedTime = time.Date(2021, 11, 1, 0, 0, 0, 0, time.UTC)

func managedResource(kind, id, etag string, config *distconfig.Node) *store.Resource {
	return &store.Resource{Kind: kind, ID: id, Name: config.Value("Name"), ETag: etag,
		CreatedTime: managedTime, LastModifiedTime: managedTime, Config: config}
}

// names builds a {Quantity, Items} list of <Name> elements, or nil.
func names(list string, values []string) *distconfig.Node {
	if len(values) == 0 {
		return nil
	}
	return methodList(list, "Name", values...)
}

// behaviorConfig builds e.g. <HeadersConfig><HeaderBehavior>b</…><Headers>…</…>.
func behaviorConfig(elem, behaviorName, listName, behavior string, values []string) *distconfig.Node {
	n := &distconfig.Node{Name: elem, Nodes: []*distconfig.Node{leaf(behaviorName, behavior)}}
	if l := names(listName, values); l != nil {
		n.Append(l)
	}
	return n
}

type managedCache struct {
	id, etag, name, comment string
	min, def, max           int64
	gzip, brotli            bool
	headers                 []string
	cookies, query          string // behaviours
	queryNames              []string
}

func (m managedCache) resource() *store.Resource {
	hb := "none"
	if len(m.headers) > 0 {
		hb = "whitelist"
	}
	qb := m.query
	if qb == "" {
		qb = "none"
	}
	c := &distconfig.Node{Name: "CachePolicyConfig", Nodes: []*distconfig.Node{
		leaf("Comment", m.comment),
		leaf("Name", m.name),
		leaf("DefaultTTL", strconv.FormatInt(m.def, 10)),
		leaf("MaxTTL", strconv.FormatInt(m.max, 10)),
		leaf("MinTTL", strconv.FormatInt(m.min, 10)),
		{Name: "ParametersInCacheKeyAndForwardedToOrigin", Nodes: []*distconfig.Node{
			leaf("EnableAcceptEncodingGzip", strconv.FormatBool(m.gzip)),
			leaf("EnableAcceptEncodingBrotli", strconv.FormatBool(m.brotli)),
			behaviorConfig("HeadersConfig", "HeaderBehavior", "Headers", hb, m.headers),
			behaviorConfig("CookiesConfig", "CookieBehavior", "Cookies", m.cookies, nil),
			behaviorConfig("QueryStringsConfig", "QueryStringBehavior", "QueryStrings", qb, m.queryNames),
		}},
	}}
	return managedResource("cache-policy", m.id, m.etag, c)
}

var originHeaders = []string{"Host", "Origin", "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"}

var managedCachePolicies = sync.OnceValue(func() []*store.Resource {
	return []*store.Resource{
		managedCache{id: "658327ea-f89d-4fab-a63d-7e88639e58f6", etag: "E23ZP02F085DFQ", name: "Managed-CachingOptimized",
			comment: "Policy with caching enabled. Supports Gzip and Brotli compression.",
			min:     1, def: 86400, max: 31536000, gzip: true, brotli: true, cookies: "none"}.resource(),
		managedCache{id: "b2884449-e4de-46a7-ac36-70bc7f1ddd6d", etag: "E1BTQHNWXGLWPE", name: "Managed-CachingOptimizedForUncompressedObjects",
			comment: "Default policy when compression is disabled.",
			min:     1, def: 86400, max: 31536000, cookies: "none"}.resource(),
		managedCache{id: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", etag: "E23ZP02F085DFR", name: "Managed-CachingDisabled",
			comment: "Policy with caching disabled.", cookies: "none"}.resource(),
		managedCache{id: "83da9c7e-98b4-4e11-a168-04f0df8e2c65", etag: "E1F83G8C2ARO7P", name: "Managed-UseOriginCacheControlHeaders",
			comment: "Policy for origins that return Cache-Control headers. Query strings are not included in the cache key.",
			min:     0, def: 0, max: 31536000, gzip: true, brotli: true, headers: originHeaders, cookies: "all"}.resource(),
		managedCache{id: "4cc15a8a-d715-48a4-82b8-cc0b614638fe", etag: "E3B1KJ3JQ3GZ0B", name: "Managed-UseOriginCacheControlHeaders-QueryStrings",
			comment: "Policy for origins that return Cache-Control headers and serve different content based on values present in the query string.",
			min:     0, def: 0, max: 31536000, gzip: true, brotli: true, headers: originHeaders, cookies: "all", query: "all"}.resource(),
		managedCache{id: "2e54312d-136d-493c-8eb9-b001f22f67d2", etag: "E1SBWLLPHVPOCO", name: "Managed-Amplify",
			comment: "Policy for Amplify Origin",
			min:     2, def: 2, max: 31536000, gzip: true, brotli: true, headers: []string{"Authorization", "CloudFront-Viewer-Country", "Host"}, cookies: "all", query: "all"}.resource(),
		managedCache{id: "08627262-05a9-4f76-9ded-b50ca2e3a84f", etag: "E2C2A1K7NU12O1", name: "Managed-Elemental-MediaPackage",
			comment: "Policy for Elemental MediaPackage Origin",
			min:     0, def: 86400, max: 31536000, gzip: true, headers: []string{"Origin"}, cookies: "none",
			query: "whitelist", queryNames: []string{"aws.manifestfilter", "start", "end", "m"}}.resource(),
	}
})

type managedOriginRequest struct {
	id, etag, name, comment string
	headers, cookies, query string
	headerNames             []string
}

func (m managedOriginRequest) resource() *store.Resource {
	c := &distconfig.Node{Name: "OriginRequestPolicyConfig", Nodes: []*distconfig.Node{
		leaf("Comment", m.comment),
		leaf("Name", m.name),
		behaviorConfig("HeadersConfig", "HeaderBehavior", "Headers", m.headers, m.headerNames),
		behaviorConfig("CookiesConfig", "CookieBehavior", "Cookies", m.cookies, nil),
		behaviorConfig("QueryStringsConfig", "QueryStringBehavior", "QueryStrings", m.query, nil),
	}}
	return managedResource("origin-request-policy", m.id, m.etag, c)
}

// cloudFrontHeaders2022 are the CloudFront-* headers of
// AllViewerAndCloudFrontHeaders-2022-06.
var cloudFrontHeaders2022 = []string{
	"CloudFront-Viewer-Address", "CloudFront-Viewer-ASN", "CloudFront-Viewer-City", "CloudFront-Viewer-Country",
	"CloudFront-Viewer-Country-Name", "CloudFront-Viewer-Country-Region", "CloudFront-Viewer-Country-Region-Name",
	"CloudFront-Viewer-Http-Version", "CloudFront-Viewer-Latitude", "CloudFront-Viewer-Longitude",
	"CloudFront-Viewer-Metro-Code", "CloudFront-Viewer-Postal-Code", "CloudFront-Viewer-Time-Zone", "CloudFront-Viewer-TLS",
	"CloudFront-Forwarded-Proto", "CloudFront-Is-Android-Viewer", "CloudFront-Is-Desktop-Viewer", "CloudFront-Is-IOS-Viewer",
	"CloudFront-Is-Mobile-Viewer", "CloudFront-Is-SmartTV-Viewer", "CloudFront-Is-Tablet-Viewer",
}

var managedOriginRequestPolicies = sync.OnceValue(func() []*store.Resource {
	return []*store.Resource{
		managedOriginRequest{id: "216adef6-5c7f-47e4-b989-5492eafa07d3", etag: "E23ZP02F085DFS", name: "Managed-AllViewer",
			comment: "Policy to forward all parameters in viewer requests", headers: "allViewer", cookies: "all", query: "all"}.resource(),
		managedOriginRequest{id: "33f36d7e-f396-46d9-90e0-52428a34d9dc", etag: "E3K6T0QEYFYX7S", name: "Managed-AllViewerAndCloudFrontHeaders-2022-06",
			comment: "Policy to forward all parameters in viewer requests and all CloudFront headers that were released through June 2022",
			headers: "allViewerAndWhitelistCloudFront", headerNames: cloudFrontHeaders2022, cookies: "all", query: "all"}.resource(),
		managedOriginRequest{id: "b689b0a8-53d0-40ab-baf2-68738e2966ac", etag: "E2SWYHUZAIUJ31", name: "Managed-AllViewerExceptHostHeader",
			comment: "Policy to forward all parameters in viewer requests except for the Host header",
			headers: "allExcept", headerNames: []string{"Host"}, cookies: "all", query: "all"}.resource(),
		managedOriginRequest{id: "59781a5b-3903-41f3-afcb-af62929ccde1", etag: "E1TH4AHD9CI5PM", name: "Managed-CORS-CustomOrigin",
			comment: "Policy for Custom Origin with CORS", headers: "whitelist", headerNames: []string{"Origin"}, cookies: "none", query: "none"}.resource(),
		managedOriginRequest{id: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf", etag: "E1EOC6J4Y3TBVV", name: "Managed-CORS-S3Origin",
			comment: "Policy for S3 origin with CORS", headers: "whitelist",
			headerNames: []string{"Origin", "Access-Control-Request-Headers", "Access-Control-Request-Method"}, cookies: "none", query: "none"}.resource(),
		managedOriginRequest{id: "775133bc-15f2-49f9-abea-afb2e0bf67d2", etag: "E3UTYCCCU7JQ1O", name: "Managed-Elemental-MediaTailor-PersonalizedManifests",
			comment: "Policy for Elemental MediaTailor Personalized Manifests", headers: "whitelist",
			headerNames: []string{"Origin", "Access-Control-Request-Headers", "X-Forwarded-For", "Access-Control-Request-Method", "User-Agent"},
			cookies:     "none", query: "all"}.resource(),
		managedOriginRequest{id: "bf0718e1-ba1e-49d1-88b1-f726733018ae", etag: "E2ZPZSJNU4F0LO", name: "Managed-HostHeaderOnly",
			comment: "Policy to forward only the Host header", headers: "whitelist", headerNames: []string{"Host"}, cookies: "none", query: "none"}.resource(),
		managedOriginRequest{id: "acba4595-bd28-49b8-b9fe-13317c0390fa", etag: "E1PPPFLHGF7EXH", name: "Managed-UserAgentRefererHeaders",
			comment: "Policy for forwarding user-agent and referer headers", headers: "whitelist",
			headerNames: []string{"User-Agent", "Referer"}, cookies: "none", query: "all"}.resource(),
	}
})

// list builds a {Quantity, Items} list of item elements.
func list(name, item string, values ...string) *distconfig.Node {
	return methodList(name, item, values...)
}

func simpleCORS(preflight bool) *distconfig.Node {
	methods := []string{"ALL"}
	if preflight {
		methods = []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}
	}
	return &distconfig.Node{Name: "CorsConfig", Nodes: []*distconfig.Node{
		list("AccessControlAllowOrigins", "Origin", "*"),
		list("AccessControlAllowHeaders", "Header", "*"),
		list("AccessControlAllowMethods", "Method", methods...),
		leaf("AccessControlAllowCredentials", "false"),
		list("AccessControlExposeHeaders", "Header", "*"),
		leaf("OriginOverride", "false"),
	}}
}

func securityHeaders() *distconfig.Node {
	return &distconfig.Node{Name: "SecurityHeadersConfig", Nodes: []*distconfig.Node{
		{Name: "XSSProtection", Nodes: []*distconfig.Node{leaf("Override", "false"), leaf("Protection", "true"), leaf("ModeBlock", "true")}},
		{Name: "FrameOptions", Nodes: []*distconfig.Node{leaf("Override", "false"), leaf("FrameOption", "SAMEORIGIN")}},
		{Name: "ReferrerPolicy", Nodes: []*distconfig.Node{leaf("Override", "false"), leaf("ReferrerPolicy", "strict-origin-when-cross-origin")}},
		{Name: "ContentTypeOptions", Nodes: []*distconfig.Node{leaf("Override", "false")}},
		{Name: "StrictTransportSecurity", Nodes: []*distconfig.Node{leaf("Override", "false"), leaf("IncludeSubdomains", "false"), leaf("Preload", "false"), leaf("AccessControlMaxAgeSec", "31536000")}},
	}}
}

func managedResponseHeaders(id, etag, name, comment string, parts ...*distconfig.Node) *store.Resource {
	c := &distconfig.Node{Name: "ResponseHeadersPolicyConfig", Nodes: []*distconfig.Node{leaf("Comment", comment), leaf("Name", name)}}
	for _, p := range parts {
		c.Append(p)
	}
	return managedResource("response-headers-policy", id, etag, c)
}

var managedResponseHeadersPolicies = sync.OnceValue(func() []*store.Resource {
	return []*store.Resource{
		managedResponseHeaders("60669652-455b-4ae9-85a4-c4c02393f86c", "E23ZP02F085DFT", "Managed-SimpleCORS",
			"Allows all origins for simple CORS requests", simpleCORS(false)),
		managedResponseHeaders("5cc3b908-e619-4b99-88e5-2cf7f45965bd", "E1ZY1SJ9XYNCBX", "Managed-CORS-With-Preflight",
			"Allows all origins for CORS requests, including preflight requests", simpleCORS(true)),
		managedResponseHeaders("67f7725c-6f97-4210-82d7-5512b31e9d03", "E2MPSO1QOY7YLA", "Managed-SecurityHeadersPolicy",
			"Adds a set of security headers to every response", securityHeaders()),
		managedResponseHeaders("e61eb60c-9c35-4d20-a928-2b84e02af89c", "E1R7K3Y0J6BGUH", "Managed-CORS-and-SecurityHeadersPolicy",
			"Allows all origins for simple CORS requests and adds security headers", simpleCORS(false), securityHeaders()),
		managedResponseHeaders("eaab4381-ed33-4a86-88ca-d9558dc6cd63", "E3GOB1YUPQG4J5", "Managed-CORS-with-preflight-and-SecurityHeadersPolicy",
			"Allows all origins for CORS requests, including preflight requests, and adds security headers", simpleCORS(true), securityHeaders()),
	}
})

// ManagedPolicies returns the configs of AWS's managed cache, origin
// request and response headers policies by ID (CachePolicyConfig,
// OriginRequestPolicyConfig, ResponseHeadersPolicyConfig trees), for the
// edge to honour. The trees are shared: callers must not change them.
func ManagedPolicies() map[string]*distconfig.Node {
	out := map[string]*distconfig.Node{}
	for _, k := range []*resourceKind{cachePolicies, originRequestPolicies, responseHeadersPolicies} {
		for _, m := range k.managedResources() {
			out[m.ID] = m.Config
		}
	}
	return out
}
