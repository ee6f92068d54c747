package edgecache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// originRequest builds the request CloudFront would send to the origin.
func (rq *request) originRequest(ctx context.Context, method string) *http.Request {
	r := rq.r
	u := rq.t.url(rq.objPath, rq.forward.queryFor(r.URL.RawQuery, rq.pol.originQuery(r.URL.RawQuery)))
	out := (&http.Request{
		Method: method, URL: u, Host: u.Host, Header: http.Header{},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}).WithContext(ctx)
	for _, h := range rq.pol.headers {
		if h == "Host" {
			out.Host = r.Host
			continue
		}
		if v := r.Header.Values(h); len(v) > 0 {
			out.Header[h] = v
		}
	}
	if rq.pol.allHeaders {
		for k, v := range r.Header {
			out.Header[k] = v
		}
		out.Host = r.Host
	}
	switch rq.pol.cookies {
	case "all":
		if v := r.Header.Values("Cookie"); len(v) > 0 {
			out.Header["Cookie"] = v
		}
	case "whitelist":
		for _, name := range rq.pol.cookieNames {
			if c, err := r.Cookie(name); err == nil {
				out.AddCookie(c)
			}
		}
	case "allExcept":
		for _, c := range rq.pol.keptCookies(r) {
			out.AddCookie(c)
		}
	default:
		out.Header.Del("Cookie")
	}
	rq.forward.apply(out, r)
	for _, h := range rq.t.headers {
		out.Header.Set(h[0], h[1])
	}
	if out.Header.Get("User-Agent") == "" {
		out.Header.Set("User-Agent", "Amazon CloudFront")
	}
	out.Header.Set("Via", rq.p.via)
	out.Header.Set("X-Amz-Cf-Id", rq.cfID)
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		out.Header.Set("X-Forwarded-For", ip)
	}
	// The edge compresses itself; ask the origin for the plain bytes.
	out.Header.Set("Accept-Encoding", "identity")
	return out
}

// originTimeout is Proxy.OriginTimeout or its default.
func (p *Proxy) originTimeout() time.Duration {
	if p.OriginTimeout > 0 {
		return p.OriginTimeout
	}
	return DefaultOriginTimeout
}

// roundTrip sends req (made with ctx, which it cancels on failure) and
// arms the origin timeout until the response headers arrive. The
// returned timer is stopped; the caller re-arms it for the body.
func (rq *request) roundTrip(req *http.Request, cancel context.CancelFunc) (*http.Response, *time.Timer, error) {
	timeout := rq.p.originTimeout()
	timer := time.AfterFunc(timeout, cancel)
	resp, err := rq.t.rt.RoundTrip(req)
	timer.Stop()
	if err != nil {
		if req.Context().Err() != nil && !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err) // our timer cancelled it
		}
		cancel()
		rq.p.logger().LogAttrs(rq.r.Context(), slog.LevelWarn, "edge origin fetch", slog.String("distribution", rq.d.id),
			slog.String("url", req.URL.String()), slog.Any("error", err))
		return nil, nil, err
	}
	return resp, timer, nil
}

