// Package s3api is the S3 API of cfinv serve: the operations deploy tools
// use (bucket, object, listing and multipart operations), answered with S3's
// status codes, headers and XML, over an s3store.Store.
//
// Requests are path-style (http://HOST/BUCKET/KEY) or virtual-hosted (Host:
// BUCKET.s3.localhost…), SigV4-signed for service "s3" with a payload that is
// a SHA-256, UNSIGNED-PAYLOAD or aws-chunked (signed chunks, or unsigned
// chunks with a trailing checksum, as current SDKs send by default).
// Anything else answers 501 NotImplemented naming what was asked for.
package s3api

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"hash"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/internal/s3store"
	"github.com/cfinv/cfinv/internal/sigv4"
)

// DefaultMaxObjectSize is S3's limit on a single PUT: 5 GiB.
const DefaultMaxObjectSize = 5 << 30

// DefaultMaxCopySize is S3's limit on CopyObject's source: 5 GiB
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html); a
// larger object is copied in parts (UploadPartCopy).
const DefaultMaxCopySize = 5 << 30

// Server answers S3 API requests. Its fields must not change once it
// serves.
type Server struct {
	// Store holds the buckets.
	Store *s3store.Store
	// Auth checks signatures; its Service should be "s3". Nil accepts
	// every request unsigned.
	Auth *sigv4.Verifier
	// MaxObjectSize bounds a PutObject or UploadPart body; 0 means
	// DefaultMaxObjectSize.
	MaxObjectSize int64
	// MaxCopySize bounds CopyObject's source; 0 means
	// DefaultMaxCopySize.
	MaxCopySize int64
	// AccountID is the account in the KMS key ARNs answered for SSE-KMS;
	// "" means DefaultAccountID.
	AccountID string
}

// request is one S3 request, parsed.
type request struct {
	*http.Request
	bucket, key string
	signed      *sigv4.Signed // nil when Auth is nil
}

// ServeHTTP routes r to its operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amz-Request-Id", requestID())
	w.Header().Set("Server", "cfinv")
	req := &request{Request: r}
	req.bucket, req.key = splitBucketKey(r)
	if s.Auth != nil {
		signed, err := s.Auth.AuthenticateHeaders(r)
		if err != nil {
			var se *sigv4.Error
			if errors.As(err, &se) {
				writeErrorRegion(w, r, authError(se), req.bucket, req.key, se.Region)
				return
			}
			writeError(w, r, storeError(err), req.bucket, req.key)
			return
		}
		req.signed = signed
	}
	if err := s.route(w, req); err != nil {
		writeError(w, r, storeError(err), req.bucket, req.key)
	}
}

