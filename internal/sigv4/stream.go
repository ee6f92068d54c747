package sigv4

import (
	"crypto/hmac"
	"encoding/hex"
	"net/http"
)

// Payload hashes S3 clients send in X-Amz-Content-Sha256 instead of the
// body's SHA-256.
const (
	UnsignedPayload               = "UNSIGNED-PAYLOAD"
	StreamingPayload              = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingPayloadTrailer       = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedPayloadTrail = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// emptySHA256 is the hex SHA-256 of nothing.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Signed is an authenticated request whose body has not been read: what a
// caller needs to check the body against the signature as it streams.
type Signed struct {
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// Payload is the payload hash the signature covers: a hex SHA-256 (the
	// caller checks the body against it), UNSIGNED-PAYLOAD or one of the
	// STREAMING-* values.
	Payload string
	// Seed is the request's signature, the first "previous signature" of
	// a signed chunk stream.
	Seed string
	// Region is the region the credential scope names.
	Region string

	key     []byte
	amzDate string
	scope   string
}

// AuthenticateHeaders checks the signature of r without reading its body,
// as S3 does: the canonical request ends with X-Amz-Content-Sha256 as sent
// (UNSIGNED-PAYLOAD for a presigned URL without one), and checking the body
// against Payload, or the chunk signatures of a STREAMING-* payload against
// ChunkSignature, is the caller's job. Errors are *Error values as
// Authenticate returns, with secrets scrubbed.
func (v *Verifier) AuthenticateHeaders(r *http.Request) (*Signed, error) {
	c, secret, err := v.authenticate(r, func(c *credential) (string, error) {
		if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
			return h, nil
		}
		if c.presigned {
			if h := r.URL.Query().Get("X-Amz-Content-Sha256"); h != "" {
				return h, nil
			}
			return UnsignedPayload, nil
		}
		return "", &Error{Code: "InvalidRequest", Message: "Missing required header for this request: x-amz-content-sha256", Status: http.StatusBadRequest}
	})
	if err != nil {
		return nil, scrub(err, r, secret)
	}
	return &Signed{
		AccessKeyID: c.accessKeyID,
		Payload:     c.payload,
		Seed:        c.signature,
		Region:      c.region,
		key:         v.keys.get(secret, c.scopeDate, c.region, c.service),
		amzDate:     c.amzDate,
		scope:       c.scopeDate + "/" + c.region + "/" + c.service + "/" + terminator,
	}, nil
}

// ChunkSignature returns the signature of a chunk of a
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD body whose SHA-256 is sum, following
// the chunk (or seed) signature prev.
func (s *Signed) ChunkSignature(prev string, sum []byte) string {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + s.amzDate + "\n" + s.scope + "\n" + prev + "\n" + emptySHA256 + "\n" + hex.EncodeToString(sum)
	return hex.EncodeToString(hmacSHA256(s.key, sts))
}

// TrailerSignature returns the signature of the trailing headers of a
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER body, whose canonical form
// ("name:value\n" per header) hashes to sum, following the last chunk
// signature prev.
func (s *Signed) TrailerSignature(prev string, sum []byte) string {
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + s.amzDate + "\n" + s.scope + "\n" + prev + "\n" + hex.EncodeToString(sum)
	return hex.EncodeToString(hmacSHA256(s.key, sts))
}

// EqualSignature compares two hex signatures in constant time.
func EqualSignature(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }
