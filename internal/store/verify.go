package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrCorrupt means a state file cannot be trusted: it is empty, truncated,
// damaged, or not a bbolt file of ours. It comes wrapped in a *CorruptError.
var ErrCorrupt = errors.New("state file is corrupt")

// CorruptError is what OpenBolt returns for a state file it will not open.
type CorruptError struct {
	Path   string
	Reason string // what is wrong, e.g. "truncated: 8192 bytes, its header says 16384"
	Err    error  // the underlying error, if any
}

// Error names the file, what is wrong and what to do. A state file and
// its create log (path + "-log") belong together, so the advice names
// both.
func (e *CorruptError) Error() string {
	if log, ok := strings.CutSuffix(e.Path, logSuffix); ok {
		return fmt.Sprintf("create log %s is corrupt (%s): move it and %s aside to start empty, or restore both from a backup", e.Path, e.Reason, log)
	}
	return fmt.Sprintf("state file %s is corrupt (%s): move it and %s aside to start empty, or restore both from a backup", e.Path, e.Reason, e.Path+logSuffix)
}

// Unwrap returns ErrCorrupt and the underlying error.
func (e *CorruptError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrCorrupt, e.Err}
	}
	return []error{ErrCorrupt}
}

// bbolt's file format (go.etcd.io/bbolt/internal/common): every page
// starts with a 16-byte header; pages 0 and 1 hold a meta record (magic,
// version, page size, flags, root bucket, freelist, high-water page, txid)
// whose last 8 bytes are an FNV-64a checksum of the 56 bytes before it.
const (
	pageHeaderSize = 16
	metaMagic      = 0xED0CDAED
	metaVersion    = 2
	metaSumOffset  = 56
	minPageSize    = 1024
	maxPageSize    = 1 << 20
)

type metaInfo struct {
	pageSize uint32
	root     uint64 // root bucket's page
	freelist uint64
	pgid     uint64 // high-water mark: pages the file must hold
	txid     uint64
}

// readMeta decodes and checks the meta record at off.
func readMeta(f io.ReaderAt, off int64) (metaInfo, error) {
	var b [pageHeaderSize + metaSumOffset + 8]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		return metaInfo{}, fmt.Errorf("read header at %d: %w", off, err)
	}
	m := b[pageHeaderSize:]
	e := binary.NativeEndian
	if e.Uint32(m[0:]) != metaMagic {
		return metaInfo{}, errors.New("not a bbolt header (bad magic)")
	}
	if v := e.Uint32(m[4:]); v != metaVersion {
		return metaInfo{}, fmt.Errorf("bbolt format version %d, want %d", v, metaVersion)
	}
	h := fnv.New64a()
	h.Write(m[:metaSumOffset])
	if h.Sum64() != e.Uint64(m[metaSumOffset:]) {
		return metaInfo{}, errors.New("checksum mismatch")
	}
	return metaInfo{pageSize: e.Uint32(m[8:]), root: e.Uint64(m[16:]), freelist: e.Uint64(m[32:]), pgid: e.Uint64(m[40:]), txid: e.Uint64(m[48:])}, nil
}

