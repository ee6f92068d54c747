package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const createPath = "/2020-05-31/distribution/E2TESTDIST0001/invalidation"

// backend stands in for the emulator: it counts the requests it acted on
// and answers 201 with a request id.
type backend struct {
	calls atomic.Int64
	// acted receives the context of each request acted on, when set.
	acted chan context.Context
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	n := b.calls.Add(1)
	w.Header().Set("X-Amzn-Requestid", fmt.Sprintf("backend-%d", n))
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, "<Invalidation><Id>I%d</Id></Invalidation>", n)
	if b.acted != nil {
		b.acted <- r.Context()
	}
}

// newClient returns a client that opens a new connection per request, so
// that the transport never retries a request on a reused connection.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// instantSleep records the delays asked for and returns at once.
type instantSleep struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *instantSleep) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays = append(s.delays, d)
	return nil
}

type parsedError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Namespace string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

func TestKinds(t *testing.T) {
	type want struct {
		status    int // 0: transport error expected
		code      string
		typ       string
		calls     int64
		delays    int
		faultKind Kind // "" when passed
	}
	tests := []struct {
		name   string
		kind   Kind
		method string
		path   string
		want   want
	}{
		{"503", KindUnavailable, http.MethodPost, createPath, want{status: 503, code: "ServiceUnavailable", typ: "Receiver", faultKind: KindUnavailable}},
		{"throttle", KindThrottle, http.MethodPost, createPath, want{status: 400, code: "Throttling", typ: "Sender", faultKind: KindThrottle}},
		{"throttle on read", KindThrottle, http.MethodGet, createPath + "/I1", want{status: 400, code: "Throttling", typ: "Sender", faultKind: KindThrottle}},
		{"limit", KindLimit, http.MethodPost, createPath, want{status: 400, code: "TooManyInvalidationsInProgress", typ: "Sender", faultKind: KindLimit}},
		{"limit does not apply to reads", KindLimit, http.MethodGet, createPath + "/I1", want{status: 201, calls: 1}},
		{"reset", KindReset, http.MethodPost, createPath, want{faultKind: KindReset}},
		{"lost-response", KindLostResponse, http.MethodPost, createPath, want{calls: 1, faultKind: KindLostResponse}},
		{"slow", KindSlow, http.MethodPost, createPath, want{status: 201, calls: 1, delays: 1, faultKind: KindSlow}},
		{"outside the API", KindUnavailable, http.MethodGet, "/index.html", want{status: 201, calls: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &backend{}
			sl := &instantSleep{}
			in := New(be, Config{Rate: 1, Seed: 7, Kinds: []Kind{tt.kind}, SlowDelay: 42 * time.Second, Sleep: sl.sleep})
			srv := httptest.NewServer(in)
			defer srv.Close()

			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, strings.NewReader("<InvalidationBatch/>"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := newClient(t).Do(req)
			if tt.want.status == 0 {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("got status %d, want a transport error", resp.StatusCode)
				}
			} else {
				if err != nil {
					t.Fatalf("got error %v, want status %d", err, tt.want.status)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.want.status {
					t.Errorf("got status %d, want %d", resp.StatusCode, tt.want.status)
				}
				if tt.want.code != "" {
					var e parsedError
					if err := xml.Unmarshal(body, &e); err != nil {
						t.Fatalf("parse error body %q: %v", body, err)
					}
					got := []string{e.Namespace, e.Type, e.Code, e.RequestID}
					wantFields := []string{"http://cloudfront.amazonaws.com/doc/2020-05-31/", tt.want.typ, tt.want.code, resp.Header.Get("X-Amzn-Requestid")}
					if diff := cmp.Diff(wantFields, got); diff != "" {
						t.Errorf("error envelope (-want +got):\n%s", diff)
					}
					if len(e.RequestID) != 36 {
						t.Errorf("got request id %q, want a UUID", e.RequestID)
					}
					if e.Message == "" {
						t.Error("got empty message")
					}
				}
			}
			if got := be.calls.Load(); got != tt.want.calls {
				t.Errorf("got %d backend calls, want %d", got, tt.want.calls)
			}
			if len(sl.delays) != tt.want.delays {
				t.Errorf("got %d sleeps, want %d", len(sl.delays), tt.want.delays)
			}
			if tt.want.delays > 0 && sl.delays[0] != 42*time.Second {
				t.Errorf("got slow delay %v, want 42s", sl.delays[0])
			}
			st := in.Stats()
			wantStats := Stats{Candidates: 1, Faults: map[Kind]int64{}}
			switch {
			case tt.path == "/index.html":
				wantStats = Stats{Other: 1, Faults: map[Kind]int64{}}
			case tt.want.faultKind == "":
				wantStats.Passed = 1
			default:
				wantStats.Faults[tt.want.faultKind] = 1
			}
			if diff := cmp.Diff(wantStats, st); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSlowActsAfterClientGaveUp checks that a slow request is acted on even
// when the client stopped waiting: the case that makes retries dangerous.
func TestSlowActsAfterClientGaveUp(t *testing.T) {
	be := &backend{acted: make(chan context.Context, 1)}
	started := make(chan struct{})
	sleep := func(ctx context.Context, _ time.Duration) error {
		close(started)
		<-ctx.Done() // wait until the client has gone
		return ctx.Err()
	}
	var logs bytes.Buffer
	var logMu sync.Mutex
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &logMu}, nil))
	in := New(be, Config{Rate: 1, Kinds: []Kind{KindSlow}, Sleep: sleep, Logger: log})
	srv := httptest.NewServer(in)
	defer srv.Close()

	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+createPath, strings.NewReader("x"))
	errc := make(chan error, 1)
	go func() {
		resp, err := newClient(t).Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("got client error %v, want context.Canceled", err)
	}
	actedCtx := <-be.acted
	if err := actedCtx.Err(); err != nil {
		t.Errorf("backend ran with a cancelled context: %v", err)
	}
	if got := be.calls.Load(); got != 1 {
		t.Errorf("got %d backend calls, want 1", got)
	}
	srv.Close() // waits for the handler, and so for its log record
	logMu.Lock()
	defer logMu.Unlock()
	var rec map[string]any
	if err := json.Unmarshal(logs.Bytes(), &rec); err != nil {
		t.Fatalf("parse log %q: %v", logs.String(), err)
	}
	want := map[string]any{"kind": "slow", "acted": true, "client_gone": true, "status": float64(201), "request_id": "backend-1"}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("log %s: got %v, want %v", k, rec[k], v)
		}
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestLogs checks that each fault is logged with whether the server acted.
func TestLogs(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	be := &backend{}
	in := New(be, Config{Rate: 1, Seed: 3, Logger: slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &mu}, nil)),
		Sleep: (&instantSleep{}).sleep})
	srv := httptest.NewServer(in)
	c := newClient(t)
	for range 60 {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+createPath, strings.NewReader("x"))
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	srv.Close()

	mu.Lock()
	defer mu.Unlock()
	counts := map[Kind]int64{}
	var acted int64
	dec := json.NewDecoder(&logs)
	for {
		var rec struct {
			Msg    string
			Kind   Kind
			Method string
			Path   string
			Seq    int64
			Acted  bool
		}
		if err := dec.Decode(&rec); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if rec.Msg != "fault injected" || rec.Method != http.MethodPost || rec.Path != createPath || rec.Seq < 1 {
			t.Errorf("got log record %+v", rec)
		}
		if rec.Acted != rec.Kind.Acts() {
			t.Errorf("kind %s logged acted=%v, want %v", rec.Kind, rec.Acted, rec.Kind.Acts())
		}
		if rec.Acted {
			acted++
		}
		counts[rec.Kind]++
	}
	if diff := cmp.Diff(in.Stats().Faults, counts); diff != "" {
		t.Errorf("logged kinds differ from stats (-stats +logs):\n%s", diff)
	}
	if got := be.calls.Load(); got != acted {
		t.Errorf("backend acted %d times, logs say %d", got, acted)
	}
	if len(counts) != len(AllKinds()) {
		t.Errorf("60 requests at rate 1 met kinds %v, want all %d", counts, len(AllKinds()))
	}
}

