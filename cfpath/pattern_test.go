package cfpath

import (
	"strings"
	"testing"
)

func TestMatchPathPattern(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"*", "/anything/at/all", true},
		{"/images/*.jpg", "/images/a.jpg", true},
		{"/images/*.jpg", "/images/sub/a.jpg", true},
		{"/images/*.jpg", "/images/a.JPG", false},
		{"images/*.jpg", "/images/a.jpg", true},
		{"/images/*.jpg", "/images/a.jpg.gz", false},
		{"/a?c", "/abc", true},
		{"/a?c", "/ac", false},
		{"/a?c", "/abbc", false},
		{"/*.css", "/x.css", true},
		{"/*/*.css", "/x.css", false},
		{"/*/*.css", "/a/x.css", true},
		{"/exact", "/exact", true},
		{"/exact", "/exact/", false},
		{"/a*b*c", "/aXXbYYc", true},
		{"/a*b*c", "/aXXbYY", false},
		{"", "/", false},
		{"/**", "/", true},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+" "+tc.path, func(t *testing.T) {
			if got := MatchPathPattern(tc.pattern, tc.path); got != tc.want {
				t.Errorf("MatchPathPattern(%q, %q) = %v, want %v", tc.pattern, tc.path, got, tc.want)
			}
		})
	}
}

// FuzzMatchPathPattern checks that a pattern made only of the path's own
// characters always matches, and that '*' alone matches everything.
func FuzzMatchPathPattern(f *testing.F) {
	f.Add("/images/*.jpg", "/images/a.jpg")
	f.Add("/a?c", "/abc")
	f.Fuzz(func(t *testing.T, pattern, path string) {
		_ = MatchPathPattern(pattern, path)
		if strings.HasPrefix(path, "/") && !MatchPathPattern(path+"*", path) && !strings.ContainsAny(path, "*?") {
			t.Errorf("MatchPathPattern(%q, %q) = false, want true", path+"*", path)
		}
		if !MatchPathPattern("*", path) {
			t.Errorf("MatchPathPattern(*, %q) = false, want true", path)
		}
	})
}
