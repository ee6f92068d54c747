package cfinv

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// DistributionConfig returns the configuration of distribution id (its
// origins, cache behaviours and DefaultRootObject) through GetDistribution,
// the call cfinv already needs permission for.
func (c *Client) DistributionConfig(ctx context.Context, id string) (*types.DistributionConfig, error) {
	res, err := c.API.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(id)})
	if err != nil {
		return nil, translate("get distribution", id, err)
	}
	if res.Distribution == nil || res.Distribution.DistributionConfig == nil {
		return nil, fmt.Errorf("get distribution %s: the response has no DistributionConfig", id)
	}
	return res.Distribution.DistributionConfig, nil
}
