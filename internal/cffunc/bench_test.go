package cffunc

import (
	"testing"
	"time"
)

// BenchmarkRun is one viewer-request run of the index rewrite: a fresh
// JavaScript runtime, the program run, the event in and out as JSON.
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
