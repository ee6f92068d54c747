package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/changes"
	"github.com/cfinv/cfinv/internal/awscli"
	"github.com/cfinv/cfinv/internal/printable"
)

type invalidateOptions struct {
	IO     *IO
	Getenv func(string) string
	Now    func() time.Time
	// Client builds the CloudFront client; tests replace it.
	Client clientFunc
	// FileExists backs the "did your shell expand a wildcard?" hint.
	FileExists func(name string) bool

	AWS               awsFlags
	Distributions     []string
	Tenant            string   // --distribution-tenant-id, or --id of create-invalidation-for-distribution-tenant
	Items             []string // --paths, then the arguments
	PathArgs          int      // how many of Items are arguments
	PathsFrom         string
	InvalidationBatch string
	CLIInputJSON      string
	Skeleton          string
	CallerReference   string
	DeployID          string
	Wait              bool
	Timeout           time.Duration
	DryRun            bool
	StateDir          string
	Plan              string
	FailIfEmpty       bool

	CI *githubCI // the GitHub Actions step, nil outside one (ci.go)

	// AWSOutput prints as "aws cloudfront create-invalidation" does: the
	// command was called by that name.
	AWSOutput bool
	// AWSOp is the AWS operation whose output AWSOutput prints: ""
	// for CreateInvalidation.
	AWSOp string
}

func newInvalidateCmd(d *Deps, runF func(*invalidateOptions) error) *cobra.Command {
	opts := &invalidateOptions{IO: d.IO, Getenv: d.Getenv, Now: d.Now, FileExists: fileExists}
	cmd := &cobra.Command{
		Use:     "invalidate [PATH...]",
		Aliases: []string{"create-invalidation"},
		Short:   "Create invalidations, safely retried, batched and optionally awaited",
		Long: `Create CloudFront invalidations for paths and cache tags.

Paths are cleaned as CloudFront requires: a missing leading '/' is added,
non-ASCII and RFC 1738 unsafe characters are percent-encoded (a valid %XX and a
trailing '*' wildcard stay as they are; '~' is sent raw), duplicates and paths a
wildcard of the same request covers are dropped, and the rest is split into
batches of at most 3000 paths and 15 wildcards. Items starting with '#' are cache
tags.

Every batch gets one caller reference, reused by every retry, so a retry never
bills twice. With --deploy-id the reference is derived from the distribution,
the batch and the deploy ID, and submitted batches are recorded in a journal in
the state directory: re-running the same deploy after a timeout, an error or a
killed process resumes it and returns the invalidations already made.

Batches beyond CloudFront's in-progress limits are queued until earlier ones
complete; TooManyInvalidationsInProgress, throttling, server errors, connection
resets and attempts unanswered after 30s are retried, with the same caller
reference, until --timeout (exit code 5 if only such failures met it). An
endpoint that refuses the connection or whose host does not resolve fails at
once with exit code 8.

A plan file (--plan) or a --paths-from list with no paths is a deploy with
nothing to purge: nothing is sent, stderr says so, and the exit code is 0
(9 with --fail-if-empty).
After "cfinv plan --write-manifest --out FILE", the plan's new manifest is put
in place once every batch is created (and completed, with --wait); a failed
run leaves the old one, so the next plan purges the same changes again.

The AWS CLI's inputs work unchanged: replace "aws cloudfront" with "cfinv" in an
"aws cloudfront create-invalidation" command line. JSON output has the AWS CLI's
shape and is the default when stdout is not a terminal.`,
		Example: `  cfinv invalidate --distribution-id E1U5RQF7T870K0 /index.html '/img/*'
  cfinv invalidate --distribution-id www.example.com --deploy-id "$GITHUB_SHA" --wait --paths-from changed.txt
  git diff --name-only HEAD~1 -- public | sed 's|^public||' | cfinv invalidate --distribution-id E1U5RQF7T870K0 --paths-from -
  cfinv create-invalidation --distribution-id E1U5RQF7T870K0 --invalidation-batch file://batch.json
  cfinv invalidate --distribution-id E1U5RQF7T870K0 --dry-run /a /b
  cfinv invalidate --plan plan.json --distribution-id E1U5RQF7T870K0 --wait
  cfinv invalidate --distribution-tenant-id dt_2wjDZi3hD1ivOXf6rpZJOSNE1AB --wait /index.html`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Items = append(append([]string{}, opts.Items...), args...)
			opts.PathArgs = len(args)
			opts.AWSOutput = cmd.CalledAs() == "create-invalidation"
			if cmd.Flags().Changed("generate-cli-skeleton") && opts.Skeleton == "" {
				opts.Skeleton = "input"
			}
			return opts.run(cmd.Context(), runF)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Distributions, "distribution-id", nil, "distribution ID, or a domain name or alias resolved with ListDistributions (repeatable)")
	fl.StringVar(&opts.Tenant, "distribution-tenant-id", "", "distribution tenant ID (dt_…) of a multi-tenant distribution, instead of --distribution-id")
	fl.StringArrayVar(&opts.Items, "paths", nil, "path or #tag to invalidate (repeatable; arguments are paths too)")
	fl.StringVar(&opts.PathsFrom, "paths-from", "", "read paths from FILE, or - for stdin, one per line or NUL-separated")
	fl.StringVar(&opts.InvalidationBatch, "invalidation-batch", "", `AWS CLI batch: JSON, file://FILE, or shorthand "Paths={Quantity=1,Items=[/a]},CallerReference=x"`)
	fl.StringVar(&opts.CLIInputJSON, "cli-input-json", "", `AWS CLI input: {"DistributionId":…,"InvalidationBatch":{…}} as JSON or file://FILE`)
	awscli.SkeletonFlag(cmd, &opts.Skeleton)
	fl.StringVar(&opts.CallerReference, "caller-reference", "", "caller reference of the first batch (later batches get -2, -3…)")
	fl.StringVar(&opts.DeployID, "deploy-id", "", "deploy identifier: derives caller references and lets a re-run resume instead of paying again")
	fl.BoolVar(&opts.Wait, "wait", false, "wait until every invalidation is Completed")
	durationVar(fl, &opts.Timeout, "timeout", 15*time.Minute, minTimeout, maxTimeout, "overall deadline for submitting (queueing, retries) and --wait")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the exact batches, references and billed path count; change nothing")
	fl.StringVar(&opts.StateDir, "state-dir", "", "directory of the journal (default $XDG_STATE_HOME/cfinv or ~/.local/state/cfinv)")
	fl.BoolVar(&opts.FailIfEmpty, "fail-if-empty", false, "exit 9 rather than 0 when --plan or --paths-from holds no paths (nothing is sent either way)")
	fl.StringVar(&opts.Plan, "plan", "", "submit the batches of the plan `FILE` written by cfinv plan --out, then put its pending manifest (--write-manifest) in place; an empty plan sends nothing and succeeds")
	opts.AWS.register(cmd)
	return cmd
}

