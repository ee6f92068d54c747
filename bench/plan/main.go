// Command plan benchmarks cfinv's invalidation planner against the rules
// other tools use, on generated sites, and measures manifest hashing.
//
//	go run ./bench/plan            # planner table for 10^4, 10^5, 10^6 objects
//	go run ./bench/plan -rss       # time and peak RSS of one 10^6/10^5 plan
//	go run ./bench/plan -hash DIR  # manifest hashing vs sha256sum/md5sum
//	go run ./bench/plan -scale 100000,1000000,10000000 -reps 3
//	                               # plan time and memory at each size, one child process per run
//
// The results are in BENCHMARKS.md, "## Planner".
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cfinv/cfinv/changes"
	"github.com/cfinv/cfinv/plan"
)

func main() {
	rss := flag.Bool("rss", false, "plan one 10^6-object site with 10^5 changes and report time and peak RSS")
	hash := flag.String("hash", "", "generate files under `DIR` and compare manifest hashing with sha256sum and md5sum")
	sizes := flag.String("sizes", "10000,100000,1000000", "site sizes for the planner table")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to `FILE`")
	scale := flag.String("scale", "", "comma-separated site `SIZES`: plan each (random 10% changed, 1000 paths, 15 wildcards) in a child process per run, and report time and memory")
	reps := flag.Int("reps", 3, "runs per size for -scale, interleaved across sizes")
	one := flag.Int("scale-one", 0, "internal: generate a site of `N` objects, plan it once and print one result line (the child of -scale)")
	buildProfile := flag.String("build-profile", "", "with -scale or -scale-one: write CPU and heap profiles of Build alone to `PREFIX`.N.cpu and PREFIX.N.mem (the last run of each size)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	switch {
	case *one > 0:
		if err := scaleOne(*one, *buildProfile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case *scale != "":
		if err := scaleRun(parseSizes(*scale), *reps, *buildProfile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case *rss:
		rssRun()
	case *hash != "":
		if err := hashRun(*hash); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	default:
		table(parseSizes(*sizes))
	}
}

func parseSizes(list string) []int {
	var ns []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 100 {
			fmt.Fprintf(os.Stderr, "bad site size %q: want a whole number of objects, at least 100\n", s)
			os.Exit(2)
		}
		ns = append(ns, n)
	}
	return ns
}

// site is a generated Hugo-like site: keys by kind.
type site struct {
	posts, tags, pages, assets, images, root []string
}

func (s *site) all() []string {
	var out []string
	for _, l := range [][]string{s.root, s.posts, s.tags, s.pages, s.assets, s.images} {
		out = append(out, l...)
	}
	return out
}

// genSite makes a site of about n objects: 70% images, 10% posts, the rest
// tag pages and feeds, pagination pages and hashed CSS/JS bundles.
func genSite(r *rand.Rand, n int) *site {
	s := &site{root: []string{"index.html", "index.xml", "sitemap.xml", "404.html", "blog/index.html", "blog/index.xml"}}
	posts := n / 10
	for i := range posts {
		s.posts = append(s.posts, fmt.Sprintf("blog/%d/post-%d/index.html", 2015+i%11, i))
	}
	for i := range max(n/100, 1) {
		s.tags = append(s.tags, fmt.Sprintf("tags/tag-%d/index.html", i), fmt.Sprintf("tags/tag-%d/index.xml", i))
	}
	for i := 1; i <= max(posts/10, 1); i++ {
		s.pages = append(s.pages, fmt.Sprintf("blog/page/%d/index.html", i))
	}
	for i := range 20 {
		s.assets = append(s.assets, fmt.Sprintf("assets/bundle-%d.%08x.css", i, r.Uint32()), fmt.Sprintf("assets/bundle-%d.%08x.js", i, r.Uint32()))
	}
	for i := range max(n-len(s.root)-len(s.posts)-len(s.tags)-len(s.pages)-len(s.assets), 0) {
		s.images = append(s.images, fmt.Sprintf("blog/%d/post-%d/img-%d.jpg", 2015+(i%posts)%11, i%posts, i))
	}
	return s
}

// scenario is a change set on a site.
type scenario struct {
	name                     string
	modified, added, deleted []string
}

func scenarios(r *rand.Rand, s *site, n int) []scenario {
	html := func() []string {
		var out []string
		for _, l := range [][]string{s.root, s.posts, s.tags, s.pages} {
			out = append(out, l...)
		}
		return out
	}
	// A new post with 3 tags: new post and images; the home page, feeds,
	// sitemap, every pagination page (posts shift by one) and its tag pages change.
	post := scenario{name: "new blog post", added: []string{"blog/2026/new-post/index.html", "blog/2026/new-post/img-1.jpg", "blog/2026/new-post/img-2.jpg"}}
	post.modified = append(post.modified, s.root...)
	post.modified = append(post.modified, s.pages...)
	for range 3 {
		t := r.IntN(len(s.tags) / 2)
		post.modified = append(post.modified, s.tags[2*t], s.tags[2*t+1])
	}
	// A CSS/JS rebuild with hashed names: old bundles deleted, new added,
	// every HTML page rewritten to reference them.
	rebuild := scenario{name: "CSS/JS rebuild (hashed names)", deleted: s.assets, modified: html()}
	for _, a := range s.assets {
		dot := strings.LastIndexByte(a, '.')
		rebuild.added = append(rebuild.added, a[:dot-8]+fmt.Sprintf("%08x", r.Uint32())+a[dot:])
	}
	// A theme change: every HTML page changes.
	theme := scenario{name: "theme change", modified: html()}
	// 10% of all objects, scattered.
	random := scenario{name: "random 10%"}
	for _, k := range s.all() {
		if r.IntN(10) == 0 {
			random.modified = append(random.modified, k)
		}
	}
	return []scenario{post, rebuild, theme, random}
}

var mapper = plan.Mapper{IndexDocument: "index.html", DefaultRootObject: "index.html", Forms: plan.AllIndexForms}

func input(s *site, sc scenario) plan.Input {
	var in plan.Input
	for _, k := range sc.modified {
		in.Purge = append(in.Purge, mapper.URLs(k)...)
	}
	for _, k := range sc.deleted {
		in.Purge = append(in.Purge, mapper.URLs(k)...)
	}
	for _, k := range sc.added {
		in.New = append(in.New, mapper.URLs(k)...)
	}
	for _, k := range s.all() {
		in.All = append(in.All, mapper.URLs(k)...)
	}
	for _, k := range sc.added {
		in.All = append(in.All, mapper.URLs(k)...)
	}
	return in
}

// s3deployPaths is s3deploy's whole rule (peers.md §3): every uploaded or
// deleted key, new ones included; "/"+key, with .../index.html purged only
// as its directory ".../"; then depth collapse to at most 8 paths.
func s3deployPaths(sc scenario) []string {
	var ps []string
	for _, l := range [][]string{sc.modified, sc.added, sc.deleted} {
		for _, k := range l {
			p := plan.KeyPath(k)
			if strings.HasSuffix(p, "index.html") {
				p = p[:strings.LastIndexByte(p, '/')+1]
			}
			ps = append(ps, p)
		}
	}
	return plan.DepthCollapse(ps, 8)
}

func table(ns []int) {
	fmt.Println("| objects | change set | URLs to purge | strategy | paths | wildcards | billed ($) | needless purges | URLs missed | plan time |")
	fmt.Println("|---:|---|---:|---|---:|---:|---:|---:|---:|---:|")
	for _, n := range ns {
		r := rand.New(rand.NewPCG(uint64(n), 7))
		s := genSite(r, n)
		for _, sc := range scenarios(r, s, n) {
			in := input(s, sc)
			type row struct {
				name  string
				paths []string
				dur   time.Duration
			}
			var rows []row
			for _, st := range []struct {
				name string
				opt  plan.Options
			}{
				{"cfinv optimal (1000 paths)", plan.Options{Strategy: plan.Optimal, FreePathsLeft: 1000, MaxWildcards: 15}},
				{"cfinv optimal (100 paths)", plan.Options{Strategy: plan.Optimal, MaxPaths: 100, FreePathsLeft: 1000, MaxWildcards: 15}},
				{"cfinv optimal (8 paths)", plan.Options{Strategy: plan.Optimal, MaxPaths: 8, FreePathsLeft: 1000, MaxWildcards: 8}},
				{"exact", plan.Options{Strategy: plan.Exact, FreePathsLeft: 1000}},
				{"/*", plan.Options{Strategy: plan.Everything, FreePathsLeft: 1000}},
			} {
				start := time.Now()
				p, err := plan.Build(in, st.opt)
				d := time.Since(start)
				if err != nil {
					fmt.Fprintln(os.Stderr, st.name, err)
					continue
				}
				rows = append(rows, row{st.name, p.Paths(), d})
			}
			start := time.Now()
			rows = append(rows, row{"s3deploy depth-collapse (8)", s3deployPaths(sc), time.Since(start)})
			for _, rw := range rows {
				missed, needless, wild := plan.Evaluate(rw.paths, in)
				billed := max(len(rw.paths)-1000, 0)
				fmt.Printf("| %d | %s | %d | %s | %d | %d | %.2f | %d | %d | %s |\n", n, sc.name, len(sortedUnique(in.Purge)), rw.name,
					len(rw.paths), wild, float64(billed)*plan.PricePerPath, needless, missed, rw.dur.Round(time.Millisecond))
			}
		}
	}
}

func sortedUnique(s []string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

func rssRun() {
	r := rand.New(rand.NewPCG(1, 1))
	s := genSite(r, 1_000_000)
	sc := scenarios(r, s, 1_000_000)[3]
	in := input(s, sc)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	p, err := plan.Build(in, plan.Options{Strategy: plan.Optimal, FreePathsLeft: 1000, MaxWildcards: 15})
	d := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	runtime.ReadMemStats(&after)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("objects 1000000, URLs %d, to purge %d: %d paths, %d wildcards, %d needless; plan %s, allocated %d MiB during Build, peak RSS of the whole process %d MiB\n",
		len(in.All), p.Must, len(p.Items), p.Wildcards, p.Needless, d.Round(time.Millisecond), (after.TotalAlloc-before.TotalAlloc)>>20, ru.Maxrss>>10)
}

// hashRun writes 20,000 files (1-16 KiB, 160 MiB total) and 40 files of
// 4 MiB under dir, then times Scan (cold and re-check) against sha256sum
// and md5sum over the same files.
func hashRun(dir string) error {
	r := rand.New(rand.NewPCG(9, 9))
	var files []string
	buf := make([]byte, 4<<20)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	var total int64
	write := func(name string, size int) error {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		files = append(files, p)
		total += int64(size)
		return os.WriteFile(p, buf[:size], 0o644)
	}
	for i := range 20000 {
		if err := write(fmt.Sprintf("small/d%03d/f%05d.html", i%200, i), 1024+r.IntN(15*1024)); err != nil {
			return err
		}
	}
	for i := range 40 {
		if err := write(fmt.Sprintf("big/f%02d.bin", i), 4<<20); err != nil {
			return err
		}
	}
	mib := float64(total) / (1 << 20)
	fmt.Printf("%d files, %.0f MiB (page cache warm: just written)\n", len(files), mib)
	ctx := context.Background()
	for _, w := range []int{1, 2} {
		start := time.Now()
		m, _, err := changes.Scan(ctx, dir, nil, w)
		if err != nil {
			return err
		}
		d := time.Since(start)
		fmt.Printf("cfinv Scan sha256, %d worker(s): %s, %.0f MiB/s\n", w, d.Round(time.Millisecond), mib/d.Seconds())
		if w == 2 {
			start = time.Now()
			_, st, err := changes.Scan(ctx, dir, m, 2)
			if err != nil {
				return err
			}
			fmt.Printf("cfinv Scan re-check of the unchanged tree: %s (%d hashed, %d reused)\n", time.Since(start).Round(time.Millisecond), st.Hashed, st.Reused)
		}
	}
	for _, tool := range []string{"sha256sum", "md5sum"} {
		start := time.Now()
		for i := 0; i < len(files); i += 1000 {
			cmd := exec.Command(tool, files[i:min(i+1000, len(files))]...)
			cmd.Stdout = nil
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s: %w", tool, err)
			}
		}
		d := time.Since(start)
		fmt.Printf("%s (one process per 1000 files): %s, %.0f MiB/s\n", tool, d.Round(time.Millisecond), mib/d.Seconds())
	}
	return nil
}
