package cfpath

import (
	"fmt"
	"testing"
)

func TestLoad(t *testing.T) {
	many := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return out
	}
	wild := func(n int) []string {
		out := many("/w", n)
		for i := range out {
			out[i] += "/*"
		}
		return out
	}
	tests := []struct {
		name  string
		items []string
		want  Load
		fits  bool
	}{
		{"nothing", nil, Load{}, true},
		{"paths, tags and wildcards", []string{"/a", "#tag", "/img/*", "/*"}, Load{Paths: 2, Wildcards: 2}, true},
		{"3000 paths", many("/p", 3000), Load{Paths: 3000}, true},
		{"3001 paths", many("/p", 3001), Load{Paths: 3001}, false},
		{"15 wildcards", wild(15), Load{Wildcards: 15}, true},
		{"16 wildcards", wild(16), Load{Wildcards: 16}, false},
		{"wildcards are counted apart", append(many("/p", 3000), "/x/*"), Load{Paths: 3000, Wildcards: 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LoadOf(tt.items)
			if got != tt.want {
				t.Errorf("LoadOf: got %+v, want %+v", got, tt.want)
			}
			if got.Fits() != tt.fits {
				t.Errorf("Fits: got %v, want %v", got.Fits(), tt.fits)
			}
		})
	}
	w := Load{Wildcards: 10}.Add(Load{Paths: 1, Wildcards: 6})
	if w != (Load{Paths: 1, Wildcards: 16}) || w.Fits() {
		t.Errorf("Add: got %+v (fits %v), want 1 path, 16 wildcards, not fitting", w, w.Fits())
	}
}
