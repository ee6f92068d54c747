package plan

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/internal/cffunc"
)

// DefaultFunctionRuns is the number of function runs a Mapper may spend
// when Mapper.FunctionRuns is zero: two per URL (see Function), so the
// URLs of about 3,300 pages in their three index forms. A run of the
// classic index rewrite takes 0.1–0.4 ms, so the budget is a few seconds
// at most.
const DefaultFunctionRuns = 20_000

// Function is the CloudFront Function a cache behaviour runs on
// viewer-request, as the planner needs it: its name, from the
// distribution's FunctionAssociations (DistributionRoutes), and the
// runtime and code of its LIVE stage, fetched by the caller
// (LoadFunctions).
//
// A viewer-request function runs before CloudFront makes the cache key,
// so the URI it returns is the URL an object is cached under, and the
// path an invalidation must name: with the classic index rewrite, /about/
// and /about are both cached as /about/index.html. The Mapper learns that
// by running the code (with internal/cffunc, the engine of cfinv serve's
// edge and TestFunction) on the viewer-request event of each URL a key is
// requested under. Its effect on a URL is known when, run twice with
// different viewers (headers, cookies, query string, client address,
// host), it returns a request both times, with the same URI and no
// query-string parameter the viewer did not send; the URL is then purged
// as that URI. Anything else on any URL makes the function unknown for
// the whole Input (Mapper.Input maps again the URLs mapped before it was
// found; URLs maps later ones without it): it throws, runs past its compute budget, returns a response
// of its own (a redirect, say), rewrites differently for the two viewers,
// adds a query-string parameter, reads a key value store (its code names
// kvs: the store's contents are not known here), its code could not be
// fetched (Err, e.g. cloudfront:GetFunction denied) or the Mapper's
// budget of runs is spent. Then the Mapper warns, naming the function
// and its behaviours, and maps the behaviour's URLs as it would without a
// function (the safe forms: every URL a viewer may request the object
// under).
//
// The two probes cannot prove that a function is deterministic: one that
// branches on a value neither probe sends (a header the plan does not
// guess, the time of day) is taken as known from what it did to the
// probes.
type Function struct {
	// Name is the function's name (the last part of its ARN).
	Name string
	// Runtime is cloudfront-js-1.0 or cloudfront-js-2.0.
	Runtime string
	// Code is the LIVE stage's code.
	Code []byte
	// Err, when set, is why the code could not be fetched; the
	// function's effect is then unknown.
	Err error
}

// FunctionSource fetches the runtime and the LIVE code of the named
// function; cfinv.Client.Function is one.
type FunctionSource func(ctx context.Context, name string) (runtime string, code []byte, err error)

// LoadFunctions fills in the Runtime and Code of every viewer-request
// function of routes through get, once per function. A failure is kept
// in the function's Err, for the Mapper to warn about; LoadFunctions
// itself fails only when ctx ends.
func LoadFunctions(ctx context.Context, routes []Route, get FunctionSource) error {
	done := map[*Function]bool{}
	for _, r := range routes {
		f := r.ViewerRequest
		if f == nil || done[f] {
			continue
		}
		done[f] = true
		f.Runtime, f.Code, f.Err = get(ctx, f.Name)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("load function %s: %w", f.Name, err)
		}
	}
	return nil
}

// Warning is something a plan cannot do for the user: a function whose
// effect on cache keys is unknown, or a changed error page. It goes into
// the plan's JSON ("warnings") and, from the CLI, to stderr.
type Warning struct {
	// Kind is WarnFunction or WarnErrorPage.
	Kind string `json:"kind"`
	// Function is the function's name (WarnFunction).
	Function string `json:"function,omitempty"`
	// Behaviors are the path patterns of the cache behaviours that run
	// the function ("" for the default behaviour, shown as "default").
	Behaviors []string `json:"behaviors,omitempty"`
	// Path is the error page's path (WarnErrorPage).
	Path string `json:"path,omitempty"`
	// Message says what is wrong and what the plan did, in a line.
	Message string `json:"message"`
}

// Kinds of Warning.
const (
	// WarnFunction: a viewer-request function's effect on the cache key
	// is unknown; its behaviours' URLs are planned without it.
	WarnFunction = "function-unknown"
	// WarnErrorPage: a changed object is an error page
	// (CustomErrorResponses), cached under URLs the plan cannot name.
	WarnErrorPage = "error-page"
)

// fnState is what a Mapper knows of one function.
type fnState struct {
	prog    *cffunc.Function
	unknown bool              // warned: mapped without the function from now on
	memo    map[string]string // URL → the URI it is cached under
}

// functions is a Mapper's state for its routes' functions.
type functions struct {
	state    map[*Function]*fnState
	runs     int
	warnings []Warning
}

// Warnings returns what the Mapper warned about so far, in order: the
// functions whose effect it could not know (see Function).
func (m *Mapper) Warnings() []Warning {
	if m.fx == nil {
		return nil
	}
	return slices.Clone(m.fx.warnings)
}

// routeOf returns the route whose behaviour serves the raw URL path: the
// first whose pattern matches, else the default.
func (m *Mapper) routeOf(raw string) *Route {
	for i := range m.Routes {
		if q := &m.Routes[i]; q.PathPattern == "" || cfpath.MatchPathPattern(q.PathPattern, raw) {
			return q
		}
	}
	return nil
}

