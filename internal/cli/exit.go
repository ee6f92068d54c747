package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/changes"
	"github.com/cfinv/cfinv/deploy"
	"github.com/cfinv/cfinv/internal/awscli"
	"github.com/cfinv/cfinv/internal/printable"
	"github.com/cfinv/cfinv/internal/redact"
	"github.com/cfinv/cfinv/plan"
)

// Exit codes. They are documented in README.md ("Exit codes"); keep the two
// in step. Every error maps to exactly one code in exitCode.
const (
	ExitOK            = 0   // success
	ExitFailure       = 1   // any failure not listed below
	ExitUsage         = 2   // bad flags, arguments or input (a path, a batch file, a plan)
	ExitAuth          = 3   // credentials missing or refused, or an IAM permission denied
	ExitNotFound      = 4   // the distribution or invalidation does not exist
	ExitTimeout       = 5   // --timeout passed while waiting for completion
	ExitLimit         = 6   // in-progress limits or throttling still refused us at the deadline
	ExitPartial       = 7   // some batches or distributions succeeded and some did not
	ExitUnreachable   = 8   // the endpoint refused the connection or its host does not resolve
	ExitEmpty         = 9   // invalidate --fail-if-empty: the plan or list held no paths
	ExitUploadFailed  = 10  // deploy: an upload failed; no entry object written, nothing deleted
	ExitDeleteRefused = 11  // deploy: more deletions than --max-delete; none done
	ExitInterrupted   = 130 // SIGINT/SIGTERM
)

// FlagError is a usage error: the message is printed with the command's usage.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// flagErrorf builds a FlagError.
func flagErrorf(format string, a ...any) error {
	return &FlagError{Err: fmt.Errorf(format, a...)}
}

// isUsageError reports whether err is a usage error: a FlagError, or
// input the AWS CLI emulation refused.
func isUsageError(err error) bool {
	var (
		fe *FlagError
		ue *awscli.UsageError
	)
	return errors.As(err, &fe) || errors.As(err, &ue)
}

// ExitError carries an explicit exit code and an optional hint for an error
// whose code cannot be derived from its kind.
type ExitError struct {
	Code int
	Err  error
	Hint string
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ErrSilent ends a command, with exit code 1 or that of an ExitError
// wrapping it, and prints nothing more: the
// command has already explained itself on stderr.
var ErrSilent = errors.New("silent error")

// exitCodes maps the errors of the cfinv client and the domain packages
// to exit codes, first match wins: a partial failure wraps the failure
// that made it partial, so ErrPartial comes first. It is the one table;
// README.md's "Exit codes" describes it.
var exitCodes = []struct {
	match func(error) bool
	code  int
}{
	{is(cfinv.ErrPartial), ExitPartial},
	{is(deploy.ErrUpload), ExitUploadFailed},
	{is(deploy.ErrTooManyDeletions), ExitDeleteRefused},
	{is(deploy.ErrConfig), ExitUsage},
	{isS3Code("NoSuchBucket"), ExitNotFound},
	{isS3Code("AccessDenied"), ExitAuth},
	{isS3Code("InvalidAccessKeyId"), ExitAuth},
	{isS3Code("SignatureDoesNotMatch"), ExitAuth},
	{is(cfinv.ErrInvalidPath), ExitUsage},
	{is(cfinv.ErrInvalidInput), ExitUsage},
	{is(cfinv.ErrBatchExists), ExitUsage},
	{isBadInput, ExitUsage},
	{is(cfinv.ErrCredentials), ExitAuth},
	{is(cfinv.ErrAccessDenied), ExitAuth},
	{is(cfinv.ErrNotFound), ExitNotFound},
	{is(cfinv.ErrTimeout), ExitTimeout},
	{is(cfinv.ErrLimit), ExitLimit},
	{is(cfinv.ErrUnreachable), ExitUnreachable},
	{is(context.Canceled), ExitInterrupted},
}

// isS3Code matches an S3 error (deploy's calls) with the code code.
func isS3Code(code string) func(error) bool {
	return func(err error) bool {
		var ae smithy.APIError
		return errors.As(err, &ae) && ae.ErrorCode() == code
	}
}

func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

// isBadInput reports whether err is input the domain packages refused: an
// invalid path or tag, an unreadable change list, a bad plan file, budgets
// a plan cannot meet.
func isBadInput(err error) bool {
	var (
		pe *cfpath.Error
		ce *changes.ParseError
		fe *plan.FileError
		be *plan.BudgetError
	)
	return errors.As(err, &pe) || errors.As(err, &ce) || errors.As(err, &fe) || errors.As(err, &be)
}

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if isUsageError(err) {
		return ExitUsage
	}
	for _, c := range exitCodes {
		if c.match(err) {
			return c.code
		}
	}
	return ExitFailure
}

