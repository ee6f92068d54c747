// Package plan turns what a deploy changed into the cheapest correct set of
// CloudFront invalidation paths. It is pure: no I/O except reading and
// writing plan files (the code of a distribution's functions is fetched
// by the caller, see LoadFunctions).
//
// # Model
//
// A Mapper turns object keys into the URL paths viewers request (origin
// path stripped, or the routes of a distribution's cache behaviours
// followed; dir/index.html as /dir/, /dir and /dir/index.html; "/" for the
// default root object), percent-encoded by KeyPath exactly as cfpath.Clean
// encodes what "cfinv invalidate" sends ('~' raw). Where a behaviour runs
// a viewer-request CloudFront Function, the Mapper runs it on each URL and
// keeps the URL it rewrites it to, which is what CloudFront caches (with
// the index rewrite, /dir/index.html alone); where the function's effect
// cannot be known it warns and keeps the URLs (see Function). An Input then holds three sets
// of URLs: those that must be purged (changed and deleted objects), new
// ones (nobody can have cached them: covering them is free) and every
// other URL of the site (unchanged: covering one is a needless purge).
//
// Build covers every URL to purge with exact paths and wildcards. With the
// Optimal strategy the result is optimal, not approximate: of all plans
// with at most Options.MaxPaths paths, of which at most
// Options.MaxWildcards are wildcards, it purges the fewest unchanged URLs,
// then has the fewest paths, then the fewest wildcards. A wildcard may end
// after any character (Anywhere, the default: CloudFront matches "p*" as a
// plain string prefix, so /blog/post-1* is as valid as /blog/*) or only
// after a '/' (Segment).
//
// A URL with a literal '*' (from a key like "img/a*b.png") cannot be sent
// exactly: CloudFront reads '*' only as a trailing wildcard and rejects it
// elsewhere. Such a URL must be covered by a wildcard that ends before its
// first '*' (/img/a*), and the item's Note says why; the same holds for a
// URL over CloudFront's 4000-character limit. The Exact strategy sends the
// longest such wildcard for it and exact paths for the rest.
//
// # Algorithm
//
// The URLs to purge form a compressed trie in which a node is a run of
// sorted URLs sharing a prefix; subtrees without a URL to purge are not
// built at all, they are counted by binary search in the sorted list of
// unchanged URLs. Any useful wildcard covers the URLs of exactly one node,
// and the longest prefix on the edge into that node covers the fewest
// unchanged URLs, so only one wildcard per node is a candidate. For each
// node the solver keeps the Pareto front of (paths, wildcards, needless
// purges) over all ways of covering its URLs: the node's wildcard, or the
// exact path of the URL ending there combined with a choice in every child
// (a knapsack merge). Fronts are kept sorted by (wildcards, paths); a
// merge pairs only rows whose wildcards add up to at most MaxWildcards and
// fills a dense (wildcards × paths) table, whose rows a large merge fills
// on two goroutines. A child with a single URL always takes its exact
// path and costs no merge.
//
// Points that cannot be part of a plan within the budgets are dropped
// before any merge. A node's point is used only if no ancestor takes its
// wildcard; then each subtree hanging off the way up to the root is
// covered on its own, one of m URLs by m exact paths or by at least one
// path with a wildcard. With w wildcards spent at the node, the other W-w
// can save at most the W-w largest (m-1) of those subtrees, which bounds
// the paths left for the node; the same bound, with the children still to
// merge counted as outside, caps every intermediate front. A subtree with
// no path left is not solved at all. With scattered changes this leaves
// only the top levels of the trie: 124 455 URLs to purge among 1.24
// million are planned in about 0.4 s, and 1.24 million among 12.4 million
// in about 3.1-3.4 s of CPU, most of it sorting the URLs (an in-place MSD
// radix sort on two goroutines that caches each string's next 8 bytes,
// see sort.go). The tests check the result against brute
// force over every set of wildcards on small random sites, with and
// without literal '*'.
//
// # Plan file
//
// A plan file (File, written by "cfinv plan --out FILE" and read by
// "cfinv invalidate --plan FILE" through ReadFile) is one JSON object:
//
//	{
//	  "version": 1,                       // FileVersion; other versions are refused
//	  "created": "2026-05-01T12:00:00Z",  // when the plan was made, UTC
//	  "strategy": "optimal",              // optimal, exact or everything
//	  "items": [                          // every path, sorted, with its reason
//	    {"path": "/blog/*", "wildcard": true, "changed": 212, "unchanged": 3, "new": 1},
//	    {"path": "/img/a*", "wildcard": true, "changed": 1, "unchanged": 2,
//	     "note": "/img/a*b.png has a literal '*', …"}, // only when a wildcard was unavoidable
//	    {"path": "/index.html", "changed": 1, "unchanged": 0}
//	  ],
//	  "batches": [["/blog/*", "/index.html"]], // CreateInvalidation calls, in order, submitted unchanged
//	  "must": 213,                        // URLs that had to be purged
//	  "needless": 3,                      // unchanged URLs purged
//	  "wildcards": 1,
//	  "billed_paths": 0,                  // paths past the free allowance
//	  "estimated_cost_usd": 0,            // billed_paths × 0.005
//	  "warnings": [                       // only when there are any (Warning)
//	    {"kind": "function-unknown", "function": "redirect", "behaviors": ["/docs/*"], "message": "…"},
//	    {"kind": "error-page", "path": "/404.html", "message": "…"}
//	  ]
//	}
//
// Each batch holds at most 3000 paths and at most 15 wildcards, so each fits
// CloudFront's batch and in-progress limits on its own; ReadFile checks
// that and validates every path. The same object is what "cfinv plan
// --output json" prints.
package plan
