package cfinv_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfinvtest"
)

// Fetch the LIVE code of a CloudFront Function, as the planner does to
// learn which URL a viewer-request function makes CloudFront cache.
func ExampleClient_Function() {
	ctx := context.Background()
	srv, err := cfinvtest.Start(cfinvtest.WithMemoryStore())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	cfc := cloudfront.NewFromConfig(srv.AWSConfig())
	code := []byte("function handler(event) { return event.request; }")
	created, err := cfc.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String("passthrough"), FunctionCode: code,
		FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs20}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := cfc.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("passthrough"), IfMatch: created.ETag}); err != nil {
		fmt.Println(err)
		return
	}

	runtime, live, err := cfinv.New(srv.AWSConfig()).Function(ctx, "passthrough")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(runtime)
	fmt.Println(string(live))
	// Output:
	// cloudfront-js-2.0
	// function handler(event) { return event.request; }
}
