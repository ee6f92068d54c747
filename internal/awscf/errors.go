package awscf

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Exit classes (the strings cli.ExitClass understands).
const (
	classUsage    = "usage"
	classAuth     = "auth"
	classNotFound = "not-found"
	classTimeout  = "timeout"
	classLimit    = "limit"
	classPartial  = "partial"
)

// Error is a failed CloudFront call, translated into something the user can
// act on. The SDK's error stays wrapped underneath.
type Error struct {
	Op             string // what was attempted, e.g. "create invalidation"
	DistributionID string // "" when not about one distribution
	Code           string // CloudFront's error code, "" when none
	Message        string // CloudFront's message or the underlying error
	class          string
	hint           string
	Err            error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.DistributionID != "" {
		b.WriteString(" for " + e.DistributionID)
	}
	b.WriteString(": ")
	if e.Code != "" {
		b.WriteString(e.Code + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Unwrap returns the SDK's error.
func (e *Error) Unwrap() error { return e.Err }

// ExitClass is the cli exit class: usage, auth, not-found, limit or "".
func (e *Error) ExitClass() string { return e.class }

// Hint says what to do about it.
func (e *Error) Hint() string { return e.hint }

// operations maps an operation to the IAM action it needs.
var actions = map[string]string{
	"create invalidation":  "cloudfront:CreateInvalidation",
	"get invalidation":     "cloudfront:GetInvalidation",
	"list invalidations":   "cloudfront:ListInvalidations",
	"wait for":             "cloudfront:GetInvalidation and cloudfront:ListInvalidations",
	"list distributions":   "cloudfront:ListDistributions",
	"resolve distribution": "cloudfront:ListDistributions",
}

// translate turns an SDK error from op on dist into an *Error.
func translate(op, dist string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{Op: op, DistributionID: dist, Message: err.Error(), Err: err}
	var api smithy.APIError
	if !errors.As(err, &api) {
		if isCredentialError(err) {
			e.class = classAuth
			e.Message = "no AWS credentials found: " + err.Error()
			e.hint = "set AWS_PROFILE or --profile, run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
		}
		return e
	}
	e.Code, e.Message = api.ErrorCode(), api.ErrorMessage()
	if e.Message == "" {
		e.Message = err.Error()
	}
	distFlag := "--distribution-id " + dist
	if dist == "" {
		distFlag = "--distribution-id ID"
	}
	switch e.Code {
	case "AccessDenied", "AccessDeniedException":
		e.class = classAuth
		action := actions[op]
		if action == "" {
			action = "the CloudFront action for " + op
		}
		e.Message = fmt.Sprintf("permission %s is missing: %s", action, e.Message)
		e.hint = "attach the policy printed by `cfinv iam-policy " + distFlag + "`"
	case "NoSuchDistribution":
		e.class = classNotFound
		e.hint = "`cfinv distributions` lists the distributions these credentials can see"
	case "NoSuchInvalidation":
		e.class = classNotFound
		e.hint = "`cfinv list " + distFlag + "` lists its invalidations"
	case "InvalidationBatchAlreadyExists":
		e.class = classUsage
		e.hint = "this caller reference was already used with other paths; use a new --deploy-id or --caller-reference"
	case "InvalidArgument":
		e.class = classUsage
		if strings.Contains(strings.ToLower(e.Message), "caller reference") {
			e.hint = "the caller reference was already used for this distribution; use a new --deploy-id or --caller-reference"
		}
	case "InconsistentQuantities", "BatchTooLarge", "MissingBody", "MalformedXML", "MalformedInput":
		e.class = classUsage
	case "SignatureDoesNotMatch", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException",
		"MissingAuthenticationToken", "IncompleteSignature", "UnrecognizedClientException", "InvalidSignatureException":
		e.class = classAuth
		e.hint = "check the credentials the SDK found (`aws sts get-caller-identity`), refresh expired session tokens, and the system clock"
	case "TooManyInvalidationsInProgress", "Throttling", "ThrottlingException":
		e.class = classLimit
		e.hint = "raise --timeout so cfinv can wait for in-progress invalidations, or `cfinv wait` for them first"
	}
	return e
}

func isCredentialError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "get credentials") || strings.Contains(s, "failed to retrieve credentials") ||
		strings.Contains(s, "failed to refresh cached credentials") || strings.Contains(s, "get identity")
}

// isTransient reports whether err is worth another try later: throttling,
// server faults, connection problems. Client errors (4xx) are not.
func isTransient(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "Throttling", "ThrottlingException", "ServiceUnavailable", "InternalError", "RequestTimeout", "TooManyInvalidationsInProgress":
			return true
		}
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode() >= 500 || re.HTTPStatusCode() == 429
	}
	if api != nil {
		return false
	}
	return !isCredentialError(err) // network errors, timeouts of one request
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// LimitError is returned when in-progress limits or throttling still
// refused a batch at the deadline.
type LimitError struct {
	DistributionID string
	Batch          int // 1-based
	Waited         time.Duration
	Err            error
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("create invalidation for %s: batch %d still refused after %s: %v", e.DistributionID, e.Batch, e.Waited.Round(time.Second), e.Err)
}

// Unwrap returns the last refusal.
func (e *LimitError) Unwrap() error { return e.Err }

// ExitClass is "limit".
func (e *LimitError) ExitClass() string { return classLimit }

// Hint suggests a longer deadline.
func (e *LimitError) Hint() string {
	return "raise --timeout, or re-run the same command with the same --deploy-id later: submitted batches are not sent again"
}
