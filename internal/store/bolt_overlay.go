package store

import (
	"slices"
	"sync"
	"time"
)

// The overlay holds the invalidations that are in the create log but not
// yet in the bbolt file (bolt_log.go). The commit loop adds a group once
// its log write is on disk; a checkpoint removes everything only after its
// bbolt transaction has committed. So a reader that looks at the overlay
// first and then opens a bbolt read transaction misses nothing: whatever
// left the overlay before it looked was already committed. It may see an
// invalidation in both places, and keeps the bbolt copy: per distribution,
// overlay entries at or below the bbolt file's last sequence number are
// already there (a checkpoint moves all of them in one transaction).
type overlay struct {
	mu    sync.RWMutex
	dists map[string]*overlayDist
	n     int // entries in all distributions
}

// overlayDist is one distribution's entries, in sequence order.
type overlayDist struct {
	invs  []*overlayInv
	byID  map[string]*overlayInv
	byRef map[string]*overlayInv
	// running holds the entries not yet seen completed by the commit
	// loop (see runningOf), in sequence order.
	running []*Invalidation
}

// overlayInv is one logged invalidation: the record, never modified once
// added, its JSON as it goes into ids/, its log record's LSN, and the
// clock of the create (zero when replayed from the log), which the
// checkpoint prunes the running index by.
type overlayInv struct {
	inv  *Invalidation
	json []byte
	lsn  uint64
	now  time.Time
}

func newOverlay() *overlay { return &overlay{dists: map[string]*overlayDist{}} }

// add publishes entries the log now holds.
func (o *overlay) add(entries []*overlayInv) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range entries {
		d := o.dists[e.inv.DistributionID]
		if d == nil {
			d = &overlayDist{byID: map[string]*overlayInv{}, byRef: map[string]*overlayInv{}}
			o.dists[e.inv.DistributionID] = d
		}
		d.invs = append(d.invs, e)
		d.running = append(d.running, e.inv)
		d.byID[e.inv.ID] = e
		d.byRef[e.inv.CallerReference] = e
	}
	o.n += len(entries)
}

// all returns every entry, each distribution's in sequence order, for a
// checkpoint. Only the commit loop's side (holding Bolt.writeMu) calls it,
// so the overlay cannot change under it.
func (o *overlay) all() []*overlayInv {
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := make([]*overlayInv, 0, o.n)
	for _, d := range o.dists {
		out = append(out, d.invs...)
	}
	return out
}

// clear drops every entry, once a checkpoint has committed them.
func (o *overlay) clear() {
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.dists)
	o.n = 0
}

func (o *overlay) len() int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.n
}

// byID returns distID's entry id, or nil.
func (o *overlay) byID(distID, id string) *overlayInv {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if d := o.dists[distID]; d != nil {
		return d.byID[id]
	}
	return nil
}

// byRef returns distID's entry with CallerReference ref, or nil.
func (o *overlay) byRef(distID, ref string) *overlayInv {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if d := o.dists[distID]; d != nil {
		return d.byRef[ref]
	}
	return nil
}

// runningOf returns distID's entries in progress at now, in sequence
// order, and forgets the ones completed by then, as the file's running
// index is pruned. Only the commit loop calls it, so it costs the loop the
// running entries, not all of them.
func (o *overlay) runningOf(distID string, now time.Time) []*Invalidation {
	o.mu.Lock()
	defer o.mu.Unlock()
	d := o.dists[distID]
	if d == nil {
		return nil
	}
	d.running = slices.DeleteFunc(d.running, func(inv *Invalidation) bool { return !inv.InProgressAt(now) })
	return slices.Clone(d.running)
}

// lastSeq returns the sequence number of distID's newest entry, 0 when it
// has none.
func (o *overlay) lastSeq(distID string) uint64 {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if d := o.dists[distID]; d != nil && len(d.invs) > 0 {
		return d.invs[len(d.invs)-1].inv.Seq
	}
	return 0
}

// snapshot returns distID's entries in sequence order; the slice is the
// caller's.
func (o *overlay) snapshot(distID string) []*overlayInv {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if d := o.dists[distID]; d != nil {
		return append([]*overlayInv(nil), d.invs...)
	}
	return nil
}

// after returns the entries of a snapshot with a sequence number above
// last, the bbolt file's last one for the distribution: the ones it does
// not hold yet.
func after(entries []*overlayInv, last uint64) []*overlayInv {
	for i, e := range entries {
		if e.inv.Seq > last {
			return entries[i:]
		}
	}
	return nil
}

// inProgress returns the entries still running at now, in sequence order.
func inProgress(entries []*overlayInv, now time.Time) []*Invalidation {
	var out []*Invalidation
	for _, e := range entries {
		if e.inv.InProgressAt(now) {
			out = append(out, e.inv)
		}
	}
	return out
}
