package tfprovider

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/cfinv/cfinv"
)

func quote(s string) string { return strconv.Quote(s) }

// addError turns an error of cfinv.Client.Invalidate on dist into a
// diagnostic naming the attribute and value at fault and what to do.
// res, when not nil, lists the batches that were created before it.
func addError(diags *diag.Diagnostics, err error, dist string, res *cfinv.Result) {
	detail := err.Error()
	if created := createdBatches(res); created != "" {
		detail += "\n\nCreated before the failure (an apply run again resumes them, at no charge): " + created
	}
	dp := path.Root("distribution_id")
	switch {
	case errors.Is(err, cfinv.ErrInvalidPath):
		diags.AddAttributeError(path.Root("paths"), "Invalid path", detail)
	case errors.Is(err, cfinv.ErrNotFound):
		diags.AddAttributeError(dp, "Unknown distribution",
			fmt.Sprintf("distribution_id %s names no distribution of this account: %s\n\nGive the distribution's ID (E2EXAMPLE12345), its CloudFront domain name or one of its aliases; `cfinv distributions` lists them.", quote(dist), detail))
	case errors.Is(err, cfinv.ErrAccessDenied):
		diags.AddAttributeError(dp, "Missing IAM permission",
			fmt.Sprintf("The credentials may not invalidate distribution_id %s: %s\n\nAttach this policy to the role or user Terraform runs as (`cfinv iam-policy --distribution-id %s` prints the same actions plus GetDistribution, for the CLI):\n\n%s", quote(dist), detail, dist, iamPolicy(dist)))
	case errors.Is(err, cfinv.ErrCredentials):
		diags.AddError("AWS credentials missing or refused",
			detail+"\n\nThe provider takes credentials only from the AWS SDK's default chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the provider's profile, SSO, or an instance or task role.")
	case errors.Is(err, cfinv.ErrUnreachable):
		diags.AddAttributeError(path.Root("endpoint"), "CloudFront endpoint unreachable",
			detail+"\n\nCheck the provider's endpoint (or AWS_ENDPOINT_URL_CLOUDFRONT); a local cfinv serve must be running.")
	case errors.Is(err, cfinv.ErrTimeout):
		diags.AddAttributeError(path.Root("timeouts"), "Invalidation not done in time",
			detail+"\n\nRaise timeouts (create, update; at most 1h), or set wait_for_completion = false. An apply run again resumes the same invalidations, at no charge.")
	case errors.Is(err, cfinv.ErrLimit):
		diags.AddAttributeError(dp, "CloudFront's in-progress limits",
			fmt.Sprintf("distribution_id %s: %s\n\nOther invalidations in progress on the distribution held this one back until the deadline; apply again later, or raise timeouts.", quote(dist), detail))
	default:
		diags.AddAttributeError(dp, "Invalidation failed", fmt.Sprintf("distribution_id %s: %s", quote(dist), detail))
	}
}

func createdBatches(res *cfinv.Result) string {
	if res == nil {
		return ""
	}
	var s []string
	for _, b := range res.Batches {
		if b.ID != "" {
			s = append(s, fmt.Sprintf("%s (batch %d, %d paths)", b.ID, b.Number, len(b.Paths)))
		}
	}
	return strings.Join(s, ", ")
}

// iamPolicy is the least-privilege policy for the provider on dist, as
// cfinv iam-policy prints it: CreateInvalidation, GetInvalidation and
// ListInvalidations on the distribution's ARN, and ListDistributions on
// "*" when dist is a domain or alias (that lookup cannot be restricted to
// a resource). The account is "*": a policy belongs to one account.
func iamPolicy(dist string) string {
	type statement struct {
		Sid      string   `json:"Sid"`
		Effect   string   `json:"Effect"`
		Action   []string `json:"Action"`
		Resource []string `json:"Resource"`
	}
	arn := "arn:aws:cloudfront::*:distribution/" + dist
	byName := !cfinv.LooksLikeID(dist)
	if byName {
		arn = "arn:aws:cloudfront::*:distribution/*"
	}
	stmts := []statement{{Sid: "CfinvInvalidate", Effect: "Allow",
		Action:   []string{"cloudfront:CreateInvalidation", "cloudfront:GetInvalidation", "cloudfront:ListInvalidations"},
		Resource: []string{arn}}}
	if byName {
		stmts = append(stmts, statement{Sid: "CfinvResolveAliases", Effect: "Allow", Action: []string{"cloudfront:ListDistributions"}, Resource: []string{"*"}})
	}
	b, _ := json.MarshalIndent(map[string]any{"Version": "2012-10-17", "Statement": stmts}, "", "  ")
	return string(b)
}