// hint is the "Try:" line for err: what the user can do about it, in the
// terms of cfinv's flags and commands, which the library and the domain
// packages do not know.
func hint(err error) string {
	var (
		pe *cfpath.Error
		fe *plan.FileError
		be *plan.BudgetError
		ae *cfinv.APIError
		le *cfinv.LimitError
		de *cfinv.DeadlineError
	)
	switch {
	case errors.Is(err, cfinv.ErrPartial):
		return "re-run the same command with the same --deploy-id: created batches are not sent again"
	case errors.As(err, &pe):
		return pe.Accepted
	case errors.As(err, &fe):
		return fmt.Sprintf("write a plan with 'cfinv plan … --out FILE'; a plan file is JSON with \"version\": %d and \"batches\": [[\"/path\", …], …]", plan.FileVersion)
	case errors.As(err, &be):
		return "raise --max-paths, allow wildcards with --max-wildcards 1 or more, or use --strategy exact"
	case errors.As(err, &le):
		return "raise --timeout, or re-run the same command with the same --deploy-id later: submitted batches are not sent again"
	case errors.As(err, &de):
		return "raise --timeout, or re-run the same command with the same --deploy-id: a batch the server did create is not created twice"
	case errors.As(err, &ae):
		return apiHint(ae)
	}
	return ""
}

// apiHint is the hint for a failed CloudFront call.
func apiHint(e *cfinv.APIError) string {
	distFlag := "--distribution-id " + e.DistributionID
	if e.DistributionID == "" {
		distFlag = "--distribution-id ID"
	}
	if e.DistributionTenantID != "" {
		distFlag = "--distribution-tenant-id " + e.DistributionTenantID
	}
	switch {
	case errors.Is(e, cfinv.ErrUnreachable):
		return unreachableHint(e)
	case errors.Is(e, cfinv.ErrAccessDenied):
		return "attach the policy printed by `cfinv iam-policy " + distFlag + "`"
	case e.DistributionTenantID != "" && e.Code == "NoSuchInvalidation":
		return "check the invalidation ID: it must be one of distribution tenant " + e.DistributionTenantID + "'s invalidations, not its distribution's"
	case e.Op == "resolve distribution":
		return "`cfinv distributions` lists IDs, domains and aliases"
	case e.Code == "NoSuchDistribution":
		return "`cfinv distributions` lists the distributions these credentials can see"
	case e.Code == "NoSuchInvalidation":
		return "`cfinv list " + distFlag + "` lists its invalidations"
	case errors.Is(e, cfinv.ErrBatchExists) && e.Err != nil: // CloudFront refused it
		return "this caller reference was already used with other paths; use a new --deploy-id or --caller-reference"
	case errors.Is(e, cfinv.ErrBatchExists): // the journal showed it before anything was sent
		return "a caller reference names one batch: use a new --caller-reference or --deploy-id for other paths"
	case e.Code == "InvalidArgument" && strings.Contains(strings.ToLower(e.Message), "caller reference"):
		return "the caller reference was already used for this distribution; use a new --deploy-id or --caller-reference"
	case errors.Is(e, cfinv.ErrCredentials) && e.Code == "":
		return "set AWS_PROFILE or --profile, run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
	case errors.Is(e, cfinv.ErrCredentials):
		return "check the credentials the SDK found (`aws sts get-caller-identity`), refresh expired session tokens, and the system clock"
	case errors.Is(e, cfinv.ErrLimit):
		return "raise --timeout so cfinv can wait for in-progress invalidations, or `cfinv wait` for them first"
	}
	return ""
}

// unreachableHint points at --endpoint-url for anything but AWS's own
// endpoints, and at the network for those.
func unreachableHint(e *cfinv.APIError) string {
	var dns *net.DNSError
	switch {
	case strings.HasSuffix(e.Endpoint, ".amazonaws.com") || !strings.Contains(e.Endpoint, "://"):
		return "check the network connection, DNS and proxy settings (HTTPS_PROXY)"
	case errors.As(e, &dns) && dns.IsNotFound:
		return "check the host name in --endpoint-url (or CFINV_ENDPOINT_URL)"
	}
	return "is `cfinv serve` running at " + e.Endpoint + "? Check --endpoint-url (or CFINV_ENDPOINT_URL)"
}

// printError writes "Error: …" and, when known, "Try: …" to w; a usage
// error also points to the help of cmdPath. It is the only place errors
// are printed.
func printError(w io.Writer, err error, cmdPath string) {
	if errors.Is(err, ErrSilent) {
		return
	}
	// Redacted here too, whatever the error's type: no secret, token or
	// signature a server echoed may reach the terminal (issue 10).
	// Control characters are escaped too (issue safety 12): a message
	// may quote a server, whose text must not move the cursor; its own
	// line breaks are escaped where it is made (cfinv.APIError).
	fmt.Fprintf(w, "Error: %s\n", printable.Lines(redact.String(err.Error())))
	var ee *ExitError
	if errors.As(err, &ee) && ee.Hint != "" {
		fmt.Fprintf(w, "Try: %s\n", printable.Lines(redact.String(ee.Hint)))
	} else if h := hint(err); h != "" {
		fmt.Fprintf(w, "Try: %s\n", printable.Lines(redact.String(h)))
	}
	if isUsageError(err) && cmdPath != "" {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", cmdPath)
	}
}
