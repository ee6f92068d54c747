// Package emulator serves a local, CloudFront-compatible REST-XML API
// (version 2020-05-31): distributions and invalidations, kept in a
// store.Store, with CloudFront's validation, limits, CallerReference
// semantics, error envelope and status codes. Invalidations start
// InProgress and are Completed once Options.CompletionDelay has passed on
// the injected clock; their items are purged from a cache through Purger
// before CreateInvalidation answers.
//
// Supported and unsupported operations are listed in docs/emulator.md.
package emulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cfinv/cfinv/internal/store"
)

// DefaultMaxBodyBytes is the largest request body accepted when
// Options.MaxBodyBytes is zero: 1 MiB, enough for a full 3,000-path batch of
// paths averaging over 300 bytes, and for any realistic DistributionConfig.
const DefaultMaxBodyBytes = 1 << 20

// DefaultAccountID is the account used in ARNs when Options.AccountID is
// empty.
const DefaultAccountID = "123456789012"

// Options configure a Server. Only Store is required.
type Options struct {
	// Store holds distributions and invalidations.
	Store store.Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// CompletionDelay is the time from creation until an invalidation
	// reads Completed and a distribution reads Deployed. Zero is allowed.
	CompletionDelay time.Duration
	// Auth checks each request's signature; nil accepts unsigned requests
	// (for tests only).
	Auth Authenticator
	// Purger applies invalidations to a cache; nil means nothing to purge.
	Purger Purger
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
	// AccountID is used in ARNs; empty means DefaultAccountID.
	AccountID string
	// StrictRegion is not read by the Server; serve passes it to the
	// Authenticator it builds.
	StrictRegion bool
	// MaxBodyBytes is the largest request body accepted; larger bodies
	// are refused with 413 without being read. Zero means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// KVSAuth checks the signatures of the KeyValueStore data plane
	// (SigV4A, kvsdata.go); nil accepts unsigned requests (tests only).
	KVSAuth Authenticator
	// ImportObject reads bucket/key of the local S3 (at most max+1
	// bytes) for CreateKeyValueStore's ImportSource (nil answers such a
	// request UnsupportedOperation) and for a trust store's CA
	// certificates bundle (nil: the bundle is not read).
	ImportObject func(bucket, key string, max int64) ([]byte, error)
}

// Authenticator checks a request's signature; body is the full request
// body already read. An error that implements
// interface{ ErrorCode() string; HTTPStatus() int } is answered with that
// code and status; any other error with 403 AccessDenied.
type Authenticator interface {
	Authenticate(r *http.Request, body []byte) error
}

// Purger applies an invalidation to a cache; Purge returns once the purge
// has been applied. The Server calls it while it holds the store's write
// transaction, so Purge must not call back into the Server.
type Purger interface {
	Purge(ctx context.Context, distributionID string, items []string) error
}

// Server is the emulated CloudFront API. Create it with New.
type Server struct {
	store     store.Store
	names     *nameStore // store, with the index checkCNAMEs reads
	now       func() time.Time
	delay     time.Duration
	auth      Authenticator
	purger    Purger
	log       *slog.Logger
	accountID string
	maxBody   int64
	mux       *http.ServeMux
	// KeyValueStore (kvs.go, kvsdata.go).
	kvsAuth          Authenticator
	importObject     func(bucket, key string, max int64) ([]byte, error)
	kvsCache         kvsCache
	kvsWriteMu       sync.Mutex // held by writes of keys and store deletes
	kvsCreateMu      sync.Mutex // held by CreateKeyValueStore's count and create
	functionCreateMu sync.Mutex // held by CreateFunction's count and create
	// connectionFunctionCreateMu is held by CreateConnectionFunction's
	// count and create.
	connectionFunctionCreateMu sync.Mutex

	// writeMu is held by every control-plane write (writes(op)) from
	// before its checks to after its last store write, so a check that
	// reads other records — where an alias is, whether a policy exists,
	// whether a function is in use — agrees with the write it guards:
	// moves of one alias, or a reference added while its target is
	// deleted, are serialised instead of interleaved. Invalidations and
	// the key value store data plane do not take it.
	writeMu sync.Mutex

	// migrateMu guards migrated: whether tenant invalidations stored the
	// old way have been moved into the store's sets (tenants.go).
	migrateMu sync.Mutex
	migrated  bool
}

