package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/semaphore"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/changes"
	"github.com/cfinv/cfinv/plan"
)

// run is one Run.
type run struct {
	s3 *s3.Client
	tm *transfermanager.Client // uploads in parts
	// uploadMem holds the bytes of uploadMemory each upload needs while it
	// runs (run.memory), so the buffers of the uploads in flight stay
	// under uploadMemory whatever the site and its files' sizes.
	uploadMem *semaphore.Weighted
	cf        *cfinv.Client
	o         Options
	rep       *Report
	id        string

	files  *site    // in the order of their keys (scan)
	bounds []string // of the listing's ranges: every rangeSize-th key that has one after it (scan)
	remote *listing
	// marker is the valid clean marker read after the listing, if any;
	// heads the objects read to find it.
	marker *marker
	heads  map[string]*s3.HeadObjectOutput
	// What this run stored: the ETag of each upload, by group in key
	// order (stored), that of each object marked removed (kept); written
	// counts them.
	mu      sync.Mutex
	stored  [groups]*listing
	kept    map[string]etag
	written int
	// the distributions to invalidate (readDistributions)
	targets []target
	// what the comparison found: the objects to upload, by group, each
	// in key order (tables of changes)
	changes   [groups]*site
	purge     []string // keys whose URLs to invalidate, deletions aside
	deletions []string // keys to delete now
	keysErr   error    // the first failure of allKeys
}

// The groups of uploads, in the order they are stored: assets, new before
// changed, then entries, likewise.
const (
	assetsNew = iota
	assetsChanged
	entriesNew
	entriesChanged
	groups
)

// group is the group of c.
func group(c *change) int {
	switch {
	case c.f.Settings.Entry && c.reason == ReasonNew:
		return entriesNew
	case c.f.Settings.Entry:
		return entriesChanged
	case c.reason == ReasonNew:
		return assetsNew
	}
	return assetsChanged
}

// close releases the run's temporary files.
func (d *run) close() {
	for _, s := range append([]*site{d.files}, d.changes[:]...) {
		if s != nil {
			s.close()
		}
	}
	for _, l := range append([]*listing{d.remote}, d.stored[:]...) {
		if l != nil {
			l.close()
		}
	}
}

// object is what a deploy keeps of a listed object: its ETag (as listed,
// quoted), size and LastModified. A listing holds one per object under
// the prefix, so it is smaller than the SDK's types.Object, and its ETag
// does not keep the string of the listing's page.
type object struct {
	ETag     etag
	Size     int64
	Modified time.Time
}

// change is an object to upload.
type change struct {
	f        *file
	reason   Reason
	replaced bool // an object was there before: its URLs need invalidating
	etag     etag // once stored by this run (wrote)
}

