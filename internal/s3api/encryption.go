package s3api

import (
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/cfinv/cfinv/internal/s3store"
)

// Server-side encryption, as S3 answers it since January 2023: every
// object is encrypted, with SSE-S3 (AES256) unless the request or the
// bucket's default encryption asks for SSE-KMS or DSSE-KMS
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html).
// Nothing is encrypted on disk: what is kept is what S3 answers about it.
const (
	hdrSSE       = "X-Amz-Server-Side-Encryption"
	hdrKMSKeyID  = "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"
	hdrBucketKey = "X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"
)

// DefaultAccountID is the account in the KMS key ARNs the S3 API answers
// when Server.AccountID is empty: cfinv serve's default --account-id.
const DefaultAccountID = "123456789012"

// ssecHeaders are the headers of SSE-C (customer-provided keys), which
// the local S3 does not implement.
var ssecHeaders = []string{
	"X-Amz-Server-Side-Encryption-Customer-Algorithm",
	"X-Amz-Server-Side-Encryption-Customer-Key",
	"X-Amz-Server-Side-Encryption-Customer-Key-Md5",
	"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Algorithm",
	"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key",
	"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key-Md5",
}

// checkSSEC answers 501 NotImplemented, naming the header, to a request
// that uses SSE-C: storing an object S3 would only give back with its key
// and acting as if it were encrypted with it would be a lie a test could
// pass on.
func checkSSEC(r *http.Request) error {
	for _, h := range ssecHeaders {
		if r.Header.Get(h) != "" {
			return notImplemented(strings.ToLower(h) + " (SSE-C, server-side encryption with customer-provided keys)")
		}
	}
	return nil
}

// kmsKeyID matches what S3 accepts as a KMS key: a key ID (a UUID or a
// multi-Region key's mrk-…), an alias (alias/NAME) or either's ARN.
var kmsKeyID = regexp.MustCompile(`^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)|mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|alias/[A-Za-z0-9/_-]+)$`)

// accountID is the account of the KMS keys' ARNs.
func (s *Server) accountID() string {
	if s.AccountID != "" {
		return s.AccountID
	}
	return DefaultAccountID
}

// keyARN is the ARN S3 answers for key id (as given, or "" for the
// account's AWS managed key aws/s3) in region.
func (s *Server) keyARN(id, region string) string {
	switch {
	case strings.HasPrefix(id, "arn:"):
		return id
	case id == "":
		// The aws/s3 key's ID: a UUID fixed by the account and region,
		// so every object of a bucket names the same key.
		sum := sha256.Sum256([]byte("aws/s3\x00" + s.accountID() + "\x00" + region))
		id = fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
		return "arn:aws:kms:" + region + ":" + s.accountID() + ":key/" + id
	case strings.HasPrefix(id, "alias/"):
		return "arn:aws:kms:" + region + ":" + s.accountID() + ":" + id
	}
	return "arn:aws:kms:" + region + ":" + s.accountID() + ":key/" + id
}

// checkKeyID rejects a KMS key S3 could not resolve.
func checkKeyID(id string) error {
	if id != "" && !kmsKeyID.MatchString(id) {
		return &apiError{Status: http.StatusBadRequest, Code: "KMS.NotFoundException",
			Message: "Invalid keyId '" + id + "': want a key ID, alias/NAME or the ARN of either"}
	}
	return nil
}

