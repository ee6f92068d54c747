package cfinv

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
)

// Invalidation statuses.
const (
	StatusInProgress = "InProgress" // being invalidated

	StatusCompleted = "Completed" // done at every edge location
)

// Polling intervals: the first poll is immediate, then the interval
// starts at firstInterval and doubles up to fastInterval while the wait is
// younger than fastPhase0, and up to maxInterval after that. CloudFront
// reports most invalidations complete within 25 s (P95, 2026), so a fixed
// 20 s interval as in the AWS CLI's waiter costs 10 s of needless waiting
// on average. Polling every second while most completions happen bounds
// that to one second (half a second on average; bench/client measures it)
// for at most about 120 calls per distribution; slower invalidations are
// polled every 5 s.
const (
	firstInterval = 200 * time.Millisecond
	fastInterval  = time.Second
	fastPhase0    = 2 * time.Minute
	maxInterval   = 5 * time.Second
)

// Target is a set of invalidations of one distribution, or of one
// distribution tenant.
type Target struct {
	DistributionID string
	// DistributionTenantID, instead of DistributionID, names a
	// distribution tenant; its invalidations are read with
	// GetInvalidationForDistributionTenant.
	DistributionTenantID string
	IDs                  []string
}

// WaitRequest names the invalidations Wait waits for.
type WaitRequest struct {
	Targets []Target
	// Timeout ends the wait with a *TimeoutError, measured on the
	// Client's clock. Zero means no deadline besides ctx.
	Timeout time.Duration
	// Progress, when not nil, is called with an EventWaitProgress after
	// every poll.
	Progress func(Event)
}

// waitOptions tune wait.
type waitOptions struct {
	// Deadline ends the wait with *TimeoutError. Zero means none.
	Deadline time.Time
	// firstInterval, fastInterval, fastPhase and maxInterval override the
	// package defaults.
	FirstInterval, FastInterval, FastPhase, MaxInterval time.Duration
	// Progress, when not nil, is called after every poll.
	Progress func(Event)
}

// Wait polls until every invalidation of req reads Completed, and returns
// each one with its final status (DistributionID, ID and Status set),
// sorted by distribution and ID; with an error, those it learnt. Targets
// naming a distribution tenant are awaited after the distributions', with
// GetInvalidationForDistributionTenant, and come last, with
// DistributionTenantID set instead of DistributionID.
//
// The first poll is immediate; intervals then grow from 200ms to 1s for
// the first 2 minutes, then to 5s. A distribution with several pending
// invalidations is polled with ListInvalidations rather than one
// GetInvalidation each. Throttling, server faults and network errors are
// reported through Progress and do not end the wait; other errors (an
// unknown ID: ErrNotFound, a denied permission: ErrAccessDenied) do, and so
// does an unreachable endpoint (ErrUnreachable) before any poll has been
// answered. At the deadline the error is a *TimeoutError naming what is
// still pending.
func (c *Client) Wait(ctx context.Context, req WaitRequest) ([]Batch, error) {
	var dl time.Time
	if req.Timeout > 0 {
		dl = c.now().Add(req.Timeout)
	}
	var dists, tenants []Target
	for _, t := range req.Targets {
		switch {
		case t.DistributionID != "" && t.DistributionTenantID != "":
			return nil, invalidInput("wait: a target names distribution %s and distribution tenant %s; give one", t.DistributionID, t.DistributionTenantID)
		case t.DistributionTenantID != "":
			if err := checkTenantID(t.DistributionTenantID); err != nil {
				return nil, fmt.Errorf("wait: %w", err)
			}
			tenants = append(tenants, t)
		default:
			dists = append(dists, t)
		}
	}
	o := waitOptions{Deadline: dl, Progress: req.Progress}
	var out []Batch
	if len(dists) > 0 || len(tenants) == 0 {
		b, err := c.waitDistributions(ctx, dists, o)
		if out = b; err != nil || len(tenants) == 0 {
			return out, err
		}
	}
	b, err := c.waitTenants(ctx, tenants, o)
	return append(out, b...), err
}

// waitDistributions is Wait's part for the targets that name a
// distribution.
func (c *Client) waitDistributions(ctx context.Context, targets []Target, o waitOptions) ([]Batch, error) {
	paths := map[string]int{}
	for _, t := range targets {
		if len(t.IDs) > 1 {
			// Polled together with ListInvalidations, whose summaries
			// carry no path counts: learn them once for the progress.
			for id, n := range c.pathCounts(ctx, t.DistributionID, t.IDs) {
				paths[t.DistributionID+"/"+id] = n
			}
		}
	}
	st, err := c.wait(ctx, targets, paths, o)
	return statusBatches(st), err
}

// statusBatches turns wait's statuses, keyed "DIST/ID", into Batches
// sorted by key.
func statusBatches(st map[string]string) []Batch {
	keys := make([]string, 0, len(st))
	for k := range st {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Batch, 0, len(keys))
	for _, k := range keys {
		d, id, _ := strings.Cut(k, "/")
		out = append(out, Batch{DistributionID: d, ID: id, Status: st[k]})
	}
	return out
}

// deadlineGrace is how long a poll started at the deadline may take
// before Wait abandons it.
const deadlineGrace = 5 * time.Second

// wait polls until every invalidation of targets reads Completed, as Wait
// describes. paths has the path count of invalidations known, keyed
// "DIST/ID". It returns the final status of every invalidation, keyed
// "DIST/ID".
func (c *Client) wait(ctx context.Context, targets []Target, known map[string]int, o waitOptions) (map[string]string, error) {
	first, fast, fastPhase, maxI := o.FirstInterval, o.FastInterval, o.FastPhase, o.MaxInterval
	if first <= 0 {
		first = firstInterval
	}
	if fast <= 0 {
		fast = fastInterval
	}
	if fastPhase <= 0 {
		fastPhase = fastPhase0
	}
	if maxI <= 0 {
		maxI = maxInterval
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
	paths := maps.Clone(known)
	if paths == nil {
		paths = map[string]int{}
	}
	total := 0
	for _, t := range targets {
		total += len(t.IDs)
	}
	answered := false
	interval := first
	for {
		p := Event{Kind: EventWaitProgress}
		pending := pendingTargets(targets, status)
		for _, t := range pending {
			st, n, err := c.statuses(pollCtx, t.DistributionID, t.IDs)
			if err == nil {
				answered = true
			} else {
				terr := c.translate("wait", t.DistributionID, err)
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
				p.Err = c.redactErr(err)
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
			res, err := c.api.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist), Marker: marker})
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
		res, err := c.api.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(id)})
		if err != nil {
			return out, paths, nameInvalidation(c.translate("wait", dist, err), id)
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

// nameInvalidation makes a NoSuchInvalidation error name the invalidation:
// CloudFront's message does not, and of several IDs awaited the user must
// learn which one does not exist (issue 11 item 3).
func nameInvalidation(err error, id string) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == "NoSuchInvalidation" {
		ae.Message = fmt.Sprintf("invalidation %s does not exist: %s", id, ae.Message)
	}
	return err
}
