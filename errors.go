package cfinv

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
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
	// classUnreachable: the endpoint refused the connection or its host
	// does not resolve, so nothing was sent and retrying is pointless.
	classUnreachable = "unreachable"
)

// ErrUnreachable matches (with errors.Is) an *Error whose endpoint could
// not be connected to: connection refused, no such host, no route.
var ErrUnreachable = errors.New("endpoint unreachable")

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
	return Redact(b.String())
}

// Unwrap returns the SDK's error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is ErrUnreachable and the endpoint could not
// be reached.
func (e *Error) Is(target error) bool { return target == ErrUnreachable && e.class == classUnreachable }

// ExitClass is the cli exit class: usage, auth, not-found, limit,
// unreachable or "".
func (e *Error) ExitClass() string { return e.class }

// Hint says what to do about it.
func (e *Error) Hint() string { return e.hint }

// operations maps an operation to the IAM action it needs.
var actions = map[string]string{
	"create invalidation":  "cloudfront:CreateInvalidation",
	"get invalidation":     "cloudfront:GetInvalidation",
	"list invalidations":   "cloudfront:ListInvalidations",
	"wait":                 "cloudfront:GetInvalidation and cloudfront:ListInvalidations",
	"list distributions":   "cloudfront:ListDistributions",
	"get distribution":     "cloudfront:GetDistribution",
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
	e := &Error{Op: op, DistributionID: dist, Message: Redact(err.Error()), Err: err}
	var api smithy.APIError
	if !errors.As(err, &api) {
		if endpoint, reason, ok := unreachable(err); ok {
			e.class = classUnreachable
			e.Message = "cannot reach " + endpoint + ": " + reason
			e.hint = unreachableHint(endpoint, reason)
			return e
		}
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
	e.Message = Redact(e.Message)
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

// unreachable reports whether err says the endpoint could not be
// connected to at all — connection refused, no such host, no route —
// rather than that a request failed on the way. Nothing was sent, so the
// request cannot have taken effect, and trying again seconds later almost
// never helps: it is a wrong --endpoint-url, a stopped cfinv serve, or no
// network. endpoint is the scheme and host of the request ("" if unknown);
// reason is the short cause.
func unreachable(err error) (endpoint, reason string, ok bool) {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		reason = "no such host " + dns.Name
	case errors.Is(err, syscall.ECONNREFUSED):
		reason = "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH):
		reason = "no route to host"
	case errors.Is(err, syscall.ENETUNREACH):
		reason = "network is unreachable"
	default:
		return "", "", false
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			endpoint = u.Scheme + "://" + u.Host
		}
	}
	if endpoint == "" {
		endpoint = "the CloudFront endpoint"
	}
	return endpoint, reason, true
}

// unreachableHint points at --endpoint-url for anything but AWS's own
// endpoints, and at the network for those.
func unreachableHint(endpoint, reason string) string {
	switch {
	case strings.HasSuffix(endpoint, ".amazonaws.com") || strings.HasPrefix(endpoint, "the "):
		return "check the network connection, DNS and proxy settings (HTTPS_PROXY)"
	case strings.HasPrefix(reason, "no such host"):
		return "check the host name in --endpoint-url (or CFINV_ENDPOINT_URL)"
	}
	return "is `cfinv serve` running at " + endpoint + "? Check --endpoint-url (or CFINV_ENDPOINT_URL)"
}

// isTransient reports whether err is worth another try later: throttling,
// server faults, connection problems after the connection was made (reset,
// timeout of one attempt). Client errors (4xx) are not, and neither is an
// unreachable endpoint.
func isTransient(err error) bool {
	if _, _, ok := unreachable(err); ok {
		return false
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "Throttling", "ThrottlingException", "ServiceUnavailable", "InternalError", "RequestTimeout", "TooManyInvalidationsInProgress":
			return true
		}
	}
	// A request that failed to send is wrapped in a ResponseError with
	// status 0: it is a network error, classified below.
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != 0 {
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

// DeadlineError is returned when a batch met only transient failures —
// server errors, connection resets, attempts that got no answer in time —
// until the deadline. Every attempt carried the same caller reference, so
// at most one invalidation was created for it.
type DeadlineError struct {
	DistributionID string
	Batch          int // 1-based
	Tries          int // CreateInvalidation calls, each with the SDK's own retries
	Waited         time.Duration
	Err            error // the last failure
}

func (e *DeadlineError) Error() string {
	return fmt.Sprintf("create invalidation for %s: batch %d not accepted by the deadline (%d tries in %s): %v", e.DistributionID, e.Batch, e.Tries, e.Waited.Round(100*time.Millisecond), e.Err)
}

// Unwrap returns the last failure.
func (e *DeadlineError) Unwrap() error { return e.Err }

// ExitClass is "timeout".
func (e *DeadlineError) ExitClass() string { return classTimeout }

// Hint explains that re-running is safe.
func (e *DeadlineError) Hint() string {
	return "raise --timeout, or re-run the same command with the same --deploy-id: a batch the server did create is not created twice"
}
