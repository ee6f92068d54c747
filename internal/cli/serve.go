package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/local"
	"github.com/cfinv/cfinv/internal/sigv4"
)

// DefaultServeAddr is where `cfinv serve` listens unless told otherwise:
// loopback only, on a fixed port so scripts can rely on it.
const DefaultServeAddr = "127.0.0.1:8655"

// DefaultEdgeAddr is where `cfinv serve` runs its caching edge unless told
// otherwise.
const DefaultEdgeAddr = "127.0.0.1:8656"

type serveOptions struct {
	IO     *IO
	Getenv func(string) string
	Now    func() time.Time

	Addr            string
	DataDir         string
	CompletionDelay time.Duration
	StrictRegion    bool
	CredentialsFile string
	AccountID       string
	EdgeAddr        string
	EdgeCacheSize   string
	EdgeServer      string // edgeNetHTTP or edgeFastHTTP
	S3Origins       []string
	S3Addr          string // "" turns the S3 API off
	PprofAddr       string // "" (the default): no profiles
	Faults          faultOptions

	// Listener, when not nil, is served instead of listening on Addr
	// (tests pass one on 127.0.0.1:0).
	Listener net.Listener
	// Ready, when not nil, receives the API's base URL once it accepts
	// connections.
	Ready chan<- string
	// EdgeListener, when not nil, is served as the edge instead of
	// listening on EdgeAddr.
	EdgeListener net.Listener
	// EdgeReady, when not nil, receives the edge's base URL once it
	// accepts connections.
	EdgeReady chan<- string
	// S3Listener, when not nil, is served as the S3 API instead of
	// listening on S3Addr; S3Ready receives its base URL.
	S3Listener net.Listener
	S3Ready    chan<- string

	edgeBytes int64
	s3        map[string]string
	// readTimeout bounds reading one whole request, body included (0:
	// local.DefaultReadTimeout); tests shorten it.
	readTimeout time.Duration
}

