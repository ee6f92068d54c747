package edgecache

import (
	"crypto/tls"
	"net/http"
	"sync"

	"github.com/cfinv/cfinv/internal/cffunc"
	"github.com/cfinv/cfinv/internal/distconfig"
)

// route is what serving through one cache behaviour of a resolved
// distribution needs and what does not depend on the request: the cache
// policy, the response headers and origin request policies, and the origin
// target for each viewer scheme. Routes are built once per host table (so
// once per ConfigRefresh), not once per request: a hit then parses no
// policy tree and builds no origin URL.
type route struct {
	b       distconfig.Behavior
	pol     cachePolicy
	known   bool // the cache policy is managed, custom and present, or legacy
	headers *headersPolicy
	forward *requestPolicy
	// targets by viewer scheme (0 http, 1 https: only match-viewer
	// origins differ), with the error that made the origin unusable.
	targets [2]originTarget
	errs    [2]error
	found   bool // the behaviour's TargetOriginID names an origin
	// The behaviour's CloudFront Functions (functions.go), compiled;
	// fnErr, when set, fails every request with a 503.
	viewerRequest, viewerResponse *cffunc.Function
	fnErr                         error
	// The key value stores each function reads.
	requestKVS, responseKVS []*cffunc.KeyValueStore
}

// routeSet holds a resolved distribution's routes, built on first use:
// one per entry of behaviors, then the default behaviour's.
type routeSet struct {
	once   sync.Once
	routes []route
}

// routeFor returns the route of the behaviour that serves escaped path p.
func (p *Proxy) routeFor(d *resolved, path string) *route {
	d.routes.once.Do(func() {
		rs := make([]route, 0, len(d.behaviors)+1)
		for _, b := range append(append([]distconfig.Behavior(nil), d.behaviors...), d.def) {
			rs = append(rs, p.newRoute(d, b))
		}
		d.routes.routes = rs
	})
	for i := range d.behaviors {
		if d.behaviors[i].Matches(path) {
			return &d.routes.routes[i]
		}
	}
	return &d.routes.routes[len(d.behaviors)]
}

func (p *Proxy) newRoute(d *resolved, b distconfig.Behavior) route {
	rt := route{b: b}
	rt.pol, rt.known = policyFor(b, d.policies)
	rt.pol.errorResponses = d.errorResponses
	rt.headers = headersPolicyOf(d.policies[b.ResponseHeadersPolicyID])
	rt.forward = requestPolicyOf(d.policies[b.OriginRequestPolicyID])
	p.routeFunctions(d, &rt)
	o, ok := d.origins[b.TargetOriginID]
	if !ok {
		return rt
	}
	rt.found = true
	for i, r := range [2]*http.Request{{}, {TLS: tlsMarker}} {
		rt.targets[i], rt.errs[i] = p.target(r, o)
	}
	return rt
}

// target returns the origin target for a viewer request r.
func (rt *route) target(r *http.Request) (originTarget, error) {
	if r.TLS != nil {
		return rt.targets[1], rt.errs[1]
	}
	return rt.targets[0], rt.errs[0]
}

// tlsMarker stands for any TLS viewer connection when routes resolve
// match-viewer origins: target reads only whether r.TLS is set.
var tlsMarker = &tls.ConnectionState{}
