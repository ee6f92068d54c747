package plan

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	gocmp "github.com/google/go-cmp/cmp"
)

// counted is in with the unchanged URLs of All (each once) given by
// Unchanged instead, those of the first cut of them left in All: what
// Build holds per unchanged URL is then a count (issue 31).
func counted(in Input, cut int) Input {
	all := slices.Compact(slices.Sorted(slices.Values(in.All)))
	cut = min(cut, len(all))
	out := in
	out.All = all[:cut]
	out.Unchanged = slices.Values(all[cut:])
	return out
}

// TestBuildCountsUnchanged (issue 31): a plan made with the unchanged URLs
// counted as Input.Unchanged gives them is the plan made with them in
// All, item for item and count for count, whatever the strategy, the
// placement, the budgets and the split between All and Unchanged: over
// random sites whose URLs collide often (literal '*', prefixes of one
// another, URLs to purge among them), realistic sites, and overlong URLs.
func TestBuildCountsUnchanged(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var inputs []Input
	for i := range 200 {
		inputs = append(inputs, randomSite(r, 3+r.IntN(30), []string{"ab/", "ab/c", "a/*", "/x%2"}[i%4]))
	}
	for i := range 20 {
		inputs = append(inputs, siteInput(r, 50+r.IntN(400), []float64{0.01, 0.1, 0.5, 1}[i%4]))
	}
	long := "/" + strings.Repeat("d/", 2100)
	inputs = append(inputs, Input{Purge: []string{long + "a", "/b"}, All: []string{long + "a", long + "b", long + "c", "/b", "/c", "/"}},
		Input{Purge: []string{"/a"}, All: []string{"/a", "/a", "/ab", "/ab", "relative", ""}},
		Input{All: []string{"/a", "/b"}},
	)
	for i, in := range inputs {
		for _, opt := range []Options{
			{MaxPaths: 1 + r.IntN(20), MaxWildcards: r.IntN(4), Placement: []Placement{Anywhere, Segment}[r.IntN(2)]},
			{MaxPaths: 1000, MaxWildcards: 15},
			{Strategy: Exact},
			{Strategy: Everything},
		} {
			want, wantErr := Build(in, opt)
			for _, cut := range []int{0, len(in.All) / 2} {
				name := fmt.Sprintf("%d/%+v/cut=%d", i, opt, cut)
				got, err := Build(counted(in, cut), opt)
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Fatalf("%s: error %v, with All %v", name, err, wantErr)
				}
				if diff := gocmp.Diff(want, got); diff != "" {
					t.Fatalf("%s: plan (-All +counted):\n%s\ninput %+v", name, diff, in)
				}
			}
		}
	}
}

// FuzzBuildCountsUnchanged: Build gives the same plan, or the same error,
// with the unchanged URLs counted (Input.Unchanged) as with them in All.
// The input is lines: a URL each, prefixed by its class (p: purge, n:
// new, else unchanged only).
func FuzzBuildCountsUnchanged(f *testing.F) {
	f.Add([]byte("p/a/b\nn/a/c\nu/a/d\nu/b\np/\nu/a*\n"), uint8(3), uint8(1))
	f.Add([]byte("p/x/1\np/x/2\nu/x/3\nu/y\nu/x\n"), uint8(2), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, k, w uint8) {
		var in Input
		for _, line := range strings.Split(string(data), "\n") {
			if line == "" {
				continue
			}
			u := line[1:]
			in.All = append(in.All, u)
			switch line[0] {
			case 'p':
				in.Purge = append(in.Purge, u)
			case 'n':
				in.New = append(in.New, u)
			}
		}
		opt := Options{MaxPaths: 1 + int(k%32), MaxWildcards: int(w % 4)}
		want, wantErr := Build(in, opt)
		got, err := Build(counted(in, len(in.All)/3), opt)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("error %v, with All %v", err, wantErr)
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Fatalf("plan (-All +counted):\n%s", diff)
		}
	})
}

// TestIndexFormsShareBytes (issue 31): an index object's URLs that are
// prefixes of its longest one are substrings of it, not strings of their
// own: the planner holds every URL to purge.
func TestIndexFormsShareBytes(t *testing.T) {
	m := Mapper{IndexDocument: "index.html"}
	urls := m.URLs("docs/a b/index.html")
	if want := []string{"/docs/a%20b/", "/docs/a%20b", "/docs/a%20b/index.html"}; !slices.Equal(urls, want) {
		t.Fatalf("URLs = %q, want %q", urls, want)
	}
	long := unsafe.StringData(urls[2])
	for _, u := range urls[:2] {
		if unsafe.StringData(u) != long {
			t.Errorf("%q does not share the bytes of %q", u, urls[2])
		}
	}
}
