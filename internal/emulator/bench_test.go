package emulator_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// BenchmarkCreateInvalidationBolt measures one (unsigned) CreateInvalidation
// through the real SDK client against a bbolt store that fsyncs each commit.
func BenchmarkCreateInvalidationBolt(b *testing.B) {
	srv := boltServer(b)
	cf := newClient(srv)
	out, err := cf.CreateDistribution(b.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: sdkConfig("bench")})
	if err != nil {
		b.Fatal(err)
	}
	dist := *out.Distribution.Id
	b.ResetTimer()
	for i := range b.N {
		_, err := cf.CreateInvalidation(b.Context(), &cloudfront.CreateInvalidationInput{DistributionId: &dist, InvalidationBatch: batch(fmt.Sprint("r", i), "/a")})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateInvalidationBoltParallel is BenchmarkCreateInvalidationBolt
// from 16 concurrent clients, the load the store's group commit is for.
func BenchmarkCreateInvalidationBoltParallel(b *testing.B) {
	srv := boltServer(b)
	// Enough idle connections that 16 clients never redial.
	cf := harness.SDK(srv.URL, harness.Credentials("AKIDTEST", "secret", ""),
		harness.HTTPClient(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}))
	out, err := cf.CreateDistribution(b.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: sdkConfig("bench")})
	if err != nil {
		b.Fatal(err)
	}
	dist := *out.Distribution.Id
	var n atomic.Int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, err := cf.CreateInvalidation(b.Context(), &cloudfront.CreateInvalidationInput{DistributionId: &dist, InvalidationBatch: batch(fmt.Sprint("r", n.Add(1)), "/a")})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// boltServer is the emulator on loopback over a bbolt store that fsyncs
// each commit, closed when the benchmark ends.
func boltServer(b *testing.B) *httptest.Server {
	st, err := store.OpenBolt(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(emulator.New(emulator.Options{Store: st}).Handler())
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkTenantInvalidation measures one CreateInvalidationForDistributionTenant
// through the real SDK client against bbolt, with invalidations already
// stored for ten tenants of the distribution (cfinv issue 24 item 10: the
// cost grew with every tenant's invalidations). They are stored as cfinv
// stored them before issue 24 and migrated by the first request, before
// the timer starts, so the same benchmark measures either version.
func BenchmarkTenantInvalidation(b *testing.B) {
	for _, stored := range []int{20, 2020} {
		b.Run(fmt.Sprint("stored=", stored), func(b *testing.B) {
			st, err := store.OpenBolt(filepath.Join(b.TempDir(), "state.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			srv := httptest.NewServer(emulator.New(emulator.Options{Store: st}).Handler())
			b.Cleanup(srv.Close)
			cf := newClient(srv)
			cfg := sdkConfig("bench")
			cfg.ConnectionMode = types.ConnectionModeTenantOnly
			out, err := cf.CreateDistribution(b.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
			if err != nil {
				b.Fatal(err)
			}
			var tenants []string
			for i := range 10 {
				tn, err := cf.CreateDistributionTenant(b.Context(), tenantInput(*out.Distribution.Id, fmt.Sprint("tenant", i), fmt.Sprintf("t%d.example.com", i)))
				if err != nil {
					b.Fatal(err)
				}
				tenants = append(tenants, *tn.DistributionTenant.Id)
			}
			now := time.Now()
			for i := range stored {
				res := oldTenantInvalidation(tenants[i%len(tenants)], fmt.Sprintf("IS%05d", i), fmt.Sprint("s", i), now, now, "/a")
				if err := st.CreateResource(b.Context(), res); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := cf.ListInvalidationsForDistributionTenant(b.Context(), &cloudfront.ListInvalidationsForDistributionTenantInput{Id: &tenants[0]}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				_, err := cf.CreateInvalidationForDistributionTenant(b.Context(), &cloudfront.CreateInvalidationForDistributionTenantInput{Id: &tenants[0], InvalidationBatch: batch(fmt.Sprint("r", i), "/a")})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreateDistributionAmongAliased measures one CreateDistribution
// with a new alias among 1,000 distributions of two aliases each, on the
// memory store and on bbolt: the cost of the CNAMEAlreadyExists check.
//
//	go test -run '^$' -bench CreateDistributionAmongAliased -benchtime 200x -count 4 ./internal/emulator/
func BenchmarkCreateDistributionAmongAliased(b *testing.B) {
	for _, kind := range []string{"mem", "bolt"} {
		b.Run(kind, func(b *testing.B) {
			var st store.Store = store.NewMem()
			if kind == "bolt" {
				bs, err := store.OpenBolt(filepath.Join(b.TempDir(), "state.db"))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = bs.Close() })
				st = bs
			}
			srv := httptest.NewServer(emulator.New(emulator.Options{Store: st, Now: harness.NewClock(t0).Now, CompletionDelay: delay}).Handler())
			b.Cleanup(srv.Close)
			cf := newClient(srv)
			for i := range 1000 {
				in := &cloudfront.CreateDistributionInput{DistributionConfig: aliased(fmt.Sprint("seed-", i), fmt.Sprintf("a%d.example.com", i), fmt.Sprintf("b%d.example.com", i))}
				if _, err := cf.CreateDistribution(b.Context(), in); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			for b.Loop() {
				i++
				in := &cloudfront.CreateDistributionInput{DistributionConfig: aliased(fmt.Sprint("new-", i), fmt.Sprintf("n%d.example.com", i))}
				if _, err := cf.CreateDistribution(b.Context(), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
