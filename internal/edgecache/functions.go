package edgecache

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/internal/cffunc"
)

// CloudFront Functions at the edge. The LIVE code of the functions a
// behaviour associates runs on every request the behaviour serves:
// viewer-request before the cache key is made (the request it returns is
// the one cached and fetched; a response it returns is sent as it is),
// viewer-response on every response, hit or miss, before it is sent. The
// behaviour is chosen by the viewer's URI, before the function runs, as
// CloudFront chooses it.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-functions.html

// FunctionCode is the LIVE stage of a CloudFront Function.
type FunctionCode struct {
	Runtime string // cloudfront-js-1.0 or cloudfront-js-2.0
	Code    []byte
	// ETag identifies this code: the edge compiles each ETag once.
	ETag string
	// KeyValueStores are the contents of the key value stores the
	// function is associated with, read by cf.kvs(); the proxy only
	// reads them.
	KeyValueStores []*cffunc.KeyValueStore
}

// Messages and X-Cache values CloudFront answers a failed function with.
const (
	msgFunction         = "The CloudFront function associated with the CloudFront distribution is invalid or could not run."
	xcacheFunctionError = "FunctionExecutionError"
	xcacheThrottled     = "FunctionThrottledError"
	xcacheGenerated     = "FunctionGeneratedResponse"
)

// maxCompiled bounds the compiled programs kept; past it the table is
// emptied and refilled from the routes in use.
const maxCompiled = 1000

// compiled returns fc compiled, once per ETag.
func (p *Proxy) compiled(fc FunctionCode) (*cffunc.Function, error) {
	p.fnMu.Lock()
	defer p.fnMu.Unlock()
	if f, ok := p.fns[fc.ETag]; ok && fc.ETag != "" {
		return f, nil
	}
	f, err := cffunc.Compile(fc.Runtime, fc.Code)
	p.fnCompiles++
	if err != nil {
		return nil, err
	}
	if p.fns == nil || len(p.fns) >= maxCompiled {
		p.fns = map[string]*cffunc.Function{}
	}
	p.fns[fc.ETag] = f
	return f, nil
}

// functionName returns the function name an ARN ends with.
func functionName(arn string) string {
	_, name, _ := strings.Cut(arn, ":function/")
	return name
}

// routeFunctions sets rt's functions from its behaviour's associations.
func (p *Proxy) routeFunctions(d *resolved, rt *route) {
	for ev, arn := range rt.b.FunctionAssociations {
		fc, ok := d.functions[functionName(arn)]
		if !ok {
			rt.fnErr = fmt.Errorf("function %s is not published or does not exist", arn)
			return
		}
		f, err := p.compiled(fc)
		if err != nil {
			rt.fnErr = fmt.Errorf("function %s: %w", arn, err)
			return
		}
		switch ev {
		case cffunc.ViewerRequest:
			rt.viewerRequest, rt.requestKVS = f, fc.KeyValueStores
		case cffunc.ViewerResponse:
			rt.viewerResponse, rt.responseKVS = f, fc.KeyValueStores
		}
	}
}

// hasFunctions reports whether requests of rt run a function.
func (rt *route) hasFunctions() bool {
	return rt.viewerRequest != nil || rt.viewerResponse != nil || rt.fnErr != nil
}

// runFunctions runs rt's viewer-request function on r and prepares its
// viewer-response function. It returns the request to serve (r, or the
// one the function returned, with its escaped path) and the writer to
// answer through; done means the response has been written (a generated
// response or a function error).
func (p *Proxy) runFunctions(w http.ResponseWriter, r *http.Request, d *resolved, rt *route, cfID, escPath string) (http.ResponseWriter, *http.Request, string, bool) {
	ctx := r.Context()
	if rt.fnErr != nil {
		p.logger().LogAttrs(ctx, slog.LevelError, "edge function", slog.String("distribution", d.id), slog.Any("error", rt.fnErr))
		p.errorPageCache(w, r, cfID, http.StatusServiceUnavailable, msgFunction, xcacheFunctionError)
		return w, r, escPath, true
	}
	req := eventRequest(r, escPath)
	if f := rt.viewerRequest; f != nil {
		res, err := f.Run(ctx, &cffunc.Event{
			Context: p.eventContext(d, cffunc.ViewerRequest, cfID),
			Viewer:  cffunc.Viewer{IP: viewerIP(r)},
			Request: req,
		}, cffunc.Limits{Budget: p.FunctionBudget, KeyValueStores: rt.requestKVS})
		if err == nil {
			err = res.Err
			p.logFunction(ctx, d, rt, cffunc.ViewerRequest, res)
		}
		if err != nil {
			p.functionFailed(w, r, d, cfID, err)
			return w, r, escPath, true
		}
		if res.Response != nil {
			if err := p.writeGenerated(w, r, cfID, res.Response); err != nil {
				p.functionFailed(w, r, d, cfID, err)
			}
			return w, r, escPath, true
		}
		req = res.Request
		r2, esc, err := applyRequest(r, req)
		if err != nil {
			p.functionFailed(w, r, d, cfID, err)
			return w, r, escPath, true
		}
		r, escPath = r2, esc
	}
	if f := rt.viewerResponse; f != nil {
		w = &responseFunction{ResponseWriter: w, p: p, d: d, rt: rt, f: f, r: r, req: req, cfID: cfID}
	}
	return w, r, escPath, false
}

