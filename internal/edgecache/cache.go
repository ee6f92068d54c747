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
	tags         []string // as tagKey spells them (lower case)
	// hitBytes counts the hit header sets built so far; the cache's
	// mutex guards it.
	hitBytes int64
	// hit holds the plain-hit header sets, built on first use (hit.go).
	hit [hitCases]atomic.Pointer[hitHeaders]
	// hits counts the fresh hits served from o; the cache's mutex
	// guards it (Proxy.CacheEntries reads it).
	hits int64
}

// Bytes counted for what a cache entry holds besides the bytes of its
// strings and bodies: the structs, map slots, list element and index node
// of an entry, and of each of its variants. Issue 6: the budget counted a
// body and its headers only, so 4,000 cached 404s for distinct 60 KB
// paths kept 170 MB past a 1 MiB budget. Every byte an entry holds is
// counted now: its key, its variants' keys, bodies, headers, tags and
// prepared hit headers.
const (
	entryOverhead  = 256 // entry, map slots, LRU element, skip-list node
	objectOverhead = 512 // object and its variant's map slot
	fieldOverhead  = 48  // a header field's map slot and value slice
	valueOverhead  = 16  // a string header
)

// size is what o holds, in bytes, but for its hit headers (hitBytes).
func (o *object) size() int64 {
	n := int64(len(o.body)+len(o.gz)) + objectOverhead + headerBytes(o.header) + o.hitBytes
	for _, t := range o.tags {
		n += int64(len(t)) + entryOverhead // the tag's sets in distCache.tags
	}
	return n
}

// headerBytes is what h holds, in bytes.
func headerBytes(h http.Header) int64 {
	var n int64
	for k, vs := range h {
		n += int64(len(k)) + fieldOverhead
		for _, v := range vs {
			n += int64(len(v)) + valueOverhead
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
	counts  DistStats          // what Proxy.CacheEntries reports; c.mu guards it
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

// tagKey is how distCache.tags spells tag (given without its '#'): as
// cfpath.CanonicalTag spells the item "#"+tag, without the '#', so that a
// purge finds every spelling CloudFront counts as the same tag.
func tagKey(tag string) string {
	return cfpath.CanonicalTag("#" + tag)[1:]
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
		// A copy: key may share the memory of the request it came from.
		key = strings.Clone(key)
		e = &entry{dist: d, key: key, variants: make(map[string]*object, 1), size: entryOverhead + int64(len(key))}
		e.lru = c.lru.PushFront(e)
		d.entries[key] = e
		d.index.insert(key)
		c.bytes += e.size
	} else {
		c.lru.MoveToFront(e.lru)
	}
	if old := e.variants[variant]; old != nil {
		n := old.size() + int64(len(variant))
		e.size -= n
		c.bytes -= n
	} else {
		variant = strings.Clone(variant)
	}
	e.variants[variant] = o
	n := o.size() + int64(len(variant))
	e.size += n
	c.bytes += n
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

// grow accounts for bytes added to a cached object: its gzip variant
// (gz, which it sets) or a hit header set of hit bytes. The caller holds
// c.mu.
func (c *cache) grow(d *distCache, key string, o *object, gz []byte, hit int64) {
	e := d.entries[key]
	if e == nil || gz != nil && o.gz != nil {
		return
	}
	for _, v := range e.variants {
		if v == o {
			if gz != nil {
				o.gz = gz
			}
			o.hitBytes += hit
			n := int64(len(gz)) + hit
			e.size += n
			c.bytes += n
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
			for e := range d.tags[tagKey(it[1:])] {
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
