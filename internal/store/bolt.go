package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bolt is a Store in a bbolt file and its create log. Every change is
// fsync'd before it is acknowledged, so a write acknowledged by a nil error
// survives a crash or a kill -9 of the process: changes other than
// CreateInvalidation are bbolt read-write transactions, which bbolt fsyncs
// (its NoSync option is left false); concurrent CreateInvalidation calls
// share one append to the create log and one fdatasync (group commit,
// bolt_commit.go, bolt_log.go), each still answered only after it.
//
// Layout (bucket names are part of the file format):
//
//	distributions/          ID -> JSON Distribution
//	distribution-order/     8-byte big-endian Seq -> ID
//	distribution-refs/      CallerReference -> ID
//	invalidations/<distID>/ one bucket per distribution holding
//	    ids/                ID -> JSON Invalidation
//	    order/              8-byte big-endian Seq -> ID
//	    refs/               CallerReference -> ID
//	    running/            ID -> 8-byte big-endian CompleteAt (Unix ns)
//	invalidation-owners/    ID -> empty: the sets under invalidations/
//	                        that belong to no distribution
//	                        (CreateInvalidationSet; made by the first)
//	resources/<kind>/       origin access controls, policies, keys (see
//	                        bolt_resource.go)
//	create-log/applied      8-byte big-endian LSN of the last create-log
//	                        record moved into the file (bolt_log.go)
//
// running/ is the in-progress index: it holds only invalidations whose
// deadline had not passed when last looked at, and checkpoints prune it,
// so admission and counting never scan completed invalidations.
//
// New invalidations first go to the create log, a file beside this one
// (path + "-log"), and are moved into it in batches; see bolt_log.go.
type Bolt struct {
	db *bolt.DB

	// writeMu orders the commit loop's groups and checkpoints with every
	// other read-write transaction, each of which first applies the
	// overlay (bolt_log.go).
	writeMu sync.Mutex
	log     *createLog
	ov      *overlay
	// seqs caches each distribution's last assigned invalidation
	// sequence number (writeMu); read-write transactions empty it.
	seqs map[string]uint64
	// checkpoints: when to move the overlay into the file.
	checkpoints

	// The commit loop (bolt_commit.go).
	ops       chan *createOp
	quit      chan struct{}
	loopDone  chan struct{}
	closeOnce sync.Once
	closeErr  error
}

var _ Store = (*Bolt)(nil)

var (
	bktDists     = []byte("distributions")
	bktDistOrder = []byte("distribution-order")
	bktDistRefs  = []byte("distribution-refs")
	bktInvs      = []byte("invalidations")
	bktIDs       = []byte("ids")
	bktOrder     = []byte("order")
	bktRefs      = []byte("refs")
	bktRunning   = []byte("running")
	bktOwners    = []byte("invalidation-owners")
	// bktLog holds keyApplied: the LSN of the last create-log record
	// moved into the file.
	bktLog     = []byte("create-log")
	keyApplied = []byte("applied")
)

// OpenBolt opens (creating if needed, mode 0600) the bbolt file at path. It
// waits at most a second for the file lock, so a second server on the same
// file fails instead of hanging.
//
// An existing file is verified first (cfinv issue 10), and a file that
// cannot be trusted gives a *CorruptError (ErrCorrupt) naming it and what to
// do, never a panic and never a server that starts and fails later: a
// zero-length file, one shorter than its header says, a damaged header page
// (bbolt would silently fall back to the older one and lose the last
// write), anything bbolt's Tx.Check finds, and any record that does not
// decode or disagrees with its indexes. bbolt keeps no checksums of data
// pages, so damage inside a record's text that still decodes and agrees is
// not caught. Verifying reads the whole file once.
func OpenBolt(path string) (*Bolt, error) {
	return openBolt(path, checkpoints{every: checkpointEvery, idle: checkpointIdle})
}

// openBolt is OpenBolt with the checkpoint triggers given.
func openBolt(path string, cp checkpoints) (*Bolt, error) {
	if _, err := os.Stat(path); err == nil {
		if err := verifyFile(path); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, errLocked(path)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bktDists, bktDistOrder, bktDistRefs, bktInvs, bktResources, bktLog} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: create buckets: %w", path, err)
	}
	b := &Bolt{db: db, ov: newOverlay(), seqs: map[string]uint64{}, checkpoints: cp}
	if err := b.recoverLog(path + logSuffix); err != nil {
		_ = db.Close()
		return nil, err
	}
	b.startCommitLoop()
	return b, nil
}

