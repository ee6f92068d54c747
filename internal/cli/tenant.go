package cli

import (
	"time"

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
