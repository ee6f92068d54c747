package cfinv

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// Tests for issue 3: an unreachable endpoint fails at once, naming it; an
// endpoint that accepts and never answers costs one attempt timeout per
// attempt, and every retry carries the same caller reference.

// testCredentials points the SDK's default chain at static environment
// credentials and nothing else.
func testCredentials(t *testing.T) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDNETWORK", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": t.TempDir() + "/none", "AWS_SHARED_CREDENTIALS_FILE": t.TempDir() + "/none",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_REGION": "",
		"HTTP_PROXY": "", "HTTPS_PROXY": "", "NO_PROXY": "",
	} {
		t.Setenv(k, v)
	}
}

// closedPort returns the URL of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

var requestLine = regexp.MustCompile(`(?m)^(GET|POST) /2020-05-31/`)

func TestUnreachableEndpointFailsAtOnce(t *testing.T) {
	testCredentials(t)
	endpoint := closedPort(t)
	var debug bytes.Buffer
	_, api := newTestClient(t, endpoint, 0, WithDebugLog(&debug))
	clock := newFakeClock()
	c := &Client{api: api, nowFn: clock.Now, sleepFn: clock.Sleep}

	tests := []struct {
		name string
		call func() error
		op   string
	}{
		{"invalidate", func() error {
			_, err := c.submitJob(t.Context(), job{DistributionID: "E1", Batches: [][]string{{"/a"}}, References: []string{"r"}, Deadline: clock.Now().Add(time.Hour)})
			return err
		}, "create invalidation for E1"},
		{"wait", func() error {
			_, err := c.wait(t.Context(), []Target{{DistributionID: "E1", IDs: []string{"I1"}}}, nil, waitOptions{Deadline: clock.Now().Add(time.Hour)})
			return err
		}, "wait for E1"},
		{"list", func() error { _, err := c.List(t.Context(), "E1", 0, ""); return err }, "list invalidations for E1"},
		{"distributions", func() error { _, err := c.Distributions(t.Context()); return err }, "list distributions"},
		{"in progress", func() error { _, err := c.InProgressBatches(t.Context(), []string{"E1", "E2"}); return err }, "get distribution for E"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.Reset()
			clock.sleeps = nil
			err := tt.call()
			if !errors.Is(err, ErrUnreachable) {
				t.Fatalf("error = %v, want ErrUnreachable", err)
			}
			want := ": cannot reach " + endpoint + ": connection refused"
			if !strings.HasPrefix(err.Error(), tt.op) || !strings.Contains(err.Error(), want) {
				t.Errorf("error %q, want %q…%q", err, tt.op, want)
			}
			var e *APIError
			if !errors.As(err, &e) || e.Endpoint != endpoint {
				t.Errorf("error %#v: want an *APIError naming the endpoint %s", err, endpoint)
			}
			// One request per call, no SDK retry, no sleep of our own.
			want1 := 1
			if tt.name == "in progress" {
				want1 = 2 // two distributions; the second may be cancelled before it is sent
			}
			if n := len(requestLine.FindAllString(debug.String(), -1)); n < 1 || n > want1 {
				t.Errorf("%d requests sent, want 1..%d:\n%s", n, want1, debug.String())
			}
			if len(clock.sleeps) != 0 {
				t.Errorf("slept %v before failing, want no retry", clock.sleeps)
			}
		})
	}
}

// hungServer accepts connections on loopback, reads requests and never
// answers. It records the caller reference of every request.
type hungServer struct {
	URL  string
	mu   sync.Mutex
	refs []string
}

func newHungServer(t *testing.T) *hungServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hungServer{URL: "http://" + l.Addr().String()}
	done := make(chan struct{})
	var conns sync.WaitGroup
	t.Cleanup(func() {
		close(done)
		l.Close()
		conns.Wait()
	})
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer conn.Close()
				go func() { <-done; conn.Close() }()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				body, _ := io.ReadAll(req.Body)
				h.mu.Lock()
				h.refs = append(h.refs, callerRef(body))
				h.mu.Unlock()
				io.Copy(io.Discard, conn) // until the client gives up
			}()
		}
	}()
	return h
}

