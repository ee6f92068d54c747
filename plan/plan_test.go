package plan

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfinv/cfinv/cfpath"
	gocmp "github.com/google/go-cmp/cmp"
)

func TestMapperURLs(t *testing.T) {
	tests := []struct {
		name string
		m    Mapper
		key  string
		want []string
	}{
		{"plain file", Mapper{}, "css/site.css", []string{"/css/site.css"}},
		{"leading slash", Mapper{}, "/css/site.css", []string{"/css/site.css"}},
		{"index all forms", Mapper{IndexDocument: "index.html"}, "blog/index.html", []string{"/blog/", "/blog", "/blog/index.html"}},
		{"index slash only", Mapper{IndexDocument: "index.html", Forms: FormSlash}, "blog/index.html", []string{"/blog/"}},
		{"index noslash,file", Mapper{IndexDocument: "index.html", Forms: FormNoSlash | FormFile}, "a/b/index.html", []string{"/a/b", "/a/b/index.html"}},
		{"root index", Mapper{IndexDocument: "index.html", DefaultRootObject: "index.html"}, "index.html", []string{"/", "/index.html"}},
		{"root index without default root object", Mapper{IndexDocument: "index.html", Forms: FormFile}, "index.html", []string{"/index.html"}},
		{"default root object other name", Mapper{DefaultRootObject: "home.html"}, "home.html", []string{"/", "/home.html"}},
		{"default root object only at root", Mapper{DefaultRootObject: "home.html"}, "a/home.html", []string{"/a/home.html"}},
		{"origin path stripped", Mapper{OriginPath: "/prod"}, "prod/a.css", []string{"/a.css"}},
		{"origin path trailing slash", Mapper{OriginPath: "/prod/"}, "prod/a.css", []string{"/a.css"}},
		{"outside origin path", Mapper{OriginPath: "/prod"}, "staging/a.css", nil},
		{"origin path prefix of name", Mapper{OriginPath: "/prod"}, "production/a.css", nil},
		{"space and non-ASCII", Mapper{}, "a b/é.html", []string{"/a%20b/%C3%A9.html"}},
		{"unsafe characters", Mapper{}, `x<>"#%{}|\^[]` + "`?.txt", []string{"/x%3C%3E%22%23%25%7B%7D%7C%5C%5E%5B%5D%60%3F.txt"}},
		{"tilde raw as cfpath.Clean sends it", Mapper{}, "~user/a b.html", []string{"/~user/a%20b.html"}},
		{"literal percent and escape-like text", Mapper{}, "100%/a%41.txt", []string{"/100%25/a%2541.txt"}},
		{"literal star kept for the planner", Mapper{}, "img/a*b.png", []string{"/img/a*b.png"}},
		{"safe punctuation kept", Mapper{}, "a/$-_.+!'(),:@=&;.txt", []string{"/a/$-_.+!'(),:@=&;.txt"}},
		{"empty key", Mapper{}, "", nil},
		{"routes: default origin path", Mapper{Routes: []Route{{Local: true, OriginPath: "/prod"}}}, "prod/a.css", []string{"/a.css"}},
		{"routes: key outside every origin path", Mapper{Routes: []Route{{Local: true, OriginPath: "/prod"}}}, "staging/a.css", nil},
		{"routes: behaviour to another origin hides the key", Mapper{Routes: []Route{{PathPattern: "/api/*"}, {Local: true}}}, "api/users.json", nil},
		{"routes: behaviour to another origin leaves the rest", Mapper{Routes: []Route{{PathPattern: "/api/*"}, {Local: true}}}, "apis.html", []string{"/apis.html"}},
		{"routes: same bucket, other origin path", Mapper{Routes: []Route{{PathPattern: "static/*", Local: true, OriginPath: "/assets"}, {Local: true, OriginPath: "/prod"}}}, "assets/static/x.css", []string{"/static/x.css"}},
		{"routes: same bucket, path not routed there", Mapper{Routes: []Route{{PathPattern: "static/*", Local: true, OriginPath: "/assets"}, {Local: true, OriginPath: "/prod"}}}, "assets/other/x.css", nil},
		{"routes: default origin path shadowed by behaviour", Mapper{Routes: []Route{{PathPattern: "static/*", Local: true, OriginPath: "/assets"}, {Local: true, OriginPath: "/prod"}}}, "prod/static/x.css", nil},
		{"routes: index forms routed one by one", Mapper{IndexDocument: "index.html", Routes: []Route{{PathPattern: "/docs/*"}, {Local: true}}}, "docs/index.html", []string{"/docs"}},
		{"routes: root object", Mapper{DefaultRootObject: "home.html", Routes: []Route{{Local: true, OriginPath: "/v2"}}}, "v2/home.html", []string{"/", "/home.html"}},
		{"directory marker key", Mapper{IndexDocument: "index.html"}, "blog/", []string{"/blog/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.m.URLs(tt.key)
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("URLs(%q) mismatch (-want +got):\n%s", tt.key, diff)
			}
			for _, u := range got {
				if strings.Contains(u, "*") {
					continue // Build covers it with a wildcard
				}
				if err := cfpath.Validate(u); err != nil {
					t.Errorf("URLs(%q) gave invalid path %q: %v", tt.key, u, err)
				}
			}
		})
	}
}