func (d *run) run(ctx context.Context) error {
	// The listing (and the read of the clean marker) and the reads of
	// the distributions need nothing from the scan: all run at once, the
	// scan on the CPU, the others waiting on S3 and CloudFront.
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	listed, read := make(chan error, 1), make(chan error, 1)
	// The listing waits for the walk (the first, short part of the
	// scan): the site's keys, in key order, split the prefix into
	// ranges listed in parallel (eachListedInRanges).
	bounds := make(chan []string, 1)
	go func() {
		var err error
		select {
		case b := <-bounds:
			d.remote, err = d.list(lctx, b)
		case <-lctx.Done():
			err = lctx.Err()
		}
		if err == nil {
			err = d.readMarker(lctx)
		}
		if err != nil {
			cancel()
		}
		listed <- err
	}()
	go func() {
		err := d.readDistributions(lctx)
		if err != nil {
			cancel()
		}
		read <- err
	}()
	var err error
	d.files, d.rep.FilesRead, err = scan(lctx, d.o, func(b []string) {
		d.bounds = b
		bounds <- b
	})
	if err != nil {
		cancel()
	}
	lerr, rerr := <-listed, <-read
	// The first failure is reported, not the cancellation it caused in
	// the others.
	for _, e := range []error{err, lerr, rerr} {
		if e != nil && !errors.Is(e, context.Canceled) {
			return e
		}
	}
	for _, e := range []error{err, lerr, rerr} {
		if e != nil {
			return e
		}
	}
	d.rep.Files = d.files.len()
	d.id = d.o.DeployID
	if d.id == "" {
		if d.id, err = deriveSiteID(d.o.Bucket, d.o.Prefix, d.files); err != nil {
			return err
		}
	}
	d.rep.DeployID = d.id
	if err := d.compare(ctx); err != nil {
		return err
	}
	if err := d.chooseDeletions(ctx); err != nil {
		return err
	}
	// The invalidations are planned now, before the first write, so
	// that budgets no plan can meet stop the deploy before anything is
	// uploaded; they are planned again (the same plans) and sent after
	// the last upload.
	if err := d.checkPlans(); err != nil {
		return err
	}
	if !d.o.DryRun {
		if err := d.abortLeftovers(ctx); err != nil {
			return err
		}
	}
	// Step 1: assets, new before changed; step 2: entries, likewise.
	// Each group is stored whole before the next starts.
	if err := d.upload(ctx, StepAssets, assetsNew, assetsChanged); err != nil {
		return err
	}
	if err := d.upload(ctx, StepEntries, entriesNew, entriesChanged); err != nil {
		return err
	}
	if err := d.invalidate(ctx); err != nil {
		return err
	}
	err = d.delete(ctx)
	if (err == nil || errors.Is(err, ErrTooManyDeletions)) && !d.o.DryRun {
		// Every write is done: mark the prefix clean for the next
		// deploy. Without a marker that one only reads more, so a
		// failure here does not fail the deploy.
		why, merr := d.writeMarker(ctx)
		if merr != nil {
			why = merr.Error()
		}
		if why != "" {
			d.o.event(Event{Step: StepMark, Message: "no clean marker: " + why})
		}
	}
	return err
}

// compare sorts every file into unchanged, new and changed, reading an
// object's metadata only when the listing cannot tell. The listing is
// read once, beside the files (both in key order); the objects to read
// are read o.Concurrency at a time, and every file's result is taken in
// key order, into the tables of changes.
func (d *run) compare(ctx context.Context) error {
	type item struct {
		f       *file
		obj     object
		read    bool // obj must be read (compareRead)
		c       *change
		resumed bool
	}
	cur, files := d.remote.cursor(), d.files.cursor()
	next := func() (*item, bool) {
		if !files.ok {
			return nil, false
		}
		f := files.f
		files.next()
		it := &item{f: f}
		switch listed := cur.seek(f.Key); {
		case !listed:
			it.c = &change{f: f, reason: ReasonNew}
		case cur.obj.Size != f.Size:
			// Other bytes, whatever the ETag is: no request needed.
			it.c = &change{f: f, reason: ReasonChanged, replaced: true}
		case d.trusted(f, cur.obj):
		default:
			it.obj, it.read = cur.obj, true
		}
		return it, true
	}
	quick := func(it *item) bool { return !it.read }
	work := func(ctx context.Context, it *item) (err error) {
		it.c, it.resumed, err = d.compareRead(ctx, it.f, it.obj)
		return err
	}
	for i := range d.changes {
		d.changes[i] = newChanges(d.o.Prefix)
	}
	done := 0
	firstErr := inOrder(ctx, d.o.Concurrency, next, quick, work, func(it *item) {
		switch {
		case it.c != nil:
			d.changes[group(it.c)].addChange(it.c)
			if it.c.replaced {
				d.purge = append(d.purge, it.f.Key)
			}
		default:
			d.rep.Unchanged++
			if it.resumed {
				d.purge = append(d.purge, it.f.Key)
				d.rep.Resumed = append(d.rep.Resumed, it.f.Key)
			}
		}
		done++
		d.o.event(Event{Step: StepCompare, Key: it.f.Key, Done: done, Total: d.files.len()})
	})
	if firstErr == nil {
		firstErr = cmp.Or(cur.err, files.err)
	}
	if firstErr == nil && done < d.files.len() {
		firstErr = cmp.Or(ctx.Err(), fmt.Errorf("compare: %d of %d files compared", done, d.files.len()))
	}
	for _, t := range d.changes {
		firstErr = cmp.Or(firstErr, t.recs.err)
	}
	if firstErr != nil {
		return firstErr
	}
	// In the order they are written. The list holds one Upload per file
	// on a first deploy: allocated once, not grown by doubling (issue 31),
	// or not at all (EachUpload).
	for _, t := range d.changes {
		d.rep.Uploaded += t.len()
	}
	each := d.o.EachUpload
	if each == nil && d.rep.Uploaded > 0 {
		d.rep.Uploads = make([]Upload, 0, d.rep.Uploaded)
		each = func(u Upload) { d.rep.Uploads = append(d.rep.Uploads, u) }
	}
	for _, t := range d.changes {
		c := t.cursor()
		for ; c.ok; c.next() {
			f := c.f
			each(Upload{Key: f.Key, Size: f.Size, Headers: f.Headers, Reason: c.reason, Entry: f.Settings.Entry})
		}
		if c.err != nil {
			return c.err
		}
	}
	return nil
}

