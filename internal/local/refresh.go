package local

import (
	"net/http"

	"github.com/cfinv/cfinv/internal/edgecache"
)

// refreshAfterWrites makes the edge list the distributions again after
// each API request that may change them, before the client sees the
// answer, so a distribution is served as created or updated at once even
// on a clock that stands still.
func refreshAfterWrites(h http.Handler, edge *edgecache.Proxy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			h.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(&refreshWriter{ResponseWriter: w, refresh: edge.RefreshDistributions}, r)
	})
}

// refreshWriter calls refresh once, before the first byte of the answer:
// by then the handler has committed its write to the store.
type refreshWriter struct {
	http.ResponseWriter
	refresh func()
	done    bool
}

func (w *refreshWriter) fire() {
	if !w.done {
		w.done = true
		w.refresh()
	}
}

func (w *refreshWriter) WriteHeader(code int) { w.fire(); w.ResponseWriter.WriteHeader(code) }

func (w *refreshWriter) Write(b []byte) (int, error) { w.fire(); return w.ResponseWriter.Write(b) }

func (w *refreshWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
