package edgecache

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httputil"
)

// passThrough forwards a request that is never cached (a method CloudFront
// does not cache) with the proxy's one httputil.ReverseProxy; the request
// rides in the context so that its hooks know the origin and policy.
func (rq *request) passThrough(w http.ResponseWriter) {
	in := rq.r.WithContext(context.WithValue(rq.r.Context(), requestKey{}, rq))
	vw := rq.p.viewerWriter(w)
	rq.p.rp.ServeHTTP(vw, in)
	vw.done()
}

// requestKey is the context key of the *request a pass-through serves.
type requestKey struct{}

func requestOf(r *http.Request) *request { return r.Context().Value(requestKey{}).(*request) }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// newReverseProxy builds the pass-through proxy once, at init.
func (p *Proxy) newReverseProxy() *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		// Each origin has its own RoundTripper (a directory origin is one).
		Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) { return requestOf(r).t.rt.RoundTrip(r) }),
		Rewrite: func(pr *httputil.ProxyRequest) {
			rq := requestOf(pr.In)
			o := rq.originRequest(pr.Out.Context(), pr.In.Method)
			o.Body, o.ContentLength, o.GetBody = pr.Out.Body, pr.Out.ContentLength, pr.Out.GetBody
			if ct := pr.In.Header.Values("Content-Type"); len(ct) > 0 {
				o.Header["Content-Type"] = ct
			}
			o.Header.Del("Accept-Encoding")
			pr.Out.URL, pr.Out.Host, pr.Out.Header = o.URL, o.Host, o.Header
		},
		ModifyResponse: func(resp *http.Response) error {
			xc := "Miss"
			if resp.StatusCode >= 400 {
				xc = "Error"
			}
			rq := requestOf(resp.Request)
			p.cfHeaders(resp.Header, xc, rq.cfID)
			rq.headers.apply(resp.Header, rq.r)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			rq := requestOf(r)
			p.logger().LogAttrs(r.Context(), slog.LevelWarn, "edge origin pass-through", slog.String("distribution", rq.d.id), slog.Any("error", err))
			p.errorPage(w, r, rq.cfID, http.StatusBadGateway, msgNoOrigin)
		},
		ErrorLog: slog.NewLogLogger(p.logger().Handler(), slog.LevelWarn),
	}
}
