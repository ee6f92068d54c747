package plan

import (
	"slices"
	"sync"
)

// sortStrings sorts s in place with an MSD radix sort on bytes, on up to
// workers goroutines. URLs share long prefixes ("/blog/2024/post-…"), which
// a comparison sort compares again and again; a radix sort reads each byte
// about once, and skips a prefix the whole range shares in one pass.
func sortStrings(s []string, workers int) {
	if len(s) < 2 || slices.IsSorted(s) {
		return
	}
	tmp := make([]string, len(s))
	keys := make([]uint16, len(s))
	if workers < 2 || len(s) < 1<<15 {
		msd(s, tmp, keys, 0)
		return
	}
	// Split big ranges here until every range is at most 1/8 of the
	// whole, then sort the ranges on the workers, largest first.
	type span struct{ lo, hi, d int }
	var todo, spans []span
	todo = append(todo, span{0, len(s), 0})
	for len(todo) > 0 {
		sp := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if sp.hi-sp.lo <= len(s)/8 || sp.hi-sp.lo < 32 {
			spans = append(spans, sp)
			continue
		}
		d, start := distribute(s[sp.lo:sp.hi], tmp[sp.lo:sp.hi], keys[sp.lo:sp.hi], sp.d)
		for b := 1; b < 257; b++ {
			if lo, hi := start[b], start[b+1]; hi-lo > 1 {
				todo = append(todo, span{sp.lo + lo, sp.lo + hi, d + 1})
			}
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return (b.hi - b.lo) - (a.hi - a.lo) })
	var load [2]int
	var parts [2][]span
	for _, sp := range spans {
		i := 0
		if load[1] < load[0] {
			i = 1
		}
		load[i] += sp.hi - sp.lo
		parts[i] = append(parts[i], sp)
	}
	var wg sync.WaitGroup
	for _, part := range parts {
		wg.Go(func() {
			for _, sp := range part {
				msd(s[sp.lo:sp.hi], tmp[sp.lo:sp.hi], keys[sp.lo:sp.hi], sp.d)
			}
		})
	}
	wg.Wait()
}

// msd sorts s, whose strings share their first d bytes.
func msd(s, tmp []string, keys []uint16, d int) {
	if len(s) < 32 {
		insertion(s, d)
		return
	}
	d, start := distribute(s, tmp, keys, d)
	for b := 1; b < 257; b++ {
		if lo, hi := start[b], start[b+1]; hi-lo > 1 {
			msd(s[lo:hi], tmp[lo:hi], keys[lo:hi], d+1)
		}
	}
}

// distribute skips the bytes after d that all of s shares, then orders s
// by the byte at the new depth d (strings that end first go first, and
// are equal). It returns d and the start of each bucket: bucket 0 holds
// the strings of length d, bucket b+1 those with byte b at d.
func distribute(s, tmp []string, keys []uint16, d int) (int, [258]int) {
	// The range's common prefix: its first string's LCP with the others.
	first := s[0]
	l := len(first)
	for _, x := range s[1:] {
		n := min(l, len(x))
		i := d
		for i < n && x[i] == first[i] {
			i++
		}
		l = i
		if l == d {
			break
		}
	}
	d = l
	var count [257]int
	for i, x := range s {
		k := uint16(0)
		if d < len(x) {
			k = uint16(x[d]) + 1
		}
		keys[i] = k
		count[k]++
	}
	var start [258]int
	for b := range 257 {
		start[b+1] = start[b] + count[b]
	}
	pos := start
	for i, x := range s {
		k := keys[i]
		tmp[pos[k]] = x
		pos[k]++
	}
	copy(s, tmp[:len(s)])
	return d, start
}

// insertion sorts the short s, whose strings share their first d bytes.
func insertion(s []string, d int) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j][d:] < s[j-1][d:]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
