package cfinv

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/test/harness"
)

// createTenant creates a multi-tenant distribution with one tenant and
// returns the tenant's ID.
func createTenant(t *testing.T, api *cloudfront.Client, name string) string {
	t.Helper()
	dist := harness.Distribution(t, api, "mt-"+name, func(c *types.DistributionConfig) { c.ConnectionMode = types.ConnectionModeTenantOnly })
	out, err := api.CreateDistributionTenant(t.Context(), &cloudfront.CreateDistributionTenantInput{
		DistributionId: aws.String(dist), Name: aws.String(name),
		Domains: []types.DomainItem{{Domain: aws.String(name + ".example.com")}},
	})
	if err != nil {
		t.Fatalf("CreateDistributionTenant: %v", err)
	}
	return *out.DistributionTenant.Id
}

func TestContractTenantInvalidateWait(t *testing.T) {
	clock := harness.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	c, api := newEmulatorAPI(t, clock, nil, WithStateDir(t.TempDir()))
	tenant := createTenant(t, api, "customer-1")

	req := Request{DistributionTenantID: tenant, Paths: []string{"index.html", "/img/*"}, DeployID: "d1", Wait: true, Timeout: time.Minute}
	res, err := c.Invalidate(t.Context(), req)
	if err != nil {
		t.Fatalf("Invalidate: %v", err)
	}
	if len(res.Batches) != 1 || res.BilledPaths != 2 {
		t.Fatalf("result %+v: want 1 batch, 2 billed paths", res)
	}
	b := res.Batches[0]
	if b.DistributionTenantID != tenant || b.DistributionID != "" || b.Status != StatusCompleted || b.ID == "" {
		t.Fatalf("batch %+v: want a Completed invalidation of tenant %s", b, tenant)
	}
	if !strings.HasSuffix(b.Location, "/distribution-tenant/"+tenant+"/invalidation/"+b.ID) {
		t.Errorf("Location %q", b.Location)
	}
	if b.CallerReference != DeployReference(tenant, b.Paths, "d1") {
		t.Errorf("reference %q", b.CallerReference)
	}

	got, err := c.GetForTenant(t.Context(), tenant, b.ID)
	if err != nil || aws.ToString(got.Status) != StatusCompleted {
		t.Fatalf("GetForTenant: %v %+v", err, got)
	}

	// The same deploy again is resumed from the journal, not resent.
	again, err := c.Invalidate(t.Context(), Request{DistributionTenantID: tenant, Paths: []string{"/img/*", "/index.html"}, DeployID: "d1"})
	if err != nil || !again.Batches[0].Resumed || again.Batches[0].ID != b.ID || again.BilledPaths != 0 {
		t.Fatalf("re-run: %v %+v", err, again)
	}

	// Wait on a tenant target, by itself.
	second, err := c.Invalidate(t.Context(), Request{DistributionTenantID: tenant, Paths: []string{"/x"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Wait(t.Context(), WaitRequest{Targets: []Target{{DistributionTenantID: tenant, IDs: []string{second.Batches[0].ID, b.ID}}}, Timeout: time.Minute})
	if err != nil || len(st) != 2 {
		t.Fatalf("Wait: %v %+v", err, st)
	}
	for _, s := range st {
		if s.DistributionTenantID != tenant || s.Status != StatusCompleted {
			t.Errorf("waited %+v", s)
		}
	}

	_, err = c.GetForTenant(t.Context(), "dt_NOSUCH", b.ID)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("GetForTenant of an unknown tenant: %v, want ErrNotFound", err)
	}
	_, err = c.Invalidate(t.Context(), Request{DistributionTenantID: "dt_NOSUCH", Paths: []string{"/a"}})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Invalidate of an unknown tenant: %v, want ErrNotFound", err)
	}
}

// TestTenantValidation checks that a bad tenant request is refused before
// anything is sent: the fake API fails the test on any call.
func TestTenantValidation(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		wait *WaitRequest
		want string
	}{
		{"tenant and distribution", Request{DistributionTenantID: "dt_1", DistributionID: "E1", Paths: []string{"/a"}}, nil, `invalidate: give distributions or a distribution tenant (dt_1), not both`},
		{"tenant and distributions", Request{DistributionTenantID: "dt_1", DistributionIDs: []string{"E1"}, Paths: []string{"/a"}}, nil, `invalidate: give distributions or a distribution tenant (dt_1), not both`},
		{"bad tenant ID", Request{DistributionTenantID: "dt/1", Paths: []string{"/a"}}, nil, `invalidate: distribution tenant ID "dt/1" is invalid: want 1 to 128 letters, digits, '_' and '-', as in dt_2ABC`},
		{"bad batch item", Request{DistributionTenantID: "dt_1", Batches: [][]string{{"no-slash"}}}, nil, ""},
		{"wait target with both", Request{}, &WaitRequest{Targets: []Target{{DistributionID: "E1", DistributionTenantID: "dt_1", IDs: []string{"I1"}}}}, `wait: a target names distribution E1 and distribution tenant dt_1; give one`},
		{"wait bad tenant", Request{}, &WaitRequest{Targets: []Target{{DistributionTenantID: "dt 1", IDs: []string{"I1"}}}}, `wait: distribution tenant ID "dt 1" is invalid: want 1 to 128 letters, digits, '_' and '-', as in dt_2ABC`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeAPI{}
			c := &Client{api: f}
			var err error
			if tt.wait != nil {
				_, err = c.Wait(t.Context(), *tt.wait)
			} else {
				_, err = c.Invalidate(t.Context(), tt.req)
			}
			if !errors.Is(err, ErrInvalidInput) && !errors.Is(err, ErrInvalidPath) {
				t.Fatalf("got %v, want ErrInvalidInput or ErrInvalidPath", err)
			}
			if tt.want != "" && err.Error() != tt.want {
				t.Errorf("got %q, want %q", err, tt.want)
			}
			if len(f.calls) > 0 {
				t.Errorf("calls %q, want none before the input is checked", f.calls)
			}
		})
	}
}
