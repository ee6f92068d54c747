package edgecache

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// A plain hit (a fresh cached 200 for a GET or HEAD without a range, a
// precondition or, when the behaviour has a CORS config, an Origin) gets
// the same headers every time but for X-Amz-Cf-Id and Age. respondHit
// sends them from a hitHeaders built once per cached object, response
// headers policy and compression case by the very code the other
// responses use (responseHeaders), so the two cannot drift apart: each
// header is one map assignment of a canonical key and a value slice shared
// by every hit on the object, instead of a canonicalisation and a new
// slice per header per request.

// hitHeaders is a plain hit's header set for one object.
type hitHeaders struct {
	policy *headersPolicy // the response headers policy it was built with
	fields []headerField
	cfID   bool // X-Amz-Cf-Id is the request's (a policy may have replaced or removed it)
	body   []byte
	oAge   int64 // the origin's Age
	age    atomic.Pointer[ageValue]
}

type headerField struct {
	key    string
	values []string // shared: read only, capacity clipped
}

// ageValue is an Age header value, kept while it stays current.
type ageValue struct {
	secs   int64
	values []string
}

// hitCases is the number of compression cases a hit's headers depend on:
// the behaviour does not compress, it does but the viewer does not accept
// gzip, or the viewer gets gzip.
const hitCases = 3

// cfIDPlaceholder marks X-Amz-Cf-Id while a hitHeaders is built.
const cfIDPlaceholder = "\x00cf-id"

// respondHit sends the fresh cached object o as a plain hit and reports
// true, or sends nothing and reports false when the request is not a
// plain hit (respond then serves it).
func (rq *request) respondHit(w http.ResponseWriter, o *object, now time.Time, compress bool) bool {
	r := rq.r
	if rq.errPage || o.status != http.StatusOK || !rq.plainRequest() {
		return false
	}
	hh := rq.hitHeaders(o, compress)
	h := w.Header()
	for _, f := range hh.fields {
		h[f.key] = f.values
	}
	if hh.cfID {
		h["X-Amz-Cf-Id"] = []string{rq.cfID}
	}
	h["Age"] = hh.ageAt(o, now)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		rq.p.writeBody(w, hh.body)
	}
	return true
}

// plainRequest reports whether the request may be answered as a plain
// hit: no range, no precondition and, when the behaviour has a CORS
// config, no Origin.
func (rq *request) plainRequest() bool {
	return !conditionalOrRange(rq.r) && !(rq.headers != nil && rq.headers.cors != nil && rq.r.Header.Get("Origin") != "")
}

// buildHit builds o's plain-hit headers for compression case c.
func (rq *request) buildHit(o *object, c int) *hitHeaders {
	h := http.Header{}
	body := rq.responseHeaders(h, o, "Hit", cfIDPlaceholder, http.StatusOK, true, c > 0 && compressible(o), c == 2)
	hh := &hitHeaders{policy: rq.headers, body: body, oAge: originAge(o)}
	if v := h["X-Amz-Cf-Id"]; len(v) == 1 && v[0] == cfIDPlaceholder {
		hh.cfID = true
		delete(h, "X-Amz-Cf-Id")
	}
	delete(h, "Age") // every hit sets its own
	hh.fields = make([]headerField, 0, len(h))
	for k, v := range h {
		if v != nil {
			v = v[:len(v):len(v)]
		}
		hh.fields = append(hh.fields, headerField{k, v})
	}
	return hh
}

// bytes is what hh holds besides the body it shares with its object.
func (hh *hitHeaders) bytes() int64 {
	n := int64(objectOverhead)
	for _, f := range hh.fields {
		n += int64(len(f.key)) + fieldOverhead
		for _, v := range f.values {
			n += int64(len(v)) + valueOverhead
		}
	}
	return n
}

// ageAt returns the Age header value of o served at now.
func (hh *hitHeaders) ageAt(o *object, now time.Time) []string {
	secs := hitAge(o, hh.oAge, now)
	if a := hh.age.Load(); a != nil && a.secs == secs {
		return a.values
	}
	a := &ageValue{secs: secs, values: []string{strconv.FormatInt(secs, 10)}}
	hh.age.Store(a)
	return a.values
}
