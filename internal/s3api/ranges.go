package s3api

import (
	"strconv"
	"strings"
)

// parseRange reads a Range header as S3 does for an object of size bytes:
// a single "bytes=FIRST-[LAST]" or "bytes=-SUFFIX". It returns the first
// and last byte (inclusive) and ok. A header S3 ignores (malformed, or
// several ranges) gives ok false and no error: the whole object is sent.
// A well-formed range that selects nothing gives errInvalidRange (416).
func parseRange(h string, size int64) (first, last int64, ok bool, err error) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, nil
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" {
		n, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || n < 0 || b[0] == '+' {
			return 0, 0, false, nil
		}
		if n == 0 || size == 0 {
			return 0, 0, false, errInvalidRange
		}
		n = min(n, size)
		return size - n, size - 1, true, nil
	}
	first, perr := strconv.ParseInt(a, 10, 64)
	if perr != nil || first < 0 || a[0] == '+' {
		return 0, 0, false, nil
	}
	last = size - 1
	if b != "" {
		l, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || l < 0 || b[0] == '+' {
			return 0, 0, false, nil
		}
		if l < first {
			return 0, 0, false, nil
		}
		last = min(l, size-1)
	}
	if first >= size {
		return 0, 0, false, errInvalidRange
	}
	return first, last, true, nil
}
