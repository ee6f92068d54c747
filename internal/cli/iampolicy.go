package cli

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/cfinv/cfinv"
)

type iamPolicyOptions struct {
	IO            *IO
	Distributions []string
	Tenants       []string
	AccountID     string
	// Buckets are deploy's targets, s3://BUCKET[/PREFIX].
	Buckets []string
	// KMSKeys are the ARNs of the customer managed KMS keys that encrypt
	// the buckets' objects (SSE-KMS).
	KMSKeys []string
}

func newIAMPolicyCmd(d *Deps, runF func(*iamPolicyOptions) error) *cobra.Command {
	opts := &iamPolicyOptions{IO: d.IO}
	cmd := &cobra.Command{
		Use:   "iam-policy --distribution-id ID... | --distribution-tenant-id DT...",
		Short: "Print the least-privilege IAM policy for cfinv on these distributions",
		Long: `Print the least-privilege IAM policy for what cfinv does on the given
distributions: cloudfront:CreateInvalidation, GetInvalidation and
ListInvalidations on each distribution's ARN (invalidate, wait, get, list),
GetDistribution on the same ARNs (plan --distribution-id and deploy read the
config), cloudfront:DescribeFunction and GetFunction on the account's
functions (plan and deploy run the LIVE code of the behaviours' viewer-request
functions to learn the URLs they cache; without them the plan warns and
purges every URL form), plus cloudfront:ListDistributions on "*" only when a distribution is named by
domain or alias (that lookup cannot be restricted to a resource; cfinv
distributions needs it too). For --distribution-tenant-id: the tenant
invalidation actions (CreateInvalidationForDistributionTenant,
GetInvalidationForDistributionTenant, ListInvalidationsForDistributionTenant)
on each tenant's ARN. With --bucket s3://BUCKET[/PREFIX], what cfinv deploy
does there: s3:ListBucket (the listing, and the HeadBucket that finds the
bucket's region) and s3:ListBucketMultipartUploads on the bucket,
s3:GetObject (HeadObject, and the source of the CopyObject onto itself that
writes the clean marker or marks a kept object), s3:PutObject, s3:DeleteObject and
s3:AbortMultipartUpload on its objects under the prefix (add s3:PutObjectAcl
when a route sets an acl). With --kms-key ARN, for a bucket whose objects are
encrypted with that customer managed KMS key (SSE-KMS): kms:GenerateDataKey
(every upload and copy) and kms:Decrypt (multipart uploads, and the copies
onto themselves) on the key; the AWS managed key aws/s3 needs none (its key
policy allows S3's use in the account). Nothing is sent to AWS.`,
		Example: `  cfinv iam-policy --distribution-id E1U5RQF7T870K0 --account-id 123456789012
  cfinv iam-policy --distribution-id www.example.com > policy.json
  cfinv iam-policy --distribution-tenant-id dt_2ABCDEFGHIJKLMNOPQRSTUVWXYZ0
  cfinv iam-policy --distribution-id E1U5RQF7T870K0 --bucket s3://my-site/www
  cfinv iam-policy --bucket s3://my-site --kms-key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(opts.Distributions) == 0 && len(opts.Tenants) == 0 && len(opts.Buckets) == 0 {
				return flagErrorf("give at least one --distribution-id, --distribution-tenant-id or --bucket")
			}
			for _, b := range opts.Buckets {
				if _, _, err := parseS3URL(b); err != nil {
					return err
				}
			}
			if len(opts.KMSKeys) > 0 && len(opts.Buckets) == 0 {
				return flagErrorf("--kms-key is for deploy's uploads: give the --bucket s3://BUCKET[/PREFIX] its key encrypts")
			}
			for _, k := range opts.KMSKeys {
				if !kmsKeyARNRE().MatchString(k) {
					return flagErrorf("invalid --kms-key %q: want a key's ARN, arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (an alias is not a resource IAM grants on: `aws kms describe-key --key-id alias/NAME` gives its key's ARN)", k)
				}
			}
			for _, t := range opts.Tenants {
				if !tenantIDRE().MatchString(t) {
					return flagErrorf("invalid --distribution-tenant-id %q: want 1 to 128 letters, digits, '_' and '-', as in dt_2ABC", t)
				}
			}
			if opts.AccountID != "*" && !accountRE().MatchString(opts.AccountID) {
				return flagErrorf("invalid --account-id %q: want 12 digits or *", opts.AccountID)
			}
			if runF != nil {
				return runF(opts)
			}
			return iamPolicyRun(opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Distributions, "distribution-id", nil, "distribution ID, domain or alias (repeatable)")
	cmd.Flags().StringArrayVar(&opts.Tenants, "distribution-tenant-id", nil, "distribution tenant ID (repeatable)")
	cmd.Flags().StringVar(&opts.AccountID, "account-id", "*", "AWS account ID for the ARNs")
	cmd.Flags().StringArrayVar(&opts.Buckets, "bucket", nil, "cfinv deploy's target `s3://BUCKET[/PREFIX]`: add the S3 actions deploy needs there (repeatable)")
	cmd.Flags().StringArrayVar(&opts.KMSKeys, "kms-key", nil, "`ARN` of the customer managed KMS key encrypting --bucket's objects: add kms:GenerateDataKey and kms:Decrypt on it (repeatable)")
	return cmd
}

var (
	accountRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{12}$`) })
	tenantIDRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`) })
	// kmsKeyARNRE is a KMS key's ARN: a key ID is a UUID, or mrk- and 32
	// hex digits for a multi-Region key.
	kmsKeyARNRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws(-[a-z]+)*:kms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)
	})
)

