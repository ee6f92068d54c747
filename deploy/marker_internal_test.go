package deploy

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBloom: a filter never misses a key added, fits the room it is given
// once encoded, and answers false for most keys not added when it has
// room for them.
func TestBloom(t *testing.T) {
	for _, tc := range []struct {
		name        string
		keys, room  int
		maxFalsePos float64
	}{
		{name: "no keys", keys: 0, room: 1500, maxFalsePos: 0},
		{name: "a few keys", keys: 10, room: 1500, maxFalsePos: 0.01},
		{name: "as many keys as bytes", keys: 1000, room: 1500, maxFalsePos: 0.1},
		{name: "too many keys", keys: 50000, room: 1500, maxFalsePos: 1},
		{name: "little room", keys: 100, room: 4, maxFalsePos: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var keys []string
			for i := range tc.keys {
				keys = append(keys, fmt.Sprintf("assets/old-%d.js", i))
			}
			b := newBloom(keys, tc.room/4*3)
			enc := b.String()
			if len(enc) > tc.room {
				t.Errorf("encoded in %d bytes, more than the room of %d", len(enc), tc.room)
			}
			got, ok := parseBloom(enc)
			if !ok {
				t.Fatalf("parseBloom(%q) failed", enc)
			}
			for _, k := range keys {
				if !got.has(k) {
					t.Fatalf("key %q added but not found", k)
				}
			}
			fp := 0
			for i := range 10000 {
				if got.has(fmt.Sprintf("page-%d.html", i)) {
					fp++
				}
			}
			if rate := float64(fp) / 10000; rate > tc.maxFalsePos {
				t.Errorf("false positive rate %.3f, want at most %.3f", rate, tc.maxFalsePos)
			}
		})
	}
}

// TestMarkerBound: a marker vouches for the objects last modified before
// both its bound B and its own second; a version 1 marker (no bound, from
// earlier releases) for those before its own second. Objects of B's
// second are read: one rewritten there after the check, with the same
// bytes, would look the same in the listing.
func TestMarkerBound(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	sec := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	f := &file{Key: "a.css", Size: 3, md5: md5.Sum([]byte("a{}"))}
	obj := func(at time.Time) object {
		return object{ETag: parseETag(`"` + hex.EncodeToString(f.md5[:]) + `"`), Size: 3, Modified: at.Add(300 * time.Millisecond)}
	}
	for _, tc := range []struct {
		name string
		// value builds the marker's value from F and D.
		value    func(fp, dg string) string
		markerAt time.Time // the marker object's LastModified
		objAt    time.Time
		want     bool // trusted
		invalid  bool // not a marker
	}{
		{name: "v2: before the bound", value: v2(sec(2)), markerAt: sec(2), objAt: sec(1), want: true},
		{name: "v2: in the bound's second", value: v2(sec(2)), markerAt: sec(2), objAt: sec(2), want: false},
		{name: "v2: copied forward keeps its bound", value: v2(sec(2)), markerAt: sec(9), objAt: sec(2), want: false},
		{name: "v2: copied forward, older object", value: v2(sec(2)), markerAt: sec(9), objAt: sec(1), want: true},
		{name: "v2: waited, bound after the objects' second", value: v2(sec(3)), markerAt: sec(3), objAt: sec(2), want: true},
		{name: "v2: bound later than the marker", value: v2(sec(5)), markerAt: sec(3), objAt: sec(3), want: false},
		{name: "v1: before its own second", value: v1(), markerAt: sec(3), objAt: sec(2), want: true},
		{name: "v1: in its own second", value: v1(), markerAt: sec(3), objAt: sec(3), want: false},
		{name: "v2 value without a bound", value: func(fp, dg string) string { return "2 " + fp + " " + dg + " AQ== 0011223344556677 0" }, invalid: true},
		{name: "v1 value with a bound", value: func(fp, dg string) string { return "1 " + fp + " " + dg + " AQ== 0011223344556677 1 0" }, invalid: true},
		{name: "v2 value without I", value: func(fp, dg string) string { return "2 " + fp + " " + dg + " AQ== 0011223344556677 1" }, invalid: true},
		{name: "v2 value with a bad I", value: func(fp, dg string) string { return "2 " + fp + " " + dg + " AQ== 0011223344556677 1 2" }, invalid: true},
		{name: "v2 value with a v1 fingerprint", value: func(_, dg string) string {
			fp := (&run{o: Options{Bucket: "site"}}).fingerprint("1", "index.html")
			return "2 " + fp + " " + dg + " AQ== 0011223344556677 1 0"
		}, invalid: true},
		{name: "negative bound", value: func(fp, dg string) string { return "2 " + fp + " " + dg + " AQ== 0011223344556677 -1 0" }, invalid: true},
		{name: "bound not a number", value: func(fp, dg string) string { return "2 " + fp + " " + dg + " AQ== 0011223344556677 x 0" }, invalid: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &run{o: Options{Bucket: "site"}}
			d.remote = testListing(t, listed{key: "a.css", obj: obj(tc.objAt)}, listed{key: "index.html", obj: object{ETag: parseETag(`"00000000000000000000000000000000"`), Size: 1, Modified: tc.markerAt}})
			dg, err := d.remote.digest("index.html")
			if err != nil {
				t.Fatal(err)
			}
			version := "2"
			if strings.HasPrefix(tc.value("", ""), "1 ") {
				version = "1"
			}
			value := tc.value(d.fingerprint(version, "index.html"), dg)
			m, ok := d.parseMarker("index.html", value, second(tc.markerAt), dg)
			if ok == tc.invalid {
				t.Fatalf("parseMarker(%q) valid %v, want %v", value, ok, !tc.invalid)
			}
			if !ok {
				return
			}
			d.marker = m
			if got := d.trusted(f, obj(tc.objAt)); got != tc.want {
				t.Errorf("object of %s under a marker of %s (%q): trusted %v, want %v", tc.objAt.Format(time.TimeOnly), tc.markerAt.Format(time.TimeOnly), value, got, tc.want)
			}
		})
	}
}