// checkHeader reads both meta pages of the file and checks the file's size
// against them, without mapping it: bbolt itself would fault (SIGBUS) on
// the pages a truncated file lacks, or silently fall back to the older
// meta page, dropping the last acknowledged write.
func checkHeader(f *os.File, size int64) (meta metaInfo, reason string, err error) {
	m0, err0 := readMeta(f, 0)
	ps := int64(m0.pageSize)
	if err0 != nil {
		// Without page 0 the second meta page is found at the default
		// page size, as bbolt does.
		ps = int64(os.Getpagesize())
	}
	if ps < minPageSize || ps > maxPageSize || ps&(ps-1) != 0 {
		return metaInfo{}, fmt.Sprintf("header page 0 gives an impossible page size %d", ps), nil
	}
	m1, err1 := readMeta(f, ps)
	switch {
	case err0 != nil && err1 != nil:
		return metaInfo{}, fmt.Sprintf("neither header page is valid: page 0: %v; page 1: %v", err0, err1), nil
	case err0 != nil:
		return metaInfo{}, fmt.Sprintf("header page 0 is damaged (%v); bbolt would fall back to page 1 and lose the last write", err0), nil
	case err1 != nil:
		return metaInfo{}, fmt.Sprintf("header page 1 is damaged (%v); bbolt would fall back to page 0 and lose the last write", err1), nil
	case m0.pageSize != m1.pageSize:
		return metaInfo{}, fmt.Sprintf("the header pages disagree on the page size (%d, %d)", m0.pageSize, m1.pageSize), nil
	}
	// bbolt uses the meta page with the later transaction.
	meta = m0
	if m1.txid > m0.txid {
		meta = m1
	}
	hwm := meta.pgid
	switch {
	case size%ps != 0:
		return metaInfo{}, fmt.Sprintf("truncated or extended: %d bytes is not a whole number of %d-byte pages", size, ps), nil
	case uint64(size/ps) < hwm:
		return metaInfo{}, fmt.Sprintf("truncated: %d bytes, its header says %d pages of %d bytes (%d bytes)", size, hwm, ps, int64(hwm)*ps), nil
	}
	return meta, "", nil
}

// Page flags of bbolt's format.
const (
	branchPage   = 0x01
	leafPage     = 0x02
	freelistPage = 0x10
	bucketLeaf   = 0x01 // leaf element flag: the value is a bucket
	elemSize     = 16   // branch and leaf elements are both 16 bytes
	inBucketSize = 16   // root page ID and sequence
)

// pageWalker validates, from the file rather than bbolt's mapping, every
// page reachable from the header: its ID, type, and that every element,
// key and value lies inside it. bbolt trusts these offsets and sizes and
// would read outside the page, and outside the mapping, on a damaged one
// (a fault, or under the race detector's checkptr a fatal error that no
// recover can catch), so they are checked before bbolt reads anything.
type pageWalker struct {
	f    *os.File
	ps   int64
	hwm  uint64
	seen map[uint64]bool // pages in use, overflow pages included
	free map[uint64]bool // pages the freelist lists
}

// page reads page id and its overflow pages.
func (w *pageWalker) page(id uint64) ([]byte, error) {
	if id < 2 || id >= w.hwm {
		return nil, fmt.Errorf("a page refers to page %d, outside 2..%d", id, w.hwm-1)
	}
	if w.seen[id] {
		return nil, fmt.Errorf("page %d is referred to twice", id)
	}
	w.seen[id] = true
	var h [pageHeaderSize]byte
	if _, err := w.f.ReadAt(h[:], int64(id)*w.ps); err != nil {
		return nil, fmt.Errorf("read page %d: %w", id, err)
	}
	e := binary.NativeEndian
	if got := e.Uint64(h[0:]); got != id {
		return nil, fmt.Errorf("page %d identifies itself as page %d", id, got)
	}
	overflow := uint64(e.Uint32(h[12:]))
	if id+overflow >= w.hwm {
		return nil, fmt.Errorf("page %d runs %d pages past the end", id, id+overflow-w.hwm+1)
	}
	// A damaged overflow count makes a page claim its neighbours: bbolt
	// would free them twice on the next write and panic.
	for p := id; p <= id+overflow; p++ {
		if p > id && w.seen[p] {
			return nil, fmt.Errorf("page %d runs over page %d, which is in use as well", id, p)
		}
		if w.free[p] {
			return nil, fmt.Errorf("page %d is in use and listed as free", p)
		}
		w.seen[p] = true
	}
	buf := make([]byte, int64(overflow+1)*w.ps)
	if _, err := w.f.ReadAt(buf, int64(id)*w.ps); err != nil {
		return nil, fmt.Errorf("read page %d: %w", id, err)
	}
	return buf, nil
}

