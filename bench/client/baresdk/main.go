// Command baresdk is the floor bench/client measures cfinv's client
// against: the smallest aws-sdk-go-v2 program that does what
// `cfinv invalidate --distribution-id D /a /b` does on the wire. It loads
// the SDK's default configuration (environment, shared files, AWS_CA_BUNDLE
// and all), makes one CreateInvalidation call and prints the new
// invalidation's ID. It has no flags beyond the arguments: endpoint URL,
// distribution ID, then the paths.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: baresdk ENDPOINT DISTRIBUTION-ID PATH...")
		os.Exit(2)
	}
	endpoint, dist, paths := os.Args[1], os.Args[2], os.Args[3:]
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "baresdk:", err)
		os.Exit(1)
	}
	client := cloudfront.NewFromConfig(cfg, func(o *cloudfront.Options) { o.BaseEndpoint = aws.String(endpoint) })
	out, err := client.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
		DistributionId: aws.String(dist),
		InvalidationBatch: &types.InvalidationBatch{
			CallerReference: aws.String("baresdk-" + strconv.FormatInt(time.Now().UnixNano(), 10)),
			Paths:           &types.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths},
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "baresdk:", err)
		os.Exit(1)
	}
	fmt.Println(aws.ToString(out.Invalidation.Id))
}
