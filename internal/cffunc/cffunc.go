// Package cffunc runs CloudFront Functions: JavaScript handler(event)
// functions of the cloudfront-js-1.0 and cloudfront-js-2.0 runtimes, on
// viewer-request and viewer-response events, in goja, a JavaScript engine
// written in Go (no cgo, so cfinv stays one static binary).
//
// Compile checks what CloudFront checks at CreateFunction and
// UpdateFunction (size, syntax, the runtime's language level) and keeps
// the compiled program; Function.Run runs it, on a pooled runtime with a
// fresh global object and top-level scope per event when the code cannot
// change what runs share (pool.go), else in a fresh JavaScript runtime,
// with console.log captured and a compute budget enforced, and returns
// the request or response the handler returned.
//
// What runs, and how it differs from CloudFront's runtime, is in
// docs/emulator.md ("CloudFront Functions").
package cffunc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/token"
)

// Runtimes of CloudFront Functions.
const (
	Runtime1 = "cloudfront-js-1.0"
	Runtime2 = "cloudfront-js-2.0"
)

// MaxCodeSize is the largest function code CloudFront accepts, in bytes
// (Quotas on CloudFront Functions: "Maximum size of a function: 10 KB").
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-functions
const MaxCodeSize = 10 * 1024

// MaxLogBytes is how much console.log output is kept per run: CloudFront
// truncates function logs at 10 KB.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-function-restrictions.html
const MaxLogBytes = 10 * 1024

// DefaultBudget is the wall time a handler may run before it is stopped
// when Limits.Budget is zero. CloudFront's own limit is not published (it
// is reported as ComputeUtilization, a percentage of it, and is about a
// millisecond of its CPU); the emulator's is far larger because it is
// wall time on a shared machine: a function CloudFront runs must not be
// stopped because a loaded laptop descheduled it, while an endless loop
// is still stopped within a second.
const DefaultBudget = time.Second

// ReferenceTime is the run time that ComputeUtilization reports as 100:
// the emulator's stand-in for CloudFront's unpublished per-invocation
// limit. ComputeUtilization = ceil(100 × wall time of handler(event) /
// ReferenceTime), at most 100. It is an estimate on this machine's
// clock, not CloudFront's figure.
const ReferenceTime = time.Millisecond

// Errors, matchable with errors.Is.
var (
	// ErrCodeSize means the code is larger than MaxCodeSize.
	ErrCodeSize = errors.New("function code too large")
	// ErrCompile means the code does not compile, or uses what its
	// runtime does not support; it comes in a *CompileError.
	ErrCompile = errors.New("function code does not compile")
	// ErrRuntime means the runtime is not one of Runtime1 and Runtime2.
	ErrRuntime = errors.New("unknown function runtime")
	// ErrExecution means the handler threw, returned an invalid value or
	// is missing; it comes in an *ExecutionError. CloudFront answers
	// viewers 503 FunctionExecutionError.
	ErrExecution = errors.New("function execution error")
	// ErrBudget means the handler ran past its compute budget and was
	// stopped; it comes in an *ExecutionError. CloudFront answers viewers
	// 503 FunctionThrottledError.
	ErrBudget = errors.New("function exceeded its compute budget")
)

// CompileError says why code was refused.
type CompileError struct {
	Msg string
}

// Error returns the reason.
func (e *CompileError) Error() string { return "compile function: " + e.Msg }

// Unwrap returns ErrCompile.
func (e *CompileError) Unwrap() error { return ErrCompile }

// ExecutionError is a failed run: Msg is what CloudFront's TestFunction
// reports as FunctionErrorMessage.
type ExecutionError struct {
	Msg    string
	Budget bool // the compute budget was exhausted
}

// Error returns Msg.
func (e *ExecutionError) Error() string { return "run function: " + e.Msg }

// Unwrap returns ErrBudget or ErrExecution.
func (e *ExecutionError) Unwrap() error {
	if e.Budget {
		return ErrBudget
	}
	return ErrExecution
}

// Function is compiled code, safe for concurrent Runs.
type Function struct {
	runtime string
	prog    *goja.Program
	imports []string // built-in modules imported (2.0)
	require bool     // the code may call require()
	buffer  bool     // the code may use Buffer (2.0), directly or through crypto
	// wrapped and pool are set when the code is poolable (pool.go).
	wrapped *goja.Program
	pool    chan *vm
}

// Pooled reports whether f's runs reuse prepared runtimes (each run still
// has its own global object and top-level scope), rather than a fresh
// runtime per run: see docs/emulator.md, "CloudFront Functions".
func (f *Function) Pooled() bool { return f.pool != nil }