// fetch gets the object from the origin, conditionally when stale is a
// cached object with validators. A body that fits MaxObjectBytes is read
// whole (bounded by OriginTimeout), to be shared by the flight's viewers
// and cached; a larger one (by Content-Length, or once more than
// MaxObjectBytes have arrived) is left open for the leader to stream.
func (rq *request) fetch(stale *object) fetchResult {
	// The fetch serves every waiter, so the first viewer's going away
	// must not cancel it.
	ctx, cancel := context.WithCancel(context.WithoutCancel(rq.r.Context()))
	req := rq.originRequest(ctx, http.MethodGet)
	if stale != nil {
		if stale.etag != "" {
			req.Header.Set("If-None-Match", stale.etag)
		}
		if stale.lastModified != "" {
			req.Header.Set("If-Modified-Since", stale.lastModified)
		}
	}
	log := rq.p.logger()
	resp, timer, err := rq.roundTrip(req, cancel)
	if err != nil {
		return fetchResult{err: err}
	}
	now := rq.p.now()
	if resp.StatusCode == http.StatusNotModified && stale != nil {
		resp.Body.Close()
		cancel()
		h := stale.header.Clone()
		for _, k := range []string{"Cache-Control", "Expires", "Date", "Etag", "Last-Modified"} {
			if v := resp.Header.Values(k); len(v) > 0 {
				h[k] = v
			}
		}
		o := &object{status: stale.status, header: h, body: stale.body, stored: now,
			etag: h.Get("ETag"), lastModified: h.Get("Last-Modified"), tags: stale.tags}
		ttl, store := rq.pol.ttlFor(o.status, h, now)
		o.expires = now.Add(ttl)
		log.LogAttrs(rq.r.Context(), slog.LevelDebug, "edge refresh", slog.String("distribution", rq.d.id), slog.String("key", rq.key))
		return fetchResult{obj: o, xcache: "RefreshHit", stored: store}
	}
	limit := rq.p.maxObject()
	if resp.ContentLength > limit {
		resp.Body = rq.p.idleBody(resp.Body, timer, cancel)
		return fetchResult{tooLarge: true, resp: resp}
	}
	budget := &rq.p.inflight
	if resp.ContentLength >= 0 && !budget.reserve(resp.ContentLength) {
		// Held whole, it would take the misses in flight past their
		// budget: stream it, as one too large to cache (issue 7).
		resp.Body = rq.p.idleBody(resp.Body, timer, cancel)
		return fetchResult{tooLarge: true, resp: resp}
	}
	timer.Reset(rq.p.originTimeout())
	body, reserved, over, err := readBody(resp.Body, resp.ContentLength, limit, budget)
	if !timer.Stop() && err != nil {
		err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
	}
	if err != nil {
		budget.release(reserved)
		resp.Body.Close()
		cancel()
		return fetchResult{err: fmt.Errorf("read origin response: %w", err)}
	}
	if over || int64(len(body)) > limit {
		resp.Body = rq.p.idleBody(resp.Body, timer, cancel)
		return fetchResult{tooLarge: true, resp: resp, prefix: body, reserved: reserved}
	}
	resp.Body.Close()
	cancel()
	h := resp.Header.Clone()
	removeHopHeaders(h)
	h.Del("Content-Length")
	o := &object{status: resp.StatusCode, header: h, body: body, stored: now,
		etag: h.Get("ETag"), lastModified: h.Get("Last-Modified"), tags: parseTags(h, rq.d.tagHeader)}
	ttl, store := rq.pol.ttlFor(o.status, h, now)
	if ttl == 0 && !o.hasValidators() {
		store = false
	}
	o.expires = now.Add(ttl)
	xc := "Miss"
	if o.status >= 400 {
		xc = "Error"
	}
	log.LogAttrs(rq.r.Context(), slog.LevelDebug, "edge miss", slog.String("distribution", rq.d.id), slog.String("key", rq.key),
		slog.Int("status", o.status), slog.Duration("ttl", ttl), slog.Bool("store", store))
	return fetchResult{obj: o, xcache: xc, stored: store, reserved: reserved}
}

// readBody reads a response body of n bytes (-1: unknown), reserved from
// budget, into one allocation of its size, or, when n is unknown, at most
// limit+1 bytes, reserving them from budget as they come; over reports
// that budget had no more, and the body so far is returned for the
// caller to stream. reserved is what the caller must release.
func readBody(r io.Reader, n, limit int64, budget *byteBudget) (body []byte, reserved int64, over bool, err error) {
	if n >= 0 {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, n, false, err
		}
		return b, n, false, nil
	}
	const step = 64 << 10
	var buf []byte
	for int64(len(buf)) <= limit {
		if int64(len(buf))+step > reserved {
			if !budget.reserve(step) {
				return buf, reserved, true, nil
			}
			reserved += step
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := r.Read(buf[len(buf):min(cap(buf), len(buf)+step)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, reserved, false, nil
		}
		if err != nil {
			return nil, reserved, false, err
		}
	}
	return buf, reserved, false, nil
}

// byteBudget bounds the bytes held by cache misses in flight: bodies read
// whole to be shared and cached, until their last viewer has them. Issue
// 7: with no such bound, 24 slow viewers of distinct 30 MiB objects kept
// 720 MiB of bodies under a 1 MiB cache budget. A body that does not fit
// is streamed instead, as one over MaxObjectBytes is. The budget is the
// cache's, MaxBytes: the edge holds at most twice that in bodies.
type byteBudget struct {
	mu   sync.Mutex
	used int64
	max  int64
}

// reserve takes n bytes from the budget, or reports false and takes
// nothing.
func (b *byteBudget) reserve(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max {
		return false
	}
	b.used += n
	return true
}

// release gives n bytes back.
func (b *byteBudget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}
