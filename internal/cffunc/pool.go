package cffunc

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/token"
)

// Runtimes are reused (issue 26: a run used to build a JavaScript runtime,
// its console and modules, and run the program, for every event). A
// Function whose code can only reach objects of its own run keeps a
// bounded pool of prepared runtimes: console, eval, Buffer and the
// imported modules set up once per runtime, and the program run once per
// runtime as a wrapper function,
//
//	(function(){ <code>
//	return handler })
//
// called for every event, so the top-level declarations (var, let,
// const, function) are new on each run. Each run also gets its own global
// object, whose prototype is the runtime's: a global the code creates or
// assigns (`count = 1`, `this.x = 1`) is on it and gone at the next run.
// What the runs of a runtime share is the built-in objects (Array,
// Object.prototype, Math, JSON…), Buffer and the imported modules; a
// Function is pooled only when its code cannot get a reference to one of
// them other than to call it (poolable below). Any other code runs as
// before, in a fresh runtime per event.

// vm is a JavaScript runtime prepared for one Function.
type vm struct {
	rt     *goja.Runtime
	global *goja.Object // the runtime's global object: built-ins and setup
	// main is the wrapper of a pooled Function: it returns handler.
	main      goja.Callable
	stringify goja.Callable
	// The run under way's console.log lines and key value stores.
	logs *logBuffer
	kvs  []*KeyValueStore
}

// poolSize bounds the runtimes a pooled Function keeps idle.
func poolSize() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// newVM prepares a runtime for f.
func (f *Function) newVM() (*vm, error) {
	rt := goja.New()
	rt.SetMaxCallStackSize(1000)
	v := &vm{rt: rt}
	console := rt.NewObject()
	for _, name := range []string{"log", "info", "warn", "error", "debug"} {
		_ = console.Set(name, func(call goja.FunctionCall) goja.Value {
			parts := make([]string, len(call.Arguments))
			for i, a := range call.Arguments {
				parts[i] = a.String()
			}
			v.logs.add(strings.Join(parts, " "))
			return goja.Undefined()
		})
	}
	_ = rt.Set("console", console)
	if err := f.setModules(v); err != nil {
		return nil, err
	}
	// Restricted features: no dynamic code evaluation.
	// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-20.html#writing-functions-javascript-features-restricted-features-20
	_ = rt.Set("eval", func(goja.FunctionCall) goja.Value {
		panic(rt.NewTypeError("eval is not supported: CloudFront Functions do not evaluate code dynamically"))
	})
	v.global = rt.GlobalObject()
	v.stringify, _ = goja.AssertFunction(v.global.Get("JSON").ToObject(rt).Get("stringify"))
	if f.wrapped != nil {
		m, err := rt.RunProgram(f.wrapped)
		if err != nil {
			return nil, fmt.Errorf("run function: set up runtime: %w", err)
		}
		v.main, _ = goja.AssertFunction(m)
	}
	return v, nil
}

// acquire returns an idle runtime of f's pool, or a new one.
func (f *Function) acquire() (*vm, error) {
	if f.pool != nil {
		select {
		case v := <-f.pool:
			return v, nil
		default:
		}
	}
	return f.newVM()
}

// release returns v to f's pool when f is pooled and the pool has room.
func (f *Function) release(v *vm) {
	if f.pool == nil {
		return
	}
	v.logs, v.kvs = nil, nil
	select {
	case f.pool <- v:
	default:
	}
}

// handler returns the handler for a run in v: for a pooled Function,
// the wrapper's, called with a new global object (undo restores the
// runtime's); otherwise the program's, run in v's fresh runtime.
func (f *Function) handler(v *vm) (h goja.Value, undo func(), err error) {
	rt := v.rt
	if v.main == nil {
		if _, err := rt.RunProgram(f.prog); err != nil {
			return nil, func() {}, err
		}
		return rt.Get("handler"), func() {}, nil
	}
	g := rt.NewObject()
	_ = g.SetPrototype(v.global)
	_ = g.Set("globalThis", g)
	rt.SetGlobalObject(g)
	undo = func() { rt.SetGlobalObject(v.global) }
	h, err = v.main(g)
	return h, undo, err
}

// wrap returns src as the source of the pooled wrapper.
func wrap(src string) string {
	return "(function(){" + src + "\n;return typeof handler === 'undefined' ? undefined : handler})"
}

