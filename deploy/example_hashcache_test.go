package deploy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfinvtest"
	"github.com/cfinv/cfinv/deploy"
)

// With a hash cache (Options.HashCacheDir), a deploy reads only the files
// whose stat changed since a scan that cached them: here the unchanged
// index.html is not read again when the stylesheet changes. A file
// written in the moments before a scan is read again by the next one
// (git's "racily clean" rule), hence the pause.
func ExampleOptions_hashCache() {
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
	write := func(name, body string) { os.WriteFile(filepath.Join(dir, "public", name), []byte(body), 0o644) }
	os.Mkdir(filepath.Join(dir, "public"), 0o755)
	write("index.html", `<link rel="stylesheet" href="/app.css">`)
	write("app.css", "body{}")
	time.Sleep(200 * time.Millisecond) // past the racily clean window

	opts := deploy.Options{Dir: filepath.Join(dir, "public"), Bucket: "site", DistributionIDs: []string{dist},
		HashCacheDir: filepath.Join(dir, "cache")}
	cf := cfinv.New(srv.AWSConfig())
	for _, css := range []string{"", "body{color:red}"} {
		if css != "" {
			write("app.css", css)
		}
		rep, err := deploy.Run(ctx, s3c, cf, opts)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("files read:", rep.FilesRead, "uploads:", len(rep.Uploads))
	}
	// Output:
	// files read: 2 uploads: 2
	// files read: 1 uploads: 1
}
