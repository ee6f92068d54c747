package edgecache

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cfinv/cfinv/internal/distconfig"
)

func TestKeyIndexAgainstSortedSlice(t *testing.T) {
	x := newKeyIndex()
	ref := map[string]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"/", "a", "b", "?", "=", "1"}
	randKey := func() string {
		var b strings.Builder
		b.WriteString("/")
		for range rng.IntN(6) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for i := range 5000 {
		k := randKey()
		switch {
		case rng.IntN(40) == 0:
			prefix := k[:1+rng.IntN(len(k))]
			var want []string
			for r := range ref {
				if strings.HasPrefix(r, prefix) {
					want = append(want, r)
					delete(ref, r)
				}
			}
			slices.Sort(want)
			if diff := cmp.Diff(want, x.removePrefix(prefix), cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("step %d removePrefix(%q) mismatch (-want +got):\n%s", i, prefix, diff)
			}
			all := slices.Sorted(maps.Keys(ref))
			if diff := cmp.Diff(all, x.withPrefix("/"), cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("step %d after removePrefix(%q) the index holds (-want +got):\n%s", i, prefix, diff)
			}
		case rng.IntN(3) == 0:
			x.remove(k)
			delete(ref, k)
		default:
			x.insert(k)
			ref[k] = true
		}
		if i%250 != 0 {
			continue
		}
		prefix := randKey()
		prefix = prefix[:1+rng.IntN(len(prefix))]
		var want []string
		for k := range ref {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		slices.Sort(want)
		if diff := cmp.Diff(want, x.withPrefix(prefix)); diff != "" {
			t.Fatalf("step %d withPrefix(%q) mismatch (-want +got):\n%s", i, prefix, diff)
		}
		if x.len() != len(ref) {
			t.Fatalf("step %d len = %d, want %d", i, x.len(), len(ref))
		}
	}
}

func TestTTLForPolicies(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	legacy := cachePolicy{min: 0, def: 86400, max: 31536000}
	opt := managedPolicies["658327ea-f89d-4fab-a63d-7e88639e58f6"]
	disabled := managedPolicies["4135ea2d-6df8-44a3-9df3-4b5a84be39ad"]
	tests := []struct {
		name      string
		pol       cachePolicy
		status    int
		h         http.Header
		want      time.Duration
		wantStore bool
	}{
		{"legacy default", legacy, 200, nil, 86400 * time.Second, true},
		{"legacy no-store, MinTTL 0", legacy, 200, http.Header{"Cache-Control": {"no-store"}}, 0, false},
		{"optimized no-store keeps MinTTL 1", opt, 200, http.Header{"Cache-Control": {"no-store"}}, time.Second, true},
		{"optimized max-age=0 raised to MinTTL", opt, 200, http.Header{"Cache-Control": {"max-age=0"}}, time.Second, true},
		{"disabled", disabled, 200, http.Header{"Cache-Control": {"max-age=60"}}, 0, false},
		{"invalid Expires is expired", legacy, 200, http.Header{"Expires": {"0"}}, 0, true},
		{"past Expires", legacy, 200, http.Header{"Expires": {"Sun, 22 Nov 2026 09:00:00 GMT"}}, 0, true},
		{"302 not cached", legacy, 302, nil, 0, false},
		{"404 error caching TTL", legacy, 404, nil, 10 * time.Second, true},
		{"503 with a shorter max-age keeps the minimum", legacy, 503, http.Header{"Cache-Control": {"max-age=3"}}, 10 * time.Second, true},
		{"503 with a longer max-age", legacy, 503, http.Header{"Cache-Control": {"max-age=30"}}, 30 * time.Second, true},
		{"max-age capped by MaxTTL", cachePolicy{max: 20}, 503, http.Header{"Cache-Control": {"max-age=30"}}, 20 * time.Second, true},
		{"404 no-store", legacy, 404, http.Header{"Cache-Control": {"no-store"}}, 0, false},
		{"503 no-store ignored", legacy, 503, http.Header{"Cache-Control": {"no-store"}}, 10 * time.Second, true},
		{"configured minimum", cachePolicy{max: 600, errorResponses: map[int]distconfig.ErrorResponse{404: {ErrorCode: 404, MinTTL: 60}}}, 404, nil, time.Minute, true},
		{"custom error response without a minimum", cachePolicy{max: 600, errorResponses: map[int]distconfig.ErrorResponse{404: {ErrorCode: 404, MinTTL: -1}}}, 404, nil, 10 * time.Second, true},
		{"configured minimum 0: not cached", cachePolicy{max: 600, errorResponses: map[int]distconfig.ErrorResponse{404: {ErrorCode: 404, MinTTL: 0}}}, 404, nil, 0, false},
		{"configured minimum 0, max-age wins", cachePolicy{max: 600, errorResponses: map[int]distconfig.ErrorResponse{404: {ErrorCode: 404, MinTTL: 0}}}, 404, http.Header{"Cache-Control": {"max-age=5"}}, 5 * time.Second, true},
		{"quoted and upper-case directives", legacy, 200, http.Header{"Cache-Control": {`Public, MAX-AGE="42"`}}, 42 * time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, store := tc.pol.ttlFor(tc.status, tc.h, now)
			if got != tc.want || store != tc.wantStore {
				t.Errorf("ttlFor = %v, %v; want %v, %v", got, store, tc.want, tc.wantStore)
			}
		})
	}
}