func (p *Proxy) eventContext(d *resolved, ev, cfID string) cffunc.Context {
	return cffunc.Context{DistributionDomainName: d.domain, DistributionID: d.id, EventType: ev, RequestID: cfID}
}

func (p *Proxy) logFunction(ctx context.Context, d *resolved, rt *route, ev string, res *cffunc.Result) {
	for _, l := range res.Logs {
		p.logger().LogAttrs(ctx, slog.LevelInfo, "edge function log", slog.String("distribution", d.id),
			slog.String("function", rt.b.FunctionAssociations[ev]), slog.String("line", l))
	}
}

// functionFailed answers 503 as CloudFront does for a function that threw,
// returned an invalid value or ran out of compute.
func (p *Proxy) functionFailed(w http.ResponseWriter, r *http.Request, d *resolved, cfID string, err error) {
	p.logger().LogAttrs(r.Context(), slog.LevelWarn, "edge function failed", slog.String("distribution", d.id), slog.Any("error", err))
	xcache := xcacheFunctionError
	if errors.Is(err, cffunc.ErrBudget) {
		xcache = xcacheThrottled
	}
	p.errorPageCache(w, r, cfID, http.StatusServiceUnavailable, msgFunction, xcache)
}

// eventRequest is r as a function's event.request: the escaped path, the
// raw query string, lower-case headers with the host, cookies apart.
func eventRequest(r *http.Request, escPath string) *cffunc.Request {
	req := &cffunc.Request{Method: r.Method, URI: escPath,
		Querystring: map[string]*cffunc.Value{}, Headers: map[string]*cffunc.Value{}, Cookies: map[string]*cffunc.Value{}}
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		addValue(req.Querystring, k, v)
	}
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, line := range vs {
				for _, c := range strings.Split(line, ";") {
					name, val, _ := strings.Cut(strings.TrimSpace(c), "=")
					if name != "" {
						addValue(req.Cookies, name, val)
					}
				}
			}
			continue
		}
		for _, v := range vs {
			addValue(req.Headers, lk, v)
		}
	}
	if r.Host != "" {
		req.Headers["host"] = &cffunc.Value{Value: r.Host}
	}
	return req
}

// addValue adds v under k, in multiValue from the second value on.
func addValue(m map[string]*cffunc.Value, k, v string) {
	old, ok := m[k]
	if !ok {
		m[k] = &cffunc.Value{Value: v}
		return
	}
	if len(old.MultiValue) == 0 {
		old.MultiValue = []*cffunc.Value{{Value: old.Value}}
	}
	old.MultiValue = append(old.MultiValue, &cffunc.Value{Value: v})
}

// joinValues renders m as name=value pairs joined by sep, names sorted
// (CloudFront keeps the function's order; a Go map has none).
func joinValues(m map[string]*cffunc.Value, sep string, bare bool) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		for _, v := range m[k].Values() {
			if bare && v == "" && k != "" {
				parts = append(parts, k)
				continue
			}
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, sep)
}

// applyRequest returns r changed as the function's request says, and its
// escaped path.
func applyRequest(r *http.Request, req *cffunc.Request) (*http.Request, string, error) {
	esc, err := cleanPath(req.URI)
	if err != nil {
		return nil, "", fmt.Errorf("function returned uri %q: %w", req.URI, err)
	}
	r2 := withPath(r, esc)
	u := *r2.URL
	u.RawQuery = joinValues(req.Querystring, "&", true)
	r2.URL = &u
	r2.RequestURI = ""
	h := http.Header{}
	for k, v := range req.Headers {
		if k == "host" {
			continue
		}
		h[http.CanonicalHeaderKey(k)] = v.Values()
	}
	if len(req.Cookies) > 0 {
		h.Set("Cookie", joinValues(req.Cookies, "; ", false))
	}
	r2.Header = h
	return r2, esc, nil
}