type iamStatement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

func iamPolicyRun(opts *iamPolicyOptions) error {
	var arns []string
	byName := false
	for _, d := range opts.Distributions {
		if !cfinv.LooksLikeID(d) {
			byName = true
			if !strings.Contains(d, ".") {
				// Most likely a mistyped ID: say why the policy is broad.
				fmt.Fprintf(opts.IO.ErrOut, "note: %q is not shaped like a distribution ID (8 to 20 upper-case letters and digits, such as E2EXAMPLE12345), so it is taken as a domain or alias: the policy allows every distribution of the account and ListDistributions. Give the ID for a narrower policy (cfinv distributions lists them).\n", d)
			}
			continue
		}
		arns = append(arns, fmt.Sprintf("arn:aws:cloudfront::%s:distribution/%s", opts.AccountID, d))
	}
	if byName {
		// A distribution named by domain is only known after the lookup:
		// any distribution of the account may be the one.
		arns = append(arns, fmt.Sprintf("arn:aws:cloudfront::%s:distribution/*", opts.AccountID))
	}
	var stmts []iamStatement
	if len(arns) > 0 {
		stmts = append(stmts, iamStatement{
			Sid: "CfinvInvalidate", Effect: "Allow",
			Action:   []string{"cloudfront:CreateInvalidation", "cloudfront:GetInvalidation", "cloudfront:ListInvalidations", "cloudfront:GetDistribution"},
			Resource: arns,
		})
	}
	if len(arns) > 0 {
		// Which functions a distribution runs is only known from its
		// config: the plan may need any of the account's.
		stmts = append(stmts, iamStatement{
			Sid: "CfinvReadFunctions", Effect: "Allow",
			Action:   []string{"cloudfront:DescribeFunction", "cloudfront:GetFunction"},
			Resource: []string{fmt.Sprintf("arn:aws:cloudfront::%s:function/*", opts.AccountID)},
		})
	}
	if len(opts.Tenants) > 0 {
		var tarns []string
		for _, t := range opts.Tenants {
			tarns = append(tarns, fmt.Sprintf("arn:aws:cloudfront::%s:distribution-tenant/%s", opts.AccountID, t))
		}
		stmts = append(stmts, iamStatement{
			Sid: "CfinvInvalidateTenant", Effect: "Allow",
			Action:   []string{"cloudfront:CreateInvalidationForDistributionTenant", "cloudfront:GetInvalidationForDistributionTenant", "cloudfront:ListInvalidationsForDistributionTenant"},
			Resource: tarns,
		})
	}
	if len(opts.Buckets) > 0 {
		var buckets, objects []string
		for _, b := range opts.Buckets {
			bucket, prefix, _ := parseS3URL(b) // checked in RunE
			if prefix != "" {
				prefix += "/"
			}
			if arn := "arn:aws:s3:::" + bucket; !slices.Contains(buckets, arn) {
				buckets = append(buckets, arn)
			}
			objects = append(objects, "arn:aws:s3:::"+bucket+"/"+prefix+"*")
		}
		stmts = append(stmts,
			iamStatement{Sid: "CfinvDeployList", Effect: "Allow", Action: []string{"s3:ListBucket", "s3:ListBucketMultipartUploads"}, Resource: buckets},
			iamStatement{Sid: "CfinvDeployObjects", Effect: "Allow", Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}, Resource: objects})
		if len(opts.KMSKeys) > 0 {
			// S3 asks KMS for a data key on every write, and to decrypt
			// it for each part of a multipart upload and for a copy's
			// source: the caller needs both on the key.
			// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html
			// ("Permissions": kms:Decrypt and kms:GenerateDataKey).
			var keys []string
			for _, k := range opts.KMSKeys {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
			stmts = append(stmts, iamStatement{Sid: "CfinvDeployKMS", Effect: "Allow", Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: keys})
		}
	}
	if byName {
		stmts = append(stmts, iamStatement{Sid: "CfinvResolveAliases", Effect: "Allow", Action: []string{"cloudfront:ListDistributions"}, Resource: []string{"*"}})
	}
	b, err := json.MarshalIndent(map[string]any{"Version": "2012-10-17", "Statement": stmts}, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s\n", b)
	return err
}
