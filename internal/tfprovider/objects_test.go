package tfprovider

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/changes"
	"github.com/cfinv/cfinv/plan"
)

func TestDiffObjects(t *testing.T) {
	tests := []struct {
		name       string
		prior, cur map[string]string
		want       changes.Set
	}{
		{"create: every key is modified", nil, map[string]string{"b": "1", "a": "1"}, changes.Set{Modified: []string{"a", "b"}}},
		{"create with none", nil, map[string]string{}, changes.Set{}},
		{"nothing changed", map[string]string{"a": "1"}, map[string]string{"a": "1"}, changes.Set{}},
		{"hash changed", map[string]string{"a": "1", "b": "1"}, map[string]string{"a": "2", "b": "1"}, changes.Set{Modified: []string{"a"}}},
		{"added", map[string]string{"a": "1"}, map[string]string{"a": "1", "c": "1"}, changes.Set{Added: []string{"c"}}},
		{"removed", map[string]string{"a": "1", "z": "1"}, map[string]string{"a": "1"}, changes.Set{Deleted: []string{"z"}}},
		{"all at once", map[string]string{"a": "1", "b": "1", "d": "1"}, map[string]string{"a": "1", "b": "2", "c": "1"},
			changes.Set{Modified: []string{"b"}, Added: []string{"c"}, Deleted: []string{"d"}}},
		{"empty prior is not a create", map[string]string{}, map[string]string{"a": "1"}, changes.Set{Added: []string{"a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := diffObjects(tt.prior, tt.cur)
			if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("diffObjects (-want +got):\n%s", d)
			}
		})
	}
}

func TestPlanObjects(t *testing.T) {
	site := map[string]string{
		"index.html": "1", "about/index.html": "1",
		"blog/a.html": "1", "blog/b.html": "1", "blog/c.html": "1",
		"img/x.png": "1", "img/y.png": "1",
	}
	with := func(edit func(map[string]string)) map[string]string {
		m := make(map[string]string, len(site))
		for k, v := range site {
			m[k] = v
		}
		edit(m)
		return m
	}
	tests := []struct {
		name       string
		prior, cur map[string]string
		m          mapping
		want       []string // nil: nothing to invalidate
	}{
		{"create covers the whole site with one wildcard", nil, site, mapping{IndexDocument: "index.html"}, []string{"/*"}},
		{"unchanged", site, site, mapping{IndexDocument: "index.html"}, nil},
		{"one object", site, with(func(m map[string]string) { m["blog/a.html"] = "2" }), mapping{IndexDocument: "index.html"}, []string{"/blog/a.html"}},
		{"a removed object is purged, an added one is not", site, with(func(m map[string]string) { delete(m, "img/x.png"); m["new.html"] = "1" }), mapping{IndexDocument: "index.html"}, []string{"/img/x.png"}},
		{"only added", site, with(func(m map[string]string) { m["new.html"] = "1" }), mapping{IndexDocument: "index.html"}, nil},
		{"root index: / and /index.html", site, with(func(m map[string]string) { m["index.html"] = "2" }), mapping{IndexDocument: "index.html"}, []string{"/", "/index.html"}},
		{"directory index: its three forms", site, with(func(m map[string]string) { m["about/index.html"] = "2" }), mapping{IndexDocument: "index.html"}, []string{"/about*"}},
		{"index forms off", site, with(func(m map[string]string) { m["about/index.html"] = "2" }), mapping{}, []string{"/about/index.html"}},
		{"a whole directory becomes a wildcard", site, with(func(m map[string]string) { m["blog/a.html"], m["blog/b.html"], m["blog/c.html"] = "2", "2", "2" }), mapping{IndexDocument: "index.html"}, []string{"/blog/*"}},
		{"origin path stripped", map[string]string{"prod/a.html": "1", "prod/b.html": "1", "stage/a.html": "1"},
			map[string]string{"prod/a.html": "2", "prod/b.html": "1", "stage/a.html": "2"}, mapping{OriginPath: "/prod"}, []string{"/a.html"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, err := planObjects(tt.prior, tt.cur, tt.m)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if p != nil {
				got = p.Paths()
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("planned paths (-want +got):\n%s", d)
			}
		})
	}
}

// FuzzPlanObjects checks, for any two object maps, that every URL of a
// changed or removed key is covered by a planned path, that no URL of an
// unchanged key is covered unless a wildcard needed it, and that every
// planned path is valid for CloudFront.
func FuzzPlanObjects(f *testing.F) {
	f.Add("index.html=1\nblog/a.html=1\nimg/x.png=1", "index.html=2\nblog/a.html=1\nnew.html=1", true)
	f.Add("a*b.png=1\nc.html=1", "a*b.png=2\nc.html=1", false)
	f.Add("", "x/index.html=1", true)
	f.Fuzz(func(t *testing.T, before, after string, index bool) {
		prior, cur := parseMap(before), parseMap(after)
		m := mapping{}
		if index {
			m.IndexDocument = "index.html"
		}
		p, set, err := planObjects(prior, cur, m)
		var be *plan.BudgetError
		if errors.As(err, &be) {
			return // a budget the inputs exceed is reported, not a bug
		}
		if err != nil {
			t.Fatal(err)
		}
		mp := m.mapper()
		var must []string
		for _, k := range append(append([]string{}, set.Modified...), set.Deleted...) {
			must = append(must, mp.URLs(k)...)
		}
		if len(must) == 0 {
			if p != nil {
				t.Fatalf("nothing to purge, planned %v", p.Paths())
			}
			return
		}
		if p == nil {
			t.Fatalf("URLs %v to purge, no plan", must)
		}
		for _, path := range p.Paths() {
			if err := cfpath.Validate(path); err != nil {
				t.Errorf("planned path %q is invalid: %v", path, err)
			}
		}
		for _, u := range must {
			if !covered(p.Paths(), u) {
				t.Errorf("URL %q of a changed object is not covered by %v", u, p.Paths())
			}
		}
	})
}

func covered(paths []string, u string) bool {
	for _, p := range paths {
		if p == u || strings.HasSuffix(p, "*") && strings.HasPrefix(u, strings.TrimSuffix(p, "*")) {
			return true
		}
	}
	return false
}

// parseMap reads "key=hash" lines; a line without '=' is skipped.
func parseMap(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && k != "" {
			m[k] = v
		}
	}
	return m
}
