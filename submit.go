package cfinv

import (
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/internal/journal"
)

// DeployReference is the caller reference of one batch of a deploy: the
// same distribution, set of items (in any order, cache tags in any case)
// and deploy ID always give the same reference, so re-running a deploy
// never buys the same invalidation twice. It is "cfinv-" and 40 hex digits
// of SHA-256.
func DeployReference(dist string, items []string, deployID string) string {
	h := sha256.New()
	fmt.Fprintf(h, "cfinv/1\x00%s\x00%s\x00", dist, deployID)
	// Sorted, tags in lower case (cfpath.PrepareSet's form): references
	// of batches without upper-case tags stay what they were.
	canon := make([]string, len(items))
	for i, it := range items {
		canon[i] = cfpath.CanonicalTag(it)
	}
	slices.Sort(canon)
	for _, it := range canon {
		h.Write([]byte(it))
		h.Write([]byte{0})
	}
	return "cfinv-" + hex.EncodeToString(h.Sum(nil))[:40]
}

// MaxCallerReferenceLen is the longest caller reference cfinv sends: the
// limit Terraform's aws_cloudfront_create_invalidation action enforces, and
// the one cfinv serve applies (CloudFront documents none). It is
// cfpath.MaxCallerReferenceLen, defined there so the emulator shares it.
const MaxCallerReferenceLen = cfpath.MaxCallerReferenceLen

// randomReference returns a fresh reference for one logical request.
func (c *Client) randomReference() (string, error) {
	r := c.random
	if r == nil {
		r = crand.Reader
	}
	var b [10]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("make caller reference: %w", err)
	}
	return fmt.Sprintf("cfinv-%d-%s", c.now().Unix(), hex.EncodeToString(b[:])), nil
}

// references gives each batch its caller reference: derived from deployID
// when set; ref, then ref-2, ref-3… when the user chose one; random
// otherwise.
func (c *Client) references(dist string, batches [][]string, deployID, ref string) ([]string, error) {
	refs := make([]string, len(batches))
	for i, b := range batches {
		switch {
		case deployID != "":
			refs[i] = DeployReference(dist, b, deployID)
		case ref != "" && i == 0:
			refs[i] = ref
		case ref != "":
			refs[i] = fmt.Sprintf("%s-%d", ref, i+1)
		default:
			r, err := c.randomReference()
			if err != nil {
				return nil, err
			}
			refs[i] = r
		}
	}
	return refs, nil
}

// job is one distribution's share of a Request.
type job struct {
	DistributionID string
	// Batches are the items per CreateInvalidation call, as made by
	// cfpath.Prepare; References holds one caller reference per batch.
	Batches    [][]string
	References []string
	DeployID   string // recorded in the journal
	// Deadline bounds the whole job, including waiting for room under the
	// in-progress limits. Zero means no deadline besides ctx.
	Deadline time.Time
	// Journal, when not nil, records submitted batches and resumes those
	// an earlier run created.
	Journal *journal.Journal
	// Event, when not nil, is told what happens: queued, retried, created.
	Event func(Event)
}

// submitted is one batch of a job.
type submitted struct {
	Batch           int // 1-based
	Items           []string
	CallerReference string
	// Invalidation and Location are CloudFront's answer; nil/"" when the
	// batch was not submitted.
	Invalidation *types.Invalidation
	Location     string
	// Resumed is true when the journal showed the batch was submitted by
	// an earlier run, so it was not sent again.
	Resumed bool
}

// jobResult is what submitJob did for one distribution.
type jobResult struct {
	DistributionID string
	Batches        []submitted
}

// done counts the batches CloudFront accepted.
func (r *jobResult) done() int {
	n := 0
	for _, b := range r.Batches {
		if b.Invalidation != nil {
			n++
		}
	}
	return n
}

// budget tracks our own batches still in progress on one distribution,
// against CloudFront's per-distribution limits.
// budget is what this run has in progress on one distribution.
type budget struct {
	ids  []string
	load map[string]cfpath.Load
}

func (b *budget) fits(items []string) bool {
	total := cfpath.LoadOf(items)
	for _, id := range b.ids {
		total = total.Add(b.load[id])
	}
	return len(b.ids) == 0 || total.Fits()
}

func (b *budget) add(id string, items []string) {
	if b.load == nil {
		b.load = map[string]cfpath.Load{}
	}
	b.ids = append(b.ids, id)
	b.load[id] = cfpath.LoadOf(items)
}

