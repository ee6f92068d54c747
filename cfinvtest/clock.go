package cfinvtest

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when told, for WithClock. It is safe
// for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock that reads t0 until it is advanced.
func NewClock(t0 time.Time) *Clock { return &Clock{now: t0} }

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d. A negative d moves it back, which
// real time never does; the server then sees a clock that jumped back.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
