// Package harness runs cfinv as real processes for the reliability tests in
// test/soak, test/crash and test/security: it builds the binary, starts and
// kills `cfinv serve`, puts a fault injector in front of it, and reads back
// what the server recorded, through the AWS SDK on a fault-free listener.
//
// Its SDK client (SDK), minimal distribution (DistributionConfig,
// CreateDistribution) and concurrent-safe Buffer also serve the unit tests
// and the benchmarks, so each is written once. Packages it imports
// (internal/faults, internal/sdkhttp) may use it only from external _test
// packages.
package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/clock"
	"github.com/cfinv/cfinv/internal/faults"
	"github.com/cfinv/cfinv/internal/sdkhttp"
)

// Test credentials. They are obviously fake, and long enough that finding
// one in a log or a file is never a coincidence.
const (
	AccessKeyID     = "AKIACFINVHARNESS0001"
	SecretAccessKey = "cfinv-harness-secret-4d1f9b2e7c0a86f3e5b1d2c9a7f0e3b8"
	SessionToken    = "cfinv-harness-session-token-9e8d7c6b5a4f3e2d1c0b"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary builds cmd/cfinv once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cfinv-harness-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "cfinv")
		out, err := CombinedOutput(exec.Command("go", "build", "-o", buildPath, "github.com/cfinv/cfinv/cmd/cfinv"))
		if err != nil {
			buildErr = fmt.Errorf("build cfinv: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// Main runs a test package's tests and then removes the binary Binary
// built. Call it from TestMain: os.Exit(harness.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if buildPath != "" {
		_ = os.RemoveAll(filepath.Dir(buildPath))
	}
	return code
}

// Env returns the environment for a cfinv or aws subprocess: the current
// one without any AWS_ or CFINV_ variable, plus the harness credentials,
// us-east-1, no shared config files and no instance metadata, HOME and the
// XDG directories under home, then extra ("NAME=value").
func Env(home string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "AWS_"), strings.HasPrefix(name, "CFINV_"),
			name == "HOME", strings.HasPrefix(name, "XDG_"):
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"XDG_STATE_HOME="+filepath.Join(home, ".local", "state"),
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"AWS_ACCESS_KEY_ID="+AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+SecretAccessKey,
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+filepath.Join(home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	)
	return append(env, extra...)
}

// Buffer is an io.Writer safe for concurrent use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Clock is a manual clock for the tests, safe for concurrent use: it reads
// the same time until Advance or Sleep moves it. It is cfinvtest.Clock (the
// one type, in internal/clock), which the harness cannot import: packages
// cfinvtest imports use the harness in their own tests.
type Clock = clock.Manual

// NewClock returns a Clock that reads t0.
func NewClock(t0 time.Time) *Clock { return clock.NewManual(t0) }

// Server is a running `cfinv serve` process.
type Server struct {
	// URL is the API's base URL, as serve printed it.
	URL string
	// DataDir is serve's --data-dir.
	DataDir string
	// Stderr collects everything serve wrote to stderr.
	Stderr *Buffer
	cmd    *exec.Cmd
	done   chan struct{}
	err    error
}

var urlLine = regexp.MustCompile(`CloudFront API on (http://\S+)`)

// StartServe starts `cfinv serve --data-dir dataDir args…` with env and
// waits until it prints its URL. Pass --addr 127.0.0.1:0 in args for a free
// port. The process is killed when the test ends if it still runs, and
// when the test binary dies (StartProcess).
func StartServe(t testing.TB, bin, dataDir string, env []string, args ...string) *Server {
	t.Helper()
	s, err := Start(bin, dataDir, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Kill() })
	return s
}

