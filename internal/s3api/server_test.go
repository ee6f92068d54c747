package s3api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/internal/s3store"
)

// TestQueryParameters: S3's subresources select (here: refuse) an
// operation, other parameters are ignored as S3 ignores them.
func TestQueryParameters(t *testing.T) {
	st, err := s3store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBucket("site"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutObject("site", "k", strings.NewReader("v"), s3store.PutInput{}); err != nil {
		t.Fatal(err)
	}
	srv := &Server{Store: st}
	tests := []struct {
		name, method, url string
		want              int
		wantBody          string
	}{
		{"cache-busting parameter", http.MethodGet, "/site/k?v=2", 200, "v"},
		{"object tagging", http.MethodGet, "/site/k?tagging", 501, "GET ?tagging"},
		{"bucket policy", http.MethodPut, "/site?policy", 501, "PUT ?policy"},
		{"virtual-hosted", http.MethodGet, "http://site.s3.localhost:8657/k", 200, "v"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, httptest.NewRequest(tt.method, tt.url, nil))
			if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Fatalf("%s %s = %d %q, want %d with %q", tt.method, tt.url, w.Code, w.Body, tt.want, tt.wantBody)
			}
		})
	}
}
