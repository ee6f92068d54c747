package edgecache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// originTarget is where the requests of one origin go.
type originTarget struct {
	base    *url.URL // scheme, host and OriginPath prefix
	rt      http.RoundTripper
	headers [][2]string // OriginCustomHeader pairs
}

// errNoS3Mapping is wrapped when an S3 origin's bucket has no local
// mapping in Proxy.S3Origins.
var errNoS3Mapping = errors.New("no local mapping for S3 bucket")

// target resolves origin o for viewer request r.
func (p *Proxy) target(r *http.Request, o distconfig.Origin) (originTarget, error) {
	t := originTarget{rt: p.transport(), headers: o.CustomHeaders}
	if bucket, ok := distconfig.S3Bucket(o.DomainName); ok {
		loc, ok := p.S3Origins[bucket]
		if !ok && p.S3Buckets != nil {
			t.base = &url.URL{Scheme: "http", Host: bucket, Path: "/" + bucket + o.OriginPath}
			t.rt = bucketOrigin{h: p.S3Buckets, bucket: bucket, endpoint: s3EndpointOf(o.DomainName, bucket)}
			return t, nil
		}
		if !ok {
			return t, fmt.Errorf("resolve origin %s: %w %q (map it with --s3-origin %s=DIR|URL)", o.ID, errNoS3Mapping, bucket, bucket)
		}
		if strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://") {
			u, err := url.Parse(loc)
			if err != nil {
				return t, fmt.Errorf("resolve origin %s: parse %q: %w", o.ID, loc, err)
			}
			u.Path = strings.TrimSuffix(u.Path, "/") + o.OriginPath
			u.RawPath = ""
			t.base = u
			return t, nil
		}
		t.base = &url.URL{Scheme: "http", Host: bucket, Path: o.OriginPath}
		t.rt = dirOrigin{root: loc, prefix: strings.TrimSuffix(o.OriginPath, "/")}
		return t, nil
	}
	scheme := "http"
	switch o.ProtocolPolicy {
	case "https-only":
		scheme = "https"
	case "match-viewer":
		if r.TLS != nil {
			scheme = "https"
		}
	}
	host := o.DomainName
	port := o.HTTPPort
	if scheme == "https" {
		port = o.HTTPSPort
	}
	if (scheme == "http" && port != 80) || (scheme == "https" && port != 443) {
		host = net.JoinHostPort(host, strconv.Itoa(port))
	}
	t.base = &url.URL{Scheme: scheme, Host: host, Path: o.OriginPath}
	return t, nil
}

// url returns the origin URL for an escaped request path and query.
func (t originTarget) url(escapedPath, rawQuery string) *url.URL {
	u := *t.base
	unescaped, err := url.PathUnescape(escapedPath)
	if err != nil {
		unescaped = escapedPath
	}
	u.Path = strings.TrimSuffix(t.base.Path, "/") + unescaped
	u.RawPath = strings.TrimSuffix(t.base.EscapedPath(), "/") + escapedPath
	u.RawQuery = rawQuery
	return &u
}

// dirOrigin serves an S3 bucket from a local directory, as S3 would: GET
// and HEAD of a key return the file with ETag and Last-Modified (so that
// conditional requests get 304), a missing key or a "directory" returns
// 404 NoSuchKey.
//
// It serves only keys under prefix (the origin's OriginPath), and opens
// them with os.OpenInRoot rooted at that prefix's directory, so that no
// path or symlink reaches a file outside it. S3 keys are literal, so a key
// with a "." or ".." segment (which the edge never sends: cleanPath
// removes them) names no file here and gets 404 rather than being
// resolved (issue 10).
type dirOrigin struct {
	root   string
	prefix string // OriginPath without a trailing '/': "" or "/sub"
}

