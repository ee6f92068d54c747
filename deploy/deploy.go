package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/semaphore"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/plan"
)

// Defaults of Options.
const (
	DefaultMaxDelete          = 256
	DefaultConcurrency        = 16
	DefaultMultipartThreshold = 16 << 20
	DefaultPartSize           = 5 << 20
)

// Metadata keys deploy writes on every object (S3 sends them as
// x-amz-meta-NAME).
const (
	MetaSHA256   = "cfinv-sha256"   // hex SHA-256 of the stored bytes and the headers deploy set
	MetaDeploy   = "cfinv-deploy"   // the ID of the deploy that wrote the object
	MetaReplaced = "cfinv-replaced" // "1" when the object replaced another one (its URLs need invalidating)
	MetaRemoved  = "cfinv-removed"  // RFC 3339 time the object left the directory (Options.KeepDeleted)
)

// Errors of Run, matched with errors.Is.
var (
	// ErrUpload: an upload failed before any entry object was written
	// and before any deletion; viewers see what they saw before. The
	// error is an *UploadError.
	ErrUpload = errors.New("upload failed")
	// ErrTooManyDeletions: the deletion step was refused whole because it
	// would delete more than Options.MaxDelete objects; the uploads and
	// the invalidation happened. The error is a *DeleteLimitError.
	ErrTooManyDeletions = errors.New("too many deletions")
	// ErrBucket: the bucket cannot be listed (missing, no access).
	ErrBucket = errors.New("cannot list bucket")
)

// Options configure Run.
type Options struct {
	// Dir is the directory to deploy; each regular file below it is an
	// object whose key is Prefix, "/" and its slash-separated path.
	Dir string
	// Bucket and Prefix (no leading or trailing '/') name where the site
	// goes. Objects under Prefix that are not in Dir are deleted with
	// Delete.
	Bucket, Prefix string
	// DistributionIDs are the distributions in front of the bucket (IDs,
	// domain names or aliases, as cfinv.Request.DistributionID); none
	// means no invalidation.
	DistributionIDs []string
	// Config gives each key its headers, entry flag, gzip, storage class
	// and ACL; nil means the defaults (Config.Settings).
	Config *Config
	// DeployID identifies the deploy; "" derives one from Dir's content,
	// Bucket and Prefix, so a re-run of the same content is the same
	// deploy.
	DeployID string
	// Delete removes objects under Prefix that are not in Dir, after the
	// invalidation.
	Delete bool
	// MaxDelete is the most objects Delete may remove: with more, the
	// deletion step is refused whole (ErrTooManyDeletions). Zero means
	// DefaultMaxDelete; negative means no limit.
	MaxDelete int
	// KeepDeleted keeps objects that left Dir for that long (a later
	// deploy deletes them), so cached pages can still load them. The
	// time they left is written into their metadata (MetaRemoved).
	KeepDeleted time.Duration
	// NoWait returns once the invalidations are created instead of
	// completed (the deletions then follow at once).
	NoWait bool
	// DryRun reads the directory, the bucket and the distributions and
	// writes nothing (the hash cache neither): the Report says what a run
	// would do.
	DryRun bool
	// MaxPaths caps the paths of each invalidation plan (plan.Options);
	// zero is the planner's default.
	MaxPaths int
	// MaxWildcards caps the wildcard paths of each invalidation plan:
	// zero means plan.DefaultMaxWildcards (the 15 CloudFront allows in
	// progress), negative none. A plan within the budgets is checked
	// before the first upload: budgets it cannot meet fail the deploy
	// (*plan.BudgetError) before anything is written.
	MaxWildcards int
	// FreePathsLeft is this month's free invalidation paths left, for
	// the plan's budget and cost; zero means plan.FreePathsPerMonth,
	// negative none.
	FreePathsLeft int
	// Concurrency is the most files hashed, objects read and uploads in
	// flight at once; zero means DefaultConcurrency.
	Concurrency int
	// MultipartThreshold is the stored size from which an object is
	// uploaded in parts by the SDK's transfer manager; zero means
	// DefaultMultipartThreshold.
	MultipartThreshold int64
	// PartSize is the size of the parts of a multipart upload; zero
	// means DefaultPartSize. An object in parts holds three parts in
	// memory while it uploads (the transfer manager's buffers).
	PartSize int64
	// Timeout bounds the invalidation (and its wait) on the client's
	// clock; zero means none.
	Timeout time.Duration
	// HashCacheDir, when set, is the directory of the local hash cache:
	// per file the stat (size, mtime, ctime, inode, device) and the
	// digests of its stored bytes, so that a redeploy does not read again
	// a file whose stat is unchanged. It is only a shortcut for reading
	// Dir: the bucket is compared by content as without it, and a cache
	// that cannot be read or written is ignored. "" means none: every
	// file is read.
	HashCacheDir string
	// Progress, when not nil, is told what happens; it may be called
	// from several goroutines at once.
	Progress func(Event)
	// EachUpload, when not nil, is given each upload instead of
	// Report.Uploads listing it: in the same order, once the comparison
	// has found them all, before the first is written, on Run's
	// goroutine. Report.Uploads is then nil and Report.Uploaded counts
	// them. A deploy then holds nothing per upload, whatever the number
	// of files (the list holds about 100 bytes an upload).
	EachUpload func(Upload)
	// Now tells the time (KeepDeleted); nil means time.Now.
	Now func() time.Time
}

