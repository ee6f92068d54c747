package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/internal/local"
	"github.com/cfinv/cfinv/internal/sdkhttp"
)

// demoKeyID and demoSecret sign the demo's requests to its own in-process
// server; they exist nowhere else.
const (
	demoKeyID  = "AKIDCFINVDEMO0000000"
	demoSecret = "cfinv-demo-secret-not-a-real-key"
)

type demoOptions struct {
	IO     *IO
	Getenv func(string) string
	Now    func() time.Time

	CompletionDelay time.Duration
	DataDir         string
	Verbose         bool
}

func newDemoCmd(d *Deps, runF func(*demoOptions) error) *cobra.Command {
	opts := &demoOptions{IO: d.IO, Getenv: d.Getenv, Now: d.Now}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Show an invalidation purging a cache, on this machine, with no AWS account",
		Long: `Run the whole pipeline on 127.0.0.1 and print each step: a static origin
serving a small site, cfinv serve (the CloudFront API and its caching edge), a
distribution created through the AWS SDK, a GET through the edge (Miss, then
Hit), a deploy that changes the file (the edge still serves the old copy), then
cfinv invalidate --wait, and a last GET that returns the new file.

Everything runs in this process on loopback ports chosen by the system; state
lives in a temporary directory removed at the end unless --data-dir is given.
The exit code is 0 when every step behaved as CloudFront would, 1 otherwise.`,
		Example: `  cfinv demo
  cfinv demo --completion-delay 0 --verbose`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return demoRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	durationVar(f, &opts.CompletionDelay, "completion-delay", 2*time.Second, 0, maxDemoDelay, "how long the invalidation stays InProgress")
	f.StringVar(&opts.DataDir, "data-dir", "", "keep the demo's site, state and journal in this `directory` (default: a temporary one, removed)")
	f.BoolVar(&opts.Verbose, "verbose", false, "also print the server's log")
	return cmd
}

// demoStep prints one numbered step.
type demoStepper struct {
	w io.Writer
	n int
}

func (s *demoStepper) step(format string, args ...any) {
	s.n++
	fmt.Fprintf(s.w, "%d. %s\n", s.n, fmt.Sprintf(format, args...))
}

