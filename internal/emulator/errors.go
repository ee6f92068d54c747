package emulator

import (
	"fmt"
	"net/http"
)

// statusOf is the single map from error code to HTTP status. Codes modelled
// in the CloudFront API (botocore service-2.json, 2020-05-31) use the
// model's status; the others follow CloudFront's observed behaviour (see
// docs/emulator.md).
var statusOf = map[string]int{
	"AccessDenied":                   http.StatusForbidden,
	"CNAMEAlreadyExists":             http.StatusConflict,
	"EntityAlreadyExists":            http.StatusConflict,
	"EntityNotFound":                 http.StatusNotFound,
	"ResourceNotDisabled":            http.StatusConflict,
	"BatchTooLarge":                  http.StatusRequestEntityTooLarge,
	"DistributionAlreadyExists":      http.StatusConflict,
	"DistributionNotDisabled":        http.StatusConflict,
	"IncompleteSignature":            http.StatusForbidden,
	"InconsistentQuantities":         http.StatusBadRequest,
	"InternalFailure":                http.StatusInternalServerError,
	"InvalidArgument":                http.StatusBadRequest,
	"InvalidClientTokenId":           http.StatusForbidden,
	"InvalidErrorCode":               http.StatusBadRequest,
	"InvalidIfMatchVersion":          http.StatusBadRequest,
	"InvalidRelativePath":            http.StatusBadRequest,
	"InvalidResponseCode":            http.StatusBadRequest,
	"InvalidTagging":                 http.StatusBadRequest,
	"InvalidationBatchAlreadyExists": http.StatusConflict,
	"MalformedXML":                   http.StatusBadRequest,
	"MissingAuthenticationToken":     http.StatusForbidden,
	"MissingBody":                    http.StatusBadRequest,
	"NoSuchDistribution":             http.StatusNotFound,
	"NoSuchInvalidation":             http.StatusNotFound,
	"NoSuchOrigin":                   http.StatusNotFound,
	"NoSuchResource":                 http.StatusNotFound,
	"NotImplemented":                 http.StatusNotImplemented,
	"PreconditionFailed":             http.StatusPreconditionFailed,
	"RequestEntityTooLarge":          http.StatusRequestEntityTooLarge,
	"ServiceUnavailable":             http.StatusServiceUnavailable,
	"SignatureDoesNotMatch":          http.StatusForbidden,
	"TooManyCacheBehaviors":          http.StatusBadRequest,
	"TooManyDistributionCNAMEs":      http.StatusBadRequest,
	"TooManyInvalidationsInProgress": http.StatusBadRequest,
	"TooManyOrigins":                 http.StatusBadRequest,

	// Origin access controls, policies, public keys and key groups
	// (statuses from the model).
	"CachePolicyAlreadyExists":                    http.StatusConflict,
	"CachePolicyInUse":                            http.StatusConflict,
	"CannotChangeImmutablePublicKeyFields":        http.StatusBadRequest,
	"IllegalDelete":                               http.StatusBadRequest,
	"IllegalOriginAccessConfiguration":            http.StatusBadRequest,
	"IllegalUpdate":                               http.StatusBadRequest,
	"InvalidOriginAccessControl":                  http.StatusBadRequest,
	"KeyGroupAlreadyExists":                       http.StatusConflict,
	"NoSuchCachePolicy":                           http.StatusNotFound,
	"NoSuchOriginAccessControl":                   http.StatusNotFound,
	"NoSuchOriginRequestPolicy":                   http.StatusNotFound,
	"NoSuchPublicKey":                             http.StatusNotFound,
	"NoSuchResponseHeadersPolicy":                 http.StatusNotFound,
	"OriginAccessControlAlreadyExists":            http.StatusConflict,
	"OriginAccessControlInUse":                    http.StatusConflict,
	"OriginRequestPolicyAlreadyExists":            http.StatusConflict,
	"OriginRequestPolicyInUse":                    http.StatusConflict,
	"PublicKeyAlreadyExists":                      http.StatusConflict,
	"PublicKeyInUse":                              http.StatusConflict,
	"ResourceInUse":                               http.StatusConflict,
	"ResponseHeadersPolicyAlreadyExists":          http.StatusConflict,
	"ResponseHeadersPolicyInUse":                  http.StatusConflict,
	"TooLongCSPInResponseHeadersPolicy":           http.StatusBadRequest,
	"TooManyCookiesInCachePolicy":                 http.StatusBadRequest,
	"TooManyCookiesInOriginRequestPolicy":         http.StatusBadRequest,
	"TooManyCustomHeadersInResponseHeadersPolicy": http.StatusBadRequest,
	"TooManyHeadersInCachePolicy":                 http.StatusBadRequest,
	"TooManyHeadersInOriginRequestPolicy":         http.StatusBadRequest,
	"TooManyPublicKeysInKeyGroup":                 http.StatusBadRequest,
	"TooManyQueryStringsInCachePolicy":            http.StatusBadRequest,
	"TooManyQueryStringsInOriginRequestPolicy":    http.StatusBadRequest,
	"TooManyRemoveHeadersInResponseHeadersPolicy": http.StatusBadRequest,
	"TrustedKeyGroupDoesNotExist":                 http.StatusBadRequest,

	// CloudFront Functions (statuses from the model).
	"FunctionAlreadyExists":      http.StatusConflict,
	"FunctionInUse":              http.StatusConflict,
	"FunctionSizeLimitExceeded":  http.StatusRequestEntityTooLarge,
	"InvalidFunctionAssociation": http.StatusBadRequest,
	"NoSuchFunctionExists":       http.StatusNotFound,
	"TestFunctionFailed":         http.StatusInternalServerError,
	"TooManyFunctions":           http.StatusBadRequest,
	"UnsupportedOperation":       http.StatusBadRequest,

	// KeyValueStore (statuses from the model).
	"CannotDeleteEntityWhileInUse": http.StatusConflict,
	"EntityLimitExceeded":          http.StatusBadRequest,
	"EntitySizeLimitExceeded":      http.StatusRequestEntityTooLarge,

	// Origin access identities (statuses from the model).
	"CloudFrontOriginAccessIdentityAlreadyExists": http.StatusConflict,
	"CloudFrontOriginAccessIdentityInUse":         http.StatusConflict,
	"InvalidOriginAccessIdentity":                 http.StatusBadRequest,
	"NoSuchCloudFrontOriginAccessIdentity":        http.StatusNotFound,
	"TooManyCloudFrontOriginAccessIdentities":     http.StatusBadRequest,
}

