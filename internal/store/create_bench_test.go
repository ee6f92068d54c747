package store

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// BenchmarkCreateInvalidationParallel measures CreateInvalidation on a
// bbolt store with one writer per CPU and with 16 writers in all (the load
// group commit is for): ns/op falls as more creates share one fsync.
func BenchmarkCreateInvalidationParallel(b *testing.B) {
	procs := runtime.GOMAXPROCS(0)
	for _, par := range []int{1, max(1, 16/procs)} {
		b.Run(fmt.Sprintf("writers=%d", par*procs), func(b *testing.B) {
			s, err := OpenBolt(filepath.Join(b.TempDir(), "state.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			d := &Distribution{ID: "E0000000000001", CallerReference: "ref", Status: StatusDeployed,
				Config: &distconfig.Node{Name: "DistributionConfig"}}
			if err := s.CreateDistribution(b.Context(), d); err != nil {
				b.Fatal(err)
			}
			t0 := time.Date(2026, 11, 22, 13, 52, 53, 0, time.UTC)
			var n atomic.Int64
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					inv := &Invalidation{DistributionID: d.ID, ID: fmt.Sprintf("I%013d", i), CallerReference: fmt.Sprint("r", i),
						Paths: []string{"/a"}, CreateTime: t0, CompleteAt: t0}
					if _, _, err := s.CreateInvalidation(b.Context(), inv, t0, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
