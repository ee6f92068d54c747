package store_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/internal/store/storetest"
)

// snapshot is everything a store holds, read through the Store interface.
type snapshot struct {
	Dists []*store.Distribution
	Invs  map[string][]*store.Invalidation
}

// readAll reads every record through every read method and returns them.
// An error that is not one of the store's sentinels is what the emulator
// would answer 503, so it fails the test.
func readAll(t *testing.T, s store.Store) snapshot {
	t.Helper()
	ctx := t.Context()
	snap := snapshot{Invs: map[string][]*store.Invalidation{}}
	fail := func(what string, err error) {
		t.Helper()
		if err != nil && !errors.Is(err, store.ErrNoDistribution) && !errors.Is(err, store.ErrNoInvalidation) && !errors.Is(err, store.ErrBadMarker) {
			t.Fatalf("%s: %v (a 503 for the client)", what, err)
		}
	}
	marker := ""
	for {
		items, more, err := s.ListDistributions(ctx, marker, 7)
		fail("ListDistributions", err)
		snap.Dists = append(snap.Dists, items...)
		if !more || len(items) == 0 {
			break
		}
		marker = items[len(items)-1].ID
	}
	for _, d := range snap.Dists {
		_, err := s.GetDistribution(ctx, d.ID)
		fail("GetDistribution", err)
		_, err = s.CountInProgress(ctx, d.ID, storetest.T0)
		fail("CountInProgress", err)
		marker := ""
		for {
			items, more, err := s.ListInvalidations(ctx, d.ID, marker, 50)
			fail("ListInvalidations", err)
			snap.Invs[d.ID] = append(snap.Invs[d.ID], items...)
			if !more || len(items) == 0 {
				break
			}
			marker = items[len(items)-1].ID
		}
		for _, inv := range snap.Invs[d.ID] {
			_, err := s.GetInvalidation(ctx, d.ID, inv.ID)
			fail("GetInvalidation", err)
		}
		inv := &store.Invalidation{DistributionID: d.ID, ID: "INEW", CallerReference: "new-ref", Paths: []string{"/new"},
			CreateTime: storetest.T0, CompleteAt: storetest.T0.Add(time.Minute)}
		_, _, err = s.CreateInvalidation(ctx, inv, storetest.T0, nil)
		fail("CreateInvalidation", err)
	}
	err := s.CreateDistribution(ctx, storetest.NewDistribution(999))
	fail("CreateDistribution", err)
	return snap
}

