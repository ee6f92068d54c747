package cfinv_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfinvtest"
)

// createDistribution creates, through the AWS SDK, a distribution aliased
// www.example.com on the CloudFront cfg points at.
func createDistribution(ctx context.Context, cfg aws.Config) {
	cf := cloudfront.NewFromConfig(cfg)
	_, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("example"), Comment: aws.String(""), Enabled: aws.Bool(true),
		Aliases: &types.Aliases{Quantity: aws.Int32(1), Items: []string{"www.example.com"}},
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("site"), DomainName: aws.String("site.s3.amazonaws.com"),
			S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId: aws.String("site"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"),
		},
	}})
	if err != nil {
		log.Fatal(err)
	}
}

func Example_invalidate() {
	ctx := context.Background()
	// A local CloudFront for the example; in a program:
	// cfg, err := config.LoadDefaultConfig(ctx).
	srv, err := cfinvtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	cfg := srv.AWSConfig()
	createDistribution(ctx, cfg)

	c := cfinv.New(cfg)
	res, err := c.Invalidate(ctx, cfinv.Request{
		DistributionID: "www.example.com", // resolved to the distribution's ID
		Paths:          []string{"index.html", "/img/*", "/img/logo.png", "/café.html"},
		DeployID:       "release-42",
		Wait:           true,
		Timeout:        time.Minute,
		Progress: func(e cfinv.Event) {
			if e.Kind == cfinv.EventWarning {
				fmt.Println("warning:", e)
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range res.Batches {
		fmt.Printf("batch %d: %s %q\n", b.Number, b.Status, b.Paths)
	}
	fmt.Println("billed paths:", res.BilledPaths)

	// The same deploy again, paths in another order: with a deploy ID the
	// batches depend on the set of paths alone (each sorted), so the batch
	// and its caller reference are the same, and CloudFront returns the
	// invalidation it has rather than bill a new one. (With WithStateDir,
	// the journal says so before anything is sent.)
	again, err := c.Invalidate(ctx, cfinv.Request{DistributionID: "www.example.com", Paths: []string{"/caf%C3%A9.html", "/img/*", "/index.html"}, DeployID: "release-42"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("same invalidation:", again.Batches[0].ID == res.Batches[0].ID)
	// Output:
	// warning: index.html: added the leading '/' that CloudFront requires
	// warning: /img/logo.png: dropped: covered by /img/*
	// batch 1: Completed ["/caf%C3%A9.html" "/img/*" "/index.html"]
	// billed paths: 3
	// same invalidation: true
}

// Paging through a distribution's invalidations one ListInvalidations call
// at a time, as the AWS CLI's --max-items and --starting-token do.
func ExampleClient_ListPage() {
	ctx := context.Background()
	srv, err := cfinvtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	cfg := srv.AWSConfig()
	createDistribution(ctx, cfg)

	c := cfinv.New(cfg)
	ids, err := c.Resolve(ctx, "www.example.com")
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range []string{"/a", "/b", "/c"} {
		if _, err := c.Invalidate(ctx, cfinv.Request{DistributionID: ids[0], Paths: []string{p}}); err != nil {
			log.Fatal(err)
		}
	}
	marker := ""
	for {
		page, err := c.ListPage(ctx, ids[0], marker, 2)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("page of", len(page.Items))
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		marker = aws.ToString(page.NextMarker)
	}
	// Output:
	// page of 2
	// page of 1
}

// Listing distributions one ListDistributions call at a time, with the
// marker of the next page.
func ExampleClient_DistributionsPage() {
	ctx := context.Background()
	srv, err := cfinvtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	cfg := srv.AWSConfig()
	createDistribution(ctx, cfg)

	c := cfinv.New(cfg)
	page, next, err := c.DistributionsPage(ctx, "", 10)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range page {
		fmt.Println(d.Aliases, d.Enabled)
	}
	fmt.Println("more:", next != "")
	// Output:
	// [www.example.com] true
	// more: false
}
