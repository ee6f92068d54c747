package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv"
)

type waitOptions struct {
	IO     *IO
	Now    func() time.Time
	Client func(ctx context.Context) (*cfinv.Client, error)

	AWS          awsFlags
	Distribution string
	IDs          []string
	Timeout      time.Duration
}

func newWaitCmd(d *Deps, runF func(*waitOptions) error) *cobra.Command {
	opts := &waitOptions{IO: d.IO, Now: d.Now}
	cmd := &cobra.Command{
		Use:   "wait --distribution-id ID INVALIDATION-ID...",
		Short: "Wait until invalidations are Completed",
		Long: `Wait until every named invalidation of a distribution reads Completed.

The first poll is immediate, then the interval grows from 200ms to 1s for the
first 2 minutes and to 5s after that, so a completion is seen within a second
(the AWS CLI's waiter polls every 20s). Several
invalidations are polled with one ListInvalidations call. Throttling and server
errors do not end the wait. On a terminal a live progress line is shown on
stderr; otherwise one line per change of status.

With --timeout passed, the command prints the "cfinv wait" command that resumes
and exits with code 5.`,
		Example: `  cfinv wait --distribution-id E1U5RQF7T870K0 I2J0I21PCUYOIK
  cfinv wait --distribution-id E1U5RQF7T870K0 --timeout 30m I2J0I21PCUYOIK I3AXWS0PRSRYOG`,
		Aliases: []string{"invalidation-completed"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Distribution == "" {
				return flagErrorf("--distribution-id is required")
			}
			opts.IDs = append(opts.IDs, args...)
			if len(opts.IDs) == 0 {
				return flagErrorf("give at least one invalidation ID")
			}
			if opts.Client == nil {
				opts.Client = opts.AWS.newClient(opts.IO)
			}
			if runF != nil {
				return runF(opts)
			}
			return waitRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Distribution, "distribution-id", "", "distribution ID (required)")
	cmd.Flags().StringArrayVar(&opts.IDs, "id", nil, "invalidation `ID` (as in aws cloudfront wait invalidation-completed --id); arguments are IDs too")
	durationVar(cmd.Flags(), &opts.Timeout, "timeout", 15*time.Minute, minTimeout, maxTimeout, "give up after this long (exit code 5)")
	opts.AWS.register(cmd)
	return cmd
}

func waitRun(ctx context.Context, opts *waitOptions) error {
	if err := opts.AWS.check(opts.IO); err != nil {
		return err
	}
	client, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	if opts.Now != nil {
		client.Now = opts.Now
	}
	target := cfinv.Target{DistributionID: opts.Distribution, IDs: opts.IDs}
	if len(opts.IDs) > 1 {
		// Polled together with ListInvalidations, whose summaries carry
		// no path counts: learn them once for the progress lines.
		target.Paths = client.PathCounts(ctx, opts.Distribution, opts.IDs)
	}
	statuses, err := waitFor(ctx, opts.IO, client, []cfinv.Target{target}, deadline(client.Now, opts.Timeout), &opts.AWS)
	if len(statuses) == 0 {
		return err // nothing was learnt: no output to print
	}
	if perr := printStatuses(opts.IO, &opts.AWS, statuses); perr != nil {
		return perr
	}
	return err
}

// waitFor waits for targets, reporting progress on stderr, and turns a
// timeout into an error whose hint is the command that resumes.
func waitFor(ctx context.Context, ios *IO, c *cfinv.Client, targets []cfinv.Target, dl time.Time, f *awsFlags) (map[string]string, error) {
	live := ios.IsStderrTTY
	st, err := c.Wait(ctx, targets, cfinv.WaitOptions{Deadline: dl, Progress: func(p cfinv.Progress) {
		reportProgress(ios.ErrOut, live, p)
	}})
	if live {
		fmt.Fprintln(ios.ErrOut)
	}
	var te *cfinv.TimeoutError
	if errors.As(err, &te) {
		var cmds []string
		for _, t := range te.Pending {
			cmds = append(cmds, cfinv.ResumeCommand(t, f.resumeFlags()...))
		}
		fmt.Fprintf(ios.ErrOut, "To resume waiting, run:\n  %s\n", strings.Join(cmds, "\n  "))
		return st, &ExitError{Code: ExitTimeout, Err: te, Hint: cmds[0]}
	}
	return st, err
}

// reportProgress shows a poll: on a terminal one live line, redrawn in
// place, with the elapsed time, the batches (invalidations) and paths
// completed; otherwise one plain line per change of status, so logs of CI
// runs stay readable. Path counts are shown when known (always for
// invalidate --wait; for cfinv wait once each ID was read on its own).
func reportProgress(w io.Writer, live bool, p cfinv.Progress) {
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
		fmt.Fprintf(w, "%s poll failed, will retry: %s\n", elapsed, cfinv.Redact(p.Err.Error()))
	}
}

type waitStatusJSON struct {
	DistributionID string `json:"DistributionId"`
	ID             string `json:"Id"`
	Status         string `json:"Status"`
}

func printStatuses(ios *IO, f *awsFlags, statuses map[string]string) error {
	keys := make([]string, 0, len(statuses))
	for k := range statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var rows []waitStatusJSON
	for _, k := range keys {
		d, id, _ := strings.Cut(k, "/")
		rows = append(rows, waitStatusJSON{DistributionID: d, ID: id, Status: statuses[k]})
	}
	lines := func(w io.Writer) {
		for _, r := range rows {
			fmt.Fprintf(w, "%s\t%s\t%s\n", r.DistributionID, r.ID, r.Status)
		}
	}
	return f.render(ios, map[string]any{"Invalidations": rows}, lines, lines)
}