// New returns a Server for opts. It panics if opts.Store is nil.
func New(opts Options) *Server {
	if opts.Store == nil {
		panic("emulator: Options.Store is nil")
	}
	names := &nameStore{Store: opts.Store}
	s := &Server{
		store:     names,
		names:     names,
		now:       opts.Now,
		delay:     opts.CompletionDelay,
		auth:      opts.Auth,
		purger:    opts.Purger,
		log:       opts.Logger,
		accountID: opts.AccountID,
		maxBody:   opts.MaxBodyBytes,

		kvsAuth:      opts.KVSAuth,
		importObject: opts.ImportObject,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.accountID == "" {
		s.accountID = DefaultAccountID
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	s.mux = http.NewServeMux()
	s.routes()
	return s
}

// Handler returns the HTTP handler serving the API.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// recorder remembers what was answered, for the log line and for the panic
// handler.
type recorder struct {
	http.ResponseWriter
	status int
	code   string
	detail string
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

type bodyKey struct{}

// requestBody returns the body serveHTTP read before routing.
func requestBody(r *http.Request) []byte {
	b, _ := r.Context().Value(bodyKey{}).([]byte)
	return b
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := newRequestID()
	w.Header().Set("x-amzn-RequestId", id)
	rec := &recorder{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path,
				"request_id", id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec.status == 0 {
				s.writeError(rec, r, errorf("InternalFailure", "The server encountered an internal error. Please try again."))
			}
		}
		if !s.log.Enabled(r.Context(), slog.LevelInfo) {
			return
		}
		attrs := [7]slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.String("code", rec.code),
			slog.Duration("duration", time.Since(start)), slog.String("request_id", id)}
		n := 6
		if rec.detail != "" {
			attrs[n] = slog.String("detail", rec.detail)
			n++
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs[:n]...)
	}()

	if strings.HasPrefix(r.URL.Path, KVSPathPrefix) {
		s.serveKVS(rec, r)
		return
	}
	body, err := s.readBody(rec, r)
	if err != nil {
		s.writeError(rec, r, err)
		return
	}
	if s.auth != nil {
		if err := s.auth.Authenticate(r, body); err != nil {
			s.writeError(rec, r, authError(err))
			return
		}
	}
	op := operationOf(r)
	if err := unimplementedOp(op, r); err != nil {
		s.writeError(rec, r, err)
		return
	}
	if err := checkRequestIDs(r); err != nil {
		s.writeError(rec, r, err)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
	if writes(op) {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	s.mux.ServeHTTP(rec, r)
}

// writes reports whether the API operation op changes the account's
// configuration, and so is run under writeMu: every Create, Update,
// Delete, Associate, Disassociate, Copy, Publish, Put, Tag and Untag
// operation except the invalidations', which check nothing across
// records and keep their group commit (the store's create log). An
// unknown request ("") is not one: it is answered with an error.
func writes(op string) bool {
	switch op {
	case "", "CreateInvalidation", "CreateInvalidationForDistributionTenant":
		return false
	}
	for _, p := range []string{"Create", "Update", "Delete", "Associate", "Disassociate", "Copy", "Publish", "Put", "Tag", "Untag"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// readBody reads the whole body, refusing one over maxBody without reading
// it all: a declared Content-Length is checked first, and the read is
// capped for chunked bodies.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	tooLarge := func() *apiError {
		// Do not let the server drain a huge body to reuse the connection.
		w.Header().Set("Connection", "close")
		code := "RequestEntityTooLarge"
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/invalidation") {
			code = "BatchTooLarge"
		}
		return errorf(code, "The request body is larger than the limit of %d bytes.", s.maxBody)
	}
	if r.ContentLength > s.maxBody {
		return nil, tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge()
		}
		return nil, errorf("InvalidArgument", "The request body could not be read: %v", err)
	}
	return body, nil
}

// authError maps an Authenticator error to the answer.
func authError(err error) *apiError {
	var coded interface {
		ErrorCode() string
		HTTPStatus() int
	}
	if errors.As(err, &coded) {
		// The XML envelope carries the code on its own; the message is
		// the text after it, as CloudFront sends it.
		msg := strings.TrimPrefix(err.Error(), coded.ErrorCode()+": ")
		return &apiError{Code: coded.ErrorCode(), Message: msg, Status: coded.HTTPStatus()}
	}
	return errorf("AccessDenied", "Access denied: %v", err)
}

// xmlWriter is a buffer and an XML encoder writing to it, reused across
// responses: an encoder allocates a 4 KiB write buffer of its own.
type xmlWriter struct {
	buf bytes.Buffer
	enc *xml.Encoder
}

var xmlWriters = sync.Pool{New: func() any {
	x := &xmlWriter{}
	x.enc = xml.NewEncoder(&x.buf)
	return x
}}

// writeXML encodes v and sends it with status.
func (s *Server) writeXML(w http.ResponseWriter, r *http.Request, status int, v any) {
	x := xmlWriters.Get().(*xmlWriter)
	x.buf.Reset()
	x.buf.WriteString(xml.Header)
	if err := x.enc.Encode(v); err != nil {
		// An encoder that failed half-way may hold open elements: not
		// reused.
		s.writeError(w, r, errorf("InternalFailure", "encode response: %v", err))
		return
	}
	s.writeRaw(w, status, "text/xml", x.buf.Bytes())
	if x.buf.Cap() <= 64<<10 {
		xmlWriters.Put(x)
	}
}

// writeRaw sends body with status and contentType: "text/xml" for the
// API's documents, the media type of the body otherwise (a function's
// code is "application/octet-stream").
func (s *Server) writeRaw(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError answers err in CloudFront's ErrorResponse envelope. Errors that
// are not *apiError come from the store: a key it refused
// (store.ErrInvalidKey) is the client's, 400 InvalidArgument; anything else
// is answered 503 ServiceUnavailable, as a retry may succeed, naming the
// system error under it when there is one (a full disk: cfinv issue 24
// item 5), without the file's path.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) && errors.Is(err, store.ErrInvalidKey) {
		ae = storeKeyError(err)
	}
	if ae == nil {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = errorf("ServiceUnavailable", "CloudFront encountered an internal error. Please try again.")
		var errno syscall.Errno
		if errors.As(err, &errno) {
			ae.Message += " (the emulator could not store its state: " + errno.Error() + ")"
		}
	}
	if rec, ok := w.(*recorder); ok {
		rec.code = ae.Code
		rec.detail = ae.Detail
	}
	resp := xmlErrorResponse{
		Error:     xmlError{Type: errorType(ae.Status), Code: ae.Code, Message: ae.Message},
		RequestID: w.Header().Get("x-amzn-RequestId"),
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	// Encoding three strings into a buffer cannot fail.
	_ = xml.NewEncoder(&b).Encode(resp)
	s.writeRaw(w, ae.Status, "text/xml", b.Bytes())
}

// newRequestID returns a random (version 4) UUID.
func newRequestID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

// newID returns prefix followed by n random characters from alphabet.
func newID(prefix string, n int, alphabet string) string {
	out := make([]byte, 0, len(prefix)+n)
	out = append(out, prefix...)
	var buf [64]byte
	for len(out) < len(prefix)+n {
		_, _ = rand.Read(buf[:])
		for _, c := range buf {
			// Reject the top of the byte range so every character is
			// equally likely.
			if int(c) < 256-256%len(alphabet) && len(out) < len(prefix)+n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// idGenerator makes invalidation IDs that sort in the order they were
// made: "I" and 13 base-36 digits (0-9 before A-Z, as in ASCII) of a
// number whose high bits are the Unix time in milliseconds and whose low
// idCounterBits count within the millisecond from a random start. They
// look like CloudFront's (which clients treat as opaque) and they keep a
// burst of creates on the last pages of the store's ID index instead of one
// random page each: half the pages written per create (cfinv issue 16).
// The random start keeps IDs made after a restart with a clock that went
// back from repeating earlier ones; a repeat would be refused by the store
// and the create retried with the next ID.
type idGenerator struct {
	mu   sync.Mutex
	last uint64
}

const idCounterBits = 20

var invalidationIDs idGenerator

// next returns the next ID at the time now.
func (g *idGenerator) next(now time.Time) string {
	var r [3]byte // 19 random bits of the counter's start
	_, _ = rand.Read(r[:])
	start := uint64(now.UnixMilli())<<idCounterBits | uint64(r[0])<<11 | uint64(r[1])<<3 | uint64(r[2]&7)
	g.mu.Lock()
	v := max(start, g.last+1)
	g.last = v
	g.mu.Unlock()
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := [14]byte{'I'}
	for i := len(b) - 1; i > 0; i-- {
		b[i] = digits[v%36]
		v /= 36
	}
	return string(b[:])
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
)

func newDistributionID() string { return newID("E", 13, upperAlnum) }
func newInvalidationID() string { return invalidationIDs.next(time.Now()) }
func newETag() string           { return newID("E", 13, upperAlnum) }
func newDomainName() string     { return newID("d", 13, lowerAlnum) + ".cloudfront.net" }
func (s *Server) arn(id string) string {
	return "arn:aws:cloudfront::" + s.accountID + ":distribution/" + id
}

// location returns the full URI of path on the host the client used.
func location(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}