// refresh drops the batches CloudFront reports Completed.
func (c *Client) refresh(ctx context.Context, dist string, b *budget) error {
	if len(b.ids) == 0 {
		return nil
	}
	st, _, err := c.statuses(ctx, dist, b.ids)
	if err != nil {
		return err
	}
	kept := b.ids[:0]
	for _, id := range b.ids {
		if st[id] != StatusCompleted {
			kept = append(kept, id)
		}
	}
	b.ids = kept
	return nil
}

// minCallBudget is the least time a batch's calls get, however close the
// deadline.
const minCallBudget = 10 * time.Second

// Backoff between attempts refused by TooManyInvalidationsInProgress or
// throttling that outlived the SDK's own retries.
const (
	backoffBase = time.Second
	backoffMax  = 30 * time.Second
)

// jitter returns a random duration in [d/2, d] ("equal jitter").
func jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// submitJob submits job's batches in order, each with its own caller
// reference, reused for every retry of that batch. Batches that would take
// our own in-progress invalidations past CloudFront's limits (3000 paths,
// 15 wildcards per distribution) are held back until earlier ones
// complete; TooManyInvalidationsInProgress and throttling that outlive the
// SDK's retries are retried with jittered exponential backoff until the
// deadline (then *LimitError). A batch the journal shows as created by an
// earlier run is not sent again. If a batch fails after others were
// created, the error is a *PartialError; the Result always lists every
// batch.
func (c *Client) submitJob(ctx context.Context, job job) (*jobResult, error) {
	if len(job.References) != len(job.Batches) {
		return nil, fmt.Errorf("invalidate %s: %d references for %d batches", job.DistributionID, len(job.References), len(job.Batches))
	}
	event := job.Event
	if event == nil {
		event = func(Event) {}
	}
	res := &jobResult{DistributionID: job.DistributionID}
	for i, items := range job.Batches {
		res.Batches = append(res.Batches, submitted{Batch: i + 1, Items: items, CallerReference: job.References[i]})
	}
	var inflight budget
	for i := range res.Batches {
		sb := &res.Batches[i]
		if err := c.submit(ctx, job, sb, &inflight, event); err != nil {
			if done := res.done(); done > 0 {
				return res, &PartialError{DistributionID: job.DistributionID, Done: done, Total: len(res.Batches), Succeeded: res.created(), Err: err}
			}
			return res, err
		}
		if sb.Invalidation != nil && aws.ToString(sb.Invalidation.Status) != StatusCompleted {
			inflight.add(aws.ToString(sb.Invalidation.Id), sb.Items)
		}
	}
	return res, nil
}

