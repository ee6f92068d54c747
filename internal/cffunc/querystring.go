package cffunc

import (
	"math"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// querystringModule is the querystring module, as Node's: parse(str,
// sep='&', eq='=', {maxKeys=1000, decodeURIComponent}),
// stringify(obj, sep='&', eq='=', {encodeURIComponent}), escape,
// unescape, and decode and encode (parse and stringify).
func querystringModule(rt *goja.Runtime) *goja.Object {
	mod := rt.NewObject()
	str := func(v goja.Value, def string) string {
		if goja.IsUndefined(v) || goja.IsNull(v) || v.String() == "" {
			return def
		}
		return v.String()
	}
	// coder returns options[name] as a Go function, or def.
	coder := func(opts goja.Value, name string, def func(string) string) func(string) string {
		if goja.IsUndefined(opts) || goja.IsNull(opts) {
			return def
		}
		fn, ok := goja.AssertFunction(opts.ToObject(rt).Get(name))
		if !ok {
			return def
		}
		return func(s string) string {
			v, err := fn(goja.Undefined(), rt.ToValue(s))
			if err != nil {
				panic(err)
			}
			return v.String()
		}
	}
	parse := func(call goja.FunctionCall) goja.Value {
		out := rt.NewObject()
		in := call.Argument(0)
		if goja.IsUndefined(in) || goja.IsNull(in) {
			return out
		}
		sep, eq := str(call.Argument(1), "&"), str(call.Argument(2), "=")
		opts := call.Argument(3)
		maxKeys := int64(1000)
		if !goja.IsUndefined(opts) && !goja.IsNull(opts) {
			if m := opts.ToObject(rt).Get("maxKeys"); m != nil && !goja.IsUndefined(m) {
				maxKeys = m.ToInteger()
			}
		}
		decode := coder(opts, "decodeURIComponent", qsUnescape)
		pieces := strings.Split(in.String(), sep)
		if maxKeys > 0 && int64(len(pieces)) > maxKeys {
			pieces = pieces[:maxKeys]
		}
		var order []string
		vals := map[string][]string{}
		for _, p := range pieces {
			if p == "" {
				continue
			}
			k, v, _ := strings.Cut(p, eq)
			k = decode(strings.ReplaceAll(k, "+", " "))
			v = decode(strings.ReplaceAll(v, "+", " "))
			if _, ok := vals[k]; !ok {
				order = append(order, k)
			}
			vals[k] = append(vals[k], v)
		}
		for _, k := range order {
			if vs := vals[k]; len(vs) == 1 {
				_ = out.Set(k, vs[0])
			} else {
				items := make([]any, len(vs))
				for i, v := range vs {
					items[i] = v
				}
				_ = out.Set(k, rt.NewArray(items...))
			}
		}
		return out
	}
	stringify := func(call goja.FunctionCall) goja.Value {
		obj := call.Argument(0)
		if goja.IsUndefined(obj) || goja.IsNull(obj) {
			return rt.ToValue("")
		}
		o, ok := obj.(*goja.Object)
		if !ok {
			return rt.ToValue("")
		}
		sep, eq := str(call.Argument(1), "&"), str(call.Argument(2), "=")
		encode := coder(call.Argument(3), "encodeURIComponent", qsEscape)
		var parts []string
		for _, k := range o.Keys() {
			ks := encode(k) + eq
			v := o.Get(k)
			if arr, ok := v.(*goja.Object); ok && arr.ClassName() == "Array" {
				n := arr.Get("length").ToInteger()
				for i := int64(0); i < n; i++ {
					parts = append(parts, ks+encode(primitive(arr.Get(strconv.FormatInt(i, 10)))))
				}
				continue
			}
			parts = append(parts, ks+encode(primitive(v)))
		}
		return rt.ToValue(strings.Join(parts, sep))
	}
	_ = mod.Set("parse", parse)
	_ = mod.Set("decode", parse)
	_ = mod.Set("stringify", stringify)
	_ = mod.Set("encode", stringify)
	_ = mod.Set("escape", func(call goja.FunctionCall) goja.Value {
		return rt.ToValue(qsEscape(call.Argument(0).String()))
	})
	_ = mod.Set("unescape", func(call goja.FunctionCall) goja.Value {
		return rt.ToValue(qsUnescape(call.Argument(0).String()))
	})
	return mod
}

// primitive is how stringify writes a value: strings as they are,
// finite numbers and booleans as text, anything else as "".
func primitive(v goja.Value) string {
	if v == nil {
		return ""
	}
	switch x := v.Export().(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return ""
		}
		return v.String()
	}
	return ""
}

// qsEscape percent-encodes s's UTF-8 bytes except the characters
// encodeURIComponent keeps: A-Z a-z 0-9 - _ . ! ~ * ' ( ).
func qsEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// qsUnescape decodes each valid %XX and leaves the rest as it is; bytes
// that are not UTF-8 become U+FFFD (Node's decodeURIComponent, then its
// lenient fallback).
func qsUnescape(s string) string {
	unhex := func(c byte) (byte, bool) {
		switch {
		case c >= '0' && c <= '9':
			return c - '0', true
		case c >= 'a' && c <= 'f':
			return c - 'a' + 10, true
		case c >= 'A' && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	if !strings.Contains(s, "%") {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}
