package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/deploy"
	"github.com/cfinv/cfinv/internal/awscli"
	"github.com/cfinv/cfinv/plan"
)

// defaultDeployConfig is the config file deploy reads when --config is
// not given and the file exists in the current directory.
const defaultDeployConfig = ".cfinv.yml"

type deployOptions struct {
	IO     *IO
	Getenv func(string) string
	// Client builds the CloudFront client; S3 the S3 client. Tests
	// replace them.
	Client clientFunc
	S3     func(ctx context.Context) (*s3.Client, error)
	// Now is the clock of the progress line.
	Now func() time.Time
	// SetMemoryLimit sets the Go runtime's soft memory limit
	// (debug.SetMemoryLimit; ProcessMemoryLimit); nil leaves it alone.
	SetMemoryLimit func(int64) int64

	AWS           awsFlags
	S3EndpointURL string

	Dir            string
	Bucket, Prefix string
	Distributions  []string
	ConfigFile     string
	ConfigSet      bool
	DeployID       string
	Delete         bool
	MaxDelete      int
	KeepDeleted    time.Duration
	NoWait         bool
	DryRun         bool
	MaxPaths       int
	MaxWildcards   int
	Concurrency    int
	Timeout        time.Duration
	NoHashCache    bool
	HashCacheDir   string
}

