// Package local assembles the local CloudFront from its parts: the state
// store, the CloudFront API (emulator) behind SigV4 and optional fault
// injection, the caching edge (edgecache over edgestore) that every
// invalidation purges, and the S3 API (s3api over s3store) whose buckets
// the edge serves. `cfinv serve`, `cfinv demo` and the public cfinvtest
// package all start it through Start, so they behave alike by
// construction; they differ only in the Options they pass.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cfinv/cfinv/internal/cffunc"
	"github.com/cfinv/cfinv/internal/console"
	"github.com/cfinv/cfinv/internal/edgecache"
	"github.com/cfinv/cfinv/internal/edgestore"
	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/faults"
	"github.com/cfinv/cfinv/internal/s3api"
	"github.com/cfinv/cfinv/internal/s3store"
	"github.com/cfinv/cfinv/internal/sigv4"
	"github.com/cfinv/cfinv/internal/store"
)

// The HTTP servers the edge can run on (Options.EdgeServer).
const (
	EdgeNetHTTP  = "net/http"
	EdgeFastHTTP = "fasthttp"
)

// DefaultReadTimeout bounds how long the API waits for a whole request, so
// a client that trickles its body (slow-loris) cannot hold a connection.
const DefaultReadTimeout = 60 * time.Second

// Options configure Start. The zero value of each field is a useful
// default, except that DataDir is needed unless Memory is set.
type Options struct {
	// DataDir holds the state (state.db), the generated key pair
	// (credentials) and the buckets (s3/). It is created if needed.
	DataDir string
	// Memory keeps the state in memory and the buckets in a temporary
	// directory that Close removes; DataDir is then not used.
	Memory bool
	// Keys are the accepted key pairs, access key ID to secret. When
	// empty, one pair is loaded from DataDir/credentials or generated
	// there (with Memory, generated and kept in memory).
	Keys map[string]string

	// Now is the clock of the API and the edge: invalidations complete,
	// distributions deploy and cached objects expire by it. Nil means
	// time.Now.
	Now func() time.Time
	// SignatureNow is the clock request signatures are checked against.
	// Nil means time.Now.
	SignatureNow func() time.Time
	// CompletionDelay is the time from creation until an invalidation is
	// Completed and a distribution Deployed.
	CompletionDelay time.Duration
	// AccountID is used in distribution ARNs ("": the emulator's
	// default).
	AccountID string
	// StrictRegion accepts only signatures scoped to us-east-1, the
	// region of CloudFront and of the S3 API's buckets; the S3 API answers
	// another as S3 does (400 AuthorizationHeaderMalformed naming
	// us-east-1).
	StrictRegion bool
	// Faults, when its Rate is above zero, injects failures into the API.
	Faults faults.Config
	// Logger receives the request logs of the API, the edge and the S3
	// API. Nil discards them.
	Logger *slog.Logger

	// APIAddr is where the API listens unless APIListener is given.
	APIAddr     string
	APIListener net.Listener
	// ReadTimeout bounds reading one whole API request, body included
	// (0: DefaultReadTimeout).
	ReadTimeout time.Duration

	// EdgeAddr is where the edge listens unless EdgeListener is given;
	// with neither there is no edge.
	EdgeAddr     string
	EdgeListener net.Listener
	// EdgeMaxBytes is the edge cache's byte budget (0: the edge's
	// default).
	EdgeMaxBytes int64
	// EdgeServer is EdgeNetHTTP ("" too) or EdgeFastHTTP.
	EdgeServer string
	// S3Origins maps a bucket to a directory or an http(s) URL that the
	// edge serves for it. Directories are also read-only buckets of the
	// S3 API.
	S3Origins map[string]string
	// OriginTransport makes the edge's requests to custom origins (nil:
	// http.DefaultTransport).
	OriginTransport http.RoundTripper

	// S3Addr is where the S3 API listens unless S3Listener is given; with
	// neither there is no S3 API (the edge still reads the buckets).
	S3Addr     string
	S3Listener net.Listener
}

// A ListenError is a failure to listen on one of the Options' addresses.
type ListenError struct {
	Part string // "api", "edge" or "s3"
	Addr string
	Err  error
}

