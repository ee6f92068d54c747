package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Group commit (cfinv issue 16). Concurrent CreateInvalidation calls wait
// for the commit loop, which takes every create waiting at one moment,
// decides each in turn (a CallerReference stored by one is seen, and
// replayed, by the next), appends the created ones to the create log with
// one write and one fdatasync (bolt_log.go), and answers each caller only
// after that: a nil error still means the invalidation is on disk.
//
// bbolt's DB.Batch would start a batch only when MaxBatchSize functions
// wait or MaxBatchDelay has passed, adding its delay to every request at
// low concurrency. The loop takes whatever is waiting as soon as the
// previous group is done: no timer, no added latency when one writer is
// alone, and groups that grow with the load.

// maxGroup bounds one group, so no writer waits behind an unbounded one.
const maxGroup = 256

// When OpenBolt's store checkpoints.
const (
	// checkpointEvery is how many logged creates the overlay holds before
	// the next group first moves them into the bbolt file.
	checkpointEvery = 4096
	// checkpointIdle is how long the loop waits without a create before
	// it moves what the overlay holds into the bbolt file.
	checkpointIdle = time.Second
)

// checkpoints says when a store checkpoints (tests make it small).
type checkpoints struct {
	every int
	idle  time.Duration
}

// createOp is one CreateInvalidation waiting for the commit loop.
type createOp struct {
	c    *createInv
	done chan error
	// recovered is what admit panicked with, re-panicked in the caller's
	// goroutine so a panic stays the caller's.
	recovered any
}

// errPanicked marks a createOp whose admit function panicked.
var errPanicked = errors.New("admit function panicked")

// startCommitLoop starts the loop; Close stops it.
func (b *Bolt) startCommitLoop() {
	b.ops = make(chan *createOp)
	b.quit = make(chan struct{})
	b.loopDone = make(chan struct{})
	go b.commitLoop()
}

// commitLoop takes the first waiting create, then every other one already
// waiting (up to maxGroup), and commits them together. After
// checkpointIdle without a create it checkpoints.
func (b *Bolt) commitLoop() {
	defer close(b.loopDone)
	group := make([]*createOp, 0, maxGroup)
	idle := time.NewTimer(b.idle)
	idle.Stop()
	for {
		select {
		case op := <-b.ops:
			group = append(group[:0], op)
		case <-idle.C:
			b.writeMu.Lock()
			// A failure leaves everything in the overlay and the log;
			// the next group tries again and reports it.
			_ = b.checkpointLocked()
			b.writeMu.Unlock()
			continue
		case <-b.quit:
			return
		}
	drain:
		for len(group) < maxGroup {
			select {
			case op := <-b.ops:
				group = append(group, op)
			default:
				break drain
			}
		}
		b.commitGroup(group)
		clear(group)
		idle.Reset(b.idle)
	}
}

// groupState is what a group has decided but not yet logged, per
// distribution, so later creates of the group see earlier ones.
type groupState struct {
	byRef   map[string]map[string]*Invalidation // distribution -> reference
	byID    map[string]map[string]bool          // distribution -> ID
	created map[string][]*Invalidation          // distribution -> in sequence order
}

// commitGroup decides, logs and answers ops.
func (b *Bolt) commitGroup(ops []*createOp) {
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	fail := func(err error) {
		for _, op := range ops {
			op.done <- err
		}
	}
	if b.ov.len() >= b.every {
		if err := b.checkpointLocked(); err != nil {
			fail(err)
			return
		}
	}
	if b.log.err != nil {
		if err := b.restartLogLocked(); err != nil {
			fail(err)
			return
		}
	}
	tx, err := b.db.Begin(false)
	if err != nil {
		fail(err)
		return
	}
	st := groupState{byRef: map[string]map[string]*Invalidation{}, byID: map[string]map[string]bool{}, created: map[string][]*Invalidation{}}
	errs := make([]error, len(ops))
	var entries []*overlayInv
	for i, op := range ops {
		errs[i] = b.decide(tx, op, &st)
		if errs[i] == nil && op.c.created {
			entries = append(entries, &overlayInv{inv: op.c.got, json: op.c.enc, now: op.c.now})
		}
	}
	// The read transaction ends before anything writes: a checkpoint's
	// commit may need to remap the file, which waits for readers.
	_ = tx.Rollback()
	if len(entries) > 0 {
		for _, e := range entries {
			e.lsn = b.log.appendRecord(e.json)
		}
		if err := b.log.sync(); err != nil {
			b.log.discard()
			for i, op := range ops {
				if errs[i] == nil && op.c.fromGroup { // rests on this write
					op.done <- err
				} else {
					op.done <- errs[i]
				}
			}
			return
		}
		b.ov.add(entries)
	}
	for i, op := range ops {
		op.done <- errs[i]
	}
}

