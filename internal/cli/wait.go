package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/internal/redact"
)

type waitOptions struct {
	IO     *IO
	Now    func() time.Time
	Client clientFunc

	AWS          awsFlags
	Distribution string
	Tenant       string // --distribution-tenant-id, instead of Distribution
	IDs          []string
	Timeout      time.Duration
	// AWSWaiter is "cfinv wait invalidation-completed …", the AWS CLI's
	// form: nothing on stdout when done, and the AWS CLI's waiter's
	// deadline unless --timeout is given.
	AWSWaiter bool
}

// awsWaiterTimeout is how long the AWS CLI's InvalidationCompleted waiter
// waits at most: 30 GetInvalidation calls 20 s apart (botocore's
// data/cloudfront/2020-05-31/waiters-2.json: delay 20, maxAttempts 30), the
// first at once.
const awsWaiterTimeout = 29 * 20 * time.Second

func newWaitCmd(d *Deps, runF func(*waitOptions) error) *cobra.Command {
	opts := &waitOptions{IO: d.IO, Now: d.Now}
	cmd := &cobra.Command{
		Use:   "wait [invalidation-completed] --distribution-id ID INVALIDATION-ID...",
		Short: "Wait until invalidations are Completed",
		Long: `Wait until every named invalidation of a distribution reads Completed.

The first poll is immediate, then the interval grows from 200ms to 1s for the
first 2 minutes and to 5s after that, so a completion is seen within a second
(the AWS CLI's waiter polls every 20s). Several
invalidations are polled with one ListInvalidations call. Throttling and server
errors do not end the wait. On a terminal a live progress line is shown on
stderr; otherwise one line per change of status.

With --timeout passed, the command prints the "cfinv wait" command that resumes
and exits with code 5.

"cfinv wait invalidation-completed --distribution-id D --id I" is the AWS CLI's
form and behaves as "aws cloudfront wait invalidation-completed" where scripts
can tell: nothing on stdout when the invalidation is Completed, and at most the
AWS CLI waiter's time (30 polls 20s apart: 9m40s) unless --timeout says
otherwise. It still polls as above, so it returns up to 20s sooner; a failure
exits with cfinv's codes (4: no such invalidation, 5: timeout), not the AWS
CLI's 255.`,
		Example: `  cfinv wait --distribution-id E1U5RQF7T870K0 I2J0I21PCUYOIK
  cfinv wait --distribution-id E1U5RQF7T870K0 --timeout 30m I2J0I21PCUYOIK I3AXWS0PRSRYOG
  cfinv wait invalidation-completed --distribution-id E1U5RQF7T870K0 --id I2J0I21PCUYOIK
  cfinv wait --distribution-tenant-id dt_2wjDZi3hD1ivOXf6rpZJOSNE1AB I2J0I21PCUYOIK`,
		Aliases: []string{"invalidation-completed"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && args[0] == "invalidation-completed" {
				args = args[1:]
				opts.AWSWaiter = true
			}
			if cmd.CalledAs() == "invalidation-completed" {
				opts.AWSWaiter = true
			}
			if opts.AWSWaiter && !cmd.Flags().Changed("timeout") {
				opts.Timeout = awsWaiterTimeout
			}
			switch {
			case opts.Distribution != "" && opts.Tenant != "":
				return flagErrorf("give --distribution-id or --distribution-tenant-id %s, not both", opts.Tenant)
			case opts.Distribution == "" && opts.Tenant == "":
				return flagErrorf("--distribution-id (or --distribution-tenant-id) is required")
			}
			opts.IDs = append(opts.IDs, args...)
			if len(opts.IDs) == 0 {
				return flagErrorf("give at least one invalidation ID")
			}
			if err := opts.AWS.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Client == nil {
				opts.Client = opts.AWS.newClient(opts.IO, d.Getenv)
			}
			return waitRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Distribution, "distribution-id", "", "distribution ID, or a domain name or alias (required)")
	cmd.Flags().StringVar(&opts.Tenant, "distribution-tenant-id", "", "distribution tenant ID (dt_…), instead of --distribution-id")
	cmd.Flags().StringArrayVar(&opts.IDs, "id", nil, "invalidation `ID` (as in aws cloudfront wait invalidation-completed --id); arguments are IDs too")
	durationVar(cmd.Flags(), &opts.Timeout, "timeout", 15*time.Minute, minTimeout, maxTimeout, "give up after this long (exit code 5)")
	opts.AWS.register(cmd)
	return cmd
}

func waitRun(ctx context.Context, opts *waitOptions) error {
	client, err := opts.Client(ctx, cfinv.WithClock(opts.Now, nil))
	if err != nil {
		return err
	}
	target := cfinv.Target{DistributionTenantID: opts.Tenant, IDs: opts.IDs}
	if opts.Tenant == "" {
		if target.DistributionID, err = resolveOne(ctx, client, opts.Distribution); err != nil {
			return err
		}
	}
	p := newProgress(opts.IO)
	got, err := client.Wait(ctx, cfinv.WaitRequest{
		Targets:  []cfinv.Target{target},
		Timeout:  opts.Timeout,
		Progress: p.report,
	})
	p.end()
	err = resumeHint(opts.IO, &opts.AWS, err)
	if opts.AWSWaiter {
		return err // the AWS CLI's waiter prints nothing on stdout
	}
	if len(got) == 0 {
		return err // nothing was learnt: no output to print
	}
	if perr := printStatuses(opts.IO, &opts.AWS, got); perr != nil {
		return perr
	}
	return err
}

// progress reports the polls of a wait on stderr.
type progress struct {
	ios  *IO
	live bool
}

func newProgress(ios *IO) *progress { return &progress{ios: ios, live: ios.IsStderrTTY} }

func (p *progress) report(e cfinv.Event) {
	if e.Kind != cfinv.EventWaitProgress {
		return
	}
	reportProgress(p.ios.ErrOut, p.live, e)
}

// end ends a live progress line.
func (p *progress) end() {
	if p.live {
		fmt.Fprintln(p.ios.ErrOut)
	}
}

// resumeHint prints the command that resumes a wait that timed out, and
// makes it the hint of the error, unless the request failed in part: then
// that failure decides the exit code and the hint.
func resumeHint(ios *IO, f *awsFlags, err error) error {
	var te *cfinv.TimeoutError
	if !errors.As(err, &te) || len(te.Pending) == 0 {
		return err
	}
	var cmds []string
	for _, t := range te.Pending {
		cmds = append(cmds, resumeCommand(t, f.resumeFlags()...))
	}
	fmt.Fprintf(ios.ErrOut, "To resume waiting, run:\n  %s\n", strings.Join(cmds, "\n  "))
	if errors.Is(err, cfinv.ErrPartial) {
		return err // the exit code and hint of the partial failure
	}
	return &ExitError{Code: ExitTimeout, Err: err, Hint: cmds[0]}
}

// resumeCommand is the `cfinv wait` command line that resumes waiting for
// the invalidations of t; extra flags (such as --endpoint-url U) go before
// the IDs.
func resumeCommand(t cfinv.Target, extra ...string) string {
	args := []string{"cfinv", "wait", "--distribution-id", t.DistributionID}
	if t.DistributionTenantID != "" {
		args = []string{"cfinv", "wait", "--distribution-tenant-id", t.DistributionTenantID}
	}
	args = append(args, extra...)
	return strings.Join(append(args, t.IDs...), " ")
}

// reportProgress shows a poll: on a terminal one live line, redrawn in
// place, with the elapsed time, the batches (invalidations) and paths
// completed; otherwise one plain line per change of status, so logs of CI
// runs stay readable. Path counts are shown when known (always for
// invalidate --wait; for cfinv wait once each ID was read on its own).
func reportProgress(w io.Writer, live bool, p cfinv.Event) {
	elapsed := p.Elapsed.Round(100 * time.Millisecond)
	paths := ""
	if p.PathsTotal > 0 {
		paths = fmt.Sprintf(", %d/%d paths", p.PathsDone, p.PathsTotal)
	}
	if live {
		line := fmt.Sprintf("\r\x1b[Kwaiting %s: %d/%d batches%s completed", elapsed, p.Done, p.Total, paths)
		if p.Err != nil {
			line += " (retrying after an error)"
		}
		fmt.Fprint(w, line)
		return
	}
	for _, c := range p.Changed {
		done := ""
		if paths != "" {
			done = paths + " done"
		}
		fmt.Fprintf(w, "%s %s (%d/%d completed)%s\n", elapsed, c, p.Done, p.Total, done)
	}
	if p.Err != nil {
		fmt.Fprintf(w, "%s poll failed, will retry: %s\n", elapsed, redact.String(p.Err.Error()))
	}
}

type waitStatusJSON struct {
	DistributionID string `json:"DistributionId"`
	ID             string `json:"Id"`
	Status         string `json:"Status"`
}

func printStatuses(ios *IO, f *awsFlags, got []cfinv.Batch) error {
	rows := make([]waitStatusJSON, 0, len(got))
	for _, b := range got {
		rows = append(rows, waitStatusJSON{DistributionID: targetOf(b), ID: b.ID, Status: b.Status})
	}
	lines := func(w io.Writer) {
		for _, r := range rows {
			fmt.Fprintf(w, "%s\t%s\t%s\n", r.DistributionID, r.ID, r.Status)
		}
	}
	return f.render(ios, map[string]any{"Invalidations": rows}, lines, lines)
}
