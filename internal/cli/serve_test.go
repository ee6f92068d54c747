package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/test/harness"
)

func TestServeFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want serveOptions
		err  string
	}{
		{
			name: "defaults with XDG_STATE_HOME",
			env:  map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/home/u"},
			want: serveOptions{Addr: "127.0.0.1:8655", DataDir: "/state/cfinv/serve", CompletionDelay: 3 * time.Second, AccountID: "123456789012", EdgeAddr: DefaultEdgeAddr, EdgeCacheSize: "256MiB", EdgeServer: "net/http", S3Addr: DefaultS3Addr},
		},
		{
			name: "defaults with HOME",
			env:  map[string]string{"HOME": "/home/u"},
			want: serveOptions{Addr: "127.0.0.1:8655", DataDir: "/home/u/.local/state/cfinv/serve", CompletionDelay: 3 * time.Second, AccountID: "123456789012", EdgeAddr: DefaultEdgeAddr, EdgeCacheSize: "256MiB", EdgeServer: "net/http", S3Addr: DefaultS3Addr},
		},
		{
			name: "every flag",
			args: []string{"--addr", "127.0.0.1:0", "--data-dir", "/d", "--completion-delay", "0", "--strict-region", "--credentials-file", "/c", "--account-id", "111122223333",
				"--edge-addr", "", "--edge-cache-size", "1GB", "--edge-server", "fasthttp", "--s3-origin", "b1=http://127.0.0.1:9000/x", "--s3-origin", "b2=" + os.TempDir(), "--s3-addr", "127.0.0.1:0"},
			want: serveOptions{Addr: "127.0.0.1:0", DataDir: "/d", StrictRegion: true, CredentialsFile: "/c", AccountID: "111122223333",
				S3Addr: "127.0.0.1:0", EdgeCacheSize: "1GB", EdgeServer: "fasthttp", S3Origins: []string{"b1=http://127.0.0.1:9000/x", "b2=" + os.TempDir()}},
		},
		{
			name: "from the environment",
			env:  map[string]string{"CFINV_COMPLETION_DELAY": "1m", "CFINV_DATA_DIR": "/e"},
			want: serveOptions{Addr: "127.0.0.1:8655", DataDir: "/e", CompletionDelay: time.Minute, AccountID: "123456789012", EdgeAddr: DefaultEdgeAddr, EdgeCacheSize: "256MiB", EdgeServer: "net/http", S3Addr: DefaultS3Addr},
		},
		{name: "negative delay", args: []string{"--completion-delay", "-1s", "--data-dir", "/d"}, err: "out of range: want a duration from 0s to 24h"},
		{name: "no home", err: "pass --data-dir"},
		{name: "tiny cache", args: []string{"--data-dir", "/d", "--edge-cache-size", "10KB"}, err: `invalid --edge-cache-size "10KB": want a size from 1MiB to 1TiB`},
		{name: "unknown edge server", args: []string{"--data-dir", "/d", "--edge-server", "nginx"}, err: `"nginx"`},
		{name: "bad cache size", args: []string{"--data-dir", "/d", "--edge-cache-size", "lots"}, err: `invalid --edge-cache-size "lots"`},
		{name: "s3 origin without =", args: []string{"--data-dir", "/d", "--s3-origin", "bucket"}, err: `invalid --s3-origin "bucket": want BUCKET=DIR`},
		{name: "s3 origin missing dir", args: []string{"--data-dir", "/d", "--s3-origin", "b=/no/such/dir"}, err: "/no/such/dir is not a directory"},
		{name: "arguments", args: []string{"--data-dir", "/d", "extra"}, err: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseServe(tt.args, tt.env)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			if diff := cmp.Diff(tt.want, *got, cmp.FilterPath(func(p cmp.Path) bool {
				switch p.String() {
				case "IO", "Getenv", "Now", "Faults", "edgeBytes", "s3", "readTimeout":
					return true
				}
				return false
			}, cmp.Ignore())); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

// parseServe runs `cfinv serve ARGS` with env as the environment up to the
// point where it would serve, and returns the options it would serve with.
func parseServe(args []string, env map[string]string) (*serveOptions, error) {
	ios, _, _, _ := TestIO()
	getenv := func(k string) string { return env[k] }
	var got *serveOptions
	root := NewRootCmd(&Deps{IO: ios, Getenv: getenv, Now: time.Now})
	// Replace the real serve command with one that captures opts.
	for _, c := range root.Commands() {
		if c.Name() == "serve" {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(newServeCmd(&Deps{IO: ios, Getenv: getenv, Now: time.Now}, func(o *serveOptions) error { got = o; return nil }))
	root.SetArgs(append([]string{"serve"}, args...))
	return got, root.Execute()
}

type runningServer struct {
	url    string
	stderr *harness.Buffer
	stop   func() error
}

// startServe runs serveRun on 127.0.0.1:0 until stop is called.
func startServe(t *testing.T, opts *serveOptions) *runningServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stderr := &harness.Buffer{}
	opts.IO = &IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: stderr}
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	opts.Listener = ln
	ready := make(chan string, 1)
	opts.Ready = ready
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveRun(ctx, opts) }()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serveRun: %v", err)
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { _ = stop() })
	return &runningServer{url: url, stderr: stderr, stop: stop}
}

