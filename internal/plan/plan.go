package plan

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cfinv/cfinv/internal/cfpath"
)

// Strategy chooses how Build covers the URLs that must be purged.
type Strategy string

// The strategies.
const (
	// Optimal covers every URL with the fewest needless purges the budgets
	// allow (see Build).
	Optimal Strategy = "optimal"
	// Exact sends one path per URL, whatever the budget: no needless purge,
	// the most paths.
	Exact Strategy = "exact"
	// Everything sends "/*": one path, everything purged.
	Everything Strategy = "everything"
)

// ParseStrategy parses "optimal", "exact" or "everything".
func ParseStrategy(s string) (Strategy, error) {
	switch st := Strategy(s); st {
	case Optimal, Exact, Everything:
		return st, nil
	}
	return "", fmt.Errorf("unknown strategy %q: want optimal, exact or everything", s)
}

// Placement says where Build may put a wildcard.
type Placement string

// The wildcard placements.
const (
	// Anywhere allows a wildcard after any character: /blog/post-1* as well
	// as /blog/*. CloudFront matches a wildcard as a plain string prefix, so
	// this is the widest choice and never worse than Segment.
	Anywhere Placement = "any"
	// Segment allows wildcards only right after a '/': /blog/*.
	Segment Placement = "segment"
)

// ParsePlacement parses "any" or "segment".
func ParsePlacement(s string) (Placement, error) {
	switch p := Placement(s); p {
	case Anywhere, Segment:
		return p, nil
	}
	return "", fmt.Errorf("unknown wildcard placement %q: want any or segment", s)
}

// Pricing and defaults. https://aws.amazon.com/cloudfront/pricing/
const (
	// PricePerPath is what CloudFront bills per invalidation path past the
	// monthly free allowance, in US dollars. A wildcard is one path.
	PricePerPath = 0.005
	// FreePathsPerMonth is the monthly free allowance per account.
	FreePathsPerMonth = 1000
	// MinDefaultPaths is the smallest default path budget: with no free
	// paths left, a plan of up to 100 paths costs at most $0.50.
	MinDefaultPaths = 100
	// DefaultMaxWildcards is CloudFront's limit on wildcards in progress.
	DefaultMaxWildcards = cfpath.MaxInProgressWildcards
)

// DefaultMaxPaths is the path budget used when none is given: the free
// paths left this month, so the run costs nothing, but at least
// MinDefaultPaths (a run that is cheap rather than free) and never more
// than the 3000 paths CloudFront lets be in progress.
func DefaultMaxPaths(freePathsLeft int) int {
	return min(max(freePathsLeft, MinDefaultPaths), cfpath.MaxInProgressPaths)
}

// Input is what must be purged and what else the site serves. Every entry
// is an encoded URL path starting with '/' (see Mapper).
type Input struct {
	// Purge are the URLs a viewer may have cached in an old version:
	// changed and deleted objects. Every one is covered by the plan.
	Purge []string
	// New are URLs of objects no viewer can have cached yet. Covering them
	// costs nothing and they need not be covered.
	New []string
	// All are the URLs of every object of the site. Those in neither
	// Purge nor New are unchanged: a wildcard that covers one purges it
	// needlessly.
	All []string
}

// Options are the budgets and choices of Build.
type Options struct {
	Strategy Strategy
	// MaxPaths bounds the number of paths (exact and wildcard); 0 means
	// DefaultMaxPaths(FreePathsLeft).
	MaxPaths int
	// MaxWildcards bounds the number of wildcard paths; negative means 0,
	// and 0 means none allowed. Use DefaultMaxWildcards for CloudFront's
	// limit.
	MaxWildcards int
	// Placement says where wildcards may go; "" means Anywhere.
	Placement Placement
	// FreePathsLeft is the part of this month's free allowance still
	// unused, for the cost estimate.
	FreePathsLeft int
	// BatchSize bounds the paths of one CreateInvalidation; 0 means 3000.
	BatchSize int
}

