package cffunc

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"unicode/utf16"

	"github.com/dop251/goja"
)

// The built-in modules of CloudFront Functions: crypto (hash and HMAC)
// and querystring in both runtimes (require('crypto') in 1.0, `import
// crypto from 'crypto'` in 2.0), cloudfront (key value stores) and the
// Buffer global in 2.0.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-10.html#writing-functions-javascript-features-builtin-modules
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-20.html#writing-functions-javascript-features-builtin-modules-20

// builtinModules are the modules a cloudfront-js-2.0 function may import.
var builtinModules = []string{"cloudfront", "crypto", "querystring"}

// moduleGlobal is the global a rewritten import reads module mod from.
func moduleGlobal(mod string) string { return "__cfinv_module_" + mod }

// hashes are the algorithms of createHash and createHmac.
var hashes = map[string]func() hash.Hash{"md5": md5.New, "sha1": sha1.New, "sha256": sha256.New}

//go:embed buffer.js
var bufferSrc string

// bufferProg evaluates to a function of the Go helpers returning the
// Buffer class; compiled once.
var bufferProg = goja.MustCompile("buffer.js", bufferSrc, true)

// setModules provides what f's code uses in v's runtime: its imports,
// require and Buffer (each only when the code may use it). Imported
// modules and Buffer are built once per runtime; require builds the
// module it is asked for on each call, so no run can reach an object a
// require of another run returned.
func (f *Function) setModules(v *vm) error {
	if !f.buffer && !f.require && len(f.imports) == 0 {
		return nil
	}
	rt := v.rt
	if f.buffer {
		b, err := rt.RunProgram(bufferProg)
		if err != nil {
			return fmt.Errorf("run function: set up Buffer: %w", err)
		}
		mk, _ := goja.AssertFunction(b)
		buf, err := mk(goja.Undefined(), bufferHelpers(rt))
		if err != nil {
			return fmt.Errorf("run function: set up Buffer: %w", err)
		}
		_ = rt.Set("Buffer", buf)
	}
	stores := func() []*KeyValueStore { return v.kvs }
	module := func(name string) goja.Value {
		switch name {
		case "cloudfront":
			if f.runtime == Runtime2 {
				return cloudfrontModule(rt, stores)
			}
		case "crypto":
			return cryptoModule(rt, f.runtime)
		case "querystring":
			return querystringModule(rt)
		}
		return nil
	}
	for _, name := range f.imports {
		_ = rt.Set(moduleGlobal(name), module(name))
	}
	if f.require {
		_ = rt.Set("require", func(call goja.FunctionCall) goja.Value {
			name := call.Argument(0).String()
			m := module(name)
			if m == nil {
				panic(jsError(rt, "Cannot find module '"+name+"': the modules are 'crypto' and 'querystring'"))
			}
			return m
		})
	}
	return nil
}

// cryptoModule is the crypto module: createHash and createHmac of md5,
// sha1 and sha256, with update(data) and digest([encoding]). digest
// without an encoding returns a Buffer in 2.0 and a byte string (one
// character per byte) in 1.0.
func cryptoModule(rt *goja.Runtime, runtime string) *goja.Object {
	mod := rt.NewObject()
	algorithm := func(what string, v goja.Value) func() hash.Hash {
		h, ok := hashes[v.String()]
		if !ok {
			panic(rt.NewTypeError(fmt.Sprintf("%s: algorithm '%s' is not supported: use md5, sha1 or sha256", what, v.String())))
		}
		return h
	}
	_ = mod.Set("createHash", func(call goja.FunctionCall) goja.Value {
		return hasher(rt, runtime, "hash", algorithm("createHash", call.Argument(0))())
	})
	_ = mod.Set("createHmac", func(call goja.FunctionCall) goja.Value {
		h := algorithm("createHmac", call.Argument(0))
		key := bytesOf(rt, call.Argument(1), goja.Undefined())
		return hasher(rt, runtime, "hmac", hmac.New(h, key))
	})
	return mod
}

func hasher(rt *goja.Runtime, runtime, what string, h hash.Hash) *goja.Object {
	o := rt.NewObject()
	done := false
	_ = o.Set("update", func(call goja.FunctionCall) goja.Value {
		if done {
			panic(jsError(rt, what+".update: digest already called"))
		}
		h.Write(bytesOf(rt, call.Argument(0), call.Argument(1)))
		return o
	})
	_ = o.Set("digest", func(call goja.FunctionCall) goja.Value {
		if done {
			panic(jsError(rt, what+".digest: digest already called"))
		}
		enc := call.Argument(0)
		sum := h.Sum(nil)
		if goja.IsUndefined(enc) {
			done = true
			if runtime == Runtime2 {
				from, _ := goja.AssertFunction(rt.Get("Buffer").ToObject(rt).Get("from"))
				b, err := from(goja.Undefined(), rt.ToValue(rt.NewArrayBuffer(sum)))
				if err != nil {
					panic(err)
				}
				return b
			}
			return rt.ToValue(latin1(sum))
		}
		switch e := enc.String(); e {
		case "hex", "base64", "base64url":
			done = true
			return rt.ToValue(encodeBytes(sum, e))
		default:
			panic(rt.NewTypeError(fmt.Sprintf("%s.digest: encoding '%s' is not supported: use hex, base64 or base64url, or none", what, e)))
		}
	})
	return o
}