func (e *ListenError) Error() string {
	return fmt.Sprintf("listen for the %s on %s: %v", partNames[e.Part], e.Addr, e.Err)
}

func (e *ListenError) Unwrap() error { return e.Err }

var partNames = map[string]string{"api": "API", "edge": "edge", "s3": "S3 API"}

// An S3OriginError is an S3 origin directory that cannot be a bucket (the
// data directory has a bucket by that name).
type S3OriginError struct {
	Bucket, Dir string
	Err         error
}

func (e *S3OriginError) Error() string {
	return fmt.Sprintf("add S3 origin %s=%s: %v", e.Bucket, e.Dir, e.Err)
}

func (e *S3OriginError) Unwrap() error { return e.Err }

// Server is a running local CloudFront. Its fields must not be changed.
type Server struct {
	// ConsoleURL is the web console's address, URL+"/console/".
	ConsoleURL string
	// URL, EdgeURL and S3URL are the base URLs, http://HOST:PORT; EdgeURL
	// and S3URL are "" when that part is off.
	URL, EdgeURL, S3URL string
	// APIAddr, EdgeAddr and S3Addr are the addresses listened on (nil
	// when that part is off).
	APIAddr, EdgeAddr, S3Addr net.Addr
	// Keys are the accepted key pairs. KeyFile is the file they were
	// loaded from or generated into ("" when given in Options.Keys), and
	// KeyFileCreated says it was just written.
	Keys           map[string]string
	KeyFile        string
	KeyFileCreated bool

	st        store.Store
	s3TempDir string
	buckets   *s3store.Store // closed last: its logs are checkpointed
	servers   []server       // API, edge, S3, in that order of start
	listeners []net.Listener
	errc      chan error
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// server is one of the HTTP servers: net/http's, or the edge's fasthttp.
type server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

// Start opens the store and the buckets, listens and serves. The caller
// must call Shutdown or Close.
func Start(opts Options) (*Server, error) {
	s := &Server{errc: make(chan error, 3)}
	if err := s.start(opts); err != nil {
		s.release()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(opts Options) error {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := s.openState(opts); err != nil {
		return err
	}
	buckets, err := s.openBuckets(opts)
	if err != nil {
		return err
	}
	s.buckets = buckets

	edgeOn := opts.EdgeAddr != "" || opts.EdgeListener != nil
	var edge *edgecache.Proxy
	var purger emulator.Purger
	// The edge reads key value stores through the API's decoded copies;
	// api is set below, before anything is served.
	var api *emulator.Server
	kvs := func(ctx context.Context, id string) (*cffunc.KeyValueStore, bool, error) {
		return api.KeyValueStore(ctx, id)
	}
	if edgeOn {
		edge = &edgecache.Proxy{
			Distributions: edgestore.DistributionsReading(s.st, kvs),
			S3Origins:     opts.S3Origins,
			S3Buckets:     &s3api.Server{Store: buckets, AccountID: opts.AccountID},
			Transport:     opts.OriginTransport,
			Logger:        logger,
			Now:           now,
			MaxBytes:      opts.EdgeMaxBytes,
		}
		purger = edge
	}
	lookup := func(id string) (string, bool) { secret, ok := s.Keys[id]; return secret, ok }
	api = emulator.New(emulator.Options{
		Store:           s.st,
		Now:             now,
		CompletionDelay: opts.CompletionDelay,
		Auth:            &sigv4.Verifier{Lookup: lookup, Now: opts.SignatureNow, StrictRegion: opts.StrictRegion},
		KVSAuth:         &sigv4.V4AVerifier{Service: "cloudfront-keyvaluestore", Lookup: lookup, Now: opts.SignatureNow},
		ImportObject:    importObject(buckets),
		Purger:          purger,
		Logger:          logger,
		AccountID:       opts.AccountID,
		StrictRegion:    opts.StrictRegion,
	})
	var handler http.Handler = api.Handler()
	if edge != nil {
		// A distribution is served as created or updated as soon as the
		// API answers, on any clock.
		handler = refreshAfterWrites(handler, edge)
	}
	// The console's invalidations go through the same handler as the
	// API's, faults aside.
	con := console.New(console.Options{Store: s.st, API: handler, Keys: s.Keys, SignNow: opts.SignatureNow,
		Now: now, Edge: edge, Buckets: buckets})
	if edge != nil {
		edge.Observe = con.Observe
	}
	if opts.Faults.Rate > 0 {
		if err := opts.Faults.Validate(); err != nil {
			return fmt.Errorf("configure faults: %w", err)
		}
		handler = WithFaults(handler, opts.Faults, logger)
	}
	handler = withConsole(handler, con)
	readTimeout := opts.ReadTimeout
	if readTimeout <= 0 {
		readTimeout = DefaultReadTimeout
	}
	errLog := slog.NewLogLogger(logger.Handler(), slog.LevelWarn)

	apiLn, err := s.listen("api", opts.APIAddr, opts.APIListener)
	if err != nil {
		return err
	}
	s.URL, s.APIAddr = "http://"+apiLn.Addr().String(), apiLn.Addr()
	s.ConsoleURL = s.URL + console.Prefix
	apiSrv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(10*time.Second, readTimeout),
		ReadTimeout:       readTimeout,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          errLog,
	}
	// The live feed's streams end at Shutdown rather than hold it up.
	apiSrv.RegisterOnShutdown(con.Feed().Close)
	var edgeLn, s3Ln net.Listener
	var edgeSrv server
	if edge != nil {
		if edgeLn, err = s.listen("edge", opts.EdgeAddr, opts.EdgeListener); err != nil {
			return err
		}
		s.EdgeURL, s.EdgeAddr = "http://"+edgeLn.Addr().String(), edgeLn.Addr()
		if opts.EdgeServer == EdgeFastHTTP {
			edgeSrv = edge.FastServer(logger)
		} else {
			edgeSrv = edge.Server(logger)
		}
	}
	var s3Srv *http.Server
	if opts.S3Addr != "" || opts.S3Listener != nil {
		if s3Ln, err = s.listen("s3", opts.S3Addr, opts.S3Listener); err != nil {
			return err
		}
		s.S3URL, s.S3Addr = "http://"+s3Ln.Addr().String(), s3Ln.Addr()
		s3Handler := &s3api.Server{Store: buckets, AccountID: opts.AccountID, Auth: &sigv4.Verifier{Service: "s3", Lookup: lookup, Now: opts.SignatureNow,
			StrictRegion: opts.StrictRegion}}
		s3Handler.Auth.RegionFor = s3Handler.SigningRegion // a bucket's own region
		s3Srv = &http.Server{
			Handler: s3Handler,
			// No ReadTimeout: a 5 GiB PUT takes as long as it takes.
			// Headers must come promptly.
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          errLog,
		}
	}
	s.serve(apiSrv, apiLn)
	if edgeSrv != nil {
		s.serve(edgeSrv, edgeLn)
	}
	if s3Srv != nil {
		s.serve(s3Srv, s3Ln)
	}
	return nil
}

// withConsole serves the console at console.Prefix and everything else
// with api. The CloudFront API's paths all start with /2020-05-31/, so
// they never meet the console's.
func withConsole(api http.Handler, con *console.Console) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, console.Prefix) || r.URL.Path == "/console" {
			if r.URL.Path == "/console" {
				http.Redirect(w, r, console.Prefix, http.StatusMovedPermanently)
				return
			}
			con.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// WithFaults returns h behind a fault injector configured by cfg when its
// Rate is above zero, and h itself otherwise. Faults are logged to log,
// with a warning at once so nobody mistakes an injected failure for a real
// one. cfg must be valid (faults.Config.Validate).
func WithFaults(h http.Handler, cfg faults.Config, log *slog.Logger) http.Handler {
	if cfg.Rate == 0 {
		return h
	}
	if log != nil {
		log.Warn("fault injection is on", "rate", cfg.Rate, "seed", cfg.Seed, "kinds", fmt.Sprint(cfg.Kinds), "slow_delay", cfg.SlowDelay)
	}
	cfg.Logger = log
	return faults.New(h, cfg)
}

// openState opens the store and finds the key pairs.
func (s *Server) openState(opts Options) (err error) {
	if opts.Memory {
		s.st = store.NewMem()
	} else {
		if opts.DataDir == "" {
			return errors.New("open state: no data directory")
		}
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
		if s.st, err = store.OpenBolt(filepath.Join(opts.DataDir, "state.db")); err != nil {
			return err
		}
	}
	if len(opts.Keys) > 0 {
		s.Keys = opts.Keys
		return nil
	}
	var id, secret string
	if opts.Memory {
		id, secret, err = sigv4.NewKeyPair()
	} else {
		s.KeyFile = filepath.Join(opts.DataDir, "credentials")
		id, secret, s.KeyFileCreated, err = sigv4.LoadOrCreateKeyFile(s.KeyFile)
	}
	if err != nil {
		return fmt.Errorf("generate credentials: %w", err)
	}
	s.Keys = map[string]string{id: secret}
	return nil
}

// openBuckets opens the bucket store and adds every S3 origin directory
// as a read-only bucket.
func (s *Server) openBuckets(opts Options) (*s3store.Store, error) {
	dir := filepath.Join(opts.DataDir, "s3")
	if opts.Memory {
		var err error
		if s.s3TempDir, err = os.MkdirTemp("", "cfinv-s3-"); err != nil {
			return nil, fmt.Errorf("create bucket directory: %w", err)
		}
		dir = s.s3TempDir
	}
	buckets, err := s3store.Open(dir)
	if err != nil {
		return nil, err
	}
	for bucket, loc := range opts.S3Origins {
		if strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://") {
			continue
		}
		if err := buckets.AddDirectory(bucket, loc); err != nil {
			return nil, &S3OriginError{Bucket: bucket, Dir: loc, Err: err}
		}
	}
	return buckets, nil
}

// listen returns ln, or a new listener on addr.
func (s *Server) listen(part, addr string, ln net.Listener) (net.Listener, error) {
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return nil, &ListenError{Part: part, Addr: addr, Err: err}
		}
	}
	s.listeners = append(s.listeners, ln)
	return ln, nil
}

