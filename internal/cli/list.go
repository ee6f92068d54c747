package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv"
)

type listOptions struct {
	IO     *IO
	Client clientFunc

	AWS          awsFlags
	Distribution string
	MaxItems     int
	Status       string
	Skeleton     string
}

func newListCmd(d *Deps, runF func(*listOptions) error) *cobra.Command {
	opts := &listOptions{IO: d.IO}
	cmd := &cobra.Command{
		Use:     "list --distribution-id ID",
		Aliases: []string{"list-invalidations"},
		Short:   "List a distribution's invalidations, newest first",
		Long: `List a distribution's invalidations, newest first, following pagination.
JSON output has the shape of "aws cloudfront list-invalidations".`,
		Example: `  cfinv list --distribution-id E1U5RQF7T870K0 --max-items 10
  cfinv list --distribution-id E1U5RQF7T870K0 --status InProgress --query 'InvalidationList.Items[].Id'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if done, err := printSkeleton(opts.IO, opts.Skeleton, listInputSkeleton, listOutputSkeleton); done {
				return err
			}
			if opts.Distribution == "" {
				return flagErrorf("--distribution-id is required")
			}
			switch opts.Status {
			case "", cfinv.StatusInProgress, cfinv.StatusCompleted:
			default:
				return flagErrorf("invalid --status %q: want InProgress or Completed", opts.Status)
			}
			if opts.MaxItems < 0 {
				return flagErrorf("--max-items must not be negative")
			}
			if opts.Client == nil {
				opts.Client = opts.AWS.newClient(opts.IO)
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Distribution, "distribution-id", "", "distribution ID, or a domain name or alias (required)")
	cmd.Flags().IntVar(&opts.MaxItems, "max-items", 0, "list at most this many (0: all)")
	enumVar(cmd.Flags(), &opts.Status, "status", "", []string{"", cfinv.StatusInProgress, cfinv.StatusCompleted}, "only InProgress or Completed invalidations")
	skeletonFlag(cmd, &opts.Skeleton)
	opts.AWS.register(cmd)
	return cmd
}

type summaryItemJSON struct {
	ID         string `json:"Id"`
	CreateTime string `json:"CreateTime"`
	Status     string `json:"Status"`
}

func listRun(ctx context.Context, opts *listOptions) error {
	if err := opts.AWS.check(opts.IO); err != nil {
		return err
	}
	c, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	dist, err := resolveOne(ctx, c, opts.Distribution)
	if err != nil {
		return err
	}
	items, err := c.List(ctx, dist, opts.MaxItems, opts.Status)
	if err != nil {
		return err
	}
	rows := make([]summaryItemJSON, 0, len(items))
	for _, s := range items {
		rows = append(rows, summaryItemJSON{ID: aws.ToString(s.Id), CreateTime: awsTime(s.CreateTime), Status: aws.ToString(s.Status)})
	}
	text := func(w io.Writer) {
		for _, r := range rows {
			fmt.Fprintf(w, "%s\t%s\t%s\n", r.ID, r.Status, r.CreateTime)
		}
	}
	table := func(w io.Writer) {
		fmt.Fprintln(w, "ID\tSTATUS\tCREATED")
		text(w)
	}
	return opts.AWS.render(opts.IO, map[string]any{"InvalidationList": map[string]any{"Items": rows, "Quantity": len(rows)}}, text, table)
}
