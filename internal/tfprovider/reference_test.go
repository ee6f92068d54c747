package tfprovider

import (
	"regexp"
	"testing"
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
	}
	for _, tt := range differ {
		if tt.a == tt.b {
			t.Errorf("%s: both %q, want different runs", tt.name, tt.a)
		}
	}
}
