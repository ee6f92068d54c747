package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/deploy"
	"github.com/cfinv/cfinv/internal/local"
	"github.com/cfinv/cfinv/internal/sdkhttp"
	"github.com/cfinv/cfinv/plan"
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
		Short: "Show deploys to S3 behind CloudFront and their invalidations, on this machine, with no AWS account",
		Long: `Run the whole pipeline on 127.0.0.1 and print each step: cfinv serve (the
S3 API, the CloudFront API and its caching edge), a bucket and a distribution
in front of it created through the AWS SDK, then three runs of cfinv deploy:

  1. version 1 of a tiny site (index.html and the stylesheet it links): new
     objects, so no invalidation; GETs through the edge (Miss, then Hit);
  2. version 2 of both files: the stylesheet is stored before the page, and
     the changed paths are invalidated and waited for; GETs return version 2
     (Miss, then Hit);
  3. nothing changed: 0 uploads, no invalidation.

Everything runs in this process on loopback ports chosen by the system; state
lives in a temporary directory removed at the end unless --data-dir is given.
The exit code is 0 when every step behaved as CloudFront and S3 would, 1
otherwise.`,
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
	f.StringVar(&opts.DataDir, "data-dir", "", "keep the demo's site, buckets, state and journal in this `directory` (default: a temporary one, removed)")
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

// demoBucket is the demo's bucket; a --data-dir reused from an earlier run
// already holds it, and then the next free name site-2, site-3, … is used.
const demoBucket = "site"

// demoSite is the tiny site the demo deploys: version v of index.html and
// of the stylesheet it references.
func demoSite(v int) map[string]string {
	return map[string]string{
		"index.html":      fmt.Sprintf("<!doctype html>\n<link rel=\"stylesheet\" href=\"/assets/site.css\">\n<h1>Hello from version %d</h1>\n", v),
		"assets/site.css": fmt.Sprintf("/* version %d */\nh1 { color: %s }\n", v, map[int]string{1: "navy", 2: "teal"}[v]),
	}
}

