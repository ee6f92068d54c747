// Package soak drives cfinv and the AWS CLI, as real processes, through a
// fault-injecting proxy in front of a real `cfinv serve`, and then checks
// the server's own records: every requested path invalidated exactly once,
// no batch bought twice, every successful --wait run Completed.
//
// The default size runs in CI in well under a minute:
//
//	go test ./test/soak
//
// The figures in docs/reliability.md come from a larger run:
//
//	go test ./test/soak -run TestSoak -v -timeout 60m \
//	    -soak.runs=200 -soak.rate=0.2 -soak.seed=1 -soak.report=soak.json
package soak

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/cfinv/cfinv/internal/faults"
	"github.com/cfinv/cfinv/test/harness"
)

var (
	flagRuns      = flag.Int("soak.runs", 6, "number of deploy runs for cfinv (and as many for the AWS CLI loop)")
	flagSeed      = flag.Int64("soak.seed", 1, "seed of the run plan and of the fault sequence")
	flagRate      = flag.Float64("soak.rate", 0.2, "fault rate of the injecting proxy")
	flagKinds     = flag.String("soak.faults", "all", "fault kinds to inject")
	flagParallel  = flag.Int("soak.parallel", 2, "runs at the same time")
	flagSlow      = flag.Duration("soak.slow-delay", 2*time.Second, "delay of a slow fault")
	flagAttempts  = flag.Int("soak.attempts", 4, "times a failed run is re-run with the same command (as a CI retry would)")
	flagAWSCLI    = flag.Bool("soak.awscli", true, "also run the AWS CLI retry loop, side by side (needs aws on PATH)")
	flagReport    = flag.String("soak.report", "", "write the figures as JSON to this file")
	flagRunTimout = flag.Duration("soak.timeout", 30*time.Second, "--timeout of each cfinv run")
)

// run is one planned deploy: paths per distribution.
type run struct {
	index int
	dists []string
	paths []string // the same paths for every distribution of the run
}

// Figures are the results of a soak, as written to -soak.report.
type Figures struct {
	Seed         int64            `json:"seed"`
	Rate         float64          `json:"rate"`
	Runs         int              `json:"runs"`
	Client       string           `json:"client"`
	Invocations  int              `json:"invocations"`
	Reruns       int              `json:"reruns"`
	FailedRuns   int              `json:"failedRuns"`
	Requests     int64            `json:"requests"`
	Faults       map[string]int64 `json:"faults"`
	Paths        int              `json:"paths"`
	Invalidation int              `json:"invalidations"`
	Lost         int              `json:"lost"`
	Duplicated   int              `json:"duplicatedPaths"`
	DupBatches   int              `json:"duplicateBatches"`
	NotCompleted int              `json:"exitZeroNotCompleted"`
	Seconds      float64          `json:"seconds"`
}

func plan(seed int64, n int, dists []string) []run {
	rng := rand.New(rand.NewPCG(uint64(seed), 2))
	runs := make([]run, n)
	for i := range runs {
		size := 1 + rng.IntN(400)
		if i%3 == 2 {
			size = 3001 + rng.IntN(4000) // two or three batches
		}
		r := run{index: i, dists: []string{dists[i%len(dists)]}}
		if i%4 == 3 {
			r.dists = append(r.dists, dists[(i+1)%len(dists)])
		}
		for j := range size {
			r.paths = append(r.paths, fmt.Sprintf("/soak/r%04d/p%05d.html", i, j))
		}
		if i%2 == 1 {
			r.paths = append(r.paths, fmt.Sprintf("/soak/r%04d/assets/*", i))
		}
		runs[i] = r
	}
	return runs
}

func faultConfig(t *testing.T) faults.Config {
	t.Helper()
	kinds, err := faults.ParseKinds(*flagKinds)
	if err != nil {
		t.Fatal(err)
	}
	return faults.Config{Rate: *flagRate, Seed: *flagSeed, Kinds: kinds, SlowDelay: *flagSlow}
}

