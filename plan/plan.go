package plan

import (
	"cmp"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/cfinv/cfinv/cfpath"
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
// is an encoded URL path starting with '/' (see Mapper and KeyPath); it may
// hold a literal '*', which Build covers with a wildcard ending before it.
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
	// Unchanged, when not nil, gives more URLs of the site, as All does
	// (those in Purge or New are left out), one at a time, each once: a
	// URL given twice counts as two. Build reads it once and holds none
	// of them, only a count per prefix of a URL to purge, so that what
	// it holds grows with Purge and New, not with the site
	// (Mapper.InputSeq).
	Unchanged iter.Seq[string]
	// Warnings are copied to the Plan (see Mapper.Input).
	Warnings []Warning
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
	// Note says why a wildcard was unavoidable, when it was: a URL below
	// it has a literal '*' or is too long to send exactly.
	Note string `json:"note,omitempty"`
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
	if it.Note != "" {
		s += "; " + it.Note
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
	// Warnings are what the plan cannot do for the user (Input.Warnings):
	// a function whose effect on cache keys is unknown, a changed error
	// page.
	Warnings []Warning `json:"warnings,omitempty"`
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

// Build plans the invalidation of in under opt.
//
// With the Optimal strategy the plan is optimal in this sense: among all
// sets of exact paths and wildcards (placed as opt.Placement allows) that
// cover every URL of in.Purge, with at most MaxPaths paths of which at
// most MaxWildcards are wildcards, it purges the fewest unchanged URLs;
// among those, it has the fewest paths; among those, the fewest wildcards.
// It is computed exactly, by dynamic programming over a compressed trie of
// the URLs to purge (see the package documentation), not by a heuristic.
// A URL that cannot be sent exactly (a literal '*', or over 4000
// characters) is covered by a wildcard ending before the '*' in every
// strategy; the item's Note says why.
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
	u, err := newUniverse(in)
	if err != nil {
		return nil, err
	}
	must := u.must

	var items []Item
	switch {
	case len(must) == 0:
	case opt.Strategy == Everything:
		items = []Item{u.wildcard("/")}
	case opt.Strategy == Exact:
		items = u.exact()
	case opt.Strategy == Optimal:
		if items, err = optimal(u, opt); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("plan invalidation: unknown strategy %q", opt.Strategy)
	}
	slices.SortFunc(items, func(a, b Item) int { return strings.Compare(a.Path, b.Path) })
	p := &Plan{Strategy: opt.Strategy, Items: items, Must: len(must), Warnings: slices.Clone(in.Warnings)}
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

// universe holds the three disjoint, sorted URL sets of a site: the
// unchanged URLs as a list (from Input.All) and counted (from
// Input.Unchanged).
type universe struct {
	must, fresh, others []string
	counted             *prefixCounts
	// lim[i] is -1 when must[i] can be sent exactly, else the length of
	// its longest prefix that a wildcard may end after: up to its first
	// literal '*' (CloudFront reads '*' only as a trailing wildcard and
	// rejects it elsewhere) or within the path length limit.
	lim []int32
}

// newUniverse sorts and splits in and checks every URL to purge.
func newUniverse(in Input) (*universe, error) {
	workers := min(runtime.GOMAXPROCS(0), 2)
	must := sortedSet(in.Purge, workers)
	// Check the URLs to purge, a large list in two halves, one per
	// worker; the error reported is the first URL's in sorted order.
	lim := make([]int32, len(must))
	limits := func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			l, err := exactLimit(must[i])
			if err != nil {
				return fmt.Errorf("plan invalidation: %w", err)
			}
			lim[i] = l
		}
		return nil
	}
	if mid := len(must) / 2; workers > 1 && len(must) >= 1<<15 {
		var err2 error
		var wg sync.WaitGroup
		wg.Go(func() { err2 = limits(mid, len(must)) })
		err := limits(0, mid)
		wg.Wait()
		if err = cmp.Or(err, err2); err != nil {
			return nil, err
		}
	} else if err := limits(0, len(must)); err != nil {
		return nil, err
	}
	fresh := minus(sortedSet(in.New, workers), must)
	// The unchanged URLs: All sorted, without duplicates and without the
	// URLs of must and fresh, in one pass, since reading each string is a
	// cache miss (sorted, they are no longer in the order they lie in).
	// A large All is split in two halves, one per worker.
	all := cloneStrings(in.All)
	sortStrings(all, workers)
	var others []string
	if mid := len(all) / 2; workers > 1 && len(all) >= 1<<16 {
		var n2 int
		var wg sync.WaitGroup
		wg.Go(func() { n2 = unchanged(all[mid:], all[mid-1], true, must, fresh) })
		n1 := unchanged(all[:mid], "", false, must, fresh)
		wg.Wait()
		others = append(all[:n1], all[mid:mid+n2]...)
	} else {
		others = all[:unchanged(all, "", false, must, fresh)]
	}
	u := &universe{must: must, fresh: fresh, others: others, lim: lim}
	if in.Unchanged != nil {
		u.counted = countUnchanged(must, fresh, in.Unchanged)
	}
	return u, nil
}

