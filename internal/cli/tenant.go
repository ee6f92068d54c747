package cli

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/awscli"

	"github.com/spf13/cobra"
)

// The AWS CLI's commands for the invalidations of a distribution tenant
// (a tenant of a multi-tenant distribution): the same runs as invalidate
// and get, with the AWS CLI's flag names, printing what it prints.

func newCreateTenantInvalidationCmd(d *Deps, runF func(*invalidateOptions) error) *cobra.Command {
	opts := &invalidateOptions{IO: d.IO, Getenv: d.Getenv, Now: d.Now, FileExists: fileExists}
	cmd := &cobra.Command{
		Use:   "create-invalidation-for-distribution-tenant --id TENANT-ID --invalidation-batch BATCH",
		Short: "Create an invalidation for a distribution tenant, as the AWS CLI does",
		Long: `Create an invalidation for a distribution tenant of a multi-tenant distribution
(CreateInvalidationForDistributionTenant), with the inputs of
"aws cloudfront create-invalidation-for-distribution-tenant" and its output in
every --output format, byte for byte. The paths are cleaned, batched and
retried as by cfinv invalidate, which takes the tenant as
--distribution-tenant-id.`,
		Example: `  cfinv create-invalidation-for-distribution-tenant --id dt_2wjDZi3hD1ivOXf6rpZJOSNE1AB --invalidation-batch 'Paths={Quantity=1,Items=[/index.html]},CallerReference=deploy-42'
  cfinv create-invalidation-for-distribution-tenant --id dt_2wjDZi3hD1ivOXf6rpZJOSNE1AB --invalidation-batch file://batch.json --wait`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.AWSOutput, opts.AWSOp = true, awscli.OpCreateInvalidationForDistributionTenant
			if opts.Tenant == "" {
				return flagErrorf("give --id, the distribution tenant's ID (dt_…)")
			}
			if opts.InvalidationBatch == "" {
				return flagErrorf("give --invalidation-batch: JSON, file://FILE, or shorthand \"Paths={Quantity=1,Items=[/a]},CallerReference=x\"")
			}
			return opts.run(cmd.Context(), runF)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Tenant, "id", "", "distribution tenant ID (required)")
	fl.StringVar(&opts.InvalidationBatch, "invalidation-batch", "", `AWS CLI batch: JSON, file://FILE, or shorthand "Paths={Quantity=1,Items=[/a]},CallerReference=x" (required)`)
	fl.StringVar(&opts.DeployID, "deploy-id", "", "deploy identifier: derives caller references and lets a re-run resume instead of paying again")
	fl.BoolVar(&opts.Wait, "wait", false, "wait until the invalidation is Completed")
	durationVar(fl, &opts.Timeout, "timeout", 15*time.Minute, minTimeout, maxTimeout, "overall deadline for submitting (queueing, retries) and --wait")
	fl.StringVar(&opts.StateDir, "state-dir", "", "directory of the journal (default $XDG_STATE_HOME/cfinv or ~/.local/state/cfinv)")
	opts.AWS.register(cmd)
	return cmd
}

func newGetTenantInvalidationCmd(d *Deps, runF func(*getOptions) error) *cobra.Command {
	opts := &getOptions{IO: d.IO, AWSOutput: true}
	cmd := &cobra.Command{
		Use:   "get-invalidation-for-distribution-tenant --distribution-tenant-id TENANT-ID --id INVALIDATION-ID",
		Short: "Show one invalidation of a distribution tenant, as the AWS CLI does",
		Long: `Show one invalidation of a distribution tenant
(GetInvalidationForDistributionTenant), printing what
"aws cloudfront get-invalidation-for-distribution-tenant" prints, byte for
byte, in every --output format (JSON by default).`,
		Example: `  cfinv get-invalidation-for-distribution-tenant --distribution-tenant-id dt_2wjDZi3hD1ivOXf6rpZJOSNE1AB --id I2J0I21PCUYOIK
  cfinv get-invalidation-for-distribution-tenant --distribution-tenant-id dt_2wjDZi3hD1ivOXf6rpZJOSNE1AB --id I2J0I21PCUYOIK --query Invalidation.Status --output text`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Tenant == "" || opts.ID == "" {
				return flagErrorf("give --distribution-tenant-id and --id")
			}
			if err := opts.AWS.defaultOutput(d.Getenv); err != nil {
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
			return getRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Tenant, "distribution-tenant-id", "", "distribution tenant ID (required)")
	cmd.Flags().StringVar(&opts.ID, "id", "", "invalidation ID (required)")
	opts.AWS.register(cmd)
	return cmd
}

// tenantListOptions are list-invalidations-for-distribution-tenant's.
type tenantListOptions struct {
	IO     *IO
	Client clientFunc

	AWS    awsFlags
	Tenant string
	Page   awscli.PageFlags
}

func newListTenantInvalidationsCmd(d *Deps, runF func(*tenantListOptions) error) *cobra.Command {
	opts := &tenantListOptions{IO: d.IO}
	cmd := &cobra.Command{
		Use:   "list-invalidations-for-distribution-tenant --id TENANT-ID",
		Short: "List a distribution tenant's invalidations, as the AWS CLI does",
		Long: `List the invalidations of a distribution tenant of a multi-tenant
distribution (ListInvalidationsForDistributionTenant), newest first, printing
what "aws cloudfront list-invalidations-for-distribution-tenant" prints, byte
for byte, in every --output format (JSON by default), and paging as
list-invalidations does: --max-items N stops after N invalidations and prints
a NextToken, which --starting-token resumes from (the AWS CLI's tokens too);
--page-size sets the invalidations per call; --no-paginate makes one call.`,
		Example: `  cfinv list-invalidations-for-distribution-tenant --id dt_2wjDZi3hD1ivOXf6rpZJOSNE1AB
  cfinv list-invalidations-for-distribution-tenant --id dt_2wjDZi3hD1ivOXf6rpZJOSNE1AB --max-items 10 --query 'InvalidationList.Items[].Id' --output text`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Tenant == "" {
				return flagErrorf("give --id, the distribution tenant's ID (dt_…)")
			}
			if err := opts.Page.Check(); err != nil {
				return err
			}
			if err := opts.AWS.defaultOutput(d.Getenv); err != nil {
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
			return tenantListRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Tenant, "id", "", "distribution tenant ID (required)")
	opts.Page.Register(cmd, "list at most this many, then print a NextToken (0: all)")
	opts.AWS.register(cmd)
	return cmd
}

func tenantListRun(ctx context.Context, opts *tenantListOptions) error {
	c, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	fetch := func(ctx context.Context, marker string, maxItems int) (*types.InvalidationList, error) {
		return c.ListPageForTenant(ctx, opts.Tenant, marker, maxItems)
	}
	const op = awscli.OpListInvalidationsForDistributionTenant
	if opts.Page.NoPaginate {
		l, err := fetch(ctx, opts.Page.Marker, opts.Page.MaxItems)
		if err != nil {
			return err
		}
		return opts.AWS.output().Print(opts.IO.Out, awscli.Result{Op: op, Data: awscli.ListPage(l)})
	}
	l, err := awscli.Paginate(ctx, fetch, opts.Page)
	if err != nil {
		return err
	}
	return opts.AWS.output().PrintListing(opts.IO.Out, op, l)
}
