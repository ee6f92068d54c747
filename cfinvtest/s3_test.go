package cfinvtest_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfinv/cfinv/cfinvtest"
)

// TestDeployThroughS3: a Go test deploys into the in-process bucket and
// reads the object through the edge, Cache-Control as uploaded.
func TestDeployThroughS3(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []cfinvtest.Option
	}{
		{"bbolt", nil},
		{"memory", []cfinvtest.Option{cfinvtest.WithMemoryStore()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := cfinvtest.NewServer(t, tc.opts...)
			ctx := t.Context()
			s3c := s3.NewFromConfig(srv.S3Config(), func(o *s3.Options) { o.UsePathStyle = true })
			if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
				t.Fatal(err)
			}
			if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String("index.html"),
				Body: strings.NewReader("<h1>deployed</h1>"), ContentType: aws.String("text/html"), CacheControl: aws.String("max-age=30")}); err != nil {
				t.Fatal(err)
			}
			dist := srv.NewDistribution(t, "site.s3.amazonaws.com")
			r, err := srv.EdgeGet(ctx, dist, "/index.html")
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != 200 || r.Body != "<h1>deployed</h1>" || r.Header.Get("Cache-Control") != "max-age=30" || r.XCache != "Miss from cloudfront" {
				t.Fatalf("EdgeGet = %d %q Cache-Control %q X-Cache %q", r.StatusCode, r.Body, r.Header.Get("Cache-Control"), r.XCache)
			}
			// A key never uploaded: 403, as from a private bucket.
			if r, err := srv.EdgeGet(ctx, dist, "/nope.html"); err != nil || r.StatusCode != 403 {
				t.Fatalf("missing key: %v %v, want 403", r, err)
			}
		})
	}
}

// TestS3ConfigRejectsOtherKeys: the S3 API checks signatures as the
// CloudFront API does.
func TestS3ConfigRejectsOtherKeys(t *testing.T) {
	srv := cfinvtest.NewServer(t)
	cfg := srv.S3Config()
	cfg.Credentials = aws.AnonymousCredentials{}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.ListBuckets(t.Context(), &s3.ListBucketsInput{}); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("unsigned ListBuckets: %v, want AccessDenied", err)
	}
}
