// Package cfinvtest runs an in-process CloudFront for Go tests, in the
// shape of net/http/httptest: the CloudFront API (REST-XML, 2020-05-31, as
// `cfinv serve` serves it) and a caching edge in front of the
// distributions' origins, both on 127.0.0.1.
//
//	srv := cfinvtest.NewServer(t, cfinvtest.WithS3Origin("site", dir))
//	dist := srv.NewDistribution(t, "site.s3.amazonaws.com") // or an HTTP server's URL
//	api := cloudfront.NewFromConfig(srv.AWSConfig())
//	r, err := srv.EdgeGet(ctx, dist, "/index.html")
//
// The API checks every request's SigV4 signature against the server's own
// generated key pair, which AWSConfig carries, so a test cannot pass with
// an unsigned or wrongly signed request. State is kept in a real bbolt
// file in t.TempDir (or in memory, WithMemoryStore); NewServer closes the
// server when the test ends.
//
// The edge, at EdgeURL, picks the distribution by the request's Host
// header: "ID.localhost" (what EdgeGet sends), the distribution's domain
// name (such as d1234abcd.cloudfront.net) or one of its aliases. With any
// other client, set the request's Host field:
//
//	req, _ := http.NewRequest("GET", srv.EdgeURL+"/index.html", nil)
//	req.Host = dist + ".localhost"
//
// It caches by the distribution's cache behaviours and TTLs and answers
// with CloudFront's X-Cache ("Miss from cloudfront", "Hit from
// cloudfront", …) and Age headers. CreateInvalidation purges it before it
// answers, so a request made after CreateInvalidation returns never gets
// content the invalidation covers. Distributions created or updated
// through the API are served at once.
//
// Invalidations read InProgress for DefaultCompletionDelay (see
// WithCompletionDelay), then Completed, on the real clock or on a Clock
// given WithClock, which the edge's TTLs follow too.
//
// An S3 API runs beside them at S3URL (as `cfinv serve --s3-addr` does),
// with the same key pair: a test deploys into a bucket with the S3 client
// S3Config configures and reads it back through the edge of a distribution
// whose origin is BUCKET.s3.amazonaws.com, each object with the
// Cache-Control and Content-Type it was uploaded with:
//
//	s3c := s3.NewFromConfig(srv.S3Config(), func(o *s3.Options) { o.UsePathStyle = true })
//	s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site")})
//	dist := srv.NewDistribution(t, "site.s3.amazonaws.com")
//
// What the emulator supports and where it differs from CloudFront is in
// docs/emulator.md of github.com/cfinv/cfinv.
package cfinvtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cfinv/cfinv/internal/edgecache"
	"github.com/cfinv/cfinv/internal/edgestore"
	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/s3api"
	"github.com/cfinv/cfinv/internal/s3store"
	"github.com/cfinv/cfinv/internal/sdkhttp"
	"github.com/cfinv/cfinv/internal/sigv4"
	"github.com/cfinv/cfinv/internal/store"
)

// Region is the region of the configuration AWSConfig returns: CloudFront
// is a global service whose API signs for us-east-1.
const Region = "us-east-1"

// Server is a running CloudFront API and edge. Start one with NewServer in
// a test or Start elsewhere; its fields must not be changed.
type Server struct {
	// URL is the API's base URL, http://127.0.0.1:PORT, with no trailing
	// slash: the endpoint for the AWS SDK or `--endpoint-url`.
	URL string
	// EdgeURL is the edge's base URL, http://127.0.0.1:PORT.
	EdgeURL string
	// S3URL is the S3 API's base URL, http://127.0.0.1:PORT: the endpoint
	// for an S3 client (S3Config) or `aws --endpoint-url`.
	S3URL string
	// AccessKeyID and SecretAccessKey are the one key pair the API
	// accepts.
	AccessKeyID     string
	SecretAccessKey string

	st         store.Store
	api        *http.Server
	edgeSrv    *http.Server
	s3Srv      *http.Server
	apiLn      net.Listener
	edgeLn     net.Listener
	s3Ln       net.Listener
	s3TempDir  string // the buckets of a WithMemoryStore server
	serveDone  sync.WaitGroup
	transport  *http.Transport // for the SDK clients AWSConfig builds and EdgeGet
	origins    *http.Transport // the edge's requests to custom origins
	removeDir  string          // a directory Start made and Close removes
	closeOnce  sync.Once
	closeError error

	distributions atomic.Int64 // CreateDistribution's caller references
}