// Item is one invalidation path of a plan, with why it is there.
type Item struct {
	Path     string `json:"path"`
	Wildcard bool   `json:"wildcard,omitempty"`
	// Changed counts the URLs to purge it covers.
	Changed int `json:"changed"`
	// Unchanged counts the unchanged URLs it purges needlessly.
	Unchanged int `json:"unchanged"`
	// New counts the new URLs it covers (harmless).
	New int `json:"new,omitempty"`
}

// Reason explains the item in one line: "/blog/* covers 212 changed,
// 3 unchanged".
func (it Item) Reason() string {
	if !it.Wildcard {
		return it.Path + " is a changed URL"
	}
	s := fmt.Sprintf("%s covers %d changed, %d unchanged", it.Path, it.Changed, it.Unchanged)
	if it.New > 0 {
		s += fmt.Sprintf(", %d new", it.New)
	}
	return s
}

// Plan is the result of Build.
type Plan struct {
	Strategy Strategy `json:"strategy"`
	// Items are the paths, sorted.
	Items []Item `json:"items"`
	// Batches split the paths into CreateInvalidation calls that each
	// respect CloudFront's batch and in-progress limits.
	Batches [][]string `json:"batches"`
	// Must is the number of URLs that had to be purged.
	Must int `json:"must"`
	// Needless is the number of unchanged URLs the plan purges.
	Needless int `json:"needless"`
	// Wildcards is the number of wildcard items.
	Wildcards int `json:"wildcards"`
	// BilledPaths is the number of paths past the free allowance.
	BilledPaths int `json:"billed_paths"`
	// CostUSD is BilledPaths times PricePerPath.
	CostUSD float64 `json:"estimated_cost_usd"`
}

// Paths returns the plan's paths in order.
func (p *Plan) Paths() []string {
	out := make([]string, len(p.Items))
	for i, it := range p.Items {
		out[i] = it.Path
	}
	return out
}

// BudgetError says the budgets cannot cover what must be purged.
type BudgetError struct {
	Must, MaxPaths, MaxWildcards int
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("plan invalidation: %d URLs cannot be covered with at most %d paths and %d wildcards", e.Must, e.MaxPaths, e.MaxWildcards)
}

// ExitClass marks the budgets as bad input.
func (e *BudgetError) ExitClass() string { return "usage" }

// Hint says how to make the budgets feasible.
func (e *BudgetError) Hint() string {
	return "raise --max-paths, allow wildcards with --max-wildcards 1 or more, or use --strategy exact"
}

// Build plans the invalidation of in under opt.
//
// With the Optimal strategy the plan is optimal in this sense: among all
// sets of exact paths and wildcards (placed as opt.Placement allows) that
// cover every URL of in.Purge, with at most MaxPaths paths of which at
// most MaxWildcards are wildcards, it purges the fewest unchanged URLs;
// among those, it has the fewest paths; among those, the fewest wildcards.
// It is computed exactly, by dynamic programming over a compressed trie of
// the URLs to purge (see the package documentation), not by a heuristic.
func Build(in Input, opt Options) (*Plan, error) {
	if opt.Strategy == "" {
		opt.Strategy = Optimal
	}
	if opt.MaxPaths <= 0 {
		opt.MaxPaths = DefaultMaxPaths(opt.FreePathsLeft)
	}
	opt.MaxWildcards = max(opt.MaxWildcards, 0)
	if opt.Placement == "" {
		opt.Placement = Anywhere
	}
	if opt.BatchSize <= 0 || opt.BatchSize > cfpath.MaxBatchPaths {
		opt.BatchSize = cfpath.MaxBatchPaths
	}
	must := sortedSet(in.Purge)
	for _, u := range must {
		if err := cfpath.Validate(u); err != nil {
			return nil, fmt.Errorf("plan invalidation: %w", err)
		}
		if cfpath.KindOf(u) != cfpath.KindPath {
			return nil, fmt.Errorf("plan invalidation: %q is not a URL path", u)
		}
	}
	fresh := minus(sortedSet(in.New), must)
	others := minus(minus(sortedSet(in.All), must), fresh)
	u := universe{must: must, fresh: fresh, others: others}

	var items []Item
	switch {
	case len(must) == 0:
	case opt.Strategy == Everything:
		items = []Item{u.wildcard("/")}
	case opt.Strategy == Exact:
		items = make([]Item, len(must))
		for i, m := range must {
			items[i] = Item{Path: m, Changed: 1}
		}
	case opt.Strategy == Optimal:
		var err error
		if items, err = optimal(&u, opt); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("plan invalidation: unknown strategy %q", opt.Strategy)
	}
	slices.SortFunc(items, func(a, b Item) int { return strings.Compare(a.Path, b.Path) })
	p := &Plan{Strategy: opt.Strategy, Items: items, Must: len(must)}
	for _, it := range items {
		p.Needless += it.Unchanged
		if it.Wildcard {
			p.Wildcards++
		}
	}
	p.Batches = batches(items, opt.BatchSize)
	p.BilledPaths = max(len(items)-max(opt.FreePathsLeft, 0), 0)
	p.CostUSD = float64(p.BilledPaths) * PricePerPath
	return p, nil
}

