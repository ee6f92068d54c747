package cffunc

import (
	"encoding/json"
	"testing"

	"github.com/dop251/goja"
	"github.com/google/go-cmp/cmp"
)

// TestReadOutputAsJSON: reading a handler's value directly gives what
// JSON.stringify and encoding/json give, or declines.
func TestReadOutputAsJSON(t *testing.T) {
	tests := []struct {
		name     string
		expr     string
		declines bool
	}{
		{name: "request", expr: `({method: 'GET', uri: '/a/index.html', querystring: {a: {value: '1', multiValue: [{value: '1'}, {value: '2'}]}}, headers: {host: {value: 'x'}}, cookies: {}})`},
		{name: "response", expr: `({statusCode: 302, statusDescription: 'Found', headers: {location: {value: '/b'}}, cookies: {id: {value: '1', attributes: 'Path=/'}}})`},
		{name: "undefined members left out", expr: `({uri: '/a', method: undefined, headers: {x: undefined, y: {value: 'v', attributes: undefined}}})`},
		{name: "integral float status", expr: `({statusCode: 2e2})`},
		{name: "empty multiValue", expr: `({uri: '/', headers: {x: {value: 'v', multiValue: []}}})`},
		{name: "non-integral status", expr: `({statusCode: 200.5})`, declines: true},
		{name: "string status", expr: `({statusCode: '200'})`, declines: true},
		{name: "null status", expr: `({statusCode: null, uri: '/'})`, declines: true},
		{name: "null header", expr: `({uri: '/', headers: {x: null}})`, declines: true},
		{name: "number value", expr: `({uri: '/', headers: {x: {value: 5}}})`, declines: true},
		{name: "upper-case member", expr: `({URI: '/x'})`, declines: true},
		{name: "unknown member", expr: `({uri: '/x', clientIp: '1.2.3.4'})`, declines: true},
		{name: "body", expr: `({statusCode: 200, body: 'hi'})`, declines: true},
		{name: "toJSON", expr: `({uri: '/x', toJSON: function () { return {uri: '/y'}; }})`, declines: true},
		{name: "String object", expr: `({uri: new String('/x')})`, declines: true},
		{name: "lone surrogate", expr: `({uri: '/x\uD800'})`, declines: true},
		{name: "array", expr: `([1])`, declines: true},
		{name: "getter", expr: `({get uri() { return '/g'; }})`},
		{name: "throwing getter", expr: `({get uri() { throw new Error('no'); }})`, declines: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := goja.New()
			v, err := rt.RunString(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := readOutput(v)
			if ok == tt.declines {
				t.Fatalf("readOutput ok = %v, want %v", ok, !tt.declines)
			}
			if !ok {
				return
			}
			js, err := rt.RunString("JSON.stringify(" + tt.expr + ")")
			if err != nil {
				t.Fatal(err)
			}
			var want output
			if err := json.Unmarshal([]byte(js.String()), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("readOutput differs from JSON (-json +read):\n%s", diff)
			}
		})
	}
}
