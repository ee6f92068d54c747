package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/internal/awscli"
)

type distributionsOptions struct {
	IO     *IO
	Client clientFunc
	AWS    awsFlags
	Page   awscli.PageFlags
}

func newDistributionsCmd(d *Deps, runF func(*distributionsOptions) error) *cobra.Command {
	opts := &distributionsOptions{IO: d.IO}
	cmd := &cobra.Command{
		Use:   "distributions",
		Short: "List distributions: ID, domain, aliases, status, invalidations in progress",
		Long: `List the distributions these credentials can see, with their CloudFront domain,
aliases (what --distribution-id also accepts), status and the number of
invalidation batches in progress (from GetDistribution, at most 8 calls at
once).

--max-items, --starting-token and --page-size page through ListDistributions
as the AWS CLI pages ("aws cloudfront list-distributions"): the listing stops
after --max-items distributions and prints a NextToken to resume from.`,
		Example: `  cfinv distributions
  cfinv distributions --query "DistributionList.Items[?contains(Aliases, 'www.example.com')].Id"
  cfinv distributions --max-items 50 --starting-token "$NEXT_TOKEN"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Page.Check(); err != nil {
				return err
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
			return distributionsRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opts.Page.MaxItems, "max-items", 0, "list at most this many, then print a NextToken (0: all)")
	fl.IntVar(&opts.Page.PageSize, "page-size", 0, "distributions per ListDistributions call (its MaxItems; default: the server's, 100)")
	fl.StringVar(&opts.Page.StartingToken, "starting-token", "", "resume from the NextToken a listing printed (cfinv's or the AWS CLI's list-distributions)")
	opts.AWS.register(cmd)
	return cmd
}

type distributionJSON struct {
	ID                            string   `json:"Id"`
	DomainName                    string   `json:"DomainName"`
	Aliases                       []string `json:"Aliases"`
	Status                        string   `json:"Status"`
	Enabled                       bool     `json:"Enabled"`
	InProgressInvalidationBatches int      `json:"InProgressInvalidationBatches"`
}

func distributionsRun(ctx context.Context, opts *distributionsOptions) error {
	c, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	pages, nextToken, err := awscli.PaginateItems(ctx, c.DistributionsPage, opts.Page)
	if err != nil {
		return err
	}
	var dists []cfinv.Distribution
	for _, p := range pages {
		dists = append(dists, p...)
	}
	ids := make([]string, len(dists))
	for i, d := range dists {
		ids[i] = d.ID
	}
	// ListDistributions' summaries carry no invalidation count;
	// GetDistribution does, one call per distribution, a few at a time.
	inProgress, err := c.InProgressBatches(ctx, ids)
	if err != nil {
		return err
	}
	rows := make([]distributionJSON, 0, len(dists))
	for i, d := range dists {
		rows = append(rows, distributionJSON{ID: d.ID, DomainName: d.DomainName, Aliases: append([]string{}, d.Aliases...), Status: d.Status, Enabled: d.Enabled, InProgressInvalidationBatches: inProgress[i]})
	}
	text := func(w io.Writer) {
		for _, r := range rows {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\n", r.ID, r.DomainName, strings.Join(r.Aliases, ","), r.Status, r.InProgressInvalidationBatches)
		}
		if nextToken != "" {
			fmt.Fprintf(w, "NextToken\t%s\n", nextToken)
		}
	}
	table := func(w io.Writer) {
		fmt.Fprintln(w, "ID\tDOMAIN\tALIASES\tSTATUS\tIN PROGRESS")
		text(w)
	}
	data := map[string]any{"DistributionList": map[string]any{"Items": rows, "Quantity": len(rows)}}
	if nextToken != "" {
		data["NextToken"] = nextToken
	}
	return opts.AWS.render(opts.IO, data, text, table)
}