func TestSoak(t *testing.T) {
	start := time.Now()
	bin := harness.Binary(t)
	home := t.TempDir()
	env := harness.Env(home)
	srv := harness.StartServe(t, bin, filepath.Join(home, "data"), env,
		"--addr", "127.0.0.1:0", "--completion-delay", "300ms")
	direct := harness.SDK(srv.URL, harness.Attempts(3))

	newDists := func(prefix string) []string {
		var ds []string
		for i := range 3 {
			d, err := harness.CreateDistribution(t.Context(), direct, fmt.Sprintf("%s-%d", prefix, i))
			if err != nil {
				t.Fatal(err)
			}
			ds = append(ds, d)
		}
		return ds
	}

	cfDists := newDists("cfinv")
	proxyURL, inj := harness.FaultProxy(t, srv.URL, faultConfig(t))
	runs := plan(*flagSeed, *flagRuns, cfDists)
	figs := soakCfinv(t, bin, env, home, proxyURL, runs)
	st := inj.Stats()
	figs.Requests = st.Candidates
	figs.Faults = faultCounts(st)
	checkServer(t, direct, cfDists, runs, &figs)
	figs.Seconds = time.Since(start).Seconds()
	all := []Figures{figs}
	report(t, figs)

	if *flagAWSCLI {
		if _, err := harness.LookPath("aws"); err != nil {
			t.Errorf("the AWS CLI side of the soak needs aws on PATH (or -soak.awscli=false): %v", err)
		} else {
			start := time.Now()
			awsDists := newDists("awscli")
			awsProxy, awsInj := harness.FaultProxy(t, srv.URL, faultConfig(t))
			awsRuns := plan(*flagSeed, *flagRuns, awsDists)
			af := soakAWSCLI(t, env, awsProxy, awsRuns)
			st := awsInj.Stats()
			af.Requests = st.Candidates
			af.Faults = faultCounts(st)
			auditServer(t, direct, awsDists, awsRuns, &af)
			af.Seconds = time.Since(start).Seconds()
			report(t, af)
			all = append(all, af)
			// The AWS CLI's duplicates are the finding, not a failure;
			// a path it never invalidated after all its tries is.
			if af.FailedRuns == 0 && af.Lost > 0 {
				t.Errorf("AWS CLI loop: %d paths lost although every run ended with exit 0", af.Lost)
			}
		}
	}
	if *flagReport != "" {
		b, _ := json.MarshalIndent(all, "", "  ")
		if err := os.WriteFile(*flagReport, append(b, '\n'), 0o644); err != nil {
			t.Error(err)
		}
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("stop serve: %v\n%s", err, srv.Stderr.String())
	}
}

func faultCounts(st faults.Stats) map[string]int64 {
	m := map[string]int64{}
	for k, v := range st.Faults {
		m[string(k)] = v
	}
	return m
}

func requested(runs []run) map[string][]string {
	m := map[string][]string{}
	for _, r := range runs {
		for _, d := range r.dists {
			m[d] = append(m[d], r.paths...)
		}
	}
	return m
}