// decide runs one create against the bbolt file, the overlay and the
// group so far, setting op.c's results. Only a taken ID, a failure to
// read, and a panic in admit are errors; a replay, a refusal and an
// unknown distribution are results.
func (b *Bolt) decide(tx *bolt.Tx, op *createOp, st *groupState) (err error) {
	c := op.c
	inv, dist := c.inv, c.inv.DistributionID
	defer func() {
		if r := recover(); r != nil {
			op.recovered = r
			err = errPanicked
		}
	}()
	set := tx.Bucket(bktInvs).Bucket([]byte(dist))
	if set == nil {
		c.noDist = true
		return nil
	}
	ids, refs := set.Bucket(bktIDs), set.Bucket(bktRefs)
	// The overlay and the file hold disjoint invalidations here: only
	// checkpoints move entries, and they hold writeMu as the loop does.
	if got := st.byRef[dist][inv.CallerReference]; got != nil {
		c.got, c.fromGroup = got, true
		return nil
	}
	if e := b.ov.byRef(dist, inv.CallerReference); e != nil {
		c.got = e.inv
		return nil
	}
	if id := refs.Get([]byte(inv.CallerReference)); id != nil {
		c.got, err = getInv(ids, id)
		return err
	}
	if st.byID[dist][inv.ID] || b.ov.byID(dist, inv.ID) != nil || ids.Get([]byte(inv.ID)) != nil {
		return fmt.Errorf("%s: %w", inv.ID, ErrInvalidationExists)
	}
	if c.admit != nil {
		running, err := runningIn(set, c.now)
		if err != nil {
			return err
		}
		running = append(running, b.ov.runningOf(dist, c.now)...)
		for _, g := range st.created[dist] {
			if g.InProgressAt(c.now) {
				running = append(running, g)
			}
		}
		if c.admitErr = c.admit(running); c.admitErr != nil {
			return nil
		}
	}
	seq, ok := b.seqs[dist]
	if !ok {
		seq = max(set.Sequence(), b.ov.lastSeq(dist))
	}
	seq++
	n := inv.Clone()
	n.Seq = seq
	enc, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("encode %s: %w", n.ID, err)
	}
	if err := checkRecordSize(n.ID, len(enc)); err != nil {
		return err
	}
	b.seqs[dist] = seq
	c.enc = enc
	if st.byRef[dist] == nil {
		st.byRef[dist], st.byID[dist] = map[string]*Invalidation{}, map[string]bool{}
	}
	st.byRef[dist][n.CallerReference] = n
	st.byID[dist][n.ID] = true
	st.created[dist] = append(st.created[dist], n)
	c.got, c.created, c.fromGroup = n, true, true
	return nil
}

// checkRecordSize refuses a record longer than the log takes: recovery
// would stop at it.
func checkRecordSize(id string, n int) error {
	if n > maxLogRecord {
		return fmt.Errorf("invalidation %s is %d bytes as stored, over the create log's limit of %d", id, n, maxLogRecord)
	}
	return nil
}

// checkpointLocked moves the overlay into the bbolt file in one
// transaction and empties the log. The caller holds writeMu. On failure
// both stay as they were. After a failed log write it commits even with
// the overlay empty, so the stored applied LSN covers the failed records.
func (b *Bolt) checkpointLocked() error {
	entries := b.ov.all()
	if len(entries) == 0 && b.log.err == nil {
		return nil
	}
	if err := b.db.Update(func(tx *bolt.Tx) error { return applyEntries(tx, entries, b.log.next-1) }); err != nil {
		return fmt.Errorf("checkpoint create log: %w", mapUpdateErr(err))
	}
	b.afterCheckpoint()
	return nil
}

