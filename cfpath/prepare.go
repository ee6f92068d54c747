package cfpath

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Limits bounds the batches Prepare builds.
type Limits struct {
	// BatchItems is the most items in one batch (CloudFront: 3000).
	BatchItems int
	// BatchWildcards is the most wildcard items in one batch. A batch with
	// more wildcards than may be in progress at once could never be
	// accepted, so it defaults to MaxInProgressWildcards (15).
	BatchWildcards int
}

// DefaultLimits are CloudFront's limits.
var DefaultLimits = Limits{BatchItems: MaxBatchPaths, BatchWildcards: MaxInProgressWildcards}

// Prepared is a request ready to send: canonical batches and what was
// changed on the way.
type Prepared struct {
	// Batches are the items to send, one CreateInvalidation each, in the
	// order they were given (issue 11 item 8): the batch CloudFront stores
	// and echoes is the one the user wrote, as the AWS CLI sends it.
	Batches [][]string
	// Warnings say what was rewritten (leading '/', encoding caveats) or
	// dropped (duplicates, items covered by a wildcard).
	Warnings []Warning
	// Items is the number of items in all batches: what CloudFront bills.
	Items int
}

// Prepare cleans every item with Clean, removes duplicates and items that
// a wildcard of the same request already covers, and splits the rest into
// batches within DefaultLimits. It reports every invalid item at once.
func Prepare(items []string) (*Prepared, error) { return DefaultLimits.Prepare(items) }

// Prepare is the package-level Prepare with limits l.
func (l Limits) Prepare(items []string) (*Prepared, error) {
	if l.BatchItems <= 0 || l.BatchWildcards <= 0 {
		return nil, fmt.Errorf("prepare invalidation: limits must be positive, got %+v", l)
	}
	p := &Prepared{}
	var errs []error
	seen := map[string]bool{} // cleaned paths, and tags folded to lower case
	var order []string        // cleaned, unique, in the order given
	var wildcards []string    // cleaned, unique
	for _, item := range items {
		c, warns, err := Clean(item)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.Warnings = append(p.Warnings, warns...)
		key := c
		if KindOf(c) == KindTag {
			key = strings.ToLower(c) // tags compare case-insensitively (TagEqual)
		}
		if seen[key] {
			p.Warnings = append(p.Warnings, Warning{Item: item, Message: "dropped: duplicate of " + c})
			continue
		}
		seen[key] = true
		order = append(order, c)
		if KindOf(c) == KindWildcard {
			wildcards = append(wildcards, c)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	// Drop wildcards covered by a shorter wildcard, then paths covered by a
	// remaining one. Sorted, the kept wildcards are prefix-free, so the only
	// one that can cover an item is the greatest kept wildcard <= it.
	slices.SortFunc(wildcards, func(a, b string) int {
		return strings.Compare(strings.TrimSuffix(a, "*"), strings.TrimSuffix(b, "*"))
	})
	var kept []string
	dropped := map[string]bool{}
	for _, w := range wildcards {
		if cover := coveringWildcard(kept, w); cover != "" {
			p.Warnings = append(p.Warnings, Warning{Item: w, Message: "dropped: covered by " + cover})
			dropped[w] = true
			continue
		}
		kept = append(kept, w)
	}
	var all []string
	for _, it := range order {
		switch KindOf(it) {
		case KindTag:
		case KindWildcard:
			if dropped[it] {
				continue // reported above
			}
		default:
			if cover := coveringWildcard(kept, it); cover != "" {
				p.Warnings = append(p.Warnings, Warning{Item: it, Message: "dropped: covered by " + cover})
				continue
			}
		}
		all = append(all, it)
	}
	var batch []string
	nwild := 0
	for _, it := range all {
		isWild := KindOf(it) == KindWildcard
		if len(batch) == l.BatchItems || (isWild && nwild == l.BatchWildcards) {
			p.Batches = append(p.Batches, batch)
			batch, nwild = nil, 0
		}
		batch = append(batch, it)
		if isWild {
			nwild++
		}
	}
	if len(batch) > 0 {
		p.Batches = append(p.Batches, batch)
	}
	p.Items = len(all)
	return p, nil
}

// coveringWildcard returns the wildcard of kept that matches item, or "".
// kept is sorted by prefix (the wildcard without its '*') and prefix-free:
// then only the greatest prefix <= item's own prefix can be a prefix of it.
func coveringWildcard(kept []string, item string) string {
	key := strings.TrimSuffix(item, "*")
	i := sort.Search(len(kept), func(i int) bool { return strings.TrimSuffix(kept[i], "*") > key })
	if i > 0 && Match(kept[i-1], item) && kept[i-1] != item {
		return kept[i-1]
	}
	return ""
}
