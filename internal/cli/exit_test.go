package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/plan"
)

// TestExitCodesAndHints pins the one table from the library's errors to
// exit codes, and the hints the CLI writes for them (issue 12: the library
// knows no flags).
func TestExitCodesAndHints(t *testing.T) {
	denied := &cfinv.APIError{Op: "create invalidation", DistributionID: "E1", Code: "AccessDenied", Message: "no"}
	limit := &cfinv.APIError{Op: "create invalidation", DistributionID: "E1", Code: "TooManyInvalidationsInProgress", Message: "busy"}
	dnsErr := &url.Error{Op: "Post", URL: "http://cf.invalid/x", Err: &net.DNSError{Err: "no such host", Name: "cf.invalid", IsNotFound: true}}
	tests := []struct {
		name string
		err  error
		code int
		hint string
	}{
		{"access denied", denied, ExitAuth, "attach the policy printed by `cfinv iam-policy --distribution-id E1`"},
		{"tenant access denied", &cfinv.APIError{Op: "create invalidation", DistributionTenantID: "dt_1", Code: "AccessDenied"}, ExitAuth, "attach the policy printed by `cfinv iam-policy --distribution-tenant-id dt_1`"},
		{"tenant's invalidation not found", &cfinv.APIError{DistributionTenantID: "dt_1", Code: "NoSuchInvalidation"}, ExitNotFound, "check the invalidation ID: it must be one of distribution tenant dt_1's invalidations, not its distribution's"},
		{"no such distribution", &cfinv.APIError{Code: "NoSuchDistribution"}, ExitNotFound, "`cfinv distributions` lists the distributions these credentials can see"},
		{"no such invalidation", &cfinv.APIError{DistributionID: "E1", Code: "NoSuchInvalidation"}, ExitNotFound, "`cfinv list --distribution-id E1` lists its invalidations"},
		{"batch exists (journal)", &cfinv.APIError{Code: "InvalidationBatchAlreadyExists"}, ExitUsage, "a caller reference names one batch: use a new --caller-reference or --deploy-id for other paths"},
		{"batch exists (CloudFront)", &cfinv.APIError{Code: "InvalidationBatchAlreadyExists", Err: errors.New("sdk")}, ExitUsage, "this caller reference was already used with other paths; use a new --deploy-id or --caller-reference"},
		{"reference reused", &cfinv.APIError{Code: "InvalidArgument", Message: "a caller reference that was used"}, ExitUsage, "the caller reference was already used for this distribution; use a new --deploy-id or --caller-reference"},
		{"bad signature", &cfinv.APIError{Code: "SignatureDoesNotMatch"}, ExitAuth, "check the credentials the SDK found (`aws sts get-caller-identity`), refresh expired session tokens, and the system clock"},
		{"limit", limit, ExitLimit, "raise --timeout so cfinv can wait for in-progress invalidations, or `cfinv wait` for them first"},
		{"limit at the deadline", &cfinv.LimitError{DistributionID: "E1", Batch: 1, Err: limit}, ExitLimit, "raise --timeout, or re-run the same command with the same --deploy-id later: submitted batches are not sent again"},
		{"transient failures until the deadline", &cfinv.DeadlineError{DistributionID: "E1", Batch: 1, Err: errors.New("503")}, ExitTimeout, "raise --timeout, or re-run the same command with the same --deploy-id: a batch the server did create is not created twice"},
		{"wait timeout", &cfinv.TimeoutError{}, ExitTimeout, ""},
		{"partial wraps a limit", &cfinv.PartialError{DistributionID: "E1", Done: 1, Total: 2, Err: &cfinv.LimitError{Err: limit}}, ExitPartial, "re-run the same command with the same --deploy-id: created batches are not sent again"},
		{"unreachable cfinv serve", &cfinv.APIError{Endpoint: "http://127.0.0.1:1", Err: errors.New("refused")}, ExitUnreachable, "is `cfinv serve` running at http://127.0.0.1:1? Check --endpoint-url (or CFINV_ENDPOINT_URL)"},
		{"unreachable host name", &cfinv.APIError{Endpoint: "http://cf.invalid", Err: dnsErr}, ExitUnreachable, "check the host name in --endpoint-url (or CFINV_ENDPOINT_URL)"},
		{"unreachable AWS", &cfinv.APIError{Endpoint: "https://cloudfront.amazonaws.com"}, ExitUnreachable, "check the network connection, DNS and proxy settings (HTTPS_PROXY)"},
		{"invalid path", fmt.Errorf("plan p.json: %w", &cfpath.Error{Item: "a", Reason: "no slash", Accepted: "a path"}), ExitUsage, "a path"},
		{"budget", &plan.BudgetError{}, ExitUsage, "raise --max-paths, allow wildcards with --max-wildcards 1 or more, or use --strategy exact"},
		{"interrupted", fmt.Errorf("wait: %w", context.Canceled), ExitInterrupted, ""},
		{"anything else", errors.New("boom"), ExitFailure, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.code {
				t.Errorf("exitCode = %d, want %d", got, tt.code)
			}
			if got := hint(tt.err); got != tt.hint {
				t.Errorf("hint = %q, want %q", got, tt.hint)
			}
			var b bytes.Buffer
			printError(&b, tt.err, "")
			if want := "Try: " + tt.hint + "\n"; tt.hint != "" && !bytes.HasSuffix(b.Bytes(), []byte(want)) {
				t.Errorf("printed %q, want it to end %q", b.String(), want)
			}
		})
	}
}