// tree validates the b-tree rooted at page id.
func (w *pageWalker) tree(id uint64) error {
	buf, err := w.page(id)
	if err != nil {
		return err
	}
	return w.node(buf, id)
}

// node validates one branch or leaf page held in buf (a whole page with
// its overflow, or an inline bucket's page), then what it refers to.
func (w *pageWalker) node(buf []byte, id uint64) error {
	e := binary.NativeEndian
	flags, count := e.Uint16(buf[8:]), int(e.Uint16(buf[10:]))
	if pageHeaderSize+count*elemSize > len(buf) {
		return fmt.Errorf("page %d: %d elements do not fit in it", id, count)
	}
	for i := range count {
		el := pageHeaderSize + i*elemSize
		pos, ksize := int(e.Uint32(buf[el+4:])), int(e.Uint32(buf[el+8:]))
		switch flags {
		case branchPage:
			pos, ksize = int(e.Uint32(buf[el:])), int(e.Uint32(buf[el+4:]))
			if el+pos+ksize > len(buf) || ksize == 0 {
				return fmt.Errorf("page %d: branch element %d lies outside the page", id, i)
			}
			if err := w.tree(e.Uint64(buf[el+8:])); err != nil {
				return err
			}
		case leafPage:
			vsize := int(e.Uint32(buf[el+12:]))
			start := el + pos
			if start+ksize+vsize > len(buf) || ksize == 0 {
				return fmt.Errorf("page %d: leaf element %d lies outside the page", id, i)
			}
			if e.Uint32(buf[el:])&bucketLeaf == 0 {
				continue
			}
			v := buf[start+ksize : start+ksize+vsize]
			if len(v) < inBucketSize {
				return fmt.Errorf("page %d: bucket %d has a %d-byte header", id, i, len(v))
			}
			if root := e.Uint64(v); root != 0 {
				if err := w.tree(root); err != nil {
					return err
				}
				continue
			}
			inline := v[inBucketSize:]
			if len(inline) < pageHeaderSize || e.Uint16(inline[8:]) != leafPage {
				return fmt.Errorf("page %d: inline bucket %d is not a leaf", id, i)
			}
			if err := w.node(inline, id); err != nil {
				return err
			}
		default:
			return fmt.Errorf("page %d: type %#x, want a branch or leaf page", id, flags)
		}
	}
	return nil
}

// freelist validates the freelist page.
func (w *pageWalker) freelist(id uint64) error {
	if id == 1<<64-1 {
		return nil // not synced; bbolt rebuilds it
	}
	buf, err := w.page(id)
	if err != nil {
		return err
	}
	e := binary.NativeEndian
	if f := e.Uint16(buf[8:]); f != freelistPage {
		return fmt.Errorf("freelist page %d: type %#x", id, f)
	}
	start, count := pageHeaderSize, uint64(e.Uint16(buf[10:]))
	if count == 0xFFFF {
		count, start = e.Uint64(buf[pageHeaderSize:]), pageHeaderSize+8
	}
	if count > uint64(len(buf)-start)/8 {
		return fmt.Errorf("freelist page %d: %d entries do not fit in it", id, count)
	}
	for i := range int(count) {
		p := e.Uint64(buf[start+8*i:])
		switch {
		case p < 2 || p >= w.hwm:
			return fmt.Errorf("freelist page %d: frees page %d, outside 2..%d", id, p, w.hwm-1)
		case w.seen[p]:
			return fmt.Errorf("freelist page %d: frees page %d, which holds the freelist itself", id, p)
		case w.free[p]:
			return fmt.Errorf("freelist page %d: frees page %d twice", id, p)
		}
		w.free[p] = true
	}
	return nil
}

// guard runs fn on a goroutine of its own that turns memory faults into
// panics (bbolt maps the file, so reading a damaged page can fault) and
// recovers any panic (bbolt asserts on pages it finds inconsistent) into
// an error.
func guard(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		debug.SetPanicOnFault(true)
		defer func() {
			if v := recover(); v != nil {
				done <- fmt.Errorf("reading it failed: %v", v)
			}
		}()
		done <- fn()
	}()
	return <-done
}