func newDeployCmd(d *Deps, runF func(*deployOptions) error) *cobra.Command {
	opts := &deployOptions{IO: d.IO, Getenv: d.Getenv, Now: d.Now, SetMemoryLimit: ProcessMemoryLimit}
	cmd := &cobra.Command{
		Use:   "deploy DIR s3://BUCKET[/PREFIX]",
		Short: "Upload what changed in a safe order, invalidate exactly that, then prune",
		Long: `Deploy uploads the static site in DIR to an S3 bucket behind CloudFront and
invalidates what changed, in an order that never lets viewers get a page whose
assets are missing:

  1. new, then changed, objects that are not entry objects (assets);
  2. new, then changed, entry objects (HTML, and routes with entry: true),
     only once every asset is stored;
  3. one invalidation per --distribution-id of the changed and deleted
     objects' URLs (new objects need none), planned from the distribution's
     origin path and cache behaviours as "cfinv plan --distribution-id" does,
     and waited for (--no-wait: not);
  4. with --delete, the deletion of objects no longer in DIR: all of them, or
     none when there are more than --max-delete (the run then exits 11).

Files are compared with the bucket by content, never by size or mtime: every
object deploy writes carries the SHA-256 of its bytes and headers
(x-amz-meta-cfinv-sha256), so a header change uploads again and a fresh
checkout with nothing changed uploads nothing. One listing of the prefix tells
what changed; after its last write a deploy marks the prefix clean
(x-amz-meta-cfinv-clean, copied onto one object of the site), so the next one
reads one object's metadata (HeadObject) instead of every object's; without a
valid marker it reads each object whose ETag matches.

Headers per route come from --config (default .cfinv.yml in the current
directory when it exists): Cache-Control, Content-Type (by default from the
extension), gzip, storage class, ACL, and which objects are entry objects.

A deploy has an ID (--deploy-id, by default derived from DIR's content),
written into every object it uploads (x-amz-meta-cfinv-deploy): re-running the
same command after a failure or a kill finishes the same deploy, even on
another machine; the invalidation it already bought is not bought again. An
upload that fails stops the deploy before any entry object and any deletion
(exit 10): viewers still see the previous version, complete.

The bucket's endpoint comes from the SDK (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL)
or --s3-endpoint-url; CloudFront's from --endpoint-url as for the other
commands. A loopback or IP endpoint is addressed path-style.`,
		Example: `  hexo generate && cfinv deploy public s3://my-site --distribution-id E2EXAMPLE

  # What would change, and what it would cost; nothing is written:
  cfinv deploy public s3://my-site/www --distribution-id www.example.com --dry-run

  # Prune objects no longer in the build, keeping them a day for cached pages:
  cfinv deploy public s3://my-site --distribution-id E2EXAMPLE --delete --keep-deleted 24h

  # Against a local cfinv serve:
  cfinv deploy public s3://site --distribution-id E2EXAMPLE \
    --endpoint-url http://127.0.0.1:8655 --s3-endpoint-url http://127.0.0.1:8657`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return flagErrorf("%s takes DIR and s3://BUCKET[/PREFIX], got %d arguments", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			opts.ConfigSet = cmd.Flags().Changed("config")
			var err error
			if opts.Bucket, opts.Prefix, err = parseS3URL(args[1]); err != nil {
				return err
			}
			if err := opts.check(); err != nil {
				return err
			}
			// --query compiled before anything is read or written.
			if err := opts.AWS.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Client == nil {
				opts.Client = opts.AWS.newClient(opts.IO, opts.Getenv)
			}
			if opts.S3 == nil {
				opts.S3 = opts.newS3Client
			}
			return deployRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.Distributions, "distribution-id", nil, "distribution in front of the bucket: `ID`, domain name or alias (repeatable; none: no invalidation)")
	f.StringVar(&opts.ConfigFile, "config", defaultDeployConfig, "routes `FILE` (YAML): headers, gzip, entry objects per glob")
	f.StringVar(&opts.DeployID, "deploy-id", "", "deploy `ID` written into each object and deriving the invalidation's caller reference (default: from DIR's content)")
	f.BoolVar(&opts.Delete, "delete", false, "delete objects under the prefix that are not in DIR, after the invalidation")
	f.IntVar(&opts.MaxDelete, "max-delete", deploy.DefaultMaxDelete, "refuse the whole deletion step when it would delete more objects than this (-1: no limit)")
	f.DurationVar(&opts.KeepDeleted, "keep-deleted", 0, "keep objects that left DIR this long (e.g. 24h) before a later deploy deletes them")
	f.BoolVar(&opts.NoWait, "no-wait", false, "do not wait for the invalidation to complete before deleting")
	f.BoolVar(&opts.DryRun, "dry-run", false, "print the uploads (key, size, headers, why), the invalidation and its cost, the deletions; write nothing")
	f.IntVar(&opts.MaxPaths, "max-paths", 0, "most paths in each invalidation (0: the planner's default, at least 100)")
	f.IntVar(&opts.MaxWildcards, "max-wildcards", plan.DefaultMaxWildcards, "most wildcard paths in each invalidation (CloudFront allows 15 in progress; 0: exact paths only)")
	f.IntVar(&opts.Concurrency, "concurrency", deploy.DefaultConcurrency, "files hashed, objects read and uploads in flight at once")
	f.DurationVar(&opts.Timeout, "timeout", 30*time.Minute, "deadline of the invalidation and its wait")
	f.BoolVar(&opts.NoHashCache, "no-hash-cache", false, "read and hash every file of DIR, without the local hash cache")
	f.StringVar(&opts.HashCacheDir, "hash-cache-dir", "", "`DIR` of the local hash cache (default "+defaultHashCacheDirDoc+")")
	f.StringVar(&opts.S3EndpointURL, "s3-endpoint-url", "", "S3 API `URL`, e.g. a local cfinv serve's: http://127.0.0.1:8657 (default: the SDK's)")
	opts.AWS.register(cmd)
	return cmd
}

// defaultHashCacheDirDoc is where the hash cache goes without
// --hash-cache-dir, as the help says it.
const defaultHashCacheDirDoc = "cfinv/deploy in the user cache directory: $XDG_CACHE_HOME or ~/.cache on Linux"

// hashCacheDir is the directory of the hash cache on goos: --hash-cache-dir, else
// cfinv/deploy in the user's cache directory (as os.UserCacheDir chooses
// it, from getenv); "" with --no-hash-cache or when there is no such
// directory (every file is then read, as on a fresh runner).
func (o *deployOptions) hashCacheDir(goos string) string {
	if o.NoHashCache {
		return ""
	}
	if o.HashCacheDir != "" {
		return o.HashCacheDir
	}
	if o.Getenv == nil {
		return ""
	}
	dir := userCacheDir(goos, o.Getenv)
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "cfinv", "deploy")
}

