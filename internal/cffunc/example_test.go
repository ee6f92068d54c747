package cffunc_test

import (
	"context"
	"fmt"

	"github.com/cfinv/cfinv/internal/cffunc"
)

// The classic index rewrite on a viewer-request event.
func Example() {
	fn, err := cffunc.Compile(cffunc.Runtime1, []byte(`function handler(event) {
		var request = event.request;
		if (request.uri.endsWith('/')) { request.uri += 'index.html'; }
		console.log('rewrote ' + event.request.uri);
		return request;
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := fn.Run(context.Background(), &cffunc.Event{
		Context: cffunc.Context{EventType: cffunc.ViewerRequest},
		Request: &cffunc.Request{Method: "GET", URI: "/about/"},
	}, cffunc.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Request.URI)
	fmt.Println(res.Logs)
	fmt.Println(res.Output())
	// Output:
	// /about/index.html
	// [rewrote /about/index.html]
	// {"request":{"method":"GET","uri":"/about/index.html","querystring":{},"headers":{},"cookies":{}}}
}

// Code cloudfront-js-1.0 does not support is refused at compile time, as
// CloudFront refuses it at CreateFunction.
func ExampleCompile() {
	_, err := cffunc.Compile(cffunc.Runtime1, []byte("function handler(e) {\n  let r = e.request;\n  return r;\n}"))
	fmt.Println(err)
	// Output:
	// compile function: let (at line 2, column 3) is not supported by cloudfront-js-1.0 (use cloudfront-js-2.0)
}
