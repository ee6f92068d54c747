package edgecache

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// The edge on fasthttp (cfinv serve --edge-server fasthttp, issue 16).
//
// net/http's own per-request work (the header map, its clone and sort on
// write, buffers per connection) caps a net/http server sending a hit's
// 15 headers at about 0.76 of nginx's proxy_cache on the benchmark
// machine (BENCHMARKS.md), whatever the edge does. FastServer answers
// plain hits on fasthttp, straight from the cached object's prepared
// headers. Any other request (a miss, a range, a precondition, a CORS
// request, an error, a pass-through, a path or Host the fast path does
// not take as is) is handed, with its connection, to a net/http server
// running ServeHTTP: the request is replayed to it as fasthttp read it,
// and the connection stays with net/http from then on. Everything but a
// plain hit is therefore exactly what the net/http edge does. What a
// plain hit on fasthttp does differently, documented in docs/emulator.md:
// its Date is the edge's clock (fasthttp manages Date itself; net/http
// keeps the origin's), and request bodies over MaxFastRequestBody are
// refused with 413 before the hand-off.

// MaxFastRequestBody is the largest request body FastServer reads before
// handing a request to net/http (fasthttp reads a body whole).
const MaxFastRequestBody = 64 << 20

// FastServer is the edge on fasthttp. Create it with Proxy.FastServer.
type FastServer struct {
	fast    *fasthttp.Server
	slow    *http.Server
	handoff *handoffListener
}

// FastServer returns the edge p on fasthttp. logger receives the two
// servers' own error messages (nil: discarded).
func (p *Proxy) FastServer(logger *slog.Logger) *FastServer {
	p.init()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &FastServer{handoff: newHandoffListener()}
	// The hand-off server: its connections are fasthttp's, whose send
	// buffers Serve has set.
	s.slow = p.Server(logger)
	s.slow.ConnState = nil
	s.fast = &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			if !p.fastHit(ctx) {
				s.handOff(ctx)
			}
		},
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		// Requests whose headers do not fit are answered 431; 64 KiB is
		// well above CloudFront's limits (net/http's default is 1 MiB).
		ReadBufferSize:     64 << 10,
		ReadTimeout:        p.viewerReadTimeout(),
		MaxRequestBodySize: MaxFastRequestBody,
		IdleTimeout:        viewerIdleTimeout,
		// A fast hit's body is at most one write chunk, or written by
		// fastBody under its own deadlines.
		WriteTimeout:      p.viewerWriteTimeout(),
		KeepHijackedConns: true, // a handed-off connection is net/http's to close
		CloseOnShutdown:   true,
		Logger:            fastLogger{logger},
	}
	return s
}

// Serve serves viewers on ln until Shutdown.
func (s *FastServer) Serve(ln net.Listener) error {
	go s.slow.Serve(s.handoff) //nolint:errcheck // ends with Shutdown
	return s.fast.Serve(sendBufferListener{ln})
}

// Shutdown stops both servers: fasthttp's at once, net/http's once its
// connections are idle or ctx is done.
func (s *FastServer) Shutdown(ctx context.Context) error {
	err := s.fast.ShutdownWithContext(ctx)
	if e := s.slow.Shutdown(ctx); err == nil {
		err = e
	}
	return err
}

// handOff replays ctx's request, and the rest of its connection, to the
// net/http server.
func (s *FastServer) handOff(ctx *fasthttp.RequestCtx) {
	req := &ctx.Request
	body := req.Body()
	// fasthttp has read the body whole (and answered any Expect:
	// 100-continue): net/http gets it with its length.
	req.Header.Del("Expect")
	req.Header.SetContentLength(len(body))
	prefix := append(append([]byte(nil), req.Header.Header()...), body...)
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(c net.Conn) {
		s.handoff.give(&replayConn{Conn: c, r: io.MultiReader(bytes.NewReader(prefix), c)})
	})
}

