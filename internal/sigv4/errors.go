package sigv4

import "net/http"

// Error codes returned by Authenticate. They are the codes AWS returns for
// the same failures (see docs/emulator.md and the SigV4 section of the
// CloudFront wire reference).
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationToken"
	CodeIncompleteSignature        = "IncompleteSignature"
	CodeInvalidClientTokenID       = "InvalidClientTokenId"
	CodeSignatureDoesNotMatch      = "SignatureDoesNotMatch"
	CodeAccessDenied               = "AccessDenied"
	// CodeContentSHA256Mismatch is S3's code for a body that does not match
	// its signed X-Amz-Content-Sha256; CloudFront's is undocumented.
	CodeContentSHA256Mismatch = "XAmzContentSHA256Mismatch"
	// CodeAuthorizationHeaderMalformed is S3's code for an Authorization
	// header whose credential scope names another region than the
	// bucket's (Verifier.StrictRegion with Service "s3").
	CodeAuthorizationHeaderMalformed = "AuthorizationHeaderMalformed"
	// CodeAuthorizationQueryParametersError is the same for a presigned
	// URL's X-Amz-Credential.
	CodeAuthorizationQueryParametersError = "AuthorizationQueryParametersError"
)

// Error is an authentication failure. Code and Message are what the server
// puts in its XML error body; Status is the HTTP status (403 for every
// failure AWS reports on a SigV4 request).
type Error struct {
	Code    string
	Message string
	Status  int
	// Region is the region the request should have been signed for, set
	// when S3 rejects a scope for naming another one: S3 sends it as the
	// error's <Region> element, which SDKs (botocore's region redirector)
	// read to sign again for that region.
	Region string
}

// Error returns "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrorCode returns the AWS error code, e.g. "SignatureDoesNotMatch".
func (e *Error) ErrorCode() string { return e.Code }

// HTTPStatus returns the HTTP status the server should answer with.
func (e *Error) HTTPStatus() int { return e.Status }

func newError(code, msg string) *Error {
	return &Error{Code: code, Message: msg, Status: http.StatusForbidden}
}
