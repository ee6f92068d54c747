package cli

import (
	"fmt"
	"io"

	"github.com/cfinv/cfinv/deploy"
	"github.com/cfinv/cfinv/internal/awscli"
)

// printDeploy prints the deploy's report on stdout: the text report by
// default and with --output text or table, the report as JSON with
// --output json. --query applies to the JSON form of the report, as for
// every other command: with --output json its result is printed as JSON,
// otherwise as the AWS CLI's text output prints it.
func printDeploy(opts *deployOptions, rep *deploy.Report) error {
	o := opts.AWS.output()
	if o.Format == "" {
		o.Format = awscli.Text // deploy's report, not JSON, unless asked
	}
	text := func(w io.Writer) { printDeployReport(w, rep) }
	return o.Print(opts.IO.Out, awscli.Result{Data: rep, Text: text, Table: text})
}

// printEarlierInvalidations prints the invalidations of inv that an
// earlier run of the deploy bought, and reports whether there were any.
func printEarlierInvalidations(w io.Writer, inv deploy.Invalidation) bool {
	found := false
	for _, b := range inv.Batches {
		if !b.Resumed {
			continue
		}
		found = true
		status := ""
		if b.Status != "" {
			status = ", " + b.Status
		}
		fmt.Fprintf(w, "%s: invalidation %s (%s%s) was bought by an earlier run of this deploy; not bought again\n",
			inv.DistributionID, b.ID, count(len(b.Paths), "path", "paths"), status)
		for _, p := range b.Paths {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	return found
}