// client is an SDK client for the server at url, signing with id and
// secret.
func client(url, id, secret string) *cloudfront.Client {
	return harness.SDK(url, harness.Credentials(id, secret, ""))
}

// exported returns the value of "export NAME=value" in stderr.
func exported(t *testing.T, stderr, name string) string {
	t.Helper()
	for _, line := range strings.Split(stderr, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "export "+name+"="); ok {
			return v
		}
	}
	t.Fatalf("stderr has no export of %s:\n%s", name, stderr)
	return ""
}

func TestServeGeneratedKeysAndRestart(t *testing.T) {
	dir := t.TempDir()
	srv := startServe(t, &serveOptions{DataDir: dir, CompletionDelay: time.Hour})
	out := srv.stderr.String()
	if !strings.Contains(out, "CloudFront API on "+srv.url) || !strings.Contains(out, "Generated credentials") || strings.Contains(out, "Warning") {
		t.Errorf("start-up message:\n%s", out)
	}
	if got := exported(t, out, "AWS_ENDPOINT_URL_CLOUDFRONT"); got != srv.url {
		t.Errorf("endpoint export = %q, want %q", got, srv.url)
	}
	if !strings.Contains(out, "console on "+srv.url+"/console/") {
		t.Errorf("start-up message names no console URL:\n%s", out)
	}
	id, secret := exported(t, out, "AWS_ACCESS_KEY_ID"), exported(t, out, "AWS_SECRET_ACCESS_KEY")
	fi, err := os.Stat(filepath.Join(dir, "credentials"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}

	cf := client(srv.url, id, secret)
	d, err := cf.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: harness.DistributionConfig("serve")})
	if err != nil {
		t.Fatalf("signed CreateDistribution: %v", err)
	}
	inv, err := cf.CreateInvalidation(t.Context(), &cloudfront.CreateInvalidationInput{DistributionId: d.Distribution.Id,
		InvalidationBatch: &types.InvalidationBatch{CallerReference: aws.String("r"), Paths: &types.Paths{Quantity: aws.Int32(1), Items: []string{"/a"}}}})
	if err != nil {
		t.Fatalf("signed CreateInvalidation: %v", err)
	}

	// A wrong secret is refused by the SigV4 verifier.
	_, err = client(srv.url, id, "wrong").ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: got %v, want SignatureDoesNotMatch", err)
	}
	if !strings.Contains(srv.stderr.String(), "code=SignatureDoesNotMatch") {
		t.Errorf("no request log line for the refused request:\n%s", srv.stderr.String())
	}
	if err := srv.stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	if !strings.Contains(srv.stderr.String(), "stopped") {
		t.Errorf("no stop message:\n%s", srv.stderr.String())
	}

	// Restart on the same directory: same keys, same state, still in progress.
	srv = startServe(t, &serveOptions{DataDir: dir, CompletionDelay: time.Hour})
	out = srv.stderr.String()
	if strings.Contains(out, "Generated credentials") || exported(t, out, "AWS_ACCESS_KEY_ID") != id {
		t.Errorf("restart did not reuse the generated key:\n%s", out)
	}
	cf = client(srv.url, id, secret)
	got, err := cf.GetInvalidation(t.Context(), &cloudfront.GetInvalidationInput{DistributionId: d.Distribution.Id, Id: inv.Invalidation.Id})
	if err != nil {
		t.Fatalf("GetInvalidation after restart: %v", err)
	}
	if *got.Invalidation.Status != "InProgress" {
		t.Errorf("status after restart = %s, want InProgress", *got.Invalidation.Status)
	}
}