// userCacheDir is os.UserCacheDir of goos with the environment read
// through getenv; "" when it has none.
func userCacheDir(goos string, getenv func(string) string) string {
	var dir string
	switch goos {
	case "windows":
		dir = getenv("LocalAppData")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" {
			dir = filepath.Join(h, "Library", "Caches")
		}
	case "plan9":
		if h := getenv("home"); h != "" {
			dir = filepath.Join(h, "lib", "cache")
		}
	default:
		dir = getenv("XDG_CACHE_HOME")
		if dir == "" {
			if h := getenv("HOME"); h != "" {
				dir = filepath.Join(h, ".cache")
			}
		} else if !filepath.IsAbs(dir) {
			dir = "" // as os.UserCacheDir: a relative path is no cache directory
		}
	}
	return dir
}

// parseS3URL splits s3://BUCKET[/PREFIX].
func parseS3URL(s string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	bucket, prefix, _ = strings.Cut(rest, "/")
	if !ok || bucket == "" {
		return "", "", flagErrorf("bucket %q: want s3://BUCKET or s3://BUCKET/PREFIX", s)
	}
	return bucket, strings.Trim(prefix, "/"), nil
}

func (o *deployOptions) check() error {
	st, err := os.Stat(o.Dir)
	if err != nil || !st.IsDir() {
		return flagErrorf("DIR %q is not a directory: want the site's build directory, e.g. public", o.Dir)
	}
	if o.MaxDelete < -1 || o.MaxDelete == 0 {
		return flagErrorf("--max-delete %d: want 1 or more, or -1 for no limit (to delete nothing, leave out --delete)", o.MaxDelete)
	}
	if o.KeepDeleted < 0 {
		return flagErrorf("--keep-deleted %s is negative: want a duration such as 24h", o.KeepDeleted)
	}
	if o.Concurrency < 1 || o.Concurrency > 256 {
		return flagErrorf("--concurrency %d: want 1 to 256", o.Concurrency)
	}
	if o.NoHashCache && o.HashCacheDir != "" {
		return flagErrorf("--no-hash-cache with --hash-cache-dir %q: want one of them", o.HashCacheDir)
	}
	if o.MaxPaths < 0 || o.MaxPaths > 3000 {
		return flagErrorf("--max-paths %d is out of range: want 1 to 3000, or 0 for the default", o.MaxPaths)
	}
	if o.MaxWildcards < 0 || o.MaxWildcards > cfpath.MaxInProgressWildcards {
		return flagErrorf("--max-wildcards %d is out of range: want 0 to %d", o.MaxWildcards, cfpath.MaxInProgressWildcards)
	}
	switch o.AWS.Output {
	case "", awscli.JSON, awscli.Text, awscli.Table:
	default:
		return flagErrorf("--output %q: want json, text or table", o.AWS.Output)
	}
	return nil
}

// newS3Client builds the S3 client: the SDK's default chain with --profile
// and --region (us-east-1 when neither it nor the environment sets one;
// without --region, the bucket's region when S3 names another one),
// the endpoint from --s3-endpoint-url or the SDK's variables, path-style
// addressing for a loopback or IP endpoint (whose host cannot take the
// bucket's name).
func (o *deployOptions) newS3Client(ctx context.Context) (*s3.Client, error) {
	// TLS may be needed (an https:// S3 endpoint, credentials from STS or
	// SSO): the SDK reads AWS_CA_BUNDLE as it always does.
	cfg, err := o.AWS.sdkConfig(ctx, o.IO, o.Getenv, false)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = cfinv.DefaultRegion
	}
	c := newS3(cfg, o.S3EndpointURL)
	if o.AWS.Region == "" {
		// No --region: the bucket's own, as S3 tells it.
		c = inBucketRegion(ctx, c, cfg, o.S3EndpointURL, o.Bucket)
	}
	return c, nil
}

// newS3 is the S3 client of cfg, at endpoint when set, path-style when the
// endpoint's host is an IP address or localhost.
func newS3(cfg aws.Config, endpoint string) *s3.Client {
	c := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if endpoint != "" {
			so.BaseEndpoint = aws.String(endpoint)
		}
	})
	if ep := c.Options().BaseEndpoint; ep != nil {
		if u, err := url.Parse(*ep); err == nil {
			h := u.Hostname()
			if net.ParseIP(h) != nil || h == "localhost" || strings.HasSuffix(h, ".localhost") {
				c = s3.NewFromConfig(cfg, func(so *s3.Options) {
					so.BaseEndpoint = ep
					so.UsePathStyle = true
				})
			}
		}
	}
	return c
}

// loadDeployConfig reads --config, or .cfinv.yml when it exists and
// --config was not given.
func (o *deployOptions) loadDeployConfig() (*deploy.Config, error) {
	if !o.ConfigSet {
		if _, err := os.Stat(o.ConfigFile); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	return deploy.LoadConfig(o.ConfigFile)
}

func deployRun(ctx context.Context, opts *deployOptions) error {
	cfg, err := opts.loadDeployConfig()
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err, Hint: "fix the line named; keys are routes, and per route match, headers, entry, gzip, storage_class, acl"}
	}
	s3c, err := opts.S3(ctx)
	if err != nil {
		return err
	}
	var cf *cfinv.Client
	if len(opts.Distributions) > 0 {
		if cf, err = opts.Client(ctx); err != nil {
			return err
		}
	}
	progress := newDeployProgress(opts.IO.ErrOut, opts.IO.IsStderrTTY, opts.Now)
	event := progress.event
	if opts.SetMemoryLimit != nil && opts.Getenv("GOMEMLIMIT") == "" {
		// The scan's first event gives the number of files; the
		// listing, read meanwhile, is under the limit of none.
		opts.SetMemoryLimit(deployMemoryLimit(0))
		event = func(e deploy.Event) {
			if e.Step == deploy.StepScan && e.Done == 0 && e.Total > 0 && e.Key == "" {
				opts.SetMemoryLimit(deployMemoryLimit(e.Total))
			}
			progress.event(e)
		}
	}
	// The uploads are kept for the report by the command, on disk past
	// a few thousand, not in the report's list.
	uploads := &uploadList{}
	defer uploads.close()
	rep, err := deploy.Run(ctx, s3c, cf, deploy.Options{
		Dir: opts.Dir, Bucket: opts.Bucket, Prefix: opts.Prefix, DistributionIDs: opts.Distributions,
		Config: cfg, DeployID: opts.DeployID, Delete: opts.Delete, MaxDelete: opts.MaxDelete,
		KeepDeleted: opts.KeepDeleted, NoWait: opts.NoWait, DryRun: opts.DryRun, MaxPaths: opts.MaxPaths, MaxWildcards: libWildcards(opts.MaxWildcards),
		Concurrency: opts.Concurrency, Timeout: opts.Timeout, Progress: event,
		HashCacheDir: opts.hashCacheDir(runtime.GOOS), EachUpload: uploads.add,
	})
	progress.end()
	if rep != nil {
		if perr := printDeploy(opts, rep, uploads); perr != nil && err == nil {
			what := "the deploy is done, but its report"
			if rep.DryRun {
				what = "the dry run's report"
			}
			err = fmt.Errorf("%s cannot be printed: %w", what, perr)
		}
	}
	err = deployError(err, rep, opts)
	if ci := detectGitHubCI(opts.Getenv, opts.IO.ErrOut); ci != nil {
		ci.fail(err)
		if rep != nil {
			if werr := appendFile(ci.summaryPath, deploySummary(rep, err)); werr != nil {
				ci.annotate("warning", "cfinv", fmt.Sprintf("write the job summary: %v", werr))
			}
			if werr := appendFile(ci.outputPath, deployOutputs(rep)); werr != nil {
				ci.annotate("warning", "cfinv", fmt.Sprintf("write the step outputs: %v", werr))
			}
		}
	}
	return err
}