// Start is StartServe outside a test (for the benchmarks): it returns an
// error instead of failing a test, and the caller stops or kills the
// process.
func Start(bin, dataDir string, env []string, args ...string) (*Server, error) {
	// The edge is off unless args turn it on: these runs test the API.
	cmd := exec.Command(bin, append([]string{"serve", "--data-dir", dataDir, "--edge-addr", "", "--s3-addr", ""}, args...)...)
	cmd.Env = env
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	s := &Server{DataDir: dataDir, Stderr: &Buffer{}, cmd: cmd, done: make(chan struct{})}
	if err := StartProcess(cmd); err != nil {
		return nil, fmt.Errorf("start serve: %w", err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(s.Stderr, line)
			if m := urlLine.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		_, _ = io.Copy(s.Stderr, pr)
	}()
	go func() {
		s.err = cmd.Wait()
		Reap(cmd)
		pw.Close()
		close(s.done)
	}()
	select {
	case s.URL = <-found:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("serve exited before listening: %v\n%s", s.err, s.Stderr.String())
	case <-time.After(30 * time.Second):
		s.Kill()
		return nil, fmt.Errorf("serve did not print its URL in 30s:\n%s", s.Stderr.String())
	}
}

// Pid returns the process id of serve.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Kill sends SIGKILL, the crash no code can react to, and waits for the
// process to be gone.
func (s *Server) Kill() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Stop asks serve to shut down gracefully (SIGTERM) and waits.
func (s *Server) Stop() error {
	select {
	case <-s.done:
		return s.err
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.Kill()
		return errors.New("serve did not stop within 20s of SIGTERM")
	}
	return s.err
}

// SDK returns the AWS SDK's CloudFront client for the API at endpoint, as
// the tests and benchmarks set it up: region us-east-1, the harness
// credentials, one attempt per call and an HTTP client with a 30s timeout.
// opts change the options after that (Attempts, HTTPClient, Credentials, or
// any other func); the HTTP client they leave is always wrapped in
// sdkhttp.GuardBody.
func SDK(endpoint string, opts ...func(*cloudfront.Options)) *cloudfront.Client {
	o := cloudfront.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		HTTPClient:   &http.Client{Timeout: 30 * time.Second},
	}
	Attempts(1)(&o)
	for _, opt := range opts {
		opt(&o)
	}
	o.HTTPClient = sdkhttp.GuardBody(o.HTTPClient)
	return cloudfront.New(o)
}

// Attempts makes the SDK try each call up to n times, with no backoff
// delay between the attempts.
func Attempts(n int) func(*cloudfront.Options) {
	return func(o *cloudfront.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = n
			so.Backoff = noBackoff{}
		})
	}
}

// HTTPClient makes the SDK send its requests through c (SDK still wraps it
// in sdkhttp.GuardBody).
func HTTPClient(c aws.HTTPClient) func(*cloudfront.Options) {
	return func(o *cloudfront.Options) { o.HTTPClient = c }
}

// Credentials makes the SDK sign with these static credentials instead of
// the harness's; token may be empty.
func Credentials(id, secret, token string) func(*cloudfront.Options) {
	return func(o *cloudfront.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(id, secret, token)
	}
}

type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// CachingOptimized is the ID of CloudFront's managed cache policy
// Managed-CachingOptimized.
const CachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"

// DistributionConfig returns a minimal distribution config: enabled, one S3
// origin (o1, bucket.s3.amazonaws.com), and a default behaviour to it with
// CachingOptimized, then edit applied in order.
func DistributionConfig(ref string, edit ...func(*types.DistributionConfig)) *types.DistributionConfig {
	cfg := &types.DistributionConfig{
		CallerReference: aws.String(ref), Comment: aws.String(""), Enabled: aws.Bool(true),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("o1"), DomainName: aws.String("bucket.s3.amazonaws.com"),
			S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId: aws.String("o1"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String(CachingOptimized),
		},
	}
	for _, e := range edit {
		e(cfg)
	}
	return cfg
}

// Aliases gives a DistributionConfig these alternate domain names.
func Aliases(names ...string) func(*types.DistributionConfig) {
	return func(cfg *types.DistributionConfig) {
		cfg.Aliases = &types.Aliases{Quantity: aws.Int32(int32(len(names))), Items: names}
	}
}

// CreateDistribution creates the distribution DistributionConfig(ref,
// edit...) describes and returns its ID.
func CreateDistribution(ctx context.Context, api *cloudfront.Client, ref string, edit ...func(*types.DistributionConfig)) (string, error) {
	out, err := api.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: DistributionConfig(ref, edit...)})
	if err != nil {
		return "", fmt.Errorf("create distribution: %w", err)
	}
	return aws.ToString(out.Distribution.Id), nil
}

