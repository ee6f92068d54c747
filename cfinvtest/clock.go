package cfinvtest

import (
	"time"

	"github.com/cfinv/cfinv/internal/clock"
)

// Clock is a clock that moves only when told, for WithClock. It is safe
// for concurrent use. Its methods:
//
//   - Now() time.Time returns the clock's current time.
//   - Advance(d time.Duration) moves the clock forward by d. A negative d
//     moves it back, which real time never does; the server then sees a
//     clock that jumped back.
//   - Sleep(ctx context.Context, d time.Duration) error is a sleep
//     function on the clock: it advances the clock by d at once, unless ctx
//     is done (then it returns ctx's error). Give it to a client with
//     cfinv.WithClock(clk.Now, clk.Sleep), and its waits move the server's
//     time.
type Clock = clock.Manual

// NewClock returns a Clock that reads t0 until it is advanced.
func NewClock(t0 time.Time) *Clock { return clock.NewManual(t0) }
