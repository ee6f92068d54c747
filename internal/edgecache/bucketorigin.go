package edgecache

import (
	"bytes"
	"io"
	"net/http"
)

// bucketOrigin sends origin requests to an in-process S3 API handler
// (Proxy.S3Buckets), streaming its response as dirOrigin does. A 404
// NoSuchKey becomes S3's answer to CloudFront for a private bucket: 403
// AccessDenied. A bucket of another region than the one endpoint names
// gets S3's answer for that (s3Endpoint.wrongRegion).
type bucketOrigin struct {
	h        http.Handler
	bucket   string
	endpoint s3Endpoint
}

// maxErrorPeek bounds how much of a 404 body is read to tell NoSuchKey
// from NoSuchBucket.
const maxErrorPeek = 4 << 10

func (b bucketOrigin) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	if b.endpoint.checked {
		if lc, ok := locationConstraint(req.Context(), b.h, b.bucket); ok {
			if resp := b.endpoint.wrongRegion(req, b.bucket, lc); resp != nil {
				return resp, nil
			}
		}
	}
	r := req.Clone(req.Context())
	r.Body = http.NoBody
	r.RequestURI = r.URL.RequestURI()
	resp, code, pr := streamResponse(req, func(w http.ResponseWriter) { b.h.ServeHTTP(w, r) })
	if code == http.StatusNotFound {
		peek, _ := io.ReadAll(io.LimitReader(pr, maxErrorPeek))
		pr.Close()
		if req.Method == http.MethodHead || bytes.Contains(peek, []byte("<Code>NoSuchKey</Code>")) {
			eb := &bufferWriter{h: http.Header{}}
			s3Error(eb, http.StatusForbidden, "AccessDenied", "Access Denied")
			if req.Method == http.MethodHead {
				eb.buf.Reset()
			}
			return &http.Response{
				Status: "403 Forbidden", StatusCode: http.StatusForbidden,
				Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header: eb.h, Body: io.NopCloser(&eb.buf), ContentLength: int64(eb.buf.Len()), Request: req,
			}, nil
		}
		resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(peek)), int64(len(peek))
		return resp, nil
	}
	endBodyless(req, resp, code, pr)
	return resp, nil
}
