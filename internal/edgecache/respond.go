package edgecache

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// respond writes o to the viewer with CloudFront's headers, compressed
// when allowed, and answers the viewer's conditional and range requests.
func (rq *request) respond(w http.ResponseWriter, o *object, xcache string, hit bool, now time.Time, compress bool) {
	if er, ok := rq.customError(o.status); ok {
		rq.serveErrorPage(w, er, o.status)
		return
	}
	status := o.status
	if rq.errPage && status < 400 {
		status = rq.status
		xcache = "Error"
	}
	if status >= 400 {
		xcache = "Error"
	}
	h := w.Header()
	plain := status == http.StatusOK && !conditionalOrRange(rq.r)
	body := rq.responseHeaders(h, o, xcache, rq.cfID, status, plain, compress && compressible(o), compress && acceptsGzip(rq.r))
	if hit {
		h["Age"] = []string{strconv.FormatInt(hitAge(o, originAge(o), now), 10)}
	}
	if status == http.StatusOK {
		if plain {
			// The common hit: what http.ServeContent would do for a
			// plain GET or HEAD, without its parsing and allocations.
			w.WriteHeader(http.StatusOK)
			if rq.r.Method != http.MethodHead {
				rq.p.writeBody(w, body)
			}
			return
		}
		modtime, _ := http.ParseTime(o.lastModified)
		if len(body) <= writeChunk {
			http.ServeContent(w, rq.r, "", modtime, bytes.NewReader(body))
			return
		}
		vw := rq.p.viewerWriter(w)
		http.ServeContent(vw, rq.r, "", modtime, bytes.NewReader(body))
		vw.done()
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if rq.r.Method != http.MethodHead {
		rq.p.writeBody(w, body)
	}
}

// responseHeaders puts in h the headers of o as sent with status: the
// origin's, CloudFront's (X-Cache from xcache, Via, X-Amz-Cf-Pop,
// X-Amz-Cf-Id cfID), the response headers policy's and, when compressible,
// Vary and, when gzip is sent, Content-Encoding; for a plain 200 (no range
// or precondition to evaluate) also Last-Modified, Accept-Ranges and
// Content-Length. Age is the caller's. It returns the body to send.
func (rq *request) responseHeaders(h http.Header, o *object, xcache, cfID string, status int, plain, compressible, gzipOK bool) []byte {
	for k, v := range o.header {
		h[k] = v
	}
	rq.p.cfHeaders(h, xcache, cfID)
	rq.headers.apply(h, rq.r)
	body := o.body
	if compressible {
		h.Add("Vary", "Accept-Encoding")
		if gzipOK {
			body = rq.gzipped(o)
			h.Set("Content-Encoding", "gzip")
			if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
				h.Set("ETag", "W/"+et)
			}
		}
	}
	if status != http.StatusOK {
		return body
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil // no sniffing: CloudFront passes what the origin sent
	}
	if plain {
		if o.lastModified != "" && h.Get("Last-Modified") == "" {
			h.Set("Last-Modified", o.lastModified)
		}
		h.Set("Accept-Ranges", "bytes")
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return body
}

// originAge is the Age the origin sent with o, or 0.
func originAge(o *object) int64 {
	if a, err := strconv.ParseInt(o.header.Get("Age"), 10, 64); err == nil && a > 0 {
		return a
	}
	return 0
}

// hitAge is the Age of o served at now: its seconds in the cache plus
// the origin's Age.
func hitAge(o *object, originAge int64, now time.Time) int64 {
	return max(int64(now.Sub(o.stored)/time.Second)+originAge, 0)
}

// writeBody writes a cached body; one larger than a write chunk goes
// under viewer write deadlines.
func (p *Proxy) writeBody(w http.ResponseWriter, body []byte) {
	if len(body) <= writeChunk {
		w.Write(body)
		return
	}
	vw := p.viewerWriter(w)
	vw.Write(body)
	vw.done()
}

// customError returns the distribution's custom error response with a
// page for an error status, unless this request is already fetching one.
func (rq *request) customError(status int) (distconfig.ErrorResponse, bool) {
	if status < 400 || rq.errPage {
		return distconfig.ErrorResponse{}, false
	}
	er, ok := rq.d.errorResponses[status]
	return er, ok && er.ResponsePagePath != ""
}

// serveErrorPage answers an origin error of the given status with the
// custom error page er names, as CloudFront does: the page is requested
// like any object, through the behaviour, origin and cache entry of its
// own path (so invalidating the page takes effect for every URL that
// shows it), and sent with ResponseCode, else the original status, and
// X-Cache "Error from cloudfront". When the page itself cannot be had,
// the viewer gets the page's error.
func (rq *request) serveErrorPage(w http.ResponseWriter, er distconfig.ErrorResponse, status int) {
	page := "/" + strings.TrimPrefix(er.ResponsePagePath, "/")
	code := er.ResponseCode
	if code == 0 {
		code = status
	}
	r := rq.r.Clone(rq.r.Context())
	r.URL = &url.URL{Path: page}
	for _, k := range [...]string{"Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"} {
		r.Header.Del(k)
	}
	rt := rq.p.routeFor(rq.d, page)
	b := &rt.b
	sub, ok := rq.p.newRequest(w, r, rq.d, rt, rq.cfID, r.URL.EscapedPath())
	if !ok {
		return
	}
	sub.errPage, sub.status = true, code
	sub.setKey("") // an error page is keyed on its path alone
	sub.serve(w, b.Compress && sub.pol.gzip)
}

// conditionalOrRange reports whether r carries a header that
// http.ServeContent must evaluate (a range or a precondition).
func conditionalOrRange(r *http.Request) bool {
	for _, k := range [...]string{"Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"} {
		if _, ok := r.Header[k]; ok {
			return true
		}
	}
	return false
}

// gzipped returns o's body compressed, building it once per cached object.
func (rq *request) gzipped(o *object) []byte {
	c := rq.p.cache
	c.mu.Lock()
	gz := o.gz
	c.mu.Unlock()
	if gz != nil {
		return gz
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zw.Write(o.body)
	zw.Close()
	gz = buf.Bytes()
	c.mu.Lock()
	c.grow(c.dist(rq.d.id), rq.key, o, gz, 0)
	c.mu.Unlock()
	return gz
}

// compressible reports whether CloudFront would compress o: status 200,
// not already encoded, 1,000 to 10,000,000 bytes, and a compressible
// Content-Type.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html
func compressible(o *object) bool {
	if o.status != http.StatusOK || o.header.Get("Content-Encoding") != "" || len(o.body) < 1000 || len(o.body) > 10_000_000 {
		return false
	}
	ct := strings.ToLower(o.header.Get("Content-Type"))
	ct, _, _ = strings.Cut(ct, ";")
	ct = strings.TrimSpace(ct)
	if strings.HasPrefix(ct, "text/") {
		return true
	}
	switch ct {
	case "application/javascript", "application/x-javascript", "application/json", "application/ld+json",
		"application/xml", "application/xhtml+xml", "application/rss+xml", "application/atom+xml",
		"application/manifest+json", "application/vnd.ms-fontobject", "application/wasm",
		"font/otf", "font/ttf", "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon", "image/bmp":
		return true
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") { // no slice per request
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
				return false
			}
			return true
		}
	}
	return false
}
