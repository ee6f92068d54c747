package cfinvtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfinvtest"
)

// invalidate creates an invalidation of paths and returns its ID and
// status.
func invalidate(t testing.TB, api *cloudfront.Client, dist, ref string, paths ...string) (id, status string) {
	t.Helper()
	out, err := api.CreateInvalidation(t.Context(), &cloudfront.CreateInvalidationInput{
		DistributionId: aws.String(dist),
		InvalidationBatch: &types.InvalidationBatch{
			CallerReference: aws.String(ref),
			Paths:           &types.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths},
		},
	})
	if err != nil {
		t.Fatalf("create invalidation: %v", err)
	}
	return aws.ToString(out.Invalidation.Id), aws.ToString(out.Invalidation.Status)
}

func invalidationStatus(t testing.TB, api *cloudfront.Client, dist, id string) string {
	t.Helper()
	out, err := api.GetInvalidation(t.Context(), &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(id)})
	if err != nil {
		t.Fatalf("get invalidation: %v", err)
	}
	return aws.ToString(out.Invalidation.Status)
}

// siteDir returns a directory holding files (name to content).
func siteDir(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		writeFile(t, filepath.Join(dir, name), body)
	}
	return dir
}

func writeFile(t testing.TB, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func edgeGet(t testing.TB, srv *cfinvtest.Server, dist, p string) *cfinvtest.EdgeResponse {
	t.Helper()
	r, err := srv.EdgeGet(t.Context(), dist, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestSignatures(t *testing.T) {
	srv := cfinvtest.NewServer(t, cfinvtest.WithMemoryStore())
	tests := []struct {
		name     string
		id, key  string
		wantCode string // "" means accepted
	}{
		{"server's key pair", srv.AccessKeyID, srv.SecretAccessKey, ""},
		{"wrong secret", srv.AccessKeyID, srv.SecretAccessKey + "x", "SignatureDoesNotMatch"},
		{"unknown key ID", "AKIAUNKNOWNUNKNOWN00", srv.SecretAccessKey, "InvalidClientTokenId"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := srv.AWSConfig()
			cfg.Credentials = credentials.NewStaticCredentialsProvider(tc.id, tc.key, "")
			_, err := cloudfront.NewFromConfig(cfg).ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{})
			if got := apiErrorCode(err); got != tc.wantCode || (tc.wantCode == "" && err != nil) {
				t.Errorf("ListDistributions: error %v (code %q), want code %q", err, got, tc.wantCode)
			}
		})
	}
	t.Run("unsigned", func(t *testing.T) {
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		resp, err := c.Get(srv.URL + "/2020-05-31/distribution")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "<Code>MissingAuthenticationToken</Code>") {
			t.Errorf("unsigned ListDistributions: status %d, body %s; want 403 MissingAuthenticationToken", resp.StatusCode, body)
		}
	})
}

