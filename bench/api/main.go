// Command api benchmarks the CloudFront API of `cfinv serve` against
// moto_server on loopback: the same aws-sdk-go-v2 client (BaseEndpoint,
// static keys, no retries) sends N CreateInvalidation and then N
// GetInvalidation requests from concurrent workers (16 by default). Both
// servers run side by side for the whole program, and each of several
// rounds runs both, in alternating order, so load on a shared machine falls
// on both sides alike. It prints, per server and operation, the median and
// range of req/s over the rounds and the median p50/p99 latency as a
// Markdown table, then the ratio of every pair of servers (median and range
// of the per-round ratios) and the load average at the start and the end.
//
// Usage (from the repository root):
//
//	go run ./bench/api -n 2000 -c 16 -rounds 5
//	go run ./bench/api -n 6000 -c 16 -rounds 3 -targets cfinv,moto,floor -before /tmp/cfinv-before
//
// Besides cfinv and moto, -targets takes floor, a server that answers
// every request with a fixed response and does no work (floor.go): the
// most this driver reaches on this machine. -before adds an earlier cfinv
// binary, so a change is measured against its parent in one run.
//
// It builds cmd/cfinv unless -cfinv names a binary, starts both servers
// (cfinv serve with a throw-away data directory, moto_server) on free
// loopback ports, and stops them when done.
// Invalidations complete at once (--completion-delay 0) so the in-progress
// limits never throttle the run. This is a benchmark, not a test.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/bench/internal/rig"
	"github.com/cfinv/cfinv/test/harness"
)

func main() {
	n := flag.Int("n", 2000, "requests per operation and round")
	c := flag.Int("c", 16, "concurrent workers")
	rounds := flag.Int("rounds", 5, "rounds; each runs every server once, in alternating order")
	cfinvBin := flag.String("cfinv", "", "cfinv binary (default: build ./cmd/cfinv)")
	moto := flag.String("moto", "moto_server", "moto_server executable")
	before := flag.String("before", "", "an earlier cfinv binary, run as the server \"before\" (adds it to -targets)")
	targets := flag.String("targets", "cfinv,moto", "comma-separated servers to run: cfinv, before, moto, floor")
	floorAddr := flag.String("serve-floor", "", "run only the floor server on this `address` (used by the floor target)")
	flag.Parse()
	if *floorAddr != "" {
		if err := serveFloor(*floorAddr); err != nil {
			fmt.Fprintln(os.Stderr, "bench/api: floor:", err)
			os.Exit(1)
		}
		return
	}
	list := strings.Split(*targets, ",")
	if *before != "" && !slices.Contains(list, "before") {
		list = slices.Insert(list, 1, "before")
	}
	if err := run(*n, *c, *rounds, *cfinvBin, *before, *moto, list); err != nil {
		fmt.Fprintln(os.Stderr, "bench/api:", err)
		os.Exit(1)
	}
}

// server is one side of the comparison, started once for all rounds.
type server struct {
	name     string
	endpoint string
	stop     func()
	rows     map[string][]row // by operation, one per round
}

