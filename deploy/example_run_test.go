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

// Deploy a site twice to an in-process CloudFront and S3: the second time
// only the changed stylesheet goes up, and only its URL is invalidated; a
// third run of the same content finds the deploy already complete.
func ExampleRun() {
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
	write := func(name, body string) { os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644) }
	write("index.html", `<link rel="stylesheet" href="/app.css">`)
	write("app.css", "body{}")

	cf := cfinv.New(srv.AWSConfig())
	opts := deploy.Options{Dir: dir, Bucket: "site", DistributionIDs: []string{dist}}
	for _, css := range []string{"body{}", "body{color:red}"} {
		write("app.css", css)
		rep, err := deploy.Run(ctx, s3c, cf, opts)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, u := range rep.Uploads {
			fmt.Printf("uploaded %s (%s)\n", u.Key, u.Reason)
		}
		fmt.Println("invalidated", rep.Invalidations[0].Paths)
	}
	// The same deploy again (its ID derives from the content): the clean
	// marker the last run left names it, so nothing is read, sent or bought.
	rep, err := deploy.Run(ctx, s3c, cf, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("already complete:", rep.AlreadyComplete, "uploads:", len(rep.Uploads), "marker on", rep.Marker)
	// Output:
	// uploaded app.css (new)
	// uploaded index.html (new)
	// invalidated []
	// uploaded app.css (changed)
	// invalidated [/app.css]
	// already complete: true uploads: 0 marker on app.css
}

// A deploy of a large site need not hold its list of uploads: with
// EachUpload each is handed over instead (here printed, as a dry run
// plans them), and the report only counts them.
func ExampleOptions_eachUpload() {
	ctx := context.Background()
	srv, err := cfinvtest.Start(cfinvtest.WithMemoryStore())
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
	dir, err := os.MkdirTemp("", "site-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	for name, body := range map[string]string{"index.html": "<h1>hi</h1>", "app.js": "let a = 1", "app.css": "body{}"} {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	rep, err := deploy.Run(ctx, s3c, nil, deploy.Options{Dir: dir, Bucket: "site", DryRun: true,
		EachUpload: func(u deploy.Upload) { fmt.Printf("upload %s (%d bytes, %s)\n", u.Key, u.Size, u.Reason) }})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("uploads:", rep.Uploaded, "listed:", len(rep.Uploads))
	// Output:
	// upload app.css (6 bytes, new)
	// upload app.js (9 bytes, new)
	// upload index.html (11 bytes, new)
	// uploads: 3 listed: 0
}
