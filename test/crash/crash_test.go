// Package crash kills cfinv with SIGKILL at chosen points and checks that
// nothing is lost or bought twice: `cfinv invalidate --deploy-id` killed in
// the middle of a multi-batch job and run again, `cfinv deploy` killed in
// every step of a sequence of deploys under injected S3 and CloudFront
// faults and run again, and `cfinv serve` killed under concurrent load and
// restarted on the same data directory.
//
//	go test ./test/crash -v                       # the CI size
//	go test ./test/crash -v -crash.cases=40 -crash.cycles=10 -crash.seed=1
//	go test ./test/crash -v -run TestKillDeploy -crash.deploykills=60 -crash.faultrate=0.15
package crash

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/test/harness"
)

var (
	flagSeed   = flag.Int64("crash.seed", 1, "seed of the kill points")
	flagCases  = flag.Int("crash.cases", 6, "kills of cfinv invalidate")
	flagCycles = flag.Int("crash.cycles", 3, "kill/restart cycles of cfinv serve")
)

// killer is a reverse proxy that SIGKILLs a client process when the n-th
// API request arrives: before forwarding it (the server never sees it) or
// after the server answered (the server acted, the client never hears).
type killer struct {
	next   http.Handler
	n      int64
	after  bool
	seen   atomic.Int64
	killed atomic.Bool
	mu     sync.Mutex
	proc   *os.Process
}

func (k *killer) arm(p *os.Process, n int64, after bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.proc, k.n, k.after = p, n, after
	k.seen.Store(0)
	k.killed.Store(false)
}

func (k *killer) disarm() { k.arm(nil, 0, false) }

func (k *killer) kill() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.proc != nil && !k.killed.Swap(true) {
		_ = k.proc.Kill()
	}
}

func (k *killer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	n, after, armed := k.n, k.after, k.proc != nil
	k.mu.Unlock()
	if !armed || !strings.HasPrefix(r.URL.Path, "/2020-05-31/") {
		k.next.ServeHTTP(w, r)
		return
	}
	if seq := k.seen.Add(1); seq == n {
		if !after {
			k.kill()
			panic(http.ErrAbortHandler)
		}
		rec := httptest.NewRecorder()
		k.next.ServeHTTP(rec, r)
		k.kill()
		panic(http.ErrAbortHandler)
	}
	k.next.ServeHTTP(w, r)
}

func proxyTo(t *testing.T, target string) http.Handler {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host
		},
		// A killed client cuts its requests off: expected here, so not
		// logged ("http: proxy error: … unexpected EOF").
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) },
	}
}

