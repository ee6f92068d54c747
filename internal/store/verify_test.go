package store

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestPageWalkerOverlaps: pages whose ranges overlap, or that are both in
// use and free, are refused before bbolt sees them. bbolt's Tx.Check marks
// the freelist page's overflow pages without looking at them, so a
// freelist page whose overflow count was damaged to cover a free page
// passed it, and the next write panicked ("page N already freed").
func TestPageWalkerOverlaps(t *testing.T) {
	const ps = 1024
	type pg struct {
		id, overflow uint32
		flags        uint16
		free         []uint64 // for a freelist page
	}
	tests := []struct {
		name  string
		pages []pg
		want  string // "" for accepted
	}{
		{"sound", []pg{{id: 2, flags: freelistPage, free: []uint64{4}}, {id: 3, flags: leafPage}}, ""},
		{"freelist runs over a page it frees", []pg{{id: 2, overflow: 1, flags: freelistPage, free: []uint64{3}}, {id: 4, flags: leafPage}}, "frees page 3, which holds the freelist itself"},
		{"a page freed twice", []pg{{id: 2, flags: freelistPage, free: []uint64{4, 4}}, {id: 3, flags: leafPage}}, "frees page 4 twice"},
		{"root in use and free", []pg{{id: 2, flags: freelistPage, free: []uint64{3}}, {id: 3, flags: leafPage}}, "page 3 is in use and listed as free"},
		{"freelist runs over the root", []pg{{id: 2, overflow: 1, flags: freelistPage}, {id: 3, flags: leafPage}}, "page 3 is referred to twice"},
		{"root's overflow covers a free page", []pg{{id: 2, flags: freelistPage, free: []uint64{4}}, {id: 3, overflow: 1, flags: leafPage}}, "page 4 is in use and listed as free"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := make([]byte, 5*ps)
			e := binary.NativeEndian
			for _, p := range tt.pages {
				h := buf[int(p.id)*ps:]
				e.PutUint64(h, uint64(p.id))
				e.PutUint16(h[8:], p.flags)
				e.PutUint16(h[10:], uint16(len(p.free)))
				e.PutUint32(h[12:], p.overflow)
				for i, f := range p.free {
					e.PutUint64(h[pageHeaderSize+8*i:], f)
				}
			}
			path := filepath.Join(t.TempDir(), "pages")
			if err := os.WriteFile(path, buf, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			w := &pageWalker{f: f, ps: ps, hwm: 5, seen: map[uint64]bool{}, free: map[uint64]bool{}}
			err = w.freelist(2)
			if err == nil {
				err = w.tree(3)
			}
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused a sound layout: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// TestVerifyInvalidationOwners (cfinv issue 24 item 10): a set of
// CreateInvalidationSet must be listed in invalidation-owners, and every
// owner listed must have its set and not be a distribution.
func TestVerifyInvalidationOwners(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(tx *bolt.Tx) error
		want   string // "" for accepted
	}{
		{"sound", func(*bolt.Tx) error { return nil }, ""},
		{"set not listed", func(tx *bolt.Tx) error { return tx.Bucket(bktOwners).Delete([]byte("dt_A")) }, "invalidations holds 2 entries for 1 distributions and 0 other owners"},
		{"owner without its set", func(tx *bolt.Tx) error { return tx.Bucket(bktInvs).DeleteBucket([]byte("dt_A")) }, "invalidations bucket is missing"},
		{"owner that is a distribution", func(tx *bolt.Tx) error { return tx.Bucket(bktOwners).Put([]byte("E0000000000001"), nil) }, "is a distribution"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := openCommitTest(t)
			path := b.Path()
			if err := b.CreateInvalidationSet(t.Context(), "dt_A"); err != nil {
				t.Fatal(err)
			}
			createN(t, b, "dt_A", 0, 2)
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(tt.tamper)
			if cerr := db.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatal(err)
			}
			err = verifyFile(path)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused a sound file: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