// unchangedURLs is the number of unchanged URLs.
func (u *universe) unchangedURLs() int {
	n := len(u.others)
	if u.counted != nil {
		n += u.counted.total
	}
	return n
}

// unchangedBelow counts the unchanged URLs that start with prefix, a
// prefix of a URL to purge.
func (u *universe) unchangedBelow(prefix string) int {
	n := countPrefix(u.others, prefix)
	if u.counted != nil {
		n += u.counted.count(prefix)
	}
	return n
}

// prefixCounts counts URLs by prefix without holding them, for the
// prefixes the planner asks about: prefixes of the URLs to purge (a
// node's wildcard, "/"). A URL u starts with such a prefix p exactly when
// p is a prefix of u[:L], L being the length of u's longest common prefix
// with any URL to purge (p is a common prefix of u and a URL to purge,
// so no longer than L), which is its longest common prefix with one of
// its two neighbours in the sorted list. So each URL is kept as a count
// of its u[:L], a substring of a URL to purge: ends holds those
// distinct strings, sorted, and sums their counts so far; the ones that
// start with p are a range of ends.
type prefixCounts struct {
	ends  []string // distinct, sorted; each a prefix of a URL to purge
	sums  []int    // sums[i]: the URLs counted under ends[:i]
	total int
}

// countUnchanged counts the URLs of urls that are in neither the sorted
// must nor fresh, by their longest common prefix with must (non-empty).
func countUnchanged(must, fresh []string, urls iter.Seq[string]) *prefixCounts {
	type end struct{ i, l int32 } // must[i][:l]
	ends := map[end]int{}
	total := 0
	for u := range urls {
		j, found := slices.BinarySearch(must, u)
		if found {
			continue
		}
		if _, found := slices.BinarySearch(fresh, u); found {
			continue
		}
		total++
		if len(must) == 0 {
			continue // no prefix is asked about
		}
		e := end{i: int32(j), l: -1}
		if j > 0 {
			e = end{i: int32(j - 1), l: int32(commonPrefix(must[j-1], u))}
		}
		if j < len(must) {
			if l := int32(commonPrefix(must[j], u)); l > e.l {
				e = end{i: int32(j), l: l}
			}
		}
		ends[e]++
	}
	c := &prefixCounts{total: total}
	type counted struct {
		s string
		n int
	}
	list := make([]counted, 0, len(ends))
	for e, n := range ends {
		list = append(list, counted{must[e.i][:e.l], n})
	}
	slices.SortFunc(list, func(a, b counted) int { return strings.Compare(a.s, b.s) })
	c.sums = append(c.sums, 0)
	for _, e := range list {
		if k := len(c.ends); k > 0 && c.ends[k-1] == e.s {
			c.sums[k] += e.n
			continue
		}
		c.ends = append(c.ends, e.s)
		c.sums = append(c.sums, c.sums[len(c.sums)-1]+e.n)
	}
	return c
}

// commonPrefix is the length of the longest common prefix of a and b.
func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// count counts the URLs that start with prefix, a prefix of a URL to
// purge.
func (c *prefixCounts) count(prefix string) int {
	lo := sort.SearchStrings(c.ends, prefix)
	hi := lo + sort.Search(len(c.ends)-lo, func(i int) bool { return !strings.HasPrefix(c.ends[lo+i], prefix) })
	return c.sums[hi] - c.sums[lo]
}

// cloneStrings returns a copy of s, made in chunks: one copy of a large
// slice of pointers cannot be preempted, so a garbage collection that
// starts meanwhile waits for it, spinning, with its write barriers on.
func cloneStrings(s []string) []string {
	out := make([]string, len(s))
	for i := 0; i < len(s); i += 1 << 14 {
		copy(out[i:], s[i:min(i+1<<14, len(s))])
	}
	return out
}

// unchanged moves to the front of the sorted all the strings that are
// neither duplicates (of the string before, or of prev before all[0]
// when hasPrev) nor in the sorted must or fresh, and returns how many
// there are.
func unchanged(all []string, prev string, hasPrev bool, must, fresh []string) int {
	if len(all) == 0 {
		return 0
	}
	i, _ := slices.BinarySearch(must, all[0])
	j, _ := slices.BinarySearch(fresh, all[0])
	n := 0
	for k, s := range all {
		if (k > 0 || hasPrev) && s == prev {
			continue
		}
		prev = s
		for i < len(must) && must[i] < s {
			i++
		}
		for j < len(fresh) && fresh[j] < s {
			j++
		}
		if i < len(must) && must[i] == s || j < len(fresh) && fresh[j] == s {
			continue
		}
		all[n] = s
		n++
	}
	return n
}

