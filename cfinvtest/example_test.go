package cfinvtest_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

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

	created, err := api.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{
		DistributionConfig: &types.DistributionConfig{
			CallerReference: aws.String("example"),
			Comment:         aws.String("my site"),
			Enabled:         aws.Bool(true),
			Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
				Id:             aws.String("s3"),
				DomainName:     aws.String("my-site.s3.amazonaws.com"),
				S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")},
			}}},
			DefaultCacheBehavior: &types.DefaultCacheBehavior{
				TargetOriginId:       aws.String("s3"),
				ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
				// The managed CachingOptimized policy: cached for a day.
				CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"),
			},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	id := aws.ToString(created.Distribution.Id)

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