// libWildcards is --max-wildcards n as deploy.Options.MaxWildcards, where
// zero is the default and a negative value none.
func libWildcards(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// ProcessMemoryLimit is how a command sets the process's soft memory limit
// for the Go runtime: cmd/cfinv sets it to debug.SetMemoryLimit. It is nil
// where cfinv runs inside another process (tests calling Main), whose
// limit is not the command's to set.
var ProcessMemoryLimit func(int64) int64

// deployMemoryLimit is the soft memory limit deploy gives the Go runtime
// for a site of files files, unless GOMEMLIMIT sets one (issue 31: peak
// RSS ≤ 100 MiB whatever the site's size). Without a limit the runtime
// lets the heap grow to twice what is live before collecting, and a
// deploy's peak RSS was that headroom more than its live data: 96 MiB
// for a first deploy of 30,000 files, 72 MiB with a 48 MiB limit, for
// the same CPU time (BENCHMARKS.md). A deploy holds nothing per file of
// the site (its tables are on disk past 1 MiB each, the report's uploads
// past 4,096), but what it holds per change (the keys and URLs to
// invalidate) grows with the site's changes: the limit leaves 192 bytes
// per file for them, so that the collector does not run all the time
// when much changes (a limit under what is live does that), up to
// 64 MiB, which keeps the peak RSS (about 20 MiB of binary and stacks
// beside the heap) under 100 MiB at any size.
func deployMemoryLimit(files int) int64 {
	return min(40<<20+int64(files)*192, 64<<20)
}

// deploySummary is the GitHub job summary of a deploy: what was uploaded,
// invalidated (with the cost) and deleted.
func deploySummary(rep *deploy.Report, err error) string {
	var b strings.Builder
	title := "cfinv deploy " + rep.DeployID
	if rep.DryRun {
		title += " (dry run)"
	}
	fmt.Fprintf(&b, "### %s\n\n| | |\n| --- | --- |\n", mdCell(title))
	fmt.Fprintf(&b, "| uploaded | %d of %d files (%d unchanged) |\n", rep.Uploaded, rep.Files, rep.Unchanged)
	if rep.AlreadyComplete {
		fmt.Fprintf(&b, "| already complete | an earlier run of this deploy did it all; nothing bought now |\n")
	}
	for _, inv := range rep.Invalidations {
		for _, e := range inv.Batches {
			if e.Resumed {
				fmt.Fprintf(&b, "| invalidated on %s | %s (%s) by an earlier run of this deploy; not bought again |\n", mdCell(inv.DistributionID), mdCell(e.ID), count(len(e.Paths), "path", "paths"))
			}
		}
		if len(inv.Paths) > 0 || !inv.AlreadyCreated {
			fmt.Fprintf(&b, "| invalidated on %s | %s for %d URLs, estimated $%.3f |\n", mdCell(inv.DistributionID), count(len(inv.Paths), "path", "paths"), inv.URLs, inv.CostUSD)
		}
	}
	fmt.Fprintf(&b, "| deleted | %d |\n", len(rep.Deleted))
	if len(rep.Refused) > 0 {
		fmt.Fprintf(&b, "| not deleted (over --max-delete) | %d |\n", len(rep.Refused))
	}
	if err != nil {
		fmt.Fprintf(&b, "\n**Failed:** %s\n", mdCell(err.Error()))
	}
	return b.String() + "\n"
}

// deployOutputs are the step outputs of a deploy: deploy-id, uploaded,
// deleted, invalidation-ids.
func deployOutputs(rep *deploy.Report) string {
	var ids []string
	for _, inv := range rep.Invalidations {
		for _, b := range inv.Batches {
			if b.ID != "" {
				ids = append(ids, b.ID)
			}
		}
	}
	var b strings.Builder
	writeOutput(&b, "deploy-id", rep.DeployID)
	writeOutput(&b, "uploaded", strconv.Itoa(rep.Uploaded))
	writeOutput(&b, "deleted", strconv.Itoa(len(rep.Deleted)))
	writeOutput(&b, "invalidation-ids", strings.Join(ids, " "))
	return b.String()
}

// deployError adds the exit code and the way forward to a failed deploy.
func deployError(err error, rep *deploy.Report, opts *deployOptions) error {
	if err == nil {
		return nil
	}
	resume := "re-run the same command"
	if rep != nil && rep.DeployID != "" && opts.DeployID == "" {
		resume = "re-run the same command (with the same DIR, it is the same deploy " + rep.DeployID + ")"
	}
	if action, ok := s3DeniedAction(err); ok {
		return deniedError(err, action, opts)
	}
	if hint, ok := wrongRegionHint(err, opts); ok && !errors.Is(err, deploy.ErrUpload) {
		return &ExitError{Code: exitCode(err), Err: err, Hint: hint}
	}
	var (
		dle *deploy.DeleteLimitError
		be  *plan.BudgetError
	)
	switch {
	case errors.As(err, &be):
		return &ExitError{Code: exitCode(err), Err: err, Hint: fmt.Sprintf("nothing was uploaded, invalidated or deleted: raise --max-paths (up to 3000) or --max-wildcards (up to %d)", cfpath.MaxInProgressWildcards)}
	case errors.Is(err, deploy.ErrUpload):
		return &ExitError{Code: ExitUploadFailed, Err: err, Hint: "no entry object was written and nothing was deleted: viewers see the previous version; " + resume + " to finish the deploy"}
	case errors.As(err, &dle):
		return &ExitError{Code: ExitDeleteRefused, Err: err, Hint: fmt.Sprintf("the uploads and the invalidation are done; to delete them, re-run with --max-delete %d (or -1 for no limit)", dle.Deletions)}
	case errors.Is(err, deploy.ErrConfig):
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return err
}

// printDeployReport prints what the deploy did (or, with --dry-run, would
// do): one line per upload (from uploads), invalidation and deletion, then
// a summary. It returns the failure to read the uploads back, if any.
func printDeployReport(w io.Writer, rep *deploy.Report, uploads *uploadList) error {
	verb := func(done, dry string) string {
		if rep.DryRun {
			return dry
		}
		return done
	}
	err := uploads.each(func(u deploy.Upload) bool {
		names := make([]string, 0, len(u.Headers))
		for k := range u.Headers {
			names = append(names, k)
		}
		slices.Sort(names)
		var hs []string
		for _, k := range names {
			hs = append(hs, k+": "+u.Headers[k])
		}
		fmt.Fprintf(w, "%s %s (%d bytes, %s) %s\n", verb("uploaded", "upload"), u.Key, u.Size, u.Reason, strings.Join(hs, "; "))
		return true
	})
	if err != nil {
		return err
	}
	if !rep.AlreadyComplete {
		for _, k := range rep.Resumed {
			fmt.Fprintf(w, "resumed %s (uploaded by an earlier run of this deploy; invalidated)\n", k)
		}
	}
	for _, inv := range rep.Invalidations {
		earlier := printEarlierInvalidations(w, inv)
		if len(inv.Paths) == 0 {
			if !earlier {
				fmt.Fprintf(w, "%s: nothing to invalidate\n", inv.DistributionID)
			}
			continue
		}
		var ids []string
		for _, b := range inv.Batches {
			if b.ID != "" && !b.Resumed {
				ids = append(ids, b.ID)
			}
		}
		note := ""
		if inv.AlreadyCreated && !earlier {
			note = " (already created by an earlier run of this deploy)"
		}
		if len(ids) > 0 {
			note = " (" + strings.Join(ids, " ") + ")" + note
		}
		fmt.Fprintf(w, "%s %s: %s for %s in %s, estimated $%.3f%s\n", verb("invalidated", "invalidate"), inv.DistributionID,
			count(len(inv.Paths), "path", "paths"), count(inv.URLs, "URL", "URLs"), count(max(len(inv.Batches), 1), "batch", "batches"), inv.CostUSD, note)
		for _, p := range inv.Paths {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	for _, k := range rep.Deleted {
		fmt.Fprintf(w, "%s %s\n", verb("deleted", "delete"), k)
	}
	for _, k := range rep.Kept {
		fmt.Fprintf(w, "kept %s (--keep-deleted)\n", k)
	}
	for _, k := range rep.Refused {
		fmt.Fprintf(w, "not deleted %s (over --max-delete)\n", k)
	}
	if rep.AlreadyComplete {
		// Its own line: the last one keeps the summary's shape, which
		// the Octopus and GitLab scripts read their outputs from.
		fmt.Fprintf(w, "already complete: an earlier run of deploy %s uploaded its objects and bought the invalidation it needed; nothing to do now\n", rep.DeployID)
	}
	fmt.Fprintf(w, "deploy %s: %d files, %s %s, %d unchanged, %s %s\n", rep.DeployID, rep.Files,
		count(rep.Uploaded, "object", "objects"), verb("uploaded", "to upload"), rep.Unchanged,
		count(len(rep.Deleted), "object", "objects"), verb("deleted", "to delete"))
	return nil
}