// targetOf is the distribution or distribution tenant ID of b.
func targetOf(b cfinv.Batch) string {
	if b.DistributionTenantID != "" {
		return b.DistributionTenantID
	}
	return b.DistributionID
}

// globGuess is the quoted wildcard a shell most likely expanded into the
// local files names: the directory they share, then '*' ('/img/*' for
// img/a.png img/b.png; '/*' for files of the current directory).
func globGuess(names []string) string {
	dir := path.Dir(names[0])
	for _, n := range names[1:] {
		for d := path.Dir(n); dir != "." && d != dir && !strings.HasPrefix(d, dir+"/"); {
			dir = path.Dir(dir)
		}
	}
	if dir == "." {
		return "'/*'"
	}
	return "'/" + strings.TrimPrefix(dir, "./") + "/*'"
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// exclusiveBatch refuses what the AWS CLI refuses before sending:
// --paths with --invalidation-batch (awscli/customizations/cloudfront.py
// registers them as mutually exclusive; its message is `The key "paths"
// cannot be specified when one of the following keys are also specified:
// invalidation_batch`, exit 255). cfinv's other sources of paths
// (arguments, --paths-from, --plan) are refused with it alike: merging
// them would invalidate, and bill, paths the batch does not name.
func exclusiveBatch(opts *invalidateOptions) error {
	if opts.InvalidationBatch == "" {
		return nil
	}
	var other []string
	if n := len(opts.Items) - opts.PathArgs; n > 0 {
		other = append(other, "--paths")
	}
	if opts.PathArgs > 0 {
		other = append(other, fmt.Sprintf("the path argument %q", opts.Items[len(opts.Items)-opts.PathArgs]))
	}
	if opts.PathsFrom != "" {
		other = append(other, "--paths-from")
	}
	if opts.Plan != "" {
		other = append(other, "--plan")
	}
	if len(other) == 0 {
		return nil
	}
	return flagErrorf("--invalidation-batch and %s are mutually exclusive, as in the AWS CLI: give every path in the batch, or leave --invalidation-batch out", strings.Join(other, " and "))
}

// request is what the inputs of invalidate add up to.
type request struct {
	dists   []string
	items   []string
	ref     string
	batches [][]string // from a plan file: sent as they are
	// manifest is the plan file's manifest update, committed once every
	// batch is created (and completed, with --wait).
	manifest *changes.Pending
	// empty says a plan file or --paths-from held no paths: nothing
	// to send, and a success.
	empty bool
}

func gatherRequest(ctx context.Context, opts *invalidateOptions) (*request, error) {
	r := &request{dists: opts.Distributions, items: opts.Items, ref: opts.CallerReference}
	if err := exclusiveBatch(opts); err != nil {
		return nil, err
	}
	if opts.PathsFrom != "" {
		data, err := readInput(ctx, "--paths-from", opts.PathsFrom, opts.IO.In, maxPathsInput)
		if err != nil {
			return nil, err
		}
		r.items = append(r.items, parsePathList(data)...)
	}
	if opts.CLIInputJSON != "" {
		in, err := parseCLIInputJSON(ctx, opts.CLIInputJSON)
		if err != nil {
			return nil, err
		}
		if in.DistributionID != "" && len(r.dists) == 0 {
			r.dists = []string{in.DistributionID}
		}
		// As in the AWS CLI, a batch given on the command line replaces
		// the file's (awscli/customizations/cliinputjson.py: a
		// parameter of the command line wins).
		if in.InvalidationBatch != nil && len(r.items) == 0 && opts.InvalidationBatch == "" && opts.Plan == "" {
			r.items = append(r.items, in.InvalidationBatch.Paths.Items...)
			if r.ref == "" {
				r.ref = in.InvalidationBatch.CallerReference
			}
		}
	}
	if opts.InvalidationBatch != "" {
		b, err := parseInvalidationBatch(ctx, opts.InvalidationBatch)
		if err != nil {
			return nil, err
		}
		r.items = append(r.items, b.Paths.Items...)
		if r.ref == "" {
			r.ref = b.CallerReference
		}
	}
	if opts.Plan != "" {
		data, err := readInput(ctx, "--plan", opts.Plan, nil, maxPlanInput)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil, err
			}
			return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("read plan: %w", err)}
		}
		f, err := decodePlanFile(opts.Plan, data)
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("read plan: %w", err)}
		}
		r.batches, r.manifest = f.Batches(), f.Manifest
	}
	switch {
	case opts.Tenant != "" && len(r.dists) > 0:
		return nil, flagErrorf("give --distribution-id or --distribution-tenant-id %s, not both", opts.Tenant)
	case opts.Tenant == "" && len(r.dists) == 0:
		return nil, flagErrorf("no distribution: give --distribution-id (an ID, a domain name or an alias) or --distribution-tenant-id")
	}
	if len(r.items) == 0 && len(r.batches) == 0 && (opts.Plan != "" || opts.PathsFrom != "") {
		// An empty plan (nothing changed, or the first deploy) or an
		// empty list is a deploy with nothing to purge, not a mistake.
		r.empty = true
		return r, nil
	}
	if len(r.items) == 0 && len(r.batches) == 0 {
		return nil, flagErrorf("no paths: give paths as arguments, --paths, --paths-from, --invalidation-batch, --cli-input-json or --plan")
	}
	if len(r.items) > 0 && len(r.batches) > 0 {
		return nil, flagErrorf("--plan cannot be combined with other paths: the plan's batches are sent as they are")
	}
	return r, nil
}

