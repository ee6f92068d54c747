package cli

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/cfinv/cfinv/internal/s3api"
	"github.com/cfinv/cfinv/internal/s3store"
	"github.com/cfinv/cfinv/internal/sigv4"
)

// DefaultS3Addr is where `cfinv serve` runs its S3 API unless told
// otherwise.
const DefaultS3Addr = "127.0.0.1:8657"

// s3Service is the S3 API of a running cfinv serve.
type s3Service struct {
	Store *s3store.Store
	srv   *http.Server
	ln    net.Listener
}

// openS3 opens the bucket store under the data directory (also when the
// API is off: the edge reads buckets from it), adds every --s3-origin
// directory as a read-only bucket, and, unless --s3-addr is "", listens
// for the S3 API.
func openS3(opts *serveOptions, keys map[string]string, now func() time.Time, logger *slog.Logger) (*s3Service, error) {
	st, err := s3store.Open(filepath.Join(opts.DataDir, "s3"))
	if err != nil {
		return nil, err
	}
	for bucket, loc := range opts.s3 {
		if strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://") {
			continue
		}
		if err := st.AddDirectory(bucket, loc); err != nil {
			return nil, &FlagError{Err: fmt.Errorf("invalid --s3-origin %s=%s: %w (the data directory holds a bucket by that name: pick another name or another --data-dir)", bucket, loc, err)}
		}
	}
	s := &s3Service{Store: st}
	if opts.S3Addr == "" && opts.S3Listener == nil {
		return s, nil
	}
	s.ln = opts.S3Listener
	if s.ln == nil {
		// A taken port is an error, the default's too: running on without
		// the S3 API would send a user's `aws s3` commands to whatever
		// holds the port (most often another cfinv serve and its buckets).
		if s.ln, err = net.Listen("tcp", opts.S3Addr); err != nil {
			return nil, listenError("--s3-addr", opts.S3Addr, err)
		}
	}
	s.srv = &http.Server{
		Handler: &s3api.Server{Store: st, Auth: &sigv4.Verifier{
			Service: "s3",
			Lookup:  func(id string) (string, bool) { s, ok := keys[id]; return s, ok },
			Now:     now,
		}},
		// No ReadTimeout: a 5 GiB PUT takes as long as it takes. Headers
		// must come promptly.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// URL is the S3 API's base URL, "" when it is off.
func (s *s3Service) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// close releases the listener of an S3 API that will not be served.
func (s *s3Service) close() {
	if s.ln != nil {
		s.ln.Close()
	}
}

// Origin is the bucket store as the edge's origin for S3 buckets no
// --s3-origin maps: the S3 API in process, unsigned.
func (s *s3Service) Origin() http.Handler { return &s3api.Server{Store: s.Store} }
