// Command api benchmarks the CloudFront API of `cfinv serve` against
// moto_server on loopback: the same aws-sdk-go-v2 client (BaseEndpoint,
// static keys, no retries) sends N CreateInvalidation and then N
// GetInvalidation requests from a few concurrent workers, and the program
// prints throughput and p50/p99 latency per server and operation as a
// Markdown table.
//
// Usage (from the repository root):
//
//	go run ./bench/api -n 2000 -c 4
//
// It builds cmd/cfinv unless -cfinv names a binary, starts both servers on
// free loopback ports with throw-away state, and stops them when done.
// Invalidations complete at once (--completion-delay 0) so the in-progress
// limits never throttle the run. This is a benchmark, not a test.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/test/harness"
)

const (
	benchKeyID  = "AKIABENCHMARK0000001"
	benchSecret = "bench/Secret/Key+0123456789abcdefghijklm"
)

func main() {
	n := flag.Int("n", 2000, "requests per operation")
	c := flag.Int("c", 4, "concurrent workers")
	cfinvBin := flag.String("cfinv", "", "cfinv binary (default: build ./cmd/cfinv)")
	moto := flag.String("moto", "moto_server", "moto_server executable")
	targets := flag.String("targets", "cfinv,moto", "comma-separated servers to run: cfinv, moto")
	flag.Parse()
	if err := run(*n, *c, *cfinvBin, *moto, strings.Split(*targets, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "bench/api:", err)
		os.Exit(1)
	}
}

func run(n, c int, cfinvBin, moto string, targets []string) error {
	tmp, err := os.MkdirTemp("", "cfinv-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	fmt.Printf("# %d requests per operation, %d workers, GOMAXPROCS %d, %s/%s\n\n", n, c, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	fmt.Println("| server | operation | requests | workers | req/s | p50 | p99 | errors |")
	fmt.Println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, target := range targets {
		var endpoint string
		var stop func()
		switch strings.TrimSpace(target) {
		case "cfinv":
			if cfinvBin == "" {
				cfinvBin = filepath.Join(tmp, "cfinv")
				if out, err := exec.Command("go", "build", "-o", cfinvBin, "./cmd/cfinv").CombinedOutput(); err != nil {
					return fmt.Errorf("build cfinv: %v\n%s", err, out)
				}
			}
			endpoint, stop, err = startCfinv(cfinvBin, filepath.Join(tmp, "cfinv-data"))
		case "moto":
			endpoint, stop, err = startMoto(moto)
		default:
			return fmt.Errorf("unknown target %q", target)
		}
		if err != nil {
			return err
		}
		rows, err := benchmark(endpoint, n, c)
		stop()
		if err != nil {
			return fmt.Errorf("%s: %w", target, err)
		}
		for _, r := range rows {
			fmt.Printf("| %s | %s | %d | %d | %.0f | %s | %s | %d |\n", target, r.op, r.n, c, r.rps, ms(r.p50), ms(r.p99), r.errors)
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// startCfinv runs `cfinv serve` on a kernel-chosen port and returns its URL
// from the line it prints once listening.
func startCfinv(bin, dataDir string) (string, func(), error) {
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID="+benchKeyID, "AWS_SECRET_ACCESS_KEY="+benchSecret)
	s, err := harness.Start(bin, dataDir, env, "--addr", "127.0.0.1:0", "--completion-delay", "0")
	if err != nil {
		return "", nil, err
	}
	return s.URL, func() { _ = s.Stop() }, nil
}

// startMoto runs moto_server on a free port and waits until it answers.
func startMoto(moto string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(moto, "-p", fmt.Sprint(port), "-H", "127.0.0.1")
	var out harness.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start %s (install moto[server]): %w", moto, err)
	}
	stop := stopper(cmd)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url + "/"); err == nil {
			resp.Body.Close()
			return url, stop, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("moto_server did not answer on %s:\n%s", url, out.String())
}

// stopper returns a function that interrupts cmd and waits for it.
func stopper(cmd *exec.Cmd) func() {
	return func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
}

type row struct {
	op       string
	n        int
	rps      float64
	p50, p99 time.Duration
	errors   int64
}

// benchmark creates a distribution, then times n CreateInvalidation and n
// GetInvalidation calls spread over c workers.
func benchmark(endpoint string, n, c int) ([]row, error) {
	ctx := context.Background()
	client := harness.SDK(endpoint, harness.Credentials(benchKeyID, benchSecret, ""),
		harness.HTTPClient(&http.Client{Transport: &http.Transport{
			MaxIdleConns:        c * 2,
			MaxIdleConnsPerHost: c * 2,
			IdleConnTimeout:     time.Minute,
		}}))
	stamp := time.Now().UnixNano()
	dist, err := client.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String(fmt.Sprintf("bench-%d", stamp)),
		Comment:         aws.String(""),
		Enabled:         aws.Bool(true),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("o1"), DomainName: aws.String("origin.example.com"),
			CustomOriginConfig: &types.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId:       aws.String("o1"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			// Managed-CachingOptimized.
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"),
		},
	}})
	if err != nil {
		return nil, fmt.Errorf("create distribution: %w", err)
	}
	distID := dist.Distribution.Id

	create := func(i int) (string, error) {
		out, err := client.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
			DistributionId: distID,
			InvalidationBatch: &types.InvalidationBatch{
				CallerReference: aws.String(fmt.Sprintf("bench-%d-%d", stamp, i)),
				Paths:           &types.Paths{Quantity: aws.Int32(1), Items: []string{fmt.Sprintf("/bench/%d.html", i)}},
			},
		})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Invalidation.Id), nil
	}
	// Warm up connections and both servers' code paths.
	for i := range 20 {
		if _, err := create(-1 - i); err != nil {
			return nil, fmt.Errorf("warm-up create invalidation: %w", err)
		}
	}

	ids := make([]string, n)
	createRow, firstErr := measure("CreateInvalidation", n, c, func(i int) error {
		id, err := create(i)
		ids[i] = id
		return err
	})
	if firstErr != nil && createRow.errors == int64(n) {
		return nil, fmt.Errorf("every CreateInvalidation failed: %w", firstErr)
	}
	ids = slices.DeleteFunc(ids, func(s string) bool { return s == "" })
	getRow, firstErr := measure("GetInvalidation", n, c, func(i int) error {
		_, err := client.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: distID, Id: aws.String(ids[i%len(ids)])})
		return err
	})
	if firstErr != nil && getRow.errors == int64(n) {
		return nil, fmt.Errorf("every GetInvalidation failed: %w", firstErr)
	}
	if firstErr != nil {
		fmt.Fprintln(os.Stderr, "first error:", firstErr)
	}
	return []row{createRow, getRow}, nil
}

// measure runs call(0..n-1) on c workers and returns the row and the first
// error seen.
func measure(op string, n, c int, call func(i int) error) (row, error) {
	lat := make([]time.Duration, n)
	var next, errs atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				err := call(i)
				lat[i] = time.Since(t0)
				if err != nil {
					errs.Add(1)
					once.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return row{op: op, n: n, rps: float64(n) / wall.Seconds(), p50: pct(0.50), p99: pct(0.99), errors: errs.Load()}, firstErr
}
