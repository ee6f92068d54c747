package harness

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"time"
)

// A time limit on a child process is there to end a hang with a diagnosis,
// not to time the child. Counted on the wall clock it cannot tell the two
// apart on a loaded machine: in a .ci/run at load average 22-33 on 2 cores
// (five other builds and benchmarks running), AWS CLI commands that cfinv
// serve answered in under a millisecond (its request log) took more than
// 60 s each, their Python interpreter waiting for a CPU almost all of that
// time. A Limit charges a child only for the time it was not waiting for a
// CPU: in each sampling interval it charges the wall time minus the time
// the threads of the watched processes spent runnable but not running
// (Linux's run-queue delay, /proc/PID/task/TID/schedstat), added up over
// the threads (a Go program's goroutine moves between threads) and at
// most the interval. A
// child blocked on a socket that never answers, or asleep, is charged in
// full, so a hang still ends at the limit; a child that is making progress
// as fast as the machine lets it is charged for its share. A hard cap of
// MaxStretch times the limit on the wall clock ends even a child that
// spins while starved. Where schedstat is missing (not Linux), a Limit is
// a wall-clock limit.

// MaxStretch bounds a Limit on the wall clock: a child is stopped after
// MaxStretch times its limit of wall time, however starved it was.
const MaxStretch = 10

// ErrLimit is returned (wrapped) by RunWithin when the limit ended the
// child.
var ErrLimit = errors.New("time limit used up")

// sampleEvery is how often a Limit samples the run-queue delays.
const sampleEvery = 250 * time.Millisecond

// A Limit is a time limit on the processes a test starts, charged as
// described above. Make one with NewLimit, create the command with the
// context it returns (exec.CommandContext: cmd.Cancel, if set, runs when
// the limit is used up) and run it with RunWithin.
type Limit struct {
	limit  time.Duration
	cancel context.CancelFunc

	mu      sync.Mutex
	groups  []int // process groups watched (their leaders' PIDs)
	pids    []int // single processes watched (e.g. the server a client waits on)
	start   time.Time
	wall    time.Duration // wall time since the first Watch
	charged time.Duration
	waited  time.Duration // wall time not charged: a thread waited for a CPU
	expired bool
	stop    chan struct{}
	stopped bool
}

// NewLimit returns a Limit of limit and a context, derived from parent,
// that is cancelled when the limit is used up.
func NewLimit(parent context.Context, limit time.Duration) (*Limit, context.Context) {
	ctx, cancel := context.WithCancel(parent)
	return &Limit{limit: limit, cancel: cancel, stop: make(chan struct{})}, ctx
}

// Also adds a process (not its group) whose waiting for a CPU counts as
// the child's: the server a client command waits on.
func (l *Limit) Also(pid int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pids = append(l.pids, pid)
}

// Watch starts charging for process group pgid; the first call starts the
// sampling.
func (l *Limit) Watch(pgid int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.groups = append(l.groups, pgid)
	if l.start.IsZero() {
		l.start = time.Now()
		go l.sample()
	}
}

// Stop ends the sampling and releases the context. Call it when the child
// has ended.
func (l *Limit) Stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.stopped = true
		close(l.stop)
	}
	l.cancel()
}

// Expired reports whether the limit was used up.
func (l *Limit) Expired() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expired
}

// String describes what was charged, for a failure message, e.g.
// "charged 61s of a 1m0s limit in 7m2s of wall time (6m1s waiting for a CPU)".
func (l *Limit) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("charged %v of a %v limit in %v of wall time (%v waiting for a CPU)",
		l.charged.Round(time.Second), l.limit, l.wall.Round(time.Second), l.waited.Round(time.Second))
}

// sample charges the watched processes every sampleEvery until Stop or
// the limit is used up.
func (l *Limit) sample() {
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	last := time.Now()
	var credit time.Duration // waits reported after their interval (settle)
	delays := map[taskID]time.Duration{}
	l.mu.Lock()
	groups, pids := append([]int(nil), l.groups...), append([]int(nil), l.pids...)
	l.mu.Unlock()
	readDelays(groups, pids, delays) // the base line: what the tasks waited before
	for {
		select {
		case <-l.stop:
			return
		case now := <-t.C:
			l.mu.Lock()
			groups, pids = append(groups[:0], l.groups...), append(pids[:0], l.pids...)
			l.mu.Unlock()
			cur := map[taskID]time.Duration{}
			readDelays(groups, pids, cur)
			dwall := now.Sub(last)
			last = now
			var c time.Duration
			c, credit = settle(dwall, waits(delays, cur), credit, l.limit)
			delays = cur
			l.mu.Lock()
			l.wall += dwall
			l.charged += c
			l.waited += dwall - c
			if l.charged >= l.limit || l.wall >= MaxStretch*l.limit {
				l.expired = true
				l.mu.Unlock()
				l.cancel()
				return
			}
			l.mu.Unlock()
		}
	}
}

// taskID names one thread: its process and thread IDs.
type taskID struct{ pid, tid int }

// waits is how long the watched threads waited for a CPU while their
// run-queue delays went from prev to cur, added up (a thread new in cur
// waited all of its delay since the last sample). Adding up can credit a
// process with several starved threads for more than its critical path
// waited; a hang (threads asleep or blocked) waits for nothing.
func waits(prev, cur map[taskID]time.Duration) time.Duration {
	var waited time.Duration
	for id, d := range cur {
		if w := d - prev[id]; w > 0 {
			waited += w
		}
	}
	return waited
}

// settle is the time charged for an interval of dwall in which the
// threads waited waited for a CPU: dwall minus waited, at least 0. The
// kernel adds a wait to a thread's run-queue delay only when the thread
// gets a CPU again, so a long wait shows in the sample after the one it
// began in: what a sample reports beyond its interval is kept as credit,
// at most maxCredit (a limit's worth: a starved process cannot bank
// enough to hide a later hang for long), and spent on the intervals
// after it. It returns the charge and the credit left.
func settle(dwall, waited, credit, maxCredit time.Duration) (charged, left time.Duration) {
	if waited >= dwall {
		return 0, min(credit+waited-dwall, maxCredit)
	}
	c := dwall - waited
	spent := min(c, credit)
	return c - spent, credit - spent
}

// RunWithin is Run with a limit: it starts cmd through StartProcess,
// watches its process group with l, waits for it and reaps the group. cmd
// must have been made with the context NewLimit returned. When the limit
// ended cmd, the error wraps ErrLimit and says what was charged.
func RunWithin(cmd *exec.Cmd, l *Limit) error {
	defer l.Stop()
	if err := StartProcess(cmd); err != nil {
		return err
	}
	defer Reap(cmd)
	l.Watch(cmd.Process.Pid)
	err := cmd.Wait()
	if l.Expired() {
		return fmt.Errorf("%s: %w: %s", cmd.Path, ErrLimit, l)
	}
	return err
}

// CombinedOutputWithin is CombinedOutput with a limit, as RunWithin.
func CombinedOutputWithin(cmd *exec.Cmd, l *Limit) ([]byte, error) {
	if cmd.Stdout != nil || cmd.Stderr != nil {
		return nil, errors.New("combined output: Stdout or Stderr already set")
	}
	var b Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := RunWithin(cmd, l)
	return []byte(b.String()), err
}