// cachedURL returns the URL viewers' requests for url (encoded) are
// cached under when f runs on them: the URI f returns when its effect is
// known, else url itself.
func (m *Mapper) cachedURL(f *Function, url string) string {
	if m.fx == nil {
		m.fx = &functions{state: map[*Function]*fnState{}}
	}
	st := m.fx.state[f]
	if st == nil {
		st = &fnState{memo: map[string]string{}}
		m.fx.state[f] = st
		switch prog, err := cffunc.Compile(f.Runtime, f.Code); {
		case f.Err != nil:
			m.unknown(f, st, fmt.Sprintf("its LIVE code could not be fetched (%v)", f.Err))
		case bytes.Contains(f.Code, []byte("kvs")):
			m.unknown(f, st, "it reads a key value store (cf.kvs), whose contents the plan does not know")
		case err != nil:
			m.unknown(f, st, fmt.Sprintf("its LIVE code does not compile here (%v)", err))
		default:
			st.prog = prog
		}
	}
	if st.unknown {
		return url
	}
	if c, ok := st.memo[url]; ok {
		return c
	}
	budget := m.FunctionRuns
	if budget <= 0 {
		budget = DefaultFunctionRuns
	}
	if m.fx.runs+2 > budget {
		m.unknown(f, st, fmt.Sprintf("the plan's budget of %d function runs is spent (a site with many URLs: raise Mapper.FunctionRuns)", budget))
		return url
	}
	m.fx.runs += 2
	c, why := probe(st.prog, url)
	if why != "" {
		m.unknown(f, st, why)
		return url
	}
	st.memo[url] = c
	return c
}

// unknown marks f unknown and warns once.
func (m *Mapper) unknown(f *Function, st *fnState, why string) {
	st.unknown = true
	var behaviours, shown []string
	for _, r := range m.Routes {
		if r.ViewerRequest == f {
			behaviours = append(behaviours, r.PathPattern)
			if r.PathPattern == "" {
				shown = append(shown, "the default behaviour")
			} else {
				shown = append(shown, fmt.Sprintf("behaviour %q", r.PathPattern))
			}
		}
	}
	m.fx.warnings = append(m.fx.warnings, Warning{Kind: WarnFunction, Function: f.Name, Behaviors: behaviours,
		Message: fmt.Sprintf("viewer-request function %q on %s: its effect on cache keys is unknown: %s; its URLs are planned in every form a viewer may request (the safe forms), and copies it caches under other URLs are not purged",
			f.Name, strings.Join(shown, ", "), why)})
}

// probes are the two viewers a URL is requested by: they differ in every
// header, cookie, query-string parameter and address a function commonly
// branches on.
var probes = [2]struct {
	ip      string
	headers map[string]string
	cookies map[string]string
	query   map[string]string
}{
	{"192.0.2.10",
		map[string]string{"host": "d111111abcdef8.cloudfront.net", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "accept": "*/*"},
		nil, nil},
	{"2001:db8::7",
		map[string]string{"host": "www.example.com", "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148",
			"accept": "text/html", "accept-language": "de-DE,de;q=0.9", "accept-encoding": "gzip, br", "referer": "https://www.example.com/",
			"cloudfront-viewer-country": "DE", "cloudfront-is-mobile-viewer": "true", "cloudfront-is-desktop-viewer": "false",
			"cloudfront-viewer-address": "[2001:db8::7]:4711", "x-forwarded-proto": "https"},
		map[string]string{"session": "cfinv-probe", "lang": "de"},
		map[string]string{"lang": "de", "v": "2"}},
}

func values(m map[string]string) map[string]*cffunc.Value {
	out := make(map[string]*cffunc.Value, len(m))
	for k, v := range m {
		out[k] = &cffunc.Value{Value: v}
	}
	return out
}

// probe runs f on url's viewer-request event for each probe viewer and
// returns the URI it is cached under, or why that is not known.
func probe(f *cffunc.Function, url string) (cached, why string) {
	var got [2]string
	for i, p := range probes {
		ev := &cffunc.Event{Context: cffunc.Context{EventType: cffunc.ViewerRequest}, Viewer: cffunc.Viewer{IP: p.ip},
			Request: &cffunc.Request{Method: "GET", URI: url, Querystring: values(p.query), Headers: values(p.headers), Cookies: values(p.cookies)}}
		res, err := f.Run(context.Background(), ev, cffunc.Limits{})
		switch {
		case err != nil:
			return "", fmt.Sprintf("it cannot be run (%v)", err)
		case res.Err != nil:
			return "", fmt.Sprintf("it fails on %s (%v)", url, res.Err)
		case res.Response != nil:
			return "", fmt.Sprintf("it answers %s with a response of its own (status %d) instead of a request", url, res.Response.StatusCode)
		}
		for _, k := range slices.Sorted(maps.Keys(res.Request.Querystring)) {
			if v, ok := p.query[k]; !ok || res.Request.Querystring[k].Value != v {
				return "", fmt.Sprintf("it sets the query-string parameter %q on %s, which may be part of the cache key", k, url)
			}
		}
		got[i] = res.Request.URI
	}
	if got[0] != got[1] {
		return "", fmt.Sprintf("it rewrites %s to %s or to %s depending on the viewer", url, got[0], got[1])
	}
	if got[0] == url {
		return url, ""
	}
	c, _, err := cfpath.Clean(got[0])
	if err != nil {
		return "", fmt.Sprintf("it rewrites %s to %q, which an invalidation cannot name (%v)", url, got[0], err)
	}
	return c, ""
}
