package emulator_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

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