// compareRead compares f with obj, the object listed under its key, of
// the same size, which the listing cannot tell from f: an ETag that is
// not the file's MD5 does not prove the bytes differ (a multipart
// object's is not an MD5, nor is one encrypted with SSE-KMS, DSSE-KMS or
// SSE-C, a bucket whose default encryption is aws:kms, say, of any size),
// and one that is does not prove the headers are f's. The object's
// metadata is read and compared by MetaSHA256: the same bytes are never
// uploaded (and invalidated) again for their ETag alone. It returns the
// change, nil when there is none, and whether the object was written by
// an earlier run of this deploy over an older object.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html
func (d *run) compareRead(ctx context.Context, f *file, obj object) (*change, bool, error) {
	out := d.heads[f.Key]
	if out == nil {
		var err error
		if out, err = d.head(ctx, f.Key); err != nil {
			return nil, false, err
		}
	}
	meta := lower(out.Metadata)
	switch {
	case meta[MetaSHA256] == f.Hash() && meta[MetaRemoved] != "":
		// Back in Dir after KeepDeleted marked it removed: stored
		// again without the mark (the same bytes: nothing to
		// invalidate), or leaving again would be timed from the old
		// mark and it would be deleted too soon.
		return &change{f: f, reason: ReasonRestored}, false, nil
	case meta[MetaSHA256] == f.Hash():
		// Written over an older object by an earlier run of this
		// deploy: its URLs still need that run's invalidation, unless
		// the run completed (its marker says so: invalidate then names
		// the invalidation it bought).
		return nil, meta[MetaDeploy] == d.id && meta[MetaReplaced] == "1" && !d.completedEarlier(), nil
	case meta[MetaSHA256] == "" && obj.ETag.isMD5(f.md5) && sameHeaders(out, meta, f):
		// Uploaded by another tool (aws s3 sync) with the same bytes
		// and headers: nothing to do, and nothing to invalidate, so a
		// first deploy over such a bucket costs no more than a
		// redeploy.
		return nil, false, nil
	case obj.ETag.isMD5(f.md5):
		return &change{f: f, reason: ReasonHeaders, replaced: true}, false, nil
	}
	return &change{f: f, reason: ReasonChanged, replaced: true}, false, nil
}

