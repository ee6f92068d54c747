package plan

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortStrings(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	gen := func(n int, alphabet string, maxLen int) []string {
		out := make([]string, n)
		for i := range out {
			b := make([]byte, r.IntN(maxLen+1))
			for j := range b {
				b[j] = alphabet[r.IntN(len(alphabet))]
			}
			out[i] = string(b)
		}
		return out
	}
	var urls []string
	for i := range 100_000 {
		urls = append(urls, fmt.Sprintf("/blog/%d/post-%d/img-%d.jpg", 2015+i%11, i%7919, i))
	}
	tests := []struct {
		name string
		in   []string
	}{
		{"empty", nil},
		{"one", []string{"x"}},
		{"small", gen(20, "ab", 4)},
		{"duplicates and prefixes", gen(5000, "ab", 6)},
		{"bytes", gen(5000, "\x00\x01\xfe\xff/a", 8)},
		{"parallel", gen(200_000, "abc/", 12)},
		{"urls, parallel", urls},
		{"sorted", slices.Sorted(slices.Values(gen(50_000, "xyz", 5)))},
	}
	for _, tt := range tests {
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/workers=%d", tt.name, workers), func(t *testing.T) {
				got := slices.Clone(tt.in)
				sortStrings(got, workers)
				want := slices.Clone(tt.in)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("sortStrings differs from slices.Sort")
				}
			})
		}
	}
}
