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

// Bolt is a Store in a bbolt file. Every change is made in a bbolt
// read-write transaction, and bbolt fsyncs each commit (its NoSync option
// is left false), so a write acknowledged by a nil error survives a crash
// or a kill -9 of the process. Concurrent CreateInvalidation calls share
// one transaction and one fsync (group commit, bolt_commit.go); each is
// still answered only after its commit.
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
//	resources/<kind>/       origin access controls, policies, keys (see
//	                        bolt_resource.go)
//
// running/ is the in-progress index: it holds only invalidations whose
// deadline had not passed when last looked at, and write transactions
// prune it, so admission and counting never scan completed invalidations.
type Bolt struct {
	db *bolt.DB

	// The commit loop (bolt_commit.go).
	ops       chan *commitOp
	quit      chan struct{}
	loopDone  chan struct{}
	closeOnce sync.Once
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
		for _, name := range [][]byte{bktDists, bktDistOrder, bktDistRefs, bktInvs, bktResources} {
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
	b := &Bolt{db: db}
	b.startCommitLoop()
	return b, nil
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

func (b *Bolt) update(fn func(tx *bolt.Tx) error) error {
	return mapUpdateErr(b.db.Update(fn))
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
		inv, err := tx.Bucket(bktInvs).CreateBucket([]byte(c.ID))
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bktIDs, bktOrder, bktRefs, bktRunning} {
			if _, err := inv.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
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
// (bolt_commit.go): concurrent creates share one transaction and one
// fsync, each still answered only after that commit. Within a group the
// creates run in turn on the same transaction, so a CallerReference
// stored by one is seen, and replayed, by the next.
func (b *Bolt) CreateInvalidation(_ context.Context, inv *Invalidation, now time.Time, admit func([]*Invalidation) error) (*Invalidation, bool, error) {
	if err := checkKey("invalidation CallerReference", inv.CallerReference); err != nil {
		return nil, false, fmt.Errorf("create invalidation for %s: %w", inv.DistributionID, err)
	}
	c := newCreateInv(inv, now, admit)
	return c.result(b.group(c.run))
}

// createInv is one CreateInvalidation as a batched function and its
// results.
type createInv struct {
	inv   *Invalidation
	now   time.Time
	admit func([]*Invalidation) error

	got      *Invalidation
	created  bool
	admitErr error
	noDist   bool
}

func newCreateInv(inv *Invalidation, now time.Time, admit func([]*Invalidation) error) *createInv {
	return &createInv{inv: inv, now: now, admit: admit}
}

// run is the batched function. It may run more than once (see
// bolt_commit.go), so it sets every result afresh. Outcomes that write
// nothing (a replay, a refusal, an unknown distribution) return nil, so
// they cost the group no rollback; only failures of bbolt itself and a
// taken ID return an error.
func (c *createInv) run(tx *bolt.Tx) error {
	inv, now := c.inv, c.now
	c.got, c.created, c.admitErr, c.noDist = nil, false, nil, false
	set := tx.Bucket(bktInvs).Bucket([]byte(inv.DistributionID))
	if set == nil {
		c.noDist = true
		return nil
	}
	ids, refs := set.Bucket(bktIDs), set.Bucket(bktRefs)
	if id := refs.Get([]byte(inv.CallerReference)); id != nil {
		var err error
		c.got, err = getInv(ids, id)
		return err
	}
	if ids.Get([]byte(inv.ID)) != nil {
		return fmt.Errorf("%s: %w", inv.ID, ErrInvalidationExists)
	}
	// Deleting passed deadlines from the running index is upkeep that is
	// right to commit whatever admit decides.
	running, err := pruneRunning(set, now)
	if err != nil {
		return err
	}
	if c.admit != nil {
		if c.admitErr = c.admit(running); c.admitErr != nil {
			return nil
		}
	}
	seq, err := set.NextSequence()
	if err != nil {
		return err
	}
	n := inv.Clone()
	n.Seq = seq
	if err := putJSON(ids, n.ID, n); err != nil {
		return err
	}
	if err := set.Bucket(bktOrder).Put(u64(seq), []byte(n.ID)); err != nil {
		return err
	}
	if err := refs.Put([]byte(n.CallerReference), []byte(n.ID)); err != nil {
		return err
	}
	if n.InProgressAt(now) {
		if err := set.Bucket(bktRunning).Put([]byte(n.ID), u64(uint64(n.CompleteAt.UnixNano()))); err != nil {
			return err
		}
	}
	c.got, c.created = n, true
	return nil
}

// result gives CreateInvalidation's results once the transaction that ran
// c last has committed (err nil) or failed.
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

// pruneRunning deletes passed deadlines from the running index of set and
// returns the invalidations still in progress, oldest first.
func pruneRunning(set *bolt.Bucket, now time.Time) ([]*Invalidation, error) {
	run, ids := set.Bucket(bktRunning), set.Bucket(bktIDs)
	var done [][]byte
	var out []*Invalidation
	err := run.ForEach(func(k, v []byte) error {
		if len(v) != 8 || !now.Before(time.Unix(0, int64(binary.BigEndian.Uint64(v)))) {
			done = append(done, slices.Clone(k))
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
	for _, k := range done {
		if err := run.Delete(k); err != nil {
			return nil, err
		}
	}
	sortBySeq(out)
	return out, nil
}

// GetInvalidation implements Store.
func (b *Bolt) GetInvalidation(_ context.Context, distID, id string) (*Invalidation, error) {
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

// ListInvalidations implements Store.
func (b *Bolt) ListInvalidations(_ context.Context, distID, marker string, max int) ([]*Invalidation, bool, error) {
	var (
		out       []*Invalidation
		truncated bool
	)
	err := b.view(func(tx *bolt.Tx) error {
		set := tx.Bucket(bktInvs).Bucket([]byte(distID))
		if set == nil {
			return ErrNoDistribution
		}
		ids := set.Bucket(bktIDs)
		c := set.Bucket(bktOrder).Cursor()
		k, v := c.Last()
		if marker != "" {
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
// does not prune it (a read-only transaction cannot).
func (b *Bolt) CountInProgress(_ context.Context, distID string, now time.Time) (int, error) {
	n := 0
	err := b.view(func(tx *bolt.Tx) error {
		set := tx.Bucket(bktInvs).Bucket([]byte(distID))
		if set == nil {
			return ErrNoDistribution
		}
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
// first; later ones get ErrClosed.
func (b *Bolt) Close() error {
	b.closeOnce.Do(func() {
		close(b.quit)
		<-b.loopDone
	})
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
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
