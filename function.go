package cfinv

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// Function returns the runtime ("cloudfront-js-1.0" or
// "cloudfront-js-2.0") and the code of the LIVE stage of the CloudFront
// Function name: the code a distribution's behaviours run. It calls
// DescribeFunction and GetFunction with Stage LIVE, which need
// cloudfront:DescribeFunction and cloudfront:GetFunction; a refusal is an
// *APIError matching ErrAccessDenied, an unknown or unpublished function
// one matching ErrNotFound. Its signature is plan.FunctionSource's, so
// plan.LoadFunctions(ctx, routes, c.Function) fetches what the planner
// runs.
func (c *Client) Function(ctx context.Context, name string) (runtime string, code []byte, err error) {
	desc, err := c.api.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String(name), Stage: types.FunctionStageLive})
	if err != nil {
		return "", nil, fmt.Errorf("function %s: %w", name, c.translate("describe function", "", err))
	}
	if desc.FunctionSummary == nil || desc.FunctionSummary.FunctionConfig == nil {
		return "", nil, fmt.Errorf("describe function %s: the response has no FunctionConfig", name)
	}
	got, err := c.api.GetFunction(ctx, &cloudfront.GetFunctionInput{Name: aws.String(name), Stage: types.FunctionStageLive})
	if err != nil {
		return "", nil, fmt.Errorf("function %s: %w", name, c.translate("get function", "", err))
	}
	return string(desc.FunctionSummary.FunctionConfig.Runtime), got.FunctionCode, nil
}
