package cfpath

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string
		warns int    // number of warnings
		err   string // substring of the error, "" for none
	}{
		{name: "plain", in: "/index.html", want: "/index.html"},
		{name: "missing slash", in: "index.html", want: "/index.html", warns: 1},
		{name: "bare star", in: "*", want: "/*", warns: 1},
		{name: "wildcard kept", in: "/img/*", want: "/img/*"},
		{name: "query kept", in: "/a.js?v=1&x=2", want: "/a.js?v=1&x=2"},
		{name: "query with wildcard", in: "/a.js?v=*", want: "/a.js?v=*"},
		{name: "space", in: "/my file.html", want: "/my%20file.html"},
		{name: "unsafe set", in: `/<>"{}|\^[]` + "`", want: "/%3C%3E%22%7B%7D%7C%5C%5E%5B%5D%60"},
		{name: "hash inside path", in: "/a#b", want: "/a%23b"},
		{name: "valid escape kept", in: "/a%20b%c3%a9", want: "/a%20b%c3%a9"},
		{name: "bare percent", in: "/100%", want: "/100%25"},
		{name: "percent then one hex", in: "/a%2", want: "/a%252"},
		{name: "percent not hex", in: "/a%zz", want: "/a%25zz"},
		{name: "non-ascii", in: "/é ü", want: "/%C3%A9%20%C3%BC"},
		{name: "control char", in: "/a\tb", want: "/a%09b"},
		{name: "reserved kept", in: "/a;b:c@d=e&f+g$h,i!'()", want: "/a;b:c@d=e&f+g$h,i!'()"},
		{name: "tilde raw with warning", in: "/~user/x", want: "/~user/x", warns: 1},
		{name: "tag", in: "#product:tv", want: "#product:tv"},
		{name: "empty", in: "", err: "it is empty"},
		{name: "star not last", in: "/a*/b", err: "'*' at position 3 is not the last character"},
		{name: "star not last no slash", in: "a*b", err: "'*' at position 2"},
		{name: "too long", in: "/" + strings.Repeat("a", MaxPathLen), err: "4001 characters long once encoded"},
		{name: "too long once encoded", in: "/" + strings.Repeat(" ", 1400), err: "4201 characters"},
		{name: "max length", in: "/" + strings.Repeat("a", MaxPathLen-1), want: "/" + strings.Repeat("a", MaxPathLen-1)},
		{name: "empty tag", in: "#", err: "the tag after '#' is empty"},
		{name: "tag with comma", in: "#a,b", err: "contains ','"},
		{name: "tag with space", in: "#a b", err: "outside printable ASCII"},
		{name: "tag with star", in: "#a*", err: "tags take no wildcards"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warns, err := Clean(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Clean(%q) error = %v, want it to contain %q", tt.in, err, tt.err)
				}
				var ce *Error
				if !errors.As(err, &ce) || ce.Accepted == "" {
					t.Errorf("Clean(%q) error %T has no hint of what is accepted", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Clean(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(warns) != tt.warns {
				t.Errorf("Clean(%q) warnings = %v, want %d", tt.in, warns, tt.warns)
			}
			if err := Validate(got); err != nil {
				t.Errorf("Validate(Clean(%q)) = %v", tt.in, err)
			}
		})
	}
}

func TestPrepare(t *testing.T) {
	tests := []struct {
		name    string
		limits  Limits
		in      []string
		want    [][]string
		dropped []string // Warning messages that start with "dropped"
	}{
		{
			name:   "dedupe, in the order given",
			limits: DefaultLimits,
			in:     []string{"/b", "a", "/a", "/b"},
			want:   [][]string{{"/b", "/a"}},
			dropped: []string{
				"/a: dropped: duplicate of /a",
				"/b: dropped: duplicate of /b",
			},
		},
		{
			name:    "covered by wildcard",
			limits:  DefaultLimits,
			in:      []string{"/img/a.png", "/img/*", "/img/sub/*", "/imgx", "/im*g"[0:3] + "*", "/other"},
			want:    [][]string{{"/im*", "/other"}},
			dropped: []string{"/img/*: dropped: covered by /im*", "/img/sub/*: dropped: covered by /im*", "/img/a.png: dropped: covered by /im*", "/imgx: dropped: covered by /im*"},
		},
		{
			name:    "wildcard covers exact prefix",
			limits:  DefaultLimits,
			in:      []string{"/a", "/a*", "/a!x*"},
			want:    [][]string{{"/a*"}},
			dropped: []string{"/a!x*: dropped: covered by /a*", "/a: dropped: covered by /a*"},
		},
		{
			name:    "tags dedupe case-insensitively and are never covered",
			limits:  DefaultLimits,
			in:      []string{"#TV", "#tv", "/*"},
			want:    [][]string{{"#TV", "/*"}},
			dropped: []string{"#tv: dropped: duplicate of #tv"},
		},
		{
			name:   "split by items",
			limits: Limits{BatchItems: 2, BatchWildcards: 15},
			in:     []string{"/e", "/d", "/c", "/b", "/a"},
			want:   [][]string{{"/e", "/d"}, {"/c", "/b"}, {"/a"}}, // in the order given (issue 11 item 8)
		},
		{
			name:   "split by wildcards",
			limits: Limits{BatchItems: 10, BatchWildcards: 2},
			in:     []string{"/a/*", "/b/*", "/c/*", "/d"},
			want:   [][]string{{"/a/*", "/b/*"}, {"/c/*", "/d"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.limits.Prepare(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Batches); diff != "" {
				t.Errorf("batches (-want +got):\n%s", diff)
			}
			var dropped []string
			for _, w := range got.Warnings {
				if strings.HasPrefix(w.Message, "dropped") {
					dropped = append(dropped, w.String())
				}
			}
			if diff := cmp.Diff(tt.dropped, dropped); diff != "" {
				t.Errorf("dropped warnings (-want +got):\n%s", diff)
			}
			n := 0
			for _, b := range got.Batches {
				n += len(b)
			}
			if got.Items != n {
				t.Errorf("Items = %d, want %d", got.Items, n)
			}
		})
	}
}

func TestPrepareReportsEveryBadItem(t *testing.T) {
	_, err := Prepare([]string{"/ok", "/a*b", "", "#x,y"})
	if err == nil {
		t.Fatal("Prepare accepted bad items")
	}
	for _, want := range []string{`"/a*b"`, `""`, `"#x,y"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Errorf("errors.As(%T, *Error) = false, want true", err)
	}
}

func TestPrepareSplitsAtMaxBatch(t *testing.T) {
	in := make([]string, MaxBatchPaths+1)
	for i := range in {
		in[i] = fmt.Sprintf("/f%05d", i)
	}
	got, err := Prepare(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Batches) != 2 || len(got.Batches[0]) != MaxBatchPaths || len(got.Batches[1]) != 1 {
		t.Errorf("batch sizes: got %d batches, want [%d 1]", len(got.Batches), MaxBatchPaths)
	}
}

func TestPrepareRejectsBadLimits(t *testing.T) {
	if _, err := (Limits{}).Prepare([]string{"/a"}); err == nil {
		t.Error("zero Limits accepted, want an error")
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"/index.html", "a b", "/%41%zz%", "/img/*", "*", "#tag", "/é?x=ü", "~", "/a*b", "%%%", "/a%2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, _, err := Clean(in)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Clean(%q) error %T is not *Error", in, err)
			}
			return
		}
		if err := Validate(got); err != nil {
			t.Fatalf("Validate(Clean(%q) = %q): %v", in, got, err)
		}
		again, warns, err := Clean(got)
		if err != nil || again != got {
			t.Fatalf("Clean(Clean(%q)) = %q, %v; want %q", in, again, err, got)
		}
		for _, w := range warns {
			if strings.Contains(w.Message, "leading") {
				t.Fatalf("Clean(%q) warned again: %v", got, w)
			}
		}
	})
}

func FuzzPrepare(f *testing.F) {
	f.Add("/a\n/a*\n/b\n/a/b*", 2, 1)
	f.Add("#t\n#T\n/*", 3000, 15)
	f.Add("x\ny\n/x", 1, 1)
	f.Fuzz(func(t *testing.T, list string, batch, wild int) {
		if batch <= 0 || wild <= 0 || batch > 50 || wild > 50 {
			return
		}
		in := strings.Split(list, "\n")
		p, err := Limits{BatchItems: batch, BatchWildcards: wild}.Prepare(in)
		if err != nil {
			return
		}
		var all []string
		for _, b := range p.Batches {
			if len(b) == 0 || len(b) > batch {
				t.Fatalf("batch of %d items, limit %d", len(b), batch)
			}
			nw := 0
			for _, it := range b {
				if err := Validate(it); err != nil {
					t.Fatalf("invalid item in batch: %v", err)
				}
				if KindOf(it) == KindWildcard {
					nw++
				}
			}
			if nw > wild {
				t.Fatalf("batch with %d wildcards, limit %d", nw, wild)
			}
			all = append(all, b...)
		}
		// No item is covered by another, and every input is covered by some output.
		for i, a := range all {
			for j, b := range all {
				if i != j && (Match(a, b) || (KindOf(a) == KindTag && KindOf(b) == KindTag && TagEqual(a, b))) {
					t.Fatalf("%q covers %q, both kept", a, b)
				}
			}
		}
		for _, in := range in {
			c, _, _ := Clean(in)
			covered := false
			for _, a := range all {
				if Match(a, c) || a == c || (KindOf(a) == KindTag && KindOf(c) == KindTag && TagEqual(a, c)) {
					covered = true
					break
				}
			}
			if !covered {
				t.Fatalf("input %q (clean %q) is not covered by %q", in, c, all)
			}
		}
	})
}

func ExamplePrepare() {
	p, err := Prepare([]string{"index.html", "/img/*", "/img/logo.png", "/about me.html"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Batches)
	for _, w := range p.Warnings {
		fmt.Println(w)
	}
	// Output:
	// [[/index.html /img/* /about%20me.html]]
	// index.html: added the leading '/' that CloudFront requires
	// /img/logo.png: dropped: covered by /img/*
}

// TestPrepareKeepsOrder pins issue 11 item 8: the paths go out in the
// order given, as the AWS CLI sends them, so the batch CloudFront echoes is
// the one the user wrote.
func TestPrepareKeepsOrder(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"path before wildcard", []string{"/index.html", "/img/*"}, []string{"/index.html", "/img/*"}},
		{"reverse alphabetical", []string{"/z", "/m", "/a"}, []string{"/z", "/m", "/a"}},
		{"tags in place", []string{"/b", "#t", "/a"}, []string{"/b", "#t", "/a"}},
		{"covered path dropped in place", []string{"/c", "/img/a.png", "/img/*", "/a"}, []string{"/c", "/img/*", "/a"}},
		{"covered wildcard dropped in place", []string{"/img/sub/*", "/x", "/img/*"}, []string{"/x", "/img/*"}},
		{"first of duplicates kept", []string{"/b", "/a", "/b"}, []string{"/b", "/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Prepare(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([][]string{tt.want}, got.Batches); diff != "" {
				t.Errorf("Prepare(%q) batches (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestPrepareSet pins the issue "the same deploy re-run with its paths in
// another order bills twice": PrepareSet's batches depend on the set of
// items alone, whatever their order, duplicates, covered items and the case
// of their tags.
func TestPrepareSet(t *testing.T) {
	limits := Limits{BatchItems: 3, BatchWildcards: 1}
	tests := []struct {
		name string
		in   []string
		want [][]string
	}{
		{"sorted", []string{"/c", "/a", "/b"}, [][]string{{"/a", "/b", "/c"}}},
		{"split after sorting", []string{"/e", "/d", "/c", "/b", "/a"}, [][]string{{"/a", "/b", "/c"}, {"/d", "/e"}}},
		{"wildcards split after sorting", []string{"/y/*", "/x/*", "/a"}, [][]string{{"/a", "/x/*"}, {"/y/*"}}},
		{"tag in lower case", []string{"#Tag", "/a"}, [][]string{{"#tag", "/a"}}},
		{"tag duplicates in any case", []string{"#TAG", "#tag", "#Tag"}, [][]string{{"#tag"}}},
		{"duplicates and covered items", []string{"/b", "/img/a.png", "/b", "/img/*", "/img/x/*"}, [][]string{{"/b", "/img/*"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := limits.PrepareSet(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Batches); diff != "" {
				t.Errorf("PrepareSet(%q) batches (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// FuzzPrepareSet checks that PrepareSet gives the same batches for a list
// and for the list reversed, with its first item repeated and its tags in
// upper case.
func FuzzPrepareSet(f *testing.F) {
	f.Add("/a\n/a*\n/b\n/a/b*", 2, 1)
	f.Add("#t\n#T\n/*\n/x", 3000, 15)
	f.Add("/z\n/y/*\n/x/*\n/w", 1, 1)
	f.Fuzz(func(t *testing.T, list string, batch, wild int) {
		if batch <= 0 || wild <= 0 || batch > 50 || wild > 50 {
			return
		}
		l := Limits{BatchItems: batch, BatchWildcards: wild}
		in := strings.Split(list, "\n")
		p, err := l.PrepareSet(in)
		if err != nil {
			return
		}
		other := slices.Clone(in)
		slices.Reverse(other)
		other = append(other, in[0])
		for i, it := range other {
			if KindOf(it) == KindTag {
				other[i] = strings.ToUpper(it)
			}
		}
		q, err := l.PrepareSet(other)
		if err != nil {
			t.Fatalf("PrepareSet(%q) failed after PrepareSet(%q) succeeded: %v", other, in, err)
		}
		if diff := cmp.Diff(p.Batches, q.Batches); diff != "" {
			t.Errorf("PrepareSet(%q) and PrepareSet(%q) differ (-first +second):\n%s", in, other, diff)
		}
	})
}

// ExamplePrepareSet: the same set of items, in any order, with duplicates,
// covered paths or tags in another case, gives the same batches.
func ExamplePrepareSet() {
	for _, items := range [][]string{
		{"/index.html", "/img/*", "#Blog"},
		{"#BLOG", "/img/logo.png", "/img/*", "/index.html", "/index.html"},
	} {
		p, err := PrepareSet(items)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(p.Batches)
	}
	// Output:
	// [[#blog /img/* /index.html]]
	// [[#blog /img/* /index.html]]
}

func ExampleCanonicalTag() {
	fmt.Println(CanonicalTag("#Product:Electronics"), CanonicalTag("/About.html"))
	// Output: #product:electronics /About.html
}
