package plan

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/cfinv/cfinv/cfpath"
)

// pt is one Pareto-optimal way to cover the URLs to purge below a trie
// node: k paths of which w are wildcards, purging c unchanged URLs.
// Fronts are sorted by (w, k); within one w, c falls as k grows.
type pt struct {
	k, w, c int32
}

// link says how a point of a merged front was made: from point ia of the
// front accumulated so far and point ib of the child's front.
type link struct{ ia, ib int32 }

// fromWildcard in node.choice marks the node's own wildcard.
const fromWildcard = -1

// node is a node of the compressed trie of the URLs to purge: the URLs
// must[lo:hi] share the prefix must[lo][:depth]. Children holding a single
// URL that can be sent exactly are not nodes: they are in exact, with the
// URL that ends at the node.
type node struct {
	lo, hi int32
	wild   int32    // length of the node's wildcard prefix; 0 for none
	exact  []int32  // indexes in must of the URLs always sent exactly
	kids   []int32  // children that need a choice, in order
	steps  [][]link // steps[t]: how the front after merging kids[t] was made
	choice []int32  // per front point: its index in the last merged front, or fromWildcard
	front  []pt     // the node's Pareto front; dropped once the parent has merged it
	weight int64    // paths needed without a wildcard (see kidWeight)
}

// solver holds the dynamic program's state and scratch buffers, reused
// by every merge so the hot loop allocates nothing.
type solver struct {
	u     *universe
	lim   []int32 // per URL to purge: -1 when it can be sent exactly, else the longest wildcard prefix that covers it
	nodes []node
	K     int32
	W     int32
	place Placement

	workers    int
	stars      []int32       // stars[i]: URLs of must[:i] that cannot be sent exactly
	level      int           // recursion depth of build
	outs       []*outside    // scratch outside per recursion level
	tops       [][]kidWeight // scratch heaviest kids per recursion level
	weights    []kidWeight   // scratch child ranges
	capScratch []int32       // scratch row caps
	cellC      []int32       // merge table: least needless purges per (w, k)
	cellL      []link        // merge table: how that cell was reached
	colMin     []int32       // extraction: least c seen per k over earlier rows
	offA       []int32       // row offsets of the fronts being merged
	offB       []int32
	buf        [2][]pt // double buffer for the accumulated fronts
	lbuf       []link  // links of the front being extracted
}

// parallelPairs is the number of point pairs above which a merge splits
// its rows across two goroutines; below it the goroutine costs more than
// it saves. A variable so tests can force the parallel path.
var parallelPairs int64 = 1 << 18

// optimal runs the dynamic program and rebuilds the chosen items.
//
// For each trie node it computes the Pareto front of (paths, wildcards,
// needless) over all ways to cover the URLs below it: either one wildcard
// at the node (1 path, 1 wildcard, the unchanged URLs below it), or exact
// paths for a URL ending at the node combined with a choice for every
// child (a knapsack merge of the children's fronts).
//
// Points that cannot be part of any plan within the budgets are dropped
// before they are merged, which is what makes large sites fast. A node's
// point is only used when no ancestor takes its wildcard; then every
// subtree hanging off the way up to the root is covered on its own, a
// subtree of m URLs by m exact paths or by at least one path and one
// wildcard. So with w wildcards at the node, the rest of the tree needs at
// least the paths of all those subtrees minus the W-w largest savings a
// wildcard brings (see outside), and the node's points may have at most
// MaxPaths minus that many paths. When even none is left, the subtree is
// not solved at all: only a wildcard above it can cover it. With scattered
// changes and 15 wildcards this leaves only the top of the trie to solve.
func optimal(u *universe, opt Options) ([]Item, error) {
	if n := u.unchangedURLs(); n >= math.MaxInt32/2 {
		return nil, fmt.Errorf("plan invalidation: %d unchanged URLs are more than the planner counts (%d)", n, math.MaxInt32/2)
	}
	s := &solver{
		u:       u,
		lim:     u.lim,
		K:       int32(opt.MaxPaths),
		W:       int32(min(opt.MaxWildcards, opt.MaxPaths, len(u.must))),
		place:   opt.Placement,
		workers: min(runtime.GOMAXPROCS(0), 2),
	}
	s.nodes = make([]node, 0, 1024)
	s.offA = make([]int32, s.W+2)
	s.offB = make([]int32, s.W+2)
	s.stars = make([]int32, len(u.must)+1)
	for i, l := range u.lim {
		s.stars[i+1] = s.stars[i]
		if l >= 0 {
			s.stars[i+1]++
		}
	}
	s.weights = make([]kidWeight, 0, 1<<12)
	root := s.build(0, int32(len(u.must)), 0, &outside{})
	front := s.nodes[root].front
	if len(front) == 0 {
		return nil, &BudgetError{Must: len(u.must), MaxPaths: opt.MaxPaths, MaxWildcards: opt.MaxWildcards}
	}
	best := 0
	for i, p := range front {
		b := front[best]
		if p.c < b.c || p.c == b.c && (p.k < b.k || p.k == b.k && p.w < b.w) {
			best = i
		}
	}
	var items []Item
	s.emit(root, int32(best), &items)
	return items, nil
}

