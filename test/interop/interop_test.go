package interop

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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfinv/cfinv/test/harness"
)

// The key pair cfinv serve is started with and the clients sign with.
const (
	testKeyID  = "AKIAINTEROPTEST00001"
	testSecret = "interop/Secret/Key+0123456789abcdefghij"
)

// need returns the path of tool or fails the test with hint.
func need(t *testing.T, tool, hint string) string {
	t.Helper()
	p, err := harness.LookPath(tool) // a pyenv shim resolved: it costs a CPU-half-second a run
	if err != nil {
		t.Fatalf("%s is required by the interoperability tests but was not found on PATH: %s", tool, hint)
	}
	return p
}

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
	buildDir  string
)

// cfinvBinary builds cmd/cfinv once per test process.
func cfinvBinary(t *testing.T) string {
	t.Helper()
	gotool := need(t, "go", "install Go 1.25 or newer")
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "cfinv-interop-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "cfinv")
		if runtime.GOOS == "windows" {
			buildBin += ".exe"
		}
		out, err := harness.CombinedOutput(exec.Command(gotool, "build", "-o", buildBin, "github.com/cfinv/cfinv/cmd/cfinv"))
		if err != nil {
			buildErr = fmt.Errorf("go build cmd/cfinv: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// minParallel is how many tests of this package run at once unless
// -test.parallel says otherwise. The default, GOMAXPROCS, is 2 on a 2-core
// machine, and the two Terraform tests then held both slots for minutes
// while the hashicorp/aws provider's waiters slept (a 30 s delay, then
// 15 s polls): the other tests waited behind them, and the package took
// 246–380 s. Its tests are independent (each starts its own serve), and
// most of their time is spent waiting on other processes.
const minParallel = 4

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if p := flag.Lookup("test.parallel"); p != nil && !set && runtime.GOMAXPROCS(0) < minParallel {
		if err := p.Value.Set(strconv.Itoa(minParallel)); err != nil {
			fmt.Fprintln(os.Stderr, "interop: set -test.parallel:", err)
			os.Exit(2)
		}
	}
	code := m.Run()
	stopAWSDrivers()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// server is a running `cfinv serve`.
type server struct {
	URL string
	out *lockedWriter
}

// edgeURL returns the base URL of the server's caching edge, read from the
// line serve prints after the API's.
func (s *server) edgeURL(t *testing.T) string {
	t.Helper()
	return s.printedURL(t, "edge cache on ")
}

// printedURL returns the URL serve printed after marker ("edge cache on ",
// "S3 API on "), waiting up to 10 s for the line.
func (s *server) printedURL(t *testing.T, marker string) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, line := range strings.Split(s.out.String(), "\n") {
			if _, rest, ok := strings.Cut(line, marker); ok && strings.Contains(rest, " ") {
				u, _, _ := strings.Cut(rest, " ")
				return u
			}
		}
	}
	t.Fatalf("cfinv serve printed no %q line:\n%s", marker, s.out.String())
	return ""
}

// startServe runs `cfinv serve` on a kernel-chosen loopback port with the
// test key pair and the given completion delay, reads the address it prints
// once it is listening, and stops it when the test ends.
func startServe(t *testing.T, completionDelay string, extra ...string) *server {
	t.Helper()
	bin := cfinvBinary(t)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--completion-delay", completionDelay, "--edge-addr", "127.0.0.1:0", "--s3-addr", ""}, extra...)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(cleanEnv(), "AWS_ACCESS_KEY_ID="+testKeyID, "AWS_SECRET_ACCESS_KEY="+testSecret)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	urlc := make(chan string, 1)
	out := &lockedWriter{w: &bytes.Buffer{}, watch: "CloudFront API on ", found: urlc}
	s := &server{out: out}
	cmd.Stdout, cmd.Stderr = out, out
	if err := harness.StartProcess(cmd); err != nil {
		cancel()
		t.Fatalf("start cfinv serve: %v", err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		harness.Reap(cmd)
		exited <- err
	}()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("cfinv serve %s output:\n%s", strings.Join(args, " "), out.String())
		}
	})
	select {
	case s.URL = <-urlc:
		return s
	case err := <-exited:
		t.Fatalf("cfinv serve exited before serving: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("cfinv serve printed no address within 30s:\n%s", out.String())
	}
	return nil
}

// lockedWriter collects a process's output. When a complete line contains
// watch, the first word after it is sent on found (once): serve prints
// "cfinv serve: CloudFront API on http://ADDR (…)" after binding its
// listener.
type lockedWriter struct {
	mu    sync.Mutex
	w     *bytes.Buffer
	watch string
	found chan<- string
	done  bool
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.w.Write(p)
	if !l.done && l.watch != "" {
		for _, line := range strings.Split(l.w.String(), "\n") {
			if _, rest, ok := strings.Cut(line, l.watch); ok && strings.Contains(rest, " ") {
				u, _, _ := strings.Cut(rest, " ")
				l.found <- u
				l.done = true
				break
			}
		}
	}
	return n, err
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// cleanEnv is the process environment without AWS_* and CFINV_* variables,
// so nothing from the developer's shell leaks into the clients or the server.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "CFINV_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// clientEnv is the environment for an AWS client: the test key pair,
// us-east-1, and empty config and credentials files.
func clientEnv(t *testing.T, endpoint string) []string {
	t.Helper()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return append(cleanEnv(),
		"AWS_ACCESS_KEY_ID="+testKeyID,
		"AWS_SECRET_ACCESS_KEY="+testSecret,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE="+empty,
		"AWS_SHARED_CREDENTIALS_FILE="+empty,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		"INTEROP_ENDPOINT="+endpoint,
	)
}

// run runs a client command and returns stdout, stderr and the exit code.
// Its limit of 60 s ends a hang; time the command spent waiting for a CPU
// is not charged (harness.Limit): at load 22-33 on 2 cores, AWS CLI
// commands that serve answered at once took more than 60 s of wall time.
func run(t *testing.T, env []string, dir string, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if py := awsPythonOf(name); py != "" {
		return runAWS(t, py, env, dir, args...)
	}
	lim, ctx := harness.NewLimit(t.Context(), 60*time.Second)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := harness.RunWithin(cmd, lim)
	var ee *exec.ExitError
	switch {
	case errors.Is(err, harness.ErrLimit):
		t.Fatalf("%s %s: %v\nstderr:\n%s", name, strings.Join(args, " "), err, errb.String())
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("run %s %s: %v", name, strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// decode unmarshals JSON output or fails with it.
func decode(t *testing.T, what, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%s: decode JSON output: %v\n%s", what, err, out)
	}
}
