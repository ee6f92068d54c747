package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// writeLargeState writes a state file with one distribution and n
// invalidations of 3 paths each, in large transactions (CreateInvalidation
// commits and fsyncs one at a time, far too slow for this).
func writeLargeState(tb testing.TB, path string, n int) {
	tb.Helper()
	s, err := OpenBolt(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	d := &Distribution{ID: "E0000000000001", CallerReference: "ref", Status: StatusDeployed,
		Config: &distconfig.Node{Name: "DistributionConfig", Nodes: []*distconfig.Node{{Name: "CallerReference", Text: "ref"}}}}
	if err := s.CreateDistribution(tb.Context(), d); err != nil {
		tb.Fatal(err)
	}
	t0 := time.Date(2026, 11, 22, 13, 52, 53, 0, time.UTC)
	const batch = 10_000
	for start := 0; start < n; start += batch {
		err := s.db.Update(func(tx *bolt.Tx) error {
			set := tx.Bucket(bktInvs).Bucket([]byte(d.ID))
			for i := start; i < min(start+batch, n); i++ {
				seq, err := set.NextSequence()
				if err != nil {
					return err
				}
				inv := &Invalidation{DistributionID: d.ID, ID: fmt.Sprintf("I%013d", i), CallerReference: fmt.Sprintf("cfinv-%d-%020d", i, i),
					Paths: []string{fmt.Sprintf("/assets/app-%d.js", i), "/index.html", "/img/*"}, CreateTime: t0, CompleteAt: t0.Add(time.Minute), Seq: seq}
				if err := putJSON(set.Bucket(bktIDs), inv.ID, inv); err != nil {
					return err
				}
				if err := set.Bucket(bktOrder).Put(u64(seq), []byte(inv.ID)); err != nil {
					return err
				}
				if err := set.Bucket(bktRefs).Put([]byte(inv.CallerReference), []byte(inv.ID)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkOpenLarge measures OpenBolt on a state of 100,000 invalidations
// (verification included), against bbolt's own open of the same file
// (what OpenBolt did before it verified).
func BenchmarkOpenLarge(b *testing.B) {
	path := filepath.Join(b.TempDir(), "state.db")
	writeLargeState(b, path, 100_000)
	b.Run("OpenBolt", func(b *testing.B) {
		for b.Loop() {
			s, err := OpenBolt(path)
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
	b.Run("bbolt.Open", func(b *testing.B) {
		for b.Loop() {
			db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
			if err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
}
