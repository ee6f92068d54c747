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

	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/internal/printable"
	"github.com/cfinv/cfinv/internal/redact"
)

// Sentinel errors. Every error the Client returns matches at most one of
// them with errors.Is (a *PartialError matches ErrPartial and, through
// the failure it wraps, that failure's sentinel too); the types below
// carry the details for errors.As.
var (
	// ErrInvalidPath: an item of Request.Paths or Request.Batches is not
	// a path or cache tag CloudFront accepts; the *cfpath.Error is wrapped.
	ErrInvalidPath = errors.New("invalid invalidation path")
	// ErrInvalidInput: the request cannot be sent as it is (no paths, a
	// caller reference too long) or CloudFront refused it as malformed.
	ErrInvalidInput = errors.New("invalid input")
	// ErrBatchExists: the caller reference was already used with other
	// paths (CloudFront's InvalidationBatchAlreadyExists, or the journal
	// showing it before anything is sent).
	ErrBatchExists = errors.New("invalidation batch already exists")
	// ErrCredentials: the SDK found no usable credentials, or CloudFront
	// refused them (bad signature, expired token).
	ErrCredentials = errors.New("credentials missing or refused")
	// ErrAccessDenied: the credentials lack an IAM permission.
	ErrAccessDenied = errors.New("access denied")
	// ErrNotFound: the distribution or invalidation does not exist, or no
	// distribution has the domain name or alias given.
	ErrNotFound = errors.New("not found")
	// ErrUnreachable: the endpoint refused the connection or its host does
	// not resolve, so nothing was sent.
	ErrUnreachable = errors.New("endpoint unreachable")
	// ErrLimit: in-progress limits or throttling still refused a batch at
	// the deadline (*LimitError).
	ErrLimit = errors.New("limit exceeded")
	// ErrTimeout: the deadline passed while waiting for completion
	// (*TimeoutError) or while a batch met only transient failures
	// (*DeadlineError).
	ErrTimeout = errors.New("deadline passed")
	// ErrPartial: some batches or distributions succeeded and some did
	// not (*PartialError).
	ErrPartial = errors.New("partly done")
)

// APIError is a failed CloudFront call, translated into something the user
// can act on. The SDK's error stays wrapped underneath; errors.Is matches
// the sentinel of its kind (ErrNotFound, ErrAccessDenied, …), if any.
type APIError struct {
	Op             string // what was attempted, e.g. "create invalidation"
	DistributionID string // "" when not about one distribution
	// DistributionTenantID is the distribution tenant the call was about,
	// "" when not about one (DistributionID is then "").
	DistributionTenantID string
	Code                 string // CloudFront's error code, "" when none
	Message              string // CloudFront's message or the underlying error, redacted
	// Endpoint is the scheme and host that could not be reached, set
	// only for an ErrUnreachable error.
	Endpoint string
	Err      error
	kind     error
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.DistributionID != "" {
		b.WriteString(" for " + e.DistributionID)
	}
	if e.DistributionTenantID != "" {
		b.WriteString(" for distribution tenant " + e.DistributionTenantID)
	}
	b.WriteString(": ")
	if e.Code != "" {
		b.WriteString(e.Code + ": ")
	}
	// The message may be a server's: escaped so that it is one line
	// that can start no workflow command and move no cursor.
	b.WriteString(printable.String(e.Message))
	return redact.String(b.String())
}

// Unwrap returns the SDK's error.
func (e *APIError) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's kind: that of its
// Code (NoSuchDistribution is ErrNotFound, …), ErrUnreachable when
// Endpoint is set, or the kind translation gave it (ErrCredentials for
// credentials the SDK could not find, ErrNotFound for a name Resolve
// could not match). An *APIError built by hand thus matches as one
// returned by the Client does.
func (e *APIError) Is(target error) bool {
	switch {
	case e.kind != nil:
		return target == e.kind
	case e.Endpoint != "":
		return target == ErrUnreachable
	}
	k, ok := codeKinds[e.Code]
	return ok && target == k
}

// actions maps an operation to the IAM action it needs.
var actions = map[string]string{
	"create invalidation":  "cloudfront:CreateInvalidation",
	"get invalidation":     "cloudfront:GetInvalidation",
	"list invalidations":   "cloudfront:ListInvalidations",
	"wait":                 "cloudfront:GetInvalidation and cloudfront:ListInvalidations",
	"list distributions":   "cloudfront:ListDistributions",
	"get distribution":     "cloudfront:GetDistribution",
	"describe function":    "cloudfront:DescribeFunction",
	"get function":         "cloudfront:GetFunction",
	"resolve distribution": "cloudfront:ListDistributions",
}

// translate turns an SDK error from op on dist into an *APIError, its
// message redacted by shape and of secrets's values.
func translate(op, dist string, err error, secrets *redact.Set) error {
	if err == nil {
		return nil
	}
	var already *APIError
	if errors.As(err, &already) {
		return err
	}
	e := &APIError{Op: op, DistributionID: dist, Message: err.Error(), Err: err}
	defer func() { e.Message = secrets.Redact(e.Message) }()
	var api smithy.APIError
	if !errors.As(err, &api) {
		if endpoint, reason, ok := unreachable(err); ok {
			e.Endpoint = endpoint
			e.Message = "cannot reach " + endpoint + ": " + reason
			return e
		}
		if isCredentialError(err) {
			e.kind = ErrCredentials
			// The SDK's error repeats every provider it tried (300
			// characters and more); it stays wrapped in Err.
			e.Message = "no AWS credentials found in the SDK's default chain (environment, shared config and credentials files, SSO, web identity, container, EC2 instance metadata)"
		}
		return e
	}
	e.Code, e.Message = api.ErrorCode(), api.ErrorMessage()
	if e.Message == "" {
		e.Message = err.Error()
	}
	if codeKinds[e.Code] == ErrAccessDenied {
		action := actions[op]
		if action == "" {
			action = "the CloudFront action for " + op
		}
		e.Message = fmt.Sprintf("permission %s is missing: %s", action, e.Message)
	}
	return e
}