// NewServer starts a server configured by opts and closes it when t and
// its subtests end (t.Cleanup). Its state is in t.TempDir unless
// WithDataDir or WithMemoryStore say otherwise. Any failure to start ends
// the test with t.Fatal.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := newConfig(opts)
	dir := ""
	if cfg.dataDir == "" && !cfg.memory {
		dir = t.TempDir()
	}
	s, err := start(cfg, dir)
	if err != nil {
		t.Fatalf("cfinvtest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("cfinvtest: %v", err)
		}
	})
	return s
}

// Start starts a server configured by opts, for programs and Examples that
// have no testing.TB. The caller must call Close. Its state is in a new
// temporary directory that Close removes, unless WithDataDir or
// WithMemoryStore say otherwise.
func Start(opts ...Option) (*Server, error) { return start(newConfig(opts), "") }

// start starts a server for cfg; dir, when not empty, is a data directory
// the caller owns (NewServer's t.TempDir).
func start(cfg config, dir string) (s *Server, err error) {
	if cfg.delay < 0 {
		return nil, fmt.Errorf("start: negative completion delay %v", cfg.delay)
	}
	if cfg.memory && cfg.dataDir != "" {
		return nil, errors.New("start: WithMemoryStore and WithDataDir cannot be combined")
	}
	// Transports of their own (with no proxy from the environment), so
	// that Close can disconnect them and leave no goroutine behind.
	s = &Server{
		transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
		origins:   &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
	}
	defer func() {
		if err != nil {
			s.release()
		}
	}()
	if cfg.dataDir != "" {
		dir = cfg.dataDir
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("start: create data directory: %w", err)
		}
	}
	if dir == "" && !cfg.memory {
		if dir, err = os.MkdirTemp("", "cfinvtest-"); err != nil {
			return nil, fmt.Errorf("start: create data directory: %w", err)
		}
		s.removeDir = dir
	}

	if cfg.memory {
		s.AccessKeyID, s.SecretAccessKey, err = sigv4.NewKeyPair()
		if err != nil {
			return nil, fmt.Errorf("start: generate key pair: %w", err)
		}
		s.st = store.NewMem()
	} else {
		s.AccessKeyID, s.SecretAccessKey, _, err = sigv4.LoadOrCreateKeyFile(filepath.Join(dir, "credentials"))
		if err != nil {
			return nil, fmt.Errorf("start: generate key pair: %w", err)
		}
		if s.st, err = store.OpenBolt(filepath.Join(dir, "state.db")); err != nil {
			return nil, fmt.Errorf("start: %w", err)
		}
	}

	s3Dir := filepath.Join(dir, "s3")
	if cfg.memory {
		if s.s3TempDir, err = os.MkdirTemp("", "cfinvtest-s3-"); err != nil {
			return nil, fmt.Errorf("start: create bucket directory: %w", err)
		}
		s3Dir = s.s3TempDir
	}
	buckets, err := s3store.Open(s3Dir)
	if err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}

	now := time.Now
	if cfg.clock != nil {
		now = cfg.clock.Now
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	edge := &edgecache.Proxy{
		Distributions: edgestore.Distributions(s.st),
		S3Origins:     cfg.s3,
		S3Buckets:     &s3api.Server{Store: buckets},
		Transport:     s.origins,
		Logger:        logger,
		Now:           now,
	}
	id, secret := s.AccessKeyID, s.SecretAccessKey
	api := emulator.New(emulator.Options{
		Store:           s.st,
		Now:             now,
		CompletionDelay: cfg.delay,
		// Signatures are checked on the real clock, which the SDK signs
		// with, whatever WithClock says.
		Auth:   &sigv4.Verifier{Lookup: func(k string) (string, bool) { return secret, k == id }},
		Purger: edge,
		Logger: logger,
	})

	if s.apiLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start: listen for the API: %w", err)
	}
	if s.edgeLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start: listen for the edge: %w", err)
	}
	if s.s3Ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start: listen for the S3 API: %w", err)
	}
	s.URL = "http://" + s.apiLn.Addr().String()
	s.EdgeURL = "http://" + s.edgeLn.Addr().String()
	s.S3URL = "http://" + s.s3Ln.Addr().String()
	errLog := slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	s.api = &http.Server{Handler: refreshAfterWrites(api.Handler(), edge), ReadHeaderTimeout: 10 * time.Second, ErrorLog: errLog}
	s.edgeSrv = &http.Server{Handler: edge, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errLog}
	s.s3Srv = &http.Server{Handler: &s3api.Server{Store: buckets, Auth: &sigv4.Verifier{
		Service: "s3",
		Lookup:  func(k string) (string, bool) { return secret, k == id },
	}}, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errLog}
	s.serveDone.Add(3)
	go func() { defer s.serveDone.Done(); s.api.Serve(s.apiLn) }()
	go func() { defer s.serveDone.Done(); s.edgeSrv.Serve(s.edgeLn) }()
	go func() { defer s.serveDone.Done(); s.s3Srv.Serve(s.s3Ln) }()
	return s, nil
}

