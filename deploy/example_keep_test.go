package deploy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfinv/cfinv/cfinvtest"
	"github.com/cfinv/cfinv/deploy"
)

// Keep an object that left the directory for an hour, so pages cached
// before the deploy can still load it; when it comes back with the same
// bytes it is stored again without its removal mark (ReasonRestored), and
// nothing is invalidated.
func ExampleOptions_keepDeleted() {
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
	old := filepath.Join(dir, "old.js")
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>hi</h1>"), 0o644)
	os.WriteFile(old, []byte("console.log(1)"), 0o644)

	opts := deploy.Options{Dir: dir, Bucket: "site", Delete: true, KeepDeleted: time.Hour}
	steps := []func(){
		func() {},                 // the first deploy
		func() { os.Remove(old) }, // old.js leaves: kept, marked removed
		func() { os.WriteFile(old, []byte("console.log(1)"), 0o644) }, // back, same bytes
	}
	for _, step := range steps {
		step()
		rep, err := deploy.Run(ctx, s3c, nil, opts)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, u := range rep.Uploads {
			fmt.Printf("uploaded %s (%s)\n", u.Key, u.Reason)
		}
		fmt.Println("kept", rep.Kept, "deleted", rep.Deleted)
	}
	// Output:
	// uploaded old.js (new)
	// uploaded index.html (new)
	// kept [] deleted []
	// kept [old.js] deleted []
	// uploaded old.js (restored)
	// kept [] deleted []
}