func (d dirOrigin) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	f, err := d.open(req.URL.Path)
	if req.Method != http.MethodGet && req.Method != http.MethodHead || err != nil {
		if f != nil {
			f.Close()
		}
		w := &bufferWriter{h: http.Header{}}
		if err == nil {
			s3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		} else {
			s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		}
		return &http.Response{
			Status: fmt.Sprintf("%d %s", w.code, http.StatusText(w.code)), StatusCode: w.code,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: w.h, Body: io.NopCloser(&w.buf), ContentLength: int64(w.buf.Len()), Request: req,
		}, nil
	}
	// The file is streamed: http.ServeContent (ranges, conditional
	// requests) writes into a pipe that the response body reads, so a
	// fetch holds no more of the file than the pipe's current write, and
	// closing the body (or cancelling the request) stops it (issue 10).
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat %s: %w", req.URL.Path, err)
	}
	etag := fmt.Sprintf(`"%x-%x"`, fi.ModTime().UnixNano(), fi.Size())
	resp, code, pr := streamResponse(req, func(w http.ResponseWriter) {
		defer f.Close()
		w.Header().Set("ETag", etag)
		http.ServeContent(w, req, fi.Name(), fi.ModTime(), f)
	})
	endBodyless(req, resp, code, pr)
	return resp, nil
}

// streamResponse runs serve on its own goroutine, writing into a pipe, and
// returns the response once serve has written its header, with the body
// streaming from the pipe (pr): a fetch holds no more than the pipe's
// current write, and closing the body or cancelling req stops serve.
func streamResponse(req *http.Request, serve func(http.ResponseWriter)) (resp *http.Response, code int, pr *io.PipeReader) {
	pr, pw := io.Pipe()
	w := &pipeWriter{h: http.Header{}, pw: pw, ready: make(chan struct{})}
	ctx := req.Context()
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	go func() {
		defer stop()
		serve(w)
		w.WriteHeader(http.StatusOK) // no-op unless serve wrote nothing
		pw.Close()
	}()
	<-w.ready
	resp = &http.Response{
		Status: strconv.Itoa(w.code) + " " + http.StatusText(w.code), StatusCode: w.code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.sent, Body: pr, ContentLength: -1, Request: req,
	}
	if n, err := strconv.ParseInt(w.sent.Get("Content-Length"), 10, 64); err == nil {
		resp.ContentLength = n
	}
	return resp, w.code, pr
}

// endBodyless closes the body of a streamed response to a HEAD request or
// a 304, which have none.
func endBodyless(req *http.Request, resp *http.Response, code int, pr *io.PipeReader) {
	if req.Method == http.MethodHead || code == http.StatusNotModified {
		pr.Close()
		resp.Body = http.NoBody
		if code == http.StatusNotModified {
			resp.ContentLength = 0
		}
	}
}

// pipeWriter is the http.ResponseWriter of a streamed origin response:
// the header is handed over (as sent) when it is written, the body goes
// into the pipe.
type pipeWriter struct {
	h     http.Header
	sent  http.Header
	code  int
	pw    *io.PipeWriter
	ready chan struct{}
}

func (p *pipeWriter) Header() http.Header { return p.h }

func (p *pipeWriter) WriteHeader(code int) {
	if p.code != 0 {
		return
	}
	p.code, p.sent = code, p.h.Clone()
	close(p.ready)
}

func (p *pipeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return p.pw.Write(b)
}

// open opens the file for the origin request path p ("/sub/key").
func (d dirOrigin) open(p string) (*os.File, error) {
	key, ok := strings.CutPrefix(p, d.prefix+"/")
	if !ok || key == "" || strings.HasSuffix(key, "/") || path.Clean(key) != key || !filepath.IsLocal(key) {
		return nil, fs.ErrNotExist
	}
	root := d.root
	if d.prefix != "" {
		sub := strings.TrimPrefix(d.prefix, "/")
		if path.Clean(sub) != sub || !filepath.IsLocal(sub) {
			return nil, fs.ErrNotExist
		}
		root = filepath.Join(d.root, filepath.FromSlash(sub))
	}
	f, err := os.OpenInRoot(root, key)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fs.ErrNotExist
	}
	return f, nil
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message></Error>", code, msg)
}

// bufferWriter is a minimal in-memory http.ResponseWriter.
type bufferWriter struct {
	h    http.Header
	code int
	buf  bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.h }
func (b *bufferWriter) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.code == 0 {
		b.code = http.StatusOK
	}
	return b.buf.Write(p)
}
