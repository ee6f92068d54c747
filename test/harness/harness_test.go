package harness

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheck(t *testing.T) {
	invs := []Invalidation{
		{DistributionID: "E1", ID: "I1", Paths: []string{"/a", "/b"}},
		{DistributionID: "E1", ID: "I2", Paths: []string{"/b", "/a"}}, // the same batch again
		{DistributionID: "E1", ID: "I3", Paths: []string{"/x"}},
		{DistributionID: "E2", ID: "I4", Paths: []string{"/a"}},
	}
	got := Check(invs, map[string][]string{"E1": {"/a", "/b", "/c"}, "E2": {"/a"}})
	want := Audit{
		Requested:        4,
		Lost:             []string{"E1 /c"},
		Duplicated:       map[string]int{"E1 /a": 2, "E1 /b": 2},
		DuplicateBatches: 1,
		Unrequested:      []string{"E1 /x"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}
