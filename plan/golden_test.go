package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestBuildGolden plans the 10^5-object input of BenchmarkBuild and
// compares each plan with the one committed here, computed before the
// planner's speed-ups: a faster sort or merge must not change any plan.
// sum is the start of the SHA-256 of the plan's paths, one per line.
func TestBuildGolden(t *testing.T) {
	in := siteInput(rand.New(rand.NewPCG(100_000, 1)), 100_000, 0.1)
	tests := []struct {
		name                             string
		opt                              Options
		must, paths, wildcards, needless int
		sum                              string
	}{
		{"1000 paths, 15 wildcards", Options{FreePathsLeft: 1000, MaxWildcards: 15}, 19736, 999, 15, 166835, "0235593e10eb8ced"},
		{"100 paths, 15 wildcards", Options{MaxPaths: 100, FreePathsLeft: 1000, MaxWildcards: 15}, 19736, 14, 14, 176941, "cbcb80f3108f929e"},
		{"300 paths, 15 wildcards, segment", Options{MaxPaths: 300, MaxWildcards: 15, Placement: Segment}, 19736, 1, 1, 176942, "766e0153d3f7ec95"},
		{"exact", Options{Strategy: Exact}, 19736, 19736, 0, 0, "ae08986d80e0475a"},
		{"everything", Options{Strategy: Everything}, 19736, 1, 1, 176942, "766e0153d3f7ec95"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(in, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256([]byte(strings.Join(p.Paths(), "\n")))
			sum := hex.EncodeToString(h[:8])
			if p.Must != tt.must || len(p.Items) != tt.paths || p.Wildcards != tt.wildcards || p.Needless != tt.needless || sum != tt.sum {
				t.Errorf("must %d, paths %d, wildcards %d, needless %d, sum %q; want %d, %d, %d, %d, %q",
					p.Must, len(p.Items), p.Wildcards, p.Needless, sum, tt.must, tt.paths, tt.wildcards, tt.needless, tt.sum)
			}
		})
	}
}