func TestClockCompletesInvalidations(t *testing.T) {
	clk := cfinvtest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := cfinvtest.NewServer(t, cfinvtest.WithClock(clk), cfinvtest.WithCompletionDelay(time.Minute))
	api := cloudfront.NewFromConfig(srv.AWSConfig())
	dist := srv.NewDistribution(t, "site.s3.amazonaws.com")
	id, status := invalidate(t, api, dist, "inv", "/index.html")
	if status != "InProgress" {
		t.Fatalf("new invalidation: status %q, want InProgress", status)
	}
	steps := []struct {
		advance time.Duration
		want    string
	}{
		{0, "InProgress"},
		{59 * time.Second, "InProgress"},
		{time.Second - time.Nanosecond, "InProgress"},
		{time.Nanosecond, "Completed"},
		{24 * time.Hour, "Completed"},
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		if got := invalidationStatus(t, api, dist, id); got != s.want {
			t.Errorf("after +%v (at %v): status %q, want %q", s.advance, clk.Now(), got, s.want)
		}
	}
	out, err := api.GetDistribution(t.Context(), &cloudfront.GetDistributionInput{Id: aws.String(dist)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Distribution.Status); got != "Deployed" {
		t.Errorf("distribution status %q, want Deployed once the delay has passed", got)
	}
}

// TestClockSleepDrivesClient checks that a client given the server's
// Clock (cfinv.WithClock(clk.Now, clk.Sleep)) waits for an invalidation
// without real time passing: its sleeps move the server's clock.
func TestClockSleepDrivesClient(t *testing.T) {
	clk := cfinvtest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := cfinvtest.NewServer(t, cfinvtest.WithClock(clk), cfinvtest.WithCompletionDelay(time.Minute))
	dist := srv.NewDistribution(t, "site.s3.amazonaws.com")
	client := cfinv.New(srv.AWSConfig(), cfinv.WithClock(clk.Now, clk.Sleep))
	res, err := client.Invalidate(t.Context(), cfinv.Request{DistributionID: dist, Paths: []string{"/index.html"}})
	if err != nil {
		t.Fatal(err)
	}
	start := clk.Now()
	got, err := client.Wait(t.Context(), cfinv.WaitRequest{Targets: []cfinv.Target{{DistributionID: dist, IDs: []string{res.Batches[0].ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Status != "Completed" {
		t.Fatalf("got %+v, want one Completed invalidation", got)
	}
	if waited := clk.Now().Sub(start); waited < time.Minute {
		t.Errorf("the clock moved %v while waiting, want at least the completion delay of 1m", waited)
	}
}

func TestEdgePurge(t *testing.T) {
	files := map[string]string{"index.html": "i", "a.html": "a", "img/1.png": "1", "img/2.png": "2"}
	all := []string{"/index.html", "/a.html", "/img/1.png", "/img/2.png"}
	tests := []struct {
		name     string
		paths    []string
		wantMiss []string // the others are hits
	}{
		{"exact", []string{"/a.html"}, []string{"/a.html"}},
		{"prefix", []string{"/img/*"}, []string{"/img/1.png", "/img/2.png"}},
		{"two exact", []string{"/index.html", "/img/2.png"}, []string{"/index.html", "/img/2.png"}},
		{"everything", []string{"/*"}, all},
		{"nothing cached there", []string{"/other/*"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := cfinvtest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			srv := cfinvtest.NewServer(t, cfinvtest.WithS3Origin("site", siteDir(t, files)), cfinvtest.WithClock(clk), cfinvtest.WithMemoryStore())
			api := cloudfront.NewFromConfig(srv.AWSConfig())
			dist := srv.NewDistribution(t, "site.s3.amazonaws.com")
			for _, p := range all {
				if r := edgeGet(t, srv, dist, p); r.XCache != "Miss from cloudfront" || r.StatusCode != 200 {
					t.Fatalf("first GET %s: %d %q, want 200 Miss", p, r.StatusCode, r.XCache)
				}
			}
			invalidate(t, api, dist, "purge", tc.paths...)
			for _, p := range all {
				want := "Hit from cloudfront"
				for _, m := range tc.wantMiss {
					if m == p {
						want = "Miss from cloudfront"
					}
				}
				if r := edgeGet(t, srv, dist, p); r.XCache != want {
					t.Errorf("GET %s after invalidating %v: X-Cache %q, want %q", p, tc.paths, r.XCache, want)
				}
			}
		})
	}
}

// TestEdgeSeesAPIChangesAtOnce checks that the edge serves what the API
// just created or changed, with a clock that stands still (so the edge's
// host table never ages).
func TestEdgeSeesAPIChangesAtOnce(t *testing.T) {
	clk := cfinvtest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := cfinvtest.NewServer(t, cfinvtest.WithS3Origin("site", siteDir(t, map[string]string{"index.html": "x"})), cfinvtest.WithClock(clk))
	api := cloudfront.NewFromConfig(srv.AWSConfig())
	first := srv.NewDistribution(t, "site.s3.amazonaws.com")
	if r := edgeGet(t, srv, first, "/index.html"); r.StatusCode != 200 {
		t.Fatalf("first distribution: status %d, want 200", r.StatusCode)
	}
	second := srv.NewDistribution(t, "site.s3.amazonaws.com")
	if r := edgeGet(t, srv, second, "/index.html"); r.StatusCode != 200 {
		t.Errorf("distribution created after the edge listed them: status %d, want 200", r.StatusCode)
	}

	got, err := api.GetDistributionConfig(t.Context(), &cloudfront.GetDistributionConfigInput{Id: aws.String(first)})
	if err != nil {
		t.Fatal(err)
	}
	got.DistributionConfig.Enabled = aws.Bool(false)
	if _, err := api.UpdateDistribution(t.Context(), &cloudfront.UpdateDistributionInput{
		Id: aws.String(first), IfMatch: got.ETag, DistributionConfig: got.DistributionConfig,
	}); err != nil {
		t.Fatal(err)
	}
	if r := edgeGet(t, srv, first, "/index.html"); r.StatusCode != http.StatusForbidden {
		t.Errorf("disabled distribution: status %d, want 403", r.StatusCode)
	}
}

func TestEdgeTTLFollowsClock(t *testing.T) {
	clk := cfinvtest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	dir := siteDir(t, map[string]string{"index.html": "v1"})
	srv := cfinvtest.NewServer(t, cfinvtest.WithS3Origin("site", dir), cfinvtest.WithClock(clk))
	dist := srv.NewDistribution(t, "site.s3.amazonaws.com")
	edgeGet(t, srv, dist, "/index.html")
	writeFile(t, filepath.Join(dir, "index.html"), "v2")
	steps := []struct {
		advance    time.Duration
		wantXCache string
		wantBody   string
	}{
		{0, "Hit from cloudfront", "v1"},
		{24*time.Hour - time.Second, "Hit from cloudfront", "v1"}, // CachingOptimized: DefaultTTL one day
		{time.Second, "Miss from cloudfront", "v2"},
		{time.Hour, "Hit from cloudfront", "v2"},
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		r := edgeGet(t, srv, dist, "/index.html")
		if r.XCache != s.wantXCache || r.Body != s.wantBody {
			t.Errorf("after +%v: %q %q, want %q %q", s.advance, r.XCache, r.Body, s.wantXCache, s.wantBody)
		}
	}
}

func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	srv, err := cfinvtest.Start(cfinvtest.WithDataDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	api := cloudfront.NewFromConfig(srv.AWSConfig())
	dist := srv.NewDistribution(t, "site.s3.amazonaws.com")
	inv, _ := invalidate(t, api, dist, "restart", "/index.html")
	keyID := srv.AccessKeyID
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv2 := cfinvtest.NewServer(t, cfinvtest.WithDataDir(dir))
	if srv2.AccessKeyID != keyID {
		t.Errorf("after a restart: key ID %q, want %q kept from the data directory", srv2.AccessKeyID, keyID)
	}
	api2 := cloudfront.NewFromConfig(srv2.AWSConfig())
	if _, err := api2.GetDistribution(t.Context(), &cloudfront.GetDistributionInput{Id: aws.String(dist)}); err != nil {
		t.Errorf("after a restart: get distribution: %v", err)
	}
	if _, err := api2.GetInvalidation(t.Context(), &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(inv)}); err != nil {
		t.Errorf("after a restart: get invalidation: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "state.db")); err != nil {
		t.Errorf("state file: %v", err)
	}
}

func TestStartOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts []cfinvtest.Option
		want string
	}{
		{"memory and data dir", []cfinvtest.Option{cfinvtest.WithMemoryStore(), cfinvtest.WithDataDir(t.TempDir())}, "cannot be combined"},
		{"negative delay", []cfinvtest.Option{cfinvtest.WithCompletionDelay(-time.Second)}, "negative completion delay"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := cfinvtest.Start(tc.opts...)
			if err == nil {
				srv.Close()
				t.Fatalf("Start: no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestCreateAndWait is what a user's test does most: create an
// invalidation and wait for it with the SDK's waiter, on the real clock
// and the default completion delay.
func TestCreateAndWait(t *testing.T) {
	srv := cfinvtest.NewServer(t)
	api := cloudfront.NewFromConfig(srv.AWSConfig())
	dist := srv.NewDistribution(t, "site.s3.amazonaws.com")
	start := time.Now()
	id, _ := invalidate(t, api, dist, "wait", "/*")
	w := cloudfront.NewInvalidationCompletedWaiter(api, func(o *cloudfront.InvalidationCompletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 50*time.Millisecond
	})
	if err := w.Wait(t.Context(), &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(id)}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("create and wait took %v, want well under a second", d)
	}
}

func TestCloseReleasesPorts(t *testing.T) {
	srv, err := cfinvtest.Start(cfinvtest.WithMemoryStore())
	if err != nil {
		t.Fatal(err)
	}
	cfg := srv.AWSConfig()
	cfg.RetryMaxAttempts = 1 // the last call fails at once
	api := cloudfront.NewFromConfig(cfg)
	dist := srv.NewDistribution(t, "site.s3.amazonaws.com")
	edgeGet(t, srv, dist, "/index.html") // keeps a connection alive
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, u := range []string{srv.URL, srv.EdgeURL} {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", pu.Host)
		if err != nil {
			t.Errorf("after Close: listen on %s: %v", pu.Host, err)
			continue
		}
		ln.Close()
	}
	if _, err := api.ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{}); err == nil {
		t.Error("after Close: ListDistributions succeeded")
	}
}

func TestParallelServers(t *testing.T) {
	servers := make([]*cfinvtest.Server, 4)
	for i := range servers {
		opts := []cfinvtest.Option{cfinvtest.WithS3Origin("site", siteDir(t, map[string]string{"index.html": fmt.Sprint("server ", i)}))}
		if i%2 == 1 {
			opts = append(opts, cfinvtest.WithMemoryStore())
		}
		servers[i] = cfinvtest.NewServer(t, opts...)
	}
	for i, srv := range servers {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			api := cloudfront.NewFromConfig(srv.AWSConfig())
			dist := srv.NewDistribution(t, "site.s3.amazonaws.com")
			if r := edgeGet(t, srv, dist, "/index.html"); r.Body != fmt.Sprint("server ", i) {
				t.Errorf("edge body %q, want %q", r.Body, fmt.Sprint("server ", i))
			}
			out, err := api.ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{})
			if err != nil {
				t.Fatal(err)
			}
			if n := aws.ToInt32(out.DistributionList.Quantity); n != 1 {
				t.Errorf("ListDistributions: %d distributions, want only this server's 1", n)
			}
			other := servers[(i+1)%len(servers)]
			cfg := srv.AWSConfig()
			cfg.Credentials = credentials.NewStaticCredentialsProvider(other.AccessKeyID, other.SecretAccessKey, "")
			if _, err := cloudfront.NewFromConfig(cfg).ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{}); apiErrorCode(err) != "InvalidClientTokenId" {
				t.Errorf("signed with another server's key pair: error %v, want InvalidClientTokenId", err)
			}
		})
	}
}

// TestNoGoroutinesLeft checks that servers that were used and closed
// leave no goroutine behind (listeners, connections, client transports).
func TestNoGoroutinesLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 3 {
		srv, err := cfinvtest.Start(cfinvtest.WithS3Origin("site", siteDir(t, map[string]string{"index.html": "x"})))
		if err != nil {
			t.Fatal(err)
		}
		api := cloudfront.NewFromConfig(srv.AWSConfig())
		dist := srv.NewDistribution(t, "site.s3.amazonaws.com")
		invalidate(t, api, dist, "leak", "/*")
		edgeGet(t, srv, dist, "/index.html")
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// Connections' goroutines end as their sockets close, just after
	// Close returns; allow them a moment.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for runtime.NumGoroutine() > before {
		select {
		case <-ctx.Done():
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestNewDistribution: one line makes a distribution the edge serves, from
// a bucket mapped WithS3Origin or from an HTTP server, its URL's path the
// origin path; each call makes a new one (issue: a test that needed a
// distribution wrote 20 lines of DistributionConfig).
func TestNewDistribution(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "origin saw ", r.URL.Path)
	}))
	t.Cleanup(backend.Close)
	srv := cfinvtest.NewServer(t, cfinvtest.WithS3Origin("site", siteDir(t, map[string]string{"index.html": "from the bucket"})), cfinvtest.WithMemoryStore())
	tests := []struct {
		name   string
		origin string
		path   string
		want   string
	}{
		{"s3 bucket", "site.s3.amazonaws.com", "/index.html", "from the bucket"},
		{"s3 regional endpoint", "site.s3.eu-west-1.amazonaws.com", "/index.html", "from the bucket"},
		{"http server", backend.URL, "/a.html", "origin saw /a.html"},
		{"http server with a path", backend.URL + "/prod/", "/a.html", "origin saw /prod/a.html"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dist := srv.NewDistribution(t, tt.origin)
			if seen[dist] {
				t.Errorf("distribution %s made twice", dist)
			}
			seen[dist] = true
			for _, want := range []string{"Miss from cloudfront", "Hit from cloudfront"} {
				r := edgeGet(t, srv, dist, tt.path)
				if r.StatusCode != http.StatusOK || r.Body != tt.want || r.XCache != want {
					t.Errorf("GET %s: %d %q %s, want 200 %q %s", tt.path, r.StatusCode, r.Body, r.XCache, tt.want, want)
				}
			}
		})
	}
}