func v2(bound time.Time) func(fp, dg string) string {
	return func(fp, dg string) string {
		return "2 " + fp + " " + dg + " AQ== 0011223344556677 " + strconv.FormatInt(bound.Unix(), 10) + " 0"
	}
}

func v1() func(fp, dg string) string {
	return func(fp, dg string) string { return "1 " + fp + " " + dg + " AQ== 0011223344556677" }
}

// FuzzParseMarker: any metadata value, as another tool may write it,
// parses without a panic; one taken as a marker names a bound no later
// than the marker object's second and round-trips its fields.
func FuzzParseMarker(f *testing.F) {
	d := &run{o: Options{Bucket: "site"}}
	d.remote = testListing(f, listed{key: "a.css", obj: object{ETag: parseETag(`"00000000000000000000000000000000"`), Size: 3}}, listed{key: "index.html"})
	dg, err := d.remote.digest("index.html")
	if err != nil {
		f.Fatal(err)
	}
	fp2, fp1 := d.fingerprint("2", "index.html"), d.fingerprint("1", "index.html")
	f.Add("2 " + fp2 + " " + dg + " AQ== 0011223344556677 1780000000 1")
	f.Add("1 " + fp1 + " " + dg + " AQ== 0011223344556677")
	f.Add("2 " + fp2 + " " + dg + " AQ== 0011223344556677 -5 0")
	f.Add("2 " + fp2 + " " + dg + " !!!! x 99999999999999999999 1")
	f.Add("")
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, value string) {
		m, ok := d.parseMarker("index.html", value, at, dg)
		if !ok {
			return
		}
		if m.before.After(at) {
			t.Errorf("parseMarker(%q): bound %v after the marker's second %v", value, m.before, at)
		}
		if parts := strings.Split(value, " "); m.deploy != parts[4] || m.invalidated != (len(parts) == 7 && parts[6] == "1") {
			t.Errorf("parseMarker(%q) = %+v: fields not the value's", value, m)
		}
	})
}

// testListing is a listing of objs (in key order), closed when tb ends.
func testListing(tb testing.TB, objs ...listed) *listing {
	tb.Helper()
	l := newListing()
	for _, e := range objs {
		l.add(e.key, e.obj)
	}
	tb.Cleanup(func() { l.close() })
	return l
}