func run(n, c, rounds int, cfinvBin, beforeBin, moto string, targets []string) error {
	if rounds < 1 || n < 1 || c < 1 {
		return fmt.Errorf("-n %d, -c %d, -rounds %d: each must be at least 1", n, c, rounds)
	}
	tmp, err := os.MkdirTemp("", "cfinv-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	var servers []*server
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, target := range targets {
		s := &server{name: strings.TrimSpace(target), rows: map[string][]row{}}
		switch s.name {
		case "cfinv":
			if cfinvBin == "" {
				if cfinvBin, err = rig.BuildCfinv(tmp); err != nil {
					return err
				}
			}
			s.endpoint, s.stop, err = startCfinv(cfinvBin, filepath.Join(tmp, "cfinv-data"))
		case "before":
			if beforeBin == "" {
				return fmt.Errorf("target before needs -before BINARY")
			}
			s.endpoint, s.stop, err = startCfinv(beforeBin, filepath.Join(tmp, "before-data"))
		case "moto":
			s.endpoint, s.stop, err = rig.StartMoto(moto)
		case "floor":
			s.endpoint, s.stop, err = startFloor()
		default:
			return fmt.Errorf("unknown target %q, want cfinv, before, moto or floor", target)
		}
		if err != nil {
			return err
		}
		servers = append(servers, s)
	}

	fmt.Printf("# %d requests per operation and round, %d workers, %d rounds, GOMAXPROCS %d, %s/%s, load average %s\n\n",
		n, c, rounds, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, rig.LoadAvg())
	for r := range rounds {
		// Alternate the order so neither side always runs on the
		// machine the other just warmed (or loaded).
		order := slices.Clone(servers)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, s := range order {
			rows, err := benchmark(s.endpoint, n, c, r)
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", s.name, r+1, err)
			}
			for _, row := range rows {
				s.rows[row.op] = append(s.rows[row.op], row)
			}
			fmt.Fprintf(os.Stderr, "round %d %s: %s %.0f req/s, %s %.0f req/s\n", r+1, s.name, rows[0].op, rows[0].rps, rows[1].op, rows[1].rps)
		}
	}

	fmt.Println("| server | operation | req/s median | req/s range | p50 median | p99 median | errors |")
	fmt.Println("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
	for _, op := range []string{"CreateInvalidation", "GetInvalidation"} {
		for _, s := range servers {
			rows := s.rows[op]
			var errs int64
			for _, r := range rows {
				errs += r.errors
			}
			rps := column(rows, func(r row) float64 { return r.rps })
			fmt.Printf("| %s | %s | %.0f | %.0f–%.0f | %s | %s | %d |\n", s.name, op, rig.Median(rps), rps[0], rps[len(rps)-1],
				ms(time.Duration(rig.Median(column(rows, func(r row) float64 { return float64(r.p50) })))),
				ms(time.Duration(rig.Median(column(rows, func(r row) float64 { return float64(r.p99) })))), errs)
		}
	}
	for i, a := range servers {
		for _, b := range servers[i+1:] {
			fmt.Println()
			for _, op := range []string{"CreateInvalidation", "GetInvalidation"} {
				// Per-round ratios: each round's runs were neighbours
				// in time, so their ratio is the least disturbed by
				// load.
				var ratios []float64
				for i := range a.rows[op] {
					ratios = append(ratios, a.rows[op][i].rps/b.rows[op][i].rps)
				}
				slices.Sort(ratios)
				fmt.Printf("%s: %s / %s = %.2f× (median of %d rounds; range %.2f–%.2f×)\n", op, a.name, b.name, rig.Median(ratios), len(ratios), ratios[0], ratios[len(ratios)-1])
			}
		}
	}
	fmt.Printf("\nload average at the end: %s\n", rig.LoadAvg())
	return nil
}

// column returns f of each row, sorted.
func column(rows []row, f func(row) float64) []float64 {
	out := make([]float64, len(rows))
	for i, r := range rows {
		out[i] = f(r)
	}
	slices.Sort(out)
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// startCfinv runs `cfinv serve` on a kernel-chosen port and returns its URL
// from the line it prints once listening.
func startCfinv(bin, dataDir string) (string, func(), error) {
	s, err := harness.Start(bin, dataDir, rig.Env(), "--addr", "127.0.0.1:0", "--completion-delay", "0")
	if err != nil {
		return "", nil, err
	}
	return s.URL, func() { _ = s.Stop() }, nil
}

type row struct {
	op       string
	n        int
	rps      float64
	p50, p99 time.Duration
	errors   int64
}

// benchmark creates a distribution (a new one each round, so neither
// server's lists grow across rounds), then times n CreateInvalidation and
// n GetInvalidation calls spread over c workers.
func benchmark(endpoint string, n, c, round int) ([]row, error) {
	ctx := context.Background()
	client := harness.SDK(endpoint, harness.Credentials(rig.KeyID, rig.Secret, ""),
		harness.HTTPClient(&http.Client{Transport: &http.Transport{
			MaxIdleConns:        c * 2,
			MaxIdleConnsPerHost: c * 2,
			IdleConnTimeout:     time.Minute,
		}}))
	stamp := fmt.Sprintf("%d-r%d", time.Now().UnixNano(), round)
	dist, err := client.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("bench-" + stamp),
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
				CallerReference: aws.String(fmt.Sprintf("bench-%s-%d", stamp, i)),
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

// measure runs call(0..n-1) on c workers and returns the row of op and
// the first error seen.
func measure(op string, n, c int, call func(i int) error) (row, error) {
	r, err := rig.Measure(n, c, call)
	return row{op: op, n: n, rps: r.RPS, p50: r.P50, p99: r.P99, errors: r.Errors}, err
}
