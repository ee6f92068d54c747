package store

import (
	"errors"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Group commit (cfinv issue 16). A bbolt commit fsyncs, and concurrent
// writers used to wait for each other's fsync one by one. The commit loop
// runs the functions of all writers waiting at one moment in one read-write
// transaction, so N concurrent creates cost one fsync, and it answers each
// writer only once that transaction has committed: a nil error still means
// the write is on disk.
//
// bbolt's own DB.Batch does the same, but it starts a batch only when
// MaxBatchSize functions are waiting or MaxBatchDelay has passed, which adds
// its delay to every request at low concurrency and caps throughput at high
// concurrency. The loop here takes whatever is waiting as soon as the
// previous commit is done: no timer, no added latency when one writer is
// alone, and batches that grow with the load.
//
// The rules a batched function follows are Batch's:
//
//   - It may run more than once: when another function of its batch fails,
//     the transaction is rolled back and the rest run again. So it sets its
//     results afresh on each run and has no effects outside the transaction
//     that a second run would repeat harmfully.
//   - It sees the writes of the functions before it in the same batch (they
//     share the transaction), so a uniqueness check such as a
//     CallerReference lookup stays correct within a batch.
//   - A function that returns an error is run again alone in its own
//     transaction once the rest of its batch has committed, and that
//     run's result is the one its caller gets: it is decided after its
//     neighbours, never on writes of theirs that were rolled back.
//
// Functions that decide not to write (a replayed CallerReference, a refused
// admission) should return nil and report the decision through their
// results, so they do not cost their batch a rollback.

// maxGroup bounds one group commit, so one transaction's dirty pages stay
// small and no writer waits behind an unbounded batch.
const maxGroup = 256

// commitOp is one writer's function waiting for the commit loop.
type commitOp struct {
	fn   func(tx *bolt.Tx) error
	done chan error
	// recovered is what fn panicked with, re-panicked in the writer's
	// goroutine so a panic stays the caller's, as with DB.Update.
	recovered any
}

// errPanicked marks a commitOp whose function panicked.
var errPanicked = errors.New("batched function panicked")

// startCommitLoop starts the loop; Close stops it.
func (b *Bolt) startCommitLoop() {
	b.ops = make(chan *commitOp)
	b.quit = make(chan struct{})
	b.loopDone = make(chan struct{})
	go b.commitLoop()
}

// commitLoop takes the first waiting writer, then every other writer
// already waiting (up to maxGroup), and commits them together.
func (b *Bolt) commitLoop() {
	defer close(b.loopDone)
	group := make([]*commitOp, 0, maxGroup)
	for {
		select {
		case op := <-b.ops:
			group = append(group[:0], op)
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
	}
}

// commitGroup runs ops in as few transactions as it can and answers
// every op. An op whose function fails or panics is taken out and the
// transaction rolled back; the rest are tried again together, and once
// they have committed each failed op runs alone (a panic is handed back as
// it is), so it is decided after its neighbours, on what they wrote.
func (b *Bolt) commitGroup(ops []*commitOp) {
	group := slices.Clone(ops) // taken apart below; ops stays the caller's
	var failed []*commitOp
	for len(group) > 0 {
		bad := -1
		err := b.db.Update(func(tx *bolt.Tx) error {
			for i, op := range group {
				if err := runOp(op, tx); err != nil {
					bad = i
					return err
				}
			}
			return nil
		})
		if bad < 0 {
			// Committed (and fsync'd) or the commit itself failed:
			// either way the answer is the same for every op.
			for _, op := range group {
				op.done <- err
			}
			break
		}
		failed = append(failed, group[bad])
		group = slices.Delete(group, bad, bad+1)
	}
	for _, op := range failed {
		if op.recovered != nil {
			op.done <- errPanicked
			continue
		}
		op.done <- b.db.Update(func(tx *bolt.Tx) error { return runOp(op, tx) })
	}
}

// runOp calls op.fn, turning a panic into errPanicked.
func runOp(op *commitOp, tx *bolt.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			op.recovered = r
			err = errPanicked
		}
	}()
	return op.fn(tx)
}

// group runs fn through the commit loop and returns once its transaction
// has committed durably or failed. fn follows the rules above. Errors are
// mapped as for update.
func (b *Bolt) group(fn func(tx *bolt.Tx) error) error {
	op := &commitOp{fn: fn, done: make(chan error, 1)}
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
