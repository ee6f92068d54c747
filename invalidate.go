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
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/internal/journal"
)

// Client runs cfinv's invalidation operations on an API.
type Client struct {
	API API
	// Journal, when not nil, records submitted batches so a re-run with
	// the same deploy ID resumes instead of submitting them again.
	Journal *journal.Journal
	// Now and Sleep are the clock; nil means the real one. Sleep returns
	// early with ctx.Err() when ctx ends.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Random is the source of random caller references; nil means
	// crypto/rand.
	Random io.Reader
	// Endpoint is the base URL the API calls go to (--endpoint-url or the
	// SDK's resolved endpoint), for the Location of an invalidation taken
	// from the journal; "" means DefaultEndpoint.
	Endpoint string
}

// DefaultEndpoint is CloudFront's API endpoint in the aws partition.
const DefaultEndpoint = "https://cloudfront.amazonaws.com"

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// DeployReference is the caller reference of one batch of a deploy: the
// same distribution, canonical batch (Prepare's sorted items) and deploy
// ID always give the same reference, so re-running a deploy never buys the
// same invalidation twice. It is "cfinv-" and 40 hex digits of SHA-256.
func DeployReference(dist string, items []string, deployID string) string {
	h := sha256.New()
	fmt.Fprintf(h, "cfinv/1\x00%s\x00%s\x00", dist, deployID)
	for _, it := range items {
		h.Write([]byte(it))
		h.Write([]byte{0})
	}
	return "cfinv-" + hex.EncodeToString(h.Sum(nil))[:40]
}

// MaxCallerReferenceLen is the longest caller reference cfinv sends: the
// limit Terraform's aws_cloudfront_create_invalidation action enforces, and
// the one cfinv serve applies (CloudFront documents none).
const MaxCallerReferenceLen = 128

// RandomReference returns a fresh reference for one logical request.
func (c *Client) RandomReference() (string, error) {
	r := c.Random
	if r == nil {
		r = crand.Reader
	}
	var b [10]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("make caller reference: %w", err)
	}
	return fmt.Sprintf("cfinv-%d-%s", c.now().Unix(), hex.EncodeToString(b[:])), nil
}

// References gives each batch its caller reference: derived from deployID
// when set; ref, then ref-2, ref-3… when the user chose one; random
// otherwise.
func (c *Client) References(dist string, batches [][]string, deployID, ref string) ([]string, error) {
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
			r, err := c.RandomReference()
			if err != nil {
				return nil, err
			}
			refs[i] = r
		}
	}
	return refs, nil
}

// Job is one distribution's share of an invalidate command.
type Job struct {
	DistributionID string
	// Batches are the items per CreateInvalidation call, as made by
	// cfpath.Prepare; References holds one caller reference per batch.
	Batches    [][]string
	References []string
	DeployID   string // recorded in the journal
	// Deadline bounds the whole job, including waiting for room under the
	// in-progress limits. Zero means no deadline besides ctx.
	Deadline time.Time
	// Event, when not nil, is told what happens: queued, retried, created.
	Event func(format string, a ...any)
}