// build makes the node for must[lo:hi], whose parent's prefix has length
// parentDepth and whose outside is out, solves it, and returns its index.
func (s *solver) build(lo, hi, parentDepth int32, out *outside) int32 {
	must := s.u.must
	first, last := must[lo], must[hi-1]
	d := parentDepth
	for int(d) < len(first) && int(d) < len(last) && first[d] == last[d] {
		d++
	}
	idx := int32(len(s.nodes))
	s.nodes = append(s.nodes, node{lo: lo, hi: hi})
	nodeCaps := s.caps(out, s.capBuf(0))
	capExact, capWild := nodeCaps[0], int32(-1)
	if s.W >= 1 {
		capWild = nodeCaps[1]
	}
	i := lo
	// When not even one path is left for the node with every wildcard
	// spent outside, only a wildcard above it can cover its URLs.
	feasible := capExact >= 1
	var exact []int32
	if int32(len(first)) == d {
		if s.lim[lo] < 0 {
			exact = append(exact, lo)
		} else {
			feasible = false // only a wildcard at or above the node covers it
		}
		i++
	}
	var kids []int32
	if feasible {
		// First pass: the children and their weights, for their outsides.
		s.level++
		ws := s.weights[:0]
		for j := i; j < hi; {
			e := s.childEnd(j, hi, d)
			if e-j == 1 && s.lim[j] < 0 {
				exact = append(exact, j)
			} else {
				ws = append(ws, kidWeight{lo: j, hi: e, w: s.weight(j, e)})
			}
			j = e
		}
		s.weights = ws[len(ws):]
		top := s.topKids(ws, s.level)
		var sum int64
		for _, k := range ws {
			sum += k.w
		}
		for _, k := range ws {
			child := s.outsideAt(s.level)
			child.total = out.total + int64(len(exact)) + sum - k.w
			child.mergeTop(out.top, top, k, int(s.W))
			kids = append(kids, s.build(k.lo, k.hi, d, child))
		}
		s.weights = ws[:0]
		s.level--
	}
	// Merging small fronts first keeps the accumulated front small for
	// longer: a merge costs the product of the two fronts' sizes.
	slices.SortStableFunc(kids, func(x, y int32) int { return len(s.nodes[x].front) - len(s.nodes[y].front) })
	var acc []pt
	var steps [][]link
	base := int32(len(exact))
	if feasible {
		// capsAt[t] bounds the front after merging kids[:t+1]: the kids
		// still to merge are outside it too.
		rest := s.outsideAt(s.level + 1)
		rest.total, rest.top = out.total, append(rest.top[:0], out.top...)
		capsAt := make([][]int32, len(kids))
		for t := len(kids) - 1; t >= 0; t-- {
			capsAt[t] = s.caps(rest, s.capBuf(t+1))
			rest.add(s.nodes[kids[t]].weight, int(s.W))
		}
		if baseCaps := s.caps(rest, s.capBuf(len(kids)+1)); base <= baseCaps[0] {
			acc = append(s.buf[0][:0], pt{k: base})
			s.buf[0] = acc
		}
		if len(kids) > 0 && len(acc) > 0 {
			steps = make([][]link, 0, len(kids))
			for t, kid := range kids {
				var links []link
				acc, links = s.merge(acc, s.nodes[kid].front, capsAt[t], s.buf[(t+1)&1])
				s.buf[(t+1)&1] = acc
				steps = append(steps, links)
				if len(acc) == 0 {
					break
				}
			}
		}
	}
	for _, kid := range kids {
		s.nodes[kid].front = nil
	}
	n := &s.nodes[idx]
	n.exact, n.kids, n.steps = exact, kids, steps
	n.weight = s.weight(lo, hi)
	// The node's own wildcard, when it can beat exact paths or is the only
	// way to cover a URL that cannot be sent exactly.
	wildcard := pt{k: 1, w: 1, c: -1}
	if capWild >= 1 && (hi-lo >= 2 || s.lim[lo] >= 0) {
		if l := s.wildcardLen(lo, d, parentDepth); l > 0 {
			n.wild = l
			wildcard.c = int32(s.u.unchangedBelow(first[:l]))
		}
	}
	n.front, n.choice = withWildcard(acc, wildcard)
	return idx
}