// sameHeaders reports whether an object not written by deploy (out, its
// lower-cased metadata meta) has the headers, metadata, storage class and
// ACL-free settings f would store it with.
func sameHeaders(out *s3.HeadObjectOutput, meta map[string]string, f *file) bool {
	if f.Settings.ACL != "" || (f.Settings.StorageClass != "" && f.Settings.StorageClass != string(out.StorageClass)) {
		return false
	}
	stored := map[string]string{
		"Cache-Control": aws.ToString(out.CacheControl), "Content-Type": aws.ToString(out.ContentType),
		"Content-Encoding": aws.ToString(out.ContentEncoding), "Content-Disposition": aws.ToString(out.ContentDisposition),
		"Content-Language": aws.ToString(out.ContentLanguage), "X-Amz-Website-Redirect-Location": aws.ToString(out.WebsiteRedirectLocation),
	}
	if out.ExpiresString != nil {
		stored["Expires"] = aws.ToString(out.ExpiresString)
	}
	for k, v := range meta {
		stored["x-amz-meta-"+k] = v
	}
	want := map[string]string{}
	for k, v := range f.Headers {
		if m, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-meta-"); ok {
			k = "x-amz-meta-" + m
		}
		want[k] = v
	}
	for k, v := range stored {
		if v != "" && want[k] != v {
			return false
		}
	}
	for k, v := range want {
		if stored[k] != v {
			return false
		}
	}
	return true
}

// lower returns m with lower-case keys: S3 metadata names are
// case-insensitive.
func lower(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// chooseDeletions decides which objects under the prefix that are not in
// Dir are deleted now: none without Delete; with KeepDeleted, only those
// marked removed at least that long ago.
func (d *run) chooseDeletions(ctx context.Context) error {
	if !d.o.Delete {
		return nil
	}
	var gone []string    // sorted, as the listing
	var untouched []bool // with KeepDeleted, for each of gone
	err := d.gone(func(key string, o object) {
		gone = append(gone, key)
		if d.o.KeepDeleted > 0 {
			untouched = append(untouched, d.untouched(key, o))
		}
	})
	if err != nil {
		return err
	}
	if d.o.KeepDeleted <= 0 {
		d.deletions = gone
	} else {
		now := d.o.Now()
		for i, k := range gone {
			if untouched[i] {
				// Part of the site when the marker was written and not
				// written since: it left Dir after, and was never
				// marked removed.
				d.rep.Kept = append(d.rep.Kept, k)
				continue
			}
			out := d.heads[k]
			if out == nil {
				var err error
				if out, err = d.head(ctx, k); err != nil {
					return err
				}
				// Kept for markKept, which marks it unless it was.
				if d.heads == nil {
					d.heads = map[string]*s3.HeadObjectOutput{}
				}
				d.heads[k] = out
			}
			t, err := time.Parse(time.RFC3339, lower(out.Metadata)[MetaRemoved])
			if err == nil && now.Sub(t) >= d.o.KeepDeleted {
				d.deletions = append(d.deletions, k)
			} else {
				d.rep.Kept = append(d.rep.Kept, k)
			}
		}
	}
	if d.o.MaxDelete >= 0 && len(d.deletions) > d.o.MaxDelete {
		d.rep.Refused, d.deletions = d.deletions, nil
	}
	d.rep.Deleted = d.deletions
	return nil
}

// gone calls fn with each listed object whose key is not in Dir, in key
// order.
func (d *run) gone(fn func(key string, o object)) error {
	files := d.files.cursor()
	err := d.remote.each(func(key string, o object) bool {
		if !files.seek(key) {
			fn(key, o)
		}
		return true
	})
	return cmp.Or(err, files.err)
}

// abortLeftovers aborts the multipart uploads to keys of the site that an
// earlier, killed run left behind: S3 keeps (and bills) their parts until
// they are aborted.
func (d *run) abortLeftovers(ctx context.Context) error {
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(d.o.Bucket)}
	if d.o.Prefix != "" {
		in.Prefix = aws.String(d.o.Prefix + "/")
	}
	var uploads []types.MultipartUpload
	for {
		out, err := d.s3.ListMultipartUploads(ctx, in)
		if err != nil {
			return fmt.Errorf("list multipart uploads of s3://%s: %w", d.o.Bucket, err)
		}
		uploads = append(uploads, out.Uploads...)
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
	// Sorted by key (S3 lists them so), to be found among the files in
	// one pass.
	slices.SortStableFunc(uploads, func(a, b types.MultipartUpload) int { return strings.Compare(aws.ToString(a.Key), aws.ToString(b.Key)) })
	files := d.files.cursor()
	for _, u := range uploads {
		if !files.seek(aws.ToString(u.Key)) {
			continue
		}
		if _, err := d.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(d.o.Bucket), Key: u.Key, UploadId: u.UploadId}); err != nil {
			return fmt.Errorf("abort multipart upload of s3://%s/%s: %w", d.o.Bucket, aws.ToString(u.Key), err)
		}
		d.rep.AbortedUploads++
	}
	return files.err
}

