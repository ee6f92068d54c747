package edgecache

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
)

// bucketOrigin sends origin requests to an in-process S3 API handler
// (Proxy.S3Buckets), streaming its response as dirOrigin does. A 404
// NoSuchKey becomes S3's answer to CloudFront for a private bucket: 403
// AccessDenied.
type bucketOrigin struct{ h http.Handler }

// maxErrorPeek bounds how much of a 404 body is read to tell NoSuchKey
// from NoSuchBucket.
const maxErrorPeek = 4 << 10

func (b bucketOrigin) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	r := req.Clone(req.Context())
	r.Body = http.NoBody
	r.RequestURI = r.URL.RequestURI()
	pr, pw := io.Pipe()
	w := &pipeWriter{h: http.Header{}, pw: pw, ready: make(chan struct{})}
	ctx := req.Context()
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	go func() {
		defer stop()
		b.h.ServeHTTP(w, r)
		w.WriteHeader(http.StatusOK) // no-op unless the handler wrote nothing
		pw.Close()
	}()
	<-w.ready
	resp := &http.Response{
		Status: strconv.Itoa(w.code) + " " + http.StatusText(w.code), StatusCode: w.code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.sent, Body: pr, ContentLength: -1, Request: req,
	}
	if n, err := strconv.ParseInt(w.sent.Get("Content-Length"), 10, 64); err == nil {
		resp.ContentLength = n
	}
	if w.code == http.StatusNotFound {
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
	if req.Method == http.MethodHead || w.code == http.StatusNotModified {
		pr.Close()
		resp.Body = http.NoBody
		if w.code == http.StatusNotModified {
			resp.ContentLength = 0
		}
	}
	return resp, nil
}