func (c *Client) submit(ctx context.Context, job job, sb *submitted, inflight *budget, event func(Event)) error {
	dist := job.DistributionID
	// The deadline also bounds calls in flight: a server that accepts and
	// never answers is cut off at the deadline, not long after it. Each
	// batch still gets at least minCallBudget, so a short --timeout (meant
	// for --wait) does not stop the submission itself. The deadline is on
	// c.now's clock, which tests may replace, so it becomes a budget on
	// the real clock here.
	callCtx := ctx
	if !job.Deadline.IsZero() {
		var cancel context.CancelFunc
		callCtx, cancel = context.WithTimeout(ctx, max(job.Deadline.Sub(c.now()), minCallBudget))
		defer cancel()
	}
	if job.Journal != nil {
		e, ok, err := job.Journal.Lookup(dist, sb.CallerReference)
		if err != nil {
			// A damaged journal file is reported, never skipped in
			// silence; the batch is still safe to send, as CloudFront
			// answers a reference it knows with its invalidation.
			event(Event{Kind: EventWarning, DistributionID: dist, Batch: sb.Batch, CallerReference: sb.CallerReference, Message: fmt.Sprintf("batch %d: %v", sb.Batch, err)})
		}
		if ok {
			// A reference reused with other paths is refused here, as
			// CloudFront would refuse it, before anything is sent.
			if e.Paths != nil {
				if err := sameBatch(dist, sb, e.InvalidationID, e.Paths); err != nil {
					return err
				}
			}
			out, err := c.api.GetInvalidation(callCtx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(e.InvalidationID)})
			switch {
			case err == nil:
				// CloudFront's record is the authority, and the only one
				// for entries of older versions, which have no paths.
				var b *types.InvalidationBatch
				if out.Invalidation != nil {
					b = out.Invalidation.InvalidationBatch
				}
				if b != nil && b.Paths != nil && len(b.Paths.Items) == int(aws.ToInt32(b.Paths.Quantity)) {
					if err := sameBatch(dist, sb, e.InvalidationID, b.Paths.Items); err != nil {
						return err
					}
				} else if e.Paths == nil && e.Items != len(sb.Items) {
					return batchExists(dist, sb, e.InvalidationID, fmt.Sprintf("%s then, %d now", plural(e.Items, "path"), len(sb.Items)))
				}
				sb.Invalidation, sb.Resumed = out.Invalidation, true
				sb.Location = c.location(dist, e.InvalidationID)
				event(Event{Kind: EventResumed, DistributionID: dist, Batch: sb.Batch, InvalidationID: e.InvalidationID, CallerReference: sb.CallerReference, Paths: len(sb.Items)})
				return nil
			case errorCode(err) != "NoSuchInvalidation":
				return c.translate("get invalidation", dist, err)
			}
			// The journal names an invalidation CloudFront does not know
			// (another endpoint, a reset emulator): submit again.
		}
	}
	start := c.now()
	delay := backoffBase
	tries := 0
	for attempt := 1; ; attempt++ {
		if !inflight.fits(sb.Items) {
			if err := c.refresh(callCtx, dist, inflight); err != nil && (!isTransient(err) || ctx.Err() != nil) {
				return c.translate("list invalidations", dist, err)
			}
		}
		var err error
		if inflight.fits(sb.Items) {
			tries++
			err = c.create(callCtx, job, sb, start)
			if err == nil {
				return nil
			}
			if ctx.Err() != nil {
				return fmt.Errorf("create invalidation for %s: %w", dist, ctx.Err())
			}
			if callCtx.Err() != nil {
				return &DeadlineError{DistributionID: dist, Batch: sb.Batch, Tries: tries, Waited: c.now().Sub(start), Err: c.translate("create invalidation", dist, err)}
			}
			if errorCode(err) == "InvalidationBatchAlreadyExists" {
				e := &APIError{}
				if errors.As(c.translate("create invalidation", dist, err), &e) {
					e.Message = fmt.Sprintf("caller reference %q is already used by a batch with other paths than these %s: %s", sb.CallerReference, plural(len(sb.Items), "path"), e.Message)
				}
				return e
			}
			if !isTransient(err) {
				return c.translate("create invalidation", dist, err)
			}
			event(Event{Kind: EventRetried, DistributionID: dist, Batch: sb.Batch, CallerReference: sb.CallerReference, Paths: len(sb.Items), Err: c.redactErr(err)})
		} else {
			err = fmt.Errorf("queued: our in-progress invalidations leave no room for batch %d under the limits (%d paths, %d wildcards)", sb.Batch, cfpath.MaxInProgressPaths, cfpath.MaxInProgressWildcards)
			if attempt == 1 {
				event(Event{Kind: EventQueued, DistributionID: dist, Batch: sb.Batch, CallerReference: sb.CallerReference, Paths: len(sb.Items)})
			}
		}
		wait := jitter(delay)
		if !job.Deadline.IsZero() {
			// Use the whole deadline: the last sleep is cut to end at the
			// deadline and the batch is tried once more there, instead of
			// giving up as soon as a full backoff step would overshoot it
			// (issue 10: a 5s --timeout gave up after 2.1s although the
			// blocking invalidation completed at 3s).
			left := job.Deadline.Sub(c.now())
			if left <= 0 {
				if tries > 0 && !isLimit(err) {
					return &DeadlineError{DistributionID: dist, Batch: sb.Batch, Tries: tries, Waited: c.now().Sub(start), Err: c.translate("create invalidation", dist, err)}
				}
				return &LimitError{DistributionID: dist, Batch: sb.Batch, Waited: c.now().Sub(start), Err: c.translate("create invalidation", dist, err)}
			}
			wait = min(wait, left)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("create invalidation for %s: %w", dist, err)
		}
		delay = min(delay*2, backoffMax)
	}
}

// isLimit reports whether err is CloudFront refusing for load or limits
// rather than failing: throttling or too many invalidations in progress.
func isLimit(err error) bool {
	switch errorCode(err) {
	case "TooManyInvalidationsInProgress", "Throttling", "ThrottlingException":
		return true
	}
	return false
}

// existingMargin is how much earlier than the batch's first attempt an
// invalidation CloudFront returns must have been created to be taken for
// one of an earlier request: CreateTime's and the Date header's rounding.
const existingMargin = 2 * time.Second

// alreadyCreated reports whether out, CloudFront's answer to a
// CreateInvalidation first sent at start (on c's clock), is an
// invalidation CloudFront had made before, for an earlier request with the
// same caller reference: one created before start. (Its status says
// nothing: an emulator with no completion delay completes a new one at
// once.) CreateTime is on CloudFront's clock; the SDK's measure of its
// skew (from the response's Date header) brings it onto ours. Date is
// truncated to the second, which can only make the invalidation look
// newer, so a new one is not taken for an old one; an answer to a retry of
// this run's own request (the first attempt was created but its answer
// lost) is new too.
func (c *Client) alreadyCreated(out *cloudfront.CreateInvalidationOutput, start time.Time) bool {
	inv := out.Invalidation
	if inv.CreateTime == nil {
		return false
	}
	created := *inv.CreateTime
	if skew, ok := awsmiddleware.GetAttemptSkew(out.ResultMetadata); ok {
		created = created.Add(-skew)
	}
	return created.Before(start.Add(-existingMargin))
}