// setCookies renders response cookies as Set-Cookie lines.
func setCookies(h http.Header, cookies map[string]*cffunc.Value) {
	names := make([]string, 0, len(cookies))
	for k := range cookies {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		c := cookies[k]
		vals := c.MultiValue
		if len(vals) == 0 {
			vals = []*cffunc.Value{c}
		}
		for _, v := range vals {
			line := k + "=" + v.Value
			if v.Attributes != "" {
				line += "; " + v.Attributes
			}
			h.Add("Set-Cookie", line)
		}
	}
}

// writeGenerated sends a response a viewer-request function returned.
func (p *Proxy) writeGenerated(w http.ResponseWriter, r *http.Request, cfID string, resp *cffunc.Response) error {
	var body []byte
	if b := resp.Body; b != nil {
		body = []byte(b.Data)
		if b.Encoding == "base64" {
			var err error
			if body, err = base64.StdEncoding.DecodeString(b.Data); err != nil {
				return fmt.Errorf("function returned a body that is not base64: %w", err)
			}
		}
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h[http.CanonicalHeaderKey(k)] = v.Values()
	}
	setCookies(h, resp.Cookies)
	h.Del("Transfer-Encoding")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Server", "CloudFront")
	p.cfHeaders(h, xcacheGenerated, cfID)
	w.WriteHeader(resp.StatusCode)
	if r.Method != http.MethodHead && len(body) > 0 {
		_, _ = w.Write(body)
	}
	return nil
}

// responseFunction runs a viewer-response function when the response's
// header is written, and sends what it returns (status and headers: a
// function does not see or change the body).
type responseFunction struct {
	http.ResponseWriter
	p      *Proxy
	d      *resolved
	rt     *route
	f      *cffunc.Function
	r      *http.Request
	req    *cffunc.Request
	cfID   string
	wrote  bool
	failed bool // the function failed: the 503 is sent, the body dropped
}

// Unwrap lets http.ResponseController reach the connection (flushes,
// write deadlines).
func (w *responseFunction) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *responseFunction) WriteHeader(status int) {
	if w.wrote || status < 200 {
		if !w.wrote {
			w.ResponseWriter.WriteHeader(status)
		}
		return
	}
	w.wrote = true
	h := w.Header()
	resp := &cffunc.Response{StatusCode: status, StatusDescription: http.StatusText(status),
		Headers: map[string]*cffunc.Value{}, Cookies: map[string]*cffunc.Value{}}
	for k, vs := range h {
		lk := strings.ToLower(k)
		if lk == "set-cookie" {
			for _, line := range vs {
				nv, attrs, _ := strings.Cut(line, ";")
				name, val, _ := strings.Cut(strings.TrimSpace(nv), "=")
				c := &cffunc.Value{Value: val, Attributes: strings.TrimSpace(attrs)}
				if old, ok := resp.Cookies[name]; ok {
					if len(old.MultiValue) == 0 {
						old.MultiValue = []*cffunc.Value{{Value: old.Value, Attributes: old.Attributes}}
					}
					old.MultiValue = append(old.MultiValue, c)
					continue
				}
				resp.Cookies[name] = c
			}
			continue
		}
		for _, v := range vs {
			addValue(resp.Headers, lk, v)
		}
	}
	ctx := w.r.Context()
	res, err := w.f.Run(ctx, &cffunc.Event{
		Context:  w.p.eventContext(w.d, cffunc.ViewerResponse, w.cfID),
		Viewer:   cffunc.Viewer{IP: viewerIP(w.r)},
		Request:  w.req,
		Response: resp,
	}, cffunc.Limits{Budget: w.p.FunctionBudget, KeyValueStores: w.rt.responseKVS})
	if err == nil {
		err = res.Err
		w.p.logFunction(ctx, w.d, w.rt, cffunc.ViewerResponse, res)
	}
	if err != nil {
		w.failed = true
		clear(h)
		w.p.functionFailed(w.ResponseWriter, w.r, w.d, w.cfID, err)
		return
	}
	out := res.Response
	// The body is the origin's: its length and encoding stay.
	keep := map[string][]string{}
	for _, k := range []string{"Content-Length", "Content-Encoding", "Transfer-Encoding"} {
		if v, ok := h[k]; ok {
			keep[k] = v
		}
	}
	clear(h)
	for k, v := range out.Headers {
		h[http.CanonicalHeaderKey(k)] = v.Values()
	}
	for k, v := range keep {
		h[k] = v
	}
	setCookies(h, out.Cookies)
	w.ResponseWriter.WriteHeader(out.StatusCode)
}

func (w *responseFunction) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// viewerIP is the viewer's address without the port.
func viewerIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}