// recoverLog opens the create log and moves the records a crash left in
// it (those above the file's applied LSN) into the file, in one
// transaction, then empties the log. A record that passes its checksum
// but does not decode, or names a distribution the file lacks, and damage
// that acknowledged records follow (bolt_log.go), give a *CorruptError
// naming the log, which is then left as it is.
func (b *Bolt) recoverLog(path string) error {
	var applied uint64
	err := b.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bktLog).Get(keyApplied); len(v) == 8 {
			applied = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("open store %s: %w", b.db.Path(), err)
	}
	log, recs, err := openLog(path, applied)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	var entries []*overlayInv
	last := applied
	for _, r := range recs {
		last = max(last, r.lsn)
		if r.lsn <= applied {
			continue
		}
		var inv Invalidation
		if err := decodeStrict(r.payload, &inv); err != nil {
			log.close()
			return &CorruptError{Path: path, Reason: fmt.Sprintf("create-log record %d does not decode", r.lsn), Err: err}
		}
		entries = append(entries, &overlayInv{inv: &inv, json: r.payload, lsn: r.lsn})
	}
	if len(entries) > 0 {
		err := b.db.Update(func(tx *bolt.Tx) error { return applyEntries(tx, entries, last) })
		if errors.Is(err, ErrNoDistribution) {
			log.close()
			return &CorruptError{Path: path, Reason: "the create log holds invalidations of a distribution " + b.db.Path() + " does not have; it belongs with another state file", Err: err}
		} else if err != nil {
			log.close()
			return fmt.Errorf("open store %s: replay create log: %w", b.db.Path(), err)
		}
	}
	log.next = last + 1
	if err := log.truncate(); err != nil {
		log.close()
		return fmt.Errorf("open store: %w", err)
	}
	b.log = log
	return nil
}

// Path returns the file the store lives in.
func (b *Bolt) Path() string { return b.db.Path() }

func u64(v uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], v)
	return k[:]
}