// outside bounds from below the paths needed outside a node (or outside
// part of a node's children) whenever the node's own front is used. Then
// no ancestor takes its wildcard, so every subtree hanging off the way up
// is covered on its own: with no wildcard, by one exact path per URL to
// purge; with one or more, by at least one path. With j wildcards to
// spare, the fewest paths are total minus the j largest savings in top.
type outside struct {
	total int64
	top   []int64 // the W largest savings (weight-1) of a wildcard, descending
}

// kidWeight is a child range of must and its weight: the paths it needs
// without a wildcard, capped at MaxPaths+1 (infeasible either way), and
// MaxPaths+1 when a URL in it cannot be sent exactly.
type kidWeight struct {
	lo, hi int32
	w      int64
}

// weight returns the paths must[lo:hi] needs without a wildcard, capped
// at MaxPaths+1.
func (s *solver) weight(lo, hi int32) int64 {
	if s.stars[hi] > s.stars[lo] {
		return int64(s.K) + 1
	}
	return min(int64(hi-lo), int64(s.K)+1)
}

// add puts one more subtree of weight w outside.
func (o *outside) add(w int64, maxTop int) {
	o.total += w
	o.top = insertTop(o.top, w-1, maxTop)
}

// insertTop inserts v into the descending list top, keeping at most n.
func insertTop(top []int64, v int64, n int) []int64 {
	if v <= 0 || n == 0 || len(top) == n && top[n-1] >= v {
		return top
	}
	if len(top) < n {
		top = append(top, 0)
	}
	i := len(top) - 1
	for ; i > 0 && top[i-1] < v; i-- {
		top[i] = top[i-1]
	}
	top[i] = v
	return top
}

// topKids returns the kids with the n+1 largest weights, descending, n
// being the wildcard budget: enough to know the n largest without any one.
func (s *solver) topKids(ws []kidWeight, level int) []kidWeight {
	for len(s.tops) <= level {
		s.tops = append(s.tops, nil)
	}
	top := s.tops[level][:0]
	n := int(s.W) + 1
	for _, k := range ws {
		if len(top) == n && top[n-1].w >= k.w {
			continue
		}
		if len(top) < n {
			top = append(top, kidWeight{})
		}
		i := len(top) - 1
		for ; i > 0 && top[i-1].w < k.w; i-- {
			top[i] = top[i-1]
		}
		top[i] = k
	}
	s.tops[level] = top
	return top
}

// mergeTop sets o.top to the n largest savings of up (the parent's) and of
// the kids in top other than self.
func (o *outside) mergeTop(up []int64, top []kidWeight, self kidWeight, n int) {
	o.top = o.top[:0]
	i, j := 0, 0
	for len(o.top) < n {
		if j < len(top) && top[j].lo == self.lo {
			j++
			continue
		}
		var a, b int64 = -1, -1
		if i < len(up) {
			a = up[i]
		}
		if j < len(top) {
			b = top[j].w - 1
		}
		if max(a, b) <= 0 {
			break
		}
		if a >= b {
			o.top = append(o.top, a)
			i++
		} else {
			o.top = append(o.top, b)
			j++
		}
	}
}

// outsideAt returns the scratch outside of recursion level l.
func (s *solver) outsideAt(l int) *outside {
	for len(s.outs) <= l {
		s.outs = append(s.outs, &outside{top: make([]int64, 0, s.W)})
	}
	return s.outs[l]
}

// capBuf returns scratch row caps number i of the current node.
func (s *solver) capBuf(i int) []int32 {
	w := int(s.W) + 1
	if need := (i + 1) * w; len(s.capScratch) < need {
		s.capScratch = append(s.capScratch, make([]int32, need-len(s.capScratch))...)
	}
	return s.capScratch[i*w : (i+1)*w]
}

// caps fills dst[w] with the most paths a point with w wildcards may have
// when out is outside it: MaxPaths minus what the outside needs with the
// other W-w wildcards (at least -1).
func (s *solver) caps(out *outside, dst []int32) []int32 {
	n := out.total
	for spare := int32(0); spare <= s.W; spare++ {
		if spare > 0 && int(spare) <= len(out.top) {
			n -= out.top[spare-1]
		}
		dst[s.W-spare] = int32(max(int64(s.K)-n, -1))
	}
	return dst
}