// target is a distribution the deploy invalidates, with what maps the
// bucket's keys to its URLs.
type target struct {
	id string
	m  plan.Mapper
}

// readDistributions reads each distribution's ID, cache behaviours,
// viewer-request functions and error pages: what its invalidation is
// planned from.
func (d *run) readDistributions(ctx context.Context) error {
	if len(d.o.DistributionIDs) == 0 {
		return nil
	}
	ids, err := d.cf.Resolve(ctx, d.o.DistributionIDs...)
	if err != nil {
		return err
	}
	for _, id := range ids {
		cfg, err := d.cf.DistributionConfig(ctx, id)
		if err != nil {
			return err
		}
		routes, _, err := plan.DistributionRoutes(cfg)
		if err != nil {
			return fmt.Errorf("distribution %s: %w", id, err)
		}
		// The behaviours' viewer-request functions decide the cache keys
		// (plan.Function); a changed error page needs more than its path.
		if err := plan.LoadFunctions(ctx, routes, d.cf.Function); err != nil {
			return err
		}
		d.targets = append(d.targets, target{id: id, m: plan.Mapper{Routes: routes, IndexDocument: "index.html", Forms: plan.AllIndexForms,
			DefaultRootObject: aws.ToString(cfg.DefaultRootObject), ErrorPages: plan.DistributionErrorPages(cfg)}})
	}
	return nil
}

// keys are what every distribution's invalidation is planned from: the
// changed and deleted objects' keys and the new ones' (free to cover);
// target.m maps them to each distribution's URLs (plan.Mapper.InputSeq),
// with every key, which allKeys gives.
//
// With nothing to purge there is nothing to plan (a first deploy): the
// set is empty, and the new keys are not listed.
func (d *run) keys() (changes.Set, error) {
	purge := slices.Concat(d.purge, d.deletions)
	if len(purge) == 0 {
		return changes.Set{}, nil
	}
	var fresh []string
	for _, g := range []int{assetsNew, entriesNew} {
		err := d.changes[g].each(func(f *file) bool {
			fresh = append(fresh, f.Key)
			return true
		})
		if err != nil {
			return changes.Set{}, err
		}
	}
	return changes.Set{Modified: purge, Added: fresh}, nil
}

// allKeys gives every key of the site, each once, read from the tables as
// the planner reads them (issue 31: no list of them is held): the files,
// then the objects gone from Dir. A failure to read a table ends it and
// is kept in d.keysErr, which send checks before sending a plan.
func (d *run) allKeys(yield func(string) bool) {
	if d.keysErr != nil {
		return
	}
	more := true
	err := d.files.each(func(f *file) bool {
		more = yield(f.Key)
		return more
	})
	if err == nil && more {
		err = d.gone(func(key string, _ object) {
			if more {
				more = yield(key)
			}
		})
	}
	if err != nil {
		d.keysErr = fmt.Errorf("read the keys to plan the invalidation from: %w", err)
	}
}

// planOptions are the budgets of each invalidation.
func (d *run) planOptions() plan.Options {
	w := d.o.MaxWildcards
	switch {
	case w == 0:
		w = plan.DefaultMaxWildcards
	case w < 0:
		w = 0
	}
	return plan.Options{Strategy: plan.Optimal, MaxPaths: d.o.MaxPaths, MaxWildcards: w, FreePathsLeft: d.o.FreePathsLeft}
}