// requestEncryption is the encryption of an object written by r (PutObject,
// CopyObject, CreateMultipartUpload): its x-amz-server-side-encryption
// headers, or else the bucket's default. A bad value is InvalidArgument, as
// S3 answers it.
func (s *Server) requestEncryption(r *request) (s3store.Encryption, error) {
	b, err := s.Store.HeadBucket(r.bucket)
	if err != nil {
		return s3store.Encryption{}, err
	}
	alg, key, bk := r.Header.Get(hdrSSE), r.Header.Get(hdrKMSKeyID), r.Header.Get(hdrBucketKey)
	var enc s3store.Encryption
	switch alg {
	case "", s3store.SSES3:
		if key != "" {
			return enc, &apiError{Status: http.StatusBadRequest, Code: "InvalidArgument", ArgumentName: strings.ToLower(hdrSSE), ArgumentValue: alg,
				Message: "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms"}
		}
		enc.Algorithm = alg
		if alg == "" && b.Encryption != nil {
			enc = *b.Encryption
		}
	case s3store.SSEKMS, s3store.SSEDSSE:
		if err := checkKeyID(key); err != nil {
			return enc, err
		}
		enc.Algorithm, enc.KMSKeyID = alg, key
	default:
		return enc, &apiError{Status: http.StatusBadRequest, Code: "InvalidArgument", ArgumentName: strings.ToLower(hdrSSE), ArgumentValue: alg,
			Message: "The encryption method specified is not supported: " + alg + " (want AES256, aws:kms or aws:kms:dsse)"}
	}
	switch strings.ToLower(bk) {
	case "":
	case "true":
		enc.BucketKey = true
	case "false":
		enc.BucketKey = false
	default:
		return enc, &apiError{Status: http.StatusBadRequest, Code: "InvalidArgument", ArgumentName: strings.ToLower(hdrBucketKey), ArgumentValue: bk,
			Message: "Invalid x-amz-server-side-encryption-bucket-key-enabled " + bk + ": want true or false"}
	}
	if enc.Algorithm == "" {
		enc.Algorithm = s3store.SSES3
	}
	if enc.KMS() {
		enc.KMSKeyID = s.keyARN(enc.KMSKeyID, b.Region())
	}
	if enc.Algorithm != s3store.SSEKMS {
		enc.BucketKey = false // S3 Bucket Keys are for SSE-KMS only
	}
	return enc, nil
}

// encryptionHeaders sets the headers S3 answers an object's encryption
// with.
func encryptionHeaders(h http.Header, enc s3store.Encryption) {
	alg := enc.Algorithm
	if alg == "" {
		alg = s3store.SSES3 // stored before the store kept it: S3's default
	}
	h.Set(hdrSSE, alg)
	if enc.KMS() {
		h.Set(hdrKMSKeyID, enc.KMSKeyID)
	}
	if enc.BucketKey {
		h.Set(hdrBucketKey, "true")
	}
}

// encryptionConfig is PutBucketEncryption's body and GetBucketEncryption's
// answer.
type encryptionConfig struct {
	XMLName xml.Name         `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ServerSideEncryptionConfiguration"`
	Rules   []encryptionRule `xml:"Rule"`
}

type encryptionRule struct {
	Default          *encryptionDefault `xml:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled bool               `xml:"BucketKeyEnabled"`
}

type encryptionDefault struct {
	SSEAlgorithm   string `xml:"SSEAlgorithm"`
	KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
}

func (s *Server) putBucketEncryption(w http.ResponseWriter, r *request) error {
	if _, err := s.Store.HeadBucket(r.bucket); err != nil {
		return err
	}
	var in encryptionConfig
	if err := s.readXML(r, &in); err != nil {
		return err
	}
	if len(in.Rules) != 1 || in.Rules[0].Default == nil {
		return errMalformedXML
	}
	rule := in.Rules[0]
	enc := &s3store.Encryption{Algorithm: rule.Default.SSEAlgorithm, KMSKeyID: rule.Default.KMSMasterKeyID, BucketKey: rule.BucketKeyEnabled}
	switch enc.Algorithm {
	case s3store.SSES3:
		if enc.KMSKeyID != "" {
			return &apiError{Status: http.StatusBadRequest, Code: "InvalidArgument", Message: "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse"}
		}
	case s3store.SSEKMS, s3store.SSEDSSE:
		if err := checkKeyID(enc.KMSKeyID); err != nil {
			return err
		}
	default:
		return errMalformedXML
	}
	if err := s.Store.SetBucketEncryption(r.bucket, enc); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) getBucketEncryption(w http.ResponseWriter, r *request) error {
	b, err := s.Store.HeadBucket(r.bucket)
	if err != nil {
		return err
	}
	enc := s3store.Encryption{Algorithm: s3store.SSES3}
	if b.Encryption != nil {
		enc = *b.Encryption
	}
	rule := encryptionRule{Default: &encryptionDefault{enc.Algorithm, enc.KMSKeyID}, BucketKeyEnabled: enc.BucketKey}
	return writeXML(w, encryptionConfig{Rules: []encryptionRule{rule}})
}

func (s *Server) deleteBucketEncryption(w http.ResponseWriter, r *request) error {
	if err := s.Store.SetBucketEncryption(r.bucket, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
