package deploy

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"
)

// etagCases are ETags in S3's forms and out of them.
var etagCases = []string{
	"", `""`, `"`, "abc",
	`"d41d8cd98f00b204e9800998ecf8427e"`,   // one part
	`"D41D8CD98F00B204E9800998ECF8427E"`,   // upper case: kept as is
	`"d41d8cd98f00b204e9800998ecf8427e-3"`, // in parts
	`"d41d8cd98f00b204e9800998ecf8427e-10000"`,
	`"d41d8cd98f00b204e9800998ecf8427e-0"`,
	`"d41d8cd98f00b204e9800998ecf8427e-03"`,
	`"d41d8cd98f00b204e9800998ecf8427e-"`,
	`"d41d8cd98f00b204e9800998ecf8427e-x"`,
	`"d41d8cd98f00b204e9800998ecf8427e-99999999999"`,
	`d41d8cd98f00b204e9800998ecf8427e`, // unquoted
	`""d41d8cd98f00b204e9800998ecf8427e""`,
	`"d41d8cd98f00b204e9800998ecf8427"`,   // 31 digits
	`"d41d8cd98f00b204e9800998ecf8427ef"`, // 33
	`W/"d41d8cd98f00b204e9800998ecf8427e"`,
	`"00000000000000000000000000000000"`,
}

// TestETag: an etag gives back the string it was parsed from, two are
// equal exactly when their strings are, and isMD5 and multipart answer as
// the string comparisons they replace (issue 31: the ETags of the listings
// and of the objects written are kept without a string each).
func TestETag(t *testing.T) {
	for _, s := range etagCases {
		checkETag(t, s)
	}
}

func FuzzETag(f *testing.F) {
	for _, s := range etagCases {
		f.Add(s, `"d41d8cd98f00b204e9800998ecf8427e"`)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		checkETag(t, a)
		if got, want := parseETag(a) == parseETag(b), a == b; got != want {
			t.Errorf("parseETag(%q) == parseETag(%q) is %v, want %v", a, b, got, want)
		}
	})
}

func checkETag(t *testing.T, s string) {
	t.Helper()
	e := parseETag(s)
	if got := e.String(); got != s {
		t.Errorf("parseETag(%q).String() = %q", s, got)
	}
	for _, o := range etagCases {
		if got, want := e == parseETag(o), s == o; got != want {
			t.Errorf("parseETag(%q) == parseETag(%q) is %v, want %v", s, o, got, want)
		}
	}
	if got, want := e == (etag{}), s == ""; got != want {
		t.Errorf("parseETag(%q) is the zero etag: %v, want %v", s, got, want)
	}
	if got, want := e.multipart(), strings.Contains(s, "-"); got != want {
		t.Errorf("parseETag(%q).multipart() = %v, want %v", s, got, want)
	}
	sums := [][16]byte{md5.Sum(nil), {}}
	if raw, err := hex.DecodeString(strings.Trim(s, `"`)); err == nil && len(raw) == 16 {
		sums = append(sums, [16]byte(raw))
	}
	for _, sum := range sums {
		if got, want := e.isMD5(sum), strings.Trim(s, `"`) == hex.EncodeToString(sum[:]); got != want {
			t.Errorf("parseETag(%q).isMD5(%x) = %v, want %v", s, sum, got, want)
		}
	}
}
