// Package cfpath holds CloudFront's rules for invalidation items: what a
// valid path, wildcard or cache tag is, and how a wildcard matches a path.
// The client, the planner, the emulator and the edge cache all use it, so
// they agree on every rule.
//
// Rules: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html
// Tags:  https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-by-tags.html
package cfpath

import (
	"fmt"
	"strings"
)

// CloudFront's limits on invalidation items.
const (
	// MaxPathLen is the longest path CloudFront accepts, in characters.
	MaxPathLen = 4000
	// MaxTagLen is the longest cache tag, not counting the leading '#'.
	MaxTagLen = 256
	// MaxBatchPaths is the most items one CreateInvalidation may carry.
	MaxBatchPaths = 3000
	// MaxInProgressPaths is the most non-wildcard items (paths and tags)
	// in progress on one distribution.
	MaxInProgressPaths = 3000
	// MaxInProgressWildcards is the most wildcard paths in progress on one
	// distribution, counted apart from MaxInProgressPaths.
	MaxInProgressWildcards = 15
	// MaxCallerReferenceLen is the longest CallerReference of a batch, in
	// characters. CloudFront documents no limit; this is the one
	// Terraform's aws_cloudfront_create_invalidation action enforces, which
	// the client keeps to and cfinv serve applies (inferred).
	MaxCallerReferenceLen = 128
)

// Kind is what an invalidation item names.
type Kind int

// The kinds of invalidation item.
const (
	KindPath     Kind = iota // an exact path, /a/b.html or /a?x=1
	KindWildcard             // a path ending in '*', /a/*
	KindTag                  // a cache tag, #product:tv
)

func (k Kind) String() string {
	switch k {
	case KindWildcard:
		return "wildcard"
	case KindTag:
		return "tag"
	default:
		return "path"
	}
}

// KindOf classifies item without validating it.
func KindOf(item string) Kind {
	switch {
	case strings.HasPrefix(item, "#"):
		return KindTag
	case strings.HasSuffix(item, "*"):
		return KindWildcard
	default:
		return KindPath
	}
}

// Error is a rejected invalidation item. It names the item, what is wrong
// and what would be accepted.
type Error struct {
	Item     string
	Reason   string
	Accepted string
}

func (e *Error) Error() string {
	item := e.Item
	if len(item) > 80 {
		item = item[:77] + "..."
	}
	return fmt.Sprintf("invalid invalidation item %q: %s", item, e.Reason)
}

const (
	acceptPath = "a path that starts with '/', at most 4000 characters, with '*' only as its last character, e.g. /index.html or /images/*"
	acceptTag  = "a cache tag: '#' then 1-256 printable ASCII characters (33-126) without ',' or '*', e.g. #product:tv"
)

// Validate reports whether item is acceptable to CloudFront as sent, with
// no cleaning: it is the server's check. A nil error means valid.
func Validate(item string) error {
	if item == "" {
		return &Error{Item: item, Reason: "it is empty", Accepted: acceptPath}
	}
	if strings.HasPrefix(item, "#") {
		return validateTag(item)
	}
	if item[0] != '/' {
		return &Error{Item: item, Reason: "it does not start with '/'", Accepted: acceptPath}
	}
	if n := len([]rune(item)); n > MaxPathLen {
		return &Error{Item: item, Reason: fmt.Sprintf("it is %d characters long, over the limit of %d", n, MaxPathLen), Accepted: acceptPath}
	}
	if i := strings.IndexByte(item, '*'); i >= 0 && i != len(item)-1 {
		return &Error{Item: item, Reason: fmt.Sprintf("'*' at position %d is not the last character", i+1), Accepted: acceptPath}
	}
	for i := 0; i < len(item); i++ {
		if c := item[i]; c < 0x20 || c == 0x7f {
			return &Error{Item: item, Reason: fmt.Sprintf("it contains the control character 0x%02x", c), Accepted: acceptPath}
		}
	}
	return nil
}

func validateTag(item string) error {
	tag := item[1:]
	switch {
	case tag == "":
		return &Error{Item: item, Reason: "the tag after '#' is empty", Accepted: acceptTag}
	case len(tag) > MaxTagLen:
		return &Error{Item: item, Reason: fmt.Sprintf("the tag is %d characters long, over the limit of %d", len(tag), MaxTagLen), Accepted: acceptTag}
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		switch {
		case c < 33 || c > 126:
			return &Error{Item: item, Reason: fmt.Sprintf("the tag contains byte 0x%02x, outside printable ASCII 33-126", c), Accepted: acceptTag}
		case c == ',':
			return &Error{Item: item, Reason: "the tag contains ','", Accepted: acceptTag}
		case c == '*':
			return &Error{Item: item, Reason: "the tag contains '*'; tags take no wildcards", Accepted: acceptTag}
		}
	}
	return nil
}

// Match reports whether the invalidation item pattern covers the request
// path (path plus "?query" when the cache key has one). An exact item
// matches only the identical, case-sensitive string; an item ending in '*'
// matches every path that starts with what precedes the '*'. Tags match
// no path: they match objects by their tag headers.
func Match(pattern, path string) bool {
	if strings.HasPrefix(pattern, "#") {
		return false
	}
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(path, prefix)
	}
	return pattern == path
}

// TagEqual reports whether two cache tags (with or without the leading '#')
// are the same tag: CloudFront's tags are case-insensitive, #Product:TV and
// #product:tv are one tag.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-tags.html
func TagEqual(a, b string) bool {
	return strings.EqualFold(strings.TrimPrefix(a, "#"), strings.TrimPrefix(b, "#"))
}

// Load is what invalidation items count against CloudFront's in-progress
// limits: wildcard paths apart, every other item (a file path or a cache
// tag) as a path.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-invalidations
type Load struct {
	Paths, Wildcards int
}

// LoadOf counts items as CloudFront's in-progress limits do.
func LoadOf(items []string) Load {
	var l Load
	for _, it := range items {
		if KindOf(it) == KindWildcard {
			l.Wildcards++
		} else {
			l.Paths++
		}
	}
	return l
}

// Add returns the load of l and m together.
func (l Load) Add(m Load) Load { return Load{l.Paths + m.Paths, l.Wildcards + m.Wildcards} }

// Fits reports whether l is within MaxInProgressPaths and
// MaxInProgressWildcards.
func (l Load) Fits() bool {
	return l.Paths <= MaxInProgressPaths && l.Wildcards <= MaxInProgressWildcards
}