func (b *Bolt) view(fn func(tx *bolt.Tx) error) error {
	err := b.db.View(fn)
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// update runs fn in a read-write transaction that first applies the
// overlay, so fn sees every invalidation and the create log can be emptied
// once it commits.
func (b *Bolt) update(fn func(tx *bolt.Tx) error) error {
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	entries := b.ov.all()
	err := b.db.Update(func(tx *bolt.Tx) error {
		if len(entries) > 0 {
			if err := applyEntries(tx, entries, b.log.next-1); err != nil {
				return fmt.Errorf("checkpoint create log: %w", err)
			}
		}
		return fn(tx)
	})
	clear(b.seqs)
	if err == nil && len(entries) > 0 {
		b.afterCheckpoint()
	}
	return mapUpdateErr(err)
}

// mapUpdateErr gives the typed errors of a failed read-write transaction.
func mapUpdateErr(err error) error {
	switch {
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return ErrClosed
	case errors.Is(err, berrors.ErrKeyTooLarge), errors.Is(err, berrors.ErrKeyRequired):
		// Keys are checked before the transaction; should one slip
		// through, the caller still gets the typed error, not an
		// opaque bbolt one.
		return fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return err
}

func getDist(tx *bolt.Tx, id string) (*Distribution, error) {
	v := tx.Bucket(bktDists).Get([]byte(id))
	if v == nil {
		return nil, ErrNoDistribution
	}
	var d Distribution
	if err := json.Unmarshal(v, &d); err != nil {
		return nil, fmt.Errorf("decode distribution %s: %w", id, err)
	}
	return &d, nil
}

func putJSON(bkt *bolt.Bucket, key string, v any) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return bkt.Put([]byte(key), buf)
}

// CreateDistribution implements Store.
func (b *Bolt) CreateDistribution(_ context.Context, d *Distribution) error {
	if err := checkKey("distribution CallerReference", d.CallerReference); err != nil {
		return fmt.Errorf("create distribution: %w", err)
	}
	var seq uint64
	err := b.update(func(tx *bolt.Tx) error {
		dists, refs := tx.Bucket(bktDists), tx.Bucket(bktDistRefs)
		if id := refs.Get([]byte(d.CallerReference)); id != nil {
			return fmt.Errorf("caller reference %q: %w", d.CallerReference, &ExistsError{ID: string(id)})
		}
		if dists.Get([]byte(d.ID)) != nil {
			return fmt.Errorf("id %s: %w", d.ID, ErrDistributionExists)
		}
		var err error
		if seq, err = dists.NextSequence(); err != nil {
			return err
		}
		c := *d
		c.Seq = seq
		if err := putJSON(dists, c.ID, &c); err != nil {
			return err
		}
		if err := tx.Bucket(bktDistOrder).Put(u64(seq), []byte(c.ID)); err != nil {
			return err
		}
		if err := refs.Put([]byte(c.CallerReference), []byte(c.ID)); err != nil {
			return err
		}
		return createInvSet(tx, c.ID)
	})
	if err != nil {
		return fmt.Errorf("create distribution: %w", err)
	}
	d.Seq = seq
	return nil
}

// GetDistribution implements Store.
func (b *Bolt) GetDistribution(_ context.Context, id string) (*Distribution, error) {
	var d *Distribution
	err := b.view(func(tx *bolt.Tx) error {
		var err error
		d, err = getDist(tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get distribution %s: %w", id, err)
	}
	return d, nil
}

// ListDistributions implements Store.
func (b *Bolt) ListDistributions(_ context.Context, marker string, max int) ([]*Distribution, bool, error) {
	var (
		out       []*Distribution
		truncated bool
	)
	err := b.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bktDistOrder).Cursor()
		k, v := c.First()
		if marker != "" {
			m, err := getDist(tx, marker)
			if errors.Is(err, ErrNoDistribution) {
				return fmt.Errorf("after %q: %w", marker, ErrBadMarker)
			} else if err != nil {
				return err
			}
			k, v = c.Seek(u64(m.Seq))
			if k != nil && bytes.Equal(k, u64(m.Seq)) {
				k, v = c.Next()
			}
		}
		for ; k != nil; k, v = c.Next() {
			if len(out) >= max {
				truncated = true
				break
			}
			d, err := getDist(tx, string(v))
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("list distributions: %w", err)
	}
	return out, truncated, nil
}

// UpdateDistribution implements Store.
func (b *Bolt) UpdateDistribution(_ context.Context, id string, fn func(d *Distribution) error) (*Distribution, error) {
	var out *Distribution
	var fnErr error
	err := b.update(func(tx *bolt.Tx) error {
		d, err := getDist(tx, id)
		if err != nil {
			return err
		}
		c := d.Clone()
		if fnErr = fn(c); fnErr != nil {
			return fnErr
		}
		c.ID, c.CallerReference, c.Seq = d.ID, d.CallerReference, d.Seq
		out = c
		return putJSON(tx.Bucket(bktDists), id, c)
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, fmt.Errorf("update distribution %s: %w", id, err)
	}
	return out, nil
}

// DeleteDistribution implements Store.
func (b *Bolt) DeleteDistribution(_ context.Context, id string, check func(d *Distribution) error) error {
	var checkErr error
	err := b.update(func(tx *bolt.Tx) error {
		d, err := getDist(tx, id)
		if err != nil {
			return err
		}
		if check != nil {
			if checkErr = check(d.Clone()); checkErr != nil {
				return checkErr
			}
		}
		if err := tx.Bucket(bktDists).Delete([]byte(id)); err != nil {
			return err
		}
		if err := tx.Bucket(bktDistOrder).Delete(u64(d.Seq)); err != nil {
			return err
		}
		if err := tx.Bucket(bktDistRefs).Delete([]byte(d.CallerReference)); err != nil {
			return err
		}
		return tx.Bucket(bktInvs).DeleteBucket([]byte(id))
	})
	if checkErr != nil {
		return checkErr
	}
	if err != nil {
		return fmt.Errorf("delete distribution %s: %w", id, err)
	}
	return nil
}

// CreateInvalidationSet implements Store. The owners' bucket is made by
// the first call, so a file without one still opens in older versions.
func (b *Bolt) CreateInvalidationSet(_ context.Context, owner string) error {
	if err := checkKey("invalidation set owner", owner); err != nil {
		return fmt.Errorf("create invalidation set: %w", err)
	}
	exists := false
	if err := b.view(func(tx *bolt.Tx) error {
		exists = tx.Bucket(bktInvs).Bucket([]byte(owner)) != nil
		return nil
	}); err != nil || exists {
		return err
	}
	err := b.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bktInvs).Bucket([]byte(owner)) != nil {
			return nil
		}
		owners, err := tx.CreateBucketIfNotExists(bktOwners)
		if err != nil {
			return err
		}
		if err := owners.Put([]byte(owner), nil); err != nil {
			return err
		}
		return createInvSet(tx, owner)
	})
	if err != nil {
		return fmt.Errorf("create invalidation set %s: %w", owner, err)
	}
	return nil
}