// sharedNames are the names through which code can reach an object a
// pooled runtime's runs share: globals holding an object (Array, Math,
// JSON, console, Buffer, require…; not undefined, NaN or Infinity), and
// the data properties of the built-in objects and their prototypes that
// hold one (toString, push, endsWith…; not length). Computed once.
var sharedNames = sync.OnceValues(func() (globals, members map[string]bool) {
	rt := goja.New()
	if b, err := rt.RunProgram(bufferProg); err == nil {
		if mk, ok := goja.AssertFunction(b); ok {
			if buf, err := mk(goja.Undefined(), bufferHelpers(rt)); err == nil {
				_ = rt.Set("Buffer", buf)
			}
		}
	}
	list := func(src string) map[string]bool {
		v, err := rt.RunString(src)
		if err != nil {
			panic("cffunc: list shared names: " + err.Error())
		}
		out := map[string]bool{}
		for _, n := range v.Export().([]any) {
			out[n.(string)] = true
		}
		return out
	}
	globals = list(`Object.getOwnPropertyNames(globalThis).filter(function (k) {
		var v = globalThis[k]; return v !== null && (typeof v === 'object' || typeof v === 'function');
	})`)
	for _, n := range []string{"console", "require", "eval", "Buffer"} {
		globals[n] = true
	}
	members = list(`(function () {
		var seen = new Set(), names = {};
		function isObj(v) { return v !== null && (typeof v === 'object' || typeof v === 'function'); }
		function walk(o) {
			if (!isObj(o) || seen.has(o)) return;
			seen.add(o);
			Object.getOwnPropertyNames(o).forEach(function (k) {
				var d = Object.getOwnPropertyDescriptor(o, k);
				// A built-in getter returns a primitive or an object of the
				// instance's own (buffer), but __proto__, a poolTokens word.
				if (d.get || d.set) { walk(d.get); walk(d.set); return; }
				if (isObj(d.value)) { names[k] = 1; walk(d.value); }
			});
			walk(Object.getPrototypeOf(o));
		}
		walk(globalThis);
		walk([][Symbol.iterator]()); walk(''[Symbol.iterator]());
		walk(new Map().entries()); walk(new Set().values());
		walk((function* () {})()); walk((async function () {})());
		walk(/x/[Symbol.matchAll](''));
		return Object.keys(names);
	})()`)
	for n := range globals {
		members[n] = true
	}
	return globals, members
})

// poolTokens are words whose presence keeps code out of the pool: ways
// to a built-in object's prototype or to code built from a string.
var poolTokens = []string{"prototype", "__proto__", "constructor", "getPrototypeOf", "Reflect", "Function", "super", "__cfinv_module_"}

// poolable reports whether code (the source as written, and p, parsed
// after the import rewrite, which declares each imported module as a
// variable named in locals) can reach a shared object only to call it:
// such code cannot change what a pooled runtime's runs share, and is run
// on a pooled runtime. The rules, over the syntax:
//   - a global holding an object, or an imported module, is only called
//     (String(x)), has a member called (Math.max(a, b), JSON.stringify(o),
//     crypto.createHash('sha256')), or is the operand of typeof or the
//     right side of instanceof or in;
//   - a member whose name a built-in object's property holding an object
//     has (toString, push, endsWith…) is only called;
//   - a member read with a computed name (o[k]) is only assigned to;
//   - no with statement, no super, none of poolTokens.
//
// It errs on the side of "no": code it refuses still runs, in a fresh
// runtime per event.
func poolable(code string, p *ast.Program, locals []string) bool {
	for _, t := range poolTokens {
		if strings.Contains(code, t) {
			return false
		}
	}
	globals, members := sharedNames()
	shared := func(name string) bool { return globals[name] || containsStr(locals, name) }
	called := map[ast.Node]bool{}   // callees, and the objects of called members
	allowed := map[ast.Node]bool{}  // typeof and instanceof/in operands
	assigned := map[ast.Node]bool{} // assignment targets
	ok := true
	walkAST(p, func(node any) bool {
		switch n := node.(type) {
		case *ast.CallExpression:
			called[unwrapOptional(n.Callee)] = true
		case *ast.NewExpression:
			called[unwrapOptional(n.Callee)] = true
		case *ast.TemplateLiteral:
			if n.Tag != nil {
				called[unwrapOptional(n.Tag)] = true
			}
		case *ast.UnaryExpression:
			if n.Operator == token.TYPEOF {
				allowed[n.Operand] = true
			}
		case *ast.BinaryExpression:
			if n.Operator == token.INSTANCEOF || n.Operator == token.IN {
				allowed[n.Right] = true
			}
		case *ast.AssignExpression:
			assigned[n.Left] = true
		case *ast.Binding:
			allowed[n.Target] = true // a declared name, not a read
		case *ast.Identifier:
			if shared(string(n.Name)) && !called[n] && !allowed[n] {
				ok = false
			}
		case *ast.DotExpression:
			if called[n] {
				called[n.Left] = true
			} else if members[string(n.Identifier.Name)] {
				ok = false
			}
		case *ast.BracketExpression:
			switch k := n.Member.(type) {
			case *ast.StringLiteral:
				if called[n] {
					called[n.Left] = true
				} else if members[string(k.Value)] {
					ok = false
				}
			case *ast.NumberLiteral:
			default:
				if !assigned[n] {
					ok = false
				}
			}
		case *ast.PropertyShort:
			if shared(string(n.Name.Name)) || members[string(n.Name.Name)] {
				ok = false
			}
		case *ast.ObjectPattern:
			for _, prop := range n.Properties {
				if pk, isKeyed := prop.(*ast.PropertyKeyed); isKeyed {
					if s, lit := pk.Key.(*ast.StringLiteral); !lit || pk.Computed || members[string(s.Value)] {
						ok = false
					}
				}
			}
		case *ast.WithStatement, *ast.SuperExpression:
			ok = false
		}
		return ok
	})
	return ok
}

func unwrapOptional(e ast.Expression) ast.Expression {
	for {
		switch o := e.(type) {
		case *ast.Optional:
			e = o.Expression
		case *ast.OptionalChain:
			e = o.Expression
		default:
			return e
		}
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