// parsePathList splits a --paths-from file: NUL-separated when it holds a
// NUL, else one path per line (CRLF accepted); blank lines are skipped.
func parsePathList(data []byte) []string {
	sep := []byte("\n")
	if bytes.IndexByte(data, 0) >= 0 {
		sep = []byte{0}
	}
	var out []string
	for f := range bytes.SplitSeq(data, sep) {
		s := strings.TrimRight(string(f), "\r")
		if strings.TrimSpace(s) == "" {
			continue
		}
		out = append(out, s)
	}
	return out
}

// The JSON output of invalidate: the AWS CLI's create-invalidation shape

// validate checks what the flags alone decide before anything is read or
// sent, and before the test hook: --generate-cli-skeleton's value (the
// skeleton is printed whatever the other flags say, as by the AWS CLI),
// else the global options, --output and --query, and --invalidation-batch
// against the other path inputs.
func (opts *invalidateOptions) validate() error {
	if opts.Skeleton != "" {
		return awscli.CheckSkeleton(opts.Skeleton)
	}
	if opts.AWSOutput {
		if err := opts.AWS.defaultOutput(opts.Getenv); err != nil {
			return err
		}
	}
	if err := opts.AWS.check(); err != nil {
		return err
	}
	return exclusiveBatch(opts)
}