// childEnd returns the end of the child range of a node of depth d that
// starts at i: the URLs of must[i:hi] with the same byte at d. It is a
// binary search, since must is sorted and must[i:hi] share d bytes.
func (s *solver) childEnd(i, hi, d int32) int32 {
	must := s.u.must
	c := must[i][d]
	lo, up := i+1, hi
	for lo < up {
		m := int32(uint32(lo+up) >> 1)
		if must[m][d] == c {
			lo = m + 1
		} else {
			up = m
		}
	}
	return lo
}

// wildcardLen returns the length of the best wildcard prefix for the node
// whose first URL is must[lo], whose prefix is d long and whose parent's
// prefix is parentDepth long, or 0 when the node has none. The best prefix
// is the longest allowed one that covers the whole node, since a longer
// prefix covers fewer unchanged URLs. It stops before a literal '*' and
// within CloudFront's path length; a prefix no longer than the parent's
// would cover exactly what the parent's wildcard covers, so it is left to
// the parent.
func (s *solver) wildcardLen(lo, d, parentDepth int32) int32 {
	str := s.u.must[lo]
	l := d
	if star := s.lim[lo]; star >= 0 && star < l {
		l = star
	}
	if l > cfpath.MaxPathLen-1 {
		l = cfpath.MaxPathLen - 1
		// Do not cut a %XX escape in two.
		if str[l-1] == '%' {
			l--
		} else if str[l-2] == '%' {
			l -= 2
		}
	}
	if s.place == Segment {
		l = int32(strings.LastIndexByte(str[:l], '/')) + 1
	}
	if l <= parentDepth {
		return 0
	}
	return l
}

// withWildcard returns the front acc plus the point wp (a wildcard at the
// node; wp.c < 0 for none), without the points wp dominates, and for each
// point its origin: its index in acc or fromWildcard. acc is sorted by
// (w, k) and Pareto-optimal; so is the result.
func withWildcard(acc []pt, wp pt) ([]pt, []int32) {
	useWild := wp.c >= 0
	if useWild {
		for _, p := range acc {
			if p.w <= wp.w && p.k <= wp.k && p.c <= wp.c {
				useWild = false
				break
			}
		}
	}
	n := len(acc)
	if useWild {
		n++
	}
	front := make([]pt, 0, n)
	choice := make([]int32, 0, n)
	inserted := !useWild
	for j, p := range acc {
		if !inserted && p.w >= wp.w {
			front, choice = append(front, wp), append(choice, fromWildcard)
			inserted = true
		}
		if useWild && p.w >= wp.w && p.k >= wp.k && p.c >= wp.c {
			continue
		}
		front, choice = append(front, p), append(choice, int32(j))
	}
	if !inserted {
		front, choice = append(front, wp), append(choice, fromWildcard)
	}
	return front, choice
}

