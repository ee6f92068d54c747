package deploy

import (
	"compress/gzip"
	"fmt"
	"io"
	"sync"
	"time"
)

// gzipLevel is the compression level Gzip uses. Objects are compressed once
// per change and then served to every viewer, so the smallest output wins.
// Measured on net/http's sources (1.8 MB) and wasm_exec.js (17 KB), level 9
// is 0.2% and 0.02% smaller than level 6 at about the same speed on
// text; changing it changes every compressed object's bytes.
const gzipLevel = gzip.BestCompression

// gzipWriters are Gzip's compressors, at gzipLevel, for reuse.
var gzipWriters sync.Pool

// gzipOS is the OS byte Gzip writes in the header: 255, "unknown" (RFC 1952
// section 2.3.1), so the output does not depend on the machine.
const gzipOS = 255

// Gzip writes src gzip-compressed to dst. The output depends only on the
// input bytes (and the compress/flate of the Go release cfinv was built
// with): the header carries no file name, no comment, no modification time, a
// fixed OS byte and no extra field, and the level is fixed. Compressing the
// same input twice gives the same bytes, so an unchanged file stays unchanged
// in the bucket. A change of Go release may change the compressed bytes, so
// compare sources, not compressed output, to decide what changed.
//
// Its compressors are reused (a pool): each holds about a megabyte of
// tables, which a site of many small compressed files would otherwise
// allocate for every file, on every scan.
func Gzip(dst io.Writer, src io.Reader) error {
	zw, _ := gzipWriters.Get().(*gzip.Writer)
	if zw == nil {
		var err error
		if zw, err = gzip.NewWriterLevel(dst, gzipLevel); err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
	} else {
		zw.Reset(dst)
	}
	defer func() {
		zw.Reset(io.Discard) // not holding on to dst
		gzipWriters.Put(zw)
	}()
	zw.Header = gzip.Header{ModTime: time.Time{}, OS: gzipOS}
	if _, err := io.Copy(zw, src); err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	return nil
}
