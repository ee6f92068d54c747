package emulator_test

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
)

// BenchmarkCreateInvalidationBolt measures one (unsigned) CreateInvalidation
// through the real SDK client against a bbolt store that fsyncs each commit.
func BenchmarkCreateInvalidationBolt(b *testing.B) {
	st, err := store.OpenBolt(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(emulator.New(emulator.Options{Store: st}).Handler())
	defer srv.Close()
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