// run completes opts from the environment (the client, the state
// directory) and runs the invalidation, or runF in tests. In GitHub
// Actions it adds annotations, a job summary, step outputs and a folded
// wait (ci.go).
func (opts *invalidateOptions) run(ctx context.Context, runF func(*invalidateOptions) error) error {
	if err := opts.validate(); err != nil {
		return err
	}
	if opts.StateDir == "" {
		opts.StateDir = defaultStateDir(opts.Getenv)
	}
	if runF != nil {
		return runF(opts)
	}
	if opts.Client == nil {
		opts.Client = opts.AWS.newClient(opts.IO, opts.Getenv)
	}
	opts.CI = detectGitHubCI(opts.Getenv, opts.IO.ErrOut)
	return invalidateRun(ctx, opts)
}

// for one invalidation, a list plus a summary for several.
type (
	createdJSON struct {
		DistributionID string            `json:"DistributionId,omitempty"`
		Location       string            `json:"Location"`
		Invalidation   *invalidationJSON `json:"Invalidation"`
		Resumed        bool              `json:"Resumed,omitempty"`
	}
	summaryJSON struct {
		Distributions int `json:"Distributions"`
		Batches       int `json:"Batches"`
		Created       int `json:"Created"`
		Resumed       int `json:"Resumed"`
		Paths         int `json:"Paths"`
		Completed     int `json:"Completed,omitempty"`
	}
	manyJSON struct {
		Invalidations []createdJSON `json:"Invalidations"`
		Summary       summaryJSON   `json:"Summary"`
	}
	dryBatchJSON struct {
		CallerReference string    `json:"CallerReference"`
		Paths           pathsJSON `json:"Paths"`
	}
	dryDistJSON struct {
		DistributionID string         `json:"DistributionId"`
		Batches        []dryBatchJSON `json:"Batches"`
	}
	dryRunJSON struct {
		DryRun        bool          `json:"DryRun"`
		Distributions []dryDistJSON `json:"Distributions"`
		BilledPaths   int           `json:"BilledPaths"`
	}
)

