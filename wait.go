package cfinv

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
)

// Invalidation statuses.
const (
	StatusInProgress = "InProgress"
	StatusCompleted  = "Completed"
)

// Polling intervals of Wait: the first poll is immediate, then the interval
// starts at FirstInterval and doubles up to FastInterval while the wait is
// younger than FastPhase, and up to MaxInterval after that. CloudFront
// reports most invalidations complete within 25 s (P95, 2026), so a fixed
// 20 s interval as in the AWS CLI's waiter costs 10 s of needless waiting
// on average. Polling every second while most completions happen bounds
// that to one second (half a second on average; bench/client measures it)
// for at most about 120 calls per distribution; slower invalidations are
// polled every 5 s.
const (
	FirstInterval = 200 * time.Millisecond
	FastInterval  = time.Second
	FastPhase     = 2 * time.Minute
	MaxInterval   = 5 * time.Second
)

// Target is a set of invalidations of one distribution.
type Target struct {
	DistributionID string
	IDs            []string
	// Paths optionally gives the number of paths of each ID, for
	// Progress. Counts missing here are learnt from GetInvalidation
	// answers when an ID is polled on its own.
	Paths map[string]int
}

// Progress is the state of a Wait after one poll.
type Progress struct {
	Elapsed time.Duration
	Done    int // invalidations Completed
	Total   int
	// PathsDone and PathsTotal count the paths of those invalidations;
	// PathsTotal is 0 while the path count of any of them is unknown.
	PathsDone, PathsTotal int
	// Changed lists "DIST/ID: Status" for each invalidation whose status
	// changed at this poll (every one at the first poll).
	Changed []string
	// Err is a transient error of this poll; the wait goes on.
	Err error
}

// WaitOptions tune Wait.
type WaitOptions struct {
	// Deadline ends the wait with *TimeoutError. Zero means none.
	Deadline time.Time
	// FirstInterval, FastInterval, FastPhase and MaxInterval override the
	// package defaults.
	FirstInterval, FastInterval, FastPhase, MaxInterval time.Duration
	// Progress, when not nil, is called after every poll.
	Progress func(Progress)
}

// TimeoutError is returned by Wait when the deadline passed first.
type TimeoutError struct {
	Pending []Target // what was still in progress
	Waited  time.Duration
}

func (e *TimeoutError) Error() string {
	n := 0
	for _, t := range e.Pending {
		n += len(t.IDs)
	}
	return fmt.Sprintf("wait for invalidations: %d still in progress after %s", n, e.Waited.Round(time.Millisecond))
}

// ExitClass is "timeout".
func (e *TimeoutError) ExitClass() string { return classTimeout }

// deadlineGrace is how long a poll started at the deadline may take
// before Wait abandons it.
const deadlineGrace = 5 * time.Second

