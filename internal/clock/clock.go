// Package clock holds Manual, a clock that moves only when told. It is
// written once for the public cfinvtest.Clock and the test harness's
// harness.Clock, which are both this type; it lives here, apart from
// cfinvtest, because packages that cfinvtest imports (edgecache) use the
// harness in their own tests.
package clock

import (
	"context"
	"sync"
	"time"
)

// Manual is a clock that moves only when told. It is safe for concurrent
// use.
type Manual struct {
	mu  sync.Mutex
	now time.Time
}

// NewManual returns a Manual that reads t0 until it is advanced.
func NewManual(t0 time.Time) *Manual { return &Manual{now: t0} }

// Now returns the clock's current time.
func (c *Manual) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d. A negative d moves it back, which
// real time never does; a server on the clock then sees a clock that
// jumped back.
func (c *Manual) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Sleep is a sleep function on the clock, as cfinv.WithClock takes: it
// moves the clock forward by d at once, unless ctx is done (then it
// returns ctx's error and leaves the clock).
func (c *Manual) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}
