package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/internal/awscli"
)

type listOptions struct {
	IO     *IO
	Client clientFunc

	AWS          awsFlags
	Distribution string
	Page         awscli.PageFlags
	Status       string
	Skeleton     string
	// AWSOutput prints as "aws cloudfront list-invalidations" does: the
	// command was called by that name.
	AWSOutput bool
}

func newListCmd(d *Deps, runF func(*listOptions) error) *cobra.Command {
	opts := &listOptions{IO: d.IO}
	cmd := &cobra.Command{
		Use:     "list --distribution-id ID",
		Aliases: []string{"list-invalidations"},
		Short:   "List a distribution's invalidations, newest first",
		Long: `List a distribution's invalidations, newest first, following pagination.
JSON output has the shape of "aws cloudfront list-invalidations".

Called as list-invalidations, it prints what the AWS CLI prints, byte for
byte, in every --output format (JSON by default), and pages as the AWS CLI
does: --max-items N stops after N invalidations and prints a NextToken,
which --starting-token resumes from (tokens of the AWS CLI work too, and the
other way round); --page-size sets the invalidations per call; --no-paginate
makes one call and prints its response as it is.`,
		Example: `  cfinv list --distribution-id E1U5RQF7T870K0 --max-items 10
  cfinv list --distribution-id E1U5RQF7T870K0 --status InProgress --query 'InvalidationList.Items[].Id'
  cfinv list-invalidations --distribution-id E1U5RQF7T870K0 --max-items 10 --starting-token "$NEXT_TOKEN"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if done, err := awscli.PrintSkeleton(opts.IO.Out, opts.Skeleton, awscli.ListInputSkeleton, awscli.ListOutputSkeleton); done {
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
			opts.AWSOutput = cmd.CalledAs() == "list-invalidations"
			if err := opts.Page.Check(); err != nil {
				return err
			}
			if opts.AWSOutput && opts.Status != "" {
				return flagErrorf("--status is not an option of list-invalidations (the AWS CLI has none): use cfinv list --status, or --query 'InvalidationList.Items[?Status==`InProgress`]'")
			}
			if opts.AWSOutput {
				if err := opts.AWS.defaultOutput(d.Getenv); err != nil {
					return err
				}
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
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Distribution, "distribution-id", "", "distribution ID, or a domain name or alias (required)")
	opts.Page.Register(cmd, "list at most this many, then print a NextToken (0: all)")
	enumVar(cmd.Flags(), &opts.Status, "status", "", []string{"", cfinv.StatusInProgress, cfinv.StatusCompleted}, "only InProgress or Completed invalidations")
	awscli.SkeletonFlag(cmd, &opts.Skeleton)
	opts.AWS.register(cmd)
	return cmd
}

type summaryItemJSON struct {
	ID         string `json:"Id"`
	CreateTime string `json:"CreateTime"`
	Status     string `json:"Status"`
}

func listRun(ctx context.Context, opts *listOptions) error {
	c, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	dist, err := resolveOne(ctx, c, opts.Distribution)
	if err != nil {
		return err
	}
	if opts.AWSOutput || opts.Page.Paged() {
		return listPagedRun(ctx, opts, c, dist)
	}
	items, err := c.List(ctx, dist, opts.Page.MaxItems, opts.Status)
	if err != nil {
		return err
	}
	return printList(opts, items, "")
}

// listPagedRun lists as the AWS CLI pages: in its output when called as
// list-invalidations, else in list's, with the NextToken.
func listPagedRun(ctx context.Context, opts *listOptions, c *cfinv.Client, dist string) error {
	fetch := func(ctx context.Context, marker string, maxItems int) (*types.InvalidationList, error) {
		return c.ListPage(ctx, dist, marker, maxItems)
	}
	if opts.Page.NoPaginate {
		l, err := fetch(ctx, opts.Page.Marker, opts.Page.MaxItems)
		if err != nil {
			return err
		}
		if opts.AWSOutput {
			return opts.AWS.output().Print(opts.IO.Out, awscli.Result{Op: awscli.OpListInvalidations, Data: awscli.ListPage(l)})
		}
		return printList(opts, filterStatus(l.Items, opts.Status), "")
	}
	l, err := awscli.Paginate(ctx, fetch, opts.Page)
	if err != nil {
		return err
	}
	if opts.AWSOutput {
		return opts.AWS.output().PrintListing(opts.IO.Out, awscli.OpListInvalidations, l)
	}
	var items []types.InvalidationSummary
	for _, p := range l.Pages {
		items = append(items, filterStatus(p.Items, opts.Status)...)
	}
	return printList(opts, items, l.NextToken)
}

func filterStatus(items []types.InvalidationSummary, status string) []types.InvalidationSummary {
	if status == "" {
		return items
	}
	var out []types.InvalidationSummary
	for _, s := range items {
		if aws.ToString(s.Status) == status {
			out = append(out, s)
		}
	}
	return out
}

// printList prints invalidation summaries in list's own formats; a
// NextToken, when there is one, is a member of the JSON and a last line of
// the text and table.
func printList(opts *listOptions, items []types.InvalidationSummary, nextToken string) error {
	rows := make([]summaryItemJSON, 0, len(items))
	for _, s := range items {
		rows = append(rows, summaryItemJSON{ID: aws.ToString(s.Id), CreateTime: awscli.Time(aws.ToTime(s.CreateTime)), Status: aws.ToString(s.Status)})
	}
	text := func(w io.Writer) {
		for _, r := range rows {
			fmt.Fprintf(w, "%s\t%s\t%s\n", r.ID, r.Status, r.CreateTime)
		}
		if nextToken != "" {
			fmt.Fprintf(w, "NextToken\t%s\n", nextToken)
		}
	}
	table := func(w io.Writer) {
		fmt.Fprintln(w, "ID\tSTATUS\tCREATED")
		text(w)
	}
	data := map[string]any{"InvalidationList": map[string]any{"Items": rows, "Quantity": len(rows)}}
	if nextToken != "" {
		data["NextToken"] = nextToken
	}
	return opts.AWS.render(opts.IO, data, text, table)
}
