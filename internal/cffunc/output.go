package cffunc

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// readOutput reads what a handler returned directly from its objects when
// it is plainly a request or a response, and reports false otherwise, for
// the caller to go through JSON.stringify and encoding/json as before,
// which handle every other case (toJSON, unknown or differently cased
// members, null, non-integral numbers, bodies, lone surrogates…). On
// every value it accepts it gives what that round trip gives; it saves
// the text (a third of a viewer-response run) in between.
func readOutput(ret goja.Value) (o *output, ok bool) {
	// A getter that throws panics out of Get: JSON.stringify reports it.
	defer func() {
		if recover() != nil {
			o, ok = nil, false
		}
	}()
	obj, ok := plainObject(ret)
	if !ok {
		return nil, false
	}
	o = &output{}
	for _, k := range obj.Keys() {
		v := obj.Get(k)
		if absent(v) {
			continue // JSON.stringify leaves it out
		}
		switch k {
		case "statusCode":
			n, ok := integer(v)
			if !ok {
				return nil, false
			}
			o.StatusCode = &n
		case "statusDescription", "method", "uri":
			s, ok := str(v)
			if !ok {
				return nil, false
			}
			switch k {
			case "statusDescription":
				o.StatusDescription = s
			case "method":
				o.Method = s
			default:
				o.URI = s
			}
		case "querystring", "headers", "cookies":
			m, ok := readValues(v)
			if !ok {
				return nil, false
			}
			switch k {
			case "querystring":
				o.Querystring = m
			case "headers":
				o.Headers = m
			default:
				o.Cookies = m
			}
		default:
			return nil, false
		}
	}
	return o, true
}

// readValues reads {name: {value, attributes, multiValue}}.
func readValues(v goja.Value) (map[string]*Value, bool) {
	obj, ok := plainObject(v)
	if !ok {
		return nil, false
	}
	keys := obj.Keys()
	m := make(map[string]*Value, len(keys))
	for _, k := range keys {
		e := obj.Get(k)
		if absent(e) {
			continue
		}
		val, ok := readValue(e, true)
		if !ok {
			return nil, false
		}
		m[k] = val
	}
	return m, true
}

// readValue reads {value, attributes, multiValue} (multiValue only when
// multi: its items have none).
func readValue(v goja.Value, multi bool) (*Value, bool) {
	obj, ok := plainObject(v)
	if !ok {
		return nil, false
	}
	out := &Value{}
	for _, k := range obj.Keys() {
		e := obj.Get(k)
		if absent(e) {
			continue
		}
		switch k {
		case "value", "attributes":
			s, ok := str(e)
			if !ok {
				return nil, false
			}
			if k == "value" {
				out.Value = s
			} else {
				out.Attributes = s
			}
		case "multiValue":
			if !multi {
				return nil, false
			}
			arr, ok := e.(*goja.Object)
			if !ok || arr.ClassName() != "Array" || !absent(arr.Get("toJSON")) {
				return nil, false
			}
			n := arr.Get("length").ToInteger()
			out.MultiValue = make([]*Value, 0, n)
			for i := range n {
				item, ok := readValue(arr.Get(strconv.FormatInt(i, 10)), false)
				if !ok {
					return nil, false
				}
				out.MultiValue = append(out.MultiValue, item)
			}
		default:
			return nil, false
		}
	}
	return out, true
}

// plainObject returns v as an ordinary object without toJSON.
func plainObject(v goja.Value) (*goja.Object, bool) {
	obj, ok := v.(*goja.Object)
	if !ok || obj.ClassName() != "Object" {
		return nil, false
	}
	if !absent(obj.Get("toJSON")) {
		return nil, false
	}
	return obj, true
}

// absent reports whether Get found nothing, or undefined.
func absent(v goja.Value) bool { return v == nil || goja.IsUndefined(v) }

// str returns a primitive string that survives JSON unchanged (no U+FFFD,
// which a lone surrogate becomes either way, to leave that to JSON).
func str(v goja.Value) (string, bool) {
	if _, isObj := v.(*goja.Object); isObj {
		return "", false
	}
	if _, ok := v.Export().(string); !ok {
		return "", false
	}
	s := v.String()
	if strings.ContainsRune(s, utf8.RuneError) {
		return "", false
	}
	return s, true
}

// integer returns a number with an integral value that fits an int.
func integer(v goja.Value) (int, bool) {
	if _, isObj := v.(*goja.Object); isObj {
		return 0, false
	}
	switch n := v.Export().(type) {
	case int64:
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			return int(n), true
		}
	case float64:
		if n == math.Trunc(n) && n >= math.MinInt32 && n <= math.MaxInt32 {
			return int(n), true
		}
	}
	return 0, false
}