func (c *Client) create(ctx context.Context, job job, sb *submitted, start time.Time) error {
	dist := job.DistributionID
	if job.Journal != nil {
		if err := job.Journal.Append(journal.Entry{Time: c.now().UTC(), DistributionID: dist, CallerReference: sb.CallerReference, DeployID: job.DeployID, Items: len(sb.Items), State: journal.StateSubmitting}); err != nil {
			return err
		}
	}
	out, err := c.api.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
		DistributionId: aws.String(dist),
		InvalidationBatch: &types.InvalidationBatch{
			CallerReference: aws.String(sb.CallerReference),
			Paths:           &types.Paths{Quantity: aws.Int32(int32(len(sb.Items))), Items: sb.Items},
		},
	})
	if err != nil {
		return err
	}
	if out.Invalidation == nil || out.Invalidation.Id == nil {
		return fmt.Errorf("create invalidation for %s: response has no invalidation ID", dist)
	}
	id := aws.ToString(out.Invalidation.Id)
	if err := checkInvalidationID(id); err != nil {
		return err
	}
	sb.Invalidation, sb.Location = out.Invalidation, aws.ToString(out.Location)
	if sb.Location == "" {
		sb.Location = c.location(dist, id)
	}
	if job.Event != nil {
		e := Event{Kind: EventCreated, DistributionID: dist, Batch: sb.Batch, InvalidationID: id, CallerReference: sb.CallerReference, Paths: len(sb.Items)}
		if c.alreadyCreated(out, start) {
			e.Kind, e.CreateTime = EventAlreadyCreated, aws.ToTime(out.Invalidation.CreateTime)
		}
		job.Event(e)
	}
	if job.Journal != nil {
		if err := job.Journal.Append(journal.Entry{Time: c.now().UTC(), DistributionID: dist, CallerReference: sb.CallerReference, DeployID: job.DeployID, InvalidationID: id, Items: len(sb.Items), Paths: sb.Items, State: journal.StateCreated}); err != nil {
			return fmt.Errorf("invalidation %s was created but not journalled: %w", id, err)
		}
	}
	return nil
}

// sameBatch returns nil when sb's items are the paths recorded for its
// caller reference (in any order: CloudFront compares the batch, not the
// order), and CloudFront's InvalidationBatchAlreadyExists, as a usage
// error naming what differs, when they are not.
func sameBatch(dist string, sb *submitted, id string, recorded []string) error {
	added, removed := diffPaths(recorded, sb.Items)
	if len(added) == 0 && len(removed) == 0 {
		return nil
	}
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "added "+firstFew(added))
	}
	if len(removed) > 0 {
		parts = append(parts, "removed "+firstFew(removed))
	}
	return batchExists(dist, sb, id, strings.Join(parts, "; "))
}

func batchExists(dist string, sb *submitted, id, diff string) error {
	return &APIError{Op: "create invalidation", DistributionID: dist, Code: "InvalidationBatchAlreadyExists",
		Message: fmt.Sprintf("caller reference %q was already used for invalidation %s with other paths (%s); batch %d not sent", sb.CallerReference, id, diff, sb.Batch),
		kind:    ErrBatchExists,
	}
}

// diffPaths returns the items of now missing from then (added) and those
// of then missing from now (removed), each in the order given. Cache tags
// compare case-insensitively, as CloudFront's tags do (cfpath.TagEqual).
func diffPaths(then, now []string) (added, removed []string) {
	in := func(list []string) map[string]bool {
		m := make(map[string]bool, len(list))
		for _, s := range list {
			m[cfpath.CanonicalTag(s)] = true
		}
		return m
	}
	was, is := in(then), in(now)
	for _, s := range now {
		if !was[cfpath.CanonicalTag(s)] {
			added = append(added, s)
		}
	}
	for _, s := range then {
		if !is[cfpath.CanonicalTag(s)] {
			removed = append(removed, s)
		}
	}
	return added, removed
}

// firstFew lists up to three paths and counts the rest.
func firstFew(paths []string) string {
	const n = 3
	if len(paths) <= n {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:n], ", "), len(paths)-n)
}

// plural formats n with noun, adding "s" unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
