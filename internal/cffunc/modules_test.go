package cffunc

import (
	"errors"
	"strings"
	"testing"
)

// evalIn runs a function that logs expr (strings as they are, anything
// else as JSON) and returns the line, or the run's error message.
func evalIn(t *testing.T, runtime, expr string) (string, string) {
	t.Helper()
	code := `import crypto from 'crypto';
import querystring from 'querystring';
function handler(event) {
	const v = (` + expr + `);
	console.log(typeof v === 'string' ? v : JSON.stringify(v));
	return event.request;
}`
	if runtime == Runtime1 {
		code = `var crypto = require('crypto');
var querystring = require('querystring');
function handler(event) {
	var v = (` + expr + `);
	console.log(typeof v === 'string' ? v : JSON.stringify(v));
	return event.request;
}`
	}
	f, err := Compile(runtime, []byte(code))
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	res, err := f.Run(t.Context(), viewerRequest("/"), Limits{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Err != nil {
		var ee *ExecutionError
		if !errors.As(res.Err, &ee) {
			t.Fatalf("Run error %v is not an *ExecutionError", res.Err)
		}
		return "", ee.Msg
	}
	if len(res.Logs) != 1 {
		t.Fatalf("logs = %q, want one line", res.Logs)
	}
	return res.Logs[0], ""
}

type moduleCase struct {
	name    string
	runtime string // Runtime2 if empty
	expr    string
	want    string
	wantErr string // part of the run's error message
}

func runModuleCases(t *testing.T, tests []moduleCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := tt.runtime
			if rt == "" {
				rt = Runtime2
			}
			got, gotErr := evalIn(t, rt, tt.expr)
			if tt.wantErr != "" {
				if !strings.Contains(gotErr, tt.wantErr) {
					t.Fatalf("got %q, error %q; want an error with %q", got, gotErr, tt.wantErr)
				}
				return
			}
			if gotErr != "" {
				t.Fatalf("run failed: %s", gotErr)
			}
			if got != tt.want {
				t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}

// The crypto module (hash and HMAC) against known vectors (FIPS 180 and
// RFC 1321 "abc"; the HMAC examples of RFC 2104's Wikipedia page).
func TestCryptoModule(t *testing.T) {
	const fox = `'The quick brown fox jumps over the lazy dog'`
	runModuleCases(t, []moduleCase{
		{name: "md5 hex", expr: `crypto.createHash('md5').update('abc').digest('hex')`, want: "900150983cd24fb0d6963f7d28e17f72"},
		{name: "sha1 hex", expr: `crypto.createHash('sha1').update('abc').digest('hex')`, want: "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{name: "sha256 hex", expr: `crypto.createHash('sha256').update('abc').digest('hex')`, want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{name: "sha256 base64", expr: `crypto.createHash('sha256').update('abc').digest('base64')`, want: "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="},
		{name: "sha256 base64url", expr: `crypto.createHash('sha256').update('abc').digest('base64url')`, want: "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"},
		{name: "updates chained", expr: `crypto.createHash('sha256').update('a').update('bc').digest('hex')`, want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{name: "utf8 input", expr: `crypto.createHash('md5').update('€').digest('hex')`, want: "bca53fde466a76b7bee3e18997e94a7a"},
		{name: "buffer input", expr: `crypto.createHash('sha1').update(Buffer.from('616263', 'hex')).digest('hex')`, want: "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{name: "digest without encoding is a Buffer in 2.0", expr: `(function(){ const d = crypto.createHash('md5').update('abc').digest(); return (d instanceof Buffer) + ' ' + d.length + ' ' + d.toString('hex'); })()`,
			want: "true 16 900150983cd24fb0d6963f7d28e17f72"},
		{name: "digest without encoding is a byte string in 1.0", runtime: Runtime1, expr: `(function(){ var d = crypto.createHash('md5').update('abc').digest(); return typeof d + ' ' + d.length + ' ' + d.charCodeAt(0) + ' ' + d.charCodeAt(15); })()`,
			want: "string 16 144 114"},
		{name: "1.0 hex", runtime: Runtime1, expr: `crypto.createHmac('sha256', 'key').update(` + fox + `).digest('hex')`, want: "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
		{name: "hmac md5", expr: `crypto.createHmac('md5', 'key').update(` + fox + `).digest('hex')`, want: "80070713463e7749b90c2dc24911e275"},
		{name: "hmac sha1", expr: `crypto.createHmac('sha1', 'key').update(` + fox + `).digest('hex')`, want: "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"},
		{name: "hmac sha256", expr: `crypto.createHmac('sha256', 'key').update(` + fox + `).digest('hex')`, want: "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
		{name: "hmac buffer key", expr: `crypto.createHmac('sha256', Buffer.from('key')).update(` + fox + `).digest('base64')`, want: "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg="},
		{name: "hmac digest Buffer", expr: `crypto.createHmac('sha1', 'key').update(` + fox + `).digest().toString('hex')`, want: "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"},
		{name: "unsupported hash", expr: `crypto.createHash('sha512')`, wantErr: "TypeError: createHash: algorithm 'sha512' is not supported: use md5, sha1 or sha256"},
		{name: "unsupported hmac", runtime: Runtime1, expr: `crypto.createHmac('sha384', 'k')`, wantErr: "TypeError: createHmac: algorithm 'sha384' is not supported"},
		{name: "unsupported encoding", expr: `crypto.createHash('md5').update('a').digest('latin1')`, wantErr: "TypeError: hash.digest: encoding 'latin1' is not supported: use hex, base64 or base64url, or none"},
		{name: "digest twice", expr: `(function(){ const h = crypto.createHmac('md5', 'k'); h.digest('hex'); return h.digest('hex'); })()`, wantErr: "hmac.digest: digest already called"},
		{name: "no data", expr: `crypto.createHash('md5').update()`, wantErr: "TypeError: the data must be"},
		{name: "unknown module", runtime: Runtime1, expr: `require('fs')`, wantErr: "Cannot find module 'fs'"},
	})
}

// The querystring module, against what Node's returns for the same calls.
func TestQuerystringModule(t *testing.T) {
	runModuleCases(t, []moduleCase{
		{name: "parse repeated key", expr: `querystring.parse('a=1&b=2&a=3')`, want: `{"a":["1","3"],"b":"2"}`},
		{name: "parse decodes", expr: `querystring.parse('x=%E2%82%AC+y&bad=%zz&empty&&k=')`, want: `{"x":"€ y","bad":"%zz","empty":"","k":""}`},
		{name: "parse separator and eq", expr: `querystring.parse('a:1;b:2', ';', ':')`, want: `{"a":"1","b":"2"}`},
		{name: "parse maxKeys", expr: `querystring.parse('a=1&b=2&c=3', null, null, {maxKeys: 2})`, want: `{"a":"1","b":"2"}`},
		{name: "parse maxKeys 0 is unlimited", expr: `Object.keys(querystring.parse('a&b&c&d', null, null, {maxKeys: 0})).length`, want: `4`},
		{name: "parse default maxKeys 1000", expr: `Object.keys(querystring.parse(Array.from({length: 1100}, (_, i) => 'k' + i).join('&'))).length`, want: `1000`},
		{name: "parse decodeURIComponent", expr: `querystring.parse('a=b', null, null, {decodeURIComponent: s => s.toUpperCase()})`, want: `{"A":"B"}`},
		{name: "parse in 1.0", runtime: Runtime1, expr: `querystring.parse('a=1&a=2')`, want: `{"a":["1","2"]}`},
		{name: "decode alias", expr: `querystring.decode('a=1')`, want: `{"a":"1"}`},
		{name: "stringify", expr: `querystring.stringify({a: [1, 2], b: 'x y', c: true, d: null, e: NaN})`, want: `a=1&a=2&b=x%20y&c=true&d=&e=`},
		{name: "stringify separator and eq", expr: `querystring.stringify({a: 1, b: 2}, ';', ':')`, want: `a:1;b:2`},
		{name: "stringify encodeURIComponent", expr: `querystring.stringify({a: 'b c'}, null, null, {encodeURIComponent: s => s.toUpperCase()})`, want: `A=B C`},
		{name: "stringify not an object", expr: `querystring.stringify('abc')`, want: ``},
		{name: "encode alias", expr: `querystring.encode({k: 'ü'})`, want: `k=%C3%BC`},
		{name: "escape", expr: `querystring.escape("a b&ü/-_.!~*'()")`, want: `a%20b%26%C3%BC%2F-_.!~*'()`},
		{name: "unescape", expr: `querystring.unescape('a%20b%C3%BC%+%4')`, want: `a bü%+%4`},
		{name: "unescape bad utf8", expr: `querystring.unescape('%FFok')`, want: "\uFFFDok"},
	})
}

// Buffer in 2.0: the encodings and the most used methods.
func TestBuffer(t *testing.T) {
	runModuleCases(t, []moduleCase{
		{name: "utf8 to hex", expr: `Buffer.from('hello').toString('hex')`, want: "68656c6c6f"},
		{name: "from hex", expr: `Buffer.from('68656C6c6fzz', 'hex').toString()`, want: "hello"},
		{name: "from base64", expr: `Buffer.from('aGVsbG8=', 'base64').toString('utf8')`, want: "hello"},
		{name: "from base64url", expr: `Buffer.from('-_8', 'base64url').toString('hex')`, want: "fbff"},
		{name: "to base64", expr: `Buffer.from([0xfb, 0xff]).toString('base64')`, want: "+/8="},
		{name: "to base64url", expr: `Buffer.from([0xfb, 0xff]).toString('base64url')`, want: "-_8"},
		{name: "latin1", expr: `Buffer.from('é', 'latin1').toString('hex') + Buffer.from([233]).toString('binary')`, want: "e9é"},
		{name: "from array", expr: `Buffer.from([104, 105, 256 + 33]).toString()`, want: "hi!"},
		{name: "alloc", expr: `Buffer.alloc(3).toString('hex') + Buffer.alloc(5, 'ab').toString() + Buffer.alloc(2, 255).toString('hex')`, want: "000000ababaffff"},
		{name: "byteLength", expr: `Buffer.byteLength('€') + ' ' + Buffer.byteLength('aGk=', 'base64') + ' ' + Buffer.byteLength(Buffer.alloc(7))`, want: "3 2 7"},
		{name: "concat", expr: `Buffer.concat([Buffer.from('a'), Buffer.from('bc')]).toString() + Buffer.concat([Buffer.from('abc')], 2).toString()`, want: "abcab"},
		{name: "slice shares memory", expr: `(function(){ const b = Buffer.from('abc'); const s = b.slice(1); s[0] = 66; return (s instanceof Buffer) + ' ' + s.toString() + ' ' + b.toString(); })()`, want: "true Bc aBc"},
		{name: "toString range", expr: `Buffer.from('hello').toString('utf8', 1, 3)`, want: "el"},
		{name: "equals and compare", expr: `Buffer.from('abc').equals(Buffer.from('abc')) + ' ' + Buffer.compare(Buffer.from('a'), Buffer.from('b'))`, want: "true -1"},
		{name: "isBuffer and isEncoding", expr: `[Buffer.isBuffer(Buffer.from('a')), Buffer.isBuffer(new Uint8Array(1)), Buffer.isEncoding('hex'), Buffer.isEncoding('UTF-8'), Buffer.isEncoding('nope')].join()`, want: "true,false,true,true,false"},
		{name: "toJSON", expr: `JSON.stringify(Buffer.from('hi'))`, want: `{"type":"Buffer","data":[104,105]}`},
		{name: "indexOf and includes", expr: `Buffer.from('abcabc').indexOf('ca') + ' ' + Buffer.from('abc').includes('d') + ' ' + Buffer.from('abc').indexOf(99)`, want: "2 false 2"},
		{name: "write and copy", expr: `(function(){ const b = Buffer.alloc(4); b.write('hi', 1); const c = Buffer.alloc(2); b.copy(c, 0, 1); return b.toString('hex') + ' ' + c.toString(); })()`, want: "00686900 hi"},
		{name: "read integers", expr: `(function(){ const b = Buffer.from([1, 2, 255, 254]); return [b.readUInt16BE(0), b.readUInt16LE(0), b.readInt8(2), b.readInt16BE(2), b.readUInt32BE(0)].join(); })()`, want: "258,513,-1,-2,16973822"},
		{name: "write integers", expr: `(function(){ const b = Buffer.alloc(16); const ends = [b.writeUInt8(1, 0), b.writeInt8(-2, 1), b.writeUInt16BE(0x1234, 2), b.writeUInt16LE(0x1234, 4), b.writeInt16BE(-2, 6), b.writeInt32LE(-2, 8), b.writeUInt32BE(0xdeadbeef, 12)]; return b.toString('hex') + ' ' + ends.join(); })()`,
			want: "01fe12343412fffefeffffffdeadbeef 1,2,4,6,8,12,16"},
		{name: "Uint aliases", expr: `(function(){ const b = Buffer.alloc(4); b.writeUint32LE(0x01020304); return [b.readUint8(0), b.readUint16BE(0), b.readUint32LE(0) === 0x01020304].join(); })()`, want: "4,1027,true"},
		{name: "floats", expr: `(function(){ const b = Buffer.alloc(12); b.writeFloatBE(1.5, 0); b.writeDoubleLE(-0.1, 4); return b.toString('hex') + ' ' + b.readFloatBE(0) + ' ' + b.readDoubleLE(4) + ' ' + b.readFloatLE(0); })()`,
			want: "3fc000009a9999999999b9bf 1.5 -0.1 6.896490392174587e-41"},
		{name: "write value out of range", expr: `Buffer.alloc(2).writeUInt16BE(65536)`, wantErr: `RangeError: The value of "value" is out of range. It must be >= 0 and <= 65535. Received 65536`},
		{name: "write offset out of range", expr: `Buffer.alloc(2).writeInt16LE(1, 1)`, wantErr: `RangeError: The value of "offset" is out of range. It must be >= 0 and <= 0. Received 1`},
		{name: "read past a short buffer", expr: `Buffer.alloc(4).readDoubleBE(0)`, wantErr: `RangeError: Attempt to access memory outside buffer bounds`},
		{name: "offset not an integer", expr: `Buffer.alloc(2).writeUInt8(1, 1.5)`, wantErr: `RangeError: The value of "offset" is out of range. It must be an integer. Received 1.5`},
		{name: "offset not a number", expr: `Buffer.alloc(2).writeUInt8(1, '1')`, wantErr: `TypeError: The "offset" argument must be of type number. Received type string`},
		{name: "read integer out of range", expr: `Buffer.from([1, 2]).readUInt16LE(1)`, wantErr: `RangeError: The value of "offset" is out of range. It must be >= 0 and <= 0. Received 1`},
		{name: "lastIndexOf empty", expr: `Buffer.from('abc').lastIndexOf('') + ' ' + Buffer.from('abc').lastIndexOf('', 1)`, want: "3 1"},
		{name: "lastIndexOf", expr: `[Buffer.from('abcabc').lastIndexOf('bc'), Buffer.from('abcabc').lastIndexOf('bc', 3), Buffer.from('abcabc').lastIndexOf(97, -4), Buffer.from('abc').lastIndexOf('z')].join()`, want: "4,1,0,-1"},
		{name: "swap", expr: `(function(){ const b = Buffer.from('0102030405060708', 'hex'); return [Buffer.from(b).swap16().toString('hex'), Buffer.from(b).swap32().toString('hex'), Buffer.from(b).swap64().toString('hex')].join(); })()`,
			want: "0201040306050807,0403020108070605,0807060504030201"},
		{name: "swap of a bad size", expr: `Buffer.alloc(3).swap16()`, wantErr: "RangeError: Buffer size must be a multiple of 16-bits"},
		{name: "unknown encoding", expr: `Buffer.from('x').toString('nope')`, wantErr: "TypeError: Unknown encoding: nope"},
		{name: "unknown encoding from", expr: `Buffer.from('x', 'utf16')`, wantErr: "TypeError: Unknown encoding: utf16"},
		{name: "not in 1.0", runtime: Runtime1, expr: `typeof Buffer`, want: "undefined"},
	})
}
