package cffunc

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// The cloudfront module of cloudfront-js-2.0 and its key value store
// helpers: `import cf from 'cloudfront'`, then cf.kvs(id?) and the
// handle's get(key, {format}), exists(key) and meta(), each returning a
// promise.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-custom-methods.html
//
// goja runs scripts, not modules: Compile rewrites each import of a
// built-in module into a variable bound to the module object Run
// provides, and refuses imports of any other module by name. The promises are
// settled before they are returned (the data is in memory), so `await`
// and `.then` behave as in CloudFront.

// KeyValueStore is the content of a key value store, as a function reads
// it.
type KeyValueStore struct {
	// ID is the store's ID (the last part of its ARN), the argument of
	// cf.kvs(id).
	ID       string
	Items    map[string]string
	Created  time.Time
	Modified time.Time
}

// importStmt matches an import declaration of a default export:
// `import name from 'module';`.
var importStmt = regexp.MustCompile(`(?m)^[ \t]*import[ \t]+([A-Za-z_$][\w$]*)[ \t]+from[ \t]+(?:'([^'\n]*)'|"([^"\n]*)")[ \t]*;?`)

// anyImport matches any import declaration at the start of a line.
var anyImport = regexp.MustCompile(`(?m)^[ \t]*import[ \t{*]`)

// rewriteImports replaces each `import name from 'module'` of a module
// the runtime provides (builtinModules) with a variable declaration read
// from the module's global (padded to the statement's length when
// shorter), and returns the modules imported, or the import it cannot
// rewrite.
func rewriteImports(src string) (string, []string, string) {
	bad := ""
	var used []string
	out := importStmt.ReplaceAllStringFunc(src, func(m string) string {
		sub := importStmt.FindStringSubmatch(m)
		mod := sub[2] + sub[3]
		if !slices.Contains(builtinModules, mod) {
			if bad == "" {
				bad = mod
			}
			return m
		}
		if !slices.Contains(used, mod) {
			used = append(used, mod)
		}
		repl := "var " + sub[1] + "=" + moduleGlobal(mod) + ";"
		if len(repl) < len(m) {
			repl += strings.Repeat(" ", len(m)-len(repl))
		}
		return repl
	})
	if bad != "" {
		return "", nil, "import of module '" + bad + "'"
	}
	if loc := anyImport.FindStringIndex(out); loc != nil {
		return "", nil, "this form of import (only `import name from 'module'`)"
	}
	return out, used, ""
}

// cloudfrontModule builds the module object of a runtime; stores returns
// the stores of the run under way (a pooled runtime serves many runs).
func cloudfrontModule(rt *goja.Runtime, storesOf func() []*KeyValueStore) *goja.Object {
	mod := rt.NewObject()
	_ = mod.Set("kvs", func(call goja.FunctionCall) goja.Value {
		stores := storesOf()
		var st *KeyValueStore
		if id := call.Argument(0); !goja.IsUndefined(id) && !goja.IsNull(id) {
			for _, s := range stores {
				if s.ID == id.String() {
					st = s
				}
			}
			if st == nil {
				panic(rt.NewTypeError("kvs: the function is not associated with a key value store with ID " + id.String()))
			}
		} else {
			if len(stores) != 1 {
				panic(rt.NewTypeError("kvs: the function is not associated with a key value store"))
			}
			st = stores[0]
		}
		return kvsHandle(rt, st)
	})
	return mod
}

// settled returns a promise already fulfilled with v, or rejected with
// err when err is not nil.
func settled(rt *goja.Runtime, v goja.Value, err goja.Value) goja.Value {
	p, resolve, reject := rt.NewPromise()
	if err != nil {
		_ = reject(err)
	} else {
		_ = resolve(v)
	}
	return rt.ToValue(p)
}

func kvsHandle(rt *goja.Runtime, st *KeyValueStore) *goja.Object {
	h := rt.NewObject()
	newError := func(msg string) goja.Value {
		ctor, _ := goja.AssertConstructor(rt.Get("Error"))
		e, _ := ctor(nil, rt.ToValue(msg))
		return e
	}
	_ = h.Set("get", func(call goja.FunctionCall) goja.Value {
		key := call.Argument(0).String()
		format := "string"
		if o := call.Argument(1); !goja.IsUndefined(o) && !goja.IsNull(o) {
			if f := o.ToObject(rt).Get("format"); f != nil && !goja.IsUndefined(f) {
				format = f.String()
			}
		}
		v, ok := st.Items[key]
		if !ok {
			return settled(rt, nil, newError("KeyNotFound: the key "+key+" does not exist in the key value store"))
		}
		switch format {
		case "string":
			return settled(rt, rt.ToValue(v), nil)
		case "json":
			var parsed any
			if err := json.Unmarshal([]byte(v), &parsed); err != nil {
				return settled(rt, nil, newError("SyntaxError: the value of key "+key+" is not JSON: "+err.Error()))
			}
			parse, _ := goja.AssertFunction(rt.Get("JSON").ToObject(rt).Get("parse"))
			out, err := parse(goja.Undefined(), rt.ToValue(v))
			if err != nil {
				return settled(rt, nil, newError(err.Error()))
			}
			return settled(rt, out, nil)
		case "bytes":
			ctor, _ := goja.AssertConstructor(rt.Get("Uint8Array"))
			out, err := ctor(nil, rt.ToValue(rt.NewArrayBuffer([]byte(v))))
			if err != nil {
				return settled(rt, nil, newError(err.Error()))
			}
			return settled(rt, out, nil)
		}
		return settled(rt, nil, newError("get: format "+format+" is not string, json or bytes"))
	})
	_ = h.Set("exists", func(call goja.FunctionCall) goja.Value {
		_, ok := st.Items[call.Argument(0).String()]
		return settled(rt, rt.ToValue(ok), nil)
	})
	_ = h.Set("meta", func(goja.FunctionCall) goja.Value {
		m := rt.NewObject()
		_ = m.Set("creationDateTime", st.Created.UTC().Format(time.RFC3339Nano))
		_ = m.Set("lastUpdatedDateTime", st.Modified.UTC().Format(time.RFC3339Nano))
		_ = m.Set("keyCount", len(st.Items))
		return settled(rt, m, nil)
	})
	return h
}