// Submitted is one batch of a Job.
type Submitted struct {
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

// Result is what Invalidate did for one distribution.
type Result struct {
	DistributionID string
	Batches        []Submitted
}

// Done counts the batches CloudFront accepted.
func (r *Result) Done() int {
	n := 0
	for _, b := range r.Batches {
		if b.Invalidation != nil {
			n++
		}
	}
	return n
}

// PartialError reports a job in which some batches were created and a
// later one failed.
type PartialError struct {
	DistributionID string
	Done, Total    int
	Err            error
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d of %d batches created for %s: %v", e.Done, e.Total, e.DistributionID, e.Err)
}

// Unwrap returns the failure.
func (e *PartialError) Unwrap() error { return e.Err }

// ExitClass is "partial".
func (e *PartialError) ExitClass() string { return classPartial }

// Hint explains how to finish the job.
func (e *PartialError) Hint() string {
	return "re-run the same command with the same --deploy-id: created batches are not sent again"
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

// Invalidate submits job's batches in order, each with its own caller
// reference, reused for every retry of that batch. Batches that would take
// our own in-progress invalidations past CloudFront's limits (3000 paths,
// 15 wildcards per distribution) are held back until earlier ones
// complete; TooManyInvalidationsInProgress and throttling that outlive the
// SDK's retries are retried with jittered exponential backoff until the
// deadline (then *LimitError). A batch the journal shows as created by an
// earlier run is not sent again. If a batch fails after others were
// created, the error is a *PartialError; the Result always lists every
// batch.
func (c *Client) Invalidate(ctx context.Context, job Job) (*Result, error) {
	if len(job.References) != len(job.Batches) {
		return nil, fmt.Errorf("invalidate %s: %d references for %d batches", job.DistributionID, len(job.References), len(job.Batches))
	}
	event := job.Event
	if event == nil {
		event = func(string, ...any) {}
	}
	res := &Result{DistributionID: job.DistributionID}
	for i, items := range job.Batches {
		res.Batches = append(res.Batches, Submitted{Batch: i + 1, Items: items, CallerReference: job.References[i]})
	}
	var inflight budget
	for i := range res.Batches {
		sb := &res.Batches[i]
		if err := c.submit(ctx, job, sb, &inflight, event); err != nil {
			if done := res.Done(); done > 0 {
				return res, &PartialError{DistributionID: job.DistributionID, Done: done, Total: len(res.Batches), Err: err}
			}
			return res, err
		}
		if sb.Invalidation != nil && aws.ToString(sb.Invalidation.Status) != StatusCompleted {
			inflight.add(aws.ToString(sb.Invalidation.Id), sb.Items)
		}
	}
	return res, nil
}

func (c *Client) submit(ctx context.Context, job Job, sb *Submitted, inflight *budget, event func(string, ...any)) error {
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
	if c.Journal != nil {
		if e, ok := c.Journal.Lookup(dist, sb.CallerReference); ok {
			// A reference reused with other paths is refused here, as
			// CloudFront would refuse it, before anything is sent.
			if e.Paths != nil {
				if err := sameBatch(dist, sb, e.InvalidationID, e.Paths); err != nil {
					return err
				}
			}
			out, err := c.API.GetInvalidation(callCtx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(e.InvalidationID)})
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
				event("batch %d: already created as %s by an earlier run (journal); not sent again", sb.Batch, e.InvalidationID)
				return nil
			case errorCode(err) != "NoSuchInvalidation":
				return translate("get invalidation", dist, err)
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
				return translate("list invalidations", dist, err)
			}
		}
		var err error
		if inflight.fits(sb.Items) {
			tries++
			err = c.create(callCtx, job, sb)
			if err == nil {
				return nil
			}
			if ctx.Err() != nil {
				return fmt.Errorf("create invalidation for %s: %w", dist, ctx.Err())
			}
			if callCtx.Err() != nil {
				return &DeadlineError{DistributionID: dist, Batch: sb.Batch, Tries: tries, Waited: c.now().Sub(start), Err: translate("create invalidation", dist, err)}
			}
			if errorCode(err) == "InvalidationBatchAlreadyExists" {
				e := &Error{}
				if errors.As(translate("create invalidation", dist, err), &e) {
					e.Message = fmt.Sprintf("caller reference %q is already used by a batch with other paths than these %s: %s", sb.CallerReference, plural(len(sb.Items), "path"), e.Message)
				}
				return e
			}
			if !isTransient(err) {
				return translate("create invalidation", dist, err)
			}
			event("batch %d: %s; retrying with the same caller reference", sb.Batch, describe(err))
		} else {
			err = fmt.Errorf("queued: our in-progress invalidations leave no room for batch %d under the limits (%d paths, %d wildcards)", sb.Batch, cfpath.MaxInProgressPaths, cfpath.MaxInProgressWildcards)
			if attempt == 1 {
				event("batch %d: queued until earlier batches complete", sb.Batch)
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
					return &DeadlineError{DistributionID: dist, Batch: sb.Batch, Tries: tries, Waited: c.now().Sub(start), Err: translate("create invalidation", dist, err)}
				}
				return &LimitError{DistributionID: dist, Batch: sb.Batch, Waited: c.now().Sub(start), Err: translate("create invalidation", dist, err)}
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

func describe(err error) string {
	if code := errorCode(err); code != "" {
		return code
	}
	return Redact(err.Error())
}

func (c *Client) create(ctx context.Context, job Job, sb *Submitted) error {
	dist := job.DistributionID
	if c.Journal != nil {
		if err := c.Journal.Append(journal.Entry{Time: c.now().UTC(), DistributionID: dist, CallerReference: sb.CallerReference, DeployID: job.DeployID, Items: len(sb.Items), State: journal.StateSubmitting}); err != nil {
			return err
		}
	}
	out, err := c.API.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
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
	sb.Invalidation, sb.Location = out.Invalidation, aws.ToString(out.Location)
	id := aws.ToString(out.Invalidation.Id)
	if sb.Location == "" {
		sb.Location = c.location(dist, id)
	}
	if job.Event != nil {
		job.Event("batch %d: created %s (%s, reference %s)", sb.Batch, id, plural(len(sb.Items), "path"), sb.CallerReference)
	}
	if c.Journal != nil {
		if err := c.Journal.Append(journal.Entry{Time: c.now().UTC(), DistributionID: dist, CallerReference: sb.CallerReference, DeployID: job.DeployID, InvalidationID: id, Items: len(sb.Items), Paths: sb.Items, State: journal.StateCreated}); err != nil {
			return fmt.Errorf("invalidation %s was created but not journalled: %w", id, err)
		}
	}
	return nil
}

// location is the URL of invalidation id on the endpoint in use.
func (c *Client) location(dist, id string) string {
	base := strings.TrimSuffix(c.Endpoint, "/")
	if base == "" {
		base = DefaultEndpoint
	}
	return base + "/2020-05-31/distribution/" + dist + "/invalidation/" + id
}

// sameBatch returns nil when sb's items are the paths recorded for its
// caller reference (in any order: CloudFront compares the batch, not the
// order), and CloudFront's InvalidationBatchAlreadyExists, as a usage
// error naming what differs, when they are not.
func sameBatch(dist string, sb *Submitted, id string, recorded []string) error {
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

func batchExists(dist string, sb *Submitted, id, diff string) error {
	return &Error{Op: "create invalidation", DistributionID: dist, Code: "InvalidationBatchAlreadyExists",
		Message: fmt.Sprintf("caller reference %q was already used for invalidation %s with other paths (%s); batch %d not sent", sb.CallerReference, id, diff, sb.Batch),
		class:   classUsage,
		hint:    "a caller reference names one batch: use a new --caller-reference or --deploy-id for other paths",
	}
}

// diffPaths returns the items of now missing from then (added) and those
// of then missing from now (removed), each in the order given.
func diffPaths(then, now []string) (added, removed []string) {
	in := func(list []string) map[string]bool {
		m := make(map[string]bool, len(list))
		for _, s := range list {
			m[s] = true
		}
		return m
	}
	was, is := in(then), in(now)
	for _, s := range now {
		if !was[s] {
			added = append(added, s)
		}
	}
	for _, s := range then {
		if !is[s] {
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

// Distribution is a distribution as cfinv lists and resolves them.
type Distribution struct {
	ID         string
	DomainName string
	Aliases    []string
	Status     string
	Enabled    bool
	Comment    string
}

// Distributions lists every distribution, following pagination.
func (c *Client) Distributions(ctx context.Context) ([]Distribution, error) {
	var out []Distribution
	var marker *string
	for {
		page, err := c.API.ListDistributions(ctx, &cloudfront.ListDistributionsInput{Marker: marker})
		if err != nil {
			return nil, translate("list distributions", "", err)
		}
		l := page.DistributionList
		if l == nil {
			return out, nil
		}
		for _, s := range l.Items {
			d := Distribution{ID: aws.ToString(s.Id), DomainName: aws.ToString(s.DomainName), Status: aws.ToString(s.Status), Enabled: aws.ToBool(s.Enabled), Comment: aws.ToString(s.Comment)}
			if s.Aliases != nil {
				d.Aliases = s.Aliases.Items
			}
			out = append(out, d)
		}
		if !aws.ToBool(l.IsTruncated) || aws.ToString(l.NextMarker) == "" {
			return out, nil
		}
		marker = l.NextMarker
	}
}

// LooksLikeID reports whether s has the shape of a distribution ID ("E"
// and upper-case letters and digits) rather than a domain name.
func LooksLikeID(s string) bool {
	if len(s) < 8 || len(s) > 20 || strings.Contains(s, ".") {
		return false
	}
	for _, r := range s {
		if !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// ErrNoMatch is wrapped by Resolve when no distribution has the name.
var ErrNoMatch = errors.New("no distribution matches")

// Resolve maps a domain name to distribution IDs: a distribution matches
// when its CloudFront domain or an alias equals name (case-insensitively),
// or when an alias "*.example.com" covers name "x.example.com". Exact
// matches win over wildcard aliases.
func Resolve(dists []Distribution, name string) ([]string, error) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	var exact, wild []string
	for _, d := range dists {
		if strings.EqualFold(d.DomainName, name) {
			exact = append(exact, d.ID)
			continue
		}
		for _, a := range d.Aliases {
			a = strings.ToLower(a)
			if a == name {
				exact = append(exact, d.ID)
				break
			}
			if suffix, ok := strings.CutPrefix(a, "*"); ok && strings.HasSuffix(name, suffix) && !strings.Contains(strings.TrimSuffix(name, suffix), ".") && len(name) > len(suffix) {
				wild = append(wild, d.ID)
				break
			}
		}
	}
	switch {
	case len(exact) > 0:
		return exact, nil
	case len(wild) > 0:
		return wild, nil
	}
	return nil, &Error{Op: "resolve distribution", Message: fmt.Sprintf("%v %q by domain name or alias", ErrNoMatch, name), class: classNotFound,
		hint: "`cfinv distributions` lists IDs, domains and aliases", Err: ErrNoMatch}
}

// plural formats n with noun, adding "s" unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