func newServeCmd(d *Deps, runF func(*serveOptions) error) *cobra.Command {
	opts := &serveOptions{IO: d.IO, Getenv: d.Getenv, Now: d.Now}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a local CloudFront-compatible API and caching edge",
		Long: `Run a local CloudFront API (REST-XML, version 2020-05-31) that the AWS CLI, the AWS
SDKs and cfinv itself can use in place of the real service.

It serves distributions (create, get, get config, list, update, delete) and
invalidations (create, get, list) with CloudFront's validation, error codes,
CallerReference semantics and in-progress limits. An invalidation reads
InProgress until --completion-delay has passed, then Completed. State is kept
in a bbolt file under --data-dir and every acknowledged write is on disk, so a
restart (or a crash) loses nothing.

Requests must be signed with SigV4. Accepted keys are AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY from the environment and every key pair in
--credentials-file; when there are none, a key pair is generated once, stored
in the data directory (mode 0600) and printed as export lines.

Unless --edge-addr "" turns it off, serve also runs a caching edge on
--edge-addr: a reverse proxy for every distribution, chosen by the Host header
(the distribution's domain name, an alias, or ID.localhost), that fetches from
the distribution's origins (a custom origin such as a static server on
127.0.0.1, or an S3 bucket served from a local directory with --s3-origin),
caches as the cache behaviours say (X-Cache: Miss from cloudfront, then Hit
from cloudfront) within --edge-cache-size, and is purged by every invalidation
before CreateInvalidation answers. docs/emulator.md ("The edge") has the rules.

Unless --s3-addr "" turns it off, serve also runs an S3 API on --s3-addr
(path-style or Host: BUCKET.s3.localhost, SigV4 for service "s3" with the same
keys): buckets and objects under DATA_DIR/s3, every acknowledged PUT on disk,
Cache-Control and the other object headers kept, multipart uploads, and each
--s3-origin directory as a read-only bucket. A taken --s3-addr port, the
default's too, is an error: serve never runs on without the S3 API it was
asked for.

The server listens on 127.0.0.1 only unless --addr says otherwise, and warns
when it does. SIGINT or SIGTERM shuts it down gracefully.`,
		Example: `  # Start the API, then point the AWS CLI at it
  cfinv serve &
  export AWS_ENDPOINT_URL_CLOUDFRONT=http://127.0.0.1:8655
  aws cloudfront create-distribution --origin-domain-name example-bucket.s3.amazonaws.com

  # Invalidations complete at once, state in a throw-away directory
  cfinv serve --completion-delay 0 --data-dir "$(mktemp -d)"

  # Serve bucket "site" from ./public; fetch through the edge a page of
  # distribution $ID, whose origin is site.s3.amazonaws.com
  cfinv serve --s3-origin site=./public &
  curl -si -H "Host: $ID.localhost" http://127.0.0.1:8656/index.html | grep -i x-cache

  # Deploy a site with the AWS CLI into the local S3
  export AWS_ENDPOINT_URL_S3=http://127.0.0.1:8657
  aws s3 mb s3://site && aws s3 sync ./public s3://site --cache-control max-age=60

  # Accept only the keys in a shared-credentials file, signed for us-east-1
  cfinv serve --credentials-file ./ci-credentials --strict-region`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := humanize.ParseBytes(opts.EdgeCacheSize)
			if err != nil || n < 1<<20 || n > 1<<40 {
				return flagErrorf("invalid --edge-cache-size %q: want a size from 1MiB to 1TiB, such as 256MiB or 2GB", opts.EdgeCacheSize)
			}
			opts.edgeBytes = int64(n)
			if opts.PprofAddr != "" {
				if err := checkPprofAddr(opts.PprofAddr); err != nil {
					return err
				}
			}
			if opts.s3, err = parseS3Origins(opts.S3Origins); err != nil {
				return err
			}
			if opts.DataDir == "" && cmd.Flags().Changed("data-dir") {
				// An empty value given is a mistake (an unset
				// variable, say), not a request for the default.
				return flagErrorf(`--data-dir "" is empty: give a directory, or leave --data-dir out for the default (%s)`, defaultDataDirDoc)
			}
			if opts.DataDir == "" {
				dir, err := defaultDataDir(opts.Getenv)
				if err != nil {
					return err
				}
				opts.DataDir = dir
			}
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Addr, "addr", DefaultServeAddr, "`host:port` to listen on")
	f.StringVar(&opts.DataDir, "data-dir", "", "directory for the state file and generated keys (default $XDG_STATE_HOME/cfinv/serve or ~/.local/state/cfinv/serve)")
	durationVar(f, &opts.CompletionDelay, "completion-delay", 3*time.Second, 0, maxCompletionDelay, "time from creation until an invalidation is Completed and a distribution Deployed")
	f.BoolVar(&opts.StrictRegion, "strict-region", false, "accept only signatures scoped to us-east-1 on the CloudFront API, as real CloudFront does, and to the bucket's region on the S3 API, as S3 does")
	f.StringVar(&opts.CredentialsFile, "credentials-file", "", "AWS shared-credentials `file` whose key pairs are accepted")
	f.StringVar(&opts.AccountID, "account-id", emulator.DefaultAccountID, "account ID used in distribution ARNs")
	f.StringVar(&opts.EdgeAddr, "edge-addr", DefaultEdgeAddr, "`host:port` of the caching edge; \"\" turns the edge off")
	f.StringVar(&opts.EdgeCacheSize, "edge-cache-size", "256MiB", "byte `budget` of the edge cache (least recently used objects are evicted beyond it)")
	enumVar(f, &opts.EdgeServer, "edge-server", local.EdgeNetHTTP, []string{local.EdgeNetHTTP, local.EdgeFastHTTP}, "HTTP server of the edge: net/http, or fasthttp (faster cache hits; every Date is the edge's clock)")
	f.StringVar(&opts.S3Addr, "s3-addr", DefaultS3Addr, "`host:port` of the S3 API (buckets under --data-dir); \"\" turns it off")
	f.StringArrayVar(&opts.S3Origins, "s3-origin", nil, "serve S3 origin `bucket=DIR|URL` from a local directory or HTTP server (repeatable)")
	if pprofHandler != nil {
		f.StringVar(&opts.PprofAddr, "pprof-addr", "", "serve Go's runtime profiles at http://`host:port`/debug/pprof/ (loopback only; default off)")
	}
	addFaultFlags(f, &opts.Faults)
	return cmd
}