// verifyFile checks an existing state file before it is opened for
// writing: its header pages and size, then (read-only) bbolt's own
// consistency check and every record. It returns a *CorruptError for a
// file it cannot trust, the lock error for a file in use, or nil.
func verifyFile(path string) error {
	corrupt := func(reason string, err error) error {
		return &CorruptError{Path: path, Reason: reason, Err: err}
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("open store %s: %w", path, err)
	}
	if fi.Size() == 0 {
		f.Close()
		return corrupt("it is empty (0 bytes)", nil)
	}
	meta, reason, err := checkHeader(f, fi.Size())
	if err == nil && reason == "" {
		w := &pageWalker{f: f, ps: int64(meta.pageSize), hwm: meta.pgid, seen: map[uint64]bool{}, free: map[uint64]bool{}}
		if perr := errors.Join(w.freelist(meta.freelist), w.tree(meta.root)); perr != nil {
			reason = perr.Error()
		}
	}
	f.Close()
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	if reason != "" {
		return corrupt(reason, nil)
	}
	var lockErr error
	err = guard(func() error {
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second, PreLoadFreelist: true})
		if err != nil {
			if errors.Is(err, berrors.ErrTimeout) {
				lockErr = errLocked(path)
				return nil
			}
			return err
		}
		defer db.Close()
		return db.View(func(tx *bolt.Tx) error {
			if err := verifyRecords(tx); err != nil {
				return err
			}
			// bbolt's check: every page reachable once, freed or in use,
			// keys in order. verifyRecords has read every page first, on
			// this goroutine, so the check (on its own goroutine) cannot
			// fault.
			var errs []error
			for err := range tx.Check() {
				if len(errs) < 3 {
					errs = append(errs, err)
				}
			}
			return errors.Join(errs...)
		})
	})
	if lockErr != nil {
		return lockErr
	}
	if err != nil {
		return corrupt(err.Error(), err)
	}
	return nil
}

func errLocked(path string) error {
	return fmt.Errorf("open store %s: the file is locked by another process", path)
}

// decodeStrict decodes one JSON record, refusing unknown members and
// trailing data, so a flipped bit in a member name is caught.
func decodeStrict(v []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the record")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the record")
	}
	return nil
}

