package cfinv

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/internal/journal"
)

// Request is one invalidation: paths for one or more distributions.
type Request struct {
	// DistributionID is a distribution ID, or a domain name or alias
	// resolved with ListDistributions: a distribution matches when its
	// CloudFront domain or an alias equals the name (case-insensitively),
	// or when an alias *.example.com covers it; exact matches win, and a
	// wildcard alias may match several distributions.
	DistributionID string
	// DistributionIDs adds more distributions, each as DistributionID.
	// Every distribution gets the same batches.
	DistributionIDs []string
	// DistributionTenantID, instead of distributions, names one
	// distribution tenant of a multi-tenant distribution by its ID (not
	// resolved: letters, digits, '_' and '-', such as dt_2ABC). Its
	// batches go to CreateInvalidationForDistributionTenant and are
	// awaited with GetInvalidationForDistributionTenant, with the same
	// batching, caller references, journal, limits and retries; the
	// Result's batches carry the ID in Batch.DistributionTenantID, and
	// Progress events in Event.DistributionID.
	DistributionTenantID string
	// Paths are the paths and #cache-tags to invalidate. They are cleaned
	// and encoded (cfpath.Prepare: a missing leading '/' is added, unsafe
	// characters percent-encoded, duplicates and paths a wildcard covers
	// dropped) and split into batches of at most 3000 paths and 15
	// wildcards, in the order given. With a DeployID the batches depend on
	// the set of paths alone (cfpath.PrepareSet: each batch sorted, tags in
	// lower case), so that a re-run with the paths in another order makes
	// the same batches with the same caller references.
	Paths []string
	// Batches, instead of Paths, are sent as they are, one
	// CreateInvalidation call each (as a plan file gives them); every
	// item must already be valid (cfpath.Validate).
	Batches [][]string
	// DeployID, when set, derives each batch's caller reference from the
	// distribution, the batch and the deploy ID (DeployReference), so a
	// re-run of the same deploy resumes from the journal, or is
	// deduplicated by CloudFront, instead of paying again.
	DeployID string
	// CallerReference, when set (and DeployID is not), is the reference
	// of the first batch; later ones get "-2", "-3"…. The longest, suffix
	// included, may have MaxCallerReferenceLen characters. When neither is
	// set, each batch gets a random reference.
	CallerReference string
	// Wait makes Invalidate return only when every batch is Completed.
	Wait bool
	// Timeout bounds the whole request on the Client's clock: queueing
	// under the in-progress limits, retries, and the wait. Each batch
	// still gets at least 10 s for its calls, so a short Timeout meant for
	// the wait does not stop the submission. Zero means no deadline; ctx
	// ends everything at once, whatever Timeout says.
	Timeout time.Duration
	// DryRun resolves the distributions, cleans the paths and derives the
	// caller references, and sends nothing: the Result lists the batches
	// that would be sent, none with an ID.
	DryRun bool
	// Progress, when not nil, is called with every Event, from the
	// goroutine that called Invalidate.
	Progress func(Event)
}

// Batch is one CreateInvalidation call of a request.
type Batch struct {
	DistributionID string
	// DistributionTenantID is set, and DistributionID empty, for a
	// batch of a distribution tenant (Request.DistributionTenantID).
	DistributionTenantID string
	Number               int    // 1-based, among its distribution's batches
	ID                   string // the invalidation's ID; "" when not created
	CallerReference      string
	// Paths are the batch's paths, as CloudFront recorded them when
	// known.
	Paths []string
	// Status is InProgress or Completed, as last seen; "" when not
	// created.
	Status     string
	Location   string // the invalidation's URL on the API endpoint
	CreateTime time.Time
	// Resumed is true when the journal showed the batch created by an
	// earlier run, so it was not sent (or billed) again.
	Resumed bool
}

// Result is what Invalidate did.
type Result struct {
	// Batches lists every batch of every distribution, in order, created
	// or not.
	Batches []Batch
	// BilledPaths counts the paths this request may pay for: those of
	// the batches CloudFront accepted, except those resumed from the
	// journal; with DryRun, of every batch. (A batch CloudFront returned
	// for a caller reference it already knew is not billed again, but
	// without the journal it counts here.)
	BilledPaths int
}

