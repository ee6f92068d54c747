package plan

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sync"
)

// sortStrings sorts s in place with an in-place MSD radix sort on bytes
// (American flag sort), on up to workers goroutines. URLs share long
// prefixes ("/blog/2024/post-…"), which a comparison sort compares again
// and again; a radix sort reads each byte about once, and skips a prefix
// the whole range shares in one pass.
//
// Each string's next 8 bytes are cached in a word next to it, so the
// passes over a range read the cache instead of the string's bytes (a
// cache miss each, as the strings lie in input order) and go back to the
// strings only every 8 bytes of depth. The sort permutes s and the words
// together, in place: besides s it needs 8 bytes per string.
func sortStrings(s []string, workers int) {
	if len(s) < 2 || slices.IsSorted(s) {
		return
	}
	r := radix{s: s, key: make([]uint64, len(s))}
	if workers < 2 || len(s) < 1<<15 {
		r.sort(0, len(s), 0, -1)
		return
	}
	// Split big ranges here until every range is at most 1/8 of the
	// whole, then sort the ranges on the workers, largest first.
	type span struct{ lo, hi, d, kd int }
	var todo, spans []span
	todo = append(todo, span{0, len(s), 0, -1})
	for len(todo) > 0 {
		sp := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if sp.hi-sp.lo <= len(s)/8 || sp.hi-sp.lo < 32 {
			spans = append(spans, sp)
			continue
		}
		d, kd, start := r.distribute(sp.lo, sp.hi, sp.d, sp.kd)
		for b := 1; b < 257; b++ {
			if lo, hi := start[b], start[b+1]; hi-lo > 1 {
				todo = append(todo, span{sp.lo + lo, sp.lo + hi, d + 1, kd})
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
				r.sort(sp.lo, sp.hi, sp.d, sp.kd)
			}
		})
	}
	wg.Wait()
}

// radix is the state of sortStrings: the strings and, per string, the
// cached bytes s[i][kd:kd+8] of its range (big-endian, zero past the end),
// kd being the range's key depth. Goroutines sort disjoint ranges.
type radix struct {
	s   []string
	key []uint64
}

// sort sorts s[lo:hi], whose strings share their first d bytes and whose
// keys hold the bytes from kd (kd < 0: none loaded yet).
func (r *radix) sort(lo, hi, d, kd int) {
	for hi-lo >= 32 {
		var start [258]int
		d, kd, start = r.distribute(lo, hi, d, kd)
		// Recurse into all buckets but the largest, and loop on that one,
		// so the stack stays shallow.
		big := 1
		for b := 2; b < 257; b++ {
			if start[b+1]-start[b] > start[big+1]-start[big] {
				big = b
			}
		}
		for b := 1; b < 257; b++ {
			if b != big && start[b+1]-start[b] > 1 {
				r.sort(lo+start[b], lo+start[b+1], d+1, kd)
			}
		}
		lo, hi, d = lo+start[big], lo+start[big+1], d+1
	}
	r.insertion(lo, hi, d, kd)
}

// load8 returns the bytes x[d:d+8], big-endian, zero past the end.
func load8(x string, d int) uint64 {
	if d+8 <= len(x) {
		return binary.BigEndian.Uint64([]byte(x[d : d+8]))
	}
	var k uint64
	for i := range 8 {
		k <<= 8
		if d+i < len(x) {
			k |= uint64(x[d+i])
		}
	}
	return k
}

// distribute skips the bytes from d on that all of s[lo:hi] shares, then
// orders the range by the byte at the new depth d (strings that end first
// go first, and are equal). It returns d, the key depth and the start of
// each bucket relative to lo: bucket 0 holds the strings of length d,
// bucket b+1 those with byte b at d.
func (r *radix) distribute(lo, hi, d, kd int) (int, int, [258]int) {
	d, kd = r.skipShared(lo, hi, d, kd)
	s, key := r.s[lo:hi], r.key[lo:hi]
	shift := uint(8 * (7 - (d - kd)))
	bucket := func(i int) int {
		if d >= len(s[i]) {
			return 0
		}
		return int(key[i]>>shift&0xff) + 1
	}
	var start [258]int
	for i := range s {
		start[bucket(i)+1]++
	}
	for b := range 257 {
		start[b+1] += start[b]
	}
	// American flag sort: swap each string into its bucket, in place.
	next := start
	for b := range 257 {
		for next[b] < start[b+1] {
			i := next[b]
			v := bucket(i)
			for v != b {
				j := next[v]
				next[v]++
				s[i], s[j] = s[j], s[i]
				key[i], key[j] = key[j], key[i]
				v = bucket(i)
			}
			next[b]++
		}
	}
	return d, kd, start
}

// skipShared returns the length d of the prefix s[lo:hi] shares (at least
// the given d) and the key depth kd, with kd ≤ d < kd+8 unless some string
// ends at d, and the keys holding the bytes from kd.
func (r *radix) skipShared(lo, hi, d, kd int) (int, int) {
	s, key := r.s[lo:hi], r.key[lo:hi]
	minLen := len(s[0])
	for _, x := range s[1:] {
		minLen = min(minLen, len(x))
	}
	// The range's common prefix, 8 bytes at a time from the keys.
	for {
		if kd < 0 || d >= kd+8 {
			kd = d
			for i, x := range s {
				key[i] = load8(x, kd)
			}
		}
		var diff uint64
		k0 := key[0]
		for _, k := range key[1:] {
			diff |= k ^ k0
		}
		// Bytes before d in the window are shared by construction.
		shared := kd + bits.LeadingZeros64(diff)/8
		if shared > minLen {
			shared = minLen // past the shortest string, its zeros are no bytes
		}
		if shared < kd+8 {
			d = max(d, shared)
			break
		}
		d = kd + 8
		if d >= minLen {
			d = minLen
			break
		}
	}
	if d == kd+8 { // the window ends right at d: the byte at d is not in it
		kd = d
		for i, x := range s {
			key[i] = load8(x, kd)
		}
	}
	return d, kd
}

// insertion sorts the short range s[lo:hi], whose strings share their
// first d bytes, by insertion. It compares the cached keys first: when two
// keys differ, they order the strings as the strings' bytes would (a
// string that ends early pads with zeros, below any byte it could have
// there); only equal keys need the strings themselves.
func (r *radix) insertion(lo, hi, d, kd int) {
	if hi-lo < 2 {
		return
	}
	// Keys that start at the first byte not all share decide most
	// comparisons.
	d, kd = r.skipShared(lo, hi, d, kd)
	s, key := r.s[lo:hi], r.key[lo:hi]
	if kd != d {
		for i, x := range s {
			key[i] = load8(x, d)
		}
	}
	for i := 1; i < len(s); i++ {
		for j := i; j > 0; j-- {
			if key[j] > key[j-1] || key[j] == key[j-1] && s[j][d:] >= s[j-1][d:] {
				break
			}
			s[j], s[j-1] = s[j-1], s[j]
			key[j], key[j-1] = key[j-1], key[j]
		}
	}
}
