package cffunc

import (
	"testing"
	"time"
)

// BenchmarkRun is one viewer-request run of the index rewrite: on a
// pooled runtime, a new global object and top-level scope, the event
// built as JavaScript objects, the returned request read back.
func BenchmarkRun(b *testing.B) {
	f, err := Compile(Runtime1, []byte(indexRewrite))
	if err != nil {
		b.Fatal(err)
	}
	ev := viewerRequest("/about/")
	for b.Loop() {
		res, err := f.Run(b.Context(), ev, Limits{Budget: time.Minute})
		if err != nil || res.Err != nil {
			b.Fatal(err, res.Err)
		}
	}
}

// BenchmarkCompile is what a publish costs once.
func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		if _, err := Compile(Runtime1, []byte(indexRewrite)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunCrypto is a 2.0 run that checks an HMAC with crypto and
// Buffer: what setting up the modules and Buffer adds to a run.
func BenchmarkRunCrypto(b *testing.B) {
	f, err := Compile(Runtime2, []byte(`import crypto from 'crypto';
function handler(event) {
	const mac = crypto.createHmac('sha256', 'secret').update(event.request.uri).digest();
	if (!mac.equals(Buffer.from('00', 'hex'))) {
		event.request.headers['x-mac'] = {value: mac.toString('hex')};
	}
	return event.request;
}`))
	if err != nil {
		b.Fatal(err)
	}
	ev := viewerRequest("/about/")
	for b.Loop() {
		res, err := f.Run(b.Context(), ev, Limits{Budget: time.Minute})
		if err != nil || res.Err != nil {
			b.Fatal(err, res.Err)
		}
	}
}

// BenchmarkRunViewerResponse is one viewer-response run of a function
// adding five security headers to a cache hit's response (the headers
// of an edge hit), as bench/edgefn's /resp/* behaviour runs it.
func BenchmarkRunViewerResponse(b *testing.B) {
	f, err := Compile(Runtime2, []byte(`function handler(event) {
    const response = event.response;
    const headers = response.headers;
    headers['strict-transport-security'] = {value: 'max-age=63072000; includeSubdomains; preload'};
    headers['x-content-type-options'] = {value: 'nosniff'};
    headers['x-frame-options'] = {value: 'DENY'};
    headers['x-xss-protection'] = {value: '1; mode=block'};
    headers['referrer-policy'] = {value: 'same-origin'};
    return response;
}`))
	if err != nil {
		b.Fatal(err)
	}
	ev := viewerResponse("/about/index.html", 200)
	for k, v := range map[string]string{"accept-ranges": "bytes", "age": "12", "cache-control": "max-age=3600",
		"content-length": "1024", "date": "Sun, 06 Dec 2026 12:00:00 GMT",
		"via":         "1.1 9f7332fd895e9c614db9d4e66608a8f1.cloudfront.net (CloudFront)",
		"x-amz-cf-id": "aeDH-_ZWMiYqEkwxh0wSqt-iF1PsFPh5Gh8VilSLKo59Ua2i4eaLEw==", "x-amz-cf-pop": "LCL50-C1",
		"x-cache": "Hit from cloudfront"} {
		ev.Response.Headers[k] = &Value{Value: v}
	}
	ev.Request.Headers["user-agent"] = &Value{Value: "Go-http-client/1.1"}
	ev.Request.Headers["accept-encoding"] = &Value{Value: "gzip"}
	for b.Loop() {
		res, err := f.Run(b.Context(), ev, Limits{Budget: time.Minute})
		if err != nil || res.Err != nil {
			b.Fatal(err, res.Err)
		}
	}
}