func demoRun(ctx context.Context, opts *demoOptions) (err error) {
	out := opts.IO.Out
	dir := opts.DataDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "cfinv-demo-"); err != nil {
			return fmt.Errorf("create a temporary directory: %w", err)
		}
		defer os.RemoveAll(dir)
	}
	site := filepath.Join(dir, "site")
	if err := os.MkdirAll(site, 0o755); err != nil {
		return fmt.Errorf("create the demo site: %w", err)
	}
	page := filepath.Join(site, "index.html")
	if err := os.WriteFile(page, []byte("Hello from version 1\n"), 0o644); err != nil {
		return fmt.Errorf("write the demo site: %w", err)
	}

	// A real static origin on loopback.
	originLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the origin: %w", err)
	}
	origin := &http.Server{Handler: staticFiles(site), ReadHeaderTimeout: 10 * time.Second}
	go origin.Serve(originLn) //nolint:errcheck // ends with Close below
	defer origin.Close()
	originPort := originLn.Addr().(*net.TCPAddr).Port

	// cfinv serve's parts, in this process.
	var serveLog bytes.Buffer
	serveLogW := io.Writer(&lockedWriter{w: &serveLog})
	if opts.Verbose {
		serveLogW = &lockedWriter{w: opts.IO.ErrOut}
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	dataDir := filepath.Join(dir, "serve")
	srv, err := local.Start(local.Options{
		DataDir:         dataDir,
		Keys:            map[string]string{demoKeyID: demoSecret},
		Now:             now,
		SignatureNow:    now,
		CompletionDelay: opts.CompletionDelay,
		AccountID:       "123456789012",
		Logger:          slog.New(slog.NewTextHandler(serveLogW, nil)),
		APIAddr:         "127.0.0.1:0",
		EdgeAddr:        "127.0.0.1:0",
		EdgeMaxBytes:    64 << 20,
	})
	if err != nil {
		return fmt.Errorf("start cfinv serve: %w", err)
	}
	defer func() {
		if serr := srv.Close(); serr != nil && err == nil {
			err = serr
		}
		if err != nil && !opts.Verbose && serveLog.Len() > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "The server's log:\n%s", serveLog.String())
		}
	}()
	apiURL, edgeURL := srv.URL, srv.EdgeURL

	fmt.Fprintf(out, "cfinv demo: a deploy, an invalidation and a purged edge, all on this machine\n")
	fmt.Fprintf(out, "   origin  http://127.0.0.1:%d  (a static server for %s)\n", originPort, site)
	fmt.Fprintf(out, "   API     %s  (cfinv serve: the CloudFront API, state in %s)\n", apiURL, dataDir)
	fmt.Fprintf(out, "   edge    %s  (cfinv serve: the caching edge)\n\n", edgeURL)
	st := &demoStepper{w: out}

	awsCfg := aws.Config{
		Region:      cfinv.DefaultRegion,
		Credentials: credentials.NewStaticCredentialsProvider(demoKeyID, demoSecret, ""),
		HTTPClient:  awshttp.NewBuildableClient(),
	}
	cf := cloudfront.NewFromConfig(awsCfg, func(o *cloudfront.Options) {
		o.BaseEndpoint = aws.String(apiURL)
		o.HTTPClient = sdkhttp.GuardBody(o.HTTPClient)
	})
	created, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: demoDistributionConfig(originPort)})
	if err != nil {
		return fmt.Errorf("create the demo distribution: %w", err)
	}
	distID, domain := aws.ToString(created.Distribution.Id), aws.ToString(created.Distribution.DomainName)
	st.step("CreateDistribution (AWS SDK for Go)   %s  %s, origin 127.0.0.1:%d", distID, domain, originPort)

	get := func() (status int, xcache, body string, err error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, edgeURL+"/index.html", nil)
		if err != nil {
			return 0, "", "", err
		}
		req.Host = domain
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", "", fmt.Errorf("GET through the edge: %w", err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, "", "", fmt.Errorf("GET through the edge: %w", err)
		}
		return resp.StatusCode, resp.Header.Get("X-Cache"), strings.TrimSpace(string(b)), nil
	}
	var failed []string
	expect := func(label, wantCache, wantBody string) error {
		status, xcache, body, err := get()
		if err != nil {
			return err
		}
		mark := ""
		if status != http.StatusOK || xcache != wantCache || body != wantBody {
			mark = fmt.Sprintf("   <- UNEXPECTED: want 200 %q %q", wantCache, wantBody)
			failed = append(failed, label)
		}
		st.step("%-42s  %d  %-22s %q%s", label, status, xcache, body, mark)
		return nil
	}
	if err := expect("GET /index.html through the edge", "Miss from cloudfront", "Hello from version 1"); err != nil {
		return err
	}
	if err := expect("GET /index.html again", "Hit from cloudfront", "Hello from version 1"); err != nil {
		return err
	}
	if err := os.WriteFile(page, []byte("Hello from version 2\n"), 0o644); err != nil {
		return fmt.Errorf("deploy version 2: %w", err)
	}
	st.step("Deploy: the origin's index.html now says \"Hello from version 2\"")
	if err := expect("GET /index.html (stale, as CloudFront)", "Hit from cloudfront", "Hello from version 1"); err != nil {
		return err
	}

	cmdLine := fmt.Sprintf("cfinv invalidate --endpoint-url %s --distribution-id %s --wait /index.html", apiURL, distID)
	st.step("%s", cmdLine)
	var invOut, invErr bytes.Buffer
	iopts := &invalidateOptions{
		IO:     &IO{In: strings.NewReader(""), Out: &invOut, ErrOut: &invErr},
		Getenv: opts.Getenv,
		Now:    opts.Now,
		Client: func(_ context.Context, o ...cfinv.Option) (*cfinv.Client, error) {
			return cfinv.New(awsCfg, append([]cfinv.Option{cfinv.WithEndpoint(apiURL)}, o...)...), nil
		},
		AWS:           awsFlags{EndpointURL: apiURL, Output: "json"},
		Distributions: []string{distID},
		Items:         []string{"/index.html"},
		Wait:          true,
		Timeout:       opts.CompletionDelay + time.Minute,
		StateDir:      filepath.Join(dir, "state"),
	}
	start := time.Now()
	if err := invalidateRun(ctx, iopts); err != nil {
		fmt.Fprint(opts.IO.ErrOut, invErr.String())
		return fmt.Errorf("invalidate: %w", err)
	}
	var res struct {
		Invalidation struct{ Id, Status string }
	}
	if err := json.Unmarshal(invOut.Bytes(), &res); err != nil {
		return fmt.Errorf("read the output of cfinv invalidate: %w\n%s", err, invOut.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(invErr.String()), "\n") {
		fmt.Fprintf(out, "   | %s\n", line)
	}
	fmt.Fprintf(out, "   invalidation %s is %s; the command returned after %s\n", res.Invalidation.Id, res.Invalidation.Status, time.Since(start).Round(100*time.Millisecond))
	if res.Invalidation.Status != "Completed" {
		failed = append(failed, "invalidate --wait")
	}
	if err := expect("GET /index.html after the invalidation", "Miss from cloudfront", "Hello from version 2"); err != nil {
		return err
	}
	if err := expect("GET /index.html again", "Hit from cloudfront", "Hello from version 2"); err != nil {
		return err
	}

	if len(failed) > 0 {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("demo failed at: %s", strings.Join(failed, "; "))}
	}
	fmt.Fprintf(out, "\nDemo passed: the invalidation purged the edge and viewers now get version 2.\n")
	fmt.Fprintf(out, "Try it by hand: run cfinv serve, then point the AWS CLI or cfinv at http://%s.\n", DefaultServeAddr)
	return nil
}

// demoDistributionConfig is a distribution with one custom origin on
// 127.0.0.1:port and the managed CachingOptimized policy.
func demoDistributionConfig(port int) *types.DistributionConfig {
	return &types.DistributionConfig{
		CallerReference:   aws.String(fmt.Sprintf("cfinv-demo-%d", time.Now().UnixNano())),
		Comment:           aws.String("cfinv demo"),
		Enabled:           aws.Bool(true),
		DefaultRootObject: aws.String("index.html"),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id:         aws.String("site"),
			DomainName: aws.String("127.0.0.1"),
			CustomOriginConfig: &types.CustomOriginConfig{
				HTTPPort: aws.Int32(int32(port)), HTTPSPort: aws.Int32(443),
				OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly,
			},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId:       aws.String("site"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId:        aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"), // CachingOptimized
			Compress:             aws.Bool(true),
		},
	}
}

// staticFiles serves the files under root as a plain static web server
// does (no redirect of /index.html to ./, unlike http.FileServer), with
// Last-Modified and conditional requests.
func staticFiles(root string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Clean("/" + r.URL.Path)
		if strings.HasSuffix(name, "/") {
			name += "index.html"
		}
		f, err := http.Dir(root).Open(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil || fi.IsDir() {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, name, fi.ModTime(), f)
	})
}

// lockedWriter serialises writes from the server's goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