// Runtime returns the function's runtime.
func (f *Function) Runtime() string { return f.runtime }

// Compile checks code as CloudFront does at CreateFunction and
// UpdateFunction: at most MaxCodeSize bytes, valid JavaScript, and, for
// cloudfront-js-1.0, none of the statements that runtime lacks (const,
// let, async functions, await). It does not run the code.
func Compile(runtime string, code []byte) (*Function, error) {
	if runtime != Runtime1 && runtime != Runtime2 {
		return nil, fmt.Errorf("compile function: runtime %q is not %s or %s: %w", runtime, Runtime1, Runtime2, ErrRuntime)
	}
	if len(code) > MaxCodeSize {
		return nil, fmt.Errorf("compile function: code is %d bytes, over the limit of %d: %w", len(code), MaxCodeSize, ErrCodeSize)
	}
	src := string(code)
	var imports, locals []string
	if runtime == Runtime2 {
		for _, m := range importStmt.FindAllStringSubmatch(src, -1) {
			locals = append(locals, m[1])
		}
		rewritten, used, what := rewriteImports(src)
		if what != "" {
			return nil, &CompileError{Msg: what + " is not supported: the modules are 'cloudfront', 'crypto' and 'querystring'"}
		}
		src = rewritten
		imports = used
	}
	parsed, err := goja.Parse("function.js", src)
	if err != nil {
		return nil, &CompileError{Msg: compileMessage(err)}
	}
	if runtime == Runtime1 {
		if what := es51Violation(parsed, src); what != "" {
			return nil, &CompileError{Msg: what + " is not supported by " + Runtime1 + " (use " + Runtime2 + ")"}
		}
	}
	prog, err := goja.CompileAST(parsed, false)
	if err != nil {
		return nil, &CompileError{Msg: compileMessage(err)}
	}
	f := &Function{runtime: runtime, prog: prog, imports: imports,
		require: strings.Contains(src, "require"),
		buffer:  runtime == Runtime2 && (strings.Contains(src, "Buffer") || strings.Contains(src, "crypto"))}
	if poolable(string(code), parsed, locals) {
		if w, err := goja.Compile("function.js", wrap(src), false); err == nil {
			f.wrapped, f.pool = w, make(chan *vm, poolSize())
		}
	}
	return f, nil
}

func compileMessage(err error) string {
	var se *goja.CompilerSyntaxError
	if errors.As(err, &se) {
		return "SyntaxError: " + se.Message
	}
	return err.Error()
}

// es51Violation returns what in p the 1.0 runtime does not support
// (documented in "JavaScript runtime 1.0 features": "The const and let
// statements are not supported"; async/await came with 2.0), or "".
func es51Violation(p *ast.Program, src string) string {
	var found string
	walkAST(p, func(node any) bool {
		switch n := node.(type) {
		case *ast.LexicalDeclaration:
			if n.Token == token.LET || n.Token == token.CONST {
				found = n.Token.String() + " (at " + position(src, int(n.Idx)) + ")"
			}
		case *ast.FunctionLiteral:
			if n.Async {
				found = "async function (at " + position(src, int(n.Function)) + ")"
			}
		case *ast.ArrowFunctionLiteral:
			if n.Async {
				found = "async arrow function (at " + position(src, int(n.Start)) + ")"
			}
		case *ast.AwaitExpression:
			found = "await (at " + position(src, int(n.Await)) + ")"
		}
		return found == ""
	})
	return found
}

// walkAST calls visit on every node of p, a parent before its children,
// until visit returns false. goja's parser has no visitor: reflection
// reaches every exported field. A node held in an interface field is
// visited twice (as the interface's value and as the pointer in it);
// visit must not mind.
func walkAST(p *ast.Program, visit func(node any) bool) {
	stop := false
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		if stop || !v.IsValid() {
			return
		}
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return
			}
			if !visit(v.Interface()) {
				stop = true
				return
			}
			walk(v.Elem())
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(p))
}

// position renders goja's 1-based byte index as line:column.
func position(src string, idx int) string {
	if idx < 1 || idx > len(src)+1 {
		return "?"
	}
	before := src[:idx-1]
	line := strings.Count(before, "\n") + 1
	col := idx - strings.LastIndex(before, "\n") - 1
	return fmt.Sprintf("line %d, column %d", line, col)
}

