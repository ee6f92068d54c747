package s3api

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cfinv/cfinv/internal/s3store"
)

// putHeaders reads the headers and user metadata PutObject stores.
func putHeaders(r *http.Request) (headers, meta map[string]string) {
	headers = map[string]string{}
	for _, h := range s3store.StoredHeaders {
		if v := r.Header.Get(h); v != "" {
			headers[h] = v
		}
	}
	if ce, ok := headers["Content-Encoding"]; ok {
		// aws-chunked is how the body was sent, not how it is stored.
		var kept []string
		for _, e := range strings.Split(ce, ",") {
			if e = strings.TrimSpace(e); e != "" && e != "aws-chunked" {
				kept = append(kept, e)
			}
		}
		if len(kept) == 0 {
			delete(headers, "Content-Encoding")
		} else {
			headers["Content-Encoding"] = strings.Join(kept, ",")
		}
	}
	for name, vs := range r.Header {
		if n, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-meta-"); ok {
			if meta == nil {
				meta = map[string]string{}
			}
			meta[n] = strings.Join(vs, ",")
		}
	}
	return headers, meta
}

func (s *Server) putObject(w http.ResponseWriter, r *request) error {
	if err := checkMD5Header(r.Request); err != nil {
		return err
	}
	st, body, err := s.bodyState(r)
	if err != nil {
		return err
	}
	enc, err := s.requestEncryption(r)
	if err != nil {
		return err
	}
	headers, meta := putHeaders(r.Request)
	o, err := s.Store.PutObject(r.bucket, r.key, body, s3store.PutInput{Headers: headers, Meta: meta, Verify: st.verify, Encryption: enc})
	if err != nil {
		return err
	}
	encryptionHeaders(w.Header(), o.Encryption)
	for alg, v := range st.computed {
		w.Header().Set("X-Amz-Checksum-"+alg, v)
	}
	w.Header().Set("ETag", o.ETag)
	w.WriteHeader(http.StatusOK)
	return nil
}

// objectHeaders sets the headers GetObject and HeadObject answer with.
func objectHeaders(w http.ResponseWriter, r *request, o *s3store.Object) {
	h := w.Header()
	h.Set("ETag", o.ETag)
	h.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Type", "binary/octet-stream")
	for k, v := range o.Headers {
		h.Set(k, v)
	}
	for k, v := range o.Meta {
		h["x-amz-meta-"+k] = []string{v}
	}
	encryptionHeaders(h, o.Encryption)
	if strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		if len(o.Checksums) > 0 {
			typ := o.ChecksumType
			if typ == "" {
				typ = checksumFullObject
			}
			h.Set("X-Amz-Checksum-Type", typ)
		}
		for alg, v := range o.Checksums {
			h.Set("X-Amz-Checksum-"+alg, v)
		}
	}
	q := r.URL.Query()
	for param, header := range map[string]string{
		"response-content-type": "Content-Type", "response-content-language": "Content-Language",
		"response-expires": "Expires", "response-cache-control": "Cache-Control",
		"response-content-disposition": "Content-Disposition", "response-content-encoding": "Content-Encoding",
	} {
		if v := q.Get(param); v != "" {
			h.Set(header, v)
		}
	}
}

// checkConditions applies If-Match, If-None-Match, If-Modified-Since and
// If-Unmodified-Since as S3 does; it returns 0 to go on, or the status to
// answer (304, or 412 as an error).
func checkConditions(r *http.Request, o *s3store.Object) (int, error) {
	return conditions(r.Header, "", o)
}

// copySourceConditions checks a copy's x-amz-copy-source-if-* headers
// against its source: they are GET's conditions, but a 304 is a 412
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html).
func copySourceConditions(h http.Header) func(*s3store.Object) error {
	return func(o *s3store.Object) error {
		status, err := conditions(h, "X-Amz-Copy-Source-", o)
		if err == nil && status == http.StatusNotModified {
			err = errPrecondition
		}
		return err
	}
}

// conditions evaluates the If-Match, If-Unmodified-Since, If-None-Match
// and If-Modified-Since headers, each name after prefix, as S3 does: a
// matching If-Match overrides a failing If-Unmodified-Since, and a failing
// If-None-Match decides over If-Modified-Since.
func conditions(h http.Header, prefix string, o *s3store.Object) (int, error) {
	etagMatch := func(list string) bool {
		for _, e := range strings.Split(list, ",") {
			e = strings.TrimSpace(e)
			if e == "*" || strings.Trim(e, `"`) == strings.Trim(o.ETag, `"`) {
				return true
			}
		}
		return false
	}
	mod := o.LastModified.Truncate(time.Second)
	im := h.Get(prefix + "If-Match")
	if im != "" && !etagMatch(im) {
		return 0, errPrecondition
	}
	if ius := h.Get(prefix + "If-Unmodified-Since"); ius != "" && im == "" {
		if t, err := http.ParseTime(ius); err == nil && mod.After(t) {
			return 0, errPrecondition
		}
	}
	inm := h.Get(prefix + "If-None-Match")
	if inm != "" && etagMatch(inm) {
		return http.StatusNotModified, nil
	}
	if ims := h.Get(prefix + "If-Modified-Since"); ims != "" && inm == "" {
		if t, err := http.ParseTime(ims); err == nil && !mod.After(t) {
			return http.StatusNotModified, nil
		}
	}
	return 0, nil
}