// bytesOf returns the bytes of a string (in encoding enc, utf8 when
// undefined), an ArrayBuffer, a typed array (a Buffer) or a DataView.
func bytesOf(rt *goja.Runtime, v, enc goja.Value) []byte {
	if goja.IsUndefined(v) || goja.IsNull(v) {
		panic(rt.NewTypeError("the data must be a string, a Buffer, a typed array or an ArrayBuffer, not " + v.String()))
	}
	switch x := v.Export().(type) {
	case string:
		e := "utf8"
		if !goja.IsUndefined(enc) && !goja.IsNull(enc) {
			e = enc.String()
		}
		b, ok := decodeString(x, e)
		if !ok {
			panic(rt.NewTypeError(unknownEncoding(e)))
		}
		return b
	case goja.ArrayBuffer:
		return x.Bytes()
	}
	o := v.ToObject(rt)
	if ab, ok := o.Get("buffer").Export().(goja.ArrayBuffer); ok {
		off, n := o.Get("byteOffset").ToInteger(), o.Get("byteLength").ToInteger()
		b := ab.Bytes()
		if off >= 0 && n >= 0 && off+n <= int64(len(b)) {
			return b[off : off+n]
		}
	}
	return []byte(v.String())
}

// encodings are the encodings of Buffer and of hash and hmac input.
var encodings = []string{"utf8", "utf-8", "hex", "base64", "base64url", "latin1", "binary", "ascii"}

// decodeString returns the bytes s encodes in enc, leniently as Node
// does (hex stops at the first bad pair, base64 accepts either alphabet
// and ignores what is not in it).
func decodeString(s, enc string) ([]byte, bool) {
	switch strings.ToLower(enc) {
	case "utf8", "utf-8":
		return []byte(s), true
	case "hex":
		var out []byte
		for i := 0; i+1 < len(s); i += 2 {
			b, err := hex.DecodeString(s[i : i+2])
			if err != nil {
				break
			}
			out = append(out, b[0])
		}
		return out, true
	case "base64", "base64url":
		clean := strings.Map(func(r rune) rune {
			switch {
			case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '+', r == '/':
				return r
			case r == '-':
				return '+'
			case r == '_':
				return '/'
			}
			return -1
		}, s)
		if len(clean)%4 == 1 {
			clean = clean[:len(clean)-1]
		}
		// Every 4-character group decodes once the alphabet is clean and
		// a lone trailing character is dropped; on an error, what decoded.
		b, _ := base64.RawStdEncoding.DecodeString(clean)
		return b, true
	case "latin1", "binary", "ascii":
		units := utf16.Encode([]rune(s))
		out := make([]byte, len(units))
		for i, u := range units {
			out[i] = byte(u)
		}
		return out, true
	}
	return nil, false
}

// unknownEncoding is the message of the TypeError for encoding enc.
func unknownEncoding(enc string) string {
	return "Unknown encoding: " + enc + " (use " + strings.Join(encodings, ", ") + ")"
}

// jsError returns a JavaScript Error with message msg, to panic with.
func jsError(rt *goja.Runtime, msg string) *goja.Object {
	ctor, _ := goja.AssertConstructor(rt.Get("Error"))
	e, err := ctor(nil, rt.ToValue(msg))
	if err != nil {
		panic(err)
	}
	return e
}

// encodeBytes returns b in enc (known to be valid).
func encodeBytes(b []byte, enc string) string {
	switch strings.ToLower(enc) {
	case "hex":
		return hex.EncodeToString(b)
	case "base64":
		return base64.StdEncoding.EncodeToString(b)
	case "base64url":
		return base64.RawURLEncoding.EncodeToString(b)
	case "latin1", "binary":
		return latin1(b)
	case "ascii":
		a := make([]byte, len(b))
		for i, c := range b {
			a[i] = c & 0x7f
		}
		return string(a)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// bufferHelpers are the Go functions buffer.js calls.
func bufferHelpers(rt *goja.Runtime) *goja.Object {
	h := rt.NewObject()
	_ = h.Set("decode", func(call goja.FunctionCall) goja.Value {
		enc := call.Argument(1).String()
		b, ok := decodeString(call.Argument(0).String(), enc)
		if !ok {
			panic(rt.NewTypeError(unknownEncoding(enc)))
		}
		return rt.ToValue(rt.NewArrayBuffer(b))
	})
	_ = h.Set("encode", func(call goja.FunctionCall) goja.Value {
		ab, _ := call.Argument(0).Export().(goja.ArrayBuffer)
		off, n := call.Argument(1).ToInteger(), call.Argument(2).ToInteger()
		b := ab.Bytes()
		if off < 0 || n < 0 || off+n > int64(len(b)) {
			panic(rt.NewTypeError("toString: range out of bounds"))
		}
		enc := call.Argument(3).String()
		if !isEncoding(enc) {
			panic(rt.NewTypeError(unknownEncoding(enc)))
		}
		return rt.ToValue(encodeBytes(b[off:off+n], enc))
	})
	_ = h.Set("isEncoding", func(call goja.FunctionCall) goja.Value {
		return rt.ToValue(isEncoding(call.Argument(0).String()))
	})
	return h
}

func isEncoding(enc string) bool {
	for _, e := range encodings {
		if strings.EqualFold(e, enc) {
			return true
		}
	}
	return false
}