// Limits bound a run. The zero value uses the defaults.
type Limits struct {
	// Budget is how long handler(event) may run (DefaultBudget if 0).
	Budget time.Duration
	// KeyValueStores are the stores the function is associated with,
	// read through the cloudfront module's kvs(); not a limit, but the
	// only data a run may read besides its event.
	KeyValueStores []*KeyValueStore
}

// Result is a run's outcome. Exactly one of Request and Response is set
// when Err is nil. Logs and ComputeUtilization are set either way.
type Result struct {
	// Request is the request a viewer-request handler returned.
	Request *Request
	// Response is the response the handler returned (a viewer-request
	// handler's generated response, or a viewer-response handler's).
	Response *Response
	// Logs are the console.log lines, truncated at MaxLogBytes.
	Logs []string
	// ComputeUtilization is 0–100; see ReferenceTime.
	ComputeUtilization int
	// Err is an *ExecutionError when the run failed.
	Err error
}

// Output is the handler's result as TestFunction returns it in
// FunctionOutput: {"request": …} or {"response": …}; "" after an error.
func (r *Result) Output() string {
	var v any
	switch {
	case r.Err != nil:
		return ""
	case r.Request != nil:
		v = struct {
			Request *Request `json:"request"`
		}{r.Request}
	default:
		v = struct {
			Response *Response `json:"response"`
		}{r.Response}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// errStopped is the value a budget or context interrupt carries.
var errStopped = errors.New("stopped")

// Run runs handler(ev) with the event type in ev.Context.EventType (a
// viewer-request event needs ev.Request, a viewer-response event
// ev.Request and ev.Response). ctx's end stops the run as the budget
// does. Run fails only for an event it cannot start (an error it
// returns); a function's failure is in Result.Err.
func (f *Function) Run(ctx context.Context, ev *Event, lim Limits) (*Result, error) {
	switch ev.Context.EventType {
	case ViewerRequest:
		if ev.Request == nil {
			return nil, fmt.Errorf("run function: a %s event needs a request", ViewerRequest)
		}
	case ViewerResponse:
		if ev.Request == nil || ev.Response == nil {
			return nil, fmt.Errorf("run function: a %s event needs a request and a response", ViewerResponse)
		}
	default:
		return nil, fmt.Errorf("run function: event type %q is not %s or %s", ev.Context.EventType, ViewerRequest, ViewerResponse)
	}
	if ev.Version == "" {
		ev.Version = "1.0"
	}
	fillMaps(ev)

	v, err := f.acquire()
	if err != nil {
		return nil, err
	}
	v.logs, v.kvs = &logBuffer{}, lim.KeyValueStores
	res := &Result{}
	start := time.Now()
	stop := watch(ctx, v.rt, lim.Budget)
	o, out, runErr := f.call(v, eventObject(v.rt, ev))
	// A runtime goes back to the pool only if no interrupt can reach it.
	unreached := stop()
	elapsed := time.Since(start)
	res.Logs = v.logs.lines
	if unreached {
		f.release(v)
	}

	res.ComputeUtilization = utilization(elapsed)
	if runErr != nil {
		res.ComputeUtilization, res.Err = stopped(ctx, runErr, res.ComputeUtilization)
		return res, nil
	}
	if err := res.setOutput(ev, o, out); err != nil {
		res.Err = err
	}
	return res, nil
}

// watch interrupts rt when budget (DefaultBudget if 0) runs out or ctx
// ends. The function it returns cancels both and reports whether neither
// fired nor will: only then may rt run again.
func watch(ctx context.Context, rt *goja.Runtime, budget time.Duration) func() bool {
	if budget <= 0 {
		budget = DefaultBudget
	}
	timer := time.AfterFunc(budget, func() { rt.Interrupt(errStopped) })
	stopCtx := context.AfterFunc(ctx, func() { rt.Interrupt(errStopped) })
	return func() bool {
		timerStopped := timer.Stop()
		return stopCtx() && timerStopped
	}
}

// stopped returns the compute utilization of a run that failed with err,
// and its error: an interrupt (watch) is the budget spent (100 %), or the
// cancelled run when ctx ended; any other error is err, utilization as
// measured.
func stopped(ctx context.Context, err error, utilization int) (int, error) {
	var ie *goja.InterruptedError
	switch {
	case !errors.As(err, &ie):
		return utilization, err
	case ctx.Err() != nil:
		return 100, &ExecutionError{Msg: "The run was cancelled: " + ctx.Err().Error()}
	default:
		return 100, &ExecutionError{Budget: true, Msg: "The function exceeded its maximum allowed compute utilization and was stopped"}
	}
}

// eventObject builds ev as a JavaScript object (directly: through
// JSON.parse it cost a quarter of a run).
func eventObject(rt *goja.Runtime, ev *Event) *goja.Object {
	values := func(m map[string]*Value) *goja.Object {
		o := rt.NewObject()
		// In name order, so Object.keys is the same on every run.
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v := m[k]
			if v == nil {
				_ = o.Set(k, goja.Null())
				continue
			}
			_ = o.Set(k, valueObject(rt, v))
		}
		return o
	}
	o := rt.NewObject()
	_ = o.Set("version", ev.Version)
	c := rt.NewObject()
	for _, kv := range [...][2]string{{"distributionDomainName", ev.Context.DistributionDomainName},
		{"distributionId", ev.Context.DistributionID}, {"requestId", ev.Context.RequestID}} {
		if kv[1] != "" {
			_ = c.Set(kv[0], kv[1])
		}
	}
	_ = c.Set("eventType", ev.Context.EventType)
	_ = o.Set("context", c)
	viewer := rt.NewObject()
	_ = viewer.Set("ip", ev.Viewer.IP)
	_ = o.Set("viewer", viewer)
	if q := ev.Request; q != nil {
		r := rt.NewObject()
		_ = r.Set("method", q.Method)
		_ = r.Set("uri", q.URI)
		_ = r.Set("querystring", values(q.Querystring))
		_ = r.Set("headers", values(q.Headers))
		_ = r.Set("cookies", values(q.Cookies))
		_ = o.Set("request", r)
	}
	if p := ev.Response; p != nil {
		r := rt.NewObject()
		_ = r.Set("statusCode", p.StatusCode)
		if p.StatusDescription != "" {
			_ = r.Set("statusDescription", p.StatusDescription)
		}
		_ = r.Set("headers", values(p.Headers))
		_ = r.Set("cookies", values(p.Cookies))
		if p.Body != nil {
			b := rt.NewObject()
			_ = b.Set("encoding", p.Body.Encoding)
			_ = b.Set("data", p.Body.Data)
			_ = r.Set("body", b)
		}
		_ = o.Set("response", r)
	}
	return o
}

func valueObject(rt *goja.Runtime, v *Value) *goja.Object {
	o := rt.NewObject()
	_ = o.Set("value", v.Value)
	if v.Attributes != "" {
		_ = o.Set("attributes", v.Attributes)
	}
	if len(v.MultiValue) > 0 {
		items := make([]any, 0, len(v.MultiValue))
		for _, m := range v.MultiValue {
			if m == nil {
				items = append(items, goja.Null())
				continue
			}
			items = append(items, valueObject(rt, m))
		}
		_ = o.Set("multiValue", rt.NewArray(items...))
	}
	return o
}

// call runs the program, calls handler with the event and returns what
// it returned (a promise is settled first): read directly when it is
// plainly a request or response (readOutput), else as JSON text.
func (f *Function) call(v *vm, evVal goja.Value) (*output, string, error) {
	hv, undo, err := f.handler(v)
	defer undo()
	if err != nil {
		return nil, "", execError(err)
	}
	handler, ok := goja.AssertFunction(hv)
	if !ok {
		return nil, "", &ExecutionError{Msg: "ReferenceError: handler is not defined as a function"}
	}
	ret, err := handler(goja.Undefined(), evVal)
	if err != nil {
		return nil, "", execError(err)
	}
	// ExportType, not Export: Export copies a returned object whole.
	if ret != nil && ret.ExportType() == promiseType {
		p := ret.Export().(*goja.Promise)
		switch p.State() {
		case goja.PromiseStateFulfilled:
			ret = p.Result()
		case goja.PromiseStateRejected:
			return nil, "", &ExecutionError{Msg: p.Result().String()}
		default:
			return nil, "", &ExecutionError{Msg: "The function returned a promise that never settled"}
		}
	}
	if ret == nil || goja.IsUndefined(ret) || goja.IsNull(ret) {
		return nil, "", &ExecutionError{Msg: "The function did not return a request or a response"}
	}
	if o, ok := readOutput(ret); ok {
		return o, "", nil
	}
	s, err := v.stringify(goja.Undefined(), ret)
	if err != nil {
		return nil, "", execError(err)
	}
	if goja.IsUndefined(s) {
		return nil, "", &ExecutionError{Msg: "The function returned a value that is not an object"}
	}
	return nil, s.String(), nil
}

var promiseType = reflect.TypeOf((*goja.Promise)(nil))

// execError turns a goja error into an *ExecutionError, keeping an
// interrupt as it is for Run to recognise.
func execError(err error) error {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		return err
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return &ExecutionError{Msg: "RangeError: Maximum call stack size exceeded"}
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return &ExecutionError{Msg: ex.Value().String()}
	}
	return &ExecutionError{Msg: err.Error()}
}

