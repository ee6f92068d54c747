package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cfinv/cfinv/internal/distconfig"
)

var commitT0 = time.Date(2026, 11, 22, 13, 52, 53, 0, time.UTC)

// openCommitTest opens a store with one distribution that checkpoints
// only when told to, or after checkpointEvery creates.
func openCommitTest(t *testing.T) (*Bolt, string) {
	t.Helper()
	return openCommitTestWith(t, checkpoints{every: checkpointEvery, idle: time.Hour})
}

func openCommitTestWith(t *testing.T, cp checkpoints) (*Bolt, string) {
	t.Helper()
	b, err := openBolt(filepath.Join(t.TempDir(), "state.db"), cp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	d := &Distribution{ID: "E0000000000001", CallerReference: "ref", Status: StatusDeployed,
		Config: &distconfig.Node{Name: "DistributionConfig"}}
	if err := b.CreateDistribution(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	return b, d.ID
}

func commitInv(dist, id, ref string) *Invalidation {
	return &Invalidation{DistributionID: dist, ID: id, CallerReference: ref, Paths: []string{"/" + id},
		CreateTime: commitT0, CompleteAt: commitT0.Add(time.Hour)}
}

// checkpoint moves what the overlay holds into the bbolt file.
func checkpoint(t *testing.T, b *Bolt) {
	t.Helper()
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	if err := b.checkpointLocked(); err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	if n := b.ov.len(); n != 0 {
		t.Fatalf("overlay holds %d entries after a checkpoint", n)
	}
}

type groupResult struct {
	id      string
	created bool
	err     error
}

// runGroup commits creates as one group, as the commit loop would when
// they all wait at once, and returns each one's result in order.
func runGroup(b *Bolt, creates ...*createInv) []groupResult {
	group := make([]*createOp, len(creates))
	for i, c := range creates {
		group[i] = &createOp{c: c, done: make(chan error, 1)}
	}
	b.commitGroup(group)
	out := make([]groupResult, len(group))
	for i, op := range group {
		got, created, err := creates[i].result(mapUpdateErr(<-op.done))
		out[i] = groupResult{created: created, err: err}
		if got != nil {
			out[i].id = got.ID
		}
	}
	return out
}

// TestGroupCommitSameReference: creates that share one transaction see
// each other's CallerReferences, so two creates with one reference in
// one group give one invalidation and the second replays the first.
func TestGroupCommitSameReference(t *testing.T) {
	tests := []struct {
		name string
		ops  func(dist string) []*createInv
		want []groupResult
		// stored is the invalidation IDs on disk afterwards, newest first.
		stored []string
	}{
		{
			name: "same reference twice",
			ops: func(d string) []*createInv {
				return []*createInv{newCreateInv(commitInv(d, "I1", "r"), commitT0, nil), newCreateInv(commitInv(d, "I2", "r"), commitT0, nil)}
			},
			want:   []groupResult{{id: "I1", created: true}, {id: "I1"}},
			stored: []string{"I1"},
		},
		{
			name: "same reference around distinct ones",
			ops: func(d string) []*createInv {
				return []*createInv{
					newCreateInv(commitInv(d, "I1", "a"), commitT0, nil),
					newCreateInv(commitInv(d, "I2", "b"), commitT0, nil),
					newCreateInv(commitInv(d, "I3", "a"), commitT0, nil),
					newCreateInv(commitInv(d, "I4", "c"), commitT0, nil),
				}
			},
			want:   []groupResult{{id: "I1", created: true}, {id: "I2", created: true}, {id: "I1"}, {id: "I4", created: true}},
			stored: []string{"I4", "I2", "I1"},
		},
		{
			// A panic in admit is its own create's; the creates
			// around it are decided as if it were not there.
			name: "a panic between two creates of one reference",
			ops: func(d string) []*createInv {
				boom := func([]*Invalidation) error { panic("boom") }
				return []*createInv{newCreateInv(commitInv(d, "I1", "r"), commitT0, nil), newCreateInv(commitInv(d, "I2", "s"), commitT0, boom), newCreateInv(commitInv(d, "I3", "r"), commitT0, nil)}
			},
			want:   []groupResult{{id: "I1", created: true}, {err: errPanicked}, {id: "I1"}},
			stored: []string{"I1"},
		},
		{
			// A taken ID is an error only for its own create.
			name: "taken ID within the group",
			ops: func(d string) []*createInv {
				return []*createInv{newCreateInv(commitInv(d, "I1", "a"), commitT0, nil), newCreateInv(commitInv(d, "I1", "b"), commitT0, nil), newCreateInv(commitInv(d, "I3", "c"), commitT0, nil)}
			},
			want:   []groupResult{{id: "I1", created: true}, {err: ErrInvalidationExists}, {id: "I3", created: true}},
			stored: []string{"I3", "I1"},
		},
		{
			// A refusal writes nothing; the in-progress list admit
			// sees includes the create before it in the same group.
			name: "admit sees the group's earlier create",
			ops: func(d string) []*createInv {
				one := func(running []*Invalidation) error {
					if len(running) > 0 {
						return fmt.Errorf("refused: %s running", running[0].ID)
					}
					return nil
				}
				return []*createInv{newCreateInv(commitInv(d, "I1", "a"), commitT0, one), newCreateInv(commitInv(d, "I2", "b"), commitT0, one)}
			},
			want:   []groupResult{{id: "I1", created: true}, {err: errors.New("refused: I1 running")}},
			stored: []string{"I1"},
		},
		{
			name: "unknown distribution",
			ops: func(d string) []*createInv {
				return []*createInv{newCreateInv(commitInv("ENOPE", "I1", "a"), commitT0, nil), newCreateInv(commitInv(d, "I2", "a"), commitT0, nil)}
			},
			want:   []groupResult{{err: ErrNoDistribution}, {id: "I2", created: true}},
			stored: []string{"I2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, dist := openCommitTest(t)
			got := runGroup(b, tt.ops(dist)...)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d results, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.id != w.id || g.created != w.created || !sameErr(g.err, w.err) {
					t.Errorf("op %d = {%s %v %v}, want {%s %v %v}", i, g.id, g.created, g.err, w.id, w.created, w.err)
				}
			}
			if ids := listIDs(t, b, dist, 100); fmt.Sprint(ids) != fmt.Sprint(tt.stored) {
				t.Errorf("stored %v, want %v", ids, tt.stored)
			}
			checkpoint(t, b)
			if err := b.db.View(func(tx *bolt.Tx) error { return verifyRecords(tx) }); err != nil {
				t.Errorf("store inconsistent after the group: %v", err)
			}
			if ids := listIDs(t, b, dist, 100); len(ids) != len(tt.stored) {
				t.Errorf("after a checkpoint: %d invalidations; want %d", len(ids), len(tt.stored))
			}
		})
	}
}

// sameErr matches err against want: by errors.Is for sentinels, by text
// otherwise.
func sameErr(err, want error) bool {
	switch {
	case want == nil || err == nil:
		return err == want
	case errors.Is(err, want):
		return true
	}
	return err.Error() == want.Error()
}

// TestGroupCommitPanic: a panic in admit comes back to its own caller,
// and the rest of its group still commits.
func TestGroupCommitPanic(t *testing.T) {
	b, dist := openCommitTest(t)
	boom := &createOp{c: newCreateInv(commitInv(dist, "I0", "z"), commitT0, func([]*Invalidation) error { panic("boom") }), done: make(chan error, 1)}
	c := newCreateInv(commitInv(dist, "I1", "a"), commitT0, nil)
	ok := &createOp{c: c, done: make(chan error, 1)}
	b.commitGroup([]*createOp{boom, ok})
	if err := <-boom.done; !errors.Is(err, errPanicked) || boom.recovered != "boom" {
		t.Errorf("panicking op: err %v, recovered %v", err, boom.recovered)
	}
	if _, created, err := c.result(<-ok.done); !created || err != nil {
		t.Errorf("neighbour of a panic: created %v, err %v", created, err)
	}
	func() {
		defer func() {
			if r := recover(); r != "again" {
				t.Errorf("CreateInvalidation recovered %v, want admit's panic", r)
			}
		}()
		_, _, _ = b.CreateInvalidation(t.Context(), commitInv(dist, "I9", "y"), commitT0, func([]*Invalidation) error { panic("again") })
	}()
	// The loop survived the panic.
	if _, created, err := b.CreateInvalidation(t.Context(), commitInv(dist, "I2", "b"), commitT0, nil); !created || err != nil {
		t.Errorf("create after a panic: created %v, err %v", created, err)
	}
}

// TestGroupCommitClose: Close while creates are in flight answers every
// one, with success or ErrClosed, and every success is in the file when
// it is opened again.
func TestGroupCommitClose(t *testing.T) {
	b, dist := openCommitTest(t)
	path := b.Path()
	const writers = 16
	errs := make([]error, writers)
	ids := make([]string, writers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			<-start
			got, _, err := b.CreateInvalidation(t.Context(), commitInv(dist, fmt.Sprint("I", w), fmt.Sprint("r", w)), commitT0, nil)
			errs[w] = err
			if err == nil {
				ids[w] = got.ID
			}
		})
	}
	close(start)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	again, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	for w, err := range errs {
		switch {
		case errors.Is(err, ErrClosed):
		case err != nil:
			t.Errorf("writer %d: %v, want success or ErrClosed", w, err)
		default:
			if _, err := again.GetInvalidation(t.Context(), dist, ids[w]); err != nil {
				t.Errorf("writer %d was told %s is stored; after reopening: %v", w, ids[w], err)
			}
		}
	}
}