// outcomes sends n sequential requests and describes what each met.
func outcomes(t *testing.T, cfg Config, n int) []string {
	t.Helper()
	cfg.Sleep = (&instantSleep{}).sleep
	srv := httptest.NewServer(New(&backend{}, cfg))
	defer srv.Close()
	c := newClient(t)
	var out []string
	for i := range n {
		method, path := http.MethodPost, createPath
		if i%3 == 0 {
			method, path = http.MethodGet, createPath+"/I1"
		}
		req, _ := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader("x"))
		resp, err := c.Do(req)
		if err != nil {
			out = append(out, "error")
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e parsedError
		_ = xml.Unmarshal(body, &e)
		out = append(out, fmt.Sprintf("%d %s", resp.StatusCode, e.Code))
	}
	return out
}

func TestDeterministicForSeed(t *testing.T) {
	cfg := Config{Rate: 0.5, Seed: 99}
	a := outcomes(t, cfg, 80)
	b := outcomes(t, cfg, 80)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different faults (-first +second):\n%s", diff)
	}
	cfg.Seed = 100
	if c := outcomes(t, cfg, 80); cmp.Equal(a, c) {
		t.Errorf("seeds 99 and 100 gave the same 80 outcomes: %v", a)
	}
}

// TestRateZeroIsTransparent checks that a zero rate changes nothing.
func TestRateZeroIsTransparent(t *testing.T) {
	be := &backend{}
	in := New(be, Config{Rate: 0, Seed: 1})
	srv := httptest.NewServer(in)
	defer srv.Close()
	c := newClient(t)
	for i := range 50 {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+createPath, strings.NewReader("x"))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := fmt.Sprintf("<Invalidation><Id>I%d</Id></Invalidation>", i+1)
		if resp.StatusCode != http.StatusCreated || string(body) != want || resp.Header.Get("X-Amzn-Requestid") != fmt.Sprintf("backend-%d", i+1) {
			t.Fatalf("request %d: got %d %q, want 201 %q", i, resp.StatusCode, body, want)
		}
	}
	if diff := cmp.Diff(Stats{Candidates: 50, Passed: 50, Faults: map[Kind]int64{}}, in.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

// TestRateIsRoughlyHonoured checks the fraction of faulted requests.
func TestRateIsRoughlyHonoured(t *testing.T) {
	in := New(http.NotFoundHandler(), Config{Rate: 0.2, Seed: 5, Kinds: []Kind{KindThrottle}})
	for range 5000 {
		in.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/2020-05-31/distribution", nil))
	}
	got := in.Stats().Faults[KindThrottle]
	if got < 900 || got > 1100 {
		t.Errorf("got %d throttled of 5000 at rate 0.2, want about 1000", got)
	}
}

func TestParseKinds(t *testing.T) {
	tests := []struct {
		in      string
		want    []Kind
		wantErr string
	}{
		{in: "503", want: []Kind{KindUnavailable}},
		{in: "503, throttle ,reset", want: []Kind{KindUnavailable, KindThrottle, KindReset}},
		{in: "slow,slow,lost-response", want: []Kind{KindSlow, KindLostResponse}},
		{in: "all", want: AllKinds()},
		{in: "limit,all", want: []Kind{KindLimit, KindUnavailable, KindThrottle, KindReset, KindLostResponse, KindSlow}},
		{in: "503,timeout", wantErr: `parse fault kinds: unknown kind "timeout" (valid: 503, throttle, limit, reset, lost-response, slow, or all)`},
		{in: "", wantErr: `parse fault kinds: no kind in "" (valid: 503, throttle, limit, reset, lost-response, slow, or all)`},
		{in: " , ", wantErr: `parse fault kinds: no kind in " , " (valid: 503, throttle, limit, reset, lost-response, slow, or all)`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseKinds(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("kinds (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"zero", Config{}, false},
		{"full", Config{Rate: 1, Kinds: AllKinds(), SlowDelay: time.Second}, false},
		{"rate above 1", Config{Rate: 1.5}, true},
		{"negative rate", Config{Rate: -0.1}, true},
		{"unknown kind", Config{Kinds: []Kind{"boom"}}, true},
		{"negative delay", Config{SlowDelay: -time.Second}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); (err != nil) != tt.wantErr {
				t.Errorf("got error %v, want error: %v", err, tt.wantErr)
			}
		})
	}
}

func FuzzParseKinds(f *testing.F) {
	for _, s := range []string{"503", "all", "503,throttle", " slow , reset,", "bogus", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kinds, err := ParseKinds(s)
		if err != nil {
			if kinds != nil {
				t.Errorf("got kinds %v with error %v", kinds, err)
			}
			return
		}
		seen := map[Kind]bool{}
		parts := make([]string, 0, len(kinds))
		for _, k := range kinds {
			if !k.valid() || seen[k] {
				t.Fatalf("got invalid or repeated kind %q in %v", k, kinds)
			}
			seen[k] = true
			parts = append(parts, string(k))
		}
		again, err := ParseKinds(strings.Join(parts, ","))
		if err != nil || !cmp.Equal(kinds, again) {
			t.Errorf("round trip of %v gave %v, %v", kinds, again, err)
		}
	})
}

// FuzzStats checks that the counts add up whatever the configuration and
// the mix of requests: every API request is either passed or faulted once,
// KindLimit meets only CreateInvalidation, and the backend runs exactly for
// passed requests and the kinds that act.
func FuzzStats(f *testing.F) {
	f.Add(int64(1), uint8(128), uint8(0x3f), []byte{0, 1, 2, 3})
	f.Add(int64(-5), uint8(255), uint8(0x04), []byte{1, 1, 1})
	f.Add(int64(42), uint8(0), uint8(0), []byte{2, 0, 2, 0, 3})
	f.Fuzz(func(t *testing.T, seed int64, rate, mask uint8, reqs []byte) {
		var kinds []Kind
		for i, k := range AllKinds() {
			if mask&(1<<i) != 0 {
				kinds = append(kinds, k)
			}
		}
		be := &backend{}
		in := New(be, Config{Rate: float64(rate) / 255, Seed: seed, Kinds: kinds, Sleep: (&instantSleep{}).sleep})
		var creates, others int64
		for _, b := range reqs {
			method, path := http.MethodGet, createPath+"/I1"
			switch b % 4 {
			case 1:
				method, path = http.MethodPost, createPath
				creates++
			case 2:
				path = "/index.html"
				others++
			case 3:
				path = "/2020-05-31/distribution"
			}
			serve(in, httptest.NewRequest(method, path, strings.NewReader("x")))
		}
		st := in.Stats()
		if st.Candidates != st.Passed+st.Injected() {
			t.Errorf("candidates %d != passed %d + injected %d", st.Candidates, st.Passed, st.Injected())
		}
		if st.Candidates+st.Other != int64(len(reqs)) || st.Other != others {
			t.Errorf("got %d candidates and %d other of %d requests (%d other)", st.Candidates, st.Other, len(reqs), others)
		}
		if st.Faults[KindLimit] > creates {
			t.Errorf("got %d limit faults for %d creates", st.Faults[KindLimit], creates)
		}
		if want := st.Passed + st.Other + st.Faults[KindLostResponse] + st.Faults[KindSlow]; be.calls.Load() != want {
			t.Errorf("backend ran %d times, want %d", be.calls.Load(), want)
		}
		if rate == 0 && st.Injected() != 0 {
			t.Errorf("rate 0 injected %d faults", st.Injected())
		}
	})
}

// serve calls h directly; the kinds that drop the connection abort the
// handler, as net/http expects, which is recovered here.
func serve(h http.Handler, r *http.Request) {
	defer func() {
		if v := recover(); v != nil && v != http.ErrAbortHandler {
			panic(v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), r)
}