// output is what a handler returned, either shape: a response has a
// statusCode.
type output struct {
	StatusCode        *int              `json:"statusCode"`
	StatusDescription string            `json:"statusDescription"`
	Body              *Body             `json:"body"`
	Method            string            `json:"method"`
	URI               string            `json:"uri"`
	Querystring       map[string]*Value `json:"querystring"`
	Headers           map[string]*Value `json:"headers"`
	Cookies           map[string]*Value `json:"cookies"`
}

// setOutput checks and keeps what the handler returned: o, or when o is
// nil the JSON text out.
func (r *Result) setOutput(ev *Event, o *output, out string) error {
	invalid := func(why string) error {
		return &ExecutionError{Msg: "The function returned an invalid value: " + why}
	}
	if o == nil {
		o = &output{}
		if err := json.Unmarshal([]byte(out), o); err != nil {
			return invalid(err.Error())
		}
	}
	isResponse := o.StatusCode != nil
	if ev.Context.EventType == ViewerResponse && !isResponse {
		return invalid("a viewer-response function must return a response (an object with statusCode)")
	}
	if isResponse {
		resp := Response{StatusCode: *o.StatusCode, StatusDescription: o.StatusDescription,
			Headers: o.Headers, Cookies: o.Cookies, Body: o.Body}
		if resp.StatusCode < 100 || resp.StatusCode > 599 {
			return invalid(fmt.Sprintf("statusCode %d is not an HTTP status", resp.StatusCode))
		}
		if err := checkValues("header", resp.Headers); err != nil {
			return invalid(err.Error())
		}
		if err := checkValues("cookie", resp.Cookies); err != nil {
			return invalid(err.Error())
		}
		r.Response = &resp
		return nil
	}
	req := Request{Method: o.Method, URI: o.URI, Querystring: o.Querystring, Headers: o.Headers, Cookies: o.Cookies}
	if !strings.HasPrefix(req.URI, "/") {
		return invalid(fmt.Sprintf("uri %q does not start with /", req.URI))
	}
	for _, c := range req.URI {
		if c <= ' ' || c == 0x7f {
			return invalid(fmt.Sprintf("uri %q has a space or control character", req.URI))
		}
	}
	for what, m := range map[string]map[string]*Value{"header": req.Headers, "querystring": req.Querystring, "cookie": req.Cookies} {
		if err := checkValues(what, m); err != nil {
			return invalid(err.Error())
		}
	}
	// The method cannot be changed.
	req.Method = ev.Request.Method
	r.Request = &req
	return nil
}