func TestParseIndexForms(t *testing.T) {
	tests := []struct {
		in      string
		want    IndexForms
		wantErr bool
	}{
		{"slash,noslash,file", AllIndexForms, false},
		{"slash", FormSlash, false},
		{" file , slash ", FormFile | FormSlash, false},
		{"", 0, true},
		{"dir", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseIndexForms(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseIndexForms(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestKeyPathIsWhatInvalidateSends(t *testing.T) {
	for _, key := range []string{"a b.html", "~user/x", "é/ü.txt", "a#b", "q?x=1", "100%", "a%20b", "a;b,c!d'e(f)g@h=i&j+k$l"} {
		got := KeyPath(key)
		sent, _, err := cfpath.Clean(got)
		if err != nil {
			t.Errorf("cfpath.Clean(KeyPath(%q) = %q): %v", key, got, err)
			continue
		}
		if sent != got {
			t.Errorf("KeyPath(%q) = %q, but cfinv invalidate would send %q", key, got, sent)
		}
	}
}

func FuzzKeyPath(f *testing.F) {
	for _, s := range []string{"a b", "é", "x?y*z", "%41", "~user/", "a**b", strings.Repeat("é", 900)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		got := KeyPath(key)
		if !strings.HasPrefix(got, "/") {
			t.Fatalf("KeyPath(%q) = %q does not start with '/'", key, got)
		}
		// Every escape is one of a key byte: decoding gives the key back.
		if dec, err := url.PathUnescape(got[1:]); err != nil || dec != key {
			t.Fatalf("KeyPath(%q) = %q decodes to %q, %v", key, got, dec, err)
		}
		if strings.Contains(key, "*") || len(got) > cfpath.MaxPathLen {
			return // Build covers these with a wildcard
		}
		sent, _, err := cfpath.Clean(got)
		if err != nil || sent != got {
			t.Fatalf("KeyPath(%q) = %q, but cfpath.Clean gives %q, %v", key, got, sent, err)
		}
		if err := cfpath.Validate(got); err != nil {
			t.Fatalf("KeyPath(%q) = %q is not a valid path: %v", key, got, err)
		}
	})
}

func TestBuildCoversLiteralStar(t *testing.T) {
	m := Mapper{}
	in := Input{
		Purge: append(m.URLs("img/a*b.png"), m.URLs("index.html")...),
		All:   append(m.URLs("img/a.png"), m.URLs("img/c.png")...),
	}
	for _, st := range []Strategy{Optimal, Exact} {
		p, err := Build(in, Options{Strategy: st, MaxPaths: 10, MaxWildcards: 15})
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		want := []Item{
			{Path: "/img/a*", Wildcard: true, Changed: 1, Unchanged: 1, Note: "/img/a*b.png has a literal '*', which CloudFront reads only as a trailing wildcard, so only a wildcard ending before it purges it"},
			{Path: "/index.html", Changed: 1},
		}
		if diff := gocmp.Diff(want, p.Items); diff != "" {
			t.Errorf("%s: items (-want +got):\n%s", st, diff)
		}
		if !strings.Contains(p.Items[0].Reason(), "literal '*'") {
			t.Errorf("%s: reason %q does not explain the wildcard", st, p.Items[0].Reason())
		}
		checkPlan(t, string(st), in, p, 10, 15)
	}
	// Without wildcards the URL cannot be covered.
	if _, err := Build(in, Options{MaxPaths: 10, MaxWildcards: 0}); err == nil {
		t.Error("Build with no wildcards covered a URL with a literal '*'")
	}
	// A '*' right after the root needs "/*".
	p, err := Build(Input{Purge: []string{"/*x"}, All: []string{"/a"}}, Options{MaxPaths: 10, MaxWildcards: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Paths(); !slices.Equal(got, []string{"/*"}) {
		t.Errorf("paths = %q, want [/*]", got)
	}
}

func TestBuildCoversOverlongURL(t *testing.T) {
	long := "/" + strings.Repeat("a", cfpath.MaxPathLen+10)
	p, err := Build(Input{Purge: []string{long, "/b"}, All: []string{"/c"}}, Options{MaxPaths: 10, MaxWildcards: 15})
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, "overlong", Input{Purge: []string{long, "/b"}, All: []string{"/c"}}, p, 10, 15)
	for _, path := range p.Paths() {
		if len(path) > cfpath.MaxPathLen {
			t.Errorf("path of %d characters, over the limit", len(path))
		}
	}
}

func TestBuildStrategies(t *testing.T) {
	in := Input{
		Purge: []string{"/blog/", "/blog/a.html", "/blog/b.html", "/index.html"},
		New:   []string{"/blog/new.html"},
		All:   []string{"/blog/", "/blog/a.html", "/blog/b.html", "/blog/c.html", "/blog/new.html", "/index.html", "/about.html"},
	}
	tests := []struct {
		name string
		opt  Options
		want []Item
	}{
		{"exact", Options{Strategy: Exact}, []Item{
			{Path: "/blog/", Changed: 1}, {Path: "/blog/a.html", Changed: 1}, {Path: "/blog/b.html", Changed: 1}, {Path: "/index.html", Changed: 1},
		}},
		{"everything", Options{Strategy: Everything}, []Item{
			{Path: "/*", Wildcard: true, Changed: 4, Unchanged: 2, New: 1},
		}},
		{"optimal with room is exact", Options{MaxPaths: 10, MaxWildcards: 15}, []Item{
			{Path: "/blog/", Changed: 1}, {Path: "/blog/a.html", Changed: 1}, {Path: "/blog/b.html", Changed: 1}, {Path: "/index.html", Changed: 1},
		}},
		{"optimal two paths", Options{MaxPaths: 2, MaxWildcards: 15}, []Item{
			{Path: "/blog/*", Wildcard: true, Changed: 3, Unchanged: 1, New: 1}, {Path: "/index.html", Changed: 1},
		}},
		{"optimal one path", Options{MaxPaths: 1, MaxWildcards: 1}, []Item{
			{Path: "/*", Wildcard: true, Changed: 4, Unchanged: 2, New: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(in, tt.opt)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if diff := gocmp.Diff(tt.want, p.Items); diff != "" {
				t.Errorf("items mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildFreeWildcardSavesPaths(t *testing.T) {
	// Every object under /css/ changed: a wildcard costs no needless purge
	// and saves paths, so the tie-break on paths picks it.
	in := Input{Purge: []string{"/css/a.css", "/css/b.css", "/css/c.css", "/x.html"}, All: []string{"/y.html"}}
	p, err := Build(in, Options{MaxPaths: 100, MaxWildcards: 15, Placement: Segment})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Paths(), []string{"/css/*", "/x.html"}; !slices.Equal(got, want) {
		t.Errorf("paths = %q, want %q", got, want)
	}
}

func TestBuildBudgetError(t *testing.T) {
	in := Input{Purge: []string{"/a", "/b", "/c"}}
	_, err := Build(in, Options{MaxPaths: 2, MaxWildcards: 0})
	if _, ok := err.(*BudgetError); !ok {
		t.Fatalf("error = %v, want a *BudgetError", err)
	}
}

func TestBuildRejectsInvalidURL(t *testing.T) {
	if _, err := Build(Input{Purge: []string{"no-slash"}}, Options{}); err == nil {
		t.Error("Build accepted a URL without a leading slash")
	}
}

// TestBuildReportsFirstInvalidURL checks that the URL named is the first
// bad one in sorted order, also when a large list is checked in halves.
func TestBuildReportsFirstInvalidURL(t *testing.T) {
	for _, n := range []int{10, 100_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			purge := []string{"no-slash", "/\x01control"}
			for i := range n {
				purge = append(purge, fmt.Sprintf("/p/%d", i))
			}
			_, err := Build(Input{Purge: purge}, Options{})
			if err == nil || !strings.Contains(err.Error(), `"/\x01control"`) {
				t.Errorf("error %v, want one naming %q", err, "/\x01control")
			}
		})
	}
}

func TestBuildEmpty(t *testing.T) {
	p, err := Build(Input{All: []string{"/a"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 0 || len(p.Batches) != 0 || p.CostUSD != 0 {
		t.Errorf("empty input gave %+v, want an empty plan", p)
	}
}

func TestBatchesRespectLimits(t *testing.T) {
	var items []Item
	for i := range 40 {
		items = append(items, Item{Path: fmt.Sprintf("/w%02d/*", i), Wildcard: true})
	}
	for i := range 7000 {
		items = append(items, Item{Path: fmt.Sprintf("/f%05d", i)})
	}
	bs := batches(items, cfpath.MaxBatchPaths)
	total := 0
	for i, b := range bs {
		wild := 0
		for _, p := range b {
			if cfpath.KindOf(p) == cfpath.KindWildcard {
				wild++
			}
		}
		if len(b) > cfpath.MaxBatchPaths || wild > cfpath.MaxInProgressWildcards {
			t.Errorf("batch %d has %d paths, %d wildcards; want ≤ %d and ≤ %d", i, len(b), wild, cfpath.MaxBatchPaths, cfpath.MaxInProgressWildcards)
		}
		total += len(b)
	}
	if total != len(items) {
		t.Errorf("batches hold %d paths, want %d", total, len(items))
	}
}

func TestCost(t *testing.T) {
	var purge []string
	for i := range 50 {
		purge = append(purge, fmt.Sprintf("/p%d", i))
	}
	p, err := Build(Input{Purge: purge}, Options{Strategy: Exact, FreePathsLeft: 20})
	if err != nil {
		t.Fatal(err)
	}
	if p.BilledPaths != 30 || p.CostUSD != 30*PricePerPath {
		t.Errorf("billed %d cost %v, want 30 and %v", p.BilledPaths, p.CostUSD, 30*PricePerPath)
	}
}

func TestDefaultMaxPaths(t *testing.T) {
	for _, tt := range []struct{ free, want int }{{1000, 1000}, {0, MinDefaultPaths}, {50, MinDefaultPaths}, {5000, 3000}} {
		if got := DefaultMaxPaths(tt.free); got != tt.want {
			t.Errorf("DefaultMaxPaths(%d) = %d, want %d", tt.free, got, tt.want)
		}
	}
}

// randomSite makes a small site of URLs over a tiny alphabet, so prefixes
// collide often, and splits it into URLs to purge, new and unchanged.
func randomSite(r *rand.Rand, n int, alphabet string) Input {
	seen := map[string]bool{}
	var in Input
	for len(seen) < n {
		var b strings.Builder
		b.WriteByte('/')
		for range 1 + r.IntN(5) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		u := b.String()
		if seen[u] {
			continue
		}
		seen[u] = true
		in.All = append(in.All, u)
		switch r.IntN(5) {
		case 0, 1:
			in.Purge = append(in.Purge, u)
		case 2:
			in.New = append(in.New, u)
		}
	}
	return in
}

// bruteForce tries every set of at most w wildcards among all prefixes of
// all URLs and returns the best (needless, paths, wildcards), or ok false
// when nothing fits the budgets. It shares no code with Build.
func bruteForce(in Input, k, w int, place Placement) (best [3]int, ok bool) {
	isMust := map[string]bool{}
	for _, u := range in.Purge {
		isMust[u] = true
	}
	isNew := map[string]bool{}
	for _, u := range in.New {
		isNew[u] = true
	}
	cands := map[string]bool{}
	for _, u := range in.All {
		for i := 1; i <= len(u); i++ {
			if place == Segment && u[i-1] != '/' || strings.Contains(u[:i], "*") {
				continue
			}
			cands[u[:i]] = true
		}
	}
	var prefixes []string
	for p := range cands {
		prefixes = append(prefixes, p)
	}
	slices.Sort(prefixes)
	var rec func(start int, chosen []string)
	rec = func(start int, chosen []string) {
		paths, needless := len(chosen), 0
		for _, u := range in.All {
			hit := false
			for _, p := range chosen {
				if cfpath.Match(p+"*", u) {
					hit = true
					break
				}
			}
			switch {
			case isMust[u] && !hit && strings.Contains(u, "*"):
				paths = k + 1 // cannot be sent exactly
			case isMust[u] && !hit:
				paths++
			case hit && !isMust[u] && !isNew[u]:
				needless++
			}
		}
		if paths <= k {
			cand := [3]int{needless, paths, len(chosen)}
			if !ok || slices.Compare(cand[:], best[:]) < 0 {
				best, ok = cand, true
			}
		}
		if len(chosen) == w {
			return
		}
		for i := start; i < len(prefixes); i++ {
			rec(i+1, append(chosen, prefixes[i]))
		}
	}
	rec(0, nil)
	return best, ok
}

func TestOptimalEqualsBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	compared := 0
	defer func() {
		if compared < 200 {
			t.Errorf("only %d of 300 random cases were feasible and compared, want at least 200", compared)
		}
	}()
	defer func(p int64) { parallelPairs = p }(parallelPairs)
	for i := range 300 {
		alphabet := []string{"ab/", "ab/", "a/*"}[i%3]
		in := randomSite(r, 3+r.IntN(10), alphabet)
		k := 1 + r.IntN(5)
		w := r.IntN(3)
		parallelPairs = []int64{1 << 18, 0}[i%2] // also split every merge's rows
		place := []Placement{Anywhere, Segment}[r.IntN(2)]
		name := fmt.Sprintf("%d/%s/k=%d/w=%d/%s", i, alphabet, k, w, place)
		want, feasible := bruteForce(in, k, w, place)
		p, err := Build(in, Options{MaxPaths: k, MaxWildcards: w, Placement: place})
		if !feasible && len(in.Purge) > 0 {
			if err == nil {
				t.Errorf("%s: Build found %q where brute force found nothing (input %+v)", name, p.Paths(), in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Build: %v (brute force found %v)", name, err, want)
			continue
		}
		compared++
		checkPlan(t, name, in, p, k, w)
		got := [3]int{p.Needless, len(p.Items), p.Wildcards}
		if got != want {
			t.Errorf("%s: (needless, paths, wildcards) = %v, brute force %v; plan %q; input %+v", name, got, want, p.Paths(), in)
		}
		if place == Segment {
			for _, it := range p.Items {
				if it.Wildcard && !strings.HasSuffix(it.Path, "/*") {
					t.Errorf("%s: segment placement gave %q", name, it.Path)
				}
			}
		}
	}
}

// checkPlan checks the properties every optimal plan has: it covers every
// URL to purge under cfpath.Match, fits the budgets, and reports its
// needless purges truthfully.
func checkPlan(t *testing.T, name string, in Input, p *Plan, k, w int) {
	t.Helper()
	missed, needless, wild := Evaluate(p.Paths(), in)
	if missed != 0 {
		t.Errorf("%s: plan %q misses %d URLs", name, p.Paths(), missed)
	}
	if needless != p.Needless || wild != p.Wildcards {
		t.Errorf("%s: plan reports needless %d wildcards %d, evaluation gives %d and %d", name, p.Needless, p.Wildcards, needless, wild)
	}
	if len(p.Items) > k || wild > w {
		t.Errorf("%s: plan has %d paths, %d wildcards; budget %d, %d", name, len(p.Items), wild, k, w)
	}
	for _, path := range p.Paths() {
		if err := cfpath.Validate(path); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// siteInput generates a realistic site: sections with posts (index pages in
// all three forms), assets, and a change set touching some posts.
func siteInput(r *rand.Rand, objects int, changeRate float64) Input {
	m := Mapper{IndexDocument: "index.html", DefaultRootObject: "index.html"}
	var in Input
	sections := []string{"blog", "docs", "tags", "css", "js", "img"}
	for i := range objects {
		sec := sections[r.IntN(len(sections))]
		var key string
		switch sec {
		case "css", "js", "img":
			key = fmt.Sprintf("%s/f%d.%s", sec, i, sec)
		default:
			key = fmt.Sprintf("%s/%d/p%d/index.html", sec, i%17, i)
		}
		urls := m.URLs(key)
		in.All = append(in.All, urls...)
		switch x := r.Float64(); {
		case x < changeRate:
			in.Purge = append(in.Purge, urls...)
		case x < changeRate*1.2:
			in.New = append(in.New, urls...)
		}
	}
	return in
}

func TestOptimalNeverWorseThanBaselines(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 40 {
		in := siteInput(r, 50+r.IntN(400), []float64{0.01, 0.1, 0.5, 1}[i%4])
		k := []int{8, 20, 100, 1000}[r.IntN(4)]
		w := []int{1, 3, 15}[r.IntN(3)]
		name := fmt.Sprintf("%d/k=%d/w=%d", i, k, w)
		p, err := Build(in, Options{MaxPaths: k, MaxWildcards: w})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkPlan(t, name, in, p, k, w)
		for _, base := range [][]string{{"/*"}, DepthCollapse(in.Purge, 8), DepthCollapse(in.Purge, k)} {
			missed, needless, wild := Evaluate(base, in)
			if missed > 0 || len(base) > k || wild > w {
				continue // not a valid plan under these budgets
			}
			if p.Needless > needless || p.Needless == needless && len(p.Items) > len(base) {
				t.Errorf("%s: optimal (needless %d, %d paths) worse than %q (needless %d)", name, p.Needless, len(p.Items), base, needless)
			}
		}
	}
}

func TestDepthCollapse(t *testing.T) {
	// The worked examples of s3deploy's tests, threshold 5.
	css := []string{"/", "/styles.css"}
	for i := range 20 {
		css = append(css, fmt.Sprintf("/css/file%d.css", i))
	}
	spread := []string{"/", "/styles.css"}
	for i := range 20 {
		spread = append(spread, fmt.Sprintf("/dir%d/file.css", i))
	}
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"under threshold", []string{"/b", "/a"}, []string{"/a", "/b"}},
		{"css dir", css, []string{"/", "/css/*", "/styles.css"}},
		{"spread", spread, []string{"/*"}},
		{"nested", []string{"/", "/styles.css", "/about/", "/about/team/", "/blog/", "/blog/2024/a/", "/blog/2024/b/", "/blog/2025/c/"},
			[]string{"/", "/about/*", "/blog/*", "/styles.css"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := gocmp.Diff(tt.want, DepthCollapse(tt.in, 5)); diff != "" {
				t.Errorf("DepthCollapse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFileRoundTrip(t *testing.T) {
	p, err := Build(Input{Purge: []string{"/a b", "/c/", "/c/d"}, All: []string{"/c/e"}}, Options{MaxPaths: 2, MaxWildcards: 1})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	if err := NewFile(p, now).WriteFile(path); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(p.Batches, f.Batches()); diff != "" {
		t.Errorf("batches mismatch (-want +got):\n%s", diff)
	}
	if !f.Created.Equal(now) || f.Version != FileVersion {
		t.Errorf("created %v version %d, want %v and %d", f.Created, f.Version, now, FileVersion)
	}
}

func TestDecodeRejects(t *testing.T) {
	big := make([]string, cfpath.MaxBatchPaths+1)
	for i := range big {
		big[i] = fmt.Sprintf("\"/p%d\"", i)
	}
	wild := make([]string, 16)
	for i := range wild {
		wild[i] = fmt.Sprintf("\"/w%d/*\"", i)
	}
	tests := []struct {
		name, data, want string
	}{
		{"not json", "nope", "invalid character"},
		{"version", `{"version":2,"batches":[["/a"]]}`, "version 2 is not supported"},
		{"no version", `{"batches":[["/a"]]}`, "version 0"},
		{"bad path", `{"version":1,"batches":[["a"]]}`, "does not start with '/'"},
		{"empty batch", `{"version":1,"batches":[[]]}`, "batch 1 has 0 paths"},
		{"too big", `{"version":1,"batches":[[` + strings.Join(big, ",") + `]]}`, "batch 1 has 3001 paths"},
		{"too many wildcards", `{"version":1,"batches":[[` + strings.Join(wild, ",") + `]]}`, "16 wildcards"},
		{"trailing", `{"version":1,"batches":[["/a"]]} {}`, "trailing data"},
		{"no plan", `{"version":1}`, "no batches"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode("p.json", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode error = %v, want one containing %q", err, tt.want)
			}
			if _, ok := err.(*FileError); !ok {
				t.Errorf("error %T is not a *FileError", err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"version":1,"batches":[["/a","/b/*"]],"items":[{"path":"/a"}]}`))
	f.Add([]byte(`{"version":1,"batches":null}`))
	f.Add([]byte(`{"version":1,"batches":[["#tag"]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode("fuzz", data)
		if err != nil {
			return
		}
		for _, b := range file.Batches() {
			if len(b) == 0 || len(b) > cfpath.MaxBatchPaths {
				t.Fatalf("accepted a batch of %d paths", len(b))
			}
			for _, p := range b {
				if err := cfpath.Validate(p); err != nil {
					t.Fatalf("accepted invalid path: %v", err)
				}
			}
		}
	})
}

func TestItemReason(t *testing.T) {
	it := Item{Path: "/blog/*", Wildcard: true, Changed: 212, Unchanged: 3}
	if got, want := it.Reason(), "/blog/* covers 212 changed, 3 unchanged"; got != want {
		t.Errorf("Reason() = %q, want %q", got, want)
	}
}

func ExampleBuild() {
	m := Mapper{IndexDocument: "index.html", DefaultRootObject: "index.html", Forms: FormSlash | FormFile}
	var in Input
	for _, key := range []string{"index.html", "blog/index.html", "blog/post-1/index.html", "blog/post-2/index.html"} {
		in.Purge = append(in.Purge, m.URLs(key)...)
	}
	for _, key := range []string{"blog/post-3/index.html", "about/index.html", "css/site.css"} {
		in.All = append(in.All, m.URLs(key)...)
	}
	p, _ := Build(in, Options{MaxPaths: 4, MaxWildcards: 15})
	for _, it := range p.Items {
		fmt.Println(it.Reason())
	}
	fmt.Printf("%d paths, %d needless\n", len(p.Items), p.Needless)
	// Output:
	// / is a changed URL
	// /blog/* covers 6 changed, 2 unchanged
	// /index.html is a changed URL
	// 3 paths, 2 needless
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("objects=%d/changed=10%%", n), func(b *testing.B) {
			// Generated here, so only the sizes -bench selects are.
			in := siteInput(rand.New(rand.NewPCG(uint64(n), 1)), n, 0.1)
			// Collect the generator's garbage now, or a collection of it
			// (marking every URL of the input) falls into the timed loop.
			runtime.GC()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Build(in, Options{FreePathsLeft: 1000, MaxWildcards: 15}); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The same site, its URLs given by Input.Unchanged (counted by
		// prefix, not held) instead of All, as deploy gives them.
		b.Run(fmt.Sprintf("objects=%d/changed=10%%/counted", n), func(b *testing.B) {
			in := siteInput(rand.New(rand.NewPCG(uint64(n), 1)), n, 0.1)
			in.Unchanged, in.All = slices.Values(in.All), nil
			runtime.GC()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Build(in, Options{FreePathsLeft: 1000, MaxWildcards: 15}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// referenceDP solves the planning problem by a plain dynamic program over
// the uncompressed character trie of the URLs to purge, with dense tables
// of the least needless purges for exactly w wildcards and k paths and no
// pruning at all. It shares no code with Build and returns the best
// (needless, paths, wildcards) within the budgets.
func referenceDP(in Input, K, W int, place Placement) (best [3]int, ok bool) {
	isMust, isNew := map[string]bool{}, map[string]bool{}
	for _, u := range in.Purge {
		isMust[u] = true
	}
	for _, u := range in.New {
		isNew[u] = true
	}
	var others []string
	for _, u := range in.All {
		if !isMust[u] && !isNew[u] {
			others = append(others, u)
		}
	}
	const inf = 1 << 60
	newTable := func() [][]int {
		t := make([][]int, W+1)
		for w := range t {
			t[w] = make([]int, K+1)
			for k := range t[w] {
				t[w][k] = inf
			}
		}
		return t
	}
	var solve func(prefix string, below []string) [][]int
	solve = func(prefix string, below []string) [][]int {
		// Exact option: the URL ending here, then every child.
		acc := newTable()
		acc[0][0] = 0
		children := map[byte][]string{}
		var keys []byte
		for _, u := range below {
			if len(u) == len(prefix) {
				if strings.Contains(u, "*") {
					acc[0][0] = inf
				} else {
					shifted := newTable()
					for w := range acc {
						for k := 0; k < K; k++ {
							shifted[w][k+1] = acc[w][k]
						}
					}
					acc = shifted
				}
				continue
			}
			c := u[len(prefix)]
			if _, seen := children[c]; !seen {
				keys = append(keys, c)
			}
			children[c] = append(children[c], u)
		}
		for _, c := range keys {
			ch := solve(prefix+string(c), children[c])
			next := newTable()
			for w1 := range acc {
				for k1 := range acc[w1] {
					if acc[w1][k1] == inf {
						continue
					}
					for w2 := 0; w1+w2 <= W; w2++ {
						for k2 := 0; k1+k2 <= K; k2++ {
							if v := acc[w1][k1] + ch[w2][k2]; v < next[w1+w2][k1+k2] {
								next[w1+w2][k1+k2] = v
							}
						}
					}
				}
			}
			acc = next
		}
		// Wildcard option: prefix+"*" covers everything below.
		allowed := prefix != "" && !strings.Contains(prefix, "*") && (place != Segment || strings.HasSuffix(prefix, "/"))
		if allowed && W >= 1 && K >= 1 {
			c := 0
			for _, o := range others {
				if strings.HasPrefix(o, prefix) {
					c++
				}
			}
			acc[1][1] = min(acc[1][1], c)
		}
		return acc
	}
	must := slices.Sorted(maps.Keys(isMust))
	if len(must) == 0 {
		return best, false
	}
	t := solve("", must)
	for w := range t {
		for k := range t[w] {
			if t[w][k] >= inf {
				continue
			}
			cand := [3]int{t[w][k], k, w}
			if !ok || slices.Compare(cand[:], best[:]) < 0 {
				best, ok = cand, true
			}
		}
	}
	return best, ok
}

// TestOptimalEqualsReferenceDP checks Build on sites far larger than brute
// force can handle, with many sibling subtrees so that the budget bounds
// prune a lot, against an unpruned dynamic program.
func TestOptimalEqualsReferenceDP(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	defer func(p int64) { parallelPairs = p }(parallelPairs)
	compared := 0
	for i := range 60 {
		alphabet := []string{"abc/", "ab/", "abc/*"}[i%3]
		in := randomSite(r, 30+r.IntN(90), alphabet)
		k := 1 + r.IntN(14)
		w := r.IntN(4)
		place := []Placement{Anywhere, Segment}[r.IntN(2)]
		parallelPairs = []int64{1 << 18, 0}[i%2]
		name := fmt.Sprintf("%d/%s/k=%d/w=%d/%s", i, alphabet, k, w, place)
		want, feasible := referenceDP(in, k, w, place)
		p, err := Build(in, Options{MaxPaths: k, MaxWildcards: w, Placement: place})
		if !feasible {
			if err == nil && len(in.Purge) > 0 {
				t.Errorf("%s: Build found %q where the reference found nothing", name, p.Paths())
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Build: %v (reference found %v)", name, err, want)
			continue
		}
		compared++
		checkPlan(t, name, in, p, k, w)
		if got := [3]int{p.Needless, len(p.Items), p.Wildcards}; got != want {
			t.Errorf("%s: (needless, paths, wildcards) = %v, reference %v; plan %q", name, got, want, p.Paths())
		}
	}
	if compared < 30 {
		t.Errorf("only %d of 60 cases were feasible and compared, want at least 30", compared)
	}
}
