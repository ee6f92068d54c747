package deploy_test

import (
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfinvtest"
	"github.com/cfinv/cfinv/deploy"
)

// BenchmarkRetainedPerFile measures what a deploy holds per file of the
// site once it has compared the site with the bucket, when its tables are
// all built (issue 31: peak RSS ≤ 100 MiB whatever the site's size): the
// growth of the live heap from before the run to the end of the compare
// step, divided by the number of files, as the metric retained-B/file.
// The site (HTML pages and gzip-compressed assets under two routes) is
// deployed once to the in-process S3 of cfinvtest; each iteration is a
// redeploy from a fresh checkout (no hash cache) that uploads nothing.
// The server's heap is in the same process, but what it holds was built
// by the first deploy, before the measure starts.
//
//	go test -run '^$' -bench BenchmarkRetainedPerFile -benchtime 1x ./deploy/
func BenchmarkRetainedPerFile(b *testing.B) {
	for _, n := range []int{5000, 15000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			s3c, cf, o := benchSite(b, n, nil)
			if _, err := deploy.Run(b.Context(), s3c, cf, o); err != nil {
				b.Fatal(err)
			}
			var total float64
			for b.Loop() {
				var before, after runtime.MemStats
				measured := false
				o := o
				o.HashCacheDir = b.TempDir()
				o.Progress = func(e deploy.Event) {
					if e.Step == deploy.StepCompare && e.Total > 0 && e.Done == e.Total && !measured {
						measured = true
						runtime.GC()
						runtime.ReadMemStats(&after)
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&before)
				rep, err := deploy.Run(b.Context(), s3c, cf, o)
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Uploads) != 0 || !measured {
					b.Fatalf("redeploy uploaded %d objects (want 0); compare measured: %v", len(rep.Uploads), measured)
				}
				total += (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n)
			}
			b.ReportMetric(total/float64(b.N), "retained-B/file")
		})
	}
}

