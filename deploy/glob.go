package deploy

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
)

// validateGlob reports why pattern can never be used as a route's match, or
// nil. The syntax is doublestar's: * and ? stay within one path segment, a
// whole segment ** matches zero or more directories (so "**/*.html" matches
// "index.html" too), [abc] and [!abc] are classes, {a,b} are alternatives and
// \ escapes the next character.
func validateGlob(pattern string) error {
	switch {
	case pattern == "":
		return fmt.Errorf("empty match pattern (want a glob such as \"**/*.html\" or \"assets/**\")")
	case strings.HasPrefix(pattern, "/"):
		return fmt.Errorf("match pattern %q starts with \"/\": patterns match keys relative to DIR, such as %q", pattern, strings.TrimLeft(pattern, "/"))
	case strings.HasPrefix(pattern, "./"):
		return fmt.Errorf("match pattern %q starts with \"./\": patterns match keys relative to DIR, such as %q", pattern, strings.TrimPrefix(pattern, "./"))
	case !utf8.ValidString(pattern):
		return fmt.Errorf("match pattern %q is not valid UTF-8 (S3 keys are)", pattern)
	case !doublestar.ValidatePattern(pattern):
		return fmt.Errorf("bad match pattern %q (unclosed [ or {, or a trailing \\; want a glob such as \"**/*.html\" or \"assets/**\")", pattern)
	}
	return nil
}

// matchGlob reports whether key (a path relative to DIR with forward slashes)
// matches pattern, which validateGlob accepted.
func matchGlob(pattern, key string) bool {
	return doublestar.MatchUnvalidated(pattern, key)
}
