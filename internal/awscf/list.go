package awscf

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// Get returns invalidation id of dist.
func (c *Client) Get(ctx context.Context, dist, id string) (*types.Invalidation, error) {
	out, err := c.API.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(id)})
	if err != nil {
		return nil, translate("get invalidation", dist, err)
	}
	return out.Invalidation, nil
}

// List returns the invalidations of dist, newest first, following
// pagination until max items (0: all) with the given status ("": any).
func (c *Client) List(ctx context.Context, dist string, max int, status string) ([]types.InvalidationSummary, error) {
	var out []types.InvalidationSummary
	var marker *string
	for {
		page, err := c.API.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist), Marker: marker})
		if err != nil {
			return nil, translate("list invalidations", dist, err)
		}
		l := page.InvalidationList
		if l == nil {
			return out, nil
		}
		for _, s := range l.Items {
			if status != "" && aws.ToString(s.Status) != status {
				continue
			}
			out = append(out, s)
			if max > 0 && len(out) == max {
				return out, nil
			}
		}
		if !aws.ToBool(l.IsTruncated) || aws.ToString(l.NextMarker) == "" {
			return out, nil
		}
		marker = l.NextMarker
	}
}
