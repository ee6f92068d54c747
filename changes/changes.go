// Package changes finds what a deploy changed, as object keys relative to
// the bucket root, from four sources: a build directory compared with the
// manifest of the previous deploy (Scan, Diff), the output of "aws s3 sync"
// (ParseS3SyncLog), plain key lists (ParseKeys) and "git diff
// --name-status" (GitDiff, ParseNameStatus).
package changes

import (
	"fmt"
	"slices"
)

// Set is what a deploy changed. Keys have no leading '/'.
type Set struct {
	// Modified keys existed before and have new content; a viewer may have
	// the old one cached.
	Modified []string
	// Added keys did not exist before; no viewer can have them cached.
	Added []string
	// Deleted keys existed before and are gone.
	Deleted []string
}

// Merge adds the keys of o to s. A key both added in one source and
// modified in another counts as modified.
func (s *Set) Merge(o Set) {
	s.Modified = append(s.Modified, o.Modified...)
	s.Added = append(s.Added, o.Added...)
	s.Deleted = append(s.Deleted, o.Deleted...)
	s.normalize()
}

// normalize sorts and de-duplicates, and drops from Added what is also
// Modified.
func (s *Set) normalize() {
	for _, l := range []*[]string{&s.Modified, &s.Added, &s.Deleted} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	if len(s.Modified) > 0 {
		s.Added = slices.DeleteFunc(s.Added, func(k string) bool {
			_, found := slices.BinarySearch(s.Modified, k)
			return found
		})
	}
}

// Len is the number of keys in s.
func (s Set) Len() int { return len(s.Modified) + len(s.Added) + len(s.Deleted) }

// ParseError is input a parser could not read. It names the line.
type ParseError struct {
	Source string // file name or "stdin"
	Line   int
	Err    error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("parse %s line %d: %v", e.Source, e.Line, e.Err)
	}
	return fmt.Sprintf("parse %s: %v", e.Source, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }
