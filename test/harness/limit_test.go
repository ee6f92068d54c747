package harness

import (
	"context"
	"errors"
	"os/exec"
	"testing"
	"time"
)

func TestCharge(t *testing.T) {
	a, b := taskID{1, 1}, taskID{1, 2}
	tests := []struct {
		name      string
		dwall     time.Duration
		prev, cur map[taskID]time.Duration
		want      time.Duration
	}{
		{"asleep: all charged", time.Second, map[taskID]time.Duration{a: 5}, map[taskID]time.Duration{a: 5}, time.Second},
		{"waited a quarter", time.Second, map[taskID]time.Duration{a: 0}, map[taskID]time.Duration{a: 250 * time.Millisecond}, 750 * time.Millisecond},
		{"the waits of two threads added up", time.Second,
			map[taskID]time.Duration{a: 0, b: 0}, map[taskID]time.Duration{a: 100 * time.Millisecond, b: 600 * time.Millisecond}, 300 * time.Millisecond},
		{"added up, at most the interval", time.Second,
			map[taskID]time.Duration{a: 0, b: 0}, map[taskID]time.Duration{a: 700 * time.Millisecond, b: 600 * time.Millisecond}, 0},
		{"starved all the time", time.Second, map[taskID]time.Duration{a: 0}, map[taskID]time.Duration{a: time.Second}, 0},
		{"a wait longer than the interval charges nothing, never less", time.Second,
			map[taskID]time.Duration{a: 0}, map[taskID]time.Duration{a: 3 * time.Second}, 0},
		{"a new thread waited all of its delay in the interval", time.Second,
			map[taskID]time.Duration{a: 0}, map[taskID]time.Duration{a: 0, b: 900 * time.Millisecond}, 100 * time.Millisecond},
		{"a delay that went down (a reused thread ID) counts nothing", time.Second,
			map[taskID]time.Duration{a: 900 * time.Millisecond}, map[taskID]time.Duration{a: 100 * time.Millisecond}, time.Second},
		{"a thread that ended is not counted", time.Second,
			map[taskID]time.Duration{a: 0, b: 0}, map[taskID]time.Duration{a: 200 * time.Millisecond}, 800 * time.Millisecond},
		{"no threads: a wall-clock limit", time.Second, nil, nil, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := charge(tt.dwall, tt.prev, tt.cur); got != tt.want {
				t.Errorf("charge = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestLimitEndsAHang: a child that sleeps (as one blocked on a socket that
// never answers does) is charged in full and ended at the limit.
func TestLimitEndsAHang(t *testing.T) {
	l, ctx := NewLimit(t.Context(), 500*time.Millisecond)
	cmd := exec.CommandContext(ctx, "sleep", "600")
	err := RunWithin(cmd, l)
	if !errors.Is(err, ErrLimit) || !l.Expired() {
		t.Fatalf("RunWithin(sleep 600) = %v, expired %v; want ErrLimit", err, l.Expired())
	}
	t.Log(err)
}

// TestLimitLetsAChildEnd: a child that ends within its limit is not
// touched.
func TestLimitLetsAChildEnd(t *testing.T) {
	l, ctx := NewLimit(t.Context(), time.Minute)
	cmd := exec.CommandContext(ctx, "sh", "-c", "exit 3")
	err := RunWithin(cmd, l)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || l.Expired() {
		t.Fatalf("RunWithin(exit 3) = %v, expired %v; want exit status 3", err, l.Expired())
	}
}

// TestLimitCancelledParent: the parent's cancellation still ends the
// child, without calling it the limit's doing.
func TestLimitCancelledParent(t *testing.T) {
	parent, cancel := context.WithCancel(t.Context())
	l, ctx := NewLimit(parent, time.Hour)
	cmd := exec.CommandContext(ctx, "sleep", "600")
	go func() {
		for l.wallSoFar() == 0 { // sampling has started: the child runs
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	err := RunWithin(cmd, l)
	if err == nil || errors.Is(err, ErrLimit) || l.Expired() {
		t.Fatalf("RunWithin after the parent's cancel = %v, expired %v; want the kill, not ErrLimit", err, l.Expired())
	}
}

// wallSoFar is the wall time sampled so far.
func (l *Limit) wallSoFar() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.wall
}
