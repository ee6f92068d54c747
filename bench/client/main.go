// Command client benchmarks the cfinv client as a whole process talking
// to `cfinv serve` on loopback:
//
//   - (a) start-up and one call: wall time and peak RSS of
//     `cfinv invalidate --distribution-id D /a /b`, of
//     `cfinv create-invalidation --distribution-id D --paths /a /b`, of the
//     bare aws-sdk-go-v2 program doing the same call (bench/client/baresdk,
//     the floor), of that program linked with all of cfinv (-tags
//     cfinvlinked: as large a binary, the same work as the bare one), of
//     `aws --endpoint-url URL cloudfront create-invalidation …` and,
//     with -before, of an earlier cfinv binary; each without and with
//     AWS_CA_BUNDLE set (as on many CI runners), N runs each, interleaved,
//     reported as median and p10–p90 with the ratios;
//   - (b) completion detection: the time from the server's completion
//     instant (the invalidation's CreateTime plus the server's
//     --completion-delay, i.e. its CompleteAt to the millisecond) until the
//     command returns, for `cfinv invalidate --wait` and for
//     `aws cloudfront create-invalidation` followed by
//     `aws cloudfront wait invalidation-completed`, at several completion
//     delays.
//
// Usage (from the repository root):
//
//	go run ./bench/client -aws "$(pyenv which aws 2>/dev/null || command -v aws)" -n 20 -runs 3 -delays 2s,5s,15s
//
// Without -cfinv it builds ./cmd/cfinv; every Go program is built as the
// release script builds it (CGO_ENABLED=0, -trimpath, -ldflags "-s -w").
// Give -aws the AWS CLI's real executable rather than a pyenv shim, whose
// own bash start-up would otherwise be counted against the AWS CLI
// (-aws "" leaves the AWS CLI out of part a). Peak RSS comes from the
// rusage GNU time reports (see gnuTime for why not this program's own
// wait4). All clients get the same
// environment: static keys, us-east-1, no shared config files. Each delay
// gets its own `cfinv serve` (--completion-delay is a server flag) with
// throw-away state. With the defaults the whole run takes about five
// minutes, most of it the AWS CLI's 20 s waiter. This is a benchmark, not
// a test: it prints Markdown tables for BENCHMARKS.md.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cfinv/cfinv/test/harness"
)

const (
	benchKeyID  = "AKIABENCHCLIENT00001"
	benchSecret = "bench/Client/Key+0123456789abcdefghijklm"
)

func main() {
	cfinvBin := flag.String("cfinv", "", "cfinv binary (default: build ./cmd/cfinv)")
	awsBin := flag.String("aws", "aws", "AWS CLI executable (\"\" leaves the AWS CLI out of part a)")
	beforeBin := flag.String("before", "", "an earlier cfinv binary to run beside -cfinv in part (a), for before/after figures from one run")
	bareBin := flag.String("bare", "", "the bare SDK program (default: build ./bench/client/baresdk)")
	caBundle := flag.String("ca-bundle", defaultCABundle(), "part (a) runs each command again with AWS_CA_BUNDLE set to this file (\"\" skips that)")
	n := flag.Int("n", 20, "runs of each command for the start-up comparison (a)")
	runs := flag.Int("runs", 3, "runs of each client per completion delay (b)")
	delays := flag.String("delays", "2s,5s,15s", "comma-separated completion delays for (b)")
	parts := flag.String("parts", "a,b", "which parts to run: a, b or both")
	clients := flag.String("clients", "cfinv,aws", "which clients part (b) runs: cfinv, aws or both")
	flag.Parse()
	var ds []time.Duration
	for _, s := range strings.Split(*delays, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench/client: invalid -delays entry %q: %v\n", s, err)
			os.Exit(2)
		}
		ds = append(ds, d)
	}
	if err := run(*cfinvBin, *beforeBin, *awsBin, *bareBin, *caBundle, *n, *runs, ds, *parts, *clients); err != nil {
		fmt.Fprintln(os.Stderr, "bench/client:", err)
		os.Exit(1)
	}
}