// replayConn is a connection whose first bytes are read from a replay.
type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// handoffListener is the net/http server's listener: it accepts the
// connections FastServer hands off.
type handoffListener struct {
	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

func newHandoffListener() *handoffListener {
	return &handoffListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// give hands c to the net/http server, or closes it once that is shut
// down.
func (l *handoffListener) give(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.closed:
		c.Close()
	}
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return handoffAddr{} }

type handoffAddr struct{}

func (handoffAddr) Network() string { return "handoff" }
func (handoffAddr) String() string  { return "fasthttp hand-off" }

// fastLogger passes fasthttp's messages to slog at warning level.
type fastLogger struct{ l *slog.Logger }

func (f fastLogger) Printf(format string, args ...any) { f.l.Warn(fmt.Sprintf(format, args...)) }

// fastRequests are the net/http requests the fast path builds for the
// cache policy's functions (variant, gzip, preconditions): nothing keeps
// them once the hit is written.
var fastRequests = sync.Pool{New: func() any {
	return &http.Request{Header: http.Header{}}
}}

// fastHit writes ctx's response when the request is a plain hit, as
// ServeHTTP would have written it, and reports whether it did. It takes
// only requests whose method, path and Host ServeHTTP would use as they
// are; anything else is left to ServeHTTP.
func (p *Proxy) fastHit(ctx *fasthttp.RequestCtx) bool {
	method := ctx.Method()
	var head bool
	switch string(method) {
	case http.MethodGet:
	case http.MethodHead:
		head = true
	default:
		return false
	}
	path, query, _ := bytes.Cut(ctx.Request.Header.RequestURI(), []byte("?"))
	// "//x" would be an authority to net/http's request-target parser.
	if !plainPath(path) || bytes.HasPrefix(path, []byte("//")) || slices.Contains(query, '#') {
		return false
	}
	host := ctx.Request.Header.Host()
	if len(host) == 0 {
		return false
	}
	escPath := string(path)
	if c, err := cleanPath(escPath); err != nil || c != escPath {
		return false
	}
	// Not ctx as the context: fasthttp reuses it once the handler returns.
	d, ok, err := p.lookupHost(context.Background(), string(host))
	if err != nil || !ok || !d.enabled || d.staging != nil {
		return false // a primary with a staging route is ServeHTTP's
	}
	rt := p.routeFor(d, escPath)
	b := &rt.b
	m := string(method)
	if !rt.found || !slices.Contains(b.AllowedMethods, m) || !slices.Contains(b.CachedMethods, m) || rt.hasFunctions() {
		return false
	}
	objPath := escPath
	if objPath == "/" && d.rootObject != "" {
		return false // ServeHTTP maps it to the default root object
	}

	r := fastRequests.Get().(*http.Request)
	defer func() {
		clear(r.Header)
		*r = http.Request{Header: r.Header}
		fastRequests.Put(r)
	}()
	r.Method, r.Host = m, string(host)
	for k, v := range ctx.Request.Header.All() {
		key := http.CanonicalHeaderKey(string(k))
		r.Header[key] = append(r.Header[key], string(v))
	}
	t, err := rt.target(r)
	if err != nil {
		return false
	}
	rq := rt.request(p, d, t, r, "", objPath)
	if !rq.plainRequest() {
		return false
	}
	rq.setKey(string(query))
	compress := b.Compress && rq.pol.gzip

	c := p.cache
	now := p.now()
	c.mu.Lock()
	dc := c.dist(d.id)
	o := c.lookup(dc, rq.key, rq.variant)
	if o == nil || !o.fresh(now) || o.status != http.StatusOK {
		c.mu.Unlock()
		return false
	}
	c.stats.Hits++
	dc.counts.Hits++
	o.hits++
	c.mu.Unlock()
	if p.Observe != nil {
		p.Observe(Event{Kind: EventRequest, Time: now, Distribution: d.id, Host: string(ctx.Host()), Method: string(ctx.Method()), Path: string(ctx.Path()), XCache: "Hit"})
	}

	if hook := p.testHookFastHit; hook != nil {
		hook()
	}
	rq.cfID = newCfID()
	hh := rq.hitHeaders(o, compress)
	h := &ctx.Response.Header
	for _, f := range hh.fields {
		if f.key == "Date" {
			continue // fasthttp sends its own
		}
		for _, v := range f.values {
			h.Add(f.key, v)
		}
	}
	if hh.cfID {
		h.Set("X-Amz-Cf-Id", rq.cfID)
	}
	h.Set("Age", hh.ageAt(o, now)[0])
	ctx.SetStatusCode(http.StatusOK)
	if head {
		ctx.Response.SkipBody = true
		h.SetContentLength(len(hh.body))
		return true
	}
	if len(hh.body) <= writeChunk {
		ctx.Response.SetBodyRaw(hh.body)
		return true
	}
	p.fastBody(ctx, hh.body)
	return true
}

// fastBody sends a body larger than a write chunk under viewer write
// deadlines, as writeBody does on net/http: a viewer that accepts
// nothing for the timeout is disconnected, one that reads steadily gets
// it all. fasthttp copies it from a reader that renews the connection's
// write deadline for every write chunk it hands out.
func (p *Proxy) fastBody(ctx *fasthttp.RequestCtx, body []byte) {
	ctx.Response.SetBodyStream(&deadlineReader{body: body, conn: ctx.Conn(), timeout: p.viewerWriteTimeout()}, len(body))
}

// deadlineReader reads body, renewing conn's write deadline before each
// write chunk of it.
type deadlineReader struct {
	body    []byte
	conn    net.Conn
	timeout time.Duration
	left    int // bytes before the next renewal
}

func (d *deadlineReader) Read(b []byte) (int, error) {
	if len(d.body) == 0 {
		return 0, io.EOF
	}
	if d.left == 0 {
		if err := d.conn.SetWriteDeadline(time.Now().Add(d.timeout)); err != nil {
			return 0, err
		}
		d.left = writeChunk
	}
	n := copy(b[:min(len(b), d.left)], d.body)
	d.body, d.left = d.body[n:], d.left-n
	return n, nil
}

// plainPath reports whether an origin-form request path is one net/http
// would report as its own EscapedPath: only characters that need no
// escaping in a path. Others (percent-escapes among them) go through
// ServeHTTP.
func plainPath(p []byte) bool {
	if len(p) == 0 || p[0] != '/' {
		return false
	}
	for _, c := range p {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '/' || c == '-' || c == '.' || c == '_' || c == '~':
		default:
			return false
		}
	}
	return true
}

// hitHeaders returns o's plain-hit headers for the request's compression
// case, building them on first use.
func (rq *request) hitHeaders(o *object, compress bool) *hitHeaders {
	c := 0
	if compress {
		c = 1
		if acceptsGzip(rq.r) {
			c = 2
		}
	}
	hh := o.hit[c].Load()
	if hh == nil || hh.policy != rq.headers {
		hh = rq.buildHit(o, c)
		o.hit[c].Store(hh)
		// Count it in the cache's budget (issue 6); one built again for
		// a new policy is counted again, an overcount that lasts until
		// the object goes.
		cc := rq.p.cache
		cc.mu.Lock()
		cc.grow(cc.dist(rq.d.id), rq.key, o, nil, hh.bytes())
		cc.mu.Unlock()
	}
	return hh
}
