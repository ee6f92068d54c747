package plan

import (
	"slices"
	"strings"

	"github.com/cfinv/cfinv/cfpath"
)

// DepthCollapse is s3deploy's reduction rule, kept as a baseline for tests
// and benchmarks (bep/s3deploy lib/cloudfront.go,
// normalizeInvalidationPaths): when there are more than threshold distinct
// paths, it replaces every path deeper than k with a wildcard on its
// grandparent directory (/a/b/c/x.css becomes /a/b/*, /css/x.css becomes
// /css/*), for k from the deepest level up to 1, until at most threshold
// remain; if that fails, or "/*" appears, the answer is "/*". paths must
// start with '/'. Unlike s3deploy it does not rewrite /dir/index.html to
// /dir/: pass the URLs to cover.
func DepthCollapse(paths []string, threshold int) []string {
	out := sortedSet(paths, 1)
	if len(out) <= threshold {
		return out
	}
	deepest := 0
	for _, p := range out {
		deepest = max(deepest, strings.Count(p, "/"))
	}
	for k := deepest; k > 0 && len(out) > threshold; k-- {
		for i, p := range out {
			if strings.Count(p, "/") <= k {
				continue
			}
			dir := strings.Trim(p[:strings.LastIndexByte(p, '/')], "/")
			parts := strings.Split(dir, "/")
			if len(parts) > 1 {
				parts = parts[:len(parts)-1]
			}
			out[i] = "/" + strings.Join(parts, "/") + "/*"
		}
		slices.Sort(out)
		out = slices.Compact(out)
	}
	if len(out) > threshold || slices.Contains(out, "/*") {
		return []string{"/*"}
	}
	return out
}

// Evaluate measures paths (any plan, from any tool) against in: how many
// URLs to purge it misses, how many unchanged URLs it purges, and how many
// wildcards it has. Matching follows cfpath.Match. It is linear in the
// size of in for each wildcard, and is meant for tests and benchmarks.
func Evaluate(paths []string, in Input) (missed, needless, wildcards int) {
	must := sortedSet(in.Purge, 1)
	fresh := minus(sortedSet(in.New, 1), must)
	all := in.All
	if in.Unchanged != nil {
		all = slices.AppendSeq(slices.Clone(all), in.Unchanged)
	}
	others := minus(minus(sortedSet(all, 1), must), fresh)
	exact := map[string]bool{}
	var patterns []string
	for _, p := range paths {
		if cfpath.KindOf(p) == cfpath.KindWildcard {
			patterns = append(patterns, p)
			wildcards++
		} else {
			exact[p] = true
		}
	}
	covered := func(u string) bool {
		if exact[u] {
			return true
		}
		for _, p := range patterns {
			if cfpath.Match(p, u) {
				return true
			}
		}
		return false
	}
	for _, u := range must {
		if !covered(u) {
			missed++
		}
	}
	for _, u := range others {
		if covered(u) {
			needless++
		}
	}
	return missed, needless, wildcards
}
