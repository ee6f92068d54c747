// Package faults injects the failures a CloudFront client meets in the wild
// into an http.Handler: 503s, throttling, the in-progress limit, connection
// resets, responses lost after the server acted, and slow answers that outlive
// a client's per-try timeout.
//
// An Injector wraps the emulator's handler (or a reverse proxy in front of
// it). Whether a request is faulted, and with which kind, is drawn from a
// seeded PCG generator, so a run with the same seed and the same request order
// meets the same faults. Every fault is logged, and Stats counts them, so a
// test can tell requests the server acted on (lost-response, slow) from
// requests it refused.
package faults

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Kind names one kind of fault.
type Kind string

// The fault kinds. Refusing kinds answer before the wrapped handler runs;
// KindLostResponse and KindSlow let it act.
const (
	// KindUnavailable answers 503 ServiceUnavailable (Type Receiver) without acting.
	KindUnavailable Kind = "503"
	// KindThrottle answers 400 Throttling "Rate exceeded" without acting.
	KindThrottle Kind = "throttle"
	// KindLimit answers 400 TooManyInvalidationsInProgress without acting. It
	// applies only to CreateInvalidation requests.
	KindLimit Kind = "limit"
	// KindReset closes the connection without acting or answering.
	KindReset Kind = "reset"
	// KindLostResponse runs the wrapped handler to completion (the server acts
	// and commits), then closes the connection without sending its response.
	KindLostResponse Kind = "lost-response"
	// KindSlow waits Config.SlowDelay, then runs the wrapped handler normally,
	// even if the client has given up in the meantime.
	KindSlow Kind = "slow"
)

// AllKinds returns every fault kind, in a fixed order.
func AllKinds() []Kind {
	return []Kind{KindUnavailable, KindThrottle, KindLimit, KindReset, KindLostResponse, KindSlow}
}

// Acts reports whether the server acts on a request faulted with k: true for
// lost-response and slow, false for the kinds that refuse.
func (k Kind) Acts() bool { return k == KindLostResponse || k == KindSlow }

func (k Kind) valid() bool {
	for _, v := range AllKinds() {
		if k == v {
			return true
		}
	}
	return false
}

