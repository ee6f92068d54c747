package plan_test

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/plan"
)

// A distribution serving one bucket under /site, with /api/* going to
// another host: keys map under the origin path, and API URLs are left out.
func ExampleDistributionRoutes() {
	cfg := &types.DistributionConfig{
		Origins: &types.Origins{Items: []types.Origin{
			{Id: aws.String("s3"), DomainName: aws.String("site.s3.amazonaws.com"), OriginPath: aws.String("/site")},
			{Id: aws.String("api"), DomainName: aws.String("api.example.com")},
		}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{TargetOriginId: aws.String("s3")},
		CacheBehaviors: &types.CacheBehaviors{Items: []types.CacheBehavior{
			{PathPattern: aws.String("/api/*"), TargetOriginId: aws.String("api")},
		}},
	}
	routes, notes, err := plan.DistributionRoutes(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range notes {
		fmt.Println(n)
	}
	m := plan.Mapper{Routes: routes, IndexDocument: "index.html", Forms: plan.FormSlash}
	fmt.Println(m.URLs("site/docs/index.html"), m.URLs("site/api/v1.json"), m.URLs("other/x.css"))
	// Output:
	// default behaviour: origin "s3" (site.s3.amazonaws.com), origin path "/site"
	// behaviour "/api/*": origin "api" is another host; keys at URLs it matches are not reachable and are left out
	// [/docs/] [] []
}