func run(cfinvBin, beforeBin, awsBin, bareBin, caBundle string, n, runs int, delays []time.Duration, parts, clients string) error {
	tmp, err := os.MkdirTemp("", "cfinv-bench-client-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if cfinvBin == "" {
		cfinvBin = filepath.Join(tmp, "cfinv")
		if err := build(cfinvBin, "./cmd/cfinv"); err != nil {
			return err
		}
	}
	if awsBin != "" {
		if awsBin, err = exec.LookPath(awsBin); err != nil {
			return fmt.Errorf("AWS CLI: %w", err)
		}
	}
	env := clientEnv(tmp)
	awsVersion, _ := exec.Command(awsBin, "--version").CombinedOutput()
	fmt.Printf("# %s/%s, %d CPUs, cfinv %s, %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cfinvBin, strings.TrimSpace(string(awsVersion)))

	if strings.Contains(parts, "a") {
		if bareBin == "" {
			bareBin = filepath.Join(tmp, "baresdk")
			if err := build(bareBin, "./bench/client/baresdk"); err != nil {
				return err
			}
		}
		linkedBin := filepath.Join(tmp, "baresdk-linked")
		if err := build(linkedBin, "./bench/client/baresdk", "-tags", "cfinvlinked"); err != nil {
			return err
		}
		bins := binaries{cfinv: cfinvBin, before: beforeBin, bare: bareBin, linked: linkedBin, aws: awsBin}
		if err := startup(tmp, bins, caBundle, env, n); err != nil {
			return err
		}
	}
	if strings.Contains(parts, "b") {
		if err := detection(tmp, cfinvBin, awsBin, env, runs, delays, strings.Contains(clients, "cfinv"), strings.Contains(clients, "aws")); err != nil {
			return err
		}
	}
	return nil
}

// binaries are the programs part (a) runs ("" leaves one out).
type binaries struct {
	cfinv, before, bare, linked, aws string
}

// build builds pkg into bin as the release script does (no cgo,
// -trimpath, no symbol table), so that the programs compared are built
// alike.
func build(bin, pkg string, flags ...string) error {
	args := append([]string{"build", "-trimpath", "-ldflags", "-s -w", "-o", bin}, flags...)
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return nil
}

// defaultCABundle is the system's CA bundle, as CI runners set
// AWS_CA_BUNDLE to, or "" when there is none.
func defaultCABundle() string {
	for _, f := range []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"} {
		if _, err := os.Stat(f); err == nil {
			return f
		}
	}
	return ""
}

