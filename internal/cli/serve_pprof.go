package cli

import (
	"log/slog"
	"net"
	"net/http"
	"time"
)

// pprofHandler serves Go's runtime profiles at /debug/pprof/. It is nil,
// and serve has no --pprof-addr, unless cfinv is built with -tags pprof
// (serve_pprof_on.go): net/http/pprof would add 0.4 MB to every binary and
// 0.2 MiB to the peak memory of every client command (BENCHMARKS.md).
var pprofHandler func() http.Handler

// checkPprofAddr refuses a --pprof-addr that is not a loopback address:
// profiles show the server's memory, which holds the accepted keys.
func checkPprofAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return flagErrorf("invalid --pprof-addr %q: want a loopback HOST:PORT such as 127.0.0.1:6060 (%v)", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return flagErrorf("invalid --pprof-addr %q: profiles show the server's memory (its keys included), so only a loopback address is accepted, such as 127.0.0.1:6060 or [::1]:6060", addr)
	}
	return nil
}

// pprofServer is the server of pprofHandler.
func pprofServer(logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           pprofHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// listenPprof listens on addr and refuses a name that resolved to an
// address reachable from other machines.
func listenPprof(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, listenError("--pprof-addr", addr, err)
	}
	if !isLoopback(ln.Addr()) {
		ln.Close()
		return nil, flagErrorf("invalid --pprof-addr %q: it listens on %s, which is not loopback; use 127.0.0.1:PORT", addr, ln.Addr())
	}
	return ln, nil
}
