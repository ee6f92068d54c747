package tfprovider

import (
	"sort"

	"github.com/cfinv/cfinv/changes"
	"github.com/cfinv/cfinv/plan"
)

// diffObjects compares the objects map of the last apply (prior) with the
// one of this apply (cur), both object key → content hash, as
// changes.Diff compares manifests. With prior nil (a create) every key of
// cur is Modified: the distribution may have served any of them before,
// and nothing tells which copy its edges hold.
func diffObjects(prior, cur map[string]string) changes.Set {
	s := changes.Diff(manifest(prior), manifest(cur))
	if prior == nil {
		s.Modified, s.Added = s.Added, nil
	}
	return s
}

// manifest is objects (key → content hash) as a changes.Manifest.
func manifest(objects map[string]string) changes.Manifest {
	m := make(changes.Manifest, len(objects))
	for k, h := range objects {
		m[k] = changes.Entry{Hash: h}
	}
	return m
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
	all := make([]string, 0, len(cur)+len(set.Deleted))
	for k := range cur {
		all = append(all, k)
	}
	all = append(all, set.Deleted...)
	sort.Strings(all)
	mp := m.mapper()
	in := mp.Input(set, all)
	if len(in.Purge) == 0 {
		return nil, set, nil
	}
	p, err := plan.Build(in, plan.Options{Strategy: plan.Optimal, MaxWildcards: plan.DefaultMaxWildcards, FreePathsLeft: plan.FreePathsPerMonth})
	if err != nil {
		return nil, set, err
	}
	return p, set, nil
}
