package plan

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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
	// Long shared prefixes, lengths around multiples of the 8-byte key
	// window, and duplicates: the cases where the cached keys run out.
	var windows []string
	for i := range 3000 {
		pre := "/0123456789abcdef/0123456"[:r.IntN(26)]
		windows = append(windows, pre+gen(1, "ab\x00", 10)[0])
		if i%7 == 0 {
			windows = append(windows, pre, pre)
		}
	}
	for _, pre := range []string{"/1234567", "/123456789abcdef"} {
		for range 100 {
			windows = append(windows, pre, pre+gen(1, "ab/", 10)[0])
		}
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
		{"shared prefixes around the key window", windows},
		{"shared prefixes, parallel", slices.Concat(windows, windows, windows, windows, windows, windows, windows, windows, windows, windows, windows, windows)},
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

func FuzzSortStrings(f *testing.F) {
	f.Add("/blog/\n/blog\n/blog/index.html\n/a\x00b\n/1234567\n/1234567a")
	f.Fuzz(func(t *testing.T, lines string) {
		in := strings.Split(lines, "\n")
		// Repeat the lines so the radix passes run, not just insertion.
		for len(in) < 40 {
			in = append(in, in...)
		}
		got := slices.Clone(in)
		sortStrings(got, 1)
		want := slices.Sorted(slices.Values(in))
		if !slices.Equal(got, want) {
			t.Errorf("sortStrings(%q) = %q, want %q", in, got, want)
		}
	})
}
