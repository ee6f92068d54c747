package tfprovider

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/cfinv/cfinv"
)

func TestAddError(t *testing.T) {
	const dist = "E2EXAMPLE12345"
	tests := []struct {
		name    string
		err     error
		res     *cfinv.Result
		at      path.Path // path.Empty() for an error on no attribute
		summary string
		detail  []string // substrings of the detail
	}{
		{"not found", &cfinv.APIError{Op: "create invalidation", DistributionID: dist, Code: "NoSuchDistribution", Message: "The specified distribution does not exist."},
			nil, path.Root("distribution_id"), "Unknown distribution", []string{`distribution_id "E2EXAMPLE12345" names no distribution`, "cfinv distributions"}},
		{"access denied", &cfinv.APIError{Op: "create invalidation", DistributionID: dist, Code: "AccessDenied", Message: "permission cloudfront:CreateInvalidation is missing: not authorized"},
			nil, path.Root("distribution_id"), "Missing IAM permission", []string{"cloudfront:CreateInvalidation is missing", `"arn:aws:cloudfront::*:distribution/E2EXAMPLE12345"`}},
		{"credentials", &cfinv.APIError{Op: "create invalidation", DistributionID: dist, Code: "InvalidClientTokenId", Message: "bad key"},
			nil, path.Empty(), "AWS credentials missing or refused", []string{"default chain"}},
		{"unreachable", &cfinv.APIError{Op: "create invalidation", Endpoint: "http://127.0.0.1:1", Message: "cannot reach http://127.0.0.1:1: connection refused"},
			nil, path.Root("endpoint"), "CloudFront endpoint unreachable", []string{"connection refused", "cfinv serve must be running"}},
		{"wait past the timeout", &cfinv.TimeoutError{Pending: []cfinv.Target{{DistributionID: dist, IDs: []string{"I1"}}}},
			&cfinv.Result{Batches: []cfinv.Batch{{DistributionID: dist, Number: 1, ID: "I1", Paths: []string{"/a"}}}},
			path.Root("timeouts"), "Invalidation not done in time", []string{"1 still in progress", "I1 (batch 1, 1 paths)", "resumes the same invalidations"}},
		{"limits", &cfinv.LimitError{DistributionID: dist, Batch: 2, Err: errors.New("TooManyInvalidationsInProgress")},
			nil, path.Root("distribution_id"), "CloudFront's in-progress limits", []string{"batch 2 still refused"}},
		{"bad path", cfinv.Request{DistributionID: dist, Paths: []string{"/a*b"}}.Validate(), nil, path.Root("paths"), "Invalid path", []string{`"/a*b"`}},
		{"anything else", fmt.Errorf("wrapped: %w", errors.New("boom")), nil, path.Root("distribution_id"), "Invalidation failed", []string{`distribution_id "E2EXAMPLE12345": wrapped: boom`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var diags diag.Diagnostics
			addError(&diags, tt.err, dist, tt.res)
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %v", len(diags), diags)
			}
			d := diags[0]
			at := path.Empty()
			if wp, ok := d.(diag.DiagnosticWithPath); ok {
				at = wp.Path()
			}
			if !at.Equal(tt.at) {
				t.Errorf("path %s, want %s", at, tt.at)
			}
			if d.Summary() != tt.summary {
				t.Errorf("summary %q, want %q", d.Summary(), tt.summary)
			}
			for _, s := range tt.detail {
				if !strings.Contains(d.Detail(), s) {
					t.Errorf("detail lacks %q:\n%s", s, d.Detail())
				}
			}
		})
	}
}