// checkPlans plans each distribution's invalidation and returns the first
// failure (a *plan.BudgetError when the budgets cannot cover the URLs).
// The plans are not kept: their input holds the URLs of the changed, new
// and deleted objects, which the uploads need not hold.
func (d *run) checkPlans() error {
	if len(d.targets) == 0 {
		return nil
	}
	set, err := d.keys()
	if err != nil {
		return err
	}
	if len(set.Modified) == 0 {
		return nil
	}
	for _, t := range d.targets {
		in := t.m.InputSeq(set, d.allKeys)
		if len(in.Purge) == 0 {
			continue
		}
		if _, err := plan.Build(in, d.planOptions()); err != nil {
			return fmt.Errorf("plan invalidation of %s: %w", t.id, err)
		}
	}
	return d.keysErr
}

// invalidate sends one invalidation per distribution of the URLs of the
// changed and deleted objects, planned from the distribution's routes.
func (d *run) invalidate(ctx context.Context) error {
	if len(d.o.DistributionIDs) == 0 {
		return nil
	}
	d.rep.Invalidations = []Invalidation{}
	set, err := d.keys()
	if err != nil {
		return err
	}
	for _, t := range d.targets {
		var in plan.Input
		if len(set.Modified) > 0 {
			in = t.m.InputSeq(set, d.allKeys)
		}
		for _, w := range in.Warnings {
			d.o.event(Event{Step: StepInvalidate, Message: fmt.Sprintf("%s: warning: %s", t.id, w.Message)})
		}
		inv := Invalidation{DistributionID: t.id, URLs: len(in.Purge), Batches: []cfinv.Batch{}, Paths: []string{}, Warnings: in.Warnings}
		if len(in.Purge) == 0 {
			var err error
			if d.completedEarlier() && d.marker.invalidated {
				err = d.reportEarlier(ctx, &inv)
			}
			d.rep.Invalidations = append(d.rep.Invalidations, inv)
			if err != nil {
				return err
			}
			continue
		}
		// One reference per distribution and deploy, whatever the paths:
		// a re-run after some deletions has fewer URLs to purge and must
		// not buy a second invalidation (earlier.go).
		err := d.invalidateOnce(ctx, &inv, in)
		d.rep.Invalidations = append(d.rep.Invalidations, inv)
		if err != nil {
			return err
		}
	}
	return nil
}

// send plans the invalidation of in on inv's distribution and sends it
// with req's reference, adding what it did to inv.
func (d *run) send(ctx context.Context, inv *Invalidation, in plan.Input, req cfinv.Request) error {
	p, err := plan.Build(in, d.planOptions())
	if err != nil {
		return fmt.Errorf("plan invalidation of %s: %w", inv.DistributionID, err)
	}
	if d.keysErr != nil {
		// The plan's counts of unchanged URLs are incomplete.
		return d.keysErr
	}
	d.o.event(Event{Step: StepInvalidate, Total: len(p.Items), Message: fmt.Sprintf("%s: %s for %d URLs", inv.DistributionID, paths(len(p.Items)), p.Must)})
	req.DistributionID, req.Batches = inv.DistributionID, p.Batches
	req.Wait, req.Timeout, req.DryRun = !d.o.NoWait, d.o.Timeout, d.o.DryRun
	res, err := d.cf.Invalidate(ctx, req)
	if err != nil && !errors.Is(err, cfinv.ErrBatchExists) && res != nil {
		inv.Batches = append(inv.Batches, res.Batches...)
	}
	if err != nil {
		return err
	}
	inv.Paths, inv.CostUSD = append(inv.Paths, p.Paths()...), inv.CostUSD+p.CostUSD
	inv.Batches = append(inv.Batches, res.Batches...)
	for _, b := range res.Batches {
		if b.Resumed {
			inv.AlreadyCreated = true
		}
	}
	return nil
}

