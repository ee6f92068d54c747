package cfinv

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// Distribution tenants (CloudFront SaaS Manager): a tenant of a
// multi-tenant distribution has invalidations of its own, created with
// CreateInvalidationForDistributionTenant. Invalidate, Wait and
// GetForTenant reach them by presenting the three tenant operations to the
// rest of the client as the distribution ones (tenantAdapter), so
// batching, caller references, the journal, the in-progress limits,
// retries and the wait behave exactly as for a distribution.

// tenantAPI is the part of the SDK client the tenant invalidations call.
type tenantAPI interface {
	CreateInvalidationForDistributionTenant(ctx context.Context, in *cloudfront.CreateInvalidationForDistributionTenantInput, optFns ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationForDistributionTenantOutput, error)
	GetInvalidationForDistributionTenant(ctx context.Context, in *cloudfront.GetInvalidationForDistributionTenantInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetInvalidationForDistributionTenantOutput, error)
	ListInvalidationsForDistributionTenant(ctx context.Context, in *cloudfront.ListInvalidationsForDistributionTenantInput, optFns ...func(*cloudfront.Options)) (*cloudfront.ListInvalidationsForDistributionTenantOutput, error)
}

var _ tenantAPI = (*cloudfront.Client)(nil)

// tenantIDPattern is what a distribution tenant ID may hold: CloudFront's
// IDs are dt_ and letters and digits; the model gives no pattern, so any
// letters, digits, '_' and '-' up to 128 are sent.
var tenantIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`) })

func checkTenantID(id string) error {
	if !tenantIDPattern().MatchString(id) {
		return invalidInput("distribution tenant ID %q is invalid: want 1 to 128 letters, digits, '_' and '-', as in dt_2ABC", id)
	}
	return nil
}

// tenantAdapter calls the tenant operations where the client calls the
// distribution ones, taking the tenant ID from DistributionId.
type tenantAdapter struct {
	api
	t tenantAPI
}

func (a tenantAdapter) CreateInvalidation(ctx context.Context, in *cloudfront.CreateInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error) {
	out, err := a.t.CreateInvalidationForDistributionTenant(ctx, &cloudfront.CreateInvalidationForDistributionTenantInput{Id: in.DistributionId, InvalidationBatch: in.InvalidationBatch}, optFns...)
	if err != nil {
		return nil, err
	}
	return &cloudfront.CreateInvalidationOutput{Invalidation: out.Invalidation, Location: out.Location, ResultMetadata: out.ResultMetadata}, nil
}

func (a tenantAdapter) GetInvalidation(ctx context.Context, in *cloudfront.GetInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetInvalidationOutput, error) {
	out, err := a.t.GetInvalidationForDistributionTenant(ctx, &cloudfront.GetInvalidationForDistributionTenantInput{DistributionTenantId: in.DistributionId, Id: in.Id}, optFns...)
	if err != nil {
		return nil, err
	}
	return &cloudfront.GetInvalidationOutput{Invalidation: out.Invalidation, ResultMetadata: out.ResultMetadata}, nil
}

func (a tenantAdapter) ListInvalidations(ctx context.Context, in *cloudfront.ListInvalidationsInput, optFns ...func(*cloudfront.Options)) (*cloudfront.ListInvalidationsOutput, error) {
	out, err := a.t.ListInvalidationsForDistributionTenant(ctx, &cloudfront.ListInvalidationsForDistributionTenantInput{Id: in.DistributionId, Marker: in.Marker, MaxItems: in.MaxItems}, optFns...)
	if err != nil {
		return nil, err
	}
	return &cloudfront.ListInvalidationsOutput{InvalidationList: out.InvalidationList, ResultMetadata: out.ResultMetadata}, nil
}

// forTenant returns a copy of c whose invalidation calls go to the tenant
// operations.
func (c *Client) forTenant() (*Client, error) {
	t, ok := c.api.(tenantAPI)
	if !ok {
		return nil, fmt.Errorf("distribution tenants: the client's API (%T) has no tenant operations", c.api)
	}
	tc := *c
	tc.api, tc.tenant = tenantAdapter{api: c.api, t: t}, true
	return &tc, nil
}

// invalidateTenant is Invalidate for req.DistributionTenantID; req has
// been checked.
func (c *Client) invalidateTenant(ctx context.Context, req Request, batches [][]string) (*Result, error) {
	tc, err := c.forTenant()
	if err != nil {
		return nil, err
	}
	// The batches were prepared (and their warnings reported) by the
	// caller's check: send them as they are.
	req.DistributionID, req.DistributionTenantID = req.DistributionTenantID, ""
	req.Paths, req.Batches = nil, batches
	res, err := tc.Invalidate(ctx, req)
	tenantErr(err)
	if res != nil {
		for i := range res.Batches {
			b := &res.Batches[i]
			b.DistributionTenantID, b.DistributionID = b.DistributionID, ""
		}
	}
	return res, err
}

// tenantErr makes the targets and batches in err (the pending targets of
// a *TimeoutError, the batches a *PartialError lists as created, the
// *APIError), which the tenant client reports as distributions', name the
// tenant.
func tenantErr(err error) {
	var ae *APIError
	if errors.As(err, &ae) && ae.DistributionID != "" {
		ae.DistributionTenantID, ae.DistributionID = ae.DistributionID, ""
	}
	var te *TimeoutError
	if errors.As(err, &te) {
		for i := range te.Pending {
			p := &te.Pending[i]
			if p.DistributionID != "" {
				p.DistributionTenantID, p.DistributionID = p.DistributionID, ""
			}
		}
	}
	var pe *PartialError
	if errors.As(err, &pe) {
		for i := range pe.Succeeded {
			b := &pe.Succeeded[i]
			if b.DistributionID != "" {
				b.DistributionTenantID, b.DistributionID = b.DistributionID, ""
			}
		}
	}
}

// GetForTenant returns invalidation id of distribution tenant tenant, as
// CloudFront reports it (GetInvalidationForDistributionTenant); an unknown
// tenant or ID is an *APIError matching ErrNotFound.
func (c *Client) GetForTenant(ctx context.Context, tenant, id string) (*types.Invalidation, error) {
	if err := checkTenantID(tenant); err != nil {
		return nil, err
	}
	tc, err := c.forTenant()
	if err != nil {
		return nil, err
	}
	out, err := tc.api.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(tenant), Id: aws.String(id)})
	if err != nil {
		err = nameInvalidation(c.translate("get invalidation", tenant, err), id)
		tenantErr(err)
		return nil, err
	}
	return out.Invalidation, nil
}

// ListPageForTenant returns one page of the invalidations of distribution
// tenant tenant, newest first, as one
// ListInvalidationsForDistributionTenant call returns it: from marker (""
// for the first page), at most maxItems (0: CloudFront's default). It is
// ListPage for a tenant; an unknown tenant is an *APIError matching
// ErrNotFound.
func (c *Client) ListPageForTenant(ctx context.Context, tenant, marker string, maxItems int) (*types.InvalidationList, error) {
	if err := checkTenantID(tenant); err != nil {
		return nil, err
	}
	tc, err := c.forTenant()
	if err != nil {
		return nil, err
	}
	l, err := tc.ListPage(ctx, tenant, marker, maxItems)
	if err != nil {
		tenantErr(err)
		return nil, err
	}
	return l, nil
}

// waitTenants is Wait's part for the targets that name a tenant.
func (c *Client) waitTenants(ctx context.Context, targets []Target, o waitOptions) ([]Batch, error) {
	tc, err := c.forTenant()
	if err != nil {
		return nil, err
	}
	ts := make([]Target, len(targets))
	paths := map[string]int{}
	for i, t := range targets {
		ts[i] = Target{DistributionID: t.DistributionTenantID, IDs: t.IDs}
		if len(t.IDs) > 1 {
			for id, n := range tc.pathCounts(ctx, t.DistributionTenantID, t.IDs) {
				paths[t.DistributionTenantID+"/"+id] = n
			}
		}
	}
	st, err := tc.wait(ctx, ts, paths, o)
	tenantErr(err)
	out := statusBatches(st)
	for i := range out {
		out[i].DistributionTenantID, out[i].DistributionID = out[i].DistributionID, ""
	}
	return out, err
}
