//go:build pprof

package cli

import (
	"net/http"
	"net/http/pprof"
)

// Built with -tags pprof, serve takes --pprof-addr.
func init() {
	pprofHandler = func() http.Handler {
		// net/http/pprof's handlers on a mux of their own: the API and
		// the edge never serve them.
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		return mux
	}
}
