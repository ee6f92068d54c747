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

// Invalidating one distribution tenant of a multi-tenant distribution: the
// request names the tenant instead of a distribution.
func Example_distributionTenant() {
	ctx := context.Background()
	srv, err := cfinvtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	cfg := srv.AWSConfig()

	// Set up, through the AWS SDK: a tenant-only distribution and a tenant.
	cf := cloudfront.NewFromConfig(cfg)
	dist, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("saas"), Comment: aws.String(""), Enabled: aws.Bool(true),
		ConnectionMode: types.ConnectionModeTenantOnly,
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
	tenant, err := cf.CreateDistributionTenant(ctx, &cloudfront.CreateDistributionTenantInput{
		DistributionId: dist.Distribution.Id, Name: aws.String("customer-1"),
		Domains: []types.DomainItem{{Domain: aws.String("customer-1.example.com")}},
	})
	if err != nil {
		log.Fatal(err)
	}
	id := aws.ToString(tenant.DistributionTenant.Id)

	c := cfinv.New(cfg)
	res, err := c.Invalidate(ctx, cfinv.Request{
		DistributionTenantID: id,
		Paths:                []string{"index.html", "/img/*"},
		Wait:                 true,
		Timeout:              time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	b := res.Batches[0]
	fmt.Println(b.DistributionTenantID == id, b.Status, b.Paths)

	inv, err := c.GetForTenant(ctx, id, b.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(aws.ToString(inv.Status))
	// Output:
	// true Completed [/index.html /img/*]
	// Completed
}