// checkValues refuses names or values a header line cannot carry.
func checkValues(what string, m map[string]*Value) error {
	for k, v := range m {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") {
			return fmt.Errorf("%s name %q", what, k)
		}
		if v == nil {
			return fmt.Errorf("%s %q has no value", what, k)
		}
		for _, s := range append(v.Values(), v.Value, v.Attributes) {
			if strings.ContainsAny(s, "\r\n\x00") {
				return fmt.Errorf("%s %q has a line break or NUL in its value", what, k)
			}
		}
	}
	return nil
}

// fillMaps makes nil maps empty, as CloudFront always passes objects.
func fillMaps(ev *Event) {
	fill := func(m *map[string]*Value) {
		if *m == nil {
			*m = map[string]*Value{}
		}
	}
	if q := ev.Request; q != nil {
		fill(&q.Querystring)
		fill(&q.Headers)
		fill(&q.Cookies)
	}
	if p := ev.Response; p != nil {
		fill(&p.Headers)
		fill(&p.Cookies)
	}
}

func utilization(d time.Duration) int {
	u := int(math.Ceil(100 * float64(d) / float64(ReferenceTime)))
	return min(max(u, 0), 100)
}

// logBuffer keeps console.log lines up to MaxLogBytes.
type logBuffer struct {
	lines []string
	size  int
	full  bool
}

func (b *logBuffer) add(s string) {
	if b.full {
		return
	}
	if b.size+len(s) > MaxLogBytes {
		s = s[:MaxLogBytes-b.size]
		b.full = true
	}
	b.size += len(s)
	b.lines = append(b.lines, s)
}