// parseS3Origins reads --s3-origin BUCKET=DIR|URL values.
func parseS3Origins(vals []string) (map[string]string, error) {
	m := map[string]string{}
	for _, v := range vals {
		bucket, loc, ok := strings.Cut(v, "=")
		if !ok || bucket == "" || loc == "" {
			return nil, flagErrorf("invalid --s3-origin %q: want BUCKET=DIR or BUCKET=http://HOST:PORT/PATH", v)
		}
		if !strings.HasPrefix(loc, "http://") && !strings.HasPrefix(loc, "https://") {
			fi, err := os.Stat(loc)
			if err != nil || !fi.IsDir() {
				return nil, flagErrorf("invalid --s3-origin %q: %s is not a directory (want BUCKET=DIR or BUCKET=http://HOST:PORT/PATH)", v, loc)
			}
		}
		m[bucket] = loc
	}
	return m, nil
}

// defaultDataDir is $XDG_STATE_HOME/cfinv/serve, else
// $HOME/.local/state/cfinv/serve.
// defaultDataDirDoc is defaultDataDir's rule, for messages.
const defaultDataDirDoc = "$XDG_STATE_HOME/cfinv/serve or ~/.local/state/cfinv/serve"

func defaultDataDir(getenv func(string) string) (string, error) {
	if dir := getenv("XDG_STATE_HOME"); dir != "" {
		return filepath.Join(dir, "cfinv", "serve"), nil
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".local", "state", "cfinv", "serve"), nil
	}
	return "", flagErrorf("cannot choose a data directory: neither XDG_STATE_HOME nor HOME is set; pass --data-dir")
}

// serveKeys collects the key pairs of --credentials-file and the
// environment; none means local.Start generates one in the data directory.
func serveKeys(opts *serveOptions) (map[string]string, error) {
	keys := map[string]string{}
	if opts.CredentialsFile != "" {
		f, err := os.Open(opts.CredentialsFile)
		if err != nil {
			return nil, &FlagError{Err: fmt.Errorf("read credentials file --credentials-file %s: %w", opts.CredentialsFile, err)}
		}
		defer f.Close()
		fileKeys, err := sigv4.ParseCredentialsFile(f)
		if err != nil {
			return nil, &FlagError{Err: fmt.Errorf("read credentials file --credentials-file %s: %w", opts.CredentialsFile, err)}
		}
		for id, secret := range fileKeys {
			keys[id] = secret
		}
	}
	if id, secret := opts.Getenv("AWS_ACCESS_KEY_ID"), opts.Getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		keys[id] = secret
	}
	return keys, nil
}

