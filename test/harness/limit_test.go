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
			if got, _ := settle(tt.dwall, waits(tt.prev, tt.cur), 0, 0); got != tt.want {
				t.Errorf("charge = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSettleCarriesLateWaits: a wait reported after the interval it
// happened in (the kernel adds it to a thread's delay when the thread
// runs again) is credited to the intervals after it, up to the cap.
func TestSettleCarriesLateWaits(t *testing.T) {
	const s = time.Second
	tests := []struct {
		name                  string
		dwall, waited, credit time.Duration
		maxCredit             time.Duration
		wantCharged, wantLeft time.Duration
	}{
		{"a wait reported late leaves credit", s, 3 * s, 0, 10 * s, 0, 2 * s},
		{"the credit pays for the next interval", s, 0, 2 * s, 10 * s, 0, s},
		{"part of an interval paid by credit", s, 200 * time.Millisecond, 300 * time.Millisecond, 10 * s, 500 * time.Millisecond, 0},
		{"credit is capped", s, 5 * s, 0, 2 * s, 0, 2 * s},
		{"no credit: the interval less its waits", s, 250 * time.Millisecond, 0, 10 * s, 750 * time.Millisecond, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, left := settle(tt.dwall, tt.waited, tt.credit, tt.maxCredit)
			if c != tt.wantCharged || left != tt.wantLeft {
				t.Errorf("settle = %v charged, %v left; want %v, %v", c, left, tt.wantCharged, tt.wantLeft)
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