// corruptFixture writes a state file with three distributions, one of them
// with enough invalidations for branch pages and overflow, and returns its
// bytes, its page size and its records.
func corruptFixture(t *testing.T) ([]byte, int, snapshot) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 3; n++ {
		d := storetest.NewDistribution(n)
		if err := s.CreateDistribution(t.Context(), d); err != nil {
			t.Fatal(err)
		}
		for i := range 10 + 40*(n-1) {
			paths := []string{fmt.Sprintf("/d%d/file-%d.html", n, i), "/img/*"}
			if i == 5 {
				paths = append(paths, strings.Repeat("/long", 2000)) // overflow pages
			}
			inv := &store.Invalidation{DistributionID: d.ID, ID: fmt.Sprintf("I%02d%011d", n, i), CallerReference: fmt.Sprintf("ref-%d-%d", n, i),
				Paths: paths, CreateTime: storetest.T0, CompleteAt: storetest.T0.Add(time.Duration(i) * time.Second)}
			if _, _, err := s.CreateInvalidation(t.Context(), inv, storetest.T0, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err = store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	snap := readAllNoWrite(t, s)
	s.Close()
	return b, int(binary.NativeEndian.Uint32(b[16+8:])), snap
}

// readAllNoWrite is readAll's reading half, for the reference snapshot.
func readAllNoWrite(t *testing.T, s store.Store) snapshot {
	t.Helper()
	snap := snapshot{Invs: map[string][]*store.Invalidation{}}
	ds, _, err := s.ListDistributions(t.Context(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	snap.Dists = ds
	for _, d := range ds {
		invs, _, err := s.ListInvalidations(t.Context(), d.ID, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		snap.Invs[d.ID] = invs
	}
	return snap
}

// outcome opens a damaged copy. It returns ok when the store refused it
// with a *CorruptError naming the file and what to do; otherwise the
// opened store.
func outcome(t *testing.T, data []byte) (refused bool, s store.Store, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenBolt(path)
	if err == nil {
		t.Cleanup(func() { st.Close() })
		return false, st, path
	}
	var ce *store.CorruptError
	if !errors.Is(err, store.ErrCorrupt) || !errors.As(err, &ce) {
		t.Fatalf("OpenBolt: got %v, want a *CorruptError", err)
	}
	for _, want := range []string{"state file " + path + " is corrupt (", "move it and " + path + "-log aside to start empty, or restore both from a backup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	return true, nil, path
}

// highWater is the number of pages the file's current header says it
// holds (bbolt may have grown the file past them).
func highWater(b []byte, ps int) int {
	e := binary.NativeEndian
	m0, m1 := b[16:], b[ps+16:]
	if e.Uint64(m1[48:]) > e.Uint64(m0[48:]) {
		return int(e.Uint64(m1[40:]))
	}
	return int(e.Uint64(m0[40:]))
}

func flip(b []byte, off int, bit uint) []byte {
	c := append([]byte(nil), b...)
	c[off] ^= 1 << bit
	return c
}

// TestOpenCorrupt covers cfinv issue 10: a truncated state.db made serve
// panic on a bbolt assertion, a zero-length one started empty, and flipped
// bits started and then answered 503. Every damaged file must be refused
// with an error naming it and what to do; none may panic.
func TestOpenCorrupt(t *testing.T) {
	orig, ps, _ := corruptFixture(t)
	pages := len(orig) / ps
	rng := rand.New(rand.NewPCG(10, uint64(len(orig))))
	garbage := make([]byte, len(orig))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	header := append(append([]byte(nil), orig[:2*ps]...), garbage[2*ps:]...)
	cases := map[string][]byte{
		"zero length":                {},
		"one byte":                   orig[:1],
		"inside the first page":      orig[:100],
		"inside the second page":     orig[:ps+100],
		"only the header pages":      orig[:2*ps],
		"half the pages":             orig[:pages/2*ps],
		"all but the last used page": orig[:(highWater(orig, ps)-1)*ps],
		"not a whole page":           orig[:len(orig)-1],
		"random garbage":             garbage,
		"small garbage":              garbage[:1000],
		"zeros":                      make([]byte, len(orig)),
		"text":                       []byte("this is not a database\n"),
		"header, then garbage":       header,
		"garbage, then data pages":   append(append([]byte(nil), garbage[:2*ps]...), orig[2*ps:]...),
	}
	// Every field of both header pages: magic, version, page size,
	// flags, root, sequence, freelist, high water, txid, checksum.
	for meta := range 2 {
		for _, field := range []int{0, 4, 8, 12, 16, 24, 32, 40, 48, 56} {
			cases[fmt.Sprintf("header page %d, byte %d", meta, field)] = flip(orig, meta*ps+16+field, uint(field)%8)
		}
	}
	// A member name in a record.
	if i := strings.Index(string(orig), `"callerReference"`); i > 0 {
		cases["record member name"] = flip(orig, i+3, 1)
	} else {
		t.Fatal("no record found in the file")
	}
	// Overflow counts that make a page claim its neighbours (bbolt would
	// free them twice on the next write: "page N already freed").
	cases["freelist page runs over the next page"] = setOverflow(orig, ps, metaField(orig, ps, 32), 1)
	cases["root page runs over every page after it"] = setOverflow(orig, ps, metaField(orig, ps, 16), uint32(uint64(highWater(orig, ps))-metaField(orig, ps, 16)-1))
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if refused, _, _ := outcome(t, data); !refused {
				t.Errorf("opened a %d-byte file damaged as %q, want a refusal", len(data), name)
			}
		})
	}
}

// metaField reads a uint64 of the newer header page: 16 is the root
// bucket's page, 32 the freelist page.
func metaField(b []byte, ps, off int) uint64 {
	m0, m1 := b[16:], b[ps+16:]
	m := m0
	if binary.NativeEndian.Uint64(m1[48:]) > binary.NativeEndian.Uint64(m0[48:]) {
		m = m1
	}
	return binary.NativeEndian.Uint64(m[off:])
}

// setOverflow returns a copy of b whose page id claims n overflow pages.
func setOverflow(b []byte, ps int, id uint64, n uint32) []byte {
	c := append([]byte(nil), b...)
	binary.NativeEndian.PutUint32(c[int(id)*ps+12:], n)
	return c
}

// TestOpenBitFlips flips single bits across the data pages: in every page
// header (where a flip must be refused unless the page is unused, in which
// case the data must read back unchanged), and at random offsets, where a
// flip inside a record's text that still decodes cannot be detected
// (bbolt keeps no data checksums) but must still never panic or make a
// later read fail with a store error (a 503).
func TestOpenBitFlips(t *testing.T) {
	orig, ps, want := corruptFixture(t)
	pages := len(orig) / ps
	var offsets []int
	// Page starts only: an overflow page continues its first page's
	// value, and its bytes are record text.
	for p := 2; p < pages; p += 1 + int(binary.NativeEndian.Uint32(orig[p*ps+12:])) {
		// ID, type, count, overflow; the first element's position and
		// key size.
		for _, off := range []int{0, 8, 10, 12, 20, 24} {
			offsets = append(offsets, p*ps+off)
		}
	}
	structural := len(offsets)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		offsets = append(offsets, 2*ps+rng.IntN(len(orig)-2*ps))
	}
	var refused, silent atomic.Int32
	// The flips run in parallel (each on its own copy), inside one group
	// so the tally below waits for them all.
	t.Run("flips", func(t *testing.T) {
		for i, off := range offsets {
			bit := uint(i % 8)
			t.Run(fmt.Sprintf("page %d byte %d bit %d", off/ps, off%ps, bit), func(t *testing.T) {
				t.Parallel()
				ok, s, _ := outcome(t, flip(orig, off, bit))
				if ok {
					refused.Add(1)
					return
				}
				got := readAllNoWrite(t, s)
				if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
					silent.Add(1)
					if i < structural {
						t.Errorf("a flipped page-header bit was accepted and changed the data:\n%s", diff)
					}
				}
				readAll(t, s)
			})
		}
	})
	r, c := int(refused.Load()), int(silent.Load())
	t.Logf("%d flips: %d refused, %d accepted unchanged, %d accepted with changed record text", len(offsets), r, len(offsets)-r-c, c)
}
