package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/changes"
	"github.com/cfinv/cfinv/plan"
	"github.com/spf13/cobra"
)

type planOptions struct {
	IO  *IO
	Now func() time.Time

	// Change sources.
	Dir           string
	Manifest      string
	WriteManifest bool
	HashWorkers   int
	S3SyncLog     string
	Changed       string
	Deleted       string
	GitRange      string
	GitDirPrefix  string
	AllObjects    string

	// URL mapping.
	DistributionID string
	AWS            awsFlags
	// Client builds the CloudFront client for --distribution-id; tests
	// replace it.
	Client clientFunc
	// OriginPathSet and RootObjectSet say the flags were given, so they
	// win over the distribution's configuration.
	OriginPathSet     bool
	RootObjectSet     bool
	OriginPath        string
	IndexDocument     string
	IndexForms        plan.IndexForms
	DefaultRootObject string
	IncludeNew        bool

	// Planning.
	Strategy      plan.Strategy
	Placement     plan.Placement
	MaxPaths      int
	MaxWildcards  int
	FreePathsLeft int

	// Output.
	Output string
	Out    string
}

func newPlanCmd(d *Deps, runF func(*planOptions) error) *cobra.Command {
	opts := &planOptions{IO: d.IO, Now: d.Now}
	var strategy, placement, forms string
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Plan the cheapest correct invalidation from what a deploy changed",
		Long: `Plan works out which CloudFront paths to invalidate after a deploy, without
calling AWS. It reads what changed from one or more sources:

  --dir DIR --manifest FILE   compare a build directory with the previous deploy's
                              manifest (content hashes; files with unchanged size
                              and mtime are not read again)
  --s3-sync-log FILE|-        the output of "aws s3 sync" (upload/copy/move/delete
                              lines, "(dryrun) " too)
  --changed FILE|-            changed object keys, one a line
  --deleted FILE              deleted object keys, one a line
  --git-range A..B            "git diff --name-status" in the current directory,
                              limited to --git-dir-prefix

Keys become URLs: --origin-path is stripped, DIR/index.html is reachable as
/DIR/, /DIR and /DIR/index.html (--index-forms), the default root object also
as /, and keys are percent-encoded exactly as "cfinv invalidate" sends them
('~' raw). New objects are left out (no viewer can have cached them) unless
--include-new; deleted ones are purged.

With --distribution-id the mapping comes from the distribution's configuration
(one GetDistribution call; --endpoint-url, --profile and --region as for
invalidate): the origin path of the default cache behaviour's origin is
stripped, and its DefaultRootObject is purged as /. Ordered cache behaviours
are followed: a behaviour whose origin is the same bucket (same domain name)
with another origin path maps the keys under that origin path to the URLs its
path pattern matches; URLs that a behaviour sends to a different origin are
not reachable from this bucket and are left out. An explicit --origin-path or
--default-root-object wins over the distribution's.

A behaviour's viewer-request CloudFront Function decides the URL an object is
cached under: plan fetches its LIVE code (DescribeFunction and GetFunction) and
runs it locally on each URL, twice with different viewers. When it returns a
request with the same URI both times, that URI is purged (with the classic
index rewrite, /DIR/index.html alone instead of three forms); otherwise (it
throws, redirects, depends on the viewer, reads a key value store, its code is
denied…) a warning names the function and behaviour and every form is purged.
A changed error page (CustomErrorResponses) gets a warning too: the copies
cached under the URLs that failed need /* or their prefixes. Warnings go to
stderr and into --output json.

A key with a literal '*' cannot be invalidated exactly (CloudFront reads '*'
only as a trailing wildcard): it is covered by a wildcard that ends before
the '*', and the plan says so.

The optimal strategy then picks exact paths and wildcards that cover every URL
to purge with at most --max-paths paths and --max-wildcards wildcards, purging
the fewest unchanged objects (ties: fewest paths). It needs every object of the
site to count those: from --dir, or --all-objects FILE (one key a line). A
wildcard may end anywhere (--wildcards any, e.g. /blog/post-1*) or only after
a slash (--wildcards segment, /blog/*). --strategy exact sends one path per URL,
--strategy everything sends /*.

The default --max-paths is --free-paths-left (this month's free paths, 1000 by
default) so the run is free, but at least 100 (at most $0.50) and never more
than CloudFront's 3000 paths in progress.

Output: a table on a terminal; one path per line when stdout is not a terminal,
ready for "cfinv invalidate --paths-from -"; --output json for the whole plan.
--out FILE writes the plan file that "cfinv invalidate --plan FILE" submits.

--write-manifest records the scanned state of --dir for the next deploy. With
--out it goes to MANIFEST.pending beside the --manifest file MANIFEST, and
"cfinv invalidate --plan" puts it in place only once every batch is created
(and completed, with --wait): a failed invalidation leaves the manifest as it
was, so the re-run plans the same changes again. Without --out the manifest is
rewritten at once, before anything is invalidated: use that only to record a
state without invalidating it.`,
		Example: `  # After "aws s3 sync public/ s3://site --delete | tee sync.log":
  cfinv plan --s3-sync-log sync.log --all-objects objects.txt

  # Compare the build with the last deploy and submit the plan; invalidate
  # updates the manifest once the invalidation succeeded:
  cfinv plan --dir public --manifest .cfinv-manifest --write-manifest --out plan.json
  cfinv invalidate --distribution-id E2EXAMPLE --plan plan.json --wait

  # From git, piped straight into invalidate:
  cfinv plan --git-range HEAD~1..HEAD --git-dir-prefix public/ --all-objects objects.txt |
    cfinv invalidate --distribution-id E2EXAMPLE --paths-from -

  # Origin path, cache behaviours and default root object from the distribution:
  cfinv plan --s3-sync-log sync.log --all-objects objects.txt --distribution-id E2EXAMPLE

  # What would it cost with 20 free paths left, segment wildcards only?
  aws s3 sync public/ s3://site --dryrun | cfinv plan --s3-sync-log - --all-objects objects.txt \
    --free-paths-left 20 --wildcards segment --output json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.OriginPathSet = cmd.Flags().Changed("origin-path")
			opts.RootObjectSet = cmd.Flags().Changed("default-root-object")
			if opts.Client == nil {
				opts.Client = opts.AWS.newClient(opts.IO, d.Getenv)
			}
			var err error
			if opts.Strategy, err = plan.ParseStrategy(strategy); err != nil {
				return &FlagError{Err: fmt.Errorf("--strategy: %w", err)}
			}
			if opts.Placement, err = plan.ParsePlacement(placement); err != nil {
				return &FlagError{Err: fmt.Errorf("--wildcards: %w", err)}
			}
			if opts.IndexForms, err = plan.ParseIndexForms(forms); err != nil {
				return &FlagError{Err: fmt.Errorf("--index-forms: %w", err)}
			}
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return planRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Dir, "dir", "", "build `DIR` to compare with --manifest")
	f.StringVar(&opts.Manifest, "manifest", "", "manifest `FILE` of the previous deploy (with --dir)")
	f.BoolVar(&opts.WriteManifest, "write-manifest", false, "record the scanned state of --dir for the next deploy: with --out, as MANIFEST.pending (MANIFEST: --manifest's file) that \"cfinv invalidate --plan\" puts in place after the invalidation succeeded; without, in --manifest at once")
	f.IntVar(&opts.HashWorkers, "hash-workers", runtime.NumCPU(), "files hashed in parallel")
	f.StringVar(&opts.S3SyncLog, "s3-sync-log", "", "output of \"aws s3 sync\" (`FILE`, or - for stdin)")
	f.StringVar(&opts.Changed, "changed", "", "changed object keys, one a line (`FILE`, or - for stdin)")
	f.StringVar(&opts.Deleted, "deleted", "", "deleted object keys, one a line (`FILE`, or - for stdin)")
	f.StringVar(&opts.GitRange, "git-range", "", "commits `A..B` to diff in the current directory")
	f.StringVar(&opts.GitDirPrefix, "git-dir-prefix", "", "directory of the site in the repository (`DIR/`), stripped from keys")
	f.StringVar(&opts.AllObjects, "all-objects", "", "every object key of the site, one a line (`FILE`, or - for stdin)")
	f.StringVar(&opts.OriginPath, "origin-path", "", "origin path to strip from keys (`/PATH`; wins over --distribution-id)")
	f.StringVar(&opts.DistributionID, "distribution-id", "", "read the origin path, cache behaviours and default root object from this distribution (`ID`, domain name or alias)")
	f.StringVar(&opts.AWS.EndpointURL, "endpoint-url", "", "CloudFront API `URL` for --distribution-id, e.g. a local cfinv serve: http://127.0.0.1:8655")
	f.StringVar(&opts.AWS.Profile, "profile", "", "AWS shared config profile for --distribution-id")
	f.StringVar(&opts.AWS.Region, "region", "", "signing region for --distribution-id (default: the SDK's, else us-east-1)")
	f.BoolVar(&opts.AWS.Debug, "debug", false, "log the GetDistribution request and response on stderr, credentials redacted")
	f.StringVar(&opts.IndexDocument, "index-document", "index.html", "name of directory index objects (empty: none)")
	f.StringVar(&forms, "index-forms", "slash,noslash,file", "URLs of DIR/index.html: slash (/DIR/), noslash (/DIR), file (/DIR/index.html)")
	f.StringVar(&opts.DefaultRootObject, "default-root-object", "index.html", "the distribution's default root object, also purged as / (wins over --distribution-id)")
	f.BoolVar(&opts.IncludeNew, "include-new", false, "purge new objects too")
	f.StringVar(&strategy, "strategy", "optimal", "optimal, exact (one path per URL) or everything (/*)")
	f.StringVar(&placement, "wildcards", "any", "where wildcards may end: any (any character) or segment (after a /)")
	f.IntVar(&opts.MaxPaths, "max-paths", 0, "most paths in the plan (0: --free-paths-left, at least 100, at most 3000)")
	f.IntVar(&opts.MaxWildcards, "max-wildcards", plan.DefaultMaxWildcards, "most wildcard paths in the plan (CloudFront allows 15 in progress)")
	f.IntVar(&opts.FreePathsLeft, "free-paths-left", plan.FreePathsPerMonth, "free invalidation paths left this month, for the budget and the cost estimate")
	f.StringVar(&opts.Output, "output", "", "table, json or paths (default: table on a terminal, paths otherwise)")
	f.StringVar(&opts.Out, "out", "", "write the plan file to `FILE` for \"cfinv invalidate --plan\"")
	return cmd
}

// check validates flag combinations, naming the bad value and what would
// be accepted.
func (o *planOptions) check() error {
	if o.Dir == "" && o.S3SyncLog == "" && o.Changed == "" && o.Deleted == "" && o.GitRange == "" {
		return flagErrorf("no change source: give --dir with --manifest, --s3-sync-log, --changed, --deleted or --git-range")
	}
	if (o.Dir == "") != (o.Manifest == "") {
		return flagErrorf("--dir and --manifest go together: --dir DIR --manifest FILE")
	}
	if o.WriteManifest && o.Dir == "" {
		return flagErrorf("--write-manifest needs --dir DIR --manifest FILE")
	}
	stdin := 0
	for _, v := range []string{o.S3SyncLog, o.Changed, o.Deleted, o.AllObjects} {
		if v == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return flagErrorf("only one of --s3-sync-log, --changed, --deleted and --all-objects can read stdin (-)")
	}
	if o.MaxPaths < 0 || o.MaxPaths > cfpath.MaxInProgressPaths {
		return flagErrorf("--max-paths %d is out of range: want 1 to %d, or 0 for the default", o.MaxPaths, cfpath.MaxInProgressPaths)
	}
	if o.MaxWildcards < 0 || o.MaxWildcards > cfpath.MaxInProgressWildcards {
		return flagErrorf("--max-wildcards %d is out of range: want 0 to %d", o.MaxWildcards, cfpath.MaxInProgressWildcards)
	}
	if o.FreePathsLeft < 0 {
		return flagErrorf("--free-paths-left %d is negative: want 0 or more", o.FreePathsLeft)
	}
	if o.HashWorkers < 1 {
		return flagErrorf("--hash-workers %d: want 1 or more", o.HashWorkers)
	}
	if op := o.OriginPath; op != "" && !strings.HasPrefix(op, "/") {
		return flagErrorf("--origin-path %q must start with '/', e.g. /production", op)
	}
	switch o.Output {
	case "", "table", "json", "paths":
	default:
		return flagErrorf("--output %q: want table, json or paths", o.Output)
	}
	return nil
}

func planRun(ctx context.Context, opts *planOptions) error {
	m := plan.Mapper{OriginPath: opts.OriginPath, IndexDocument: opts.IndexDocument, Forms: opts.IndexForms, DefaultRootObject: opts.DefaultRootObject}
	if opts.DistributionID != "" {
		if err := opts.fromDistribution(ctx, &m); err != nil {
			return err
		}
	}
	set, keys, inventory, scanned, err := opts.gather(ctx)
	if err != nil {
		return err
	}
	if opts.IncludeNew {
		set.Merge(changes.Set{Modified: set.Added})
	}
	in := m.Input(set, keys)

	popts := plan.Options{Strategy: opts.Strategy, MaxPaths: opts.MaxPaths, MaxWildcards: opts.MaxWildcards, Placement: opts.Placement, FreePathsLeft: opts.FreePathsLeft}
	if popts.Strategy == plan.Optimal && !inventory {
		// Without the site's objects a wildcard's needless purges cannot
		// be counted, so only an exact plan is known to be optimal.
		if n := len(in.Purge); n > plan.DefaultMaxPaths(opts.FreePathsLeft) && opts.MaxPaths == 0 || opts.MaxPaths > 0 && n > opts.MaxPaths {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("plan: %d URLs to purge exceed the path budget, and without the site's object list the needless purges of a wildcard cannot be counted", n),
				Hint: "give --all-objects FILE (every key, one a line) or --dir, or choose --strategy exact or --strategy everything"}
		}
		fmt.Fprintln(opts.IO.ErrOut, "note: no --all-objects or --dir, so wildcards cannot be priced; planning exact paths")
		popts.Strategy = plan.Exact
	}
	p, err := plan.Build(in, popts)
	if err != nil {
		return err
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", w.Message)
	}
	file := plan.NewFile(p, opts.Now())
	switch {
	case opts.Out != "" && scanned != nil && opts.WriteManifest:
		// The manifest is updated by "cfinv invalidate --plan" once the
		// invalidation succeeded: a failed one leaves it as it is, so
		// the re-run plans the same changes again.
		pending, err := scanned.WritePending(opts.Manifest)
		if err != nil {
			return err
		}
		if err := writePlanFile(opts.Out, planFile{File: file, Manifest: &pending}); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "wrote %s; cfinv invalidate --plan %s puts it in place of %s once the invalidation succeeds\n", pending.File, opts.Out, opts.Manifest)
	case opts.Out != "":
		if err := writePlanFile(opts.Out, planFile{File: file}); err != nil {
			return err
		}
	case scanned != nil && opts.WriteManifest:
		if err := scanned.WriteFile(opts.Manifest); err != nil {
			return err
		}
	}
	format := opts.Output
	if format == "" {
		format = "paths"
		if opts.IO.IsStdoutTTY {
			format = "table"
		}
	}
	switch format {
	case "json":
		return file.Encode(opts.IO.Out)
	case "table":
		return printPlanTable(opts.IO.Out, p, opts.FreePathsLeft)
	default:
		for _, path := range p.Paths() {
			fmt.Fprintln(opts.IO.Out, path)
		}
		fmt.Fprintln(opts.IO.ErrOut, planSummary(p, opts.FreePathsLeft))
		return nil
	}
}

// fromDistribution sets the mapping of m from --distribution-id's
// configuration, except what --origin-path and --default-root-object set
// explicitly, and says on stderr what it found.
func (o *planOptions) fromDistribution(ctx context.Context, m *plan.Mapper) error {
	client, err := o.Client(ctx)
	if err != nil {
		return err
	}
	ids, err := client.Resolve(ctx, o.DistributionID)
	if err != nil {
		return err
	}
	if len(ids) != 1 {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("plan: --distribution-id %q names %d distributions, want one", o.DistributionID, len(ids)),
			Hint: "give the distribution's ID"}
	}
	cfg, err := client.DistributionConfig(ctx, ids[0])
	if err != nil {
		return err
	}
	routes, notes, err := plan.DistributionRoutes(cfg)
	if err != nil {
		return fmt.Errorf("plan: distribution %s: %w", ids[0], err)
	}
	if o.OriginPathSet {
		notes = append(notes, fmt.Sprintf("--origin-path %q given: the distribution's origins, cache behaviours and functions are not used", o.OriginPath))
	} else {
		// The behaviours' viewer-request functions decide the cache
		// keys: their LIVE code is run on each URL (plan.Function).
		if err := plan.LoadFunctions(ctx, routes, client.Function); err != nil {
			return err
		}
		m.Routes = routes
	}
	m.ErrorPages = plan.DistributionErrorPages(cfg)
	if !o.RootObjectSet {
		m.DefaultRootObject = aws.ToString(cfg.DefaultRootObject)
		if m.DefaultRootObject == "" {
			notes = append(notes, "no default root object")
		} else {
			notes = append(notes, fmt.Sprintf("default root object %q, also purged as /", m.DefaultRootObject))
		}
	}
	for _, n := range notes {
		fmt.Fprintf(o.IO.ErrOut, "distribution %s: %s\n", ids[0], n)
	}
	return nil
}

// gather reads every change source. keys is every object of the site when
// inventory is true; scanned is the new manifest when --dir was given.
func (o *planOptions) gather(ctx context.Context) (set changes.Set, keys []string, inventory bool, scanned changes.Manifest, err error) {
	if o.Dir != "" {
		prev, err := o.readManifest()
		if err != nil {
			return set, nil, false, nil, err
		}
		cur, st, err := changes.Scan(ctx, o.Dir, prev, o.HashWorkers)
		if err != nil {
			return set, nil, false, nil, err
		}
		fmt.Fprintf(o.IO.ErrOut, "scanned %d files in %s: %d hashed (%d bytes), %d unchanged by size and mtime\n", st.Files, o.Dir, st.Hashed, st.BytesHashed, st.Reused)
		set.Merge(changes.Diff(prev, cur))
		keys, inventory, scanned = cur.Keys(), true, cur
	}
	if o.S3SyncLog != "" {
		s, err := readWith(ctx, "--s3-sync-log", o.S3SyncLog, o.IO.In, changes.ParseS3SyncLog)
		if err != nil {
			return set, nil, false, nil, err
		}
		set.Merge(s)
	}
	if o.Changed != "" {
		k, err := readWith(ctx, "--changed", o.Changed, o.IO.In, changes.ParseKeys)
		if err != nil {
			return set, nil, false, nil, err
		}
		set.Merge(changes.Set{Modified: k})
	}
	if o.Deleted != "" {
		k, err := readWith(ctx, "--deleted", o.Deleted, o.IO.In, changes.ParseKeys)
		if err != nil {
			return set, nil, false, nil, err
		}
		set.Merge(changes.Set{Deleted: k})
	}
	if o.GitRange != "" {
		s, err := changes.GitDiff(ctx, "", o.GitRange, o.GitDirPrefix)
		if err != nil {
			return set, nil, false, nil, err
		}
		set.Merge(s)
	}
	if o.AllObjects != "" {
		k, err := readWith(ctx, "--all-objects", o.AllObjects, o.IO.In, changes.ParseKeys)
		if err != nil {
			return set, nil, false, nil, err
		}
		keys, inventory = append(keys, k...), true
	}
	return set, keys, inventory, scanned, nil
}

// readManifest reads --manifest. A missing manifest is the first deploy
// when --write-manifest is given, and a mistake otherwise.
func (o *planOptions) readManifest() (changes.Manifest, error) {
	f, err := os.Open(o.Manifest)
	if errors.Is(err, fs.ErrNotExist) {
		if o.WriteManifest {
			fmt.Fprintf(o.IO.ErrOut, "note: %s does not exist yet: every file counts as new\n", o.Manifest)
			return changes.Manifest{}, nil
		}
		return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("read manifest: %s does not exist", o.Manifest),
			Hint: "on the first deploy add --write-manifest to create it"}
	}
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	defer f.Close()
	return changes.ReadManifest(f, o.Manifest)
}

func planSummary(p *plan.Plan, free int) string {
	return fmt.Sprintf("%s (%s) in %s cover %s; %d purged needlessly; %s (%d free left), estimated $%.3f",
		count(len(p.Items), "path", "paths"), count(p.Wildcards, "wildcard", "wildcards"), count(len(p.Batches), "batch", "batches"),
		count(p.Must, "URL", "URLs"), p.Needless, count(p.BilledPaths, "billed path", "billed paths"), free, p.CostUSD)
}

// count formats n with the singular or plural noun.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func printPlanTable(w io.Writer, p *plan.Plan, free int) error {
	if len(p.Items) == 0 {
		_, err := fmt.Fprintln(w, "Nothing to invalidate: no changed or deleted object is reachable.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tKIND\tCHANGED\tUNCHANGED\tNEW")
	for _, it := range p.Items {
		kind := "exact"
		if it.Wildcard {
			kind = "wildcard"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", it.Path, kind, it.Changed, it.Unchanged, it.New)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", planSummary(p, free))
	return err
}
