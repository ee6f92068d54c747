package emulator

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/internal/store"
)

// FuzzTenantRequest checks the Create/UpdateDistributionTenantRequest
// decoder: no panic, and an accepted request has 1–5 distinct lower-case
// domains, a Name matching the model's pattern (create) and a parent ID
// (create); through the handler no body gives a 5xx.
func FuzzTenantRequest(f *testing.F) {
	for _, s := range []string{
		`<CreateDistributionTenantRequest><DistributionId>E1</DistributionId><Name>t-1</Name><Domains><member><Domain>a.example.com</Domain></member></Domains></CreateDistributionTenantRequest>`,
		`<CreateDistributionTenantRequest><DistributionId>E1</DistributionId><Name>t-1</Name><Domains><member><Domain>A.example.com</Domain></member><member><Domain>a.example.com</Domain></member></Domains><Enabled>maybe</Enabled></CreateDistributionTenantRequest>`,
		`<UpdateDistributionTenantRequest><Enabled>false</Enabled><Tags><Items><Tag><Key>k</Key></Tag></Items></Tags></UpdateDistributionTenantRequest>`,
		`<CreateDistributionTenantRequest><Bogus/></CreateDistributionTenantRequest>`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	h := New(Options{Store: store.NewMem()}).Handler()
	f.Fuzz(func(t *testing.T, body string, update bool) {
		root, method, path := "CreateDistributionTenantRequest", "POST", "/2020-05-31/distribution-tenant"
		if update {
			root, method, path = "UpdateDistributionTenantRequest", "PUT", "/2020-05-31/distribution-tenant/dt_X"
		}
		req, aerr := decodeTenantRequest([]byte(body), root, !update)
		if aerr == nil {
			if !update && (req.distributionID == "" || !tenantNamePattern().MatchString(req.name)) {
				t.Fatalf("accepted create without a parent or with a bad name: %+v", req)
			}
			if (!update || req.domains != nil) && (len(req.domains) < 1 || len(req.domains) > maxTenantDomains) {
				t.Fatalf("accepted %d domains", len(req.domains))
			}
			for i, d := range req.domains {
				if d != strings.ToLower(d) || slices.Contains(req.domains[:i], d) {
					t.Fatalf("domains %q not distinct lower case", req.domains)
				}
			}
		}
		hr := httptest.NewRequest(method, path, strings.NewReader(body))
		hr.Header.Set("If-Match", "E1")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, hr)
		if rec.Code >= 500 {
			t.Fatalf("HTTP %d for %q: %s", rec.Code, truncate(body, 200), rec.Body)
		}
	})
}
