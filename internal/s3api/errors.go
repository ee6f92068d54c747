package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/cfinv/cfinv/internal/s3store"
	"github.com/cfinv/cfinv/internal/sigv4"
)

// apiError is an S3 error response.
type apiError struct {
	Status  int
	Code    string
	Message string
	// LocationConstraint is the value an InvalidLocationConstraint error
	// names, in an element of its own as S3 sends it.
	LocationConstraint string
	// ArgumentName and ArgumentValue name the bad header of an
	// InvalidArgument, as S3 does.
	ArgumentName, ArgumentValue string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errInvalidRequest(msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: msg}
}

func errInvalidArgument(msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "InvalidArgument", Message: msg}
}

var (
	errNoSuchBucket   = &apiError{Status: http.StatusNotFound, Code: "NoSuchBucket", Message: "The specified bucket does not exist"}
	errNoSuchKey      = &apiError{Status: http.StatusNotFound, Code: "NoSuchKey", Message: "The specified key does not exist."}
	errNoSuchUpload   = &apiError{Status: http.StatusNotFound, Code: "NoSuchUpload", Message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."}
	errBucketOwned    = &apiError{Status: http.StatusConflict, Code: "BucketAlreadyOwnedByYou", Message: "Your previous request to create the named bucket succeeded and you already own it."}
	errNotEmpty       = &apiError{Status: http.StatusConflict, Code: "BucketNotEmpty", Message: "The bucket you tried to delete is not empty"}
	errMalformedXML   = &apiError{Status: http.StatusBadRequest, Code: "MalformedXML", Message: "The XML you provided was not well-formed or did not validate against our published schema"}
	errInvalidDigest  = &apiError{Status: http.StatusBadRequest, Code: "InvalidDigest", Message: "The Content-MD5 you specified was invalid."}
	errBadDigest      = &apiError{Status: http.StatusBadRequest, Code: "BadDigest", Message: "The Content-MD5 you specified did not match what we received."}
	errSHA256Mismatch = &apiError{Status: http.StatusBadRequest, Code: sigv4.CodeContentSHA256Mismatch, Message: "The provided 'x-amz-content-sha256' header does not match what was computed."}
	errTooLarge       = &apiError{Status: http.StatusBadRequest, Code: "EntityTooLarge", Message: "Your proposed upload exceeds the maximum allowed object size."}
	errIncomplete     = &apiError{Status: http.StatusBadRequest, Code: "IncompleteBody", Message: "You did not provide the number of bytes specified by the Content-Length HTTP header."}
	errChunkSig       = &apiError{Status: http.StatusForbidden, Code: sigv4.CodeSignatureDoesNotMatch, Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method."}
	errInvalidRange   = &apiError{Status: http.StatusRequestedRangeNotSatisfiable, Code: "InvalidRange", Message: "The requested range is not satisfiable"}
	errPrecondition   = &apiError{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed", Message: "At least one of the pre-conditions you specified did not hold"}
	errReadOnly       = &apiError{Status: http.StatusForbidden, Code: "AccessDenied", Message: "Access Denied: the bucket is a directory served read-only (--s3-origin)"}
	errKeyTooLong     = &apiError{Status: http.StatusBadRequest, Code: "KeyTooLongError", Message: "Your key is too long"}
	errInvalidPart    = &apiError{Status: http.StatusBadRequest, Code: "InvalidPart", Message: "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."}
	errPartOrder      = &apiError{Status: http.StatusBadRequest, Code: "InvalidPartOrder", Message: "The list of parts was not in ascending order. The parts list must be specified in order by part number."}
	errTooSmall       = &apiError{Status: http.StatusBadRequest, Code: "EntityTooSmall", Message: "Your proposed upload is smaller than the minimum allowed object size."}
)

// storeError maps an s3store error to S3's.
func storeError(err error) *apiError {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, s3store.ErrNoSuchBucket):
		return errNoSuchBucket
	case errors.Is(err, s3store.ErrNoSuchKey):
		return errNoSuchKey
	case errors.Is(err, s3store.ErrBucketExists):
		return errBucketOwned
	case errors.Is(err, s3store.ErrBucketNotEmpty):
		return errNotEmpty
	case errors.Is(err, s3store.ErrInvalidBucketName):
		return &apiError{Status: http.StatusBadRequest, Code: "InvalidBucketName", Message: "The specified bucket is not valid: " + err.Error()}
	case errors.Is(err, s3store.ErrNoSuchUpload):
		return errNoSuchUpload
	case errors.Is(err, s3store.ErrInvalidPartOrder):
		return errPartOrder
	case errors.Is(err, s3store.ErrInvalidPart):
		return errInvalidPart
	case errors.Is(err, s3store.ErrEntityTooSmall):
		return errTooSmall
	case errors.Is(err, s3store.ErrReadOnly):
		return errReadOnly
	case errors.Is(err, s3store.ErrKeyTooLong):
		return errKeyTooLong
	case errors.Is(err, errChunkSignature):
		return errChunkSig
	case errors.Is(err, errChunk):
		return &apiError{Status: http.StatusBadRequest, Code: "InvalidChunkSizeError", Message: "Only the last chunk is allowed to have a size less than 8192 bytes: " + err.Error()}
	}
	var se *sigv4.Error
	if errors.As(err, &se) {
		return authError(se)
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "InternalError", Message: "We encountered an internal error. Please try again."}
}

// authError maps a SigV4 failure to S3's code for it.
func authError(e *sigv4.Error) *apiError {
	switch e.Code {
	case sigv4.CodeInvalidClientTokenID:
		return &apiError{Status: http.StatusForbidden, Code: "InvalidAccessKeyId", Message: "The AWS Access Key Id you provided does not exist in our records."}
	case sigv4.CodeMissingAuthenticationToken:
		return &apiError{Status: http.StatusForbidden, Code: "AccessDenied", Message: "Access Denied"}
	case sigv4.CodeIncompleteSignature:
		return &apiError{Status: http.StatusBadRequest, Code: "AuthorizationHeaderMalformed", Message: e.Message}
	}
	return &apiError{Status: e.Status, Code: e.Code, Message: e.Message}
}

type errorBody struct {
	XMLName    xml.Name `xml:"Error"`
	Code       string   `xml:"Code"`
	Message    string   `xml:"Message"`
	BucketName string   `xml:"BucketName,omitempty"`
	Key        string   `xml:"Key,omitempty"`
	Resource   string   `xml:"Resource,omitempty"`
	Region     string   `xml:"Region,omitempty"`
	// LocationConstraint is InvalidLocationConstraint's bad value.
	LocationConstraint string `xml:"LocationConstraint,omitempty"`
	ArgumentName       string `xml:"ArgumentName,omitempty"`
	ArgumentValue      string `xml:"ArgumentValue,omitempty"`
	RequestID          string `xml:"RequestId"`
}

// writeError sends e as S3 does: the XML error body, none for HEAD.
func writeError(w http.ResponseWriter, r *http.Request, e *apiError, bucket, key string) {
	writeErrorRegion(w, r, e, bucket, key, "")
}

// writeErrorRegion is writeError for a request signed for another region
// than the bucket's: region, the bucket's, goes in the <Region> element
// and the X-Amz-Bucket-Region header, where SDKs look for it.
func writeErrorRegion(w http.ResponseWriter, r *http.Request, e *apiError, bucket, key, region string) {
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Del("ETag")
	w.Header().Del("Last-Modified")
	w.Header().Del("Content-Length")
	if region != "" {
		w.Header().Set("X-Amz-Bucket-Region", region)
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	w.WriteHeader(e.Status)
	w.Write([]byte(xml.Header))
	xml.NewEncoder(w).Encode(errorBody{Code: e.Code, Message: e.Message, BucketName: bucket, Key: key,
		Resource: r.URL.Path, Region: region, LocationConstraint: e.LocationConstraint,
		ArgumentName: e.ArgumentName, ArgumentValue: e.ArgumentValue, RequestID: w.Header().Get("X-Amz-Request-Id")})
}
