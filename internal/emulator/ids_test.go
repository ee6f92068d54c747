package emulator

import (
	"regexp"
	"testing"
	"time"
)

// TestInvalidationIDsSortInCreationOrder checks the format and the order of
// generated invalidation IDs, also across a clock that steps back.
func TestInvalidationIDsSortInCreationOrder(t *testing.T) {
	format := regexp.MustCompile(`^I[0-9A-Z]{13}$`)
	t0 := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		times []time.Time
	}{
		{"same millisecond", []time.Time{t0, t0, t0, t0}},
		{"later milliseconds", []time.Time{t0, t0.Add(time.Millisecond), t0.Add(time.Second), t0.Add(24 * time.Hour)}},
		{"clock steps back", []time.Time{t0, t0.Add(-time.Hour), t0.Add(-time.Millisecond), t0}},
		{"far future", []time.Time{t0.AddDate(200, 0, 0), t0.AddDate(200, 0, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g idGenerator
			prev := ""
			for i, now := range tt.times {
				id := g.next(now)
				if !format.MatchString(id) {
					t.Fatalf("ID %d = %q, want I and 13 of 0-9A-Z", i, id)
				}
				if id <= prev {
					t.Fatalf("ID %d = %q, not after %q", i, id, prev)
				}
				prev = id
			}
		})
	}
	// A restarted server (a fresh generator) in the same millisecond
	// starts at a random point of it (19 random bits), so fresh generators
	// do not all repeat one ID: eight alike would happen once in 2^133.
	seen := map[string]bool{}
	for range 8 {
		seen[(&idGenerator{}).next(t0)] = true
	}
	if len(seen) == 1 {
		t.Errorf("eight fresh generators all gave %v at the same instant", seen)
	}
}