// Step names a step of a deploy.
type Step string

// The steps of a deploy, in order.
const (
	StepScan       Step = "scan"
	StepCompare    Step = "compare"
	StepAssets     Step = "upload assets"
	StepEntries    Step = "upload entries"
	StepInvalidate Step = "invalidate"
	StepDelete     Step = "delete"
	// StepMark writes the clean marker (MetaClean); its event says only
	// why none was written.
	StepMark Step = "mark clean"
)

// Event reports progress: a step starting (Key empty, Total set) or an
// object done within it.
type Event struct {
	Step Step
	// Key is the object just handled; "" when the step starts or ends.
	Key string
	// Done and Total count the step's objects; Bytes the bytes uploaded
	// so far in the step.
	Done, Total int
	Bytes       int64
	// TotalBytes, when above zero, is the bytes the step sends in all
	// (set on the upload steps' start event), for a rate and an ETA.
	TotalBytes int64
	// Message, when set, says something about the step in a line.
	Message string
}

// Reason says why an object is uploaded.
type Reason string

// The reasons of an Upload.
const (
	ReasonNew     Reason = "new"
	ReasonChanged Reason = "changed" // other bytes
	ReasonHeaders Reason = "headers" // the same bytes with other headers
	// ReasonRestored: the same bytes and headers, back in Dir after
	// KeepDeleted marked the object removed (MetaRemoved): stored again
	// without the mark, and not invalidated.
	ReasonRestored Reason = "restored"
)

// Upload is one object written (or, with DryRun, to write).
type Upload struct {
	Key  string `json:"key"`
	Size int64  `json:"size"` // stored bytes (compressed with gzip)
	// Headers are shared by the uploads with the same headers: read-only.
	Headers map[string]string `json:"headers"`
	Reason  Reason            `json:"reason"`
	Entry   bool              `json:"entry,omitempty"`
}

// Invalidation is what a deploy invalidated on one distribution.
type Invalidation struct {
	DistributionID string `json:"distribution_id"`
	// URLs counts the URLs that had to be purged.
	URLs int `json:"urls"`
	// Batches are the CreateInvalidation calls, with their IDs once
	// created.
	Batches []cfinv.Batch `json:"batches"`
	// Paths are the planned paths; CostUSD their estimated price.
	Paths   []string `json:"paths"`
	CostUSD float64  `json:"estimated_cost_usd"`
	// AlreadyCreated is true when an earlier run of the same deploy had
	// created the invalidation (with these or more paths): it was not
	// bought again.
	AlreadyCreated bool `json:"already_created,omitempty"`
	// Warnings are what the plan could not do (plan.Warning): a
	// viewer-request function whose effect on cache keys is unknown, a
	// changed error page. Each is also sent as an Event.
	Warnings []plan.Warning `json:"warnings,omitempty"`
}

// Report is what Run did, or with DryRun would do.
type Report struct {
	DeployID string   `json:"deploy_id"`
	Bucket   string   `json:"bucket"`
	Prefix   string   `json:"prefix,omitempty"`
	DryRun   bool     `json:"dry_run,omitempty"`
	Files    int      `json:"files"`
	Uploads  []Upload `json:"uploads"`
	// Uploaded counts the uploads: len(Uploads), or those given to
	// Options.EachUpload.
	Uploaded int `json:"uploaded"`
	// Unchanged counts the objects already in the bucket as Dir has them.
	Unchanged int `json:"unchanged"`
	// Resumed lists objects an earlier run of this deploy wrote over an
	// older object: they are invalidated although not uploaded again.
	Resumed []string `json:"resumed,omitempty"`
	// FilesRead counts the files read and hashed; the others' digests
	// came from the hash cache (Options.HashCacheDir).
	FilesRead     int            `json:"files_read"`
	Invalidations []Invalidation `json:"invalidations"`
	// Deleted lists the objects deleted (to delete); Kept those that left
	// Dir but are kept (KeepDeleted); Refused those a refused deletion
	// step would have deleted.
	Deleted []string `json:"deleted"`
	Kept    []string `json:"kept,omitempty"`
	Refused []string `json:"refused,omitempty"`
	// Marker is the object carrying the clean marker (MetaClean) after
	// the run, written or left by it; "" when there is none (see the
	// StepMark event for why).
	Marker string `json:"clean_marker,omitempty"`
	// AbortedUploads counts multipart uploads left behind and aborted.
	AbortedUploads int `json:"aborted_multipart_uploads,omitempty"`
	// AlreadyComplete is true when an earlier run of this deploy (the
	// same deploy ID) had done all of it: this run uploaded, deleted and
	// bought nothing.
	AlreadyComplete bool `json:"already_complete,omitempty"`
}

