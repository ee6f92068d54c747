package deploy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfinvtest"
	"github.com/cfinv/cfinv/deploy"
)

// Two blog pages change: by default the plan covers their six URLs
// (/blog/a, /blog/a/, /blog/a/index.html, …) with one wildcard, which
// purges no unchanged URL; with MaxWildcards negative it names each URL.
func ExampleOptions_maxWildcards() {
	ctx := context.Background()
	srv, err := cfinvtest.Start(cfinvtest.WithMemoryStore(), cfinvtest.WithCompletionDelay(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	s3c := s3.NewFromConfig(srv.S3Config(), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
		fmt.Println(err)
		return
	}
	dist, err := srv.CreateDistribution(ctx, "site.s3.amazonaws.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, err := os.MkdirTemp("", "site-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	write := func(name, body string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	cf := cfinv.New(srv.AWSConfig())
	for i, wildcards := range []int{0, 0, -1} { // 0: the default, CloudFront's 15
		write("index.html", "home")
		write("blog/a/index.html", fmt.Sprint("a", i))
		write("blog/b/index.html", fmt.Sprint("b", i))
		rep, err := deploy.Run(ctx, s3c, cf, deploy.Options{Dir: dir, Bucket: "site", DistributionIDs: []string{dist}, MaxWildcards: wildcards})
		if err != nil {
			fmt.Println(err)
			return
		}
		if i > 0 {
			fmt.Println(rep.Invalidations[0].Paths)
		}
	}
	// Output:
	// [/blog/*]
	// [/blog/a /blog/a/ /blog/a/index.html /blog/b /blog/b/ /blog/b/index.html]
}