// exactLimit checks the URL u and returns -1 when it can be sent as an
// exact invalidation path, else the length of the longest prefix of u a
// covering wildcard may have.
func exactLimit(u string) (int32, error) {
	if u == "" || u[0] != '/' {
		return 0, fmt.Errorf("%q is not a URL path: want one starting with '/'", u)
	}
	star := strings.IndexByte(u, '*')
	if star < 0 && len(u) <= cfpath.MaxPathLen {
		return -1, cfpath.Validate(u)
	}
	l := len(u)
	if star >= 0 {
		l = star
	}
	l = coverLen(u, l)
	if err := cfpath.Validate(u[:l] + "*"); err != nil {
		return 0, err
	}
	for i := l; i < len(u); i++ {
		if c := u[i]; c < 0x20 || c == 0x7f {
			return 0, fmt.Errorf("%q contains the control character 0x%02x", u, c)
		}
	}
	return int32(l), nil
}

// coverLen shortens the prefix length l of u so that prefix+"*" fits
// CloudFront's path length, without cutting a %XX escape in two.
func coverLen(u string, l int) int {
	if l <= cfpath.MaxPathLen-1 {
		return l
	}
	l = cfpath.MaxPathLen - 1
	switch {
	case u[l-1] == '%':
		l--
	case u[l-2] == '%':
		l -= 2
	}
	return l
}

// starNote explains why u needs a wildcard.
func starNote(u string) string {
	short := u
	if len(short) > 80 {
		short = short[:77] + "..."
	}
	if strings.IndexByte(u, '*') >= 0 {
		return fmt.Sprintf("%s has a literal '*', which CloudFront reads only as a trailing wildcard, so only a wildcard ending before it purges it", short)
	}
	return fmt.Sprintf("%s is over CloudFront's %d-character path limit, so only a wildcard purges it", short, cfpath.MaxPathLen)
}

// exact is the Exact strategy: one path per URL, except URLs that cannot
// be sent exactly, which get the longest wildcard that covers them (and
// any exact path such a wildcard covers is left out).
func (u *universe) exact() []Item {
	var prefixes []string
	var forced []int
	for i, l := range u.lim {
		if l >= 0 {
			prefixes = append(prefixes, u.must[i][:l])
			forced = append(forced, i)
		}
	}
	if len(prefixes) == 0 {
		items := make([]Item, len(u.must))
		for i, m := range u.must {
			items[i] = Item{Path: m, Changed: 1}
		}
		return items
	}
	slices.Sort(prefixes)
	kept := prefixes[:0]
	for _, p := range prefixes {
		if len(kept) == 0 || !strings.HasPrefix(p, kept[len(kept)-1]) {
			kept = append(kept, p)
		}
	}
	// kept is prefix-free, so the greatest prefix ≤ s is the only one that
	// can be a prefix of s.
	covering := func(s string) int {
		i := sort.SearchStrings(kept, s)
		if i < len(kept) && kept[i] == s {
			return i
		}
		if i > 0 && strings.HasPrefix(s, kept[i-1]) {
			return i - 1
		}
		return -1
	}
	var items []Item
	for i, m := range u.must {
		if u.lim[i] < 0 && covering(m) < 0 {
			items = append(items, Item{Path: m, Changed: 1})
		}
	}
	for _, p := range kept {
		it := u.wildcard(p)
		for _, i := range forced {
			if strings.HasPrefix(u.must[i], p) {
				it.Note = starNote(u.must[i])
				break
			}
		}
		items = append(items, it)
	}
	return items
}

// wildcard describes the wildcard prefix+"*".
func (u *universe) wildcard(prefix string) Item {
	return Item{
		Path:      prefix + "*",
		Wildcard:  true,
		Changed:   countPrefix(u.must, prefix),
		Unchanged: u.unchangedBelow(prefix),
		New:       countPrefix(u.fresh, prefix),
	}
}

// countPrefix counts the strings of the sorted list that start with prefix.
func countPrefix(list []string, prefix string) int {
	lo := sort.SearchStrings(list, prefix)
	n := sort.Search(len(list)-lo, func(i int) bool { return !strings.HasPrefix(list[lo+i], prefix) })
	return n
}

// sortedSet returns the sorted distinct strings of s, as a new slice,
// sorting on up to workers goroutines.
func sortedSet(s []string, workers int) []string {
	out := slices.Clone(s)
	sortStrings(out, workers)
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