// verifyRecords decodes every record and checks that the indexes agree
// with them (see the layout in Bolt's doc comment), so a damaged record is
// found at open rather than answered 503 later.
func verifyRecords(tx *bolt.Tx) error {
	top := map[string]bool{}
	err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		top[string(name)] = true
		return nil
	})
	if err != nil {
		return err
	}
	for name := range top {
		switch name {
		case string(bktDists), string(bktDistOrder), string(bktDistRefs), string(bktInvs), string(bktResources), string(bktLog), string(bktOwners):
		default:
			return fmt.Errorf("unexpected bucket %q", truncateKey([]byte(name)))
		}
	}
	dists, order, refs, invs := tx.Bucket(bktDists), tx.Bucket(bktDistOrder), tx.Bucket(bktDistRefs), tx.Bucket(bktInvs)
	if dists == nil || order == nil || refs == nil || invs == nil {
		if len(top) == 0 {
			return nil // created, never written: OpenBolt adds the buckets
		}
		return errors.New("a top-level bucket is missing")
	}
	n, maxSeq := 0, uint64(0)
	err = dists.ForEach(func(k, v []byte) error {
		n++
		if v == nil {
			return fmt.Errorf("distributions/%s is a bucket, want a record", truncateKey(k))
		}
		var d Distribution
		if err := decodeStrict(v, &d); err != nil {
			return fmt.Errorf("distribution %s: %w", truncateKey(k), err)
		}
		switch {
		case d.ID != string(k):
			return fmt.Errorf("distribution %s: record says ID %q", truncateKey(k), truncateKey([]byte(d.ID)))
		case d.CallerReference == "" || d.Config == nil || d.Seq == 0:
			return fmt.Errorf("distribution %s: CallerReference, Config or Seq missing", k)
		case !bytes.Equal(refs.Get([]byte(d.CallerReference)), k):
			return fmt.Errorf("distribution %s: its CallerReference is not indexed to it", k)
		case !bytes.Equal(order.Get(u64(d.Seq)), k):
			return fmt.Errorf("distribution %s: its sequence %d is not indexed to it", k, d.Seq)
		case invs.Bucket(k) == nil:
			return fmt.Errorf("distribution %s: its invalidations bucket is missing", k)
		}
		maxSeq = max(maxSeq, d.Seq)
		return nil
	})
	if err != nil {
		return err
	}
	if dists.Sequence() < maxSeq {
		return fmt.Errorf("distributions: sequence %d is below a stored one (%d)", dists.Sequence(), maxSeq)
	}
	for _, b := range []struct {
		name string
		bkt  *bolt.Bucket
	}{{"distribution-order", order}, {"distribution-refs", refs}} {
		if got := countKeys(b.bkt); got != n {
			return fmt.Errorf("%s holds %d entries for %d distributions", b.name, got, n)
		}
	}
	owners, nOwners := tx.Bucket(bktOwners), 0
	if owners != nil {
		err = owners.ForEach(func(k, v []byte) error {
			nOwners++
			switch {
			case v == nil:
				return fmt.Errorf("invalidation-owners/%s is a bucket, want a record", truncateKey(k))
			case dists.Get(k) != nil:
				return fmt.Errorf("invalidation-owners/%s is a distribution", truncateKey(k))
			case invs.Bucket(k) == nil:
				return fmt.Errorf("invalidation-owners/%s: its invalidations bucket is missing", truncateKey(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if got := countKeys(invs); got != n+nOwners {
		return fmt.Errorf("invalidations holds %d entries for %d distributions and %d other owners", got, n, nOwners)
	}
	err = invs.ForEachBucket(func(dist []byte) error {
		if dists.Get(dist) == nil && (owners == nil || owners.Get(dist) == nil) {
			return fmt.Errorf("invalidations of %s: no such distribution", truncateKey(dist))
		}
		return verifyInvalidations(invs.Bucket(dist), string(dist))
	})
	if err != nil {
		return err
	}
	if res := tx.Bucket(bktResources); res != nil {
		return verifyResources(res)
	}
	return nil
}

// verifyResources checks every kind under resources/: each record decodes,
// names its kind and ID, and is indexed by its Seq and Name, and the
// indexes hold nothing else.
func verifyResources(res *bolt.Bucket) error {
	return res.ForEach(func(kind, v []byte) error {
		if v != nil {
			return fmt.Errorf("resources/%s is a record, want a bucket", truncateKey(kind))
		}
		k := res.Bucket(kind)
		ids, order, names := k.Bucket(bktIDs), k.Bucket(bktOrder), k.Bucket(bktNames)
		if ids == nil || order == nil || names == nil {
			return fmt.Errorf("resources/%s: an index bucket is missing", truncateKey(kind))
		}
		n := 0
		err := ids.ForEach(func(id, v []byte) error {
			n++
			if v == nil {
				return fmt.Errorf("resources/%s/%s is a bucket, want a record", truncateKey(kind), truncateKey(id))
			}
			var r Resource
			if err := decodeStrict(v, &r); err != nil {
				return fmt.Errorf("%s %s: %w", truncateKey(kind), truncateKey(id), err)
			}
			switch {
			case r.ID != string(id) || r.Kind != string(kind):
				return fmt.Errorf("%s %s: record says %s %s", truncateKey(kind), truncateKey(id), truncateKey([]byte(r.Kind)), truncateKey([]byte(r.ID)))
			case r.Name == "" || r.Config == nil || r.Seq == 0:
				return fmt.Errorf("%s %s: Name, Config or Seq missing", truncateKey(kind), truncateKey(id))
			case !bytes.Equal(names.Get([]byte(r.Name)), id):
				return fmt.Errorf("%s %s: its name is not indexed to it", truncateKey(kind), truncateKey(id))
			case !bytes.Equal(order.Get(u64(r.Seq)), id):
				return fmt.Errorf("%s %s: its sequence %d is not indexed to it", truncateKey(kind), truncateKey(id), r.Seq)
			case ids.Sequence() < r.Seq:
				return fmt.Errorf("%s %s: sequence %d is above the bucket's", truncateKey(kind), truncateKey(id), r.Seq)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if countKeys(order) != n || countKeys(names) != n {
			return fmt.Errorf("resources/%s: indexes disagree with %d records", truncateKey(kind), n)
		}
		return nil
	})
}

// verifyInvalidations checks one distribution's invalidation set.
func verifyInvalidations(set *bolt.Bucket, dist string) error {
	ids, order, refs, running := set.Bucket(bktIDs), set.Bucket(bktOrder), set.Bucket(bktRefs), set.Bucket(bktRunning)
	if ids == nil || order == nil || refs == nil || running == nil {
		return fmt.Errorf("invalidations of %s: an index bucket is missing", dist)
	}
	if got := countKeys(set); got != 4 {
		return fmt.Errorf("invalidations of %s: %d entries, want the 4 index buckets", dist, got)
	}
	n, maxSeq := 0, uint64(0)
	err := ids.ForEach(func(k, v []byte) error {
		n++
		var inv Invalidation
		if v == nil {
			return fmt.Errorf("invalidation %s of %s is a bucket, want a record", truncateKey(k), dist)
		}
		if err := decodeStrict(v, &inv); err != nil {
			return fmt.Errorf("invalidation %s of %s: %w", truncateKey(k), dist, err)
		}
		switch {
		case inv.ID != string(k) || inv.DistributionID != dist:
			return fmt.Errorf("invalidation %s of %s: record says %q of %q", truncateKey(k), dist, truncateKey([]byte(inv.ID)), truncateKey([]byte(inv.DistributionID)))
		case inv.CallerReference == "" || len(inv.Paths) == 0 || inv.Seq == 0 || inv.CompleteAt.Before(inv.CreateTime):
			return fmt.Errorf("invalidation %s of %s: CallerReference, Paths, Seq or times invalid", k, dist)
		case !bytes.Equal(refs.Get([]byte(inv.CallerReference)), k):
			return fmt.Errorf("invalidation %s of %s: its CallerReference is not indexed to it", k, dist)
		case !bytes.Equal(order.Get(u64(inv.Seq)), k):
			return fmt.Errorf("invalidation %s of %s: its sequence %d is not indexed to it", k, dist, inv.Seq)
		}
		if r := running.Get(k); r != nil && (len(r) != 8 || binary.BigEndian.Uint64(r) != uint64(inv.CompleteAt.UnixNano())) {
			return fmt.Errorf("invalidation %s of %s: its in-progress deadline disagrees with the record", k, dist)
		}
		maxSeq = max(maxSeq, inv.Seq)
		return nil
	})
	if err != nil {
		return err
	}
	if set.Sequence() < maxSeq {
		return fmt.Errorf("invalidations of %s: sequence %d is below a stored one (%d)", dist, set.Sequence(), maxSeq)
	}
	if o, r := countKeys(order), countKeys(refs); o != n || r != n {
		return fmt.Errorf("invalidations of %s: %d records, %d in order, %d references", dist, n, o, r)
	}
	return running.ForEach(func(k, _ []byte) error {
		if ids.Get(k) == nil {
			return fmt.Errorf("invalidations of %s: in-progress entry %s names no invalidation", dist, truncateKey(k))
		}
		return nil
	})
}

// countKeys counts the keys of b itself, not of its nested buckets.
func countKeys(b *bolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// truncateKey quotes at most 40 bytes of a key for a message.
func truncateKey(k []byte) string {
	if len(k) > 40 {
		return fmt.Sprintf("%q...", k[:40])
	}
	return fmt.Sprintf("%q", k)
}