// createInvSet makes the invalidation set of a new distribution or owner.
func createInvSet(tx *bolt.Tx, id string) error {
	inv, err := tx.Bucket(bktInvs).CreateBucket([]byte(id))
	if err != nil {
		return err
	}
	for _, name := range [][]byte{bktIDs, bktOrder, bktRefs, bktRunning} {
		if _, err := inv.CreateBucket(name); err != nil {
			return err
		}
	}
	return nil
}

// DeleteInvalidationSet implements Store.
func (b *Bolt) DeleteInvalidationSet(_ context.Context, owner string) error {
	err := b.update(func(tx *bolt.Tx) error {
		owners := tx.Bucket(bktOwners)
		if owners == nil || owners.Get([]byte(owner)) == nil {
			return ErrNoDistribution
		}
		if err := owners.Delete([]byte(owner)); err != nil {
			return err
		}
		return tx.Bucket(bktInvs).DeleteBucket([]byte(owner))
	})
	if err != nil {
		return fmt.Errorf("delete invalidation set %s: %w", owner, err)
	}
	return nil
}

func getInv(ids *bolt.Bucket, id []byte) (*Invalidation, error) {
	v := ids.Get(id)
	if v == nil {
		return nil, ErrNoInvalidation
	}
	var inv Invalidation
	if err := json.Unmarshal(v, &inv); err != nil {
		return nil, fmt.Errorf("decode invalidation %s: %w", id, err)
	}
	return &inv, nil
}

// CreateInvalidation implements Store. It goes through the commit loop
// (bolt_commit.go): concurrent creates share one log write and one
// fdatasync, each still answered only after it. Within a group the
// creates are decided in turn, so a CallerReference stored by one is seen,
// and replayed, by the next.
func (b *Bolt) CreateInvalidation(_ context.Context, inv *Invalidation, now time.Time, admit func([]*Invalidation) error) (*Invalidation, bool, error) {
	if err := checkKey("invalidation CallerReference", inv.CallerReference); err != nil {
		return nil, false, fmt.Errorf("create invalidation for %s: %w", inv.DistributionID, err)
	}
	c := newCreateInv(inv, now, admit)
	return c.result(b.group(c))
}

// createInv is one CreateInvalidation and its results, set by the
// commit loop.
type createInv struct {
	inv   *Invalidation
	now   time.Time
	admit func([]*Invalidation) error

	got      *Invalidation
	created  bool
	admitErr error
	noDist   bool
	// fromGroup: got was created by this create's own group, so the
	// answer stands only once the group's log write is on disk.
	fromGroup bool
	// enc is got's JSON when created.
	enc []byte
}

func newCreateInv(inv *Invalidation, now time.Time, admit func([]*Invalidation) error) *createInv {
	return &createInv{inv: inv, now: now, admit: admit}
}

// result gives CreateInvalidation's results once the commit loop has
// answered (err nil: decided, and logged if created).
func (c *createInv) result(err error) (*Invalidation, bool, error) {
	switch {
	case err != nil:
		return nil, false, fmt.Errorf("create invalidation for %s: %w", c.inv.DistributionID, err)
	case c.noDist:
		return nil, false, fmt.Errorf("create invalidation for %s: %w", c.inv.DistributionID, ErrNoDistribution)
	case c.admitErr != nil:
		return nil, false, c.admitErr
	}
	c.inv.Seq = c.got.Seq
	return c.got.Clone(), c.created, nil
}