// TestKillInvalidate kills `cfinv invalidate --deploy-id X --wait` of a
// 7,000-path job (three batches, queued behind the in-progress limit) at a
// seeded request, before or after the server acted, then runs the same
// command again until it succeeds.
func TestKillInvalidate(t *testing.T) {
	bin := harness.Binary(t)
	home := t.TempDir()
	env := harness.Env(home)
	srv := harness.StartServe(t, bin, filepath.Join(home, "data"), env, "--addr", "127.0.0.1:0", "--completion-delay", "400ms")
	direct := harness.SDK(srv.URL, harness.Attempts(3))
	k := &killer{next: proxyTo(t, srv.URL)}
	front := httptest.NewServer(k)
	defer front.Close()

	rng := rand.New(rand.NewPCG(uint64(*flagSeed), 3))
	var kills, reruns int
	for c := range *flagCases {
		n := int64(1 + rng.IntN(8))
		after := rng.IntN(2) == 1
		freshState := c%3 == 2 // a re-run on a new CI runner: no journal
		name := fmt.Sprintf("case%d-request%d-after%v-fresh%v", c, n, after, freshState)
		t.Run(name, func(t *testing.T) {
			dist, err := harness.CreateDistribution(t.Context(), direct, "crash-"+name)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			paths := make([]string, 7000)
			for i := range paths {
				paths[i] = fmt.Sprintf("/c%d/f%05d", c, i)
			}
			pathsFile := filepath.Join(dir, "paths")
			if err := os.WriteFile(pathsFile, []byte(strings.Join(paths, "\n")), 0o600); err != nil {
				t.Fatal(err)
			}
			run := func(attempt int, arm bool) (string, error) {
				state := filepath.Join(dir, "state")
				if freshState {
					state = filepath.Join(dir, fmt.Sprintf("state%d", attempt))
				}
				cmd := exec.Command(bin, "invalidate", "--endpoint-url", front.URL, "--distribution-id", dist,
					"--deploy-id", "deploy-"+name, "--wait", "--timeout", "60s", "--paths-from", pathsFile,
					"--state-dir", state, "--output", "json")
				cmd.Env = env
				var stderr strings.Builder
				cmd.Stderr = &stderr
				if err := harness.StartProcess(cmd); err != nil {
					t.Fatal(err)
				}
				if arm {
					k.arm(cmd.Process, n, after)
				} else {
					k.disarm()
				}
				err := cmd.Wait()
				harness.Reap(cmd)
				k.disarm()
				return stderr.String(), err
			}
			_, err = run(1, true)
			killed := k.killed.Load() || (err != nil && strings.Contains(err.Error(), "killed"))
			if killed {
				kills++
			} else if err != nil {
				t.Fatalf("first run failed without being killed: %v", err)
			}
			ok := err == nil
			for attempt := 2; !ok && attempt <= 4; attempt++ {
				reruns++
				var stderr string
				stderr, err = run(attempt, false)
				if err == nil {
					ok = true
				} else {
					t.Logf("re-run %d: %v\n%s", attempt, err, stderr)
				}
			}
			if !ok {
				t.Fatalf("the job never succeeded after the kill")
			}
			invs, err := harness.Snapshot(t.Context(), direct, []string{dist})
			if err != nil {
				t.Fatal(err)
			}
			audit := harness.Check(invs, map[string][]string{dist: paths})
			if len(audit.Lost) > 0 || len(audit.Duplicated) > 0 || audit.DuplicateBatches > 0 || len(audit.Unrequested) > 0 {
				t.Errorf("after kill at request %d (after=%v): %d lost, %d duplicated, %d duplicate batches, %d unrequested; %d invalidations",
					n, after, len(audit.Lost), len(audit.Duplicated), audit.DuplicateBatches, len(audit.Unrequested), len(invs))
			}
			if len(invs) != 3 {
				t.Errorf("got %d invalidations for 7000 paths, want 3", len(invs))
			}
		})
	}
	t.Logf("cfinv invalidate: %d cases, %d SIGKILLs, %d re-runs; every case ended with each path in exactly one invalidation", *flagCases, kills, reruns)
	if kills == 0 {
		t.Error("no run was killed: the kill points missed every request")
	}
}

// ack is an invalidation a client was told had been created.
type ack struct {
	dist, id, ref, path string
}

// TestKillServe kills `cfinv serve` with SIGKILL while 16 clients create
// invalidations, restarts it on the same data directory, and checks every
// acknowledged invalidation is there, unchanged, with consistent status and
// in-progress counts, and that replaying its request still returns it.
// Creates arrive together, so the store commits them in groups (one fsync
// for many): a kill mid-group must lose no create that was answered. Two
// clients send each request at once (the same CallerReference and path),
// so both creates often share one group; both must be answered with the
// same invalidation.
func TestKillServe(t *testing.T) {
	srv, restart := startServe(t, "--addr", "127.0.0.1:0", "--completion-delay", "1h")
	api := harness.SDK(srv.URL)
	var dists []string
	for i := range 4 {
		d, err := harness.CreateDistribution(t.Context(), api, fmt.Sprintf("serve-crash-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		dists = append(dists, d)
	}

	rng := rand.New(rand.NewPCG(uint64(*flagSeed), 4))
	const pairs = 8
	var acked []ack
	var unacked int
	for cycle := range *flagCycles {
		target := int64(40 + rng.IntN(80))
		var mu sync.Mutex
		killUnderLoad(srv, 2*pairs, target, func(g, i int) error {
			p := g % pairs // g and g+pairs send the same requests
			a := ack{dist: dists[(p+i)%len(dists)], ref: fmt.Sprintf("cycle%d-p%d-%d", cycle, p, i), path: fmt.Sprintf("/k/%d/%d/%d", cycle, p, i)}
			out, err := api.CreateInvalidation(t.Context(), &cloudfront.CreateInvalidationInput{
				DistributionId: aws.String(a.dist),
				InvalidationBatch: &types.InvalidationBatch{CallerReference: aws.String(a.ref),
					Paths: &types.Paths{Quantity: aws.Int32(1), Items: []string{a.path}}},
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				unacked++
				return err
			}
			a.id = aws.ToString(out.Invalidation.Id)
			acked = append(acked, a)
			return nil
		})
		checkSameReference(t, acked)
		srv = restart()
		api = harness.SDK(srv.URL)
		checkAcked(t, api, dists, acked)
		if t.Failed() {
			t.Fatalf("cycle %d: acknowledged writes lost or inconsistent after SIGKILL", cycle)
		}
	}
	t.Logf("cfinv serve: %d SIGKILLs under load of 16 clients, %d acknowledged invalidations all present and consistent after each restart (%d requests cut off by the kills)",
		*flagCycles, len(acked), unacked)
	if err := srv.Stop(); err != nil {
		t.Errorf("stop serve: %v", err)
	}
}

// startServe starts cfinv serve with args on a new data directory, and
// returns it with restart, which starts it again, on the same directory
// with the same args, after a kill.
func startServe(t *testing.T, args ...string) (srv *harness.Server, restart func() *harness.Server) {
	t.Helper()
	bin := harness.Binary(t)
	home := t.TempDir()
	env := harness.Env(home)
	dataDir := filepath.Join(home, "data")
	restart = func() *harness.Server {
		t.Helper()
		return harness.StartServe(t, bin, dataDir, env, args...)
	}
	return restart(), restart
}

// killUnderLoad runs workers clients at once, each calling send(w, i) for
// i = 0, 1, … until a send fails (the server is gone), and SIGKILLs srv
// when the target-th send succeeds. It returns once every client stopped.
func killUnderLoad(srv *harness.Server, workers int, target int64, send func(w, i int) error) {
	var count atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; ; i++ {
				if send(w, i) != nil {
					return
				}
				if count.Add(1) == target {
					srv.Kill()
				}
			}
		})
	}
	wg.Wait()
}