// delete marks the objects kept by KeepDeleted and deletes those chosen,
// then reports a refused deletion step.
func (d *run) delete(ctx context.Context) error {
	if d.o.DryRun {
		if len(d.rep.Refused) > 0 {
			return &DeleteLimitError{Deletions: len(d.rep.Refused), MaxDelete: d.o.MaxDelete}
		}
		return nil
	}
	if err := d.markKept(ctx); err != nil {
		return err
	}
	d.o.event(Event{Step: StepDelete, Total: len(d.deletions)})
	for start := 0; start < len(d.deletions); start += 1000 {
		chunk := d.deletions[start:min(start+1000, len(d.deletions))]
		ids := make([]types.ObjectIdentifier, len(chunk))
		for i, k := range chunk {
			ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
		}
		out, err := d.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(d.o.Bucket), Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("delete objects from s3://%s: %w", d.o.Bucket, err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete s3://%s/%s: %s: %s (and %d more)", d.o.Bucket, aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message), len(out.Errors)-1)
		}
		d.o.event(Event{Step: StepDelete, Done: start + len(chunk), Total: len(d.deletions)})
	}
	if len(d.rep.Refused) > 0 {
		return &DeleteLimitError{Deletions: len(d.rep.Refused), MaxDelete: d.o.MaxDelete}
	}
	return nil
}

// markKept writes the time an object kept by KeepDeleted left Dir into its
// metadata (a copy onto itself: the same bytes and headers; in parts for
// an object over CopyObject's 5 GiB), unless an earlier deploy did.
func (d *run) markKept(ctx context.Context) error {
	now := d.o.Now().UTC().Format(time.RFC3339)
	for _, k := range d.rep.Kept {
		out := d.heads[k]
		if out == nil {
			var err error
			if out, err = d.head(ctx, k); err != nil {
				return err
			}
		}
		meta := lower(out.Metadata)
		if _, ok := meta[MetaRemoved]; ok {
			continue
		}
		meta[MetaRemoved] = now
		delete(meta, MetaClean)
		in := &s3.CopyObjectInput{
			Bucket: aws.String(d.o.Bucket), Key: aws.String(k), CopySource: aws.String((&url.URL{Path: d.o.Bucket + "/" + k}).EscapedPath()),
			MetadataDirective: types.MetadataDirectiveReplace, Metadata: meta,
			CacheControl: out.CacheControl, ContentType: out.ContentType, ContentEncoding: out.ContentEncoding,
			ContentDisposition: out.ContentDisposition, ContentLanguage: out.ContentLanguage,
			Expires: expires(out), WebsiteRedirectLocation: out.WebsiteRedirectLocation,
		}
		keepStored(in, out)
		// The ACL a copy does not keep (it gets the bucket's default)
		// is the one the deploy gives the key's route; HeadObject does
		// not tell another.
		if acl := d.o.Config.Settings(d.o.rel(k)).ACL; acl != "" {
			in.ACL = types.ObjectCannedACL(acl)
		}
		var etag *string
		if size := aws.ToInt64(out.ContentLength); size > maxCopySize {
			// Over CopyObject's limit: S3 answers InvalidRequest.
			var err error
			if etag, err = d.copyInParts(ctx, in, size, out.ETag); err != nil {
				return fmt.Errorf("mark s3://%s/%s removed: %w", d.o.Bucket, k, err)
			}
		} else {
			res, err := d.s3.CopyObject(ctx, in)
			if err != nil {
				return fmt.Errorf("mark s3://%s/%s removed: %w", d.o.Bucket, k, err)
			}
			if res.CopyObjectResult != nil {
				etag = res.CopyObjectResult.ETag
			}
		}
		d.wroteKept(k, etag)
	}
	return nil
}

// maxCopySize is the largest source CopyObject copies: 5 GiB
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html).
// A larger object is copied in parts. Tests lower it.
var maxCopySize int64 = 5 << 30

