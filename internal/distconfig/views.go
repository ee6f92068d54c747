package distconfig

import (
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/cfpath"
)

// Config is a read-only typed view of a DistributionConfig element tree.
// It reads the fields the edge cache acts on; every accessor tolerates
// missing or malformed elements and then returns CloudFront's default.
// Element names are those of the botocore model (service-2.json,
// shape DistributionConfig).
type Config struct{ root *Node }

// View returns the typed view of root, a DistributionConfig element (or
// nil, which reads as an empty config).
func View(root *Node) Config { return Config{root: root} }

// Node returns the element tree behind the view.
func (c Config) Node() *Node { return c.root }

// Enabled reports whether the distribution accepts viewer requests.
func (c Config) Enabled() bool { return parseBool(c.root.Value("Enabled")) }

// Comment returns the distribution's comment.
func (c Config) Comment() string { return c.root.Value("Comment") }

// Aliases returns the alternate domain names (CNAMEs), as written.
func (c Config) Aliases() []string { return texts(c.root.Find("Aliases", "Items"), "CNAME") }

// DefaultRootObject returns the object served for a request for "/", or "".
func (c Config) DefaultRootObject() string { return c.root.Value("DefaultRootObject") }

// CacheTagHeader returns the header CloudFront reads cache tags from
// (CacheTagConfig/HeaderName), or "" when tag invalidation is off.
func (c Config) CacheTagHeader() string { return c.root.Value("CacheTagConfig", "HeaderName") }

// Origin is one entry of Origins.
type Origin struct {
	ID         string
	DomainName string
	OriginPath string
	// HTTPPort and HTTPSPort come from CustomOriginConfig; they default to
	// 80 and 443.
	HTTPPort  int
	HTTPSPort int
	// ProtocolPolicy is CustomOriginConfig/OriginProtocolPolicy:
	// "http-only", "https-only" or "match-viewer". S3 REST origins
	// (no CustomOriginConfig) report "match-viewer", as CloudFront uses the
	// viewer's protocol for them.
	ProtocolPolicy string
	// S3 reports whether DomainName is an Amazon S3 endpoint (REST or
	// website); see S3Bucket.
	S3 bool
	// CustomHeaders are the OriginCustomHeader pairs CloudFront adds to
	// every origin request, in order.
	CustomHeaders [][2]string
}

// Origins returns every origin, in order.
func (c Config) Origins() []Origin {
	var out []Origin
	for _, n := range c.root.Find("Origins", "Items").All("Origin") {
		o := Origin{
			ID:             n.Value("Id"),
			DomainName:     n.Value("DomainName"),
			OriginPath:     n.Value("OriginPath"),
			HTTPPort:       parseInt(n.Value("CustomOriginConfig", "HTTPPort"), 80),
			HTTPSPort:      parseInt(n.Value("CustomOriginConfig", "HTTPSPort"), 443),
			ProtocolPolicy: n.Value("CustomOriginConfig", "OriginProtocolPolicy"),
		}
		if o.ProtocolPolicy == "" {
			o.ProtocolPolicy = "match-viewer"
		}
		_, o.S3 = S3Bucket(o.DomainName)
		for _, h := range n.Find("CustomHeaders", "Items").All("OriginCustomHeader") {
			o.CustomHeaders = append(o.CustomHeaders, [2]string{h.Value("HeaderName"), h.Value("HeaderValue")})
		}
		out = append(out, o)
	}
	return out
}

// Origin returns the origin with the given Id.
func (c Config) Origin(id string) (Origin, bool) {
	for _, o := range c.Origins() {
		if o.ID == id {
			return o, true
		}
	}
	return Origin{}, false
}