// Invalidate invalidates req.Paths (or req.Batches) on every distribution
// of req. Everything it can check is checked before the first call: the
// paths, the caller reference's length, the journal. Then it resolves
// domain names, derives the caller references and submits each
// distribution's batches in order, each with its own caller reference,
// reused for every retry of that batch, so a retry never bills twice.
//
// Batches that would take the request's own in-progress invalidations past
// CloudFront's limits (3000 paths, 15 wildcards per distribution) are held
// back until earlier ones complete; TooManyInvalidationsInProgress and
// throttling that outlive the SDK's retries are retried with jittered
// exponential backoff until the deadline (then *LimitError), transient
// failures likewise (then *DeadlineError). A batch the journal shows as
// created by an earlier run is not sent again; one whose caller reference
// was used with other paths is refused with ErrBatchExists before it is
// sent. With req.Wait it then waits as Wait does (*TimeoutError at the
// deadline).
//
// The Result always lists every batch, also with an error. When some
// batches or distributions succeeded and others failed, the error is a
// *PartialError.
func (c *Client) Invalidate(ctx context.Context, req Request) (*Result, error) {
	progress := req.Progress
	if progress == nil {
		progress = func(Event) {}
	}
	names := req.names()
	batches, err := req.check(progress)
	if err != nil {
		return nil, err
	}
	if req.DistributionTenantID != "" {
		return c.invalidateTenant(ctx, req, batches)
	}
	// The journal is an input too: open it before the first call.
	var j *journal.Journal
	if c.stateDir != "" && !req.DryRun {
		if j, err = journal.Open(c.stateDir); err != nil {
			if req.DeployID != "" {
				return nil, err
			}
			progress(Event{Kind: EventNoJournal, Err: err})
			j = nil
		} else {
			defer j.Close()
			if err := j.Damage(); err != nil {
				progress(Event{Kind: EventWarning, Message: err.Error()})
			}
		}
	}
	var dl time.Time
	if req.Timeout > 0 {
		dl = c.now().Add(req.Timeout)
	}
	dists := names // a tenant ID is not resolved
	if !c.tenant {
		if dists, err = c.Resolve(ctx, names...); err != nil {
			return nil, err
		}
	}
	refs := make([][]string, len(dists))
	for i, d := range dists {
		if refs[i], err = c.references(d, batches, req.DeployID, req.CallerReference); err != nil {
			return nil, err
		}
	}
	if req.DryRun {
		res := &Result{}
		for i, d := range dists {
			for k, b := range batches {
				res.Batches = append(res.Batches, Batch{DistributionID: d, Number: k + 1, CallerReference: refs[i][k], Paths: b})
				res.BilledPaths += len(b)
			}
		}
		return res, nil
	}

	var jobs []*jobResult
	var failures []error
	for i, d := range dists {
		jr, err := c.submitJob(ctx, job{DistributionID: d, Batches: batches, References: refs[i], DeployID: req.DeployID, Deadline: dl, Journal: j, Event: progress})
		if jr != nil {
			jobs = append(jobs, jr)
		}
		if err != nil {
			failures = append(failures, err)
		}
	}
	res := &Result{}
	for _, jr := range jobs {
		for _, b := range jr.toBatches() {
			res.Batches = append(res.Batches, b)
			if b.ID != "" && !b.Resumed {
				res.BilledPaths += len(b.Paths)
			}
		}
	}

	var waitErr error
	if req.Wait {
		var targets []Target
		paths := map[string]int{}
		for _, jr := range jobs {
			t := Target{DistributionID: jr.DistributionID}
			for _, b := range jr.Batches {
				if b.Invalidation != nil {
					id := aws.ToString(b.Invalidation.Id)
					t.IDs = append(t.IDs, id)
					paths[jr.DistributionID+"/"+id] = len(b.Items)
				}
			}
			if len(t.IDs) > 0 {
				targets = append(targets, t)
			}
		}
		var st map[string]string
		st, waitErr = c.wait(ctx, targets, paths, waitOptions{Deadline: dl, Progress: progress})
		for i, b := range res.Batches {
			if s, ok := st[b.DistributionID+"/"+b.ID]; ok {
				res.Batches[i].Status = s
			}
		}
	}
	return res, combineErrors(failures, len(dists), res, waitErr)
}

// combineErrors picks the request's error: a failure of some but not all
// distributions is partial; a wait error (of the batches that were
// created) comes last, joined to a failure if there is one.
func combineErrors(failures []error, dists int, res *Result, waitErr error) error {
	var err error
	switch {
	case len(failures) == 0:
		return waitErr
	case len(failures) == 1 && dists == 1:
		err = failures[0]
	case len(failures) < dists:
		var ok []Batch
		for _, b := range res.Batches {
			if b.ID != "" {
				ok = append(ok, b)
			}
		}
		err = &PartialError{Done: dists - len(failures), Total: dists, Succeeded: ok, Err: errors.Join(failures...)}
	default:
		err = errors.Join(failures...)
	}
	if waitErr != nil {
		return errors.Join(err, waitErr)
	}
	return err
}

