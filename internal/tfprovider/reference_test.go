package tfprovider

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDeployID(t *testing.T) {
	base := inputs{DistributionID: "E2EXAMPLE12345", Paths: []string{"/index.html"}, Triggers: map[string]string{"v": "1"}, IndexDocument: "index.html"}
	edit := func(f func(*inputs)) inputs {
		in := base
		in.Triggers = map[string]string{"v": "1"}
		f(&in)
		return in
	}
	first := &previous{ID: resourceID(base), Inputs: base, CallerReferences: []string{"cfinv-aaa"}}
	second := &previous{ID: resourceID(base), Inputs: edit(func(in *inputs) { in.Triggers["v"] = "2" }), CallerReferences: []string{"cfinv-bbb"}}

	shape := regexp.MustCompile(`^tf-[0-9a-f]{32}$`)
	if id := deployID(nil, base); !shape.MatchString(id) {
		t.Errorf("deployID = %q, want tf- and 32 hex digits", id)
	}
	if id := resourceID(base); !regexp.MustCompile(`^[0-9a-f]{20}$`).MatchString(id) {
		t.Errorf("resourceID = %q, want 20 hex digits", id)
	}

	same := []struct {
		name string
		a, b string
	}{
		{"a create applied again", deployID(nil, base), deployID(nil, edit(func(*inputs) {}))},
		{"an update applied again over the same state", deployID(first, second.Inputs), deployID(first, second.Inputs)},
		{"map order does not matter", deployID(nil, inputs{Objects: map[string]string{"a": "1", "b": "2"}}), deployID(nil, inputs{Objects: map[string]string{"b": "2", "a": "1"}})},
	}
	for _, tt := range same {
		if tt.a != tt.b {
			t.Errorf("%s: %q and %q differ, want the same run", tt.name, tt.a, tt.b)
		}
	}
	differ := []struct {
		name string
		a, b string
	}{
		{"other distribution", deployID(nil, base), deployID(nil, edit(func(in *inputs) { in.DistributionID = "E3OTHER" }))},
		{"other triggers", deployID(nil, base), deployID(nil, edit(func(in *inputs) { in.Triggers["v"] = "2" }))},
		{"other objects", deployID(nil, edit(func(in *inputs) { in.Objects = map[string]string{"a": "1"} })), deployID(nil, edit(func(in *inputs) { in.Objects = map[string]string{"a": "2"} }))},
		{"update versus create with the same inputs", deployID(nil, second.Inputs), deployID(first, second.Inputs)},
		// triggers 1 → 2 → 1: the third run must not reuse the first's references.
		{"triggers back to an earlier value", deployID(nil, base), deployID(second, base)},
		{"null paths versus none", deployID(nil, edit(func(in *inputs) { in.Paths = nil })), deployID(nil, edit(func(in *inputs) { in.Paths = []string{} }))},
		// A replacement with unchanged inputs must not be the create it replaces.
		{"replacement versus first create", deployID(nil, base), replacementDeployID(replacementID(*first), base)},
		{"a second replacement", replacementDeployID(replacementID(*first), base), replacementDeployID(replacementID(previous{ID: replacementID(*first), Inputs: base}), base)},
		{"replacement ID versus the replaced", first.ID, replacementID(*first)},
	}
	for _, tt := range differ {
		if tt.a == tt.b {
			t.Errorf("%s: both %q, want different runs", tt.name, tt.a)
		}
	}
}

// TestReplacing: a create finds the object deleted before it in the same
// process with the same inputs, once; other inputs find nothing.
func TestReplacing(t *testing.T) {
	a := inputs{DistributionID: "E2EXAMPLE12345", Paths: []string{"/a"}}
	b := inputs{DistributionID: "E2EXAMPLE12345", Paths: []string{"/b"}}
	var d providerData
	if _, ok := d.replacing(a); ok {
		t.Fatal("replacing found an object before any delete")
	}
	d.deleted(previous{ID: "one", Inputs: a})
	d.deleted(previous{ID: "two", Inputs: a})
	if _, ok := d.replacing(b); ok {
		t.Error("replacing found an object deleted with other inputs")
	}
	var got []string
	for range 3 {
		if p, ok := d.replacing(a); ok {
			got = append(got, p.ID)
		}
	}
	if d := cmp.Diff([]string{"two", "one"}, got); d != "" {
		t.Errorf("replaced objects (-want +got):\n%s", d)
	}
	var none *providerData // the provider not configured
	none.deleted(previous{Inputs: a})
	if _, ok := none.replacing(a); ok {
		t.Error("a nil providerData found an object")
	}
}