// copyPartSize is the size of the parts of a copy in parts, raised for an
// object that would need more than S3's 10,000 parts. Parts are copied
// within S3, so large ones cost only time; S3 accepts 5 MiB to 5 GiB.
// Tests lower it.
var copyPartSize int64 = 512 << 20

// copyInParts does what the CopyObject in does, for an object of size
// bytes over CopyObject's limit: a multipart upload with the same
// headers, metadata, ACL, storage class and encryption, each part an
// UploadPartCopy of a range of the source as long as its ETag is still
// etag (so the parts are all of the same object), then completed. It is
// aborted on failure: S3 would keep (and bill) the parts. It returns the
// new object's ETag.
func (d *run) copyInParts(ctx context.Context, in *s3.CopyObjectInput, size int64, etag *string) (*string, error) {
	cr, err := d.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: in.Bucket, Key: in.Key, Metadata: in.Metadata, ACL: in.ACL,
		CacheControl: in.CacheControl, ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
		ContentDisposition: in.ContentDisposition, ContentLanguage: in.ContentLanguage,
		Expires: in.Expires, WebsiteRedirectLocation: in.WebsiteRedirectLocation,
		StorageClass: in.StorageClass, ServerSideEncryption: in.ServerSideEncryption,
		SSEKMSKeyId: in.SSEKMSKeyId, BucketKeyEnabled: in.BucketKeyEnabled,
	})
	if err != nil {
		return nil, fmt.Errorf("start copy in parts: %w", err)
	}
	res, err := d.copyParts(ctx, in, cr.UploadId, size, etag)
	if err != nil {
		// Aborted even when ctx is done: the parts would stay.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, aerr := d.s3.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: in.Bucket, Key: in.Key, UploadId: cr.UploadId}); aerr != nil {
			return nil, errors.Join(err, fmt.Errorf("abort copy in parts %s: %w", aws.ToString(cr.UploadId), aerr))
		}
		return nil, err
	}
	return res, nil
}

// copyParts copies the source of in into upload id, copyPartSize bytes a
// part, and completes it.
func (d *run) copyParts(ctx context.Context, in *s3.CopyObjectInput, id *string, size int64, etag *string) (*string, error) {
	part := max(copyPartSize, (size+9999)/10000)
	var parts []types.CompletedPart
	for n, start := int32(1), int64(0); start < size; n, start = n+1, start+part {
		end := min(start+part, size) - 1
		out, err := d.s3.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
			Bucket: in.Bucket, Key: in.Key, UploadId: id, PartNumber: aws.Int32(n),
			CopySource: in.CopySource, CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", start, end)),
			CopySourceIfMatch: etag,
		})
		if err != nil {
			return nil, fmt.Errorf("copy part %d (bytes %d-%d): %w", n, start, end, err)
		}
		var pe *string
		if out.CopyPartResult != nil {
			pe = out.CopyPartResult.ETag
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: pe})
	}
	out, err := d.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: in.Bucket, Key: in.Key, UploadId: id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if err != nil {
		return nil, fmt.Errorf("complete copy in parts: %w", err)
	}
	return out.ETag, nil
}

// keepStored sets on in, a copy of an object onto itself, what S3 does not
// copy unless asked and out (the object's HeadObject) tells: its storage
// class and its server-side encryption (SSE-S3 or SSE-KMS with its key).
// Without them the copy would move the object to STANDARD and the bucket's
// default encryption.
func keepStored(in *s3.CopyObjectInput, out *s3.HeadObjectOutput) {
	in.StorageClass = out.StorageClass
	switch out.ServerSideEncryption {
	case types.ServerSideEncryptionAwsKms, types.ServerSideEncryptionAwsKmsDsse:
		in.ServerSideEncryption = out.ServerSideEncryption
		in.SSEKMSKeyId = out.SSEKMSKeyId
		in.BucketKeyEnabled = out.BucketKeyEnabled
	case types.ServerSideEncryptionAes256:
		in.ServerSideEncryption = out.ServerSideEncryption
	}
}