func TestServeKeysFromEnvAndFile(t *testing.T) {
	dir := t.TempDir()
	credFile := filepath.Join(dir, "creds")
	if err := os.WriteFile(credFile, []byte("[ci]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret"}
	srv := startServe(t, &serveOptions{DataDir: filepath.Join(dir, "data"), CredentialsFile: credFile, CompletionDelay: 0,
		Getenv: func(k string) string { return env[k] }})
	if strings.Contains(srv.stderr.String(), "AWS_SECRET_ACCESS_KEY") {
		t.Errorf("printed credentials although keys were given:\n%s", srv.stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "credentials")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("generated a key file although keys were given: %v", err)
	}
	for _, k := range [][2]string{{"AKIDENV", "envsecret"}, {"AKIDFILE", "filesecret"}} {
		if _, err := client(srv.url, k[0], k[1]).ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{}); err != nil {
			t.Errorf("key %s refused: %v", k[0], err)
		}
	}
	_, err := client(srv.url, "AKIDOTHER", "x").ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidClientTokenId" {
		t.Errorf("unknown key: got %v, want InvalidClientTokenId", err)
	}
}

func TestServeBadCredentialsFile(t *testing.T) {
	ios, _, _, _ := TestIO()
	err := serveRun(t.Context(), &serveOptions{IO: ios, Getenv: func(string) string { return "" }, DataDir: t.TempDir(),
		CredentialsFile: filepath.Join(t.TempDir(), "missing")})
	if err == nil || !strings.Contains(err.Error(), "read credentials file") {
		t.Errorf("got %v, want a credentials file error", err)
	}
}

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8655", true},
		{"[::1]:8655", true},
		{"0.0.0.0:8655", false},
		{"[::]:8655", false},
		{"192.168.1.2:8655", false},
	}
	for _, tt := range tests {
		a, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := isLoopback(a); got != tt.want {
			t.Errorf("isLoopback(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

// TestServeFaultFlags checks that --fault-rate and --faults reach the API:
// with rate 1 and kind "throttle", every call is refused with Throttling
// and the fault is logged.
func TestServeFaultFlags(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret"}
	srv := startServe(t, &serveOptions{DataDir: t.TempDir(), Getenv: func(k string) string { return env[k] },
		Faults: faultOptions{Rate: 1, Seed: 7, Kinds: "throttle", SlowDelay: time.Second}})
	_, err := client(srv.url, "AKIDENV", "envsecret").ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{},
		func(o *cloudfront.Options) { o.RetryMaxAttempts = 1 })
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "Throttling" {
		t.Fatalf("got %v, want an injected Throttling", err)
	}
	if out := srv.stderr.String(); !strings.Contains(out, "fault injection is on") || !strings.Contains(out, "fault injected") {
		t.Errorf("faults not logged:\n%s", out)
	}
}

// TestServeSlowBody checks that a client trickling a request body cannot
// hold a connection past the read timeout, and that the server keeps
// answering others meanwhile.
func TestServeSlowBody(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret"}
	srv := startServe(t, &serveOptions{DataDir: t.TempDir(), Getenv: func(k string) string { return env[k] }, readTimeout: 500 * time.Millisecond})
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "POST /2020-05-31/distribution HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n<Distri"); err != nil {
		t.Fatal(err)
	}
	// Another client is served while the slow one holds its connection.
	if _, err := client(srv.url, "AKIDENV", "envsecret").ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{}); err != nil {
		t.Fatalf("ListDistributions beside a slow client: %v", err)
	}
	// The slow connection is closed by the server: reads end with EOF or
	// a reset, long before our own (generous) deadline.
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept a trickling request open for 30s; want it closed after its read timeout")
	}
}