func invalidateRun(ctx context.Context, opts *invalidateOptions) error {
	if done, err := awscli.PrintSkeleton(opts.IO.Out, opts.Skeleton, awscli.CreateInputSkeleton, awscli.CreateOutputSkeleton); done {
		return err
	}
	req, err := gatherRequest(ctx, opts)
	if err != nil {
		return err
	}
	if req.empty {
		return invalidateNothing(opts, req)
	}
	if opts.AWSOutput && req.ref == "" && opts.DeployID == "" && len(req.batches) == 0 {
		req.ref = awscli.CallerReference(opts.Now())
	}
	errOut := opts.IO.ErrOut
	var local []string
	for _, it := range req.items {
		if it != "" && it[0] != '/' && it[0] != '#' && opts.FileExists != nil && opts.FileExists(it) {
			local = append(local, it)
		}
	}
	for _, it := range local {
		fmt.Fprintf(errOut, "Warning: %q names a local file: did your shell expand a wildcard? Quote it: %s\n", it, globGuess(local))
	}
	creq := cfinv.Request{
		DistributionIDs:      req.dists,
		DistributionTenantID: opts.Tenant,
		Paths:                req.items,
		Batches:              req.batches,
		DeployID:             opts.DeployID,
		CallerReference:      req.ref,
		Wait:                 opts.Wait,
		Timeout:              opts.Timeout,
		DryRun:               opts.DryRun,
	}
	// Bad input is reported as such (exit 2) even when the AWS
	// configuration is bad too: check it before loading that.
	if err := creq.Validate(); err != nil {
		return invalidateInputError(opts, err)
	}
	copts := []cfinv.Option{cfinv.WithClock(opts.Now, nil)}
	if opts.StateDir != "" {
		copts = append(copts, cfinv.WithStateDir(opts.StateDir))
	}
	client, err := opts.Client(ctx, copts...)
	if err != nil {
		return err
	}
	p := newProgress(opts.IO)
	if opts.CI != nil {
		p.live = false // a CI log shows every redraw as a line of its own
	}
	creq.Progress = func(e cfinv.Event) {
		switch e.Kind {
		// An event may quote a server (an ID, an error message): one
		// line, control characters escaped (issue safety 12).
		case cfinv.EventWarning, cfinv.EventNoJournal:
			fmt.Fprintf(errOut, "Warning: %s\n", printable.String(e.String()))
			opts.CI.warn(e)
		case cfinv.EventWaitProgress:
			opts.CI.waitProgress(e)
			p.report(e)
		default:
			fmt.Fprintf(errOut, "%s: %s\n", e.DistributionID, printable.String(e.String()))
		}
	}
	res, err := client.Invalidate(ctx, creq)
	if opts.Wait && res != nil && !opts.DryRun {
		p.end()
	}
	opts.CI.endGroup()
	if !opts.DryRun {
		opts.CI.summarize(res, err)
	}
	if res == nil {
		return invalidateInputError(opts, err)
	}
	if opts.DryRun {
		return printDryRun(opts, res)
	}
	var commitErr error
	if req.manifest != nil {
		if err == nil {
			commitErr = commitManifest(opts.IO, *req.manifest)
		} else {
			fmt.Fprintf(errOut, "%s not updated: the next plan purges these changes again\n", req.manifest.Path)
		}
	}
	err = resumeHint(opts.IO, &opts.AWS, err)
	if perr := printCreated(opts, res); perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	return commitErr
}

// invalidateNothing ends a run whose plan file or --paths-from held no
// paths: it sends nothing, says so, puts the plan's manifest in place
// (there was nothing to purge, so the deploy is done) and succeeds.
func invalidateNothing(opts *invalidateOptions, req *request) error {
	// The other inputs are checked as for a run that sends: a bad one is
	// still exit 2, whatever the paths.
	check := cfinv.Request{DistributionIDs: req.dists, DistributionTenantID: opts.Tenant, Paths: []string{"/"},
		DeployID: opts.DeployID, CallerReference: req.ref, Wait: opts.Wait, Timeout: opts.Timeout}
	if err := check.Validate(); err != nil {
		return invalidateInputError(opts, err)
	}
	from := "--paths-from " + opts.PathsFrom
	if opts.Plan != "" {
		from = "plan " + opts.Plan
	}
	// --fail-if-empty changes the exit code only: stderr has said why.
	var empty error
	if opts.FailIfEmpty {
		empty = &ExitError{Code: ExitEmpty, Err: ErrSilent}
	}
	if opts.DryRun {
		fmt.Fprintf(opts.IO.ErrOut, "dry run: %s has no paths: nothing to send\n", from)
		return empty
	}
	fmt.Fprintf(opts.IO.ErrOut, "nothing to invalidate: %s has no paths; nothing sent\n", from)
	if req.manifest != nil {
		if err := commitManifest(opts.IO, *req.manifest); err != nil {
			return err
		}
	}
	opts.CI.summarize(&cfinv.Result{}, nil)
	return empty
}

// commitManifest puts a plan's pending manifest in place and says so.
func commitManifest(ios *IO, m changes.Pending) error {
	if err := m.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(ios.ErrOut, "updated %s\n", m.Path)
	return nil
}

