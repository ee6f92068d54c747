package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/cfinv/cfinv/internal/awscli"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/spf13/cobra"
)

type getOptions struct {
	IO     *IO
	Client clientFunc

	AWS          awsFlags
	Distribution string
	Tenant       string // get-invalidation-for-distribution-tenant's --distribution-tenant-id
	ID           string
	Skeleton     string
	// AWSOutput prints as "aws cloudfront get-invalidation" does: the
	// command was called by that name.
	AWSOutput bool
}

func newGetCmd(d *Deps, runF func(*getOptions) error) *cobra.Command {
	opts := &getOptions{IO: d.IO}
	cmd := &cobra.Command{
		Use:     "get --distribution-id ID INVALIDATION-ID",
		Aliases: []string{"get-invalidation"},
		Short:   "Show one invalidation",
		Long: `Show one invalidation: its status, creation time, caller reference and paths.
JSON output has the shape of "aws cloudfront get-invalidation". Called as
get-invalidation, it prints what the AWS CLI prints, byte for byte, in every
--output format (JSON by default).`,
		Example: `  cfinv get --distribution-id E1U5RQF7T870K0 I2J0I21PCUYOIK
  cfinv get-invalidation --distribution-id E1U5RQF7T870K0 --id I2J0I21PCUYOIK --query Invalidation.Status`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ID = args[0]
			}
			opts.AWSOutput = cmd.CalledAs() == "get-invalidation"
			if done, err := awscli.PrintSkeleton(opts.IO.Out, opts.Skeleton, awscli.GetInputSkeleton, awscli.GetOutputSkeleton); done {
				return err
			}
			if opts.Distribution == "" || opts.ID == "" {
				return flagErrorf("give --distribution-id and an invalidation ID")
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
			return getRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Distribution, "distribution-id", "", "distribution ID, or a domain name or alias (required)")
	cmd.Flags().StringVar(&opts.ID, "id", "", "invalidation ID (or give it as the argument)")
	awscli.SkeletonFlag(cmd, &opts.Skeleton)
	opts.AWS.register(cmd)
	return cmd
}

func getRun(ctx context.Context, opts *getOptions) error {
	c, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	var inv *types.Invalidation
	op := awscli.OpGetInvalidation
	if opts.Tenant != "" {
		op = awscli.OpGetInvalidationForDistributionTenant
		inv, err = c.GetForTenant(ctx, opts.Tenant, opts.ID)
	} else {
		var dist string
		if dist, err = resolveOne(ctx, c, opts.Distribution); err != nil {
			return err
		}
		inv, err = c.Get(ctx, dist, opts.ID)
	}
	if err != nil {
		return err
	}
	if opts.AWSOutput {
		return opts.AWS.output().Print(opts.IO.Out, awscli.Result{Op: op, Data: awscli.GetOutput(inv)})
	}
	j := toInvalidationJSON(inv)
	lines := func(w io.Writer) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", j.ID, j.Status, j.CreateTime, j.InvalidationBatch.CallerReference)
		for _, p := range j.InvalidationBatch.Paths.Items {
			fmt.Fprintf(w, "\t%s\n", p)
		}
	}
	return opts.AWS.render(opts.IO, map[string]any{"Invalidation": j}, lines, lines)
}