func serveRun(ctx context.Context, opts *serveOptions) error {
	if opts.PprofAddr != "" && pprofHandler == nil {
		return fmt.Errorf("--pprof-addr needs cfinv built with -tags pprof")
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	keys, err := serveKeys(opts)
	if err != nil {
		return err
	}
	faultCfg, err := opts.Faults.config()
	if err != nil {
		return err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	logger := slog.New(slog.NewTextHandler(opts.IO.ErrOut, nil))
	srv, err := local.Start(local.Options{
		DataDir:         opts.DataDir,
		Keys:            keys,
		Now:             now,
		SignatureNow:    now,
		CompletionDelay: opts.CompletionDelay,
		AccountID:       opts.AccountID,
		StrictRegion:    opts.StrictRegion,
		Faults:          faultCfg,
		Logger:          logger,
		APIAddr:         opts.Addr,
		APIListener:     opts.Listener,
		ReadTimeout:     opts.readTimeout,
		EdgeAddr:        opts.EdgeAddr,
		EdgeListener:    opts.EdgeListener,
		EdgeMaxBytes:    opts.edgeBytes,
		EdgeServer:      opts.EdgeServer,
		S3Origins:       opts.s3,
		S3Addr:          opts.S3Addr,
		S3Listener:      opts.S3Listener,
	})
	if err != nil {
		return serveStartError(err)
	}
	shutdownCtx := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	}

	var pprofSrv *http.Server
	var pprofAddr net.Addr
	if opts.PprofAddr != "" {
		pprofLn, err := listenPprof(opts.PprofAddr)
		if err != nil {
			sctx, cancel := shutdownCtx()
			defer cancel()
			_ = srv.Shutdown(sctx)
			return err
		}
		pprofSrv, pprofAddr = pprofServer(logger), pprofLn.Addr()
		go func() { _ = pprofSrv.Serve(pprofLn) }()
	}
	printServeURLs(opts, srv, pprofAddr)

	if opts.Ready != nil {
		opts.Ready <- srv.URL
	}
	if opts.EdgeReady != nil && srv.EdgeURL != "" {
		opts.EdgeReady <- srv.EdgeURL
	}
	if opts.S3Ready != nil && srv.S3URL != "" {
		opts.S3Ready <- srv.S3URL
	}
	var serveErr error
	select {
	case err := <-srv.Errors():
		serveErr = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	if pprofSrv != nil {
		// A profile being taken is cut short: nothing of the server's
		// state depends on it.
		_ = pprofSrv.Close()
	}
	sctx, cancel := shutdownCtx()
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && serveErr == nil {
		serveErr = err
	}
	if serveErr != nil {
		return serveErr
	}
	fmt.Fprintln(opts.IO.ErrOut, "cfinv serve: stopped")
	return nil
}

// printServeURLs tells where each part of srv listens, and how to point
// clients at it.
func printServeURLs(opts *serveOptions, srv *local.Server, pprofAddr net.Addr) {
	w := opts.IO.ErrOut
	if !isLoopback(srv.APIAddr) {
		fmt.Fprintf(w, "Warning: listening on %s, which is reachable from other machines; use --addr 127.0.0.1:PORT to keep it local\n", srv.APIAddr)
	}
	fmt.Fprintf(w, "cfinv serve: CloudFront API on %s (data in %s)\n", srv.URL, opts.DataDir)
	fmt.Fprintf(w, "  export AWS_ENDPOINT_URL_CLOUDFRONT=%s\n", srv.URL)
	fmt.Fprintf(w, "cfinv serve: console on %s (from this machine only)\n", srv.ConsoleURL)
	if srv.KeyFile != "" {
		if srv.KeyFileCreated {
			fmt.Fprintf(w, "Generated credentials in %s; use them with:\n", srv.KeyFile)
		} else {
			fmt.Fprintf(w, "Using the generated credentials in %s; use them with:\n", srv.KeyFile)
		}
		for id, secret := range srv.Keys {
			fmt.Fprintf(w, "  export AWS_ACCESS_KEY_ID=%s\n  export AWS_SECRET_ACCESS_KEY=%s\n", id, secret)
		}
		fmt.Fprintf(w, "  (or export AWS_SHARED_CREDENTIALS_FILE=%s)\n", srv.KeyFile)
	}
	if srv.EdgeAddr != nil {
		if !isLoopback(srv.EdgeAddr) {
			fmt.Fprintf(w, "Warning: the edge listens on %s, which is reachable from other machines\n", srv.EdgeAddr)
		}
		server := ""
		if opts.EdgeServer == local.EdgeFastHTTP {
			server = " on fasthttp"
		}
		fmt.Fprintf(w, "cfinv serve: edge cache on %s%s (Host: a distribution's domain name, or ID.localhost)\n", srv.EdgeURL, server)
	}
	if pprofAddr != nil {
		fmt.Fprintf(w, "cfinv serve: profiles on http://%s/debug/pprof/\n", pprofAddr)
	}
	if srv.S3Addr != nil {
		if !isLoopback(srv.S3Addr) {
			fmt.Fprintf(w, "Warning: the S3 API listens on %s, which is reachable from other machines\n", srv.S3Addr)
		}
		fmt.Fprintf(w, "cfinv serve: S3 API on %s (buckets in %s)\n  export AWS_ENDPOINT_URL_S3=%s\n", srv.S3URL, filepath.Join(opts.DataDir, "s3"), srv.S3URL)
	}
}