// codeKinds gives the sentinel of CloudFront's error codes.
var codeKinds = map[string]error{
	"AccessDenied": ErrAccessDenied, "AccessDeniedException": ErrAccessDenied,
	"NoSuchDistribution": ErrNotFound, "NoSuchInvalidation": ErrNotFound, "EntityNotFound": ErrNotFound, "NoSuchFunctionExists": ErrNotFound,
	"InvalidationBatchAlreadyExists": ErrBatchExists,
	"InvalidArgument":                ErrInvalidInput, "InconsistentQuantities": ErrInvalidInput, "BatchTooLarge": ErrInvalidInput,
	"MissingBody": ErrInvalidInput, "MalformedXML": ErrInvalidInput, "MalformedInput": ErrInvalidInput,
	"SignatureDoesNotMatch": ErrCredentials, "InvalidClientTokenId": ErrCredentials, "ExpiredToken": ErrCredentials,
	"ExpiredTokenException": ErrCredentials, "MissingAuthenticationToken": ErrCredentials, "IncompleteSignature": ErrCredentials,
	"UnrecognizedClientException": ErrCredentials, "InvalidSignatureException": ErrCredentials,
	"TooManyInvalidationsInProgress": ErrLimit, "Throttling": ErrLimit, "ThrottlingException": ErrLimit,
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
// never helps: it is a wrong endpoint, a stopped cfinv serve, or no
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

// isTransient reports whether err is worth another try later: throttling,
// server faults, connection problems after the connection was made (reset,
// timeout of one attempt). Client errors (4xx) are not, and neither is an
// unreachable endpoint.
func isTransient(err error) bool {
	if _, _, ok := unreachable(err); ok || errors.Is(err, errBadResponse) {
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

// inputError is a request refused before anything was sent: its message
// is err's, and it matches kind (ErrInvalidPath, ErrInvalidInput).
type inputError struct {
	kind, err error
}

func (e *inputError) Error() string        { return e.err.Error() }
func (e *inputError) Unwrap() error        { return e.err }
func (e *inputError) Is(target error) bool { return target == e.kind }

func invalidInput(format string, a ...any) error {
	return &inputError{kind: ErrInvalidInput, err: fmt.Errorf(format, a...)}
}

// invalidPath marks err, which holds a *cfpath.Error, as ErrInvalidPath.
func invalidPath(err error) error {
	var pe *cfpath.Error
	if !errors.As(err, &pe) {
		return err
	}
	return &inputError{kind: ErrInvalidPath, err: err}
}

// LimitError is returned when in-progress limits or throttling still
// refused a batch at the deadline. It matches ErrLimit.
type LimitError struct {
	DistributionID string
	Batch          int // 1-based
	Waited         time.Duration
	Err            error // the last refusal
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("create invalidation for %s: batch %d still refused after %s: %v", e.DistributionID, e.Batch, e.Waited.Round(time.Second), e.Err)
}

// Unwrap returns the last refusal.
func (e *LimitError) Unwrap() error { return e.Err }

// Is reports whether target is ErrLimit.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// DeadlineError is returned when a batch met only transient failures —
// server errors, connection resets, attempts that got no answer in time —
// until the deadline. Every attempt carried the same caller reference, so
// at most one invalidation was created for it. It matches ErrTimeout.
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

// Is reports whether target is ErrTimeout.
func (e *DeadlineError) Is(target error) bool { return target == ErrTimeout }

// TimeoutError is returned when the deadline passed while waiting for
// invalidations to complete. It matches ErrTimeout.
type TimeoutError struct {
	Pending []Target // what was still in progress
	Waited  time.Duration
}

func (e *TimeoutError) Error() string {
	n := 0
	for _, t := range e.Pending {
		n += len(t.IDs)
	}
	return fmt.Sprintf("wait for invalidations: %d still in progress after %s", n, e.Waited.Round(time.Millisecond))
}

// Is reports whether target is ErrTimeout.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// PartialError reports a request of which some batches were created and
// others failed. It matches ErrPartial, and the sentinel of the failure
// it wraps.
type PartialError struct {
	// DistributionID is the distribution whose later batch failed; ""
	// when the request named several distributions and some of them
	// failed.
	DistributionID string
	// Done and Total count batches (one distribution) or distributions
	// (several) that succeeded, and all of them.
	Done, Total int
	// Succeeded lists the batches that were created (or resumed).
	Succeeded []Batch
	Err       error
}

func (e *PartialError) Error() string {
	if e.DistributionID == "" {
		return fmt.Sprintf("%d of %d distributions failed: %v", e.Total-e.Done, e.Total, e.Err)
	}
	return fmt.Sprintf("%d of %d batches created for %s: %v", e.Done, e.Total, e.DistributionID, e.Err)
}

// Unwrap returns the failure.
func (e *PartialError) Unwrap() error { return e.Err }

// Is reports whether target is ErrPartial.
func (e *PartialError) Is(target error) bool { return target == ErrPartial }