// demoVersion is what the demo shows of a body: "version N" when it holds
// it.
var demoVersion = regexp.MustCompile(`version \d+`)

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
	writeSite := func(v int) error {
		for name, body := range demoSite(v) {
			p := filepath.Join(site, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return fmt.Errorf("write version %d of the demo site: %w", v, err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				return fmt.Errorf("write version %d of the demo site: %w", v, err)
			}
		}
		return nil
	}
	if err := writeSite(1); err != nil {
		return err
	}

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
		S3Addr:          "127.0.0.1:0",
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
	apiURL, edgeURL, s3URL := srv.URL, srv.EdgeURL, srv.S3URL

	fmt.Fprintf(out, "cfinv demo: deploys to S3 behind CloudFront, with the invalidations they need, all on this machine\n")
	fmt.Fprintf(out, "   S3      %s  (cfinv serve: the S3 API, buckets in %s)\n", s3URL, dataDir)
	fmt.Fprintf(out, "   API     %s  (cfinv serve: the CloudFront API)\n", apiURL)
	fmt.Fprintf(out, "   edge    %s  (cfinv serve: the caching edge)\n\n", edgeURL)
	st := &demoStepper{w: out}

	awsCfg := aws.Config{
		Region:      cfinv.DefaultRegion,
		Credentials: credentials.NewStaticCredentialsProvider(demoKeyID, demoSecret, ""),
		HTTPClient:  awshttp.NewBuildableClient(),
	}
	s3c := newS3(awsCfg, s3URL)
	bucket, err := demoCreateBucket(ctx, s3c)
	if err != nil {
		return err
	}
	st.step("CreateBucket (AWS SDK for Go)         %s", bucket)

	cf := cloudfront.NewFromConfig(awsCfg, func(o *cloudfront.Options) {
		o.BaseEndpoint = aws.String(apiURL)
		o.HTTPClient = sdkhttp.GuardBody(o.HTTPClient)
	})
	originDomain := bucket + ".s3.amazonaws.com"
	created, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: demoDistributionConfig(originDomain)})
	if err != nil {
		return fmt.Errorf("create the demo distribution: %w", err)
	}
	distID, domain := aws.ToString(created.Distribution.Id), aws.ToString(created.Distribution.DomainName)
	st.step("CreateDistribution (AWS SDK for Go)   %s  %s, origin %s", distID, domain, originDomain)

	var failed []string
	fail := func(label, format string, args ...any) {
		fmt.Fprintf(out, "   <- UNEXPECTED: %s\n", fmt.Sprintf(format, args...))
		failed = append(failed, label)
	}

	// deployed runs cfinv deploy as a user would, through the command's
	// own code path, and prints its output.
	deployed := func(v int, id string) (*demoDeploy, error) {
		cmdLine := fmt.Sprintf("cfinv deploy %s s3://%s --s3-endpoint-url %s --endpoint-url %s --distribution-id %s --deploy-id %s", site, bucket, s3URL, apiURL, distID, id)
		fmt.Fprintf(out, "   %s\n", cmdLine)
		var dout bytes.Buffer
		w := &lockedWriter{w: &dout}
		dopts := &deployOptions{
			IO: &IO{In: strings.NewReader(""), Out: w, ErrOut: w},
			// The demo is no CI step: nothing goes to a job summary.
			Getenv: func(string) string { return "" },
			Client: func(_ context.Context, o ...cfinv.Option) (*cfinv.Client, error) {
				return cfinv.New(awsCfg, append([]cfinv.Option{cfinv.WithEndpoint(apiURL)}, o...)...), nil
			},
			S3:            func(context.Context) (*s3.Client, error) { return s3c, nil },
			AWS:           awsFlags{EndpointURL: apiURL},
			S3EndpointURL: s3URL,
			Dir:           site,
			Bucket:        bucket,
			Distributions: []string{distID},
			DeployID:      id,
			// No routes file: the defaults, whatever the current directory holds.
			ConfigFile:   filepath.Join(dir, defaultDeployConfig),
			MaxDelete:    deploy.DefaultMaxDelete,
			MaxWildcards: plan.DefaultMaxWildcards, // --max-wildcards's default
			Concurrency:  deploy.DefaultConcurrency,
			Timeout:      opts.CompletionDelay + time.Minute,
		}
		start := time.Now()
		if err := deployRun(ctx, dopts); err != nil {
			fmt.Fprint(opts.IO.ErrOut, dout.String())
			return nil, fmt.Errorf("deploy version %d: %w", v, err)
		}
		took := time.Since(start)
		for _, line := range strings.Split(strings.TrimSpace(dout.String()), "\n") {
			fmt.Fprintf(out, "   | %s\n", line)
		}
		d := parseDemoDeploy(dout.String())
		d.took = took
		return d, nil
	}

	get := func(p string) (status int, xcache, body string, err error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, edgeURL+p, nil)
		if err != nil {
			return 0, "", "", err
		}
		req.Host = domain
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", "", fmt.Errorf("GET %s through the edge: %w", p, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, "", "", fmt.Errorf("GET %s through the edge: %w", p, err)
		}
		return resp.StatusCode, resp.Header.Get("X-Cache"), string(b), nil
	}
	// expect GETs first, then second, through the edge: a Miss, then a
	// Hit, both of version v.
	expect := func(first, second string, v int) error {
		want := fmt.Sprintf("version %d", v)
		var got []string
		bad := false
		for i, p := range []string{first, second} {
			status, xcache, body, err := get(p)
			if err != nil {
				return err
			}
			shown := demoVersion.FindString(body)
			if shown == "" {
				shown = fmt.Sprintf("%.30q", body)
			}
			wantCache := "Miss from cloudfront"
			if i == 1 {
				wantCache = "Hit from cloudfront"
			}
			got = append(got, fmt.Sprintf("%d %s", status, strings.TrimSuffix(xcache, " from cloudfront")), shown)
			if status != http.StatusOK || xcache != wantCache || shown != want {
				bad = true
			}
		}
		label := "GET " + first + " then " + second
		if first == second {
			label = "GET " + first + " twice"
		}
		st.step("%-38s %s %s, then %s %s", label, got[0], got[1], got[2], got[3])
		if bad {
			fail(label, "want 200 Miss, then 200 Hit, both %s", want)
		}
		return nil
	}
	// The edge keeps / and /index.html (the default root object) as one
	// object, as it keys the cache by the object's path.
	gets := func(v int) error {
		if err := expect("/", "/index.html", v); err != nil {
			return err
		}
		return expect("/assets/site.css", "/assets/site.css", v)
	}

	// Version 1: new objects, nothing cached anywhere: no invalidation.
	st.step("Deploy build 1: version 1 of index.html and assets/site.css, both new")
	d1, err := deployed(1, "build-1")
	if err != nil {
		return err
	}
	switch {
	case !slices.Equal(d1.uploaded, []string{"assets/site.css", "index.html"}):
		fail("deploy v1", "uploaded %q, want assets/site.css then index.html", d1.uploaded)
	case !d1.nothingToInvalidate || len(d1.paths) > 0:
		fail("deploy v1", "an invalidation for new objects: %q", d1.paths)
	default:
		fmt.Fprintf(out, "   2 new objects, the stylesheet first: nothing was cached, so no invalidation\n")
	}
	if err := gets(1); err != nil {
		return err
	}

	// Version 2: both files change; the edge holds version 1 of each.
	if err := writeSite(2); err != nil {
		return err
	}
	st.step("Deploy build 2: version 2, both files changed; the edge holds version 1")
	d2, err := deployed(2, "build-2")
	if err != nil {
		return err
	}
	// Every URL of the site changed: one wildcard covers them all and
	// purges nothing unchanged.
	wantPaths := []string{"/*"}
	gotPaths := slices.Sorted(slices.Values(d2.paths))
	switch {
	case !slices.Equal(d2.uploaded, []string{"assets/site.css", "index.html"}) || !d2.assetsBeforeEntries:
		fail("deploy v2 order", "uploaded %q, want assets/site.css, then (a step later) index.html", d2.uploaded)
	case !slices.Equal(gotPaths, wantPaths) || d2.invalidation == "":
		fail("deploy v2 invalidation", "invalidated %q (%s), want %q", gotPaths, d2.invalidation, wantPaths)
	default:
		inv, err := cf.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(distID), Id: aws.String(d2.invalidation)})
		if err != nil {
			return fmt.Errorf("read invalidation %s: %w", d2.invalidation, err)
		}
		status := aws.ToString(inv.Invalidation.Status)
		fmt.Fprintf(out, "   order: assets/site.css, then index.html (the page only once the stylesheet it links is stored)\n")
		fmt.Fprintf(out, "   invalidation %s of %s is %s: cfinv deploy waited for it, returned after %s\n",
			d2.invalidation, strings.Join(d2.paths, " "), status, d2.took.Round(100*time.Millisecond))
		if status != "Completed" {
			fail("deploy v2 wait", "invalidation %s is %s when cfinv deploy returned, want Completed", d2.invalidation, status)
		}
	}
	if err := gets(2); err != nil {
		return err
	}

	// Version 2 again: nothing to upload, nothing to pay for.
	st.step("Deploy build 3: version 2 again, nothing changed")
	d3, err := deployed(2, "build-3")
	if err != nil {
		return err
	}
	if len(d3.uploaded) != 0 || len(d3.paths) != 0 || !d3.nothingToInvalidate {
		fail("deploy v2 again", "uploaded %q and invalidated %q, want nothing", d3.uploaded, d3.paths)
	} else {
		fmt.Fprintf(out, "   0 uploads, no invalidation\n")
	}

	if len(failed) > 0 {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("demo failed at: %s", strings.Join(failed, "; "))}
	}
	fmt.Fprintf(out, "\nDemo passed: each deploy stored assets before pages, invalidated exactly what changed, and viewers got version 2.\n")
	fmt.Fprintf(out, "Try it by hand: run cfinv serve, then point the AWS CLI or cfinv at http://%s.\n", DefaultServeAddr)
	return nil
}