// alreadyComplete reports whether a finished run found everything done
// by an earlier run of its deploy: nothing uploaded, deleted or aborted
// now, every invalidation needed already bought, and some trace of that
// earlier run (objects it wrote, an invalidation it bought).
func (r *Report) alreadyComplete() bool {
	if !r.nothingDone() {
		return false
	}
	earlier := len(r.Resumed) > 0
	for _, inv := range r.Invalidations {
		for _, b := range inv.Batches {
			if !b.Resumed {
				return false // bought now
			}
			earlier = true
		}
	}
	return earlier
}

// UploadError is an upload that failed: nothing after it (entry objects,
// invalidation, deletions) was done.
type UploadError struct {
	Key string
	Err error
}

func (e *UploadError) Error() string { return fmt.Sprintf("upload %s: %v", e.Key, e.Err) }

// Unwrap returns the cause.
func (e *UploadError) Unwrap() error { return e.Err }

// Is reports whether target is ErrUpload.
func (e *UploadError) Is(target error) bool { return target == ErrUpload }

// DeleteLimitError is a deletion step refused by Options.MaxDelete.
type DeleteLimitError struct {
	Deletions, MaxDelete int
}

func (e *DeleteLimitError) Error() string {
	return fmt.Sprintf("refused to delete %d objects: more than the limit of %d (nothing was deleted)", e.Deletions, e.MaxDelete)
}

// Is reports whether target is ErrTooManyDeletions.
func (e *DeleteLimitError) Is(target error) bool { return target == ErrTooManyDeletions }

// Run deploys opts.Dir to the bucket with s3c and invalidates what changed
// with cf (nil when opts.DistributionIDs is empty). The Report is returned
// also with an error, saying how far the deploy went.
//
// Run scans a directory (hashing files in parallel, streaming), lists the
// bucket's prefix once and compares by content, never by size or mtime:
// every object deploy writes carries the SHA-256 of its stored bytes and of
// the headers deploy sets (x-amz-meta-cfinv-sha256), so a header change
// uploads again and a fresh checkout with nothing changed uploads nothing.
// An object whose listed size is not the file's is changed without another
// request; one of the same size is read with HeadObject (unless a clean
// marker vouches for it), also when its ETag is not the file's MD5: an
// object uploaded in parts, or encrypted with SSE-KMS (a bucket whose
// default encryption is aws:kms), DSSE-KMS or SSE-C, has such an ETag
// whatever its bytes.
//
// The steps, each only after the one before it succeeded:
//
//  1. new, then changed, objects that are not entry objects (assets);
//  2. new, then changed, entry objects (HTML by default: Settings.Entry);
//  3. one invalidation per distribution of the changed and deleted
//     objects' URLs, planned by package plan from the distribution's
//     cache behaviours, sent through a cfinv.Client and waited for;
//  4. with Options.Delete, the deletion of objects no longer in the
//     directory, all of them or none (Options.MaxDelete).
//
// An upload failure stops the deploy before step 2 (ErrUpload): viewers
// still get the old pages, whose assets are all still there.
//
// A deploy has an ID (Options.DeployID, by default derived from the
// directory's content), written into each object's metadata
// (x-amz-meta-cfinv-deploy, with x-amz-meta-cfinv-replaced when it replaced
// an older object): a re-run after a failure or a kill, even on another
// machine, finds what the first run uploaded, invalidates it, and buys the
// invalidation once (its caller reference is derived from the deploy ID).
//
// Run holds no table of the site's files in memory: its tables (the
// files, the listing, the uploads and their ETags) are read in key order,
// kept in memory up to 1 MiB each and beyond that in temporary files in
// os.TempDir, removed as soon as they are created. The Report's Uploads
// list every upload, unless Options.EachUpload takes them.
func Run(ctx context.Context, s3c *s3.Client, cf *cfinv.Client, opts Options) (*Report, error) {
	o := opts.withDefaults()
	if o.Dir == "" || o.Bucket == "" {
		return nil, fmt.Errorf("deploy: want a directory and a bucket")
	}
	if len(o.DistributionIDs) > 0 && cf == nil {
		return nil, fmt.Errorf("deploy: distributions %v given without a CloudFront client", o.DistributionIDs)
	}
	d := &run{s3: s3c, cf: cf, o: o, rep: &Report{Bucket: o.Bucket, Prefix: o.Prefix, DryRun: o.DryRun}}
	d.tm = transfermanager.New(s3c, func(to *transfermanager.Options) {
		to.PartSizeBytes = o.PartSize
		// The manager reads its first part with io.ReadAll, as many
		// bytes as its threshold: make that one part, not 16 MiB. It
		// is only given objects of o.MultipartThreshold bytes or more.
		to.MultipartUploadThreshold = min(o.PartSize, o.MultipartThreshold)
		to.Concurrency = partsInFlight
	})
	d.uploadMem = semaphore.NewWeighted(uploadMemory)
	err := d.run(ctx)
	// Temporary files, removed already where the system allows.
	d.close()
	if err == nil {
		// Either the bucket showed an earlier run's objects and its
		// invalidation, or a valid clean marker was written by this
		// deploy and nothing was left to do.
		d.rep.AlreadyComplete = d.rep.alreadyComplete() ||
			(d.completedEarlier() && d.rep.nothingDone())
	}
	return d.rep, err
}

