// Package plan turns what a deploy changed into the cheapest correct set of
// CloudFront invalidation paths. It is pure: no I/O except reading and
// writing plan files.
//
// # Model
//
// A Mapper turns object keys into the URL paths viewers request (origin
// path stripped, dir/index.html as /dir/, /dir and /dir/index.html, "/" for
// the default root object, percent-encoded). An Input then holds three sets
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
// (a knapsack merge). Points over the budgets are dropped, which caps a
// front at (MaxPaths+1)×(MaxWildcards+1) points; a child with a single URL
// always takes its exact path and costs no merge. The tests check the
// result against brute force over every set of wildcards on small random
// sites.
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
//	    {"path": "/index.html", "changed": 1, "unchanged": 0}
//	  ],
//	  "batches": [["/blog/*", "/index.html"]], // CreateInvalidation calls, in order, submitted unchanged
//	  "must": 213,                        // URLs that had to be purged
//	  "needless": 3,                      // unchanged URLs purged
//	  "wildcards": 1,
//	  "billed_paths": 0,                  // paths past the free allowance
//	  "estimated_cost_usd": 0             // billed_paths × 0.005
//	}
//
// Each batch holds at most 3000 paths and at most 15 wildcards, so each fits
// CloudFront's batch and in-progress limits on its own; ReadFile checks
// that and validates every path. The same object is what "cfinv plan
// --output json" prints.
package plan
