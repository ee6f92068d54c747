package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/internal/store/storetest"
)

func TestMem(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return store.NewMem() })
}

func TestBolt(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.OpenBolt(filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatalf("OpenBolt: %v", err)
		}
		return s
	})
}

// TestBoltReopen checks that everything written is there after the file is
// closed and opened again, including in-progress deadlines and sequences.
func TestBoltReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := store.OpenBolt(path)
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	d := storetest.NewDistribution(1)
	if err := s.CreateDistribution(t.Context(), d); err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	inv := &store.Invalidation{DistributionID: d.ID, ID: "I1", CallerReference: "r1", Paths: []string{"/a"},
		CreateTime: storetest.T0, CompleteAt: storetest.T0.Add(time.Minute)}
	if _, _, err := s.CreateInvalidation(t.Context(), inv, storetest.T0, nil); err != nil {
		t.Fatalf("CreateInvalidation: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = store.OpenBolt(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if got, err := s.GetDistribution(t.Context(), d.ID); err != nil {
		t.Errorf("GetDistribution after reopen: %v", err)
	} else if diff := cmp.Diff(d.Tags, got.Tags); diff != "" {
		t.Errorf("tags after reopen mismatch (-want +got):\n%s", diff)
	}
	n, err := s.CountInProgress(t.Context(), d.ID, storetest.T0.Add(59*time.Second))
	if err != nil || n != 1 {
		t.Errorf("CountInProgress before deadline after reopen = %d, %v; want 1", n, err)
	}
	second := &store.Invalidation{DistributionID: d.ID, ID: "I2", CallerReference: "r2", Paths: []string{"/b"},
		CreateTime: storetest.T0, CompleteAt: storetest.T0.Add(time.Minute)}
	if _, _, err := s.CreateInvalidation(t.Context(), second, storetest.T0, nil); err != nil {
		t.Fatalf("CreateInvalidation after reopen: %v", err)
	}
	if second.Seq <= inv.Seq {
		t.Errorf("sequence after reopen = %d, want > %d", second.Seq, inv.Seq)
	}
	// A second process cannot open a file that is in use.
	if _, err := store.OpenBolt(path); err == nil {
		t.Errorf("second OpenBolt on a file in use succeeded, want an error")
	}
}