// requestID returns a fresh x-amz-request-id.
func requestID() string {
	var b [8]byte
	rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// splitBucketKey finds the bucket in the Host (BUCKET.s3.…, BUCKET.s3 or
// BUCKET.localhost, as the SDKs address a bucket virtual-hosted) or else
// the path's first segment, and the key after it.
func splitBucketKey(r *http.Request) (bucket, key string) {
	host := strings.ToLower(strings.TrimSuffix(r.Host, "."))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	p := r.URL.Path
	if i := strings.Index(host, ".s3."); i > 0 && net.ParseIP(host) == nil {
		return host[:i], strings.TrimPrefix(p, "/")
	}
	if strings.HasSuffix(host, ".s3") && len(host) > 3 {
		return strings.TrimSuffix(host, ".s3"), strings.TrimPrefix(p, "/")
	}
	// BUCKET.localhost: an endpoint of http://localhost:PORT, not
	// path-style. s3.localhost is the service itself.
	if b, ok := strings.CutSuffix(host, ".localhost"); ok && b != "" && b != "s3" {
		return b, strings.TrimPrefix(p, "/")
	}
	p = strings.TrimPrefix(p, "/")
	bucket, key, _ = strings.Cut(p, "/")
	return bucket, key
}

// subresources are S3's query parameters that select an operation other
// than the plain one on a bucket or object. Other parameters are ignored,
// as S3 ignores them (a viewer's ?v=2 forwarded by the edge, say).
var subresources = map[string]bool{
	"accelerate": true, "acl": true, "analytics": true, "attributes": true, "cors": true, "delete": true,
	"encryption": true, "intelligent-tiering": true, "inventory": true, "legal-hold": true, "lifecycle": true,
	"location": true, "logging": true, "metadataTable": true, "metrics": true, "notification": true,
	"object-lock": true, "ownershipControls": true, "policy": true, "policyStatus": true,
	"publicAccessBlock": true, "renameObject": true, "replication": true, "requestPayment": true,
	"restore": true, "retention": true, "select": true, "session": true, "tagging": true, "torrent": true,
	"uploads": true, "versioning": true, "versions": true, "website": true,
}

// subresource returns the first query parameter that names an operation
// (?location, ?uploads, ?delete, ?acl …), "" if none.
func subresource(r *http.Request) string {
	first := ""
	for k := range r.URL.Query() {
		if subresources[k] && (first == "" || k < first) {
			first = k
		}
	}
	return first
}

func notImplemented(what string) *apiError {
	return &apiError{Status: http.StatusNotImplemented, Code: "NotImplemented", Message: "A header or query you provided implies functionality that is not implemented: " + what}
}

func (s *Server) route(w http.ResponseWriter, r *request) error {
	sub := subresource(r.Request)
	q := r.URL.Query()
	switch {
	case r.bucket == "":
		if r.Method == http.MethodGet && sub == "" {
			return s.listBuckets(w, r)
		}
		return notImplemented(r.Method + " / " + sub)
	case r.key == "":
		switch {
		case r.Method == http.MethodPut && sub == "":
			return s.createBucket(w, r)
		case r.Method == http.MethodHead && sub == "":
			return s.headBucket(w, r)
		case r.Method == http.MethodDelete && sub == "":
			return s.deleteBucket(w, r)
		case r.Method == http.MethodGet && sub == "location":
			return s.bucketLocation(w, r)
		case r.Method == http.MethodGet && sub == "uploads":
			return s.listUploads(w, r)
		case r.Method == http.MethodGet && sub == "":
			return s.listObjects(w, r)
		case r.Method == http.MethodPost && sub == "delete":
			return s.deleteObjects(w, r)
		case r.Method == http.MethodPut && sub == "encryption":
			return s.putBucketEncryption(w, r)
		case r.Method == http.MethodGet && sub == "encryption":
			return s.getBucketEncryption(w, r)
		case r.Method == http.MethodDelete && sub == "encryption":
			return s.deleteBucketEncryption(w, r)
		}
	default:
		if len(r.key) > s3store.MaxKeyLength {
			return errKeyTooLong
		}
		if err := checkSSEC(r.Request); err != nil {
			return err
		}
		_, hasUpload := q["uploadId"]
		switch {
		case r.Method == http.MethodPut && sub == "" && hasUpload:
			if r.Header.Get("X-Amz-Copy-Source") != "" {
				return s.uploadPartCopy(w, r)
			}
			return s.uploadPart(w, r)
		case r.Method == http.MethodPut && sub == "" && r.Header.Get("X-Amz-Copy-Source") != "":
			return s.copyObject(w, r)
		case r.Method == http.MethodPut && sub == "":
			return s.putObject(w, r)
		case (r.Method == http.MethodGet || r.Method == http.MethodHead) && sub == "" && hasUpload && r.Method == http.MethodGet:
			return s.listParts(w, r)
		case (r.Method == http.MethodGet || r.Method == http.MethodHead) && sub == "":
			return s.getObject(w, r)
		case r.Method == http.MethodDelete && sub == "" && hasUpload:
			return s.abortUpload(w, r)
		case r.Method == http.MethodDelete && sub == "":
			return s.deleteObject(w, r)
		case r.Method == http.MethodPost && sub == "uploads":
			return s.createUpload(w, r)
		case r.Method == http.MethodPost && sub == "" && hasUpload:
			return s.completeUpload(w, r)
		}
	}
	what := r.Method
	if sub != "" {
		what += " ?" + sub
	} else if r.key != "" {
		what += " object"
	} else {
		what += " bucket"
	}
	return notImplemented(what)
}

// writeXML sends v as a 200 XML response.
func writeXML(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(xml.Header))
	return xml.NewEncoder(w).Encode(v)
}

// maxXMLBody bounds a request's XML body (a DeleteObjects of 1,000 long
// keys fits).
const maxXMLBody = 2 << 20

// readXML decodes r's (small) body into v.
func (s *Server) readXML(r *request, v any) error {
	body, verify, err := s.body(r)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(body, maxXMLBody+1))
	if err != nil {
		return err
	}
	if len(raw) > maxXMLBody {
		return errMalformedXML
	}
	if _, err := verify(md5Of(raw)); err != nil {
		return err
	}
	if err := xml.Unmarshal(raw, v); err != nil {
		return errMalformedXML
	}
	return nil
}

