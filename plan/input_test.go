package plan_test

import (
	"fmt"
	"slices"

	"github.com/cfinv/cfinv/changes"
	"github.com/cfinv/cfinv/plan"
)

// ExampleMapper_Input plans what a deploy changed: the mapper turns the
// change set's keys into URLs, and Build covers those to purge.
func ExampleMapper_Input() {
	set := changes.Set{
		Modified: []string{"blog/post-1/index.html"},
		Added:    []string{"blog/post-2/index.html"},
		Deleted:  []string{"old.html"},
	}
	all := []string{"index.html", "blog/post-1/index.html", "blog/post-2/index.html", "old.html"}
	m := plan.Mapper{IndexDocument: "index.html", DefaultRootObject: "index.html"}
	in := m.Input(set, all)
	fmt.Println("purge:", in.Purge)
	fmt.Println("new:", in.New)

	p, err := plan.Build(in, plan.Options{Strategy: plan.Exact})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("paths:", p.Paths())
	// Output:
	// purge: [/blog/post-1/ /blog/post-1 /blog/post-1/index.html /old.html]
	// new: [/blog/post-2/ /blog/post-2 /blog/post-2/index.html]
	// paths: [/blog/post-1 /blog/post-1/ /blog/post-1/index.html /old.html]
}

// ExampleMapper_InputSeq plans the same change of a site whose keys are
// read one at a time (from a listing, a table on disk) rather than held:
// Build counts the unchanged URLs by the prefixes it weighs.
func ExampleMapper_InputSeq() {
	set := changes.Set{Modified: []string{"blog/post-1/index.html", "blog/post-2/index.html"}}
	keys := []string{"index.html", "blog/post-1/index.html", "blog/post-2/index.html", "blog/post-3/index.html", "about/index.html"}
	m := plan.Mapper{IndexDocument: "index.html", DefaultRootObject: "index.html"}
	in := m.InputSeq(set, slices.Values(keys))
	fmt.Println("purge:", len(in.Purge), "URLs; all held:", len(in.All))

	p, err := plan.Build(in, plan.Options{MaxPaths: 2, MaxWildcards: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range p.Items {
		fmt.Println(it.Reason())
	}
	// Output:
	// purge: 6 URLs; all held: 0
	// /blog/post-* covers 6 changed, 3 unchanged
}
