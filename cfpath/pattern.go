package cfpath

// MatchPathPattern reports whether a cache behaviour PathPattern matches a
// request path (without query string), as CloudFront does: '*' matches
// zero or more characters, '?' exactly one, everything else itself,
// case-sensitively. A pattern without a leading '/' is read as if it had
// one, as CloudFront accepts both "images/*.jpg" and "/images/*.jpg".
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern
func MatchPathPattern(pattern, path string) bool {
	if pattern == "" {
		return false
	}
	if pattern[0] != '/' && pattern[0] != '*' {
		pattern = "/" + pattern
	}
	// Iterative glob with single-star backtracking: linear in practice,
	// O(len(pattern)*len(path)) at worst, never exponential.
	p, s := 0, 0
	star, mark := -1, 0
	for s < len(path) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == path[s]) && pattern[p] != '*':
			p++
			s++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, s
			p++
		case star >= 0:
			p = star + 1
			mark++
			s = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