// restartLogLocked brings back a log whose write or fdatasync failed
// (cfinv issue 24 item 5: a full disk made every later create fail until
// a restart). Appending to the file as it is would not do: after a failed
// fdatasync the kernel may have dropped pages the write had dirtied and
// cleared the error, so a later fdatasync could succeed over a hole. So
// it first moves every acknowledged create (the overlay) into the bbolt
// file, with an applied LSN covering the failed group's records too (their
// LSNs are not handed out again), then empties the log file and trusts it
// again. The failed group was answered with an error and is in neither
// place. When that is not possible yet (the disk still full), it returns
// the error wrapping the log's first failure and its own, and the next
// group tries again. The caller holds writeMu.
func (b *Bolt) restartLogLocked() error {
	cause := b.log.err
	if err := b.checkpointLocked(); err != nil {
		return fmt.Errorf("%w (then: %w)", cause, err)
	}
	if err := b.log.restart(); err != nil {
		return fmt.Errorf("%w (then: %w)", cause, err)
	}
	return nil
}

// afterCheckpoint empties the overlay and the log once a transaction that
// applied all of the overlay has committed.
func (b *Bolt) afterCheckpoint() {
	b.ov.clear()
	b.log.reset()
}

// applyEntries writes logged invalidations into the file, with their
// indexes, raises each distribution's sequence to its last one, prunes
// passed deadlines from the running index, and stores as the applied LSN
// the highest of applied and the entries' LSNs: every record at or below
// it is in the file or was never acknowledged.
func applyEntries(tx *bolt.Tx, entries []*overlayInv, applied uint64) error {
	invs := tx.Bucket(bktInvs)
	touched := map[string]time.Time{}
	for _, e := range entries {
		n := e.inv
		set := invs.Bucket([]byte(n.DistributionID))
		if set == nil {
			return fmt.Errorf("invalidation %s (log record %d): %w", n.ID, e.lsn, ErrNoDistribution)
		}
		if err := set.Bucket(bktIDs).Put([]byte(n.ID), e.json); err != nil {
			return err
		}
		if err := set.Bucket(bktOrder).Put(u64(n.Seq), []byte(n.ID)); err != nil {
			return err
		}
		if err := set.Bucket(bktRefs).Put([]byte(n.CallerReference), []byte(n.ID)); err != nil {
			return err
		}
		// One completed by its own create's clock would only be pruned
		// again below; a replayed one (no clock) goes in for readers and
		// the next prune to judge.
		if e.now.IsZero() || n.InProgressAt(e.now) {
			if err := set.Bucket(bktRunning).Put([]byte(n.ID), u64(uint64(n.CompleteAt.UnixNano()))); err != nil {
				return err
			}
		}
		if set.Sequence() < n.Seq {
			if err := set.SetSequence(n.Seq); err != nil {
				return err
			}
		}
		if t, ok := touched[n.DistributionID]; !ok || e.now.After(t) {
			touched[n.DistributionID] = e.now
		}
		applied = max(applied, e.lsn)
	}
	for dist, now := range touched {
		if now.IsZero() {
			continue // replayed from the log: no clock to prune by
		}
		if err := pruneRunning(invs.Bucket([]byte(dist)).Bucket(bktRunning), now); err != nil {
			return err
		}
	}
	return tx.Bucket(bktLog).Put(keyApplied, u64(applied))
}

// group hands c to the commit loop and returns once it is decided and, if
// created, logged durably.
func (b *Bolt) group(c *createInv) error {
	op := &createOp{c: c, done: make(chan error, 1)}
	select {
	case b.ops <- op:
	case <-b.quit:
		return ErrClosed
	}
	err := <-op.done
	if op.recovered != nil {
		panic(op.recovered)
	}
	return mapUpdateErr(err)
}
