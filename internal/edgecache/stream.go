package edgecache

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Objects larger than MaxObjectBytes are not cached: they are streamed
// from the origin to the viewer through a fixed-size buffer, so a request
// costs the same memory whatever the object's size (issue 10). Streaming
// viewers of one object do not share a fetch (there is nothing to share
// without holding the object), so each makes its own; what the cache does
// hold is bounded by MaxObjectBytes per object and MaxBytes in all.
// Spooling large objects to a temporary file would let them be shared and
// cached, at the cost of disk space and a second copy of the data; the
// emulator's cache lives in memory and is meant for site-sized objects,
// so it streams instead.

// writeChunk is the most written to a viewer under one write deadline.
const writeChunk = 256 << 10

// viewerWriteTimeout is Proxy.ViewerWriteTimeout or its default.
func (p *Proxy) viewerWriteTimeout() time.Duration {
	if p.ViewerWriteTimeout > 0 {
		return p.ViewerWriteTimeout
	}
	return DefaultViewerWriteTimeout
}

// viewerWriter writes a response body in chunks of at most writeChunk
// bytes, each under a write deadline of the viewer write timeout (on the
// real clock: the deadline is the connection's), so a viewer that reads
// slowly but steadily gets any size of object while one that stops
// reading is disconnected. It suits servers with or without a
// WriteTimeout: done clears the deadline, so the next request on a
// keep-alive connection is not cut by it.
type viewerWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	armed   bool
}

func (p *Proxy) viewerWriter(w http.ResponseWriter) *viewerWriter {
	return &viewerWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: p.viewerWriteTimeout()}
}

func (v *viewerWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		c := b[:min(len(b), writeChunk)]
		if v.rc.SetWriteDeadline(time.Now().Add(v.timeout)) == nil {
			v.armed = true
		}
		m, err := v.ResponseWriter.Write(c)
		n += m
		if err != nil {
			return n, err
		}
		b = b[m:]
	}
	return n, nil
}

// Unwrap lets http.ResponseController reach the connection.
func (v *viewerWriter) Unwrap() http.ResponseWriter { return v.ResponseWriter }

// done flushes what the server still buffers under one more deadline,
// then clears the deadline.
func (v *viewerWriter) done() {
	if !v.armed {
		return
	}
	v.rc.SetWriteDeadline(time.Now().Add(v.timeout))
	v.rc.Flush()
	v.rc.SetWriteDeadline(time.Time{})
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// copyBody copies r to the viewer through a pooled buffer.
func copyBody(w io.Writer, r io.Reader) error {
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	_, err := io.CopyBuffer(onlyWriter{w}, r, *buf)
	return err
}

// onlyWriter hides ReadFrom, so io.CopyBuffer uses the buffer and each
// write goes through viewerWriter's deadline.
type onlyWriter struct{ io.Writer }

// idleBody wraps a streamed origin body so that OriginTimeout bounds each
// read from the origin (as CloudFront's origin response timeout bounds
// the wait for each packet), not the whole transfer, which a slow viewer
// may make last long; time spent writing to the viewer is not counted.
// Closing it cancels the origin request.
func (p *Proxy) idleBody(body io.ReadCloser, timer *time.Timer, cancel context.CancelFunc) io.ReadCloser {
	return &idleReader{body: body, timer: timer, timeout: p.originTimeout(), cancel: cancel}
}

type idleReader struct {
	body    io.ReadCloser
	timer   *time.Timer
	timeout time.Duration
	cancel  context.CancelFunc
}

func (r *idleReader) Read(b []byte) (int, error) {
	r.timer.Reset(r.timeout)
	n, err := r.body.Read(b)
	if !r.timer.Stop() && err != nil && err != io.EOF {
		err = errors.Join(context.DeadlineExceeded, err)
	}
	return n, err
}

func (r *idleReader) Close() error {
	r.timer.Stop()
	err := r.body.Close()
	r.cancel()
	return err
}

// streamOwn fetches the object for this viewer alone (it is too large to
// cache, so a follower of a collapsed miss cannot share the leader's
// stream) and streams it.
func (rq *request) streamOwn(w http.ResponseWriter) {
	ctx, cancel := context.WithCancel(rq.r.Context())
	req := rq.originRequest(ctx, http.MethodGet)
	resp, timer, err := rq.roundTrip(req, cancel)
	if err != nil {
		rq.finish(w, fetchResult{err: err}, false)
		return
	}
	resp.Body = rq.p.idleBody(resp.Body, timer, cancel)
	rq.stream(w, resp, nil)
}

// stream sends an origin response that is not cached to the viewer:
// prefix (what was read before the body proved too large), then the rest
// of resp.Body. A 200 of known length answers the viewer's range and
// conditional requests as a cached object would (206, 304, 412, 416):
// http.ServeContent reads it through a forward-only seeker, so a range
// costs reading the origin up to its end and no more.
func (rq *request) stream(w http.ResponseWriter, resp *http.Response, prefix []byte) {
	defer resp.Body.Close()
	h := w.Header()
	for k, v := range resp.Header {
		h[k] = v
	}
	removeHopHeaders(h)
	xc := "Miss"
	if resp.StatusCode >= 400 {
		xc = "Error"
	}
	rq.p.cfHeaders(h, xc, rq.cfID)
	rq.headers.apply(h, rq.r)
	body := io.Reader(resp.Body)
	if len(prefix) > 0 {
		body = io.MultiReader(bytes.NewReader(prefix), resp.Body)
	}
	vw := rq.p.viewerWriter(w)
	defer vw.done()
	r := rq.r
	if resp.StatusCode == http.StatusOK && resp.ContentLength >= 0 && conditionalOrRange(r) {
		if strings.Contains(r.Header.Get("Range"), ",") {
			// Several ranges may ask for bytes already sent; answer
			// with the whole object, as RFC 9110 §14.2 allows.
			r = r.Clone(r.Context())
			r.Header.Del("Range")
		}
		h.Del("Content-Length")
		if _, ok := h["Content-Type"]; !ok {
			h["Content-Type"] = nil // no sniffing: CloudFront passes what the origin sent
		}
		modtime, _ := http.ParseTime(h.Get("Last-Modified"))
		http.ServeContent(vw, r, "", modtime, &forwardSeeker{r: body, size: resp.ContentLength})
		return
	}
	w.WriteHeader(resp.StatusCode)
	if r.Method == http.MethodHead {
		return
	}
	copyBody(vw, body)
}

// errSeekBack is returned when http.ServeContent would read a streamed
// body backwards.
var errSeekBack = errors.New("streamed origin body cannot seek backwards")

// forwardSeeker gives http.ServeContent an io.ReadSeeker over a stream of
// known size: seeking only records the position, and reading skips
// forward to it.
type forwardSeeker struct {
	r    io.Reader
	size int64
	pos  int64 // where the next read starts
	read int64 // bytes taken from r
}

func (f *forwardSeeker) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.pos
	case io.SeekEnd:
		offset += f.size
	default:
		return 0, errors.New("seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("seek: negative position")
	}
	f.pos = offset
	return offset, nil
}

func (f *forwardSeeker) Read(b []byte) (int, error) {
	if f.pos < f.read {
		return 0, errSeekBack
	}
	if f.pos > f.read {
		n, err := io.CopyN(io.Discard, f.r, f.pos-f.read)
		f.read += n
		if err != nil {
			return 0, err
		}
	}
	n, err := f.r.Read(b)
	f.read += int64(n)
	f.pos = f.read
	return n, err
}