// clientEnv is the environment of both clients: static keys, us-east-1,
// JSON output, no shared config, no pager, a private state directory.
func clientEnv(tmp string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "CFINV_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"AWS_ACCESS_KEY_ID="+benchKeyID, "AWS_SECRET_ACCESS_KEY="+benchSecret,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_DEFAULT_OUTPUT=json", "AWS_PAGER=",
		"AWS_CONFIG_FILE="+filepath.Join(tmp, "no-config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(tmp, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "XDG_STATE_HOME="+filepath.Join(tmp, "state"))
}

// measurement is one process run.
type measurement struct {
	wall   time.Duration
	maxRSS int64 // KiB
	end    time.Time
	stdout []byte
}

func runProcess(env []string, name string, args ...string) (measurement, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	end := time.Now()
	m := measurement{wall: end.Sub(start), end: end, stdout: stdout.Bytes()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		m.maxRSS = ru.Maxrss
	}
	if err != nil {
		return m, fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	return m, nil
}

// gnuTime is GNU time, which part (a) runs every command under for its
// peak RSS. The rusage of a child of this benchmark cannot give it: Go
// starts children with vfork semantics (CLONE_VM), and Linux carries the
// high-water RSS of the mm a process execs from into its ru_maxrss, so
// every child would report at least this benchmark's own RSS (about
// 13.6 MiB). GNU time fork()s from a process of about 1 MiB.
const gnuTime = "/usr/bin/time"

// runMeasured runs name under GNU time: the wall time (which includes
// GNU time's own fork and exec, the same for every command) and the
// command's peak RSS.
func runMeasured(env []string, rssFile, name string, args ...string) (measurement, error) {
	m, err := runProcess(env, gnuTime, append([]string{"-f", "%M", "-o", rssFile, name}, args...)...)
	if err != nil {
		return m, err
	}
	b, err := os.ReadFile(rssFile)
	if err != nil {
		return m, err
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return m, fmt.Errorf("%s wrote no peak RSS for %s", gnuTime, name)
	}
	if m.maxRSS, err = strconv.ParseInt(fields[len(fields)-1], 10, 64); err != nil {
		return m, fmt.Errorf("%s's peak RSS for %s: %w", gnuTime, name, err)
	}
	return m, nil
}

// startup is part (a): each command once in each environment (without
// and, when -ca-bundle names one, with AWS_CA_BUNDLE set), interleaved.
func startup(tmp string, bins binaries, caBundle string, env []string, n int) error {
	endpoint, stop, err := startServe(bins.cfinv, filepath.Join(tmp, "serve-a"), 0)
	if err != nil {
		return err
	}
	defer stop()
	dist, err := createDistribution(endpoint, "bench-client-a")
	if err != nil {
		return err
	}
	type command struct {
		kind    string // cfinv, create-invalidation, before, bare, linked, aws
		name    string
		bin     string
		args    []string
		env     []string
		envName string
	}
	envs := []struct {
		name string
		env  []string
	}{{"no AWS_CA_BUNDLE", env}}
	if caBundle != "" {
		envs = append(envs, struct {
			name string
			env  []string
		}{"AWS_CA_BUNDLE set", append(slices.Clip(env), "AWS_CA_BUNDLE="+caBundle)})
	}
	invalidate := []string{"invalidate", "--endpoint-url", endpoint, "--distribution-id", dist, "/a", "/b"}
	bare := []string{endpoint, dist, "/a", "/b"}
	var cmds []command
	for _, e := range envs {
		add := func(kind, name, bin string, args []string) {
			cmds = append(cmds, command{kind, name + ", " + e.name, bin, args, e.env, e.name})
		}
		add("cfinv", "cfinv invalidate", bins.cfinv, invalidate)
		add("create-invalidation", "cfinv create-invalidation", bins.cfinv, []string{"create-invalidation", "--endpoint-url", endpoint, "--distribution-id", dist, "--paths", "/a", "/b"})
		if bins.before != "" {
			add("before", "cfinv invalidate (before)", bins.before, invalidate)
		}
		add("bare", "bare aws-sdk-go-v2 program", bins.bare, bare)
		add("linked", "bare program linked with all of cfinv", bins.linked, bare)
		if bins.aws != "" {
			add("aws", "aws cloudfront create-invalidation", bins.aws, []string{"--endpoint-url", endpoint, "cloudfront", "create-invalidation", "--distribution-id", dist, "--paths", "/a", "/b"})
		}
	}
	if _, err := os.Stat(gnuTime); err != nil {
		return fmt.Errorf("part (a) measures peak RSS with GNU time: %w (Debian: apt-get install time)", err)
	}
	rssFile := filepath.Join(tmp, "maxrss")
	walls := make([][]time.Duration, len(cmds))
	rss := make([][]int64, len(cmds))
	// One warm-up each (page cache, .pyc files), then interleaved runs so
	// all see the same machine load.
	for _, c := range cmds {
		if _, err := runMeasured(c.env, rssFile, c.bin, c.args...); err != nil {
			return err
		}
	}
	for range n {
		for i, c := range cmds {
			m, err := runMeasured(c.env, rssFile, c.bin, c.args...)
			if err != nil {
				return err
			}
			walls[i] = append(walls[i], m.wall)
			rss[i] = append(rss[i], m.maxRSS)
		}
	}
	fmt.Printf("## (a) one create-invalidation, whole process: %d runs each, interleaved\n\n", n)
	fmt.Println("| command | wall median | wall p10–p90 | peak RSS median | peak RSS p90 |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: |")
	for i, c := range cmds {
		fmt.Printf("| `%s` | %s | %s–%s | %.1f MiB | %.1f MiB |\n", c.name, ms(quantile(walls[i], 0.5)), ms(quantile(walls[i], 0.1)), ms(quantile(walls[i], 0.9)),
			float64(quantile(rss[i], 0.5))/1024, float64(quantile(rss[i], 0.9))/1024)
	}
	fmt.Println()
	for _, e := range envs {
		med := map[string][2]float64{}
		for i, c := range cmds {
			if c.envName == e.name {
				med[c.kind] = [2]float64{float64(quantile(walls[i], 0.5)), float64(quantile(rss[i], 0.5))}
			}
		}
		ratio := func(a, b string) string {
			return fmt.Sprintf("%.2f× the wall time and %.2f× the peak RSS", med[a][0]/med[b][0], med[a][1]/med[b][1])
		}
		fmt.Printf("- %s: `cfinv invalidate` takes %s of the bare SDK program, %s of the bare program linked with all of cfinv\n", e.name, ratio("cfinv", "bare"), ratio("cfinv", "linked"))
		fmt.Printf("- %s: `cfinv create-invalidation` takes %s of the bare SDK program\n", e.name, ratio("create-invalidation", "bare"))
		fmt.Printf("- %s: the bare program linked with all of cfinv takes %s of the bare SDK program\n", e.name, ratio("linked", "bare"))
		if bins.before != "" {
			fmt.Printf("- %s: `cfinv invalidate` before took %s of the bare SDK program; after/before: %s\n", e.name, ratio("before", "bare"), ratio("cfinv", "before"))
		}
		if bins.aws != "" {
			fmt.Printf("- %s: the AWS CLI takes %s of `cfinv invalidate`\n", e.name, ratio("aws", "cfinv"))
		}
	}
	fmt.Println()
	return nil
}

// detection is part (b).
func detection(tmp, cfinvBin, awsBin string, env []string, runs int, delays []time.Duration, withCfinv, withAWS bool) error {
	fmt.Printf("## (b) completion-detection delay: command return minus the server's completion instant, %d runs each\n\n", runs)
	fmt.Println("| completion delay | client | each run | median | mean |")
	fmt.Println("| ---: | --- | --- | ---: | ---: |")
	var allC, allA []time.Duration
	for i, delay := range delays {
		endpoint, stop, err := startServe(cfinvBin, filepath.Join(tmp, fmt.Sprintf("serve-b%d", i)), delay)
		if err != nil {
			return err
		}
		dist, err := createDistribution(endpoint, fmt.Sprintf("bench-client-b%d", i))
		if err != nil {
			stop()
			return err
		}
		var cf, aw []time.Duration
		for r := range runs {
			if withCfinv {
				// cfinv: one process creates and waits.
				d, err := detectCfinv(env, cfinvBin, endpoint, dist, delay, fmt.Sprintf("/c%d-%d", i, r))
				if err != nil {
					stop()
					return err
				}
				cf = append(cf, d)
			}
			if withAWS {
				// The AWS CLI: create, then the waiter.
				d, err := detectAWS(env, awsBin, endpoint, dist, delay, fmt.Sprintf("/a%d-%d", i, r))
				if err != nil {
					stop()
					return err
				}
				aw = append(aw, d)
			}
		}
		stop()
		if withCfinv {
			fmt.Printf("| %s | `cfinv invalidate --wait` | %s | %s | %s |\n", delay, list(cf), secs(quantile(cf, 0.5)), secs(mean(cf)))
		}
		if withAWS {
			fmt.Printf("| %s | `aws cloudfront create-invalidation` + `aws cloudfront wait invalidation-completed` | %s | %s | %s |\n", delay, list(aw), secs(quantile(aw, 0.5)), secs(mean(aw)))
		}
		allC, allA = append(allC, cf...), append(allA, aw...)
	}
	if withCfinv {
		fmt.Printf("| all | `cfinv invalidate --wait` | %d runs | %s | %s |\n", len(allC), secs(quantile(allC, 0.5)), secs(mean(allC)))
	}
	if withAWS {
		fmt.Printf("| all | AWS CLI create + wait | %d runs | %s | %s |\n", len(allA), secs(quantile(allA, 0.5)), secs(mean(allA)))
	}
	fmt.Println()
	return nil
}

// detectCfinv runs `cfinv invalidate --wait` and returns how long after
// the server's completion instant it returned.
func detectCfinv(env []string, bin, endpoint, dist string, delay time.Duration, path string) (time.Duration, error) {
	m, err := runProcess(env, bin, "invalidate", "--endpoint-url", endpoint, "--distribution-id", dist, "--wait", path, "/b")
	if err != nil {
		return 0, err
	}
	created, err := createTime(m.stdout)
	if err != nil {
		return 0, fmt.Errorf("cfinv output: %w", err)
	}
	return m.end.Sub(created.Add(delay)), nil
}

// detectAWS runs `aws cloudfront create-invalidation`, then
// `aws cloudfront wait invalidation-completed`, and returns how long after
// the server's completion instant the waiter returned.
func detectAWS(env []string, bin, endpoint, dist string, delay time.Duration, path string) (time.Duration, error) {
	m, err := runProcess(env, bin, "--endpoint-url", endpoint, "cloudfront", "create-invalidation", "--distribution-id", dist, "--paths", path, "/b")
	if err != nil {
		return 0, err
	}
	created, err := createTime(m.stdout)
	if err != nil {
		return 0, fmt.Errorf("aws output: %w", err)
	}
	id, err := invalidationID(m.stdout)
	if err != nil {
		return 0, err
	}
	m, err = runProcess(env, bin, "--endpoint-url", endpoint, "cloudfront", "wait", "invalidation-completed", "--distribution-id", dist, "--id", id)
	if err != nil {
		return 0, err
	}
	return m.end.Sub(created.Add(delay)), nil
}

func createTime(out []byte) (time.Time, error) {
	var v struct{ Invalidation struct{ CreateTime string } }
	if err := json.Unmarshal(out, &v); err != nil {
		return time.Time{}, fmt.Errorf("%v: %s", err, out)
	}
	return time.Parse(time.RFC3339Nano, v.Invalidation.CreateTime)
}

func invalidationID(out []byte) (string, error) {
	var v struct{ Invalidation struct{ Id string } }
	if err := json.Unmarshal(out, &v); err != nil || v.Invalidation.Id == "" {
		return "", errors.New("no invalidation ID in the output")
	}
	return v.Invalidation.Id, nil
}

func quantile[T int64 | time.Duration](xs []T, q float64) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	// Nearest rank.
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func mean(xs []time.Duration) time.Duration {
	var t time.Duration
	for _, x := range xs {
		t += x
	}
	return t / time.Duration(max(1, len(xs)))
}

func ms(d time.Duration) string   { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func list(ds []time.Duration) string {
	var s []string
	for _, d := range ds {
		s = append(s, fmt.Sprintf("%.2f", d.Seconds()))
	}
	return strings.Join(s, ", ") + " s"
}

// startServe runs `cfinv serve` on a kernel-chosen loopback port and
// returns its URL from the line it prints once listening.
func startServe(bin, dataDir string, delay time.Duration) (string, func(), error) {
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID="+benchKeyID, "AWS_SECRET_ACCESS_KEY="+benchSecret)
	s, err := harness.Start(bin, dataDir, env, "--addr", "127.0.0.1:0", "--completion-delay", delay.String())
	if err != nil {
		return "", nil, err
	}
	return s.URL, func() { _ = s.Stop() }, nil
}

// createDistribution makes the distribution both clients invalidate.
func createDistribution(endpoint, ref string) (string, error) {
	// Three attempts, as the SDK's default retryer makes.
	client := harness.SDK(endpoint, harness.Credentials(benchKeyID, benchSecret, ""), harness.Attempts(3))
	return harness.CreateDistribution(context.Background(), client, ref)
}