// Parts in flight for each object uploaded in parts. The transfer manager
// copies every part into a buffer of its own, allocated when the upload
// starts (it cannot stream a part from a file): it holds its first part
// and a pool of partsInFlight+1 more, (partsInFlight+2) × PartSize bytes,
// 15 MiB with the default part size, S3's smallest (5 MiB).
const partsInFlight = 1

// uploadMemory bounds the bytes the uploads in flight hold in buffers
// (issue 31: peak RSS ≤ 100 MiB whatever the site's size). Each upload
// takes its share (run.memory) before it starts and gives it back when it
// ends: one object in parts at the default part size, and room beside it
// for the small objects, which take little, and compressed ones, which
// take their compressor and, under maxGzipInMemory, their bytes.
const uploadMemory = 24 << 20

func (o Options) withDefaults() Options {
	if o.MaxDelete == 0 {
		o.MaxDelete = DefaultMaxDelete
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MultipartThreshold <= 0 {
		o.MultipartThreshold = DefaultMultipartThreshold
	}
	if o.PartSize <= 0 {
		o.PartSize = DefaultPartSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FreePathsLeft == 0 {
		o.FreePathsLeft = plan.FreePathsPerMonth
	}
	o.Prefix = strings.Trim(o.Prefix, "/")
	return o
}

// key is the object key of the slash-separated path rel below Dir.
func (o Options) key(rel string) string {
	if o.Prefix == "" {
		return rel
	}
	return o.Prefix + "/" + rel
}

// rel is key's path below Dir: key without the prefix.
func (o Options) rel(key string) string {
	if o.Prefix == "" {
		return key
	}
	return strings.TrimPrefix(key, o.Prefix+"/")
}

func (o Options) event(e Event) {
	if o.Progress != nil {
		o.Progress(e)
	}
}

// nothingDone reports whether the run wrote or bought nothing.
func (r *Report) nothingDone() bool {
	if r.DryRun || r.Uploaded > 0 || len(r.Deleted) > 0 || r.AbortedUploads > 0 {
		return false
	}
	for _, inv := range r.Invalidations {
		for _, b := range inv.Batches {
			if !b.Resumed {
				return false
			}
		}
	}
	return true
}

// deriveID is the default deploy ID: a digest of the bucket, prefix and
// every object's key and hash.
func deriveID(bucket, prefix string, files []*file) string {
	// In the order of the keys (unique, and without NUL: the order of
	// key+"\x00"+hash).
	byKey := func(a, b *file) int { return strings.Compare(a.Key, b.Key) }
	sorted := files
	if !slices.IsSortedFunc(files, byKey) {
		sorted = slices.SortedFunc(slices.Values(files), byKey)
	}
	var h idHash
	h.start(bucket, prefix)
	for _, f := range sorted {
		h.add(f)
	}
	return h.sum()
}

// deriveSiteID is deriveID of the files of s.
func deriveSiteID(bucket, prefix string, s *site) (string, error) {
	var h idHash
	h.start(bucket, prefix)
	err := s.each(func(f *file) bool {
		h.add(f)
		return true
	})
	return h.sum(), err
}

// idHash computes deriveID a file at a time, in key order.
type idHash struct{ h hash.Hash }

func (i *idHash) start(bucket, prefix string) {
	i.h = sha256.New()
	fmt.Fprintf(i.h, "cfinv-deploy/1\x00%s\x00%s\x00", bucket, prefix)
}

func (i *idHash) add(f *file) { fmt.Fprintf(i.h, "%s\x00%x\x00", f.Key, f.objHash) }

func (i *idHash) sum() string { return hex.EncodeToString(i.h.Sum(nil))[:20] }
