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