func (h *hungServer) references() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.refs...)
}

var callerRefRE = regexp.MustCompile(`<CallerReference>([^<]*)</CallerReference>`)

func callerRef(body []byte) string {
	if m := callerRefRE.FindSubmatch(body); m != nil {
		return string(m[1])
	}
	return ""
}

func TestHungEndpointTimesOutEachAttempt(t *testing.T) {
	testCredentials(t)
	srv := newHungServer(t)
	_, api := newTestClient(t, srv.URL, 2, WithAttemptTimeout(100*time.Millisecond), WithRetryBackoff(10*time.Millisecond))
	clock := newFakeClock()
	c := &Client{api: api, nowFn: clock.Now, sleepFn: clock.Sleep}
	_, err := c.submitJob(t.Context(), job{DistributionID: "E1", Batches: [][]string{{"/a"}}, References: []string{"ref-hung"}, Deadline: clock.Now().Add(3 * time.Second)})
	var de *DeadlineError
	if !errors.As(err, &de) {
		t.Fatalf("error = %v, want *DeadlineError", err)
	}
	if !errors.Is(err, ErrTimeout) || errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "batch 1 not accepted by the deadline") {
		t.Errorf("error %q: want ErrTimeout naming batch 1, not unreachable", err)
	}
	refs := srv.references()
	// Each try is two SDK attempts, each cut by the attempt timeout: the
	// first hung request did not take the whole deadline.
	if len(refs) < 2 || len(refs) != 2*de.Tries {
		t.Errorf("server saw %d requests for %d tries, want 2 per try", len(refs), de.Tries)
	}
	for _, r := range refs {
		if r != "ref-hung" {
			t.Errorf("a retry carried reference %q, want ref-hung", r)
		}
	}
}

