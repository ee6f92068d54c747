package cffunc

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// runOut runs f on a viewer request for uri and returns the x-out
// header the handler set.
func runOut(t *testing.T, f *Function, uri string, lim Limits) string {
	t.Helper()
	if lim.Budget == 0 {
		lim.Budget = time.Minute
	}
	res, err := f.Run(t.Context(), viewerRequest(uri), lim)
	if err != nil {
		t.Fatal(err)
	}
	if res.Err != nil {
		t.Fatalf("run %s: %v", uri, res.Err)
	}
	if v := res.Request.Headers["x-out"]; v != nil {
		return v.Value
	}
	return ""
}

// TestRunNoStateBetweenRuns: what one run sets (a global, a top-level
// variable, a property of globalThis or of a built-in object) is not
// seen by the next run, whether the function runs on pooled runtimes
// (a fresh global object and top-level scope per run) or not (issue 26).
func TestRunNoStateBetweenRuns(t *testing.T) {
	tests := []struct {
		name    string
		runtime string
		code    string
		pooled  bool
	}{
		{
			name: "implicit global", runtime: Runtime1, pooled: true,
			code: `function handler(e) { n = (typeof n === 'undefined' ? 0 : n) + 1;
				e.request.headers['x-out'] = {value: String(n)}; return e.request; }`,
		},
		{
			name: "this at the top level and in a sloppy function", runtime: Runtime1, pooled: true,
			code: `this.a = (this.a || 0) + 1;
				function handler(e) { this.b = (this.b || 0) + 1;
				e.request.headers['x-out'] = {value: String(this.a + this.b)}; return e.request; }`,
		},
		{
			name: "top-level var", runtime: Runtime1, pooled: true,
			code: `var n = 0; function handler(e) { n++; e.request.headers['x-out'] = {value: String(n)}; return e.request; }`,
		},
		{
			name: "top-level let and const", runtime: Runtime2, pooled: true,
			code: `const seen = []; let n = 1;
				function handler(e) { seen.push(e.request.uri); n += seen.length;
				e.request.headers['x-out'] = {value: String(n)}; return e.request; }`,
		},
		{
			name: "closure over a top-level object", runtime: Runtime2, pooled: true,
			code: `const cache = {};
				async function handler(e) { cache.n = (cache.n || 0) + 1;
				e.request.headers['x-out'] = {value: String(cache.n)}; return e.request; }`,
		},
		{
			name: "globalThis", runtime: Runtime2,
			code: `function handler(e) { globalThis.n = (globalThis.n || 0) + 1;
				e.request.headers['x-out'] = {value: String(globalThis.n)}; return e.request; }`,
		},
		{
			name: "a built-in object", runtime: Runtime1,
			code: `function handler(e) { Math.n = (Math.n || 0) + 1;
				e.request.headers['x-out'] = {value: String(Math.n)}; return e.request; }`,
		},
		{
			name: "a built-in prototype", runtime: Runtime1,
			code: `function handler(e) { var p = Object.getPrototypeOf([]); p.n = (p.n || 0) + 1;
				e.request.headers['x-out'] = {value: String([].n)}; return e.request; }`,
		},
		{
			name: "a method of a built-in prototype", runtime: Runtime1,
			code: `function handler(e) { var f = e.request.uri.endsWith; f.n = (f.n || 0) + 1;
				e.request.headers['x-out'] = {value: String(f.n)}; return e.request; }`,
		},
		{
			name: "an imported module", runtime: Runtime2,
			code: `import qs from 'querystring';
				function handler(e) { var m = qs; m.n = (m.n || 0) + 1;
				e.request.headers['x-out'] = {value: String(m.n)}; return e.request; }`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Compile(tt.runtime, []byte(tt.code))
			if err != nil {
				t.Fatal(err)
			}
			if f.Pooled() != tt.pooled {
				t.Errorf("Pooled() = %v, want %v", f.Pooled(), tt.pooled)
			}
			var got []string
			for i := range 3 {
				got = append(got, runOut(t, f, fmt.Sprintf("/p%d", i), Limits{}))
			}
			first := got[0]
			if diff := cmp.Diff([]string{first, first, first}, got); diff != "" {
				t.Errorf("outputs of three runs differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRunBudgetPooled: a pooled function stopped by its budget answers
// ErrBudget every time, and the runs after it are not stopped by an
// interrupt left behind.
func TestRunBudgetPooled(t *testing.T) {
	f, err := Compile(Runtime1, []byte(`function handler(e) {
		if (e.request.uri === '/loop') { while (true) {} }
		e.request.headers['x-out'] = {value: 'ok'}; return e.request; }`))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Pooled() {
		t.Fatal("the function is not pooled")
	}
	for i := range 3 {
		res, err := f.Run(t.Context(), viewerRequest("/loop"), Limits{Budget: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(res.Err, ErrBudget) || res.ComputeUtilization != 100 {
			t.Fatalf("loop %d: err %v, utilization %d; want ErrBudget and 100", i, res.Err, res.ComputeUtilization)
		}
		if got := runOut(t, f, "/ok", Limits{}); got != "ok" {
			t.Fatalf("run after loop %d: x-out = %q, want ok", i, got)
		}
	}
}

// TestRunConcurrentPooled: runs of one pooled function from many
// goroutines each see their own event, logs and key value stores (run
// with -race).
func TestRunConcurrentPooled(t *testing.T) {
	f, err := Compile(Runtime2, []byte(`import cf from 'cloudfront';
		async function handler(e) {
			const v = await cf.kvs().get('k');
			console.log('uri ' + e.request.uri);
			e.request.headers['x-out'] = {value: e.request.uri + ' ' + v};
			return e.request;
		}`))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Pooled() {
		t.Fatal("the function is not pooled")
	}
	const workers, runs = 8, 40
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			store := []*KeyValueStore{{ID: "kvs", Items: map[string]string{"k": fmt.Sprintf("v%d", w)}}}
			for i := range runs {
				uri := fmt.Sprintf("/w%d/%d", w, i)
				res, err := f.Run(t.Context(), viewerRequest(uri), Limits{Budget: time.Minute, KeyValueStores: store})
				if err == nil {
					err = res.Err
				}
				if err != nil {
					errs <- err
					return
				}
				want := fmt.Sprintf("%s v%d", uri, w)
				if got := res.Request.Headers["x-out"].Value; got != want {
					errs <- fmt.Errorf("x-out = %q, want %q", got, want)
					return
				}
				if diff := cmp.Diff([]string{"uri " + uri}, res.Logs); diff != "" {
					errs <- fmt.Errorf("logs of %s (-want +got):\n%s", uri, diff)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
