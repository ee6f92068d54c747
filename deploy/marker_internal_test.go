package deploy

import (
	"fmt"
	"testing"
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
