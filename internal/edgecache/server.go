package edgecache

import (
	"log/slog"
	"net"
	"net/http"
	"time"
)

// The limits both edge servers (Proxy.Server on net/http, Proxy.FastServer
// on fasthttp) put on a viewer connection, documented in docs/emulator.md:
//
//   - a request, headers and body, must arrive within ViewerReadTimeout of
//     its first byte (a body the edge passes through to the origin
//     included), or the connection is closed;
//   - an idle keep-alive connection is closed after viewerIdleTimeout;
//   - each write of up to writeChunk bytes must be accepted within
//     ViewerWriteTimeout;
//   - the kernel's send buffer of the connection is viewerSendBuffer, so
//     that "accepted" means the viewer read the bytes. With the default,
//     Linux grows a loopback socket's send buffer to 4 MiB, and it wakes a
//     writer blocked on a full buffer only once a third of it has
//     drained: a write then waited for the viewer to read 1.3 MiB, and a
//     viewer reading steadily at under 1.3 MiB per ViewerWriteTimeout was
//     disconnected mid-object (issue 2b: TestSlowViewerGetsWholeObject
//     failed under load, at 0.9 MB/s with a 2 s timeout).

// DefaultViewerReadTimeout is how long a viewer may take to send a
// request's headers and body.
const DefaultViewerReadTimeout = 10 * time.Second

// viewerIdleTimeout closes keep-alive connections that carry no request.
const viewerIdleTimeout = 120 * time.Second

// viewerSendBuffer is the SO_SNDBUF of a viewer connection (Linux doubles
// it for its bookkeeping): a blocked write returns once about writeChunk/3
// bytes have been read by the viewer.
const viewerSendBuffer = writeChunk / 2

// viewerReadTimeout is Proxy.ViewerReadTimeout or its default.
func (p *Proxy) viewerReadTimeout() time.Duration {
	if p.ViewerReadTimeout > 0 {
		return p.ViewerReadTimeout
	}
	return DefaultViewerReadTimeout
}

// Server returns the edge p on net/http, with the viewer limits FastServer
// has: ViewerReadTimeout for a request's headers and body, an idle timeout
// of 120 s, ViewerWriteTimeout per write and a send buffer small enough
// for it to measure the viewer. logger receives the server's own error
// messages (nil: discarded). Serve it with Serve(ln) and stop it with
// Shutdown, as any http.Server.
func (p *Proxy) Server(logger *slog.Logger) *http.Server {
	p.init()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Handler:           p,
		ReadHeaderTimeout: p.viewerReadTimeout(),
		// The whole request: net/http clears the deadline once the body
		// is read, so a long response is not cut by it.
		ReadTimeout: p.viewerReadTimeout(),
		IdleTimeout: viewerIdleTimeout,
		ConnState: func(c net.Conn, s http.ConnState) {
			if s == http.StateNew {
				setSendBuffer(c)
			}
		},
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// setSendBuffer sets a viewer connection's send buffer to
// viewerSendBuffer.
func setSendBuffer(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(viewerSendBuffer) // best effort: the limits hold, less precisely, without it
	}
}

// sendBufferListener sets the send buffer of every connection it accepts.
type sendBufferListener struct{ net.Listener }

func (l sendBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		setSendBuffer(c)
	}
	return c, err
}
