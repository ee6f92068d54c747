package deploy_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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
			srv := cfinvtest.NewServer(b, cfinvtest.WithMemoryStore(), cfinvtest.WithCompletionDelay(0))
			cfg := srv.S3Config()
			cfg.BaseEndpoint = aws.String(srv.S3URL)
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
			o := deploy.Options{Bucket: "site", Dir: dir, Config: config, DistributionIDs: []string{dist}, NoWait: true}
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
