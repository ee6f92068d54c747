// Buffer for cloudfront-js-2.0: a Uint8Array with Node's Buffer methods,
// encodings done in Go (h.decode, h.encode). Evaluates to a function of
// the helpers returning the class.
(function (h) {
  'use strict';
  function norm(enc) {
    if (enc === undefined || enc === null) return 'utf8';
    var e = String(enc).toLowerCase();
    if (e === 'utf-8') return 'utf8';
    if (e === 'binary') return 'latin1';
    if (!h.isEncoding(e)) throw new TypeError('Unknown encoding: ' + enc);
    return e;
  }
  function bytes(v, enc) {
    if (typeof v === 'string') return new Uint8Array(h.decode(v, norm(enc)));
    if (v instanceof Uint8Array) return v;
    if (typeof v === 'number') return new Uint8Array([v & 255]);
    throw new TypeError('The value must be a string, a number or a Buffer');
  }
  class Buffer extends Uint8Array {
    static from(v, enc, len) {
      if (typeof v === 'string') return new Buffer(h.decode(v, norm(enc)));
      if (v instanceof ArrayBuffer) {
        var off = enc === undefined ? 0 : enc >>> 0;
        var n = len === undefined ? v.byteLength - off : len >>> 0;
        return new Buffer(v, off, n);
      }
      if (ArrayBuffer.isView(v) || Array.isArray(v)) {
        var b = new Buffer(v.length);
        for (var i = 0; i < v.length; i++) b[i] = v[i] & 255;
        return b;
      }
      if (v && v.type === 'Buffer' && Array.isArray(v.data)) return Buffer.from(v.data);
      throw new TypeError('The first argument must be a string, Buffer, ArrayBuffer, Array or array-like object');
    }
    static alloc(n, fill, enc) {
      var b = new Buffer(n);
      if (fill !== undefined && fill !== 0) b.fill(fill, 0, b.length, enc);
      return b;
    }
    static allocUnsafe(n) { return new Buffer(n); }
    static byteLength(v, enc) {
      if (typeof v === 'string') return h.decode(v, norm(enc)).byteLength;
      return v.byteLength;
    }
    static concat(list, total) {
      if (total === undefined) {
        total = 0;
        for (var i = 0; i < list.length; i++) total += list[i].length;
      }
      var out = Buffer.alloc(total), pos = 0;
      for (var j = 0; j < list.length && pos < total; j++) {
        var part = list[j];
        if (part.length > total - pos) part = part.subarray(0, total - pos);
        out.set(part, pos);
        pos += part.length;
      }
      return out;
    }
    static isBuffer(b) { return b instanceof Buffer; }
    static isEncoding(e) {
      try { norm(e); return typeof e === 'string'; } catch (err) { return false; }
    }
    static compare(a, b) { return Buffer.prototype.compare.call(a, b); }
    toString(enc, start, end) {
      start = start === undefined ? 0 : Math.max(0, start | 0);
      end = end === undefined ? this.length : Math.min(this.length, end | 0);
      if (end <= start) return '';
      return h.encode(this.buffer, this.byteOffset + start, end - start, norm(enc));
    }
    toJSON() { return { type: 'Buffer', data: Array.prototype.slice.call(this) }; }
    equals(o) { return this.compare(o) === 0; }
    compare(o) {
      var n = Math.min(this.length, o.length);
      for (var i = 0; i < n; i++) {
        if (this[i] !== o[i]) return this[i] < o[i] ? -1 : 1;
      }
      return this.length === o.length ? 0 : (this.length < o.length ? -1 : 1);
    }
    fill(v, start, end, enc) {
      if (typeof start === 'string') { enc = start; start = 0; end = this.length; }
      start = start === undefined ? 0 : start;
      end = end === undefined ? this.length : end;
      if (typeof v === 'number') { Uint8Array.prototype.fill.call(this, v & 255, start, end); return this; }
      var src = bytes(v, enc);
      if (src.length === 0) return this;
      for (var i = start, k = 0; i < end; i++, k++) this[i] = src[k % src.length];
      return this;
    }
    write(str, offset, length, enc) {
      if (typeof offset === 'string') { enc = offset; offset = 0; length = undefined; }
      else if (typeof length === 'string') { enc = length; length = undefined; }
      offset = offset === undefined ? 0 : offset;
      var src = bytes(String(str), enc);
      var n = Math.min(src.length, this.length - offset, length === undefined ? Infinity : length);
      for (var i = 0; i < n; i++) this[offset + i] = src[i];
      return n;
    }
    copy(target, tStart, sStart, sEnd) {
      tStart = tStart || 0;
      sStart = sStart || 0;
      sEnd = sEnd === undefined ? this.length : sEnd;
      var part = this.subarray(sStart, sEnd);
      if (part.length > target.length - tStart) part = part.subarray(0, target.length - tStart);
      target.set(part, tStart);
      return part.length;
    }
    slice(start, end) { return this.subarray(start, end); }
    indexOf(v, from, enc) {
      if (typeof from === 'string') { enc = from; from = 0; }
      from = from === undefined ? 0 : from;
      if (from < 0) from = Math.max(0, this.length + from);
      var needle = bytes(v, enc);
      if (needle.length === 0) return from <= this.length ? from : this.length;
      outer: for (var i = from; i + needle.length <= this.length; i++) {
        for (var k = 0; k < needle.length; k++) {
          if (this[i + k] !== needle[k]) continue outer;
        }
        return i;
      }
      return -1;
    }
    includes(v, from, enc) { return this.indexOf(v, from, enc) !== -1; }
    lastIndexOf(v, from, enc) {
      if (typeof from === 'string') { enc = from; from = undefined; }
      var needle = bytes(v, enc);
      var start = this.length - needle.length;
      if (from !== undefined) start = Math.min(start, from < 0 ? this.length + from : from);
      outer: for (var i = start; i >= 0; i--) {
        for (var k = 0; k < needle.length; k++) {
          if (this[i + k] !== needle[k]) continue outer;
        }
        return i;
      }
      return -1;
    }
    swap16() { return swap(this, 2); }
    swap32() { return swap(this, 4); }
    swap64() { return swap(this, 8); }
  }
  function swap(b, n) {
    if (b.length % n !== 0) throw new RangeError('Buffer size must be a multiple of ' + (8 * n) + '-bits');
    for (var i = 0; i < b.length; i += n) {
      for (var lo = i, hi = i + n - 1; lo < hi; lo++, hi--) {
        var t = b[lo]; b[lo] = b[hi]; b[hi] = t;
      }
    }
    return b;
  }
  function outOfRange(name, v, lo, hi) {
    throw new RangeError('The value of "' + name + '" is out of range. It must be >= ' + lo + ' and <= ' + hi + '. Received ' + v);
  }
  // offset checks o as Node does: an integer from 0 to the length less n.
  function offset(b, o, n) {
    if (o === undefined) o = 0;
    if (typeof o !== 'number') throw new TypeError('The "offset" argument must be of type number. Received type ' + typeof o);
    if (o !== Math.floor(o)) throw new RangeError('The value of "offset" is out of range. It must be an integer. Received ' + o);
    if (b.length < n) throw new RangeError('Attempt to access memory outside buffer bounds');
    if (o < 0 || o > b.length - n) outOfRange('offset', o, 0, b.length - n);
    return o;
  }
  // The integer and float reads and writes, and the Uint spellings of the
  // integer methods (Node's aliases), through a DataView, with Node's
  // checks of the offset and of the value written.
  [['UInt8', 'Uint8', 1, 0, 255], ['Int8', 'Int8', 1, -128, 127],
   ['UInt16', 'Uint16', 2, 0, 65535], ['Int16', 'Int16', 2, -32768, 32767],
   ['UInt32', 'Uint32', 4, 0, 4294967295], ['Int32', 'Int32', 4, -2147483648, 2147483647],
   ['Float', 'Float32', 4], ['Double', 'Float64', 8]].forEach(function (t) {
    var name = t[0], view = t[1], n = t[2], lo = t[3], hi = t[4];
    (n === 1 ? [''] : ['BE', 'LE']).forEach(function (end) {
      var little = end === 'LE';
      var write = function (v, o) {
        o = offset(this, o, n);
        v = +v;
        if (lo !== undefined && !(v >= lo && v <= hi)) outOfRange('value', v, lo, hi);
        new DataView(this.buffer, this.byteOffset)['set' + view](o, v, little);
        return o + n;
      };
      Buffer.prototype['write' + name + end] = write;
      Buffer.prototype['read' + name + end] = function (o) {
        return new DataView(this.buffer, this.byteOffset)['get' + view](offset(this, o, n), little);
      };
      if (name.indexOf('UInt') === 0) {
        var alias = 'Uint' + name.slice(4) + end;
        Buffer.prototype['write' + alias] = write;
        Buffer.prototype['read' + alias] = Buffer.prototype['read' + name + end];
      }
    });
  });
  return Buffer;
})
