package cfinv

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// Get returns invalidation id of distribution dist, as CloudFront reports
// it; an unknown ID is an *APIError matching ErrNotFound.
func (c *Client) Get(ctx context.Context, dist, id string) (*types.Invalidation, error) {
	out, err := c.api.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(id)})
	if err != nil {
		return nil, nameInvalidation(c.translate("get invalidation", dist, err), id)
	}
	return out.Invalidation, nil
}

// List returns the invalidations of distribution dist, newest first,
// following pagination until max items (0: all) with the given status
// (StatusInProgress, StatusCompleted, or "" for any).
func (c *Client) List(ctx context.Context, dist string, max int, status string) ([]types.InvalidationSummary, error) {
	var out []types.InvalidationSummary
	var marker *string
	for {
		page, err := c.api.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist), Marker: marker})
		if err != nil {
			return nil, c.translate("list invalidations", dist, err)
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

// ListPage returns one page of the invalidations of distribution dist,
// newest first, as one ListInvalidations call returns it: from marker (""
// for the first page), at most maxItems (0: CloudFront's default, 100).
// It is the AWS CLI's pagination's building block; List follows every
// page itself.
func (c *Client) ListPage(ctx context.Context, dist, marker string, maxItems int) (*types.InvalidationList, error) {
	in := &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist)}
	if marker != "" {
		in.Marker = aws.String(marker)
	}
	if maxItems > 0 {
		in.MaxItems = aws.Int32(int32(min(maxItems, math.MaxInt32)))
	}
	out, err := c.api.ListInvalidations(ctx, in)
	if err != nil {
		return nil, c.translate("list invalidations", dist, err)
	}
	if out.InvalidationList == nil {
		return &types.InvalidationList{}, nil
	}
	return out.InvalidationList, nil
}

// maxConcurrentGets bounds the GetDistribution calls InProgressBatches has
// in flight at once: enough to list a few hundred distributions in
// seconds, few enough to stay clear of CloudFront's request rate limits.
const maxConcurrentGets = 8

// InProgressBatches returns the number of invalidation batches in progress
// on each of ids, in order, as GetDistribution reports it
// (InProgressInvalidationBatches: CloudFront's own count, which the
// summaries of ListDistributions do not carry). One call per distribution,
// at most maxConcurrentGets at once; the first error cancels the rest and
// is returned.
func (c *Client) InProgressBatches(ctx context.Context, ids []string) ([]int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]int, len(ids))
	errs := make([]error, len(ids))
	stopped := forEachConcurrently(ctx, len(ids), func(i int) {
		res, err := c.api.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(ids[i])})
		if err != nil {
			errs[i] = c.translate("get distribution", ids[i], err)
			cancel()
			return
		}
		if res.Distribution != nil {
			out[i] = int(aws.ToInt32(res.Distribution.InProgressInvalidationBatches))
		}
	})
	// Report the failure that caused the cancellation, not a
	// cancellation it caused.
	var first error
	for _, err := range append(errs, stopped) {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
		if err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return nil, first
	}
	return out, nil
}

// forEachConcurrently calls fn(i) for every i in [0, n), at most
// maxConcurrentGets at once, and returns when the calls it started have
// returned. Once ctx is done it starts no more and returns ctx's error.
func forEachConcurrently(ctx context.Context, n int, fn func(i int)) error {
	sem := make(chan struct{}, maxConcurrentGets)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	return nil
}

// maxPathCountIDs is the most invalidations pathCounts looks up: past that,
// progress goes without path counts rather than spend a call per ID.
// pathCountsTimeout bounds the look-ups, so that a slow endpoint delays
// the wait that follows by no more than that.
const (
	maxPathCountIDs   = 100
	pathCountsTimeout = 5 * time.Second
)

// pathCounts returns the number of paths of each invalidation of dist in
// ids that GetInvalidation answers for, at most maxConcurrentGets calls at
// once, for at most pathCountsTimeout. It is best effort, for progress
// reports: errors leave an ID out (the wait that follows reports them),
// and more than maxPathCountIDs ids give an empty map without a call.
func (c *Client) pathCounts(ctx context.Context, dist string, ids []string) map[string]int {
	out := map[string]int{}
	if len(ids) > maxPathCountIDs {
		return out
	}
	ctx, cancel := context.WithTimeout(ctx, pathCountsTimeout)
	defer cancel()
	var mu sync.Mutex
	forEachConcurrently(ctx, len(ids), func(i int) {
		inv, err := c.Get(ctx, dist, ids[i])
		if err != nil || inv.InvalidationBatch == nil || inv.InvalidationBatch.Paths == nil {
			return
		}
		mu.Lock()
		out[ids[i]] = int(aws.ToInt32(inv.InvalidationBatch.Paths.Quantity))
		mu.Unlock()
	})
	return out
}
