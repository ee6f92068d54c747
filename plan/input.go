package plan

import (
	"iter"

	"github.com/cfinv/cfinv/changes"
)

// Input maps a change set to the planner's Input through m: the URLs of
// set's modified and deleted keys go to Purge, those of its added keys to
// New, and those of all (every key of the site; it may hold the deleted
// ones too) to All. A key no viewer URL reaches adds nothing.
//
// To purge new objects as well, move them to set.Modified first:
// set.Merge(changes.Set{Modified: set.Added}).
//
// Its Warnings are the Mapper's (functions whose effect is unknown) and
// one for each of m.ErrorPages that a modified or deleted key is served
// as.
func (m *Mapper) Input(set changes.Set, all []string) Input {
	var in Input
	urls := func(dst *[]string, keys []string) {
		for _, k := range keys {
			*dst = append(*dst, m.URLs(k)...)
		}
	}
	mapAll := func() {
		in = Input{}
		urls(&in.Purge, set.Modified)
		urls(&in.Purge, set.Deleted)
		urls(&in.New, set.Added)
		urls(&in.All, all)
	}
	known := len(m.Warnings())
	mapAll()
	if len(m.Warnings()) > known {
		// A function found unknown part way is unknown for every URL:
		// map again, so that the URLs mapped before it was found are
		// planned in every form too (the known functions' results are
		// kept, so nothing runs twice).
		mapAll()
	}
	in.Warnings = append(m.Warnings(), errorPageWarnings(m.ErrorPages, in.Purge)...)
	return in
}

// InputSeq is Input for a site whose keys all gives one at a time
// (every key once; it may give the deleted ones too) rather than in a
// list, so that neither the keys nor their URLs are held: the Input's All
// is nil and its Unchanged maps the keys as Build reads it (see
// Input.Unchanged), each time it does, so all may be called more than
// once. When a route runs a viewer-request function, all is also read
// here first, so that what m learns of the functions from every key
// (Warnings) holds for the URLs to purge too, as with Input.
func (m *Mapper) InputSeq(set changes.Set, all iter.Seq[string]) Input {
	if m.hasFunctions() {
		for k := range all {
			m.URLs(k)
		}
	}
	in := m.Input(set, nil)
	in.Unchanged = func(yield func(string) bool) {
		for k := range all {
			for _, u := range m.URLs(k) {
				if !yield(u) {
					return
				}
			}
		}
	}
	return in
}

// hasFunctions reports whether a route of m runs a viewer-request
// function.
func (m *Mapper) hasFunctions() bool {
	for _, r := range m.Routes {
		if r.ViewerRequest != nil {
			return true
		}
	}
	return false
}