// apiError is an error answered with CloudFront's ErrorResponse envelope.
type apiError struct {
	Code    string
	Message string
	Status  int
	// Detail is cfinv's explanation beyond CloudFront's fixed Message
	// (which value, which limit); it goes to the log, never the wire.
	Detail string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// errorf builds an apiError whose status comes from statusOf (400 for a
// code not in the map).
func errorf(code, format string, a ...any) *apiError {
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusBadRequest
	}
	return &apiError{Code: code, Message: fmt.Sprintf(format, a...), Status: status}
}

// fixed builds an apiError whose Message is CloudFront's fixed text for
// code (fixedMessages) and whose Detail, for the log, is the formatted
// explanation.
func fixed(code, detailFormat string, a ...any) *apiError {
	e := errorf(code, "%s", fixedMessages[code])
	e.Detail = fmt.Sprintf(detailFormat, a...)
	return e
}

// fixedMessages are the texts CloudFront answers these codes with,
// whatever the request. Clients and people compare them verbatim.
var fixedMessages = map[string]string{
	"MalformedXML":                   msgMalformedXML,
	"NoSuchOrigin":                   msgNoSuchOrigin,
	"TooManyInvalidationsInProgress": msgTooMany,
	"InvalidErrorCode":               "An invalid error code was specified.",
	"InvalidResponseCode":            "A response code is not valid.",
	"InvalidRelativePath":            "The relative path is too big, is not URL-encoded, or does not begin with a slash (/).",
	"TooManyOrigins":                 "You cannot create more origins for the distribution.",
	"TooManyCacheBehaviors":          "You cannot create more cache behaviors for the distribution.",
	"TooManyDistributionCNAMEs":      "Your request contains more CNAMEs than are allowed per distribution.",
	"CNAMEAlreadyExists":             msgCNAMEAlreadyExists,
}

// errorType is CloudFront's fault attribution: the client's for 4xx.
func errorType(status int) string {
	if status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// Messages CloudFront (or its model) uses, kept verbatim.
const (
	msgNoSuchDistribution = "The specified distribution does not exist."
	msgNoSuchInvalidation = "The specified invalidation does not exist."
	msgMalformedXML       = "The XML you provided was not well-formed or did not validate against our published schema."
	msgTooMany            = "Processing your request will cause you to exceed the maximum number of in-progress invalidations."
	msgMissingBody        = "This operation requires a body. Ensure that the body is present and the Content-Type header is set."
	msgNoSuchOrigin       = "One or more of your origins or origin groups do not exist."
)