// refreshAfterWrites makes the edge list the distributions again after
// each API request that may change them, before the client sees the
// answer, so a distribution is served as created or updated at once even
// on a Clock that stands still.
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

// AWSConfig returns an AWS SDK configuration for the API: BaseEndpoint
// URL, static credentials of the server's key pair, region us-east-1, and
// an HTTP client that Close disconnects. Pass it to
// cloudfront.NewFromConfig. It reads no environment and no shared
// configuration files.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.SecretAccessKey, ""),
		HTTPClient:   sdkhttp.GuardBody(&http.Client{Transport: s.transport, Timeout: 30 * time.Second}),
	}
}

// S3Config returns an AWS SDK configuration for the S3 API, as AWSConfig
// does for CloudFront: BaseEndpoint S3URL, the server's key pair, region
// us-east-1. Pass it to s3.NewFromConfig with UsePathStyle set (buckets
// are addressed as S3URL/BUCKET/KEY).
func (s *Server) S3Config() aws.Config {
	cfg := s.AWSConfig()
	cfg.BaseEndpoint = aws.String(s.S3URL)
	return cfg
}

// Close stops the API, the S3 API and the edge, waiting up to 5 seconds for requests
// in flight and then cutting them off, closes the store and removes the
// data directory if Start made it. After Close the ports are free. Close
// may be called more than once; later calls return the first one's
// result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, hs := range []*http.Server{s.api, s.edgeSrv, s.s3Srv} {
			if err := hs.Shutdown(ctx); err != nil {
				hs.Close() // requests still running after 5 s are cut off
			}
		}
		s.serveDone.Wait()
		if err := s.release(); err != nil {
			s.closeError = fmt.Errorf("close: %w", err)
		}
	})
	return s.closeError
}

// release frees what start acquired, for Close and for a failed start.
func (s *Server) release() error {
	var errs []error
	for _, ln := range []net.Listener{s.apiLn, s.edgeLn, s.s3Ln} {
		if ln != nil {
			ln.Close()
		}
	}
	s.transport.CloseIdleConnections()
	s.origins.CloseIdleConnections()
	if s.st != nil {
		if err := s.st.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
	}
	if s.s3TempDir != "" {
		if err := os.RemoveAll(s.s3TempDir); err != nil {
			errs = append(errs, fmt.Errorf("remove bucket directory: %w", err))
		}
	}
	if s.removeDir != "" {
		if err := os.RemoveAll(s.removeDir); err != nil {
			errs = append(errs, fmt.Errorf("remove data directory: %w", err))
		}
	}
	return errors.Join(errs...)
}
