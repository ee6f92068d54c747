package harness

import (
	"os"
	"os/exec"
	"strings"
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

// TestLookPathResolvesPyenvShim: a pyenv shim on PATH is resolved to the
// program it runs; anything else is exec.LookPath's answer.
func TestLookPathResolvesPyenvShim(t *testing.T) {
	for _, name := range []string{"python3", "aws", "go"} {
		want, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("%s is not on PATH: %v", name, err)
		}
		got, err := LookPath(name)
		if err != nil {
			t.Fatal(err)
		}
		head, err := os.ReadFile(got)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(head[:min(len(head), 1024)]), `pyenv" exec`) {
			t.Errorf("LookPath(%q) = %s, a pyenv shim", name, got)
		}
		if !strings.Contains(want, "/shims/") && got != want {
			t.Errorf("LookPath(%q) = %s, want exec.LookPath's %s (no shim)", name, got, want)
		}
	}
}
