// Package cfinvuser is what a user of cfinv's public packages writes: a
// deploy step that plans the invalidation of what changed and sends it
// through the AWS SDK. It lives in its own module so that it can import
// only what github.com/cfinv/cfinv exports.
package cfinvuser

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/plan"
)

// API is the one SDK method Invalidate calls; *cloudfront.Client has it.
type API interface {
	CreateInvalidation(ctx context.Context, in *cloudfront.CreateInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error)
}

// Invalidate plans the paths that cover the changed keys of a site whose
// keys are all, and sends them to distribution distributionID, one
// CreateInvalidation per batch. It returns the invalidation IDs.
func Invalidate(ctx context.Context, api API, distributionID string, changed, all []string) ([]string, error) {
	m := plan.Mapper{IndexDocument: "index.html", DefaultRootObject: "index.html"}
	var in plan.Input
	for _, k := range changed {
		in.Purge = append(in.Purge, m.URLs(k)...)
	}
	for _, k := range all {
		in.All = append(in.All, m.URLs(k)...)
	}
	p, err := plan.Build(in, plan.Options{Strategy: plan.Optimal, MaxPaths: 10, MaxWildcards: plan.DefaultMaxWildcards})
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	prepared, err := cfpath.Prepare(p.Paths())
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	var ids []string
	for i, batch := range prepared.Batches {
		out, err := api.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
			DistributionId: aws.String(distributionID),
			InvalidationBatch: &types.InvalidationBatch{
				CallerReference: aws.String(fmt.Sprintf("deploy-%d-%d", time.Now().UnixNano(), i)),
				Paths:           &types.Paths{Quantity: aws.Int32(int32(len(batch))), Items: batch},
			},
		})
		if err != nil {
			return ids, fmt.Errorf("create invalidation: %w", err)
		}
		ids = append(ids, aws.ToString(out.Invalidation.Id))
	}
	return ids, nil
}
