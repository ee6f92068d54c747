package cffunc

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The cloudfront module's key value store helpers (issue 26 item 1):
// get in each format, exists, meta, a missing key, cf.kvs(id).
func TestKeyValueStore(t *testing.T) {
	created := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	store := &KeyValueStore{ID: "a1b2c3d4-0000-4000-8000-000000000001", Created: created, Modified: created.Add(time.Hour),
		Items: map[string]string{"/old": "/new", "cfg": `{"n":2}`, "bin": "AB"}}
	logResult := func(expr string) string {
		return `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
	const v = await (` + expr + `);
	console.log(typeof v === 'string' ? v : JSON.stringify(v));
	return event.request;
}`
	}
	tests := []struct {
		name    string
		code    string
		stores  []*KeyValueStore
		wantLog string
		wantErr string // FunctionErrorMessage
	}{
		{name: "get as string (default)", code: logResult(`kvs.get('/old')`), wantLog: "/new"},
		{name: "get as string", code: logResult(`kvs.get('/old', {format: 'string'})`), wantLog: "/new"},
		{name: "get as json", code: logResult(`kvs.get('cfg', {format: 'json'}).then(o => o.n + 1)`), wantLog: "3"},
		{name: "get as bytes", code: logResult(`kvs.get('bin', {format: 'bytes'}).then(b => b.length + ':' + b[0])`), wantLog: "2:65"},
		{name: "exists", code: logResult(`kvs.exists('/old').then(a => kvs.exists('/nope').then(b => a + ',' + b))`), wantLog: "true,false"},
		{name: "meta", code: logResult(`kvs.meta()`),
			wantLog: `{"creationDateTime":"2026-12-01T10:00:00Z","lastUpdatedDateTime":"2026-12-01T11:00:00Z","keyCount":3}`},
		{name: "kvs by id", code: `import cf from "cloudfront"
async function handler(event) {
	console.log(await cf.kvs('a1b2c3d4-0000-4000-8000-000000000001').get('/old'));
	return event.request;
}`, wantLog: "/new"},
		{name: "missing key caught", code: logResult(`kvs.get('/missing').catch(e => 'caught ' + e.message)`),
			wantLog: "caught KeyNotFound: the key /missing does not exist in the key value store"},
		{name: "missing key thrown", code: logResult(`kvs.get('/missing')`),
			wantErr: "Error: KeyNotFound: the key /missing does not exist in the key value store"},
		{name: "value not json", code: logResult(`kvs.get('/old', {format: 'json'})`), wantErr: "SyntaxError"},
		{name: "no store associated", code: logResult(`kvs.get('/old')`), stores: []*KeyValueStore{},
			wantErr: "TypeError: kvs: the function is not associated with a key value store"},
		{name: "unknown id", code: `import cf from 'cloudfront';
function handler(event) { cf.kvs('other'); return event.request; }`,
			wantErr: "TypeError: kvs: the function is not associated with a key value store with ID other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Compile(Runtime2, []byte(tt.code))
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			stores := tt.stores
			if stores == nil {
				stores = []*KeyValueStore{store}
			}
			res, err := f.Run(t.Context(), viewerRequest("/old"), Limits{KeyValueStores: stores})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if tt.wantErr != "" {
				var ee *ExecutionError
				if !errors.As(res.Err, &ee) || !strings.Contains(ee.Msg, tt.wantErr) {
					t.Fatalf("got error %v, want one with %q", res.Err, tt.wantErr)
				}
				return
			}
			if res.Err != nil {
				t.Fatalf("run failed: %v (logs %q)", res.Err, res.Logs)
			}
			if diff := cmp.Diff([]string{tt.wantLog}, res.Logs); diff != "" {
				t.Errorf("logs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompileImports(t *testing.T) {
	tests := []struct {
		name, runtime, code, wantErr string
	}{
		{name: "cloudfront in 2.0", runtime: Runtime2, code: "import cf from 'cloudfront';\nfunction handler(e) { return e.request; }"},
		{name: "crypto and querystring in 2.0", runtime: Runtime2, code: "import crypto from 'crypto';\nimport qs from \"querystring\"\nfunction handler(e) { return e.request; }"},
		{name: "other module", runtime: Runtime2, code: "import fs from 'fs';\nfunction handler(e) { return e.request; }",
			wantErr: "compile function: import of module 'fs' is not supported: the modules are 'cloudfront', 'crypto' and 'querystring'"},
		{name: "named import", runtime: Runtime2, code: "import { kvs } from 'cloudfront';\nfunction handler(e) { return e.request; }",
			wantErr: "compile function: this form of import (only `import name from 'module'`) is not supported: the modules are 'cloudfront', 'crypto' and 'querystring'"},
		{name: "import in 1.0", runtime: Runtime1, code: "import cf from 'cloudfront';\nfunction handler(e) { return e.request; }",
			wantErr: "compile function: SyntaxError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.runtime, []byte(tt.code))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Compile: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}
