package cfinvuser_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfinvtest"

	cfinvuser "example.com/cfinvuser"
)

func TestInvalidate(t *testing.T) {
	site := t.TempDir()
	files := map[string]string{
		"index.html":       "home v1",
		"blog/index.html":  "blog v1",
		"blog/post-1.html": "post 1 v1",
		"blog/post-2.html": "post 2 v1",
		"css/site.css":     "css v1",
		"img/logo.png":     "logo v1",
	}
	var all []string
	for k, body := range files {
		all = append(all, k)
		write(t, filepath.Join(site, k), body)
	}

	clk := cfinvtest.NewClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	srv := cfinvtest.NewServer(t, cfinvtest.WithS3Origin("site", site), cfinvtest.WithClock(clk), cfinvtest.WithCompletionDelay(time.Minute))
	api := cloudfront.NewFromConfig(srv.AWSConfig())
	ctx := t.Context()

	created, err := api.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("site"), Comment: aws.String(""), Enabled: aws.Bool(true),
		DefaultRootObject: aws.String("index.html"),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("s3"), DomainName: aws.String("site.s3.amazonaws.com"),
			S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId: aws.String("s3"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"), // CachingOptimized
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	dist := aws.ToString(created.Distribution.Id)

	urls := []string{"/", "/index.html", "/blog/post-1.html", "/blog/post-2.html", "/css/site.css", "/img/logo.png"}
	for _, u := range urls {
		get(t, srv, dist, u) // fill the cache
	}

	changed := []string{"index.html", "blog/post-1.html"}
	for _, k := range changed {
		write(t, filepath.Join(site, k), files[k]+" -> v2")
	}
	client := cfinv.New(srv.AWSConfig(), cfinv.WithClock(clk.Now, nil))
	batches, err := cfinvuser.Invalidate(ctx, client, dist, "release-2", changed, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 1 {
		t.Fatalf("invalidations %+v, want one", batches)
	}
	again, err := cfinvuser.Invalidate(ctx, client, dist, "release-2", changed, all)
	if err != nil || len(again) != 1 || again[0].ID != batches[0].ID {
		t.Fatalf("the same deploy again: %+v, %v; want invalidation %s again", again, err, batches[0].ID)
	}
	status := func() string {
		inv, err := client.Get(ctx, dist, batches[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(inv.Status)
	}
	if s := status(); s != "InProgress" {
		t.Errorf("status %q, want InProgress", s)
	}
	clk.Advance(time.Minute)
	if s := status(); s != "Completed" {
		t.Errorf("status after a minute %q, want Completed", s)
	}

	// "/" is served as its DefaultRootObject and cached as that object, so
	// the miss on "/" fills the cache for "/index.html".
	want := map[string][2]string{
		"/":                 {"Miss from cloudfront", "home v1 -> v2"},
		"/index.html":       {"Hit from cloudfront", "home v1 -> v2"},
		"/blog/post-1.html": {"Miss from cloudfront", "post 1 v1 -> v2"},
		"/blog/post-2.html": {"Hit from cloudfront", "post 2 v1"},
		"/css/site.css":     {"Hit from cloudfront", "css v1"},
		"/img/logo.png":     {"Hit from cloudfront", "logo v1"},
	}
	for _, u := range urls {
		if r := get(t, srv, dist, u); r.XCache != want[u][0] || r.Body != want[u][1] {
			t.Errorf("GET %s after the deploy: %q %q, want %q %q", u, r.XCache, r.Body, want[u][0], want[u][1])
		}
	}
}

func get(t *testing.T, srv *cfinvtest.Server, dist, path string) *cfinvtest.EdgeResponse {
	t.Helper()
	r, err := srv.EdgeGet(t.Context(), dist, path)
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != 200 {
		t.Fatalf("GET %s: status %d, want 200", path, r.StatusCode)
	}
	return r
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