// Validate checks req as Invalidate does before its first call, without
// calling anything: a distribution is named, the paths (or batches) are
// valid, and the caller reference fits. Its errors match ErrInvalidInput or
// ErrInvalidPath. Invalidate validates on its own; Validate is for callers
// that want to refuse bad input before doing anything else (loading AWS
// configuration, say, or planning a Terraform change).
func (r Request) Validate() error {
	_, err := r.check(func(Event) {})
	return err
}

// names returns the distributions r names, DistributionID first.
func (r Request) names() []string {
	if r.DistributionID != "" {
		return append([]string{r.DistributionID}, r.DistributionIDs...)
	}
	return r.DistributionIDs
}

// check validates r and returns its batches, reporting path warnings.
func (r Request) check(progress func(Event)) ([][]string, error) {
	switch {
	case r.DistributionTenantID != "" && len(r.names()) > 0:
		return nil, invalidInput("invalidate: give distributions or a distribution tenant (%s), not both", r.DistributionTenantID)
	case r.DistributionTenantID != "":
		if err := checkTenantID(r.DistributionTenantID); err != nil {
			return nil, fmt.Errorf("invalidate: %w", err)
		}
	case len(r.names()) == 0:
		return nil, invalidInput("invalidate: no distribution")
	}
	if r.Timeout < 0 {
		return nil, invalidInput("invalidate: negative timeout %s", r.Timeout)
	}
	batches, err := batchesOf(r, progress)
	if err != nil {
		return nil, err
	}
	if err := checkReference(r.CallerReference, len(batches)); err != nil {
		return nil, err
	}
	return batches, nil
}

// batchesOf cleans req.Paths into batches, or checks req.Batches.
func batchesOf(req Request, progress func(Event)) ([][]string, error) {
	switch {
	case len(req.Paths) == 0 && len(req.Batches) == 0:
		return nil, invalidInput("invalidate: no paths")
	case len(req.Paths) > 0 && len(req.Batches) > 0:
		return nil, invalidInput("invalidate: give Paths or Batches, not both")
	case len(req.Batches) > 0:
		for _, b := range req.Batches {
			if len(b) == 0 {
				return nil, invalidInput("invalidate: empty batch")
			}
			for _, it := range b {
				if err := cfpath.Validate(it); err != nil {
					return nil, invalidPath(err)
				}
			}
		}
		return req.Batches, nil
	}
	prepare := cfpath.Prepare
	if req.DeployID != "" {
		// A re-run of the deploy must make the same batches, item for
		// item, so that their references are the same and CloudFront
		// answers them with the invalidations it already made, whatever
		// order the paths come in.
		prepare = cfpath.PrepareSet
	}
	p, err := prepare(req.Paths)
	if err != nil {
		return nil, invalidPath(err)
	}
	for _, w := range p.Warnings {
		progress(Event{Kind: EventWarning, Message: w.String()})
	}
	return p.Batches, nil
}

// checkReference refuses a caller reference that, with the "-N" suffix of
// the last batch, is longer than MaxCallerReferenceLen: CloudFront would
// refuse it, after earlier batches were created and billed.
func checkReference(ref string, batches int) error {
	if ref == "" {
		return nil
	}
	longest := ref
	if batches > 1 {
		longest = fmt.Sprintf("%s-%d", ref, batches)
	}
	if n := utf8.RuneCountInString(longest); n > MaxCallerReferenceLen {
		if batches > 1 {
			return invalidInput("caller reference %q is %d characters with the suffix of batch %d (%q); at most %d are accepted", ref, n, batches, longest, MaxCallerReferenceLen)
		}
		return invalidInput("caller reference %q is %d characters; at most %d are accepted", ref, n, MaxCallerReferenceLen)
	}
	return nil
}

// toBatches converts r's batches into the public form.
func (r *jobResult) toBatches() []Batch {
	out := make([]Batch, 0, len(r.Batches))
	for _, sb := range r.Batches {
		b := Batch{DistributionID: r.DistributionID, Number: sb.Batch, CallerReference: sb.CallerReference, Paths: sb.Items, Location: sb.Location, Resumed: sb.Resumed}
		if inv := sb.Invalidation; inv != nil {
			b.ID, b.Status, b.CreateTime = aws.ToString(inv.Id), aws.ToString(inv.Status), aws.ToTime(inv.CreateTime)
			if ib := inv.InvalidationBatch; ib != nil {
				if ref := aws.ToString(ib.CallerReference); ref != "" {
					b.CallerReference = ref
				}
				if ib.Paths != nil && ib.Paths.Items != nil {
					b.Paths = ib.Paths.Items
				}
			}
		}
		out = append(out, b)
	}
	return out
}

// created is the batches of r that CloudFront accepted.
func (r *jobResult) created() []Batch {
	var out []Batch
	for _, b := range r.toBatches() {
		if b.ID != "" {
			out = append(out, b)
		}
	}
	return out
}
