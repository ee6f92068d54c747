package edgecache

import (
	"container/list"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cfinv/cfinv/cfpath"
)

// object is one cached response: one variant of one cache key.
type object struct {
	status       int
	header       http.Header // origin headers, hop-by-hop fields removed
	body         []byte
	gz           []byte // gzip of body, built on first demand; nil until then
	stored       time.Time
	expires      time.Time
	etag         string
	lastModified string
	tags         []string // lower-case
	// hit holds the plain-hit header sets, built on first use (hit.go).
	hit [hitCases]atomic.Pointer[hitHeaders]
}

func (o *object) size() int64 {
	n := int64(len(o.body)+len(o.gz)) + 256
	for k, vs := range o.header {
		n += int64(len(k))
		for _, v := range vs {
			n += int64(len(v))
		}
	}
	return n
}

func (o *object) fresh(now time.Time) bool { return now.Before(o.expires) }

func (o *object) hasValidators() bool { return o.etag != "" || o.lastModified != "" }

// entry holds every variant of one cache key ("/path" or "/path?query") of
// one distribution; it is the unit of purge and of LRU eviction.
type entry struct {
	dist     *distCache
	key      string
	variants map[string]*object
	tags     map[string]struct{}
	size     int64
	lru      *list.Element
}

// purgeRecord remembers a purge while fetches that started before it are
// still running, so that they do not store what it removed.
type purgeRecord struct {
	seq   uint64
	items []string
}

// distCache is the cache of one distribution.
type distCache struct {
	id      string
	entries map[string]*entry
	index   *keyIndex
	tags    map[string]map[*entry]struct{}
	seq     uint64             // purges so far
	purges  []purgeRecord      // purges newer than the oldest running fetch
	running map[uint64]int     // running fetches by the seq they started at
	flights map[string]*flight // running fetches, by flight key
}

// cache is the store shared by every distribution: one mutex, one LRU list
// and one byte budget.
type cache struct {
	mu       sync.Mutex
	dists    map[string]*distCache
	lru      *list.List // of *entry, most recent at the front
	bytes    int64
	maxBytes int64
	stats    Stats
}

func newCache(maxBytes int64) *cache {
	return &cache{dists: map[string]*distCache{}, lru: list.New(), maxBytes: maxBytes}
}

func (c *cache) dist(id string) *distCache {
	d := c.dists[id]
	if d == nil {
		d = &distCache{
			id: id, entries: map[string]*entry{}, index: newKeyIndex(),
			tags: map[string]map[*entry]struct{}{}, running: map[uint64]int{}, flights: map[string]*flight{},
		}
		c.dists[id] = d
	}
	return d
}

// lookup returns the cached variant, or nil. The caller holds c.mu.
func (c *cache) lookup(d *distCache, key, variant string) *object {
	e := d.entries[key]
	if e == nil {
		return nil
	}
	o := e.variants[variant]
	if o != nil {
		c.lru.MoveToFront(e.lru)
	}
	return o
}

// begin registers a fetch that starts now and returns the purge sequence
// number it must later be checked against. The caller holds c.mu.
func (d *distCache) begin() uint64 {
	d.running[d.seq]++
	return d.seq
}

// end unregisters a fetch begun at start and reports whether a purge since
// then covers key or one of tags, in which case the fetched response must
// not be stored. The caller holds c.mu.
func (d *distCache) end(start uint64, key string, tags []string) (purged bool) {
	for _, p := range d.purges {
		if p.seq > start && itemsMatch(p.items, key, tags) {
			purged = true
			break
		}
	}
	if d.running[start]--; d.running[start] <= 0 {
		delete(d.running, start)
	}
	// Forget purges that no running fetch predates.
	if len(d.running) == 0 {
		d.purges = nil
	} else {
		oldest := ^uint64(0)
		for s := range d.running {
			oldest = min(oldest, s)
		}
		i := 0
		for i < len(d.purges) && d.purges[i].seq <= oldest {
			i++
		}
		d.purges = d.purges[i:]
	}
	return purged
}

func itemsMatch(items []string, key string, tags []string) bool {
	for _, it := range items {
		if cfpath.KindOf(it) == cfpath.KindTag {
			for _, t := range tags {
				if cfpath.TagEqual(it, t) {
					return true
				}
			}
			continue
		}
		if cfpath.Match(it, key) {
			return true
		}
	}
	return false
}

