package cli

import (
	"cmp"
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
func printDeploy(opts *deployOptions, rep *deploy.Report, uploads *uploadList) error {
	o := opts.AWS.output()
	if o.Format == "" {
		o.Format = awscli.Text // deploy's report, not JSON, unless asked
	}
	var listErr error
	text := func(w io.Writer) { listErr = printDeployReport(w, rep, uploads) }
	// The report's own text and table do not read the data: it is only
	// encoded for JSON and a query.
	var data any = rep
	if o.Format == awscli.JSON || o.Query != "" {
		var err error
		if data, err = deployData(rep, uploads); err != nil {
			return err
		}
	}
	err := o.Print(opts.IO.Out, awscli.Result{Data: data, Text: text, Table: text})
	return cmp.Or(err, listErr)
}

// deployData is the report as JSON data, its uploads (from the list,
// which Report.Uploads does not hold) given one at a time: the JSON
// output writes them as it reads them.
func deployData(rep *deploy.Report, uploads *uploadList) (any, error) {
	data, err := awscli.Ordered(rep)
	if err != nil || uploads.len() == 0 {
		return data, err
	}
	m, ok := data.(awscli.Object)
	if !ok {
		return nil, fmt.Errorf("deploy report: JSON %T, want an object", data)
	}
	list := awscli.List(func(yield func(any) bool) error {
		var err error
		lerr := uploads.each(func(u deploy.Upload) bool {
			var v any
			if v, err = awscli.Ordered(u); err != nil {
				return false
			}
			return yield(v)
		})
		return cmp.Or(err, lerr)
	})
	for i := range m {
		if m[i].K == "uploads" {
			m[i].V = list
			return m, nil
		}
	}
	return nil, fmt.Errorf("deploy report: no uploads in its JSON")
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
