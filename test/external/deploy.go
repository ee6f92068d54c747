// Package cfinvuser is what a user of cfinv's public packages writes: a
// deploy step that plans the invalidation of what changed and sends it with
// cfinv's client. It lives in its own module so that it can import only
// what github.com/cfinv/cfinv exports.
package cfinvuser

import (
	"context"
	"fmt"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/plan"
)

// Invalidate plans the paths that cover the changed keys of a site whose
// keys are all, and invalidates them on distributionID (an ID, a domain
// name or an alias) as deploy deployID, so a re-run of the same deploy buys
// nothing twice. It returns the invalidations.
func Invalidate(ctx context.Context, c *cfinv.Client, distributionID, deployID string, changed, all []string) ([]cfinv.Batch, error) {
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
	res, err := c.Invalidate(ctx, cfinv.Request{DistributionID: distributionID, Paths: p.Paths(), DeployID: deployID})
	if err != nil {
		return nil, fmt.Errorf("invalidate: %w", err)
	}
	return res.Batches, nil
}