func TestCreateDistributionBadOrigin(t *testing.T) {
	srv := cfinvtest.NewServer(t, cfinvtest.WithMemoryStore())
	tests := []struct {
		name   string
		origin string
		want   string
	}{
		{"a bucket name alone", "site", `origin "site" is neither an S3 bucket's domain name (my-site.s3.amazonaws.com) nor an http:// or https:// URL`},
		{"empty", "", `origin "" is neither`},
		{"another scheme", "ftp://127.0.0.1/", `origin "ftp://127.0.0.1/" is neither`},
		{"no host", "http:///a", `origin "http:///a" is neither`},
		{"a query", "http://127.0.0.1:8080/?a=1", `origin "http://127.0.0.1:8080/?a=1" is neither`},
		{"port out of range", "http://127.0.0.1:70000", `origin "http://127.0.0.1:70000": port "70000" is not between 1 and 65535`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := srv.CreateDistribution(t.Context(), tt.origin)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			out, err := cloudfront.NewFromConfig(srv.AWSConfig()).ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{})
			if err != nil {
				t.Fatal(err)
			}
			if n := aws.ToInt32(out.DistributionList.Quantity); n != 0 {
				t.Errorf("%d distributions after a bad origin, want 0", n)
			}
		})
	}
}

// TestCloseWithIdleNewConnection: a connection that never sent a request
// (an HTTP client's spare) is cut off by Close without an error, as
// before internal/local; Close reported "shut down: context deadline
// exceeded" for it, which failed a deploy test under load.
func TestCloseWithIdleNewConnection(t *testing.T) {
	s, err := cfinvtest.Start(cfinvtest.WithMemoryStore())
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := s.Close(); err != nil {
		t.Fatalf("Close with a connection that sent nothing: %v", err)
	}
}