func report(t *testing.T, f Figures) {
	t.Helper()
	kinds := make([]string, 0, len(f.Faults))
	for k, v := range f.Faults {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(kinds)
	t.Logf("%s: %d runs, %d invocations (%d re-runs, %d runs never succeeded), %d API requests, faults %s; "+
		"%d paths, %d invalidations: %d lost, %d duplicated paths, %d duplicate batches, %d exit-0 runs not Completed; %.1fs",
		f.Client, f.Runs, f.Invocations, f.Reruns, f.FailedRuns, f.Requests, strings.Join(kinds, " "),
		f.Paths, f.Invalidation, f.Lost, f.Duplicated, f.DupBatches, f.NotCompleted, f.Seconds)
}

// output is the part of `cfinv invalidate --output json` the soak reads:
// {"Invalidations": [{"DistributionId", "Invalidation"}…]} for several
// invalidations, or the AWS CLI's {"Location", "Invalidation"} for one.
type output struct {
	Invalidations []created
	created
}

type created struct {
	DistributionID string `json:"DistributionId"`
	Invalidation   *struct {
		ID                string `json:"Id"`
		Status            string
		InvalidationBatch struct {
			Paths struct{ Items []string }
		}
	}
}

// runResult is what became of one planned run.
type runResult struct {
	attempts int
	ok       bool
	out      output
	stderr   string
}

func soakCfinv(t *testing.T, bin string, env []string, home, endpoint string, runs []run) Figures {
	t.Helper()
	results := make([]runResult, len(runs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(*flagParallel, 1))
	for i, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = runCfinv(t, bin, env, home, endpoint, r)
		}()
	}
	wg.Wait()

	f := Figures{Seed: *flagSeed, Rate: *flagRate, Runs: len(runs), Client: "cfinv invalidate --deploy-id --wait"}
	for i, res := range results {
		f.Invocations += res.attempts
		f.Reruns += res.attempts - 1
		if !res.ok {
			f.FailedRuns++
			t.Errorf("run %d failed %d times; last stderr:\n%s", i, res.attempts, res.stderr)
			continue
		}
		got := map[string]bool{}
		for _, inv := range res.out.Invalidations {
			if inv.Invalidation == nil {
				t.Errorf("run %d: output entry without an Invalidation", i)
				continue
			}
			if inv.Invalidation.Status != "Completed" {
				f.NotCompleted++
				t.Errorf("run %d exited 0 with --wait but %s/%s is %q", i, inv.DistributionID, inv.Invalidation.ID, inv.Invalidation.Status)
			}
			for _, p := range inv.Invalidation.InvalidationBatch.Paths.Items {
				got[inv.DistributionID+" "+p] = true
			}
		}
		var missing []string
		for _, d := range runs[i].dists {
			for _, p := range runs[i].paths {
				if !got[d+" "+p] {
					missing = append(missing, d+" "+p)
				}
			}
		}
		if len(missing) > 0 {
			t.Errorf("run %d exited 0 but its output lacks %d of its paths, e.g. %v; stderr:\n%s", i, len(missing), missing[:min(3, len(missing))], res.stderr)
		}
	}
	return f
}

// runCfinv runs one deploy, and re-runs it while it fails, as a CI retry
// would. Even runs keep their state directory (a re-run of the job on the
// same runner); odd runs get a fresh one (a re-run on a new runner, where
// only the deploy ID makes the retry safe).
func runCfinv(t *testing.T, bin string, env []string, home, endpoint string, r run) runResult {
	dir := filepath.Join(home, fmt.Sprintf("run%04d", r.index))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Error(err)
		return runResult{}
	}
	pathsFile := filepath.Join(dir, "paths.txt")
	if err := os.WriteFile(pathsFile, []byte(strings.Join(r.paths, "\n")+"\n"), 0o600); err != nil {
		t.Error(err)
		return runResult{}
	}
	var res runResult
	for attempt := 1; attempt <= *flagAttempts; attempt++ {
		res.attempts = attempt
		stateDir := filepath.Join(dir, "state")
		if r.index%2 == 1 {
			stateDir = filepath.Join(dir, fmt.Sprintf("state%d", attempt))
		}
		args := []string{"invalidate", "--endpoint-url", endpoint, "--deploy-id", fmt.Sprintf("deploy-%04d", r.index),
			"--wait", "--timeout", flagRunTimout.String(), "--paths-from", pathsFile, "--state-dir", stateDir, "--output", "json"}
		for _, d := range r.dists {
			args = append(args, "--distribution-id", d)
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := harness.Run(cmd)
		res.stderr = stderr.String()
		if err != nil {
			continue
		}
		if err := json.Unmarshal([]byte(stdout.String()), &res.out); err != nil {
			t.Errorf("run %d: parse output: %v\n%s", r.index, err, stdout.String())
			return res
		}
		if res.out.Invalidation != nil {
			res.out.DistributionID = r.dists[0]
			res.out.Invalidations = append(res.out.Invalidations, res.out.created)
		}
		res.ok = true
		return res
	}
	return res
}