// merge combines the fronts a and b of two disjoint sets of URLs into out
// (reused), keeping points with at most capK paths. It fills a dense
// (wildcards × paths) table with the cheapest pair for each cell, pairing
// only the rows of a and b whose wildcards add up to the cell's and
// stopping each row at capK, then reads the Pareto front off the table.
// Rows of the table are independent, so a large merge fills them on two
// goroutines. It returns the merged front and, per point, its origin.
func (s *solver) merge(a, b []pt, caps []int32, out []pt) ([]pt, []link) {
	out = out[:0]
	if len(a) == 0 || len(b) == 0 {
		return out, nil
	}
	wa, wb := a[len(a)-1].w, b[len(b)-1].w
	offA, maxA, minA := rowOffsets(a, s.offA)
	offB, maxB, minB := rowOffsets(b, s.offB)
	rows := min(wa+wb, s.W) + 1
	capK := int32(-1)
	for _, c := range caps[:rows] {
		capK = max(capK, c)
	}
	kmax := min(maxA+maxB, capK)
	if minA+minB > kmax {
		return out, nil
	}
	cols := kmax + 1
	size := int(rows) * int(cols)
	if cap(s.cellC) < size {
		s.cellC = make([]int32, size)
		s.cellL = make([]link, size)
	}
	cells, links := s.cellC[:size], s.cellL[:size]
	for i := range cells {
		cells[i] = math.MaxInt32
	}
	fill := func(r0, r1 int32) {
		for w := r0; w < r1; w++ {
			kmax := min(kmax, caps[w])
			for w1 := max(0, w-wb); w1 <= min(w, wa); w1++ {
				w2 := w - w1
				ra, rb := a[offA[w1]:offA[w1+1]], b[offB[w2]:offB[w2+1]]
				if len(ra) == 0 || len(rb) == 0 {
					continue
				}
				row := cells[int(w)*int(cols) : int(w+1)*int(cols)]
				lrow := links[int(w)*int(cols) : int(w+1)*int(cols)]
				bk0 := rb[0].k
				for i, p := range ra {
					lim := kmax - p.k
					if lim < bk0 {
						break
					}
					dst := row[p.k:]
					ldst := lrow[p.k:]
					ia := offA[w1] + int32(i)
					for j, q := range rb {
						if q.k > lim {
							break
						}
						if v := p.c + q.c; v < dst[q.k] {
							dst[q.k] = v
							ldst[q.k] = link{ia: ia, ib: offB[w2] + int32(j)}
						}
					}
				}
			}
		}
	}
	split := rows
	if s.workers > 1 && rows > 1 {
		// Balance the rows' work (point pairs) between two goroutines.
		work := make([]int64, rows)
		var total int64
		for w := range rows {
			for w1 := max(0, w-wb); w1 <= min(w, wa); w1++ {
				work[w] += int64(offA[w1+1]-offA[w1]) * int64(offB[w-w1+1]-offB[w-w1])
			}
			total += work[w]
		}
		if total >= parallelPairs {
			var acc int64
			for split = 0; split < rows && acc*2 < total; split++ {
				acc += work[split]
			}
		}
	}
	if split > 0 && split < rows {
		var wg sync.WaitGroup
		wg.Go(func() { fill(split, rows) })
		fill(0, split)
		wg.Wait()
	} else {
		fill(0, rows)
	}
	// A cell is on the front when no cell with no more paths and no more
	// wildcards is as cheap: colMin[k] is the least cost of earlier rows
	// up to k paths, rowMin that of this row so far.
	if cap(s.colMin) < int(cols) {
		s.colMin = make([]int32, cols)
	}
	colMin := s.colMin[:cols]
	for k := range colMin {
		colMin[k] = math.MaxInt32
	}
	lout := s.lbuf[:0]
	for w := range rows {
		rowMin := int32(math.MaxInt32)
		row := cells[int(w)*int(cols) : int(w+1)*int(cols)]
		for k, c := range row {
			if c < rowMin && c < colMin[k] {
				out = append(out, pt{k: int32(k), w: w, c: c})
				lout = append(lout, links[int(w)*int(cols)+k])
				rowMin = c
			}
			colMin[k] = min(colMin[k], rowMin)
		}
	}
	s.lbuf = lout
	return out, append([]link(nil), lout...)
}

// rowOffsets fills off (len W+2) so that f[off[w]:off[w+1]] are the points
// of f with w wildcards, and returns it with the most and fewest paths of
// any point. f is sorted by (w, k).
func rowOffsets(f []pt, off []int32) ([]int32, int32, int32) {
	for i := range off {
		off[i] = 0
	}
	maxK, minK := int32(0), int32(math.MaxInt32)
	for _, p := range f {
		off[p.w+1]++
		maxK, minK = max(maxK, p.k), min(minK, p.k)
	}
	for i := 1; i < len(off); i++ {
		off[i] += off[i-1]
	}
	return off, maxK, minK
}

// emit appends the items of point i of node v's front.
func (s *solver) emit(v, i int32, items *[]Item) {
	n := &s.nodes[v]
	if n.choice[i] == fromWildcard {
		it := s.u.wildcard(s.u.must[n.lo][:n.wild])
		if j := s.forced(n); j >= 0 {
			it.Note = starNote(s.u.must[j])
		}
		*items = append(*items, it)
		return
	}
	j := n.choice[i]
	for t := len(n.kids) - 1; t >= 0; t-- {
		l := n.steps[t][j]
		s.emit(n.kids[t], l.ib, items)
		j = l.ia
	}
	for _, m := range n.exact {
		*items = append(*items, Item{Path: s.u.must[m], Changed: 1})
	}
}

// forced returns the index in must of a URL below node n that no exact
// path can cover, or -1.
func (s *solver) forced(n *node) int32 {
	for j := n.lo; j < n.hi; j++ {
		if s.lim[j] >= 0 {
			return j
		}
	}
	return -1
}
