package edgecache

import (
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Kinds of Event.
const (
	EventRequest = "request"
	EventPurge   = "purge"
)

// Event is one viewer request or purge, as Proxy.Observe receives it.
type Event struct {
	Kind         string    `json:"kind"` // EventRequest or EventPurge
	Time         time.Time `json:"time"`
	Distribution string    `json:"distribution,omitempty"` // "" for a request no distribution served
	// A request's host, method, path and X-Cache value (without " from
	// cloudfront"; "" when it was refused before the cache).
	Host   string `json:"host,omitempty"`
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	XCache string `json:"xcache,omitempty"`
	// A purge's items and the cache keys it removed.
	Items   []string `json:"items,omitempty"`
	Removed int      `json:"removed,omitempty"`
}

// observe reports the request r, answered on w, to p.Observe.
func (p *Proxy) observe(w http.ResponseWriter, r *http.Request) {
	ev := Event{Kind: EventRequest, Time: p.now(), Host: r.Host, Method: r.Method, Path: r.URL.Path,
		XCache: strings.TrimSuffix(w.Header().Get("X-Cache"), " from cloudfront")}
	if t := p.hosts.Load(); t != nil {
		host := strings.ToLower(r.Host)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if d := t.exact[host]; d != nil {
			ev.Distribution = d.id
		}
	}
	p.Observe(ev)
}

// DistStats counts what the cache did for one distribution since the Proxy
// started.
type DistStats struct {
	Hits        int64 `json:"hits"`        // fresh (and stale-if-error) hits
	Misses      int64 `json:"misses"`      // fetched from the origin
	RefreshHits int64 `json:"refreshHits"` // revalidated by the origin with 304
}

// HitRatio is (Hits+RefreshHits) over every answer counted, or 0 before
// the first.
func (s DistStats) HitRatio() float64 {
	n := s.Hits + s.Misses + s.RefreshHits
	if n == 0 {
		return 0
	}
	return float64(s.Hits+s.RefreshHits) / float64(n)
}

// CacheEntry describes one cached key of a distribution.
type CacheEntry struct {
	Key      string        `json:"key"` // "/path" or "/path?query"
	Variants int           `json:"variants"`
	Bytes    int64         `json:"bytes"` // as the cache budget counts them
	Age      time.Duration `json:"age"`   // since its newest variant was stored
	TTLLeft  time.Duration `json:"ttlLeft"`
	Hits     int64         `json:"hits"` // fresh hits of all its variants
}

// CacheEntries returns, read-only, up to max of distribution id's cached
// keys in key order starting after the key after (""; from the first),
// whether more follow, and the distribution's counters. It holds the
// cache's lock for one pass over the distribution's keys.
func (p *Proxy) CacheEntries(id, after string, max int) (entries []CacheEntry, more bool, stats DistStats) {
	p.init()
	now := p.now()
	c := p.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.dists[id]
	if d == nil {
		return nil, false, DistStats{}
	}
	keys := make([]string, 0, len(d.entries))
	for k := range d.entries {
		if k > after {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > max {
		keys, more = keys[:max], true
	}
	for _, k := range keys {
		e := d.entries[k]
		ce := CacheEntry{Key: k, Variants: len(e.variants), Bytes: e.size}
		var stored, expires time.Time
		for _, o := range e.variants {
			ce.Hits += o.hits
			if o.stored.After(stored) {
				stored = o.stored
			}
			if o.expires.After(expires) {
				expires = o.expires
			}
		}
		ce.Age = max0(now.Sub(stored))
		ce.TTLLeft = max0(expires.Sub(now))
		entries = append(entries, ce)
	}
	return entries, more, d.counts
}

func max0(d time.Duration) time.Duration { return max(d, 0) }