// S3Bucket returns the bucket name when domain is an Amazon S3 endpoint:
// BUCKET.s3.amazonaws.com, BUCKET.s3.REGION.amazonaws.com,
// BUCKET.s3-REGION.amazonaws.com, BUCKET.s3-website-REGION.amazonaws.com or
// BUCKET.s3-website.REGION.amazonaws.com (".com.cn" too). The comparison
// ignores case; the bucket is returned as written.
func S3Bucket(domain string) (string, bool) {
	d := strings.TrimSuffix(domain, ".")
	lower := strings.ToLower(d)
	var rest string
	switch {
	case strings.HasSuffix(lower, ".amazonaws.com"):
		rest = lower[:len(lower)-len(".amazonaws.com")]
	case strings.HasSuffix(lower, ".amazonaws.com.cn"):
		rest = lower[:len(lower)-len(".amazonaws.com.cn")]
	default:
		return "", false
	}
	// rest is BUCKET.<endpoint>, where the endpoint label starts with
	// "s3"; buckets may contain dots, so look for the last such label.
	labels := strings.Split(rest, ".")
	for i := len(labels) - 1; i >= 1; i-- {
		l := labels[i]
		if l == "s3" || strings.HasPrefix(l, "s3-") {
			bucket := strings.Join(strings.Split(d, ".")[:i], ".")
			if bucket == "" {
				return "", false
			}
			return bucket, true
		}
	}
	return "", false
}

// ErrorResponse is one CustomErrorResponse: what the edge does when the
// origin answers ErrorCode.
type ErrorResponse struct {
	ErrorCode int
	// ResponsePagePath is the object served instead of the origin's error
	// body; empty when only the caching time is customised.
	ResponsePagePath string
	// ResponseCode is the status sent with that page; 0 keeps ErrorCode.
	ResponseCode int
	// MinTTL is ErrorCachingMinTTL in seconds, or -1 when absent (then
	// CloudFront's default of 10 s applies).
	MinTTL int64
}

// CustomErrorResponses returns the CustomErrorResponses, keyed by
// ErrorCode; items with no valid ErrorCode are left out.
func (c Config) CustomErrorResponses() map[int]ErrorResponse {
	out := map[int]ErrorResponse{}
	for _, n := range c.root.Find("CustomErrorResponses", "Items").All("CustomErrorResponse") {
		code := parseInt(strings.TrimSpace(n.Value("ErrorCode")), 0)
		if code < 400 || code > 599 {
			continue
		}
		out[code] = ErrorResponse{
			ErrorCode:        code,
			ResponsePagePath: strings.TrimSpace(n.Value("ResponsePagePath")),
			ResponseCode:     parseInt(strings.TrimSpace(n.Value("ResponseCode")), 0),
			MinTTL:           parseInt64(strings.TrimSpace(n.Value("ErrorCachingMinTTL")), -1),
		}
	}
	return out
}

// Behavior is the DefaultCacheBehavior or one CacheBehavior.
type Behavior struct {
	// PathPattern is "*" for the default behaviour.
	PathPattern          string
	TargetOriginID       string
	ViewerProtocolPolicy string
	// AllowedMethods and CachedMethods default to GET and HEAD.
	AllowedMethods []string
	CachedMethods  []string
	Compress       bool
	// CachePolicyID is set when the behaviour uses a cache policy; then
	// the legacy fields below are not used by CloudFront.
	CachePolicyID string
	// ResponseHeadersPolicyID names the response headers policy whose
	// headers the edge adds to responses; empty for none.
	ResponseHeadersPolicyID string
	// OriginRequestPolicyID names the origin request policy that decides
	// what else is forwarded to the origin; empty for none.
	OriginRequestPolicyID string
	// Legacy is true when the behaviour carries ForwardedValues and so
	// takes its TTLs and cache key from the fields below.
	Legacy bool
	// MinTTL, DefaultTTL and MaxTTL are in seconds; when absent they
	// default to 0, 86400 and 31536000 as CloudFront documents.
	MinTTL, DefaultTTL, MaxTTL int64
	// ForwardQueryString is ForwardedValues/QueryString;
	// QueryStringCacheKeys, when not empty, limits the cache key to the
	// named parameters.
	ForwardQueryString   bool
	QueryStringCacheKeys []string
	// ForwardHeaders are ForwardedValues/Headers names ("*" for all).
	ForwardHeaders []string
	// ForwardCookies is ForwardedValues/Cookies/Forward: "none", "all" or
	// "whitelist"; CookieNames lists the whitelisted names.
	ForwardCookies string
	CookieNames    []string
	// FunctionAssociations are the CloudFront Functions of the
	// behaviour: FunctionARN by EventType ("viewer-request",
	// "viewer-response").
	FunctionAssociations map[string]string
}