// ParseKinds parses a comma-separated list of kinds such as
// "503,throttle,reset". "all" stands for every kind. Spaces around names are
// ignored and repeated names count once. An unknown name is an error naming it
// and listing the valid kinds.
func ParseKinds(s string) ([]Kind, error) {
	var kinds []Kind
	seen := map[Kind]bool{}
	for _, f := range strings.Split(s, ",") {
		k := Kind(strings.TrimSpace(f))
		if k == "" {
			continue
		}
		if k == "all" {
			for _, a := range AllKinds() {
				if !seen[a] {
					seen[a] = true
					kinds = append(kinds, a)
				}
			}
			continue
		}
		if !k.valid() {
			return nil, fmt.Errorf("parse fault kinds: unknown kind %q (valid: %s, or all)", k, kindList())
		}
		if !seen[k] {
			seen[k] = true
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return nil, fmt.Errorf("parse fault kinds: no kind in %q (valid: %s, or all)", s, kindList())
	}
	return kinds, nil
}

func kindList() string {
	names := make([]string, 0, len(AllKinds()))
	for _, k := range AllKinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// DefaultSlowDelay is the delay of KindSlow when Config.SlowDelay is zero:
// longer than the per-try timeouts clients commonly use.
const DefaultSlowDelay = 30 * time.Second

// Config configures an Injector.
type Config struct {
	// Rate is the probability, from 0 to 1, that a candidate request is
	// faulted. Values outside [0, 1] are clamped; Validate reports them.
	Rate float64
	// Seed seeds the generator that decides which requests are faulted.
	Seed int64
	// Kinds are the kinds to draw from, with equal weight. Nil means all.
	Kinds []Kind
	// SlowDelay is how long KindSlow waits; zero means DefaultSlowDelay.
	SlowDelay time.Duration
	// Logger receives one record per fault; nil discards them.
	Logger *slog.Logger
	// Sleep waits d or until ctx is done; nil uses a real timer. Tests
	// replace it so that nothing waits on the real clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Validate reports a configuration a user should be told about: a rate
// outside [0, 1], an unknown kind or a negative delay.
func (c Config) Validate() error {
	if c.Rate < 0 || c.Rate > 1 || c.Rate != c.Rate {
		return fmt.Errorf("validate fault config: rate %v is not between 0 and 1", c.Rate)
	}
	for _, k := range c.Kinds {
		if !k.valid() {
			return fmt.Errorf("validate fault config: unknown kind %q (valid: %s)", k, kindList())
		}
	}
	if c.SlowDelay < 0 {
		return fmt.Errorf("validate fault config: slow delay %v is negative", c.SlowDelay)
	}
	return nil
}

// Stats counts what an Injector did.
type Stats struct {
	// Candidates is the number of API requests (paths under /2020-05-31/)
	// the injector decided on.
	Candidates int64
	// Passed is the number of candidates passed through untouched.
	Passed int64
	// Faults counts faulted requests by kind.
	Faults map[Kind]int64
	// Other is the number of requests outside the API, always passed.
	Other int64
}

// Injected returns the total number of faulted requests.
func (s Stats) Injected() int64 {
	var n int64
	for _, v := range s.Faults {
		n += v
	}
	return n
}

// Injector is an http.Handler that injects faults in front of another.
type Injector struct {
	next      http.Handler
	rate      float64
	kinds     []Kind
	slowDelay time.Duration
	log       *slog.Logger
	sleep     func(context.Context, time.Duration) error

	mu    sync.Mutex
	rng   *mrand.Rand
	seq   int64
	stats Stats
}

// New returns an Injector that passes requests to next and faults API
// requests as cfg says.
func New(next http.Handler, cfg Config) *Injector {
	in := &Injector{
		next:      next,
		rate:      min(max(cfg.Rate, 0), 1),
		kinds:     cfg.Kinds,
		slowDelay: cfg.SlowDelay,
		log:       cfg.Logger,
		sleep:     cfg.Sleep,
		rng:       mrand.New(mrand.NewPCG(uint64(cfg.Seed), 0x63666976 /* "cfiv" */)),
		stats:     Stats{Faults: map[Kind]int64{}},
	}
	if cfg.Rate != cfg.Rate { // NaN
		in.rate = 0
	}
	if len(in.kinds) == 0 {
		in.kinds = AllKinds()
	}
	if in.slowDelay == 0 {
		in.slowDelay = DefaultSlowDelay
	}
	if in.log == nil {
		in.log = slog.New(slog.DiscardHandler)
	}
	if in.sleep == nil {
		in.sleep = sleepTimer
	}
	return in
}

func sleepTimer(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats returns a copy of the counts so far.
func (in *Injector) Stats() Stats {
	in.mu.Lock()
	defer in.mu.Unlock()
	s := in.stats
	s.Faults = make(map[Kind]int64, len(in.stats.Faults))
	for k, v := range in.stats.Faults {
		s.Faults[k] = v
	}
	return s
}

// isCandidate reports whether r is an API request: everything under the
// API version prefix.
func isCandidate(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/2020-05-31/")
}

// isCreateInvalidation reports whether r creates an invalidation, the only
// request KindLimit applies to.
func isCreateInvalidation(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), "/invalidation")
}

// decide draws the fault for the next candidate request. Two numbers are
// drawn for every candidate, so the decision for the n-th candidate depends
// only on the seed and n.
func (in *Injector) decide(r *http.Request) (seq int64, kind Kind) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.seq++
	in.stats.Candidates++
	seq = in.seq
	p := in.rng.Float64()
	pick := in.rng.Uint64()
	if p < in.rate {
		applicable := in.kinds
		if !isCreateInvalidation(r) {
			applicable = make([]Kind, 0, len(in.kinds))
			for _, k := range in.kinds {
				if k != KindLimit {
					applicable = append(applicable, k)
				}
			}
		}
		if len(applicable) > 0 {
			kind = applicable[pick%uint64(len(applicable))]
		}
	}
	if kind == "" {
		in.stats.Passed++
	} else {
		in.stats.Faults[kind]++
	}
	return seq, kind
}

// ServeHTTP implements http.Handler.
func (in *Injector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isCandidate(r) {
		in.mu.Lock()
		in.stats.Other++
		in.mu.Unlock()
		in.next.ServeHTTP(w, r)
		return
	}
	seq, kind := in.decide(r)
	switch kind {
	case "":
		in.next.ServeHTTP(w, r)
	case KindUnavailable:
		in.refuse(w, r, seq, kind, http.StatusServiceUnavailable, "Receiver", "ServiceUnavailable",
			"CloudFront encountered an internal error. Please try again.")
	case KindThrottle:
		in.refuse(w, r, seq, kind, http.StatusBadRequest, "Sender", "Throttling", "Rate exceeded")
	case KindLimit:
		in.refuse(w, r, seq, kind, http.StatusBadRequest, "Sender", "TooManyInvalidationsInProgress",
			"Processing your request will cause you to exceed the maximum number of in-progress invalidations.")
	case KindReset:
		in.log.Info("fault injected", "kind", string(kind), "method", r.Method, "path", r.URL.Path, "seq", seq, "acted", false)
		abort(w)
	case KindLostResponse:
		buf := &bufferedResponse{header: http.Header{}}
		in.next.ServeHTTP(buf, r)
		in.log.Info("fault injected", "kind", string(kind), "method", r.Method, "path", r.URL.Path, "seq", seq,
			"acted", true, "status", buf.statusCode(), "request_id", buf.header.Get("X-Amzn-Requestid"))
		abort(w)
	case KindSlow:
		// Read the body first, as a server that accepted the request
		// would: net/http notices a client hanging up (and cancels the
		// request's context) only once the body has been consumed.
		r.Body = prefetch(r.Body)
		err := in.sleep(r.Context(), in.slowDelay)
		clientGone := err != nil
		if clientGone {
			// The client gave up. Act anyway, as a real backend that
			// already accepted the request would.
			r = r.WithContext(context.WithoutCancel(r.Context()))
		}
		rec := &statusRecorder{ResponseWriter: w}
		in.next.ServeHTTP(rec, r)
		in.log.Info("fault injected", "kind", string(kind), "method", r.Method, "path", r.URL.Path, "seq", seq,
			"acted", true, "status", rec.statusCode(), "request_id", rec.Header().Get("X-Amzn-Requestid"),
			"delay", in.slowDelay, "client_gone", clientGone)
	}
}

// maxPrefetch bounds how much of a body KindSlow reads ahead.
const maxPrefetch = 8 << 20

// prefetch reads up to maxPrefetch bytes of body and returns a body that
// yields the same bytes.
func prefetch(body io.ReadCloser) io.ReadCloser {
	if body == nil || body == http.NoBody {
		return body
	}
	head, err := io.ReadAll(io.LimitReader(body, maxPrefetch))
	var rest io.Reader = body
	if err != nil {
		rest = errReader{err}
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), rest), body}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// refuse answers with a CloudFront error envelope without calling next.
func (in *Injector) refuse(w http.ResponseWriter, r *http.Request, seq int64, kind Kind, status int, typ, code, msg string) {
	id := newRequestID()
	in.log.Info("fault injected", "kind", string(kind), "method", r.Method, "path", r.URL.Path, "seq", seq,
		"acted", false, "status", status, "request_id", id)
	WriteError(w, status, typ, code, msg, id)
}

// abort closes the client's connection without a response. With HTTP/1 the
// connection is hijacked and closed; otherwise the handler aborts, which
// net/http turns into a closed connection or a reset stream.
func abort(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		conn, _, err := hj.Hijack()
		if err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// errorResponse is CloudFront's error envelope.
type errorResponse struct {
	XMLName   xml.Name `xml:"http://cloudfront.amazonaws.com/doc/2020-05-31/ ErrorResponse"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// WriteError writes a CloudFront XML error with status and request id, in the
// envelope CloudFront uses, with the x-amzn-RequestId header set.
func WriteError(w http.ResponseWriter, status int, typ, code, msg, requestID string) {
	body, err := xml.Marshal(errorResponse{Type: typ, Code: code, Message: msg, RequestID: requestID})
	if err != nil { // unreachable: every field is a string
		body = nil
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("Content-Length", fmt.Sprint(len(xml.Header)+len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

// newRequestID returns a random UUID (version 4), the shape of CloudFront's
// request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// bufferedResponse collects a response that will never be sent.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedResponse) statusCode() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

// statusRecorder passes a response through and remembers its status.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func (s *statusRecorder) statusCode() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
