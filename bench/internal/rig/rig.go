// Package rig is what the comparison benchmarks (bench/api, bench/s3)
// share: the static keys both sides are signed with, building cmd/cfinv,
// starting and stopping moto_server, timing calls from concurrent workers,
// and the statistics they print.
package rig

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cfinv/cfinv/test/harness"
)

// The static keys a benchmark's clients sign with and its cfinv serve
// accepts (moto accepts any).
const (
	KeyID  = "AKIABENCHMARK0000001"
	Secret = "bench/Secret/Key+0123456789abcdefghijklm"
)

// Env is the environment for a cfinv serve that accepts KeyID and Secret.
func Env() []string {
	return append(os.Environ(), "AWS_ACCESS_KEY_ID="+KeyID, "AWS_SECRET_ACCESS_KEY="+Secret)
}

// BuildCfinv builds ./cmd/cfinv (run from the repository root) into dir and
// returns the binary's path.
func BuildCfinv(dir string) (string, error) {
	bin := filepath.Join(dir, "cfinv")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/cfinv").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build cfinv: %v\n%s", err, out)
	}
	return bin, nil
}

// StartMoto runs moto_server (the executable moto) on a free loopback port
// and waits until it answers; stop interrupts it and waits for it.
func StartMoto(moto string) (url string, stop func(), err error) {
	url, _, stop, err = StartMotoPID(moto)
	return url, stop, err
}

// StartMotoPID is StartMoto that also returns the process ID of the
// started moto. A pyenv shim (bash) and the moto_server script exec into
// the Python interpreter, so it is the ID of the process that serves.
func StartMotoPID(moto string) (url string, pid int, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", 0, nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(moto, "-p", fmt.Sprint(port), "-H", "127.0.0.1")
	var out harness.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", 0, nil, fmt.Errorf("start %s (install moto[server]): %w", moto, err)
	}
	stop = Stopper(cmd)
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url + "/"); err == nil {
			resp.Body.Close()
			return url, cmd.Process.Pid, stop, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return "", 0, nil, fmt.Errorf("moto_server did not answer on %s:\n%s", url, out.String())
}

// Stopper returns a function that interrupts cmd and waits for it, killing
// it after 10 seconds. Calling it again does nothing.
func Stopper(cmd *exec.Cmd) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGINT)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		})
	}
}

// Row is what Measure timed.
type Row struct {
	N        int
	RPS      float64
	P50, P99 time.Duration
	Errors   int64
	OK       []bool // OK[i]: call(i) succeeded
}

// Measure runs call(0..n-1) on c workers and returns the row and the first
// error seen. The latencies are those of every call, failed or not.
func Measure(n, c int, call func(i int) error) (Row, error) {
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var next, errs atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				err := call(i)
				lat[i] = time.Since(t0)
				ok[i] = err == nil
				if err != nil {
					errs.Add(1)
					once.Do(func() { firstErr = err })
				}
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	r := Row{N: n, RPS: float64(n) / wall.Seconds(), Errors: errs.Load(), OK: ok}
	if n > 0 {
		r.P50, r.P99 = pct(0.50), pct(0.99)
	}
	return r, firstErr
}

// Median of v (which it does not change); 0 for none.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// LoadAvg is the first three fields of /proc/loadavg, or "unknown".
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