// invalidateInputError words an error from before the first call: a bad
// path of a plan file names the file, and other refused input (a
// --caller-reference too long, say) is a usage error, printed with the
// command's usage.
func invalidateInputError(opts *invalidateOptions, err error) error {
	if opts.Plan != "" && errors.Is(err, cfinv.ErrInvalidPath) {
		return fmt.Errorf("plan %s: %w", opts.Plan, err)
	}
	if errors.Is(err, cfinv.ErrInvalidInput) {
		return &FlagError{Err: err}
	}
	return err
}

func printDryRun(opts *invalidateOptions, res *cfinv.Result) error {
	out := dryRunJSON{DryRun: true, BilledPaths: res.BilledPaths}
	for _, b := range res.Batches {
		if n := len(out.Distributions); n == 0 || out.Distributions[n-1].DistributionID != targetOf(b) {
			out.Distributions = append(out.Distributions, dryDistJSON{DistributionID: targetOf(b)})
		}
		d := &out.Distributions[len(out.Distributions)-1]
		d.Batches = append(d.Batches, dryBatchJSON{CallerReference: b.CallerReference, Paths: pathsJSON{Quantity: len(b.Paths), Items: b.Paths}})
	}
	lines := func(w io.Writer) {
		for _, d := range out.Distributions {
			for j, b := range d.Batches {
				fmt.Fprintf(w, "%s\tbatch %d\t%s\t%d paths\n", d.DistributionID, j+1, b.CallerReference, b.Paths.Quantity)
				for _, it := range b.Paths.Items {
					fmt.Fprintf(w, "\t%s\n", it)
				}
			}
		}
		fmt.Fprintf(w, "dry run: nothing sent; %d billed paths\n", out.BilledPaths)
	}
	return opts.AWS.render(opts.IO, out, lines, lines)
}

func printCreated(opts *invalidateOptions, res *cfinv.Result) error {
	var items []createdJSON
	sum := summaryJSON{}
	for i, b := range res.Batches {
		if i == 0 || targetOf(b) != targetOf(res.Batches[i-1]) {
			sum.Distributions++
		}
		sum.Batches++
		if b.ID == "" {
			continue
		}
		inv := batchToJSON(b)
		if inv.Status == cfinv.StatusCompleted {
			sum.Completed++
		}
		if b.Resumed {
			sum.Resumed++
		} else {
			sum.Created++
		}
		sum.Paths += len(b.Paths)
		items = append(items, createdJSON{DistributionID: targetOf(b), Location: b.Location, Invalidation: inv, Resumed: b.Resumed})
	}
	if len(items) == 0 {
		return nil
	}
	var data any = manyJSON{Invalidations: items, Summary: sum}
	if len(items) == 1 && opts.AWSOutput {
		for _, b := range res.Batches {
			if b.ID != "" {
				op := awscli.OpCreateInvalidation
				if opts.AWSOp != "" {
					op = opts.AWSOp
				}
				return opts.AWS.output().Print(opts.IO.Out, awscli.Result{Op: op, Data: awscli.Created(b)})
			}
		}
	}
	if len(items) == 1 {
		one := items[0]
		one.DistributionID, one.Resumed = "", false
		data = one
	}
	text := func(w io.Writer) {
		for _, it := range items {
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", it.DistributionID, it.Invalidation.ID, it.Invalidation.Status, it.Invalidation.InvalidationBatch.Paths.Quantity)
		}
	}
	table := func(w io.Writer) {
		fmt.Fprintln(w, "DISTRIBUTION\tINVALIDATION\tSTATUS\tPATHS\tCALLER REFERENCE")
		for _, it := range items {
			status := it.Invalidation.Status
			if it.Resumed {
				status += " (earlier run)"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", it.DistributionID, it.Invalidation.ID, status, it.Invalidation.InvalidationBatch.Paths.Quantity, it.Invalidation.InvalidationBatch.CallerReference)
		}
	}
	return opts.AWS.render(opts.IO, data, text, table)
}

// batchToJSON is b in the AWS CLI's Invalidation shape.
func batchToJSON(b cfinv.Batch) *invalidationJSON {
	return &invalidationJSON{ID: b.ID, Status: b.Status, CreateTime: awscli.Time(b.CreateTime),
		InvalidationBatch: &batchJSON{CallerReference: b.CallerReference, Paths: pathsJSON{Quantity: len(b.Paths), Items: b.Paths}}}
}