// benchSite starts an in-process CloudFront and S3 (cfinvtest, memory
// store), creates the bucket "site" and a distribution in front of it,
// and writes a site of n files: HTML pages, and one file in three a
// gzip-compressed asset, under two routes with their Cache-Control. The
// S3 client's requests go through wrap when it is not nil.
func benchSite(b *testing.B, n int, wrap func(aws.HTTPClient) aws.HTTPClient) (*s3.Client, *cfinv.Client, deploy.Options) {
	b.Helper()
	srv := cfinvtest.NewServer(b, cfinvtest.WithMemoryStore(), cfinvtest.WithCompletionDelay(0))
	cfg := srv.S3Config()
	if wrap != nil {
		cfg.HTTPClient = wrap(cfg.HTTPClient)
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(b.Context(), &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
		b.Fatal(err)
	}
	dist := srv.NewDistribution(b, "site.s3.amazonaws.com")
	cf := cfinv.New(srv.AWSConfig())
	dir := b.TempDir()
	for i := range n {
		name := fmt.Sprintf("section%d/page%d/index.html", i%50, i)
		if i%3 == 1 {
			name = fmt.Sprintf("assets/s%d/a%d.js", i%50, i)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, fmt.Appendf(nil, "content of file %d", i), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	config, err := deploy.ParseConfig([]byte("routes:\n"+
		"  - match: \"assets/**\"\n    gzip: true\n    headers: { Cache-Control: \"public, max-age=31536000, immutable\" }\n"+
		"  - match: \"**/*.html\"\n    headers: { Cache-Control: \"public, max-age=0, must-revalidate\" }\n"), "bench.yml")
	if err != nil {
		b.Fatal(err)
	}
	return s3c, cf, deploy.Options{Bucket: "site", Dir: dir, Config: config, DistributionIDs: []string{dist}, NoWait: true}
}

// peakProfile is a directory where BenchmarkPeakPerFile writes a heap
// profile at each of its samples: N-STEP.pprof, for
// go tool pprof -sample_index=inuse_space.
var peakProfile = flag.String("peakprofile", "", "directory of BenchmarkPeakPerFile's heap profiles at each step")

// peakFiles are the site sizes BenchmarkPeakPerFile deploys.
var peakFiles = flag.String("peakfiles", "5000,15000", "comma-separated site sizes of BenchmarkPeakPerFile")

func writeHeapProfile(b *testing.B, name string) {
	b.Helper()
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

// sampledClient calls sample before each request for which at says yes.
type sampledClient struct {
	next   aws.HTTPClient
	at     func(*http.Request) (string, bool)
	sample func(string)
}

func (c sampledClient) Do(r *http.Request) (*http.Response, error) {
	if step, ok := c.at(r); ok {
		c.sample(step)
	}
	return c.next.Do(r)
}

// BenchmarkPeakPerFile measures what a FIRST deploy holds per file of the
// site at its peak (issue 31: peak RSS ≤ 100 MiB whatever the site's
// size), when more per-file state is live than at the end of the compare
// step that BenchmarkRetainedPerFile measures: the uploads, the ETag of
// every object written, the second listing before the clean marker. The
// uploads are given to Options.EachUpload, as cfinv deploy does, not
// listed in the report. Each iteration deploys the site of benchSite to an empty bucket
// of a fresh in-process S3, with a fresh hash cache, and samples the live
// heap (HeapAlloc just after runtime.GC) at each step boundary: the end of
// the scan, of the compare step, of the uploads, the invalidation, each
// page request of the listings and the marker's CopyObject.
//
// The in-process S3 shares the heap and holds the objects written: its
// growth is measured at the end of the run, the deploy's report dropped,
// and taken off the samples after the uploads (before them it holds
// nothing of the run). Metrics, in bytes per file: peak-B/file, the
// largest; compare-B/file at the end of the compare step;
// uploaded-B/file at the end of the uploads; marker-B/file at the
// marker's CopyObject, after the second listing; server-B/file, what the
// S3 server kept.
//
//	go test -run '^$' -bench BenchmarkPeakPerFile -benchtime 1x ./deploy/ [-args -peakfiles 5000,15000,45000]
func BenchmarkPeakPerFile(b *testing.B) {
	if *peakProfile != "" {
		runtime.MemProfileRate = 512 // every object of the tables, not one in 512 KiB
	}
	for _, f := range strings.Split(*peakFiles, ",") {
		n, err := strconv.Atoi(f)
		if err != nil {
			b.Fatalf("-peakfiles: %v", err)
		}
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			var sums [5]float64
			for b.Loop() {
				b.StopTimer()
				var (
					mu      sync.Mutex
					samples = map[string]uint64{}
					uploads bool // the uploads are done
				)
				sample := func(step string) {
					mu.Lock()
					defer mu.Unlock()
					var ms runtime.MemStats
					runtime.GC()
					runtime.ReadMemStats(&ms)
					if step == "list" && uploads {
						step = "list after"
					}
					if ms.HeapAlloc > samples[step] {
						samples[step] = ms.HeapAlloc
						if *peakProfile != "" {
							writeHeapProfile(b, fmt.Sprintf("%s/%d-%s.pprof", *peakProfile, n, strings.ReplaceAll(step, " ", "-")))
						}
					}
				}
				at := func(r *http.Request) (string, bool) {
					switch {
					case r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2":
						return "list", true
					case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
						return "marker", true
					}
					return "", false
				}
				s3c, cf, o := benchSite(b, n, func(c aws.HTTPClient) aws.HTTPClient {
					return sampledClient{next: c, at: at, sample: sample}
				})
				o.HashCacheDir = b.TempDir()
				// As cfinv deploy runs it: the uploads are not listed
				// in the report.
				given := 0
				o.EachUpload = func(deploy.Upload) { given++ }
				o.Progress = func(e deploy.Event) {
					if e.Total == 0 || e.Done != e.Total {
						return
					}
					switch e.Step {
					case deploy.StepScan, deploy.StepCompare:
						sample(string(e.Step))
					case deploy.StepEntries:
						sample("uploaded")
						mu.Lock()
						uploads = true
						mu.Unlock()
					}
				}
				runtime.GC()
				var before, end runtime.MemStats
				runtime.ReadMemStats(&before)
				b.StartTimer()
				rep, err := deploy.Run(b.Context(), s3c, cf, o)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if rep.Uploaded != n || given != n || rep.Marker == "" {
					b.Fatalf("first deploy uploaded %d objects, %d given to EachUpload (want %d), clean marker %q", rep.Uploaded, given, n, rep.Marker)
				}
				rep = nil
				runtime.GC()
				runtime.ReadMemStats(&end)
				server := float64(end.HeapAlloc) - float64(before.HeapAlloc)
				perFile := func(step string) float64 {
					v, ok := samples[step]
					if !ok {
						b.Fatalf("no sample at %s: %v", step, samples)
					}
					grown := float64(v) - float64(before.HeapAlloc)
					switch step {
					case "uploaded", "list after", "marker":
						grown -= server
					}
					return grown / float64(n)
				}
				var peak float64
				for _, step := range slices.Sorted(maps.Keys(samples)) {
					b.Logf("%s: %.1f B/file", step, perFile(step))
					peak = max(peak, perFile(step))
				}
				for i, v := range []float64{peak, perFile("compare"), perFile("uploaded"), perFile("marker"), server / float64(n)} {
					sums[i] += v
				}
				b.StartTimer()
			}
			for i, unit := range []string{"peak-B/file", "compare-B/file", "uploaded-B/file", "marker-B/file", "server-B/file"} {
				b.ReportMetric(sums[i]/float64(b.N), unit)
			}
		})
	}
}

// BenchmarkHashCacheLoad measures what reading the hash cache costs a
// redeploy from the same checkout (issue 31: peak RSS ≤ 100 MiB whatever
// the site's size): the cache of a 15,000-file site (paths like
// page/2023/07/post-01498/index.html) is written once, then each
// iteration opens it as a scan's start does and looks up the first half
// of its paths in order, as the scan does. Metrics: held-B/entry, the
// growth of the live heap (HeapAlloc after runtime.GC) while the cache
// is held there, halfway through the scan, per entry of the cache;
// alloc-B/entry, the bytes allocated by opening it and the lookups
// (TotalAlloc), per entry: the garbage the collector must keep up with;
// ns/op, the time of the open and the lookups.
//
//	go test -run '^$' -bench BenchmarkHashCacheLoad -benchtime 20x ./deploy/
func BenchmarkHashCacheLoad(b *testing.B) {
	const n = 15000
	rels := make([]string, n)
	for i := range rels {
		rels[i] = fmt.Sprintf("page/%d/%02d/post-%05d/index.html", 2015+i%10, 1+i%12, i)
		if i%3 == 1 {
			rels[i] = fmt.Sprintf("assets/%d/%02d/app-%05d.js", 2015+i%10, 1+i%12, i)
		}
	}
	o := deploy.Options{Dir: b.TempDir(), Bucket: "site", HashCacheDir: b.TempDir()}
	deploy.WriteHashCache(b, o, rels)
	half := slices.Sorted(slices.Values(rels))[:n/2]
	var held, alloc float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		cache, found := deploy.LoadHashCache(o, half)
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(cache)
		if found != len(half) {
			b.Fatalf("found %d entries, want %d", found, len(half))
		}
		held += (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n
		alloc += float64(after.TotalAlloc-before.TotalAlloc) / n
	}
	b.ReportMetric(held/float64(b.N), "held-B/entry")
	b.ReportMetric(alloc/float64(b.N), "alloc-B/entry")
}
