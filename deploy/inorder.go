package deploy

import (
	"context"
	"sync"
)

// inOrder runs work on each item next gives (until it returns false),
// workers at a time, and hands each item to take in the order next gave
// them, once its work is done: the items are worked on in parallel, at
// most 4 × workers ahead of the one take waits for, and take sees them
// one at a time, in order, on the caller's goroutine. An item for which
// quick (if not nil) is true needs no work. The first item whose work
// fails (in next's order) stops it: no item is given to work after it
// and take sees none from it on; inOrder returns that error. Once ctx is
// done no item is given to work either, and next is not called again.
// inOrder returns when every item given is done; next runs on a goroutine
// of its own, which has ended (its effects seen) by then.
//
// It is how the deploy streams its tables (issue 31: nothing held per
// file): the scan's hashing, the comparison's reads and each group's
// uploads write their results in key order, as the tables need them.
func inOrder[T any](ctx context.Context, workers int, next func() (T, bool), quick func(T) bool, work func(context.Context, T) error, take func(T)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		v    T
		err  error
		done chan struct{}
	}
	workers = max(workers, 1)
	order, jobs := make(chan *job, 4*workers), make(chan *job)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				j.err = work(ctx, j.v)
				close(j.done)
			}
		})
	}
	go func() {
		defer close(order)
		defer close(jobs)
		for {
			v, ok := next()
			if !ok {
				return
			}
			j := &job{v: v, done: make(chan struct{})}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			if quick != nil && quick(v) {
				close(j.done)
				continue
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				j.err = ctx.Err()
				close(j.done)
				return
			}
		}
	}()
	var firstErr error
	for j := range order {
		<-j.done
		switch {
		case firstErr != nil:
		case j.err != nil:
			firstErr = j.err
			cancel()
		default:
			take(j.v)
		}
	}
	wg.Wait()
	return firstErr
}
