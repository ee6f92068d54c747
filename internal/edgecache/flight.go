package edgecache

import (
	"context"
	"errors"
	"net/http"
)

// flight is a running origin fetch that concurrent requests for the same
// cache key and variant wait on.
type flight struct {
	key  string
	done chan struct{}
	res  fetchResult
	// users counts the viewers answered from this fetch (the leader and
	// its followers) still writing; the last one to finish releases the
	// bytes the fetch reserved from the in-flight budget. The cache's
	// mutex guards it.
	users int
}

// leave is called by each viewer of f once it is done with f's object.
func (f *flight) leave(p *Proxy) {
	c := p.cache
	c.mu.Lock()
	f.users--
	last := f.users == 0
	c.mu.Unlock()
	if last {
		p.inflight.release(f.res.reserved)
	}
}

type fetchResult struct {
	obj      *object
	xcache   string // "Miss", "RefreshHit", "Error", or "Hit" for a stale object
	stored   bool   // obj is in the cache
	stale    bool   // obj is the expired cached object, served because the origin failed
	reserved int64  // bytes taken from the in-flight budget for the body
	err      error
	tooLarge bool           // the leader streams it; the others fetch on their own
	resp     *http.Response // for the leader when tooLarge
	prefix   []byte
}

func (rq *request) serve(w http.ResponseWriter, compress bool) {
	c := rq.p.cache
	now := rq.p.now()
	c.mu.Lock()
	dc := c.dist(rq.d.id)
	cached := c.lookup(dc, rq.key, rq.variant)
	if cached != nil && cached.fresh(now) {
		c.stats.Hits++
		dc.counts.Hits++
		cached.hits++
		c.mu.Unlock()
		if !rq.respondHit(w, cached, now, compress) {
			rq.respond(w, cached, "Hit", true, now, compress)
		}
		return
	}
	fk := rq.key + "\x00" + rq.variant
	if f := dc.flights[fk]; f != nil {
		f.users++
		c.mu.Unlock()
		defer f.leave(rq.p)
		if h := rq.p.testHookFlight; h != nil {
			h(false)
		}
		select {
		case <-f.done:
		case <-rq.r.Context().Done():
			return
		}
		if f.res.tooLarge {
			// Not cached, so not shared: this viewer streams its own
			// fetch, and gets the whole body (or its range).
			rq.streamOwn(w)
			return
		}
		rq.finish(w, f.res, compress)
		return
	}
	var stale, expired *object
	if cached != nil && cached.hasValidators() {
		stale = cached
	}
	if cached != nil && cached.status < 400 {
		expired = cached
	}
	f := &flight{key: rq.key, done: make(chan struct{}), users: 1}
	dc.flights[fk] = f
	start := dc.begin()
	c.mu.Unlock()
	defer f.leave(rq.p)
	if h := rq.p.testHookFlight; h != nil {
		h(true)
	}

	res := rq.fetch(stale)
	if h := rq.p.testHookFetched; h != nil {
		h()
	}

	c.mu.Lock()
	var tags []string
	if res.obj != nil {
		tags = res.obj.tags
	}
	purged := dc.end(start, rq.key, tags)
	if dc.flights[fk] == f {
		delete(dc.flights, fk)
	}
	if expired != nil && originFailed(res) && !purged && c.lookup(dc, rq.key, rq.variant) == expired {
		// CloudFront keeps serving an expired object while its origin
		// fails, until an invalidation removes it.
		rq.p.inflight.release(res.reserved)
		res = fetchResult{obj: expired, xcache: "Hit", stale: true}
		c.stats.StaleHits++
		dc.counts.Hits++
	}
	switch {
	case res.stale, res.obj == nil:
	case res.xcache == "RefreshHit":
		c.stats.RefreshHits++
		dc.counts.RefreshHits++
	default:
		c.stats.Misses++
		dc.counts.Misses++
	}
	if res.stored {
		if purged {
			res.stored = false
			c.stats.Discarded++
		} else {
			c.store(dc, rq.key, rq.variant, res.obj)
		}
	}
	c.mu.Unlock()
	f.res = res
	f.res.resp, f.res.prefix = nil, nil // only the leader streams
	close(f.done)
	if res.tooLarge {
		rq.stream(w, res.resp, res.prefix)
		return
	}
	rq.finish(w, res, compress)
}

func (rq *request) finish(w http.ResponseWriter, res fetchResult, compress bool) {
	if res.err != nil {
		status, msg := http.StatusBadGateway, msgNoOrigin
		if errors.Is(res.err, context.DeadlineExceeded) {
			status, msg = http.StatusGatewayTimeout, msgTimeout
		}
		if er, ok := rq.customError(status); ok {
			rq.serveErrorPage(w, er, status)
			return
		}
		rq.p.errorPage(w, rq.r, rq.cfID, status, msg)
		return
	}
	rq.respond(w, res.obj, res.xcache, res.stale, rq.p.now(), compress)
}

// originFailed reports whether a fetch found the origin unreachable or
// answering a server error.
func originFailed(res fetchResult) bool {
	return res.err != nil || res.obj != nil && res.obj.status >= 500
}
