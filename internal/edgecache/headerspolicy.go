package edgecache

import (
	"net/http"
	"slices"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// headersPolicy is a response headers policy as the edge applies it to
// every response of the behaviour, hit or miss: CORS headers for CORS
// requests, the security headers, custom headers, and headers removed.
// Each added header with Override false leaves an origin's own header of
// that name as it is.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html
type headersPolicy struct {
	cors   *corsConfig
	set    []policyHeader // security and custom headers
	remove []string
}

type policyHeader struct {
	name, value string
	override    bool
}

type corsConfig struct {
	origins, headers, methods, expose []string
	credentials, override             bool
	maxAge                            string
}

// allMethods is what AccessControlAllowMethods ALL allows.
var allMethods = []string{"GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH", "HEAD"}

// headersPolicyOf builds the policy from a ResponseHeadersPolicyConfig, or
// returns nil for nil or another element.
func headersPolicyOf(c *distconfig.Node) *headersPolicy {
	if c == nil || c.Name != "ResponseHeadersPolicyConfig" {
		return nil
	}
	items := func(n *distconfig.Node, item string) []string {
		var out []string
		for _, i := range n.Find("Items").All(item) {
			out = append(out, strings.TrimSpace(i.Text))
		}
		return out
	}
	p := &headersPolicy{}
	if cc := c.Child("CorsConfig"); cc != nil {
		p.cors = &corsConfig{
			origins:     items(cc.Child("AccessControlAllowOrigins"), "Origin"),
			headers:     items(cc.Child("AccessControlAllowHeaders"), "Header"),
			methods:     items(cc.Child("AccessControlAllowMethods"), "Method"),
			expose:      items(cc.Child("AccessControlExposeHeaders"), "Header"),
			credentials: cc.Value("AccessControlAllowCredentials") == "true",
			override:    cc.Value("OriginOverride") == "true",
			maxAge:      cc.Value("AccessControlMaxAgeSec"),
		}
		if slices.Contains(p.cors.methods, "ALL") {
			p.cors.methods = allMethods
		}
	}
	if sc := c.Child("SecurityHeadersConfig"); sc != nil {
		add := func(elem, name, value string) {
			if n := sc.Child(elem); n != nil && value != "" {
				p.set = append(p.set, policyHeader{name, value, n.Value("Override") == "true"})
			}
		}
		if x := sc.Child("XSSProtection"); x != nil {
			v := "0"
			if x.Value("Protection") == "true" {
				v = "1"
				if x.Value("ModeBlock") == "true" {
					v += "; mode=block"
				} else if u := x.Value("ReportUri"); u != "" {
					v += "; report=" + u
				}
			}
			add("XSSProtection", "X-XSS-Protection", v)
		}
		add("FrameOptions", "X-Frame-Options", sc.Value("FrameOptions", "FrameOption"))
		add("ReferrerPolicy", "Referrer-Policy", sc.Value("ReferrerPolicy", "ReferrerPolicy"))
		add("ContentSecurityPolicy", "Content-Security-Policy", sc.Value("ContentSecurityPolicy", "ContentSecurityPolicy"))
		add("ContentTypeOptions", "X-Content-Type-Options", "nosniff")
		if st := sc.Child("StrictTransportSecurity"); st != nil {
			v := "max-age=" + strings.TrimSpace(st.Value("AccessControlMaxAgeSec"))
			if st.Value("IncludeSubdomains") == "true" {
				v += "; includeSubDomains"
			}
			if st.Value("Preload") == "true" {
				v += "; preload"
			}
			add("StrictTransportSecurity", "Strict-Transport-Security", v)
		}
	}
	for _, h := range c.Find("CustomHeadersConfig", "Items").All("ResponseHeadersPolicyCustomHeader") {
		p.set = append(p.set, policyHeader{strings.TrimSpace(h.Value("Header")), h.Value("Value"), h.Value("Override") == "true"})
	}
	for _, h := range c.Find("RemoveHeadersConfig", "Items").All("ResponseHeadersPolicyRemoveHeader") {
		p.remove = append(p.remove, strings.TrimSpace(h.Value("Header")))
	}
	return p
}

// apply adds and removes the policy's headers in h, the response to r. A
// nil policy does nothing.
func (p *headersPolicy) apply(h http.Header, r *http.Request) {
	if p == nil {
		return
	}
	for _, name := range p.remove {
		h.Del(name)
	}
	put := func(name, value string, override bool) {
		if override || len(h.Values(name)) == 0 {
			h.Set(name, value)
		}
	}
	for _, s := range p.set {
		put(s.name, s.value, s.override)
	}
	c := p.cors
	origin := r.Header.Get("Origin")
	if c == nil || origin == "" {
		return // not a CORS request
	}
	allowed := ""
	switch {
	case slices.Contains(c.origins, "*") && !c.credentials:
		allowed = "*"
	case slices.Contains(c.origins, "*") || slices.Contains(c.origins, origin):
		allowed = origin
	default:
		return
	}
	put("Access-Control-Allow-Origin", allowed, c.override)
	if c.credentials {
		put("Access-Control-Allow-Credentials", "true", c.override)
	}
	if len(c.expose) > 0 {
		put("Access-Control-Expose-Headers", strings.Join(c.expose, ", "), c.override)
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		put("Access-Control-Allow-Methods", strings.Join(c.methods, ", "), c.override)
		if len(c.headers) > 0 {
			put("Access-Control-Allow-Headers", strings.Join(c.headers, ", "), c.override)
		}
		if c.maxAge != "" {
			put("Access-Control-Max-Age", strings.TrimSpace(c.maxAge), c.override)
		}
	}
	if allowed != "*" && !slices.Contains(h.Values("Vary"), "Origin") {
		// Clip: the slice may be shared with a cached object's header.
		h["Vary"] = append(slices.Clip(h["Vary"]), "Origin")
	}
}