func (s *Server) serve(srv server, ln net.Listener) {
	s.servers = append(s.servers, srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.errc <- err
		}
	}()
}

// Errors receives the error of a server that stopped serving on its own.
func (s *Server) Errors() <-chan error { return s.errc }

// Shutdown stops the edge, the S3 API and the API gracefully, waiting for
// requests in flight until ctx is done and then cutting them off, and
// closes the store. Later calls return the first one's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() {
		var errs []error
		for i := len(s.servers) - 1; i >= 0; i-- {
			if err := s.servers[i].Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs = append(errs, fmt.Errorf("shut down: %w", err))
				if hs, ok := s.servers[i].(*http.Server); ok {
					hs.Close() // requests still running are cut off
				}
			}
		}
		s.wg.Wait()
		if err := s.release(); err != nil {
			errs = append(errs, err)
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Close is Shutdown with 10 seconds for the requests in flight.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Shutdown(ctx)
}

// release frees what Start acquired, for Shutdown and a failed Start.
func (s *Server) release() error {
	var errs []error
	for _, ln := range s.listeners {
		ln.Close()
	}
	if s.st != nil {
		if err := s.st.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
	}
	if s.buckets != nil {
		// Its logs are checkpointed into objects/ and meta/ (a restart
		// would replay them otherwise), and no checkpoint runs on
		// while the temporary directory is removed.
		if err := s.buckets.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close buckets: %w", err))
		}
	}
	if s.s3TempDir != "" {
		if err := os.RemoveAll(s.s3TempDir); err != nil {
			errs = append(errs, fmt.Errorf("remove bucket directory: %w", err))
		}
	}
	return errors.Join(errs...)
}

// importObject reads an object of the local S3 for a key value store's
// ImportSource, at most max+1 bytes (the emulator refuses what is over
// max).
func importObject(buckets *s3store.Store) func(bucket, key string, max int64) ([]byte, error) {
	return func(bucket, key string, max int64) ([]byte, error) {
		_, f, err := buckets.GetObject(bucket, key)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(io.LimitReader(f, max+1))
	}
}