// checkSameReference fails t when two acknowledged creates of one
// CallerReference of one distribution got different invalidations.
func checkSameReference(t *testing.T, acked []ack) {
	t.Helper()
	byRef := map[[2]string]string{}
	for _, a := range acked {
		k := [2]string{a.dist, a.ref}
		if id, ok := byRef[k]; ok && id != a.id {
			t.Errorf("%s: CallerReference %s acknowledged as both %s and %s", a.dist, a.ref, id, a.id)
		}
		byRef[k] = a.id
	}
}

func checkAcked(t *testing.T, api *cloudfront.Client, dists []string, acked []ack) {
	t.Helper()
	ctx := t.Context()
	for _, a := range acked {
		out, err := api.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(a.dist), Id: aws.String(a.id)})
		if err != nil {
			t.Errorf("acknowledged %s/%s (%s): %v", a.dist, a.id, a.ref, err)
			continue
		}
		b := out.Invalidation.InvalidationBatch
		got := []string{aws.ToString(b.CallerReference), strings.Join(b.Paths.Items, ","), aws.ToString(out.Invalidation.Status)}
		if diff := cmp.Diff([]string{a.ref, a.path, "InProgress"}, got); diff != "" {
			t.Errorf("%s/%s changed after restart (-acked +now):\n%s", a.dist, a.id, diff)
		}
	}
	// Replaying an acknowledged request returns the same invalidation.
	if len(acked) > 0 {
		a := acked[len(acked)/2]
		out, err := api.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
			DistributionId: aws.String(a.dist),
			InvalidationBatch: &types.InvalidationBatch{CallerReference: aws.String(a.ref),
				Paths: &types.Paths{Quantity: aws.Int32(1), Items: []string{a.path}}},
		})
		if err != nil || aws.ToString(out.Invalidation.Id) != a.id {
			t.Errorf("replay of %s after restart: got %v, %v; want %s", a.ref, out, err, a.id)
		}
	}
	invs, err := harness.Snapshot(ctx, api, dists)
	if err != nil {
		t.Fatal(err)
	}
	inProgress := map[string]int32{}
	for _, inv := range invs {
		if inv.Status == "InProgress" {
			inProgress[inv.DistributionID]++
		}
	}
	for _, d := range dists {
		out, err := api.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(d)})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToInt32(out.Distribution.InProgressInvalidationBatches); got != inProgress[d] {
			t.Errorf("%s: InProgressInvalidationBatches %d, but %d invalidations are listed InProgress", d, got, inProgress[d])
		}
	}
	// Two acknowledgements of one CallerReference are one invalidation.
	distinct := map[[2]string]bool{}
	for _, a := range acked {
		distinct[[2]string{a.dist, a.id}] = true
	}
	if len(invs) < len(distinct) {
		t.Errorf("server lists %d invalidations, fewer than the %d acknowledged", len(invs), len(distinct))
	}
}