// batches splits items into calls of at most size paths and at most
// MaxInProgressWildcards wildcards each, so each call alone fits
// CloudFront's limits.
func batches(items []Item, size int) [][]string {
	var out [][]string
	var cur []string
	wild := 0
	for _, it := range items {
		if len(cur) == size || it.Wildcard && wild == cfpath.MaxInProgressWildcards {
			out = append(out, cur)
			cur, wild = nil, 0
		}
		cur = append(cur, it.Path)
		if it.Wildcard {
			wild++
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// universe holds the three disjoint, sorted URL sets of a site.
type universe struct {
	must, fresh, others []string
}

// wildcard describes the wildcard prefix+"*".
func (u *universe) wildcard(prefix string) Item {
	return Item{
		Path:      prefix + "*",
		Wildcard:  true,
		Changed:   countPrefix(u.must, prefix),
		Unchanged: countPrefix(u.others, prefix),
		New:       countPrefix(u.fresh, prefix),
	}
}

// countPrefix counts the strings of the sorted list that start with prefix.
func countPrefix(list []string, prefix string) int {
	lo := sort.SearchStrings(list, prefix)
	n := sort.Search(len(list)-lo, func(i int) bool { return !strings.HasPrefix(list[lo+i], prefix) })
	return n
}

// sortedSet returns the sorted distinct strings of s, as a new slice.
func sortedSet(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// minus returns the sorted a without the entries of sorted b.
func minus(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := a[:0:0]
	j := 0
	for _, s := range a {
		for j < len(b) && b[j] < s {
			j++
		}
		if j < len(b) && b[j] == s {
			continue
		}
		out = append(out, s)
	}
	return out
}

// pt is one Pareto-optimal way to cover a subtree: k paths of which w are
// wildcards, purging c unchanged URLs. ia and ib say how it was made (see
// solver.emit).
type pt struct {
	c      int
	k      int32
	w      int16
	ia, ib int32
}

const (
	fromWildcard = -2 // the point is a wildcard at the node itself
)

// node is a node of the compressed trie of the URLs to purge: the URLs
// must[lo:hi] share the prefix must[lo][:depth].
type node struct {
	lo, hi, depth int32
	terminal      bool
	kids          []int32 // children that need a choice, in order
	trivial       []int32 // children covered exactly in every optimum
	steps         [][]pt  // steps[0] base; steps[i+1] after merging kids[i]
	front         []pt    // the node's Pareto front, wildcard included
	wild          string  // wildcard prefix, "" when none is allowed
}

type solver struct {
	u     *universe
	nodes []node
	K     int32
	W     int16
	place Placement
	cell  []cell // scratch for merge
	best  []int  // scratch for merge and prune
}

// optimal runs the dynamic program and rebuilds the chosen items.
//
// For each trie node it computes the Pareto front of (paths, wildcards,
// needless) over all ways to cover the URLs below it: either one wildcard
// at the node (1 path, 1 wildcard, the unchanged URLs below it), or exact
// paths for a URL ending at the node combined with a choice for every
// child (a knapsack merge of the children's fronts). Points above the
// budgets are dropped, so a front never holds more than
// (MaxPaths+1)*(MaxWildcards+1) points; a child below which only one URL
// must be purged always takes its exact path, which keeps most merges out
// of the table altogether.
func optimal(u *universe, opt Options) ([]Item, error) {
	s := &solver{u: u, K: int32(opt.MaxPaths), W: int16(min(opt.MaxWildcards, 1<<14)), place: opt.Placement}
	s.nodes = make([]node, 0, 2*len(u.must))
	root := s.build(0, int32(len(u.must)), 0)
	front := s.nodes[root].front
	if len(front) == 0 {
		return nil, &BudgetError{Must: len(u.must), MaxPaths: opt.MaxPaths, MaxWildcards: opt.MaxWildcards}
	}
	best := 0
	for i, p := range front {
		b := front[best]
		if cmp.Or(cmp.Compare(p.c, b.c), cmp.Compare(p.k, b.k), cmp.Compare(p.w, b.w)) < 0 {
			best = i
		}
	}
	var items []Item
	s.emit(root, int32(best), &items)
	return items, nil
}

// build makes the node for must[lo:hi], whose parent's prefix has length
// parentDepth, solves it, and returns its index.
func (s *solver) build(lo, hi, parentDepth int32) int32 {
	must := s.u.must
	first, last := must[lo], must[hi-1]
	d := int32(0)
	for int(d) < len(first) && int(d) < len(last) && first[d] == last[d] {
		d++
	}
	idx := int32(len(s.nodes))
	s.nodes = append(s.nodes, node{lo: lo, hi: hi, depth: d})
	i := lo
	terminal := int32(len(first)) == d
	if terminal {
		i++
	}
	base := int32(0)
	if terminal {
		base = 1
	}
	var kids, trivial []int32
	for i < hi {
		c := must[i][d]
		j := i + 1
		for j < hi && must[j][d] == c {
			j++
		}
		k := s.build(i, j, d)
		if f := s.nodes[k].front; len(f) == 1 && f[0].w == 0 && f[0].k == j-i {
			trivial = append(trivial, k)
			base += j - i
		} else {
			kids = append(kids, k)
		}
		i = j
	}
	n := &s.nodes[idx]
	n.terminal, n.kids, n.trivial = terminal, kids, trivial
	var acc []pt
	if base <= s.K {
		acc = []pt{{k: base, ia: -1, ib: -1}}
	}
	steps := make([][]pt, 1, len(kids)+1)
	steps[0] = acc
	for _, k := range kids {
		acc = s.merge(acc, s.nodes[k].front)
		steps = append(steps, acc)
	}
	final := make([]pt, len(acc), len(acc)+1)
	for j, p := range acc {
		final[j] = pt{c: p.c, k: p.k, w: p.w, ia: int32(j), ib: -1}
	}
	if m := hi - lo; m >= 2 && s.W >= 1 && s.K >= 1 {
		if prefix, ok := s.wildcardPrefix(first[:d], parentDepth); ok {
			n.wild = prefix
			final = append(final, pt{c: countPrefix(s.u.others, prefix), k: 1, w: 1, ia: fromWildcard, ib: -1})
		}
	}
	n.steps, n.front = steps, s.prune(final)
	return idx
}

// wildcardPrefix returns the best wildcard prefix for a node with prefix
// str whose parent's prefix is parentDepth long: the longest allowed
// prefix that still covers the whole node, since a longer prefix covers
// fewer unchanged URLs.
func (s *solver) wildcardPrefix(str string, parentDepth int32) (string, bool) {
	if s.place == Segment {
		i := strings.LastIndexByte(str, '/')
		if i < 0 || int32(i) < parentDepth {
			return "", false
		}
		return str[:i+1], true
	}
	return str, true
}

// merge combines the fronts of two disjoint sets of URLs. It fills a
// dense (wildcards × paths) table with the cheapest pair for each cell,
// so memory stays O(MaxWildcards × MaxPaths) however large the fronts,
// then reads the Pareto front off the table in (paths, wildcards) order.
func (s *solver) merge(a, b []pt) []pt {
	if len(a) == 0 || len(b) == 0 {
		return nil
	}
	kmax := min(a[len(a)-1].k+b[len(b)-1].k, s.K) // fronts are sorted by k
	cols := int(kmax) + 1
	n := (int(s.W) + 1) * cols
	if cap(s.cell) < n {
		s.cell = make([]cell, n)
	}
	cells := s.cell[:n]
	for i := range cells {
		cells[i] = cell{c: -1}
	}
	for i, p := range a {
		for j, q := range b {
			k := p.k + q.k
			if k > kmax {
				break
			}
			w := p.w + q.w
			if w > s.W {
				continue
			}
			c := p.c + q.c
			if x := &cells[int(w)*cols+int(k)]; x.c < 0 || c < x.c {
				*x = cell{c: c, ia: int32(i), ib: int32(j)}
			}
		}
	}
	best := s.bestRow()
	var out []pt
	for k := range cols {
		for w := 0; w <= int(s.W); w++ {
			x := cells[w*cols+k]
			if x.c < 0 || dominated(best, w, x.c) {
				continue
			}
			best[w] = x.c
			out = append(out, pt{c: x.c, k: int32(k), w: int16(w), ia: x.ia, ib: x.ib})
		}
	}
	return out
}

// cell is one entry of merge's table; c < 0 marks an empty cell.
type cell struct {
	c      int
	ia, ib int32
}

// bestRow returns the scratch row of least needless purges per wildcard
// count, reset to "none yet".
func (s *solver) bestRow() []int {
	if len(s.best) != int(s.W)+1 {
		s.best = make([]int, int(s.W)+1)
	}
	for i := range s.best {
		s.best[i] = int(^uint(0) >> 1)
	}
	return s.best
}

// dominated reports whether a point with w wildcards and cost c is beaten
// by one already seen (with no more paths) that has at most w wildcards
// and at most cost c.
func dominated(best []int, w int, c int) bool {
	for v := 0; v <= w; v++ {
		if best[v] <= c {
			return true
		}
	}
	return false
}

// prune keeps the Pareto-optimal points, sorted by paths: a point goes
// when another has no more paths, no more wildcards and no more needless
// purges.
func (s *solver) prune(ps []pt) []pt {
	slices.SortFunc(ps, func(a, b pt) int {
		return cmp.Or(cmp.Compare(a.k, b.k), cmp.Compare(a.w, b.w), cmp.Compare(a.c, b.c))
	})
	best := s.bestRow()
	out := ps[:0]
	for _, p := range ps {
		if dominated(best, int(p.w), p.c) {
			continue
		}
		best[p.w] = p.c
		out = append(out, p)
	}
	return slices.Clip(out)
}

// emit appends the items of point i of node v's front.
func (s *solver) emit(v, i int32, items *[]Item) {
	n := &s.nodes[v]
	p := n.front[i]
	if p.ia == fromWildcard {
		*items = append(*items, s.u.wildcard(n.wild))
		return
	}
	j := p.ia
	for t := len(n.kids) - 1; t >= 0; t-- {
		q := n.steps[t+1][j]
		s.emit(n.kids[t], q.ib, items)
		j = q.ia
	}
	must := s.u.must
	if n.terminal {
		*items = append(*items, Item{Path: must[n.lo], Changed: 1})
	}
	for _, k := range n.trivial {
		for _, m := range must[s.nodes[k].lo:s.nodes[k].hi] {
			*items = append(*items, Item{Path: m, Changed: 1})
		}
	}
}
