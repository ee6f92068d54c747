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
    readUInt8(o) { return this[o || 0]; }
    readInt8(o) { var v = this[o || 0]; return v > 127 ? v - 256 : v; }
    readUInt16BE(o) { return new DataView(this.buffer, this.byteOffset).getUint16(o || 0, false); }
    readUInt16LE(o) { return new DataView(this.buffer, this.byteOffset).getUint16(o || 0, true); }
    readUInt32BE(o) { return new DataView(this.buffer, this.byteOffset).getUint32(o || 0, false); }
    readUInt32LE(o) { return new DataView(this.buffer, this.byteOffset).getUint32(o || 0, true); }
    readInt16BE(o) { return new DataView(this.buffer, this.byteOffset).getInt16(o || 0, false); }
    readInt16LE(o) { return new DataView(this.buffer, this.byteOffset).getInt16(o || 0, true); }
    readInt32BE(o) { return new DataView(this.buffer, this.byteOffset).getInt32(o || 0, false); }
    readInt32LE(o) { return new DataView(this.buffer, this.byteOffset).getInt32(o || 0, true); }
  }
  return Buffer;
})