// store puts o in the cache as the variant of key, then evicts least
// recently used entries until the cache fits its budget. The caller holds
// c.mu.
func (c *cache) store(d *distCache, key, variant string, o *object) {
	e := d.entries[key]
	if e == nil {
		e = &entry{dist: d, key: key, variants: make(map[string]*object, 1)}
		e.lru = c.lru.PushFront(e)
		d.entries[key] = e
		d.index.insert(key)
	} else {
		c.lru.MoveToFront(e.lru)
	}
	if old := e.variants[variant]; old != nil {
		e.size -= old.size()
		c.bytes -= old.size()
	}
	e.variants[variant] = o
	e.size += o.size()
	c.bytes += o.size()
	for _, t := range o.tags {
		if _, ok := e.tags[t]; !ok {
			if e.tags == nil {
				e.tags = map[string]struct{}{}
			}
			e.tags[t] = struct{}{}
			set := d.tags[t]
			if set == nil {
				set = map[*entry]struct{}{}
				d.tags[t] = set
			}
			set[e] = struct{}{}
		}
	}
	c.stats.Stored++
	c.evict()
}

// grow accounts for bytes added to a cached object (its gzip variant). The
// caller holds c.mu.
func (c *cache) grow(d *distCache, key string, o *object, gz []byte) {
	e := d.entries[key]
	if e == nil || o.gz != nil {
		return
	}
	for _, v := range e.variants {
		if v == o {
			o.gz = gz
			e.size += int64(len(gz))
			c.bytes += int64(len(gz))
			c.evict()
			return
		}
	}
}

func (c *cache) evict() {
	for c.bytes > c.maxBytes && c.lru.Len() > 0 {
		e := c.lru.Back().Value.(*entry)
		c.remove(e)
		c.stats.Evicted++
	}
}

// remove drops e with all its variants. The caller holds c.mu.
func (c *cache) remove(e *entry) {
	if e.dist.entries[e.key] != e {
		return
	}
	e.dist.index.remove(e.key)
	c.unlink(e)
}

// unlink removes e from everything but the key index: its entry, its tags
// and the LRU. The caller has removed (or is removing) e.key from the index.
func (c *cache) unlink(e *entry) {
	d := e.dist
	if d.entries[e.key] != e {
		return
	}
	delete(d.entries, e.key)
	for t := range e.tags {
		if set := d.tags[t]; set != nil {
			delete(set, e)
			if len(set) == 0 {
				delete(d.tags, t)
			}
		}
	}
	c.lru.Remove(e.lru)
	c.bytes -= e.size
}

// purge removes what items cover from distribution id, detaches running
// fetches they may cover so that no later request joins them, and records
// the purge for the fetches still running. It returns how many cache
// keys it removed.
func (c *cache) purge(id string, items []string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.dists[id]
	if d == nil {
		// No fetch was ever started for this distribution, so nothing
		// cached or in flight predates this purge.
		return 0
	}
	d.seq++
	if len(d.running) > 0 {
		d.purges = append(d.purges, purgeRecord{seq: d.seq, items: items})
	}
	removed := 0
	for _, it := range items {
		switch cfpath.KindOf(it) {
		case cfpath.KindTag:
			t := strings.ToLower(strings.TrimPrefix(it, "#"))
			for e := range d.tags[t] {
				c.remove(e)
				removed++
			}
		case cfpath.KindWildcard:
			for _, k := range d.index.removePrefix(strings.TrimSuffix(it, "*")) {
				c.unlink(d.entries[k])
				removed++
			}
		default:
			if e := d.entries[it]; e != nil {
				c.remove(e)
				removed++
			}
		}
	}
	// A running fetch's tags are unknown until its response arrives, so a
	// tag purge detaches every running fetch of the distribution.
	for fk, f := range d.flights {
		if itemsMatch(items, f.key, nil) || hasTag(items) {
			delete(d.flights, fk)
		}
	}
	c.stats.Purged += int64(removed)
	return removed
}

func hasTag(items []string) bool {
	for _, it := range items {
		if cfpath.KindOf(it) == cfpath.KindTag {
			return true
		}
	}
	return false
}

// Stats counts what the cache did since the Proxy started.
type Stats struct {
	Objects     int   // cache keys held now (each with its variants)
	Bytes       int64 // bytes held now, estimated
	Hits        int64 // responses served from a fresh cached object
	RefreshHits int64 // stale objects revalidated by the origin with 304
	StaleHits   int64 // expired objects served because the origin failed (5xx or unreachable)
	Misses      int64 // responses fetched from the origin
	Stored      int64 // objects stored
	Evicted     int64 // cache keys evicted to stay within MaxBytes
	Purged      int64 // cache keys removed by Purge
	Discarded   int64 // fetched responses not stored because a purge ran during the fetch
}