// TestLostResponseIsRetriedWithTheSameReference: the server acts on the
// first request but its answer never comes; the retry after the attempt
// timeout gets the same invalidation back, and only one exists.
func TestLostResponseIsRetriedWithTheSameReference(t *testing.T) {
	testCredentials(t)
	emu := emulator.New(emulator.Options{Store: store.NewMem(), CompletionDelay: time.Hour}).Handler()
	var mu sync.Mutex
	var refs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/invalidation") {
			emu.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		mu.Lock()
		refs = append(refs, callerRef(body))
		first := len(refs) == 1
		mu.Unlock()
		if first {
			emu.ServeHTTP(httptest.NewRecorder(), r) // acted on, answer lost
			<-r.Context().Done()
			return
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	_, api := newTestClient(t, srv.URL, 0, WithAttemptTimeout(200*time.Millisecond), WithRetryBackoff(10*time.Millisecond))
	dist := createDistribution(t, api, "lost-response")
	c := &Client{api: api}
	res, err := c.submitJob(t.Context(), job{DistributionID: dist, Batches: [][]string{{"/a"}}, References: []string{"ref-lost"}, Deadline: time.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ref-lost", "ref-lost"}, refs); diff != "" {
		t.Errorf("references sent (-want +got):\n%s", diff)
	}
	list, err := c.List(t.Context(), dist, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || aws.ToString(list[0].Id) != aws.ToString(res.Batches[0].Invalidation.Id) {
		t.Errorf("server holds %d invalidations, want exactly the one returned (%s)", len(list), aws.ToString(res.Batches[0].Invalidation.Id))
	}
}

func TestWaitToleratesRefusalAfterAnAnswer(t *testing.T) {
	// A refused connection after the endpoint answered (cfinv serve
	// restarting) is reported and waited out, not fatal.
	testCredentials(t)
	clock := harness.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	emu := emulator.New(emulator.Options{Store: store.NewMem(), Now: clock.Now, CompletionDelay: 3 * time.Second}).Handler()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	srv := &http.Server{Handler: emu}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	_, api := newTestClient(t, "http://"+addr, 1)
	dist := createDistribution(t, api, "restart")
	out, err := api.CreateInvalidation(t.Context(), &cloudfront.CreateInvalidationInput{DistributionId: aws.String(dist), InvalidationBatch: invBatch("r1", "/a")})
	if err != nil {
		t.Fatal(err)
	}
	polls := 0
	sleep := func(ctx context.Context, d time.Duration) error {
		polls++
		switch polls {
		case 1: // the server goes away after the first answer
			srv.Close()
		case 2: // and comes back on the same port
			l2, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("relisten: %w", err)
			}
			srv = &http.Server{Handler: emu}
			go srv.Serve(l2)
		}
		return clock.Sleep(ctx, d)
	}
	c := &Client{api: api, nowFn: clock.Now, sleepFn: sleep}
	var errs []error
	st, err := c.wait(t.Context(), []Target{{DistributionID: dist, IDs: []string{*out.Invalidation.Id}}}, nil, waitOptions{
		Deadline: clock.Now().Add(time.Minute),
		Progress: func(p Event) {
			if p.Err != nil {
				errs = append(errs, p.Err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st[dist+"/"+*out.Invalidation.Id] != StatusCompleted {
		t.Errorf("statuses %v, want Completed", st)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "connection refused") {
		t.Errorf("transient errors %v, want one connection refused", errs)
	}
}

func TestClassifyNetworkErrors(t *testing.T) {
	sendErr := func(err error) error {
		return &url.Error{Op: "Post", URL: "http://127.0.0.1:1/2020-05-31/distribution/E1/invalidation", Err: err}
	}
	refused := sendErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})
	tests := []struct {
		name        string
		err         error
		unreachable string // the message after "cannot reach ", "" if not unreachable
		transient   bool
	}{
		{"connection refused", refused, "http://127.0.0.1:1: connection refused", false},
		{"no such host", sendErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "cf.invalid", IsNotFound: true}}), "http://127.0.0.1:1: no such host cf.invalid", false},
		{"no route", sendErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}), "http://127.0.0.1:1: no route to host", false},
		{"reset after sending", sendErr(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), "", true},
		{"attempt timeout", sendErr(context.DeadlineExceeded), "", true},
		{"DNS server failure", sendErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}}), "", true},
		{"throttled", apiErr("Throttling"), "", true},
		{"bad request", apiErr("InvalidArgument"), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isTransient(tt.err); got != tt.transient {
				t.Errorf("isTransient = %v, want %v", got, tt.transient)
			}
			err := translate("create invalidation", "E1", tt.err, nil)
			if got := errors.Is(err, ErrUnreachable); got != (tt.unreachable != "") {
				t.Fatalf("errors.Is(%v, ErrUnreachable) = %v", err, got)
			}
			if tt.unreachable != "" {
				if want := "create invalidation for E1: cannot reach " + tt.unreachable; err.Error() != want {
					t.Errorf("message %q, want %q", err, want)
				}
				if !errors.Is(err, tt.err) {
					t.Error("the original error is not wrapped")
				}
			}
		})
	}
	aws := &url.Error{Op: "Post", URL: "https://cloudfront.amazonaws.com/2020-05-31/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	if e := translate("x", "", aws, nil).(*APIError); e.Endpoint != "https://cloudfront.amazonaws.com" {
		t.Errorf("Endpoint %q, want AWS's", e.Endpoint)
	}
}

func invBatch(ref string, paths ...string) *types.InvalidationBatch {
	return &types.InvalidationBatch{CallerReference: aws.String(ref), Paths: &types.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths}}
}

// newTestClient builds a Client with New from the SDK's default chain, as
// the CLI builds it (the test sets the environment with testCredentials or
// t.Setenv), calling endpoint with attempts per call (0: the default), and
// returns it with its SDK client for setting up.
func newTestClient(t *testing.T, endpoint string, attempts int, opts ...Option) (*Client, *cloudfront.Client) {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cfg.RetryMaxAttempts = attempts
	c := New(cfg, append([]Option{WithEndpoint(endpoint)}, opts...)...)
	return c, c.api.(*cloudfront.Client)
}
