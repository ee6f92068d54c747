package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/cfinv/cfinv/deploy"
)

// deployStep is what the progress of a deploy knows of the step under
// way: its name, objects done of the total, bytes sent of the total (zero
// when the step sends none), and when it started.
type deployStep struct {
	Step              deploy.Step
	Done, Total       int
	Bytes, TotalBytes int64
	Start             time.Time
}

// deployProgress shows a deploy's events on w. On a terminal (live) one
// line is redrawn in place with the step's name, objects, bytes, rate and
// ETA, at most every liveRedraw; when a step ends its last state stays on
// its own line. Otherwise (CI logs, a pipe) it prints one line per step,
// when the step starts, and the steps' messages (the invalidation's
// paths). It may be called from several goroutines at once.
type deployProgress struct {
	w    io.Writer
	live bool
	now  func() time.Time

	mu     sync.Mutex
	cur    *deployStep
	drawn  bool      // a live line is on the screen
	lastAt time.Time // when it was drawn
}

// liveRedraw is the least time between two redraws of the live line.
const liveRedraw = 100 * time.Millisecond

func newDeployProgress(w io.Writer, live bool, now func() time.Time) *deployProgress {
	if now == nil {
		now = time.Now
	}
	return &deployProgress{w: w, live: live, now: now}
}

// event takes one of deploy's progress events.
func (p *deployProgress) event(e deploy.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Message != "" {
		if p.cur != nil && p.cur.Step != e.Step {
			p.finish()
		}
		p.clear()
		fmt.Fprintf(p.w, "%s: %s\n", e.Step, e.Message)
		return
	}
	if p.cur == nil || p.cur.Step != e.Step {
		p.finish()
		p.cur = &deployStep{Step: e.Step, Start: p.now()}
		if e.Key == "" && e.Total == 0 {
			// A step with nothing to do (an empty deletion step).
			p.cur = nil
			return
		}
		p.cur.Total, p.cur.TotalBytes = e.Total, e.TotalBytes
		if !p.live {
			fmt.Fprintln(p.w, stepStartLine(*p.cur))
		}
	}
	s := p.cur
	s.Total = max(s.Total, e.Total)
	if e.TotalBytes > 0 {
		s.TotalBytes = e.TotalBytes
	}
	if e.Done > s.Done {
		s.Done, s.Bytes = e.Done, max(s.Bytes, e.Bytes)
	}
	if p.live {
		if now := p.now(); !p.drawn || now.Sub(p.lastAt) >= liveRedraw || s.Done == s.Total {
			p.draw(now)
		}
	}
}

// end ends the last step's line; call it when the deploy returns.
func (p *deployProgress) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finish()
}

// finish leaves the live line of the step under way on the screen.
func (p *deployProgress) finish() {
	if p.live && p.cur != nil {
		p.draw(p.now())
		fmt.Fprintln(p.w)
		p.drawn = false
	}
	p.cur = nil
}

// clear erases the live line, for a line printed above it.
func (p *deployProgress) clear() {
	if p.live && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

func (p *deployProgress) draw(now time.Time) {
	fmt.Fprint(p.w, "\r\x1b[K"+deployLine(*p.cur, now.Sub(p.cur.Start)))
	p.drawn, p.lastAt = true, now
}

// stepStartLine is the line printed when a step starts, off a terminal:
// "upload assets: 12 objects, 3.4 MB".
func stepStartLine(s deployStep) string {
	noun := "object"
	if s.Step == deploy.StepScan {
		noun = "file"
	}
	line := fmt.Sprintf("%s: %s", s.Step, count(s.Total, noun, noun+"s"))
	if s.TotalBytes > 0 {
		line += ", " + humanBytes(s.TotalBytes)
	}
	return line
}

// deployLine is the live line of step s, elapsed after it started:
// "upload assets: 12/40 objects, 1.2 MB/3.4 MB, 2.1 MB/s, ETA 3s". The
// rate and the ETA follow the bytes when the step sends bytes, else the
// objects; they are left out until there is something to go on.
func deployLine(s deployStep, elapsed time.Duration) string {
	noun := "objects"
	if s.Step == deploy.StepScan {
		noun = "files"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d/%d %s", s.Step, s.Done, s.Total, noun)
	secs := elapsed.Seconds()
	switch {
	case s.TotalBytes > 0:
		fmt.Fprintf(&b, ", %s/%s", humanBytes(s.Bytes), humanBytes(s.TotalBytes))
		if s.Bytes > 0 && secs > 0 {
			rate := float64(s.Bytes) / secs
			fmt.Fprintf(&b, ", %s/s", humanBytes(int64(rate)))
			if s.Bytes < s.TotalBytes {
				fmt.Fprintf(&b, ", ETA %s", eta(float64(s.TotalBytes-s.Bytes)/rate))
			}
		}
	case s.Done > 0 && s.Done < s.Total && secs > 0:
		fmt.Fprintf(&b, ", ETA %s", eta(float64(s.Total-s.Done)*secs/float64(s.Done)))
	}
	if s.Total > 0 && s.Done == s.Total {
		fmt.Fprintf(&b, ", done in %s", eta(secs))
	}
	return b.String()
}

// eta is secs rounded for a human: 0.4s, 12s, 3m05s, 2h10m.
func eta(secs float64) string {
	d := time.Duration(secs * float64(time.Second))
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// humanBytes is n in B, kB, MB or GB (powers of 1000, as rates are).
func humanBytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	default:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	}
}
