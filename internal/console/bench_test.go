package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cfinv/cfinv/internal/console"
	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// BenchmarkReads measures the console's reads over a state of 1,000
// distributions, one of which has 100,000 invalidations: a page of 50
// distributions and of 50 invalidations, first and deep.
func BenchmarkReads(b *testing.B) {
	st := store.NewMem()
	ctx := b.Context()
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 1000 {
		ref := fmt.Sprint("ref-", i)
		cfg := &distconfig.Node{Name: "DistributionConfig", Nodes: []*distconfig.Node{
			{Name: "CallerReference", Text: ref}, {Name: "Enabled", Text: "true"},
			{Name: "Origins", Nodes: []*distconfig.Node{{Name: "Quantity", Text: "1"}, {Name: "Items", Nodes: []*distconfig.Node{
				{Name: "Origin", Nodes: []*distconfig.Node{{Name: "Id", Text: "web"}, {Name: "DomainName", Text: "example.com"}}}}}}},
			{Name: "DefaultCacheBehavior", Nodes: []*distconfig.Node{{Name: "TargetOriginId", Text: "web"}}},
		}}
		d := &store.Distribution{ID: fmt.Sprintf("E%013d", i), DomainName: fmt.Sprintf("d%013d.cloudfront.net", i),
			CallerReference: ref, Status: store.StatusDeployed, Config: cfg}
		if err := st.CreateDistribution(ctx, d); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	var invIDs []string
	for i := range 100_000 {
		inv := &store.Invalidation{DistributionID: ids[0], ID: fmt.Sprintf("I%013d", i), CallerReference: fmt.Sprint("inv-", i),
			Paths: []string{"/index.html", fmt.Sprintf("/assets/%d.js", i)}, CreateTime: t0, CompleteAt: t0.Add(time.Minute)}
		if _, _, err := st.CreateInvalidation(ctx, inv, t0.Add(time.Hour), func([]*store.Invalidation) error { return nil }); err != nil {
			b.Fatal(err)
		}
		invIDs = append(invIDs, inv.ID)
	}
	con := console.New(console.Options{Store: st, API: http.NotFoundHandler(), Now: func() time.Time { return t0.Add(time.Hour) }})
	for _, bm := range []struct{ name, path string }{
		{"distributions/first", "/console/api/distributions?limit=50"},
		{"distributions/deep", "/console/api/distributions?limit=50&after=" + ids[900]},
		{"invalidations/first", "/console/api/distributions/" + ids[0] + "/invalidations?limit=50"},
		{"invalidations/deep", "/console/api/distributions/" + ids[0] + "/invalidations?limit=50&after=" + invIDs[100]},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1"+bm.path, nil)
				req.RemoteAddr = "127.0.0.1:1234"
				w := httptest.NewRecorder()
				con.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", bm.path, w.Code, w.Body)
				}
			}
		})
	}
}
