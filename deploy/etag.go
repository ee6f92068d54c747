package deploy

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// etag is an ETag as S3 lists and returns it, kept without a string of its
// own when it has S3's form: a quoted lower-case hex MD5 (`"…"`, an object
// stored in one part) or MD5 and part count (`"…-N"`, in parts). Another
// value (none, upper-case hex, another form) is kept as its string. The
// form is kept only when String gives back the very same string, so two
// etags are == exactly when their strings are: a deploy holds one per
// object listed and per object written (issue 31), 40 bytes instead of a
// 16-byte string header and a 48-byte allocation.
type etag struct {
	sum [16]byte
	// parts is 0 when raw holds the ETag; 1 for `"…"`; N+1 for `"…-N"`.
	parts uint32
	raw   string
}

// parseETag is s as an etag.
func parseETag(s string) etag {
	inner, quoted := strings.CutPrefix(s, `"`)
	inner, closed := strings.CutSuffix(inner, `"`)
	if !quoted || !closed || len(inner) < 32 {
		return etag{raw: s}
	}
	var e etag
	if !isLowerHex(inner[:32]) {
		return etag{raw: s}
	}
	if _, err := hex.Decode(e.sum[:], []byte(inner[:32])); err != nil {
		return etag{raw: s}
	}
	rest := inner[32:]
	if rest == "" {
		e.parts = 1
		return e
	}
	n, ok := strings.CutPrefix(rest, "-")
	if !ok {
		return etag{raw: s}
	}
	v, err := strconv.ParseUint(n, 10, 31)
	if err != nil || v == 0 || strconv.FormatUint(v, 10) != n {
		return etag{raw: s}
	}
	e.parts = uint32(v) + 1
	return e
}

func isLowerHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// String is the ETag as S3 gave it.
func (e etag) String() string {
	switch e.parts {
	case 0:
		return e.raw
	case 1:
		return `"` + hex.EncodeToString(e.sum[:]) + `"`
	}
	return `"` + hex.EncodeToString(e.sum[:]) + "-" + strconv.FormatUint(uint64(e.parts-1), 10) + `"`
}

// isMD5 reports whether e, without its quotes, is the hex of sum: the ETag
// of an object stored in one part with those bytes.
func (e etag) isMD5(sum [16]byte) bool {
	if e.parts == 0 {
		return strings.Trim(e.raw, `"`) == hex.EncodeToString(sum[:])
	}
	return e.parts == 1 && e.sum == sum
}

// multipart reports whether e has a '-', as the ETag of an object stored
// in parts.
func (e etag) multipart() bool {
	if e.parts == 0 {
		return strings.Contains(e.raw, "-")
	}
	return e.parts > 1
}
