package cfinv

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
)

// fakeAPI is a func-field fake of api: a nil func fails the test's call
// with errUnexpected.
type fakeAPI struct {
	create    func(*cloudfront.CreateInvalidationInput) (*cloudfront.CreateInvalidationOutput, error)
	get       func(*cloudfront.GetInvalidationInput) (*cloudfront.GetInvalidationOutput, error)
	list      func(*cloudfront.ListInvalidationsInput) (*cloudfront.ListInvalidationsOutput, error)
	listDists func(*cloudfront.ListDistributionsInput) (*cloudfront.ListDistributionsOutput, error)
	getDist   func(*cloudfront.GetDistributionInput) (*cloudfront.GetDistributionOutput, error)
	calls     []string
}

var _ api = (*fakeAPI)(nil)

var errUnexpected = errors.New("unexpected call")

func (f *fakeAPI) CreateInvalidation(_ context.Context, in *cloudfront.CreateInvalidationInput, _ ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error) {
	f.calls = append(f.calls, "create")
	if f.create == nil {
		return nil, errUnexpected
	}
	return f.create(in)
}

func (f *fakeAPI) GetInvalidation(_ context.Context, in *cloudfront.GetInvalidationInput, _ ...func(*cloudfront.Options)) (*cloudfront.GetInvalidationOutput, error) {
	f.calls = append(f.calls, "get "+*in.Id)
	if f.get == nil {
		return nil, errUnexpected
	}
	return f.get(in)
}

func (f *fakeAPI) ListInvalidations(_ context.Context, in *cloudfront.ListInvalidationsInput, _ ...func(*cloudfront.Options)) (*cloudfront.ListInvalidationsOutput, error) {
	f.calls = append(f.calls, "list")
	if f.list == nil {
		return nil, errUnexpected
	}
	return f.list(in)
}

func (f *fakeAPI) ListDistributions(_ context.Context, in *cloudfront.ListDistributionsInput, _ ...func(*cloudfront.Options)) (*cloudfront.ListDistributionsOutput, error) {
	f.calls = append(f.calls, "list-distributions")
	if f.listDists == nil {
		return nil, errUnexpected
	}
	return f.listDists(in)
}

func (f *fakeAPI) GetDistribution(_ context.Context, in *cloudfront.GetDistributionInput, _ ...func(*cloudfront.Options)) (*cloudfront.GetDistributionOutput, error) {
	f.calls = append(f.calls, "get-distribution "+*in.Id)
	if f.getDist == nil {
		return nil, errUnexpected
	}
	return f.getDist(in)
}

func (f *fakeAPI) GetFunction(_ context.Context, in *cloudfront.GetFunctionInput, _ ...func(*cloudfront.Options)) (*cloudfront.GetFunctionOutput, error) {
	f.calls = append(f.calls, "get-function "+*in.Name)
	return nil, errUnexpected
}

func (f *fakeAPI) DescribeFunction(_ context.Context, in *cloudfront.DescribeFunctionInput, _ ...func(*cloudfront.Options)) (*cloudfront.DescribeFunctionOutput, error) {
	f.calls = append(f.calls, "describe-function "+*in.Name)
	return nil, errUnexpected
}

// fakeClock is a manual clock: Sleep advances it and records the delay.
type fakeClock struct {
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time { return c.t }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return nil
}
