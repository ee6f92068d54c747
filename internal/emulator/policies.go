package emulator

import (
	"context"
	"strconv"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Cache, origin request and response headers policies (issue 15 item 2).
// IDs are UUIDs, as CloudFront's; AWS's managed policies (managed.go) are
// listed with Type=managed and cannot be changed or deleted.

// Per-policy limits, CloudFront's defaults (Quotas in the developer guide).
const (
	maxPolicyNames        = 10 // headers, cookies or query strings in a policy
	maxCustomHeaders      = 10 // in a response headers policy
	maxRemoveHeaders      = 10
	maxContentSecurityLen = 1783
)

var cachePolicies = &resourceKind{
	kind:      "cache-policy",
	elem:      "CachePolicy",
	newID:     newRequestID,
	timeField: "LastModifiedTime",
	typed:     true,
	noSuch:    "NoSuchCachePolicy",
	noSuchMsg: "The cache policy does not exist.",
	exists:    "CachePolicyAlreadyExists",
	existsMsg: "A cache policy with this name already exists. You must provide a unique name. To modify an existing cache policy, use UpdateCachePolicy.",
	inUseCode: "CachePolicyInUse",
	inUseMsg:  "Cannot delete the cache policy because it is attached to one or more cache behaviors.",
	check: func(_ context.Context, _ *Server, c *distconfig.Node, _ *store.Resource) *apiError {
		p := c.Child("ParametersInCacheKeyAndForwardedToOrigin")
		if p == nil {
			return errorf("InvalidArgument", "CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin is required.")
		}
		min, _ := strconv.ParseInt(c.Value("MinTTL"), 10, 64)
		def, max := defaultTTLs(c)
		if min < 0 || min > def || def > max {
			return errorf("InvalidArgument", "The TTLs must satisfy 0 <= MinTTL (%d) <= DefaultTTL (%d) <= MaxTTL (%d).", min, def, max)
		}
		for _, l := range []struct {
			path []string
			code string
		}{
			{[]string{"HeadersConfig", "Headers", "Items"}, "TooManyHeadersInCachePolicy"},
			{[]string{"CookiesConfig", "Cookies", "Items"}, "TooManyCookiesInCachePolicy"},
			{[]string{"QueryStringsConfig", "QueryStrings", "Items"}, "TooManyQueryStringsInCachePolicy"},
		} {
			if n := len(p.Find(l.path...).All("Name")); n > maxPolicyNames {
				return errorf(l.code, "The policy names %d, more than the limit of %d.", n, maxPolicyNames)
			}
		}
		return nil
	},
	defaults: func(c *distconfig.Node) {
		def, max := defaultTTLs(c)
		fillDefaults(c, memberOrder("CachePolicyConfig"), func(name string) *distconfig.Node {
			switch name {
			case "DefaultTTL":
				return leaf(name, strconv.FormatInt(def, 10))
			case "MaxTTL":
				return leaf(name, strconv.FormatInt(max, 10))
			}
			return nil
		})
	},
	inUse:   behaviorUses("CachePolicyId"),
	summary: typedSummary("CachePolicySummary"),
	managed: managedCachePolicies,
}

// defaultTTLs returns DefaultTTL and MaxTTL as sent or, when left out, as
// CloudFront sets them: a day (or MinTTL, if longer) and a year (or
// DefaultTTL, if longer).
func defaultTTLs(c *distconfig.Node) (def, max int64) {
	min, _ := strconv.ParseInt(c.Value("MinTTL"), 10, 64)
	def, max = 86400, 31536000
	if min > def {
		def = min
	}
	if c.Has("DefaultTTL") {
		def, _ = strconv.ParseInt(c.Value("DefaultTTL"), 10, 64)
	}
	if def > max {
		max = def
	}
	if c.Has("MaxTTL") {
		max, _ = strconv.ParseInt(c.Value("MaxTTL"), 10, 64)
	}
	return def, max
}

var originRequestPolicies = &resourceKind{
	kind:      "origin-request-policy",
	elem:      "OriginRequestPolicy",
	newID:     newRequestID,
	timeField: "LastModifiedTime",
	typed:     true,
	noSuch:    "NoSuchOriginRequestPolicy",
	noSuchMsg: "The origin request policy does not exist.",
	exists:    "OriginRequestPolicyAlreadyExists",
	existsMsg: "An origin request policy with this name already exists. You must provide a unique name. To modify an existing origin request policy, use UpdateOriginRequestPolicy.",
	inUseCode: "OriginRequestPolicyInUse",
	inUseMsg:  "Cannot delete the origin request policy because it is attached to one or more cache behaviors.",
	check: func(_ context.Context, _ *Server, c *distconfig.Node, _ *store.Resource) *apiError {
		for _, l := range []struct {
			path []string
			code string
		}{
			{[]string{"HeadersConfig", "Headers", "Items"}, "TooManyHeadersInOriginRequestPolicy"},
			{[]string{"CookiesConfig", "Cookies", "Items"}, "TooManyCookiesInOriginRequestPolicy"},
			{[]string{"QueryStringsConfig", "QueryStrings", "Items"}, "TooManyQueryStringsInOriginRequestPolicy"},
		} {
			if n := len(c.Find(l.path...).All("Name")); n > maxPolicyNames {
				return errorf(l.code, "The policy names %d, more than the limit of %d.", n, maxPolicyNames)
			}
		}
		return nil
	},
	inUse:   behaviorUses("OriginRequestPolicyId"),
	summary: typedSummary("OriginRequestPolicySummary"),
	managed: managedOriginRequestPolicies,
}

var responseHeadersPolicies = &resourceKind{
	kind:      "response-headers-policy",
	elem:      "ResponseHeadersPolicy",
	newID:     newRequestID,
	timeField: "LastModifiedTime",
	typed:     true,
	noSuch:    "NoSuchResponseHeadersPolicy",
	noSuchMsg: "The response headers policy does not exist.",
	exists:    "ResponseHeadersPolicyAlreadyExists",
	existsMsg: "A response headers policy with this name already exists. You must provide a unique name. To modify an existing response headers policy, use UpdateResponseHeadersPolicy.",
	inUseCode: "ResponseHeadersPolicyInUse",
	inUseMsg:  "Cannot delete the response headers policy because it is attached to one or more cache behaviors in a CloudFront distribution.",
	check: func(_ context.Context, _ *Server, c *distconfig.Node, _ *store.Resource) *apiError {
		if n := len(c.Find("CustomHeadersConfig", "Items").All("ResponseHeadersPolicyCustomHeader")); n > maxCustomHeaders {
			return errorf("TooManyCustomHeadersInResponseHeadersPolicy", "The policy has %d custom headers, more than the limit of %d.", n, maxCustomHeaders)
		}
		if n := len(c.Find("RemoveHeadersConfig", "Items").All("ResponseHeadersPolicyRemoveHeader")); n > maxRemoveHeaders {
			return errorf("TooManyRemoveHeadersInResponseHeadersPolicy", "The policy removes %d headers, more than the limit of %d.", n, maxRemoveHeaders)
		}
		if n := len(c.Value("SecurityHeadersConfig", "ContentSecurityPolicy", "ContentSecurityPolicy")); n > maxContentSecurityLen {
			return errorf("TooLongCSPInResponseHeadersPolicy", "The Content-Security-Policy is %d characters, more than the limit of %d.", n, maxContentSecurityLen)
		}
		return nil
	},
	inUse:   behaviorUses("ResponseHeadersPolicyId"),
	summary: typedSummary("ResponseHeadersPolicySummary"),
	managed: managedResponseHeadersPolicies,
}

// typedSummary builds a policy list entry: {Type, the policy}.
func typedSummary(name string) func(*store.Resource, *distconfig.Node, string) *distconfig.Node {
	return func(_ *store.Resource, wire *distconfig.Node, typ string) *distconfig.Node {
		return &distconfig.Node{Name: name, Nodes: []*distconfig.Node{leaf("Type", typ), wire}}
	}
}
