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
// The server is the one `cfinv serve` runs, started by the same code with
// the same limits; only the options differ (loopback ports chosen by the
// system, one generated key pair, no log unless WithLogger). What the
// emulator supports and where it differs from CloudFront is in
// docs/emulator.md of github.com/cfinv/cfinv.
package cfinvtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cfinv/cfinv/internal/local"
	"github.com/cfinv/cfinv/internal/sdkhttp"
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

	local      *local.Server
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
	}
	if dir == "" && !cfg.memory {
		if dir, err = os.MkdirTemp("", "cfinvtest-"); err != nil {
			return nil, fmt.Errorf("start: create data directory: %w", err)
		}
		s.removeDir = dir
	}
	opts := local.Options{
		DataDir: dir,
		Memory:  cfg.memory,
		// Signatures are checked on the real clock, which the SDK signs
		// with, whatever WithClock says.
		SignatureNow:    time.Now,
		CompletionDelay: cfg.delay,
		Logger:          cfg.logger,
		APIAddr:         "127.0.0.1:0",
		EdgeAddr:        "127.0.0.1:0",
		S3Origins:       cfg.s3,
		OriginTransport: s.origins,
		S3Addr:          "127.0.0.1:0",
		AccountID:       cfg.accountID,
		StrictRegion:    cfg.strictRegion,
		ReadTimeout:     cfg.readTimeout,
	}
	if cfg.clock != nil {
		opts.Now = cfg.clock.Now
	}
	if s.local, err = local.Start(opts); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	s.URL, s.EdgeURL, s.S3URL = s.local.URL, s.local.EdgeURL, s.local.S3URL
	for id, secret := range s.local.Keys {
		s.AccessKeyID, s.SecretAccessKey = id, secret
	}
	return s, nil
}

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
		if err := s.release(); err != nil {
			s.closeError = fmt.Errorf("close: %w", err)
		}
	})
	return s.closeError
}

// release frees what start acquired, for Close and for a failed start.
func (s *Server) release() error {
	var errs []error
	if s.local != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Requests and connections still open after 5 s are cut off; that
		// is not an error of Close. A client's spare connection that never
		// sent a request keeps http.Server.Shutdown waiting until it is
		// 5 s old, so the deadline is reached whenever one was opened just
		// before Close (deploy's parallel uploads leave such connections).
		if err := s.local.Shutdown(ctx); err != nil {
			errs = append(errs, withoutCutOff(err)...)
		}
	}
	s.transport.CloseIdleConnections()
	s.origins.CloseIdleConnections()
	if s.removeDir != "" {
		if err := os.RemoveAll(s.removeDir); err != nil {
			errs = append(errs, fmt.Errorf("remove data directory: %w", err))
		}
	}
	return errors.Join(errs...)
}

// withoutCutOff is err (one error or a join of them) without the
// deadline errors of requests that were cut off.
func withoutCutOff(err error) []error {
	list := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	var out []error
	for _, e := range list {
		if !errors.Is(e, context.DeadlineExceeded) {
			out = append(out, e)
		}
	}
	return out
}
