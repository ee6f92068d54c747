package edgecache

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// cachePolicy is what a cache behaviour decides about caching: TTL bounds
// and what goes into the cache key. It is built either from a managed
// cache policy or from the legacy ForwardedValues/MinTTL/DefaultTTL/MaxTTL
// fields.
type cachePolicy struct {
	name               string
	min, def, max      int64 // seconds
	queryAll           bool
	queryKeys          []string // when not empty, only these parameters
	headers            []string // canonical names in the cache key
	allHeaders         bool
	cookies            string   // "none", "all", "whitelist" or "allExcept"
	cookieNames        []string // whitelist: the names kept; allExcept: those left out
	queryExcept        []string // query parameters left out of an "allExcept" key
	gzip               bool
	forwardQueryOrigin bool // the whole query string goes to the origin
	// errorResponses are the distribution's CustomErrorResponses: their
	// ErrorCachingMinTTL, where set, replaces CloudFront's default of 10 s.
	errorResponses map[int]distconfig.ErrorResponse
}

// Managed cache policies, by ID, with the settings AWS publishes:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
// Brotli is accepted by several of them; this proxy compresses with gzip
// only, so "gzip" is all that is recorded.
var managedPolicies = map[string]cachePolicy{
	"658327ea-f89d-4fab-a63d-7e88639e58f6": {name: "CachingOptimized", min: 1, def: 86400, max: 31536000, cookies: "none", gzip: true},
	"b2884449-e4de-46a7-ac36-70bc7f1ddd6d": {name: "CachingOptimizedForUncompressedObjects", min: 1, def: 86400, max: 31536000, cookies: "none"},
	"4135ea2d-6df8-44a3-9df3-4b5a84be39ad": {name: "CachingDisabled", cookies: "none"},
	"83da9c7e-98b4-4e11-a168-04f0df8e2c65": {name: "UseOriginCacheControlHeaders", min: 0, def: 0, max: 31536000, cookies: "all", gzip: true,
		headers: []string{"Host", "Origin", "X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}},
	"4cc15a8a-d715-48a4-82b8-cc0b614638fe": {name: "UseOriginCacheControlHeaders-QueryStrings", min: 0, def: 0, max: 31536000, cookies: "all", gzip: true, queryAll: true, forwardQueryOrigin: true,
		headers: []string{"Host", "Origin", "X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}},
	"2e54312d-136d-493c-8eb9-b001f22f67d2": {name: "Amplify", min: 2, def: 2, max: 31536000, cookies: "all", gzip: true, queryAll: true, forwardQueryOrigin: true,
		headers: []string{"Authorization", "Cloudfront-Viewer-Country", "Host"}},
	"08627262-05a9-4f76-9ded-b50ca2e3a84f": {name: "Elemental-MediaPackage", min: 0, def: 86400, max: 31536000, cookies: "none", gzip: true,
		queryKeys: []string{"aws.manifestfilter", "start", "end", "m"}, headers: []string{"Origin"}},
}

// policyFor returns the cache policy of behaviour b: a managed policy the
// edge knows, else the CachePolicyConfig in policies (the distribution's
// custom policies). A CachePolicyId found in neither falls back to
// CloudFront's legacy defaults, which is reported with known=false.
func policyFor(b distconfig.Behavior, policies map[string]*distconfig.Node) (p cachePolicy, known bool) {
	if b.CachePolicyID != "" {
		if mp, ok := managedPolicies[b.CachePolicyID]; ok {
			if !b.Compress {
				mp.gzip = false
			}
			return mp, true
		}
		if c := policies[b.CachePolicyID]; c != nil && c.Name == "CachePolicyConfig" {
			return customPolicy(b.CachePolicyID, c, b.Compress), true
		}
		return cachePolicy{name: "custom:" + b.CachePolicyID, def: 86400, max: 31536000, cookies: "none", gzip: b.Compress}, false
	}
	p = cachePolicy{
		name: "legacy", min: b.MinTTL, def: b.DefaultTTL, max: b.MaxTTL,
		queryAll:           b.ForwardQueryString && len(b.QueryStringCacheKeys) == 0,
		forwardQueryOrigin: b.ForwardQueryString,
		cookies:            b.ForwardCookies,
		cookieNames:        b.CookieNames,
		gzip:               b.Compress,
	}
	if b.ForwardQueryString {
		p.queryKeys = b.QueryStringCacheKeys
	}
	for _, h := range b.ForwardHeaders {
		if h == "*" {
			p.allHeaders = true
			continue
		}
		p.headers = append(p.headers, http.CanonicalHeaderKey(h))
	}
	return p, true
}

// keyQuery returns the query string that is part of the cache key.
func (p cachePolicy) keyQuery(rawQuery string) string {
	switch {
	case rawQuery == "":
		return ""
	case p.queryAll && len(p.queryExcept) == 0:
		return rawQuery
	case p.queryAll:
		var kept []string
		for _, part := range strings.Split(rawQuery, "&") {
			name, _, _ := strings.Cut(part, "=")
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			if !slices.Contains(p.queryExcept, name) {
				kept = append(kept, part)
			}
		}
		return strings.Join(kept, "&")
	case len(p.queryKeys) > 0:
		var kept []string
		for _, part := range strings.Split(rawQuery, "&") {
			name, _, _ := strings.Cut(part, "=")
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			for _, k := range p.queryKeys {
				if k == name {
					kept = append(kept, part)
					break
				}
			}
		}
		return strings.Join(kept, "&")
	}
	return ""
}

// originQuery returns the query string sent to the origin.
func (p cachePolicy) originQuery(rawQuery string) string {
	if p.forwardQueryOrigin {
		return rawQuery
	}
	return p.keyQuery(rawQuery)
}

// variant returns the part of the cache key made of headers and cookies:
// objects that differ only in it are variants of one path, and an
// invalidation of the path removes them all.
func (p cachePolicy) variant(r *http.Request) string {
	var b strings.Builder
	for _, h := range p.headers {
		v := r.Header.Values(h)
		if h == "Host" {
			v = []string{r.Host}
		}
		b.WriteString(h)
		b.WriteByte('=')
		b.WriteString(strings.Join(v, ","))
		b.WriteByte('\n')
	}
	switch p.cookies {
	case "all":
		b.WriteString("Cookie=")
		b.WriteString(strings.Join(r.Header.Values("Cookie"), "; "))
	case "whitelist":
		for _, name := range p.cookieNames {
			if c, err := r.Cookie(name); err == nil {
				b.WriteString(name + "=" + c.Value + ";")
			}
		}
	case "allExcept":
		for _, c := range p.keptCookies(r) {
			b.WriteString(c.Name + "=" + c.Value + ";")
		}
	}
	return b.String()
}

// cacheableStatus lists the statuses cached under the TTL rules, and
// errorStatus the error statuses CloudFront caches for the error caching
// minimum TTL (10 s by default).
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPStatusCodes.html
var (
	cacheableStatus = map[int]bool{200: true, 203: true, 204: true, 300: true, 301: true, 410: true}
	errorStatus     = map[int]bool{400: true, 403: true, 404: true, 405: true, 414: true, 416: true, 500: true, 501: true, 502: true, 503: true, 504: true}
)

// uncachedWhenTold lists the error statuses that Cache-Control no-store,
// no-cache or private keep out of the cache; for other errors CloudFront
// ignores those directives.
var uncachedWhenTold = map[int]bool{404: true, 410: true, 414: true, 501: true}

// errorCachingTTL is CloudFront's default error caching minimum TTL.
const errorCachingTTL = 10 * time.Second

// ttlFor decides how long a response stays fresh, following CloudFront's
// expiration rules:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html
//
//   - Cache-Control no-store, no-cache or private: not cached when MinTTL
//     is 0, else cached for MinTTL;
//   - s-maxage, else max-age, else Expires (relative to the origin's
//     Date, else now): clamped to [MinTTL, MaxTTL];
//   - none of them: DefaultTTL, clamped the same way.
//
// store is false when the response must not be kept at all.
func (p cachePolicy) ttlFor(status int, h http.Header, now time.Time) (ttl time.Duration, store bool) {
	if p.max == 0 || p.allHeaders {
		return 0, false
	}
	cc := parseCacheControl(h.Values("Cache-Control"))
	if errorStatus[status] {
		// CloudFront's rules for errors: no-store, no-cache and private
		// keep 404, 410, 414 and 501 out of the cache and are ignored for the
		// others; max-age/s-maxage (at most MaxTTL) counts when greater
		// than the error caching minimum TTL (10 s unless configured).
		// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/custom-error-pages-expiration.html
		if (cc.noStore || cc.noCache || cc.private) && uncachedWhenTold[status] {
			return 0, false
		}
		ttl := errorCachingTTL
		if er, ok := p.errorResponses[status]; ok && er.MinTTL >= 0 {
			ttl = time.Duration(er.MinTTL) * time.Second
		}
		if s, ok := cc.seconds(); ok {
			ttl = max(ttl, time.Duration(min(s, p.max))*time.Second)
		}
		return ttl, ttl > 0
	}
	if !cacheableStatus[status] {
		return 0, false
	}
	if cc.noStore || cc.noCache || cc.private {
		if p.min > 0 {
			return time.Duration(p.min) * time.Second, true
		}
		return 0, false
	}
	secs := p.def
	if s, ok := cc.seconds(); ok {
		secs = s
	} else if exp := h.Get("Expires"); exp != "" {
		base := now
		if d, err := http.ParseTime(h.Get("Date")); err == nil {
			base = d
		}
		secs = 0 // an invalid Expires means "already expired" (RFC 9111 §5.3)
		if t, err := http.ParseTime(exp); err == nil {
			secs = int64(t.Sub(base) / time.Second)
		}
	}
	secs = max(p.min, min(secs, p.max))
	return time.Duration(secs) * time.Second, true
}

type cacheControl struct {
	noStore, noCache, private bool
	maxAge, sMaxAge           int64
	hasMaxAge, hasSMaxAge     bool
}

// seconds returns s-maxage, else max-age.
func (c cacheControl) seconds() (int64, bool) {
	switch {
	case c.hasSMaxAge:
		return c.sMaxAge, true
	case c.hasMaxAge:
		return c.maxAge, true
	}
	return 0, false
}

func parseCacheControl(values []string) cacheControl {
	var c cacheControl
	for _, v := range values {
		for _, d := range strings.Split(v, ",") {
			name, arg, _ := strings.Cut(strings.TrimSpace(d), "=")
			arg = strings.Trim(strings.TrimSpace(arg), `"`)
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store":
				c.noStore = true
			case "no-cache":
				c.noCache = true
			case "private":
				c.private = true
			case "max-age":
				if n, err := strconv.ParseInt(arg, 10, 64); err == nil && n >= 0 {
					c.maxAge, c.hasMaxAge = n, true
				}
			case "s-maxage":
				if n, err := strconv.ParseInt(arg, 10, 64); err == nil && n >= 0 {
					c.sMaxAge, c.hasSMaxAge = n, true
				}
			}
		}
	}
	return c
}

// parseTags reads the cache tags of a response from the header named by
// CacheTagConfig: a comma-separated list, compared case-insensitively, of
// which CloudFront reads at most 50.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-by-tags.html
func parseTags(h http.Header, name string) []string {
	if name == "" {
		return nil
	}
	var tags []string
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t == "" {
				continue
			}
			if len(tags) == maxTags {
				return tags
			}
			tags = append(tags, tagKey(t))
		}
	}
	return tags
}

const maxTags = 50

// customPolicy builds the cachePolicy of a custom CachePolicyConfig c
// (validated by the emulator against the model): its TTLs, and the
// headers, cookies and query strings it puts in the cache key, which the
// edge also forwards to the origin, as CloudFront does.
func customPolicy(id string, c *distconfig.Node, compress bool) cachePolicy {
	num := func(name string, def int64) int64 {
		if v, err := strconv.ParseInt(strings.TrimSpace(c.Value(name)), 10, 64); err == nil {
			return v
		}
		return def
	}
	params := c.Child("ParametersInCacheKeyAndForwardedToOrigin")
	names := func(path ...string) []string {
		var out []string
		for _, n := range params.Find(path...).All("Name") {
			out = append(out, strings.TrimSpace(n.Text))
		}
		return out
	}
	p := cachePolicy{
		name: "custom:" + id, min: num("MinTTL", 0), def: num("DefaultTTL", 86400), max: num("MaxTTL", 31536000),
		cookies: "none",
		gzip:    compress && params.Value("EnableAcceptEncodingGzip") == "true",
	}
	if params.Value("HeadersConfig", "HeaderBehavior") == "whitelist" {
		for _, h := range names("HeadersConfig", "Headers", "Items") {
			p.headers = append(p.headers, http.CanonicalHeaderKey(h))
		}
	}
	switch cb := params.Value("CookiesConfig", "CookieBehavior"); cb {
	case "all", "whitelist", "allExcept":
		p.cookies = cb
		p.cookieNames = names("CookiesConfig", "Cookies", "Items")
	}
	switch params.Value("QueryStringsConfig", "QueryStringBehavior") {
	case "all":
		p.queryAll = true
	case "allExcept":
		p.queryAll = true
		p.queryExcept = names("QueryStringsConfig", "QueryStrings", "Items")
	case "whitelist":
		p.queryKeys = names("QueryStringsConfig", "QueryStrings", "Items")
		if len(p.queryKeys) == 0 {
			p.queryKeys = nil
		}
	}
	return p
}

// keptCookies returns the viewer's cookies an "allExcept" policy keeps.
func (p cachePolicy) keptCookies(r *http.Request) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range r.Cookies() {
		if !slices.Contains(p.cookieNames, c.Name) {
			out = append(out, c)
		}
	}
	return out
}
