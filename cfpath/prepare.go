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
func (l Limits) Prepare(items []string) (*Prepared, error) { return l.prepare(items, false) }

// PrepareSet is Prepare for batches that must depend on the set of items
// alone, as those of a deploy whose re-runs must reuse its caller
// references: the order the items come in, their duplicates, the items a
// wildcard covers and the case of a cache tag make no difference. Each
// batch is sorted (byte order) and every tag is in lower case (see
// CanonicalTag), so the same set always gives the same batches, item for
// item. The order within a batch matters too: CloudFront answers a reused
// caller reference with the earlier invalidation only when the rest of the
// request is the same, and with InvalidationBatchAlreadyExists when any
// Path differs from the original request (InvalidationBatch.CallerReference
// in the API reference; whether a reordered batch counts as different is
// not documented, and cfinv serve says it does).
// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html
func PrepareSet(items []string) (*Prepared, error) { return DefaultLimits.PrepareSet(items) }

// PrepareSet is the package-level PrepareSet with limits l.
func (l Limits) PrepareSet(items []string) (*Prepared, error) { return l.prepare(items, true) }

// CanonicalTag returns the cache tag item (with its leading '#') in lower
// case, the one spelling of the tag PrepareSet sends; any other item is
// returned unchanged. CloudFront's tags are case-insensitive: "Tag values
// are case-insensitive. For example, #Product:Electronics and
// #product:electronics refer to the same tag."
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-tags.html
func CanonicalTag(item string) string {
	if KindOf(item) != KindTag {
		return item
	}
	return strings.ToLower(item)
}

func (l Limits) prepare(items []string, set bool) (*Prepared, error) {
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
		key := CanonicalTag(c) // tags compare case-insensitively (TagEqual)
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
	if set {
		for i, it := range all {
			all[i] = CanonicalTag(it)
		}
		slices.Sort(all)
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