// TestServeBindFailureHint: a port already taken (an earlier cfinv serve
// on 8655 or 8656) names the flag that moves it (issue 10, item 7).
func TestServeBindFailureHint(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name     string
		addr     string // --addr; "" serves a free listener instead
		edgeAddr string
		want     string
		hint     string
	}{
		{"api port taken", taken.Addr().String(), "", "listen on --addr " + taken.Addr().String(), "pass another --addr HOST:PORT"},
		{"edge port taken", "", taken.Addr().String(), "listen on --edge-addr " + taken.Addr().String(), `pass another --edge-addr HOST:PORT (--edge-addr 127.0.0.1:0 picks a free port), or --edge-addr "" to run without the edge`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, stderr := TestIO()
			opts := &serveOptions{IO: ios, Getenv: func(string) string { return "" }, DataDir: t.TempDir(), Addr: tt.addr, EdgeAddr: tt.edgeAddr}
			if tt.addr == "" {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				opts.Listener = ln
			}
			err := serveRun(t.Context(), opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			printError(stderr, err, "cfinv serve")
			if !strings.Contains(stderr.String(), "Try: ") || !strings.Contains(stderr.String(), tt.hint) {
				t.Errorf("printed:\n%s\nwant a Try: line containing %q", stderr, tt.hint)
			}
		})
	}
}

// TestServeHelpDescribesTheEdge: "cfinv serve --help" says that serve also
// runs a caching edge, where, and how to turn it off (the help described
// only the API).
func TestServeHelpDescribesTheEdge(t *testing.T) {
	ios, _, stdout, stderr := TestIO()
	if code := Main(t.Context(), []string{"serve", "--help"}, ios, func(string) string { return "" }); code != ExitOK {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", code, stderr)
	}
	help, _, _ := strings.Cut(stdout.String(), "\nUsage:")
	for _, want := range []string{"caching edge", "--edge-addr", `--edge-addr "" turns it off`, "X-Cache", "--s3-origin", "purged by every invalidation"} {
		if !strings.Contains(help, want) {
			t.Errorf("serve --help's description lacks %q:\n%s", want, help)
		}
	}
}

// TestServeEdgeServesNewDistributionAtOnce: a distribution created through
// the API is served by the edge as soon as CreateDistribution answers,
// also when the edge listed the distributions just before and the clock
// stands still (only cfinvtest refreshed the edge after writes; serve
// waited for its next listing; issue 29).
func TestServeEdgeServesNewDistributionAtOnce(t *testing.T) {
	site := t.TempDir()
	if err := os.WriteFile(filepath.Join(site, "index.html"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDSERVE", "AWS_SECRET_ACCESS_KEY": "serve-secret"}
	edgeReady := make(chan string, 1)
	srv := startServe(t, &serveOptions{DataDir: t.TempDir(), Getenv: func(k string) string { return env[k] },
		Now: func() time.Time { return t0 }, s3: map[string]string{"bucket": site}, EdgeListener: mustListen(t), EdgeReady: edgeReady})
	edgeURL := <-edgeReady
	get := func(id string) (int, string) {
		code, _, body := edgeGet(t, edgeURL, id+".localhost", "/index.html")
		return code, body
	}
	// The edge lists the distributions (none yet) for this request.
	if code, _ := get("E0NONE"); code == http.StatusOK {
		t.Fatalf("unknown distribution: got 200")
	}
	id := harness.Distribution(t, client(srv.url, "AKIDSERVE", "serve-secret"), "at-once")
	if code, body := get(id); code != http.StatusOK || body != "hello" {
		t.Errorf("GET through the edge right after CreateDistribution: %d %q, want 200 \"hello\"", code, body)
	}
}

// edgeGet GETs path from the edge at edgeURL with Host host and returns
// the status, the headers and the whole body.
func edgeGet(t *testing.T, edgeURL, host, path string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, edgeURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}
