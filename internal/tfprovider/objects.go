package tfprovider

import (
	"sort"

	"github.com/cfinv/cfinv/changes"
	"github.com/cfinv/cfinv/plan"
)

// diffObjects compares the objects map of the last apply (prior) with the
// one of this apply (cur), both object key → content hash. A key whose
// hash differs is Modified, one only in cur is Added, one only in prior is
// Deleted; each list is sorted. With prior nil (a create) every key of cur
// is Modified: the distribution may have served any of them before, and
// nothing tells which copy its edges hold.
func diffObjects(prior, cur map[string]string) changes.Set {
	var s changes.Set
	if prior == nil {
		for k := range cur {
			s.Modified = append(s.Modified, k)
		}
		sort.Strings(s.Modified)
		return s
	}
	for k, h := range cur {
		old, ok := prior[k]
		switch {
		case !ok:
			s.Added = append(s.Added, k)
		case old != h:
			s.Modified = append(s.Modified, k)
		}
	}
	for k := range prior {
		if _, ok := cur[k]; !ok {
			s.Deleted = append(s.Deleted, k)
		}
	}
	sort.Strings(s.Modified)
	sort.Strings(s.Added)
	sort.Strings(s.Deleted)
	return s
}

// mapping is how object keys become viewer URLs: the planner knobs of the
// resource.
type mapping struct {
	OriginPath    string // "" or "/prefix"
	IndexDocument string // "" disables the index forms
}

func (m mapping) mapper() plan.Mapper {
	return plan.Mapper{OriginPath: m.OriginPath, IndexDocument: m.IndexDocument, DefaultRootObject: m.IndexDocument}
}

// planObjects plans the invalidation of what changed between prior and
// cur: the URLs of modified and deleted keys must be purged, those of
// added keys are free to cover, and those of every other key are
// unchanged, so a wildcard that covers one purges it needlessly. It
// returns nil when nothing must be purged. The plan is the planner's
// optimal one within CloudFront's wildcard limit and the default path
// budget (the monthly free allowance, at least 100 paths).
func planObjects(prior, cur map[string]string, m mapping) (*plan.Plan, changes.Set, error) {
	set := diffObjects(prior, cur)
	mp := m.mapper()
	var in plan.Input
	urls := func(dst *[]string, keys []string) {
		for _, k := range keys {
			*dst = append(*dst, mp.URLs(k)...)
		}
	}
	urls(&in.Purge, set.Modified)
	urls(&in.Purge, set.Deleted)
	urls(&in.New, set.Added)
	all := make([]string, 0, len(cur)+len(set.Deleted))
	for k := range cur {
		all = append(all, k)
	}
	all = append(all, set.Deleted...)
	sort.Strings(all)
	urls(&in.All, all)
	if len(in.Purge) == 0 {
		return nil, set, nil
	}
	p, err := plan.Build(in, plan.Options{Strategy: plan.Optimal, MaxWildcards: plan.DefaultMaxWildcards, FreePathsLeft: plan.FreePathsPerMonth})
	if err != nil {
		return nil, set, err
	}
	return p, set, nil
}