// DefaultCacheBehavior returns the behaviour for paths no CacheBehavior
// matches.
func (c Config) DefaultCacheBehavior() Behavior {
	b := behavior(c.root.Child("DefaultCacheBehavior"))
	b.PathPattern = "*"
	return b
}

// CacheBehaviors returns the ordered CacheBehaviors.
func (c Config) CacheBehaviors() []Behavior {
	var out []Behavior
	for _, n := range c.root.Find("CacheBehaviors", "Items").All("CacheBehavior") {
		out = append(out, behavior(n))
	}
	return out
}

// BehaviorFor returns the behaviour that serves path: the first
// CacheBehavior whose PathPattern matches, else the default one.
func (c Config) BehaviorFor(path string) Behavior {
	for _, b := range c.CacheBehaviors() {
		if b.Matches(path) {
			return b
		}
	}
	return c.DefaultCacheBehavior()
}

func behavior(n *Node) Behavior {
	b := Behavior{
		PathPattern:             n.Value("PathPattern"),
		TargetOriginID:          n.Value("TargetOriginId"),
		ViewerProtocolPolicy:    n.Value("ViewerProtocolPolicy"),
		AllowedMethods:          texts(n.Find("AllowedMethods", "Items"), "Method"),
		CachedMethods:           texts(n.Find("AllowedMethods", "CachedMethods", "Items"), "Method"),
		Compress:                parseBool(n.Value("Compress")),
		CachePolicyID:           n.Value("CachePolicyId"),
		ResponseHeadersPolicyID: n.Value("ResponseHeadersPolicyId"),
		OriginRequestPolicyID:   n.Value("OriginRequestPolicyId"),
		Legacy:                  n.Has("ForwardedValues"),
		MinTTL:                  parseInt64(n.Value("MinTTL"), 0),
		DefaultTTL:              parseInt64(n.Value("DefaultTTL"), 86400),
		MaxTTL:                  parseInt64(n.Value("MaxTTL"), 31536000),
		ForwardQueryString:      parseBool(n.Value("ForwardedValues", "QueryString")),
		QueryStringCacheKeys:    texts(n.Find("ForwardedValues", "QueryStringCacheKeys", "Items"), "Name"),
		ForwardHeaders:          texts(n.Find("ForwardedValues", "Headers", "Items"), "Name"),
		ForwardCookies:          n.Value("ForwardedValues", "Cookies", "Forward"),
		CookieNames:             texts(n.Find("ForwardedValues", "Cookies", "WhitelistedNames", "Items"), "Name"),
	}
	for _, a := range n.Find("FunctionAssociations", "Items").All("FunctionAssociation") {
		if b.FunctionAssociations == nil {
			b.FunctionAssociations = map[string]string{}
		}
		b.FunctionAssociations[a.Value("EventType")] = a.Value("FunctionARN")
	}
	if len(b.AllowedMethods) == 0 {
		b.AllowedMethods = []string{"HEAD", "GET"}
	}
	if len(b.CachedMethods) == 0 {
		b.CachedMethods = []string{"HEAD", "GET"}
	}
	if b.ForwardCookies == "" {
		b.ForwardCookies = "none"
	}
	return b
}

// Matches reports whether the behaviour's PathPattern matches path.
func (b Behavior) Matches(path string) bool { return cfpath.MatchPathPattern(b.PathPattern, path) }

func texts(items *Node, name string) []string {
	var out []string
	for _, n := range items.All(name) {
		out = append(out, strings.TrimSpace(n.Text))
	}
	return out
}

func parseBool(s string) bool { return s == "true" || s == "1" }

func parseInt(s string, def int) int {
	v, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return v
}

func parseInt64(s string, def int64) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return def
	}
	return v
}