// Wait polls until every invalidation of targets reads Completed. The
// first poll is immediate; intervals then grow from FirstInterval to
// FastInterval during FastPhase, then to MaxInterval. A distribution with several pending invalidations is polled
// with ListInvalidations (newest first, paged until all are seen) rather
// than one GetInvalidation each. Throttling, server faults and network
// errors are reported through Progress.Err and do not end the wait; other
// errors (an unknown ID, a denied permission) do, and so does an
// unreachable endpoint (ErrUnreachable) before any poll has been answered.
// It returns the final status of every invalidation, keyed "DIST/ID".
func (c *Client) Wait(ctx context.Context, targets []Target, o WaitOptions) (map[string]string, error) {
	first, fast, fastPhase, maxI := o.FirstInterval, o.FastInterval, o.FastPhase, o.MaxInterval
	if first <= 0 {
		first = FirstInterval
	}
	if fast <= 0 {
		fast = FastInterval
	}
	if fastPhase <= 0 {
		fastPhase = FastPhase
	}
	if maxI <= 0 {
		maxI = MaxInterval
	}
	start := c.now()
	pollCtx := ctx
	if !o.Deadline.IsZero() {
		// Bound a poll hung at the deadline on the real clock (c.now may
		// be a test's).
		var cancel context.CancelFunc
		pollCtx, cancel = context.WithTimeout(ctx, o.Deadline.Sub(start)+deadlineGrace)
		defer cancel()
	}
	status := map[string]string{}
	paths := map[string]int{}
	total := 0
	for _, t := range targets {
		total += len(t.IDs)
		for id, n := range t.Paths {
			paths[t.DistributionID+"/"+id] = n
		}
	}
	answered := false
	interval := first
	for {
		var p Progress
		pending := pendingTargets(targets, status)
		for _, t := range pending {
			st, n, err := c.statuses(pollCtx, t.DistributionID, t.IDs)
			if err == nil {
				answered = true
			} else {
				terr := translate("wait", t.DistributionID, err)
				switch {
				case ctx.Err() != nil:
					return status, terr
				case pollCtx.Err() != nil:
					return status, &TimeoutError{Pending: pendingTargets(targets, status), Waited: c.now().Sub(start)}
				case errors.Is(terr, ErrUnreachable):
					// Wrong endpoint or no server: say so now rather than
					// at the deadline. Once the endpoint has answered, a
					// refused connection is a restart worth waiting out.
					if !answered {
						return status, terr
					}
				case !isTransient(err):
					return status, terr
				}
				p.Err = err
			}
			for _, id := range t.IDs {
				k := t.DistributionID + "/" + id
				if v, ok := n[id]; ok {
					if _, known := paths[k]; !known {
						paths[k] = v
					}
				}
				if s, ok := st[id]; ok && s != status[k] {
					status[k] = s
					p.Changed = append(p.Changed, k+": "+s)
				}
			}
		}
		known := true
		for _, t := range targets {
			for _, id := range t.IDs {
				k := t.DistributionID + "/" + id
				v, ok := paths[k]
				known = known && ok
				p.PathsTotal += v
				if status[k] == StatusCompleted {
					p.Done++
					p.PathsDone += v
				}
			}
		}
		if !known {
			p.PathsDone, p.PathsTotal = 0, 0
		}
		p.Total, p.Elapsed = total, c.now().Sub(start)
		if o.Progress != nil {
			o.Progress(p)
		}
		if p.Done == total {
			return status, nil
		}
		if !o.Deadline.IsZero() && !c.now().Before(o.Deadline) {
			return status, &TimeoutError{Pending: pendingTargets(targets, status), Waited: c.now().Sub(start)}
		}
		sleep := interval
		if !o.Deadline.IsZero() {
			// Poll once more right at the deadline rather than oversleep it.
			sleep = min(sleep, o.Deadline.Sub(c.now()))
		}
		if err := c.sleep(ctx, sleep); err != nil {
			return status, fmt.Errorf("wait for invalidations: %w", err)
		}
		limit := maxI
		if c.now().Sub(start) < fastPhase {
			limit = min(fast, maxI)
		}
		interval = min(interval*2, limit)
	}
}

func pendingTargets(targets []Target, status map[string]string) []Target {
	var out []Target
	for _, t := range targets {
		var ids []string
		for _, id := range t.IDs {
			if status[t.DistributionID+"/"+id] != StatusCompleted {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			out = append(out, Target{DistributionID: t.DistributionID, IDs: ids})
		}
	}
	return out
}

// maxListPages bounds how far back ListInvalidations is paged looking for
// pending IDs before falling back to GetInvalidation for the rest.
const maxListPages = 5

// statuses returns the status of each of ids on dist: one GetInvalidation
// for a single ID, ListInvalidations for several. paths has the path count
// of the IDs read with GetInvalidation (list summaries carry none).
func (c *Client) statuses(ctx context.Context, dist string, ids []string) (out map[string]string, paths map[string]int, err error) {
	out, paths = map[string]string{}, map[string]int{}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	if len(ids) > 1 {
		var marker *string
		for page := 0; page < maxListPages && len(want) > 0; page++ {
			res, err := c.API.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist), Marker: marker})
			if err != nil {
				return out, paths, err
			}
			l := res.InvalidationList
			if l == nil {
				break
			}
			for _, s := range l.Items {
				if id := aws.ToString(s.Id); want[id] {
					out[id] = aws.ToString(s.Status)
					delete(want, id)
				}
			}
			if !aws.ToBool(l.IsTruncated) || aws.ToString(l.NextMarker) == "" {
				break
			}
			marker = l.NextMarker
		}
	}
	rest := make([]string, 0, len(want))
	for id := range want {
		rest = append(rest, id)
	}
	sort.Strings(rest)
	for _, id := range rest {
		res, err := c.API.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(id)})
		if err != nil {
			return out, paths, err
		}
		if inv := res.Invalidation; inv != nil {
			out[id] = aws.ToString(inv.Status)
			if b := inv.InvalidationBatch; b != nil && b.Paths != nil {
				paths[id] = int(aws.ToInt32(b.Paths.Quantity))
			}
		}
	}
	return out, paths, nil
}

// ResumeCommand is the `cfinv wait` command line that resumes waiting for
// the invalidations of t; extra flags (such as --endpoint-url U) go before
// the IDs.
func ResumeCommand(t Target, extra ...string) string {
	args := append([]string{"cfinv", "wait", "--distribution-id", t.DistributionID}, extra...)
	return strings.Join(append(args, t.IDs...), " ")
}