// Distribution is CreateDistribution for a test: it fails t on an error.
func Distribution(t testing.TB, api *cloudfront.Client, ref string, edit ...func(*types.DistributionConfig)) string {
	t.Helper()
	id, err := CreateDistribution(t.Context(), api, ref, edit...)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Invalidation is one invalidation as the server recorded it.
type Invalidation struct {
	DistributionID  string
	ID              string
	Status          string
	CallerReference string
	Paths           []string
}

// Snapshot lists every invalidation of each distribution (with its paths,
// through GetInvalidation), oldest first.
func Snapshot(ctx context.Context, api *cloudfront.Client, dists []string) ([]Invalidation, error) {
	var all []Invalidation
	for _, d := range dists {
		var ids []string
		var marker *string
		for {
			out, err := api.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(d), Marker: marker, MaxItems: aws.Int32(1000)})
			if err != nil {
				return nil, fmt.Errorf("list invalidations of %s: %w", d, err)
			}
			for _, s := range out.InvalidationList.Items {
				ids = append(ids, aws.ToString(s.Id))
			}
			if !aws.ToBool(out.InvalidationList.IsTruncated) {
				break
			}
			marker = out.InvalidationList.NextMarker
		}
		for i := len(ids) - 1; i >= 0; i-- {
			out, err := api.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(d), Id: aws.String(ids[i])})
			if err != nil {
				return nil, fmt.Errorf("get invalidation %s/%s: %w", d, ids[i], err)
			}
			inv := out.Invalidation
			all = append(all, Invalidation{
				DistributionID:  d,
				ID:              aws.ToString(inv.Id),
				Status:          aws.ToString(inv.Status),
				CallerReference: aws.ToString(inv.InvalidationBatch.CallerReference),
				Paths:           inv.InvalidationBatch.Paths.Items,
			})
		}
	}
	return all, nil
}

// Audit is what a Snapshot says about a set of requested paths.
type Audit struct {
	// Requested is the number of distinct (distribution, path) pairs asked for.
	Requested int
	// Lost lists requested pairs found in no invalidation.
	Lost []string
	// Duplicated lists requested pairs found in more than one invalidation,
	// with the count.
	Duplicated map[string]int
	// DuplicateBatches counts invalidations whose path set equals an
	// earlier invalidation's on the same distribution.
	DuplicateBatches int
	// Unrequested lists paths the server has that nobody asked for.
	Unrequested []string
}

// Check compares the server's invalidations with what was requested
// (distribution ID to paths).
func Check(invs []Invalidation, requested map[string][]string) Audit {
	a := Audit{Duplicated: map[string]int{}}
	count := map[string]int{}
	batches := map[string]bool{}
	for _, inv := range invs {
		for _, p := range inv.Paths {
			count[inv.DistributionID+" "+p]++
		}
		ps := append([]string(nil), inv.Paths...)
		sort.Strings(ps)
		key := inv.DistributionID + "\x00" + strings.Join(ps, "\x00")
		if batches[key] {
			a.DuplicateBatches++
		}
		batches[key] = true
	}
	want := map[string]bool{}
	for d, ps := range requested {
		for _, p := range ps {
			want[d+" "+p] = true
		}
	}
	a.Requested = len(want)
	for k := range want {
		switch n := count[k]; {
		case n == 0:
			a.Lost = append(a.Lost, k)
		case n > 1:
			a.Duplicated[k] = n
		}
	}
	for k := range count {
		if !want[k] {
			a.Unrequested = append(a.Unrequested, k)
		}
	}
	sort.Strings(a.Lost)
	sort.Strings(a.Unrequested)
	return a
}

// FaultProxy starts an in-process reverse proxy to target behind a fault
// injector configured by cfg, and returns its URL and the injector. The
// client's Host header is kept, so SigV4 signatures made for the proxy's
// address verify at the server.
func FaultProxy(t testing.TB, target string, cfg faults.Config) (string, *faults.Injector) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host
		},
		ErrorLog: nil,
	}
	in := faults.New(rp, cfg)
	srv := httptest.NewServer(in)
	t.Cleanup(srv.Close)
	return srv.URL, in
}