// soakAWSCLI submits the same plans with `aws cloudfront create-invalidation`,
// one command per 3,000 paths, each retried until it exits 0 — what
// `until aws cloudfront create-invalidation …; do :; done` does in a CI
// script. The CLI keeps its caller reference across its own retries, but a
// new command is a new reference.
func soakAWSCLI(t *testing.T, env []string, endpoint string, runs []run) Figures {
	t.Helper()
	f := Figures{Seed: *flagSeed, Rate: *flagRate, Runs: len(runs), Client: "aws cloudfront create-invalidation, retried until exit 0"}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(*flagParallel, 1))
	for _, r := range runs {
		for _, d := range r.dists {
			for lo := 0; lo < len(r.paths); lo += 3000 {
				batch := r.paths[lo:min(lo+3000, len(r.paths))]
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					invocations, ok := awsLoop(env, endpoint, d, batch)
					mu.Lock()
					defer mu.Unlock()
					f.Invocations += invocations
					f.Reruns += invocations - 1
					if !ok {
						f.FailedRuns++
					}
				}()
			}
		}
	}
	wg.Wait()
	return f
}

// awsMaxTries bounds the retry loop so a broken setup cannot spin forever.
const awsMaxTries = 10

func awsLoop(env []string, endpoint, dist string, paths []string) (invocations int, ok bool) {
	for invocations < awsMaxTries {
		invocations++
		args := append([]string{"--endpoint-url", endpoint, "cloudfront", "create-invalidation",
			"--distribution-id", dist, "--output", "json", "--paths"}, paths...)
		bin, err := harness.LookPath("aws")
		if err != nil {
			return invocations, false
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		if err := harness.Run(cmd); err == nil {
			return invocations, true
		}
	}
	return invocations, false
}

// auditServer reads the server's records of runs on dists, checks them against
// what the runs asked for, and puts the counts in f.
func auditServer(t *testing.T, direct *cloudfront.Client, dists []string, runs []run, f *Figures) harness.Audit {
	t.Helper()
	invs, err := harness.Snapshot(t.Context(), direct, dists)
	if err != nil {
		t.Fatal(err)
	}
	a := harness.Check(invs, requested(runs))
	f.Paths, f.Invalidation = a.Requested, len(invs)
	f.Lost, f.Duplicated, f.DupBatches = len(a.Lost), len(a.Duplicated), a.DuplicateBatches
	return a
}

// checkServer audits the server's records of the cfinv runs: nothing
// lost, duplicated or unrequested.
func checkServer(t *testing.T, direct *cloudfront.Client, dists []string, runs []run, f *Figures) {
	t.Helper()
	audit := auditServer(t, direct, dists, runs, f)
	if len(audit.Lost) > 0 {
		t.Errorf("%d requested paths are in no invalidation, e.g. %v", len(audit.Lost), audit.Lost[:min(5, len(audit.Lost))])
	}
	if len(audit.Duplicated) > 0 {
		t.Errorf("%d paths are in more than one invalidation: %v", len(audit.Duplicated), firstKeys(audit.Duplicated, 5))
	}
	if audit.DuplicateBatches > 0 {
		t.Errorf("%d invalidations repeat an earlier batch", audit.DuplicateBatches)
	}
	if len(audit.Unrequested) > 0 {
		t.Errorf("%d paths were invalidated that no run asked for, e.g. %v", len(audit.Unrequested), audit.Unrequested[:min(5, len(audit.Unrequested))])
	}
}

func firstKeys(m map[string]int, n int) []string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		keys = append(keys, fmt.Sprintf("%s×%d", k, v))
	}
	sort.Strings(keys)
	return keys[:min(n, len(keys))]
}