// demoCreateBucket creates the demo's bucket: site, or the first free
// site-N when an earlier run in the same --data-dir has it.
func demoCreateBucket(ctx context.Context, s3c *s3.Client) (string, error) {
	for i := 1; i <= 100; i++ {
		name := demoBucket
		if i > 1 {
			name = fmt.Sprintf("%s-%d", demoBucket, i)
		}
		_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		var owned *s3types.BucketAlreadyOwnedByYou
		var exists *s3types.BucketAlreadyExists
		switch {
		case err == nil:
			return name, nil
		case errors.As(err, &owned), errors.As(err, &exists):
			continue
		default:
			return "", fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return "", fmt.Errorf("create a bucket: %s to %s-100 already exist (use another --data-dir)", demoBucket, demoBucket)
}

// demoDeploy is what a run of cfinv deploy printed, read back.
type demoDeploy struct {
	uploaded []string // keys, in the order printed
	// assetsBeforeEntries is true when the step that uploads assets
	// started before the one that uploads entry objects.
	assetsBeforeEntries bool
	nothingToInvalidate bool
	invalidation        string   // the invalidation's ID
	paths               []string // the invalidated paths
	took                time.Duration
}

// parseDemoDeploy reads deploy's text output (printDeployReport and
// deployProgress).
func parseDemoDeploy(s string) *demoDeploy {
	d := &demoDeploy{}
	assets, entries := -1, -1
	for i, line := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(line, string(deploy.StepAssets)+":"):
			assets = i
		case strings.HasPrefix(line, string(deploy.StepEntries)+":"):
			entries = i
		case strings.HasPrefix(line, "uploaded "):
			key, _, _ := strings.Cut(strings.TrimPrefix(line, "uploaded "), " ")
			d.uploaded = append(d.uploaded, key)
		case strings.HasSuffix(line, ": nothing to invalidate"):
			d.nothingToInvalidate = true
		case strings.HasPrefix(line, "invalidated "):
			if m := demoInvalidationID.FindStringSubmatch(line); m != nil {
				d.invalidation = m[1]
			}
		case strings.HasPrefix(line, "  /"):
			d.paths = append(d.paths, strings.TrimSpace(line))
		}
	}
	d.assetsBeforeEntries = assets >= 0 && entries > assets
	return d
}

// demoInvalidationID finds the invalidation's ID in deploy's
// "invalidated DIST: … (ID)" line.
var demoInvalidationID = regexp.MustCompile(`\((I[0-9A-Z]+)\)$`)

// demoDistributionConfig is a distribution with one S3 origin, the bucket
// at originDomain, and the managed CachingOptimized policy.
func demoDistributionConfig(originDomain string) *types.DistributionConfig {
	return &types.DistributionConfig{
		CallerReference:   aws.String(fmt.Sprintf("cfinv-demo-%d", time.Now().UnixNano())),
		Comment:           aws.String("cfinv demo"),
		Enabled:           aws.Bool(true),
		DefaultRootObject: aws.String("index.html"),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id:             aws.String("site"),
			DomainName:     aws.String(originDomain),
			S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId:       aws.String("site"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId:        aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"), // CachingOptimized
			Compress:             aws.Bool(true),
		},
	}
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
