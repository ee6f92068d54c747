package cfinvtest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfinv/cfinv/cfinvtest"
)

// A site in an S3 bucket served from a directory: the edge caches
// index.html until an invalidation, made through the AWS SDK, purges it.
func Example() {
	ctx := context.Background()
	site, err := os.MkdirTemp("", "site-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(site)
	index := filepath.Join(site, "index.html")
	if err := os.WriteFile(index, []byte("version 1"), 0o644); err != nil {
		log.Fatal(err)
	}

	srv, err := cfinvtest.Start(cfinvtest.WithS3Origin("my-site", site))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	api := cloudfront.NewFromConfig(srv.AWSConfig())

	// One origin, the bucket, cached under CachingOptimized (a day).
	id, err := srv.CreateDistribution(ctx, "my-site.s3.amazonaws.com")
	if err != nil {
		log.Fatal(err)
	}

	get := func() {
		r, err := srv.EdgeGet(ctx, id, "/index.html")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d %s: %s\n", r.StatusCode, r.XCache, r.Body)
	}
	get()
	get()

	if err := os.WriteFile(index, []byte("version 2"), 0o644); err != nil {
		log.Fatal(err)
	}
	get() // still cached

	inv, err := api.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
		DistributionId: aws.String(id),
		InvalidationBatch: &types.InvalidationBatch{
			CallerReference: aws.String("deploy-2"),
			Paths:           &types.Paths{Quantity: aws.Int32(1), Items: []string{"/index.html"}},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(aws.ToString(inv.Invalidation.Status))
	waiter := cloudfront.NewInvalidationCompletedWaiter(api, func(o *cloudfront.InvalidationCompletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	done, err := waiter.WaitForOutput(ctx, &cloudfront.GetInvalidationInput{
		DistributionId: aws.String(id), Id: inv.Invalidation.Id,
	}, 10*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(aws.ToString(done.Invalidation.Status))
	get()
	get()

	// Output:
	// 200 Miss from cloudfront: version 1
	// 200 Hit from cloudfront: version 1
	// 200 Hit from cloudfront: version 1
	// InProgress
	// Completed
	// 200 Miss from cloudfront: version 2
	// 200 Hit from cloudfront: version 2
}

// A distribution in front of an HTTP server: in a test,
// srv.NewDistribution(t, backend.URL) does the same in one line.
func ExampleServer_CreateDistribution() {
	ctx := context.Background()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "page %s", r.URL.Path)
	}))
	defer backend.Close()

	srv, err := cfinvtest.Start(cfinvtest.WithMemoryStore())
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	id, err := srv.CreateDistribution(ctx, backend.URL+"/v1")
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		r, err := srv.EdgeGet(ctx, id, "/about.html")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d %s: %s\n", r.StatusCode, r.XCache, r.Body)
	}

	_, err = srv.CreateDistribution(ctx, "my-site")
	fmt.Println(err)

	// Output:
	// 200 Miss from cloudfront: page /v1/about.html
	// 200 Hit from cloudfront: page /v1/about.html
	// create distribution: origin "my-site" is neither an S3 bucket's domain name (my-site.s3.amazonaws.com) nor an http:// or https:// URL such as http://127.0.0.1:8080
}

// A deploy in a Go test: upload to the in-process S3 bucket, then read the
// page through the edge of a distribution whose origin is that bucket.
func ExampleServer_S3Config() {
	ctx := context.Background()
	srv, err := cfinvtest.Start(cfinvtest.WithMemoryStore())
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	s3c := s3.NewFromConfig(srv.S3Config(), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
		log.Fatal(err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String("index.html"),
		Body: strings.NewReader("hello"), CacheControl: aws.String("public, max-age=300")}); err != nil {
		log.Fatal(err)
	}
	dist, err := srv.CreateDistribution(ctx, "site.s3.amazonaws.com")
	if err != nil {
		log.Fatal(err)
	}
	r, err := srv.EdgeGet(ctx, dist, "/index.html")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Body, "|", r.Header.Get("Cache-Control"), "|", r.XCache)
	// Output: hello | public, max-age=300 | Miss from cloudfront
}

// A distribution's ARN names the account given with WithAccountID, as
// `cfinv serve --account-id` does.
func ExampleWithAccountID() {
	ctx := context.Background()
	srv, err := cfinvtest.Start(cfinvtest.WithMemoryStore(), cfinvtest.WithAccountID("111122223333"))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	id, err := srv.CreateDistribution(ctx, "site.s3.amazonaws.com")
	if err != nil {
		log.Fatal(err)
	}
	out, err := cloudfront.NewFromConfig(srv.AWSConfig()).GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: &id})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.TrimSuffix(*out.Distribution.ARN, id))
	// Output: arn:aws:cloudfront::111122223333:distribution/
}