func TestParseTags(t *testing.T) {
	h := http.Header{"Edge-Cache-Tag": {"Product:TV, brand:x,,  ", "third"}}
	if diff := cmp.Diff([]string{"product:tv", "brand:x", "third"}, parseTags(h, "Edge-Cache-Tag")); diff != "" {
		t.Errorf("parseTags mismatch (-want +got):\n%s", diff)
	}
	var many []string
	for i := range 60 {
		many = append(many, fmt.Sprintf("t%d", i))
	}
	if got := parseTags(http.Header{"X-Tags": {strings.Join(many, ",")}}, "X-Tags"); len(got) != maxTags {
		t.Errorf("parseTags of 60 tags kept %d, want %d", len(got), maxTags)
	}
	if got := parseTags(h, ""); got != nil {
		t.Errorf("parseTags without CacheTagConfig = %q, want nil", got)
	}
}

func TestKeyQuery(t *testing.T) {
	p := cachePolicy{queryKeys: []string{"v", "lang"}}
	if got, want := p.keyQuery("a=1&v=2&lang=fr&v=3"), "v=2&lang=fr&v=3"; got != want {
		t.Errorf("keyQuery = %q, want %q", got, want)
	}
	if got := (cachePolicy{}).keyQuery("a=1"); got != "" {
		t.Errorf("keyQuery without forwarding = %q, want empty", got)
	}
	if got := (cachePolicy{queryAll: true}).keyQuery("b=2&a=1"); got != "b=2&a=1" {
		t.Errorf("keyQuery all = %q, want the query as sent", got)
	}
}

// FuzzCacheHeaders feeds arbitrary Cache-Control, Expires and tag headers
// to the parsers: no panics, TTLs always within the policy's bounds.
func FuzzCacheHeaders(f *testing.F) {
	f.Add("max-age=10, s-maxage=20", "Sun, 22 Nov 2026 10:00:00 GMT", "a, b,c")
	f.Add("no-store, private", "0", "")
	f.Add(`max-age="-1"`, "", ",,,")
	f.Fuzz(func(t *testing.T, cc, expires, tags string) {
		now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
		h := http.Header{"Cache-Control": {cc}, "Expires": {expires}, "Tags": {tags}}
		p := cachePolicy{min: 5, def: 60, max: 600}
		ttl, store := p.ttlFor(200, h, now)
		if store && (ttl < 5*time.Second || ttl > 600*time.Second) {
			t.Errorf("ttlFor = %v, outside [5s, 600s]", ttl)
		}
		if got := parseTags(h, "Tags"); len(got) > maxTags {
			t.Errorf("parseTags returned %d tags", len(got))
		}
	})
}

// BenchmarkWildcardPurge purges a wildcard that matches 100 objects in a
// cache of n objects: the time should not grow with n.
func BenchmarkWildcardPurge(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			c := newCache(1 << 62)
			d := c.dist("E1")
			now := time.Now()
			put := func(key string) {
				c.store(d, key, "", &object{status: 200, stored: now, expires: now.Add(time.Hour)})
			}
			for i := range n - 100 {
				put(fmt.Sprintf("/bulk/%07d.html", i))
			}
			hot := make([]string, 100)
			for i := range hot {
				hot[i] = fmt.Sprintf("/hot/%03d.css", i)
				put(hot[i])
			}
			b.ResetTimer()
			for range b.N {
				if got := c.purge("E1", []string{"/hot/*"}); got != 100 {
					b.Fatalf("purged %d, want 100", got)
				}
				b.StopTimer()
				for _, k := range hot {
					put(k)
				}
				b.StartTimer()
			}
		})
	}
}
