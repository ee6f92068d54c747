package edgecache

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// requestPolicy is an origin request policy: what the edge forwards to the
// origin beyond what the cache policy keys on. Values it adds do not enter
// the cache key.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html
type requestPolicy struct {
	headers, cookies, query             string // behaviours
	headerNames, cookieNames, queryKeys []string
}

// requestPolicyOf builds the policy from an OriginRequestPolicyConfig, or
// returns nil for nil or another element.
func requestPolicyOf(c *distconfig.Node) *requestPolicy {
	if c == nil || c.Name != "OriginRequestPolicyConfig" {
		return nil
	}
	names := func(path ...string) []string {
		var out []string
		for _, n := range c.Find(path...).All("Name") {
			out = append(out, strings.TrimSpace(n.Text))
		}
		return out
	}
	return &requestPolicy{
		headers:     c.Value("HeadersConfig", "HeaderBehavior"),
		cookies:     c.Value("CookiesConfig", "CookieBehavior"),
		query:       c.Value("QueryStringsConfig", "QueryStringBehavior"),
		headerNames: names("HeadersConfig", "Headers", "Items"),
		cookieNames: names("CookiesConfig", "Cookies", "Items"),
		queryKeys:   names("QueryStringsConfig", "QueryStrings", "Items"),
	}
}

// listed reports whether name is in names, ignoring case (header names).
func listed(names []string, name string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, name) })
}

// query returns the query string sent to the origin: keyQuery (what the
// cache policy keys on) plus what the policy adds, in the viewer's order.
func (p *requestPolicy) queryFor(rawQuery, keyQuery string) string {
	if p == nil || rawQuery == "" || p.query == "" || p.query == "none" {
		return keyQuery
	}
	inKey := map[string]bool{}
	for _, part := range strings.Split(keyQuery, "&") {
		inKey[part] = true
	}
	var kept []string
	for _, part := range strings.Split(rawQuery, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		switch {
		case inKey[part], p.query == "all",
			p.query == "whitelist" && slices.Contains(p.queryKeys, name),
			p.query == "allExcept" && !slices.Contains(p.queryKeys, name):
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, "&")
}

// apply adds to out, the origin request for viewer request r, the headers
// and cookies the policy forwards.
func (p *requestPolicy) apply(out, r *http.Request) {
	if p == nil {
		return
	}
	for k, v := range r.Header {
		if k == "Cookie" || slices.Contains(hopHeaders, k) {
			continue
		}
		fwd := false
		switch p.headers {
		case "whitelist":
			fwd = listed(p.headerNames, k)
		case "allViewer", "allViewerAndWhitelistCloudFront":
			fwd = true
		case "allExcept":
			fwd = !listed(p.headerNames, k)
		}
		if fwd && len(out.Header.Values(k)) == 0 {
			out.Header[k] = v
		}
	}
	switch {
	case p.headers == "allViewer" || p.headers == "allViewerAndWhitelistCloudFront",
		p.headers == "allExcept" && !listed(p.headerNames, "Host"),
		p.headers == "whitelist" && listed(p.headerNames, "Host"):
		out.Host = r.Host
	}
	have := map[string]bool{}
	for _, c := range out.Cookies() {
		have[c.Name] = true
	}
	for _, c := range r.Cookies() {
		if have[c.Name] {
			continue
		}
		switch {
		case p.cookies == "all",
			p.cookies == "whitelist" && slices.Contains(p.cookieNames, c.Name),
			p.cookies == "allExcept" && !slices.Contains(p.cookieNames, c.Name):
			out.AddCookie(c)
		}
	}
}