// runningIn returns the invalidations of set's running index still in
// progress at now, oldest first.
func runningIn(set *bolt.Bucket, now time.Time) ([]*Invalidation, error) {
	ids := set.Bucket(bktIDs)
	var out []*Invalidation
	err := set.Bucket(bktRunning).ForEach(func(k, v []byte) error {
		if len(v) != 8 || !now.Before(time.Unix(0, int64(binary.BigEndian.Uint64(v)))) {
			return nil
		}
		inv, err := getInv(ids, k)
		if err != nil {
			return err
		}
		out = append(out, inv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortBySeq(out)
	return out, nil
}

// pruneRunning deletes the deadlines passed at now from a running index.
func pruneRunning(run *bolt.Bucket, now time.Time) error {
	var done [][]byte
	err := run.ForEach(func(k, v []byte) error {
		if len(v) != 8 || !now.Before(time.Unix(0, int64(binary.BigEndian.Uint64(v)))) {
			done = append(done, slices.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range done {
		if err := run.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// GetInvalidation implements Store. It looks in the overlay first, then in
// the file (see bolt_overlay.go for why in that order).
func (b *Bolt) GetInvalidation(_ context.Context, distID, id string) (*Invalidation, error) {
	if e := b.ov.byID(distID, id); e != nil {
		return e.inv.Clone(), nil
	}
	var inv *Invalidation
	err := b.view(func(tx *bolt.Tx) error {
		set := tx.Bucket(bktInvs).Bucket([]byte(distID))
		if set == nil {
			return ErrNoDistribution
		}
		var err error
		inv, err = getInv(set.Bucket(bktIDs), []byte(id))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get invalidation %s of %s: %w", id, distID, err)
	}
	return inv, nil
}

// lastSeq returns the highest sequence number in set's order index, 0
// when it is empty.
func lastSeq(c *bolt.Cursor) uint64 {
	if k, _ := c.Last(); len(k) == 8 {
		return binary.BigEndian.Uint64(k)
	}
	return 0
}

// ListInvalidations implements Store. The overlay's invalidations are
// newer than every one in the file, so they come first.
func (b *Bolt) ListInvalidations(_ context.Context, distID, marker string, max int) ([]*Invalidation, bool, error) {
	var (
		out       []*Invalidation
		truncated bool
	)
	snap := b.ov.snapshot(distID)
	err := b.view(func(tx *bolt.Tx) error {
		set := tx.Bucket(bktInvs).Bucket([]byte(distID))
		if set == nil {
			return ErrNoDistribution
		}
		ids := set.Bucket(bktIDs)
		c := set.Bucket(bktOrder).Cursor()
		fresh := after(snap, lastSeq(c))
		i := len(fresh) - 1 // newest first
		inFresh := false
		if marker != "" {
			i = -1
			for j, e := range fresh {
				if e.inv.ID == marker {
					i, inFresh = j-1, true
					break
				}
			}
		}
		for ; i >= 0; i-- {
			if len(out) >= max {
				truncated = true
				return nil
			}
			out = append(out, fresh[i].inv.Clone())
		}
		k, v := c.Last()
		if marker != "" && !inFresh {
			m, err := getInv(ids, []byte(marker))
			if errors.Is(err, ErrNoInvalidation) {
				return fmt.Errorf("after %q: %w", marker, ErrBadMarker)
			} else if err != nil {
				return err
			}
			// The marker's own key exists, so Seek lands on it.
			c.Seek(u64(m.Seq))
			k, v = c.Prev()
		}
		for ; k != nil; k, v = c.Prev() {
			if len(out) >= max {
				truncated = true
				break
			}
			inv, err := getInv(ids, v)
			if err != nil {
				return err
			}
			out = append(out, inv)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("list invalidations of %s: %w", distID, err)
	}
	return out, truncated, nil
}

// CountInProgress implements Store. It reads only the running index and
// the overlay, and does not prune the index (a read-only transaction
// cannot).
func (b *Bolt) CountInProgress(_ context.Context, distID string, now time.Time) (int, error) {
	n := 0
	snap := b.ov.snapshot(distID)
	err := b.view(func(tx *bolt.Tx) error {
		set := tx.Bucket(bktInvs).Bucket([]byte(distID))
		if set == nil {
			return ErrNoDistribution
		}
		n = len(inProgress(after(snap, lastSeq(set.Bucket(bktOrder).Cursor())), now))
		return set.Bucket(bktRunning).ForEach(func(_, v []byte) error {
			if len(v) == 8 && now.Before(time.Unix(0, int64(binary.BigEndian.Uint64(v)))) {
				n++
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("count invalidations of %s: %w", distID, err)
	}
	return n, nil
}

// Close implements Store. Writers already in the commit loop are answered
// first; later ones get ErrClosed. It then moves the overlay into the file
// and empties the create log (should that fail, the log still holds the
// overlay for the next open).
func (b *Bolt) Close() error {
	b.closeOnce.Do(func() {
		close(b.quit)
		<-b.loopDone
		b.writeMu.Lock()
		defer b.writeMu.Unlock()
		cpErr := b.checkpointLocked()
		if cpErr == nil {
			// Nothing left to replay (after a failed write too: the
			// checkpoint's applied LSN covers the failed records):
			// empty the file, so a state file moved aside does not
			// leave records for its successor.
			cpErr = b.log.truncate()
		}
		b.ov.clear() // on failure the log still holds it; reads now fail
		logErr := b.log.close()
		dbErr := b.db.Close()
		if err := errors.Join(cpErr, logErr, dbErr); err != nil {
			b.closeErr = fmt.Errorf("close store: %w", err)
		}
	})
	return b.closeErr
}

func sortBySeq(invs []*Invalidation) {
	slices.SortFunc(invs, func(a, b *Invalidation) int {
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return 0
	})
}