func (s *Server) getObject(w http.ResponseWriter, r *request) error {
	var (
		o   *s3store.Object
		f   io.ReadSeekCloser
		err error
	)
	if r.Method == http.MethodHead {
		o, err = s.Store.HeadObject(r.bucket, r.key)
	} else {
		o, f, err = s.Store.GetObject(r.bucket, r.key)
	}
	if err != nil {
		return err
	}
	if f != nil {
		defer f.Close()
	}
	status, err := checkConditions(r.Request, o)
	if err != nil {
		return err
	}
	if status == http.StatusNotModified {
		h := w.Header()
		h.Set("ETag", o.ETag)
		h.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	start, length := int64(0), o.Size
	status = http.StatusOK
	if rh := r.Header.Get("Range"); rh != "" {
		rs, re, ok, err := parseRange(rh, o.Size)
		if err != nil {
			w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(o.Size, 10))
			return err
		}
		if ok {
			start, length, status = rs, re-rs+1, http.StatusPartialContent
			w.Header().Set("Content-Range", "bytes "+strconv.FormatInt(rs, 10)+"-"+strconv.FormatInt(re, 10)+"/"+strconv.FormatInt(o.Size, 10))
		}
	}
	objectHeaders(w, r, o)
	if status == http.StatusPartialContent {
		// A part's checksum is not the object's.
		for alg := range o.Checksums {
			w.Header().Del("X-Amz-Checksum-" + alg)
		}
		w.Header().Del("X-Amz-Checksum-Type")
	}
	w.Header().Set("Content-Length", strconv.FormatInt(length, 10))
	w.WriteHeader(status)
	if f == nil {
		return nil
	}
	if start > 0 {
		if _, err := f.Seek(start, io.SeekStart); err != nil {
			return nil // headers are sent: nothing better to do than stop
		}
	}
	io.CopyN(w, f, length)
	return nil
}

func (s *Server) deleteObject(w http.ResponseWriter, r *request) error {
	if err := s.Store.DeleteObject(r.bucket, r.key); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type deleteRequest struct {
	Quiet   bool `xml:"Quiet"`
	Objects []struct {
		Key string `xml:"Key"`
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName xml.Name        `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
	Deleted []deletedObject `xml:"Deleted"`
	Errors  []deleteError   `xml:"Error"`
}

type deletedObject struct {
	Key string `xml:"Key"`
}

type deleteError struct {
	Key     string `xml:"Key"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

func (s *Server) deleteObjects(w http.ResponseWriter, r *request) error {
	if _, err := s.Store.HeadBucket(r.bucket); err != nil {
		return err
	}
	var in deleteRequest
	if err := s.readXML(r, &in); err != nil {
		return err
	}
	if len(in.Objects) == 0 || len(in.Objects) > 1000 {
		return errMalformedXML
	}
	var out deleteResult
	for _, o := range in.Objects {
		if err := s.Store.DeleteObject(r.bucket, o.Key); err != nil {
			ae := storeError(err)
			out.Errors = append(out.Errors, deleteError{Key: o.Key, Code: ae.Code, Message: ae.Message})
			continue
		}
		if !in.Quiet {
			out.Deleted = append(out.Deleted, deletedObject{Key: o.Key})
		}
	}
	return writeXML(w, out)
}

// copySource parses x-amz-copy-source: "[/]BUCKET/KEY[?versionId=…]",
// URL-encoded.
func copySource(v string) (bucket, key string, err error) {
	v, _, _ = strings.Cut(v, "?")
	dec, uerr := url.PathUnescape(v)
	if uerr != nil {
		return "", "", errInvalidArgument("Invalid copy source encoding: " + v)
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(dec, "/"), "/")
	if !ok || bucket == "" || key == "" {
		return "", "", errInvalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey, not " + v)
	}
	return bucket, key, nil
}

type copyResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyObjectResult"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
}

func (s *Server) copyObject(w http.ResponseWriter, r *request) error {
	sb, sk, err := copySource(r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	var in *s3store.PutInput
	switch d := r.Header.Get("X-Amz-Metadata-Directive"); d {
	case "", "COPY":
		// A copy onto itself that changes the encryption is allowed.
		if sb == r.bucket && sk == r.key && r.Header.Get(hdrSSE) == "" {
			return errInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		}
	case "REPLACE":
		headers, meta := putHeaders(r.Request)
		in = &s3store.PutInput{Headers: headers, Meta: meta}
	default:
		return errInvalidArgument("Unknown metadata directive: " + d + " (want COPY or REPLACE)")
	}
	enc, err := s.requestEncryption(r)
	if err != nil {
		return err
	}
	maxCopy := s.MaxCopySize
	if maxCopy == 0 {
		maxCopy = DefaultMaxCopySize
	}
	conds := copySourceConditions(r.Header)
	check := func(o *s3store.Object) error {
		if o.Size > maxCopy {
			return errInvalidRequest("The specified copy source is larger than the maximum allowable size for a copy source: " + strconv.FormatInt(maxCopy, 10))
		}
		return conds(o)
	}
	o, err := s.Store.CopyObject(sb, sk, r.bucket, r.key, in, enc, check)
	if err != nil {
		return err
	}
	encryptionHeaders(w.Header(), o.Encryption)
	return writeXML(w, copyResult{LastModified: isoTime(o.LastModified), ETag: o.ETag})
}

// isoTime formats t as S3's XML does.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