func md5Of(b []byte) []byte {
	s := md5.Sum(b)
	return s[:]
}

// bodyState checks a request body as it is read.
type bodyState struct {
	r        *request
	sha      hash.Hash // non-nil when X-Amz-Content-Sha256 is a hex hash
	chunked  *chunkedReader
	sums     *checksums
	n        int64
	want     int64 // decoded length, -1 when unknown
	max      int64
	computed map[string]string // checksums, after verify
}

func (b *bodyState) Write(p []byte) (int, error) {
	b.n += int64(len(p))
	if b.n > b.max {
		return 0, errTooLarge
	}
	if b.sha != nil {
		b.sha.Write(p)
	}
	b.sums.Write(p)
	return len(p), nil
}

// body returns r's decoded body and the check to run once it has been
// read: length, Content-MD5, payload SHA-256, checksums.
func (s *Server) body(r *request) (io.Reader, func(md5sum []byte) (map[string]string, error), error) {
	st, body, err := s.bodyState(r)
	if err != nil {
		return nil, nil, err
	}
	return body, st.verify, nil
}

func (s *Server) bodyState(r *request) (*bodyState, io.Reader, error) {
	max := s.MaxObjectSize
	if max == 0 {
		max = DefaultMaxObjectSize
	}
	st := &bodyState{r: r, want: -1, max: max}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if r.signed != nil {
		payload = r.signed.Payload
	}
	var body io.Reader = r.Body
	switch {
	case payload == sigv4.StreamingPayload || payload == sigv4.StreamingPayloadTrailer:
		if r.signed == nil {
			st.chunked = newChunkedReader(r.Body, nil)
		} else {
			st.chunked = newChunkedReader(r.Body, r.signed)
		}
	case payload == sigv4.StreamingUnsignedPayloadTrail || strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked"):
		st.chunked = newChunkedReader(r.Body, nil)
	case len(payload) == 2*sha256.Size:
		if _, err := hex.DecodeString(payload); err == nil {
			st.sha = sha256.New()
		}
	}
	if st.chunked != nil {
		body = st.chunked
		if d := r.Header.Get("X-Amz-Decoded-Content-Length"); d != "" {
			n, err := strconv.ParseInt(d, 10, 64)
			if err != nil || n < 0 {
				return nil, nil, errInvalidArgument("Invalid x-amz-decoded-content-length: " + d)
			}
			st.want = n
		}
	} else if r.ContentLength >= 0 {
		st.want = r.ContentLength
	}
	if st.want > max {
		return nil, nil, errTooLarge
	}
	sums, aerr := newChecksums(r.Request)
	if aerr != nil {
		return nil, nil, aerr
	}
	st.sums = sums
	return st, io.TeeReader(body, st), nil
}

// verify runs once the body is read, before anything is committed. It
// returns the additional checksums computed, by algorithm.
func (b *bodyState) verify(md5sum []byte) (map[string]string, error) {
	if b.want >= 0 && b.n != b.want {
		return nil, errIncomplete
	}
	if m, ok := b.r.Header["Content-Md5"]; ok {
		want, err := base64.StdEncoding.DecodeString(m[0])
		if err != nil || len(want) != md5.Size {
			return nil, errInvalidDigest
		}
		if string(want) != string(md5sum) {
			return nil, errBadDigest
		}
	}
	if b.sha != nil {
		payload := b.r.Header.Get("X-Amz-Content-Sha256")
		if b.r.signed != nil {
			payload = b.r.signed.Payload
		}
		if !strings.EqualFold(hex.EncodeToString(b.sha.Sum(nil)), payload) {
			return nil, errSHA256Mismatch
		}
	}
	var trailer map[string]string
	if b.chunked != nil {
		trailer = b.chunked.trailer
	}
	computed, aerr := b.sums.check(trailer)
	if aerr != nil {
		return nil, aerr
	}
	b.computed = computed
	return computed, nil
}

// checkMD5Header rejects a malformed Content-MD5 before the body is read.
func checkMD5Header(r *http.Request) error {
	if m, ok := r.Header["Content-Md5"]; ok {
		if raw, err := base64.StdEncoding.DecodeString(m[0]); err != nil || len(raw) != md5.Size {
			return errInvalidDigest
		}
	}
	return nil
}
