package deploy

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The hash cache spares a redeploy from reading files it read before, as
// git's index does: per file it keeps the file's stat (size, mtime, ctime,
// inode, device) and the digests of the bytes the object stores. A file
// whose stat matches its entry is not read again; any other is. It only
// decides whether local bytes must be read: the comparison with the bucket
// is by those digests as it is without a cache, so a runner without one
// (a fresh CI machine) gets the same answer, reading every file.
//
// ctime and the inode are what make the stat a safe key: writing a file
// and setting its mtime back (touch -d, os.Chtimes, a tool that keeps
// mtimes) still sets its ctime to now, which no unprivileged process can
// set back; replacing it by a rename gives another inode.
//
// A file changed within the clock tick of its stat could keep a stat equal
// to the one recorded (git's "racily clean" entries, see
// https://git-scm.com/docs/racy-git): an entry is only written for a file
// whose mtime and ctime are older than the scan's start by racyWindow, so
// such a file is read again by the next deploy, which caches it then.
// racyWindowFine replaces it for a file whose mtime and ctime both have a
// fraction of a second: its file system stamps finer than a second.
//
// The cache file lives in Options.HashCacheDir, named by a digest of the
// absolute Dir, the bucket and the prefix; it is replaced whole (a temporary
// file renamed over it). One that cannot be read, is damaged or of another
// version is ignored, never an error: every file is then read.

// hashCacheVersion starts the cache file; another value is no cache. The
// gzip settings are part of it: they decide the stored bytes.
var hashCacheVersion = fmt.Sprintf("cfinv-hash-cache/1 gzip %d %d", gzipLevel, gzipOS)

// racyWindow is how much older than the scan's start a file's mtime and
// ctime must be for its entry to be written: more than the coarsest
// timestamp granularity of common filesystems (FAT's 2 s) and the lag of
// the kernel's coarse clock that stamps files behind time.Now.
const racyWindow = 3 * time.Second

// racyWindowFine is racyWindow for a file system that stamps finer than a
// second (ext4, XFS, btrfs, APFS, NTFS: 100 ns or better; exFAT: 10 ms):
// above its granularity and the coarse clock's lag (a jiffy, at most
// 10 ms).
const racyWindowFine = 100 * time.Millisecond

// hashCacheFile is the cache file's content: what json.Marshal of it
// writes is what encode writes, and what json.Unmarshal into it reads is
// what load keeps (entries with bad digests left out).
type hashCacheFile struct {
	Version string                `json:"version"`
	Files   map[string]cacheEntry `json:"files"` // by path below Dir (file.Rel)
}

// cacheEntry is a file's stat and the digests of its stored bytes.
type cacheEntry struct {
	Stat   fileStat `json:"stat"`
	Gzip   bool     `json:"gzip,omitempty"` // the stored bytes are the file's, gzip-compressed
	Stored int64    `json:"stored"`         // size of the stored bytes
	SHA    string   `json:"sha256"`
	MD5    string   `json:"md5"`
}

// entryJSON is a cacheEntry as load decodes it: the digests straight to
// bytes, without a string each.
type entryJSON struct {
	Stat   fileStat  `json:"stat"`
	Gzip   bool      `json:"gzip"`
	Stored int64     `json:"stored"`
	SHA    hexDigest `json:"sha256"`
	MD5    hexDigest `json:"md5"`
}

// hexDigest is a digest decoded from its lower-case hex, the only form
// lookup accepted before the loader decoded the digests: n is the number
// of bytes decoded into b, 0 when the string is not the lower-case hex of
// a SHA-256 or MD5 digest.
type hexDigest struct {
	b [sha256.Size]byte
	n int
}

// UnmarshalJSON decodes a JSON string. A string that is not lower-case
// hex leaves d empty, no error: the entry is dropped, not the cache (its
// file is read). Anything but a string (or null) is an error, as
// json.Unmarshal into a string field gives one.
func (d *hexDigest) UnmarshalJSON(b []byte) error {
	*d = hexDigest{}
	if len(b) < 2 || b[0] != '"' || bytes.IndexByte(b, '\\') >= 0 {
		// null, another type, or a string with escapes.
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(`"` + s + `"`)
	}
	h := b[1 : len(b)-1]
	if len(h) != 2*sha256.Size && len(h) != 2*md5.Size {
		return nil
	}
	for _, c := range h {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return nil
		}
	}
	d.n, _ = hex.Decode(d.b[:], h)
	return nil
}

// cacheHit is the entry of a file in the cache loaded: its path and 104
// bytes, without the file's JSON or a hex string (issue 31: the cache is
// held through the scan, on top of the file table).
type cacheHit struct {
	rel    string // file.Rel
	st     fileStat
	stored int64
	gzip   bool
	sha    [sha256.Size]byte
	md5    [md5.Size]byte
}

// fileStat is what a file's stat must keep for its entry to be used.
type fileStat struct {
	Size  int64  `json:"size"`
	Mtime int64  `json:"mtime_ns"`
	Ctime int64  `json:"ctime_ns"`
	Ino   uint64 `json:"ino"`
	Dev   uint64 `json:"dev"`
}

// hashCache is the cache read at a scan's start and the one it writes.
type hashCache struct {
	path string // "" when there is none
	// The entries read: from stream, in the order of their paths, or
	// from old, sorted by rel, one per rel (a cache write did not
	// write). entries counts them.
	stream  *entryStream
	old     []cacheHit
	entries int
	start   time.Time

	// The next cache file, written an entry at a time as the scan hands
	// its files on in the order of their paths (add), so that no entry
	// is held (issue 31): a temporary file in the cache's directory,
	// renamed over the cache by write.
	tmp  *os.File
	bw   *bufio.Writer
	n    int    // entries written
	last string // the path of the last one
	err  error  // the first failure writing it: no cache is written
}

// errHashCache is a cache file that is not one: damaged, truncated or of
// another version.
var errHashCache = errors.New("not a hash cache")

// openHashCache reads the cache of o, if any: every failure leaves it
// empty. A cache file as write writes it (the version, then the entries
// in the order of their paths, each path once) is checked whole, then
// read again an entry at a time as the scan looks its files up, in the
// same order (find): no entry is held (issue 31). Any other file json.Unmarshal
// reads (written by hand: paths out of order or twice, "files" twice) is
// loaded whole.
func openHashCache(o Options) *hashCache {
	c := &hashCache{start: o.Now()}
	if o.HashCacheDir == "" {
		return c
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return c
	}
	sum := sha256.Sum256([]byte("cfinv-hash-cache\x00" + abs + "\x00" + o.Bucket + "\x00" + o.Prefix))
	c.path = filepath.Join(o.HashCacheDir, hex.EncodeToString(sum[:16])+".json")
	r, err := os.Open(c.path)
	if err != nil {
		return c
	}
	ordered, n, err := check(r)
	if err == nil {
		_, err = r.Seek(0, io.SeekStart)
	}
	switch {
	case err != nil:
	case ordered:
		if c.stream, err = newEntryStream(r); err == nil {
			c.entries = n
			return c // r is closed by the stream
		}
	default:
		var size int64
		if fi, err := r.Stat(); err == nil {
			size = fi.Size()
		}
		c.old, _ = load(r, size)
		c.entries = len(c.old)
	}
	r.Close()
	return c
}

// cacheDecoder decodes a cache file as json.Unmarshal into a
// hashCacheFile reads it, a part at a time.
type cacheDecoder struct {
	dec *json.Decoder
	e   entryJSON // one for all: it escapes to the heap
}

func newCacheDecoder(r io.Reader) *cacheDecoder {
	return &cacheDecoder{dec: json.NewDecoder(bufio.NewReader(r))}
}

// members calls fn with the name of each member of the file's object,
// for fn to decode its value, and checks that nothing follows the object.
func (d *cacheDecoder) members(fn func(name string) error) error {
	if t, err := d.dec.Token(); err != nil || t != json.Delim('{') {
		return errHashCache
	}
	for d.dec.More() {
		t, err := d.dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string) // the decoder gives only strings as names
		if err := fn(name); err != nil {
			return err
		}
	}
	if _, err := d.dec.Token(); err != nil { // '}'
		return err
	}
	if _, err := d.dec.Token(); err != io.EOF { // nothing after it
		return errHashCache
	}
	return nil
}

// isFiles and isVersion say which field of a hashCacheFile a member
// fills: json.Unmarshal matches the names of fields without case.
func isFiles(name string) bool   { return strings.EqualFold(name, "files") }
func isVersion(name string) bool { return strings.EqualFold(name, "version") }

// skip decodes a member's value and drops it.
func (d *cacheDecoder) skip() error { return d.dec.Decode(&json.RawMessage{}) }

// filesStart decodes the start of the value of "files": true for an
// object, whose entries follow, false for null.
func (d *cacheDecoder) filesStart() (bool, error) {
	t, err := d.dec.Token()
	if err != nil {
		return false, err
	}
	switch t {
	case nil:
		return false, nil
	case json.Delim('{'):
		return true, nil
	}
	return false, fmt.Errorf("files: %w", errHashCache)
}

// entry decodes the next entry of "files" (there is one when d.dec.More).
// One whose digests are not lower-case hex of the right size, or whose
// stored size is negative, has stored -1: lookup refused it before the
// loader decoded the digests, alone.
func (d *cacheDecoder) entry() (cacheHit, error) {
	t, err := d.dec.Token()
	if err != nil {
		return cacheHit{}, err
	}
	rel := t.(string)
	d.e = entryJSON{}
	if err := d.dec.Decode(&d.e); err != nil {
		return cacheHit{}, err
	}
	e := &d.e
	if e.SHA.n != sha256.Size || e.MD5.n != md5.Size || e.Stored < 0 {
		return cacheHit{rel: rel, stored: -1}, nil
	}
	h := cacheHit{rel: rel, st: e.Stat, stored: e.Stored, gzip: e.Gzip, sha: e.SHA.b}
	copy(h.md5[:], e.MD5.b[:md5.Size])
	return h, nil
}

// check reads a cache file from r as load does, holding no entry, and
// reports whether it is one write writes in that respect: "files" once,
// its paths in strictly increasing order. It returns the number of
// entries, and load's error for a file that is not a cache.
func check(r io.Reader) (ordered bool, entries int, err error) {
	d := newCacheDecoder(r)
	var (
		version string
		files   int    // members named "files"
		read    int    // entries read, bad ones too
		last    string // the last one's path
	)
	ordered = true
	err = d.members(func(name string) error {
		switch {
		case isVersion(name):
			return d.dec.Decode(&version)
		case isFiles(name):
			files++
			ordered = ordered && files == 1
			object, err := d.filesStart()
			if err != nil || !object {
				return err
			}
			for d.dec.More() {
				h, err := d.entry()
				if err != nil {
					return err
				}
				ordered = ordered && (read == 0 || h.rel > last)
				last = h.rel
				read++
				if h.stored >= 0 {
					entries++
				}
			}
			_, err = d.dec.Token() // '}'
			return err
		}
		return d.skip()
	})
	if err != nil {
		return false, 0, fmt.Errorf("read hash cache: %w", err)
	}
	if version != hashCacheVersion {
		return false, 0, fmt.Errorf("read hash cache: version %q: %w", version, errHashCache)
	}
	return ordered, entries, nil
}

// load reads a cache file from r as json.Unmarshal into a hashCacheFile
// would, and returns its entries, sorted by rel, whose digests are
// lower-case hex of the right size and whose stored size is not negative:
// lookup refused the others before they were dropped here, so their files
// are read. Any error (of r, of the JSON, another version) is no cache at
// all, nil, even when entries were read before it.
//
// It streams the file, each entry decoded alone, its digests straight to
// bytes, into a slice sorted by path (issue 31). It is how a cache file
// that write did not write (see openHashCache) is read.
//
// size is r's size, to allocate the entries once, 0 if unknown.
func load(r io.Reader, size int64) ([]cacheHit, error) {
	d := newCacheDecoder(r)
	var (
		version string
		files   []cacheHit // as read, a bad entry's stored -1
	)
	err := d.members(func(name string) error {
		switch {
		case isVersion(name):
			return d.dec.Decode(&version)
		case isFiles(name):
			var err error
			files, err = d.loadFiles(files, size)
			return err
		}
		return d.skip()
	})
	if err != nil {
		return nil, fmt.Errorf("read hash cache: %w", err)
	}
	if version != hashCacheVersion {
		return nil, fmt.Errorf("read hash cache: version %q: %w", version, errHashCache)
	}
	// As json.Unmarshal fills a map: of entries with the same name, the
	// last one counts (a bad one drops the name).
	cmp := func(a, b cacheHit) int { return strings.Compare(a.rel, b.rel) }
	if !slices.IsSortedFunc(files, cmp) {
		slices.SortStableFunc(files, cmp)
	}
	last := func(i int) bool { return i+1 < len(files) && files[i+1].rel == files[i].rel }
	n := 0
	for i := range files {
		if !last(i) && files[i].stored >= 0 {
			files[n] = files[i]
			n++
		}
	}
	clear(files[n:])
	return files[:n], nil
}

// loadFiles decodes the object of "files", an entry at a time, appending
// them to files as json.Unmarshal adds them to a map: null makes it nil.
// An entry with bad digests or stored size is appended with stored -1.
// size is the file's size, 0 if unknown.
func (d *cacheDecoder) loadFiles(files []cacheHit, size int64) ([]cacheHit, error) {
	object, err := d.filesStart()
	if err != nil || !object {
		return nil, err
	}
	start, n := d.dec.InputOffset(), len(files)
	for d.dec.More() {
		h, err := d.entry()
		if err != nil {
			return nil, err
		}
		if len(files) == cap(files) {
			// Not slices.Grow: append's growth would round the
			// estimate up by a quarter.
			at := d.dec.InputOffset()
			more := moreEntries(len(files)-n+1, at-start, size-at)
			files = append(make([]cacheHit, 0, len(files)+more), files...)
		}
		files = append(files, h)
	}
	_, err = d.dec.Token() // '}'
	return files, err
}

// moreEntries is how many more entries to make room for when read
// entries (the one to add with them) took used bytes of the file and rest
// are left: as many as the rest holds at that rate and 2% more, so that
// the entries are allocated about once, not copied at each growth by a
// quarter and left with a quarter unused (issue 31). Before 64 entries
// are read, or when the size is unknown, it doubles them. It is at least
// a sixteenth of read, so that a file whose entries get shorter is copied
// a bounded number of times, and at most one per 64 bytes left, so that
// one whose first entries are short (not one encode writes) cannot make
// it allocate many times its size.
func moreEntries(read int, used, rest int64) int {
	if read < 64 || used <= 0 || rest <= 0 {
		return max(read, 8)
	}
	more := float64(rest) / float64(used) * float64(read) * 1.02
	return max(int(min(more, float64(rest/64))), read/16) + 1
}

// entryStream reads the entries of a cache file that check found in
// the order of their paths, as find asks for them.
type entryStream struct {
	f   *os.File
	d   *cacheDecoder
	cur cacheHit // the first entry not passed, when ok
	ok  bool
}

// newEntryStream starts reading the entries of the cache file r, which
// check found valid and ordered, from its start. The stream closes r
// once read to its end or on a failure.
func newEntryStream(r *os.File) (*entryStream, error) {
	s := &entryStream{f: r, d: newCacheDecoder(r)}
	if t, err := s.d.dec.Token(); err != nil || t != json.Delim('{') {
		return nil, cmp.Or(err, errHashCache)
	}
	for s.d.dec.More() {
		t, err := s.d.dec.Token()
		if err != nil {
			return nil, err
		}
		if name, _ := t.(string); !isFiles(name) {
			if err := s.d.skip(); err != nil {
				return nil, err
			}
			continue
		}
		object, err := s.d.filesStart()
		if err != nil {
			return nil, err
		}
		s.ok = object
		s.next()
		return s, nil
	}
	// No "files": no entries.
	s.close()
	return s, nil
}

// next reads the entry after cur; at the end of the entries, or on a
// failure (the file was checked: it is not expected), there is none.
func (s *entryStream) next() {
	if !s.ok {
		return
	}
	if !s.d.dec.More() {
		s.close()
		return
	}
	h, err := s.d.entry()
	if err != nil {
		s.close()
		return
	}
	s.cur = h
}

// find returns the entry of rel, if any. Paths are asked for in their
// order: one before the path asked last finds nothing.
func (s *entryStream) find(rel string) (cacheHit, bool) {
	for s.ok && s.cur.rel < rel {
		s.next()
	}
	if s.ok && s.cur.rel == rel && s.cur.stored >= 0 {
		return s.cur, true
	}
	return cacheHit{}, false
}

func (s *entryStream) close() {
	s.ok = false
	s.cur = cacheHit{}
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// find returns the entry of the file at rel, if any. Files are looked up
// in the order of their paths (see entryStream.find).
func (c *hashCache) find(rel string) (cacheHit, bool) {
	if c.stream != nil {
		return c.stream.find(rel)
	}
	i, ok := slices.BinarySearchFunc(c.old, rel, func(e cacheHit, rel string) int { return strings.Compare(e.rel, rel) })
	if !ok {
		return cacheHit{}, false
	}
	return c.old[i], true
}

// close closes the cache file read, if still open.
func (c *hashCache) close() {
	if c.stream != nil {
		c.stream.close()
	}
}

// use fills f's size and digests from e, f's entry, when st, its stat
// now, is the one recorded, and reports whether it did.
func (e *cacheHit) use(f *file, st fileStat) bool {
	if e.st != st || e.gzip != f.Settings.Gzip {
		return false
	}
	f.Size = e.stored
	f.sha, f.md5 = e.sha, e.md5
	f.objHash = objectHash(f.sha, f.Headers, *f.Settings)
	return true
}

// add writes the entry of f, hashed (or found in the cache) with stat st,
// taken before it was read, to the next cache file, unless the file is too
// recent to be told apart from a later write (racyWindow). Files are
// added in the order of their paths, as the scan hands them on.
func (c *hashCache) add(f *file, st fileStat) {
	window := racyWindow
	if st.Mtime%1e9 != 0 && st.Ctime%1e9 != 0 {
		window = racyWindowFine
	}
	limit := c.start.Add(-window).UnixNano()
	if st.Mtime >= limit || st.Ctime >= limit || c.path == "" || c.err != nil {
		return
	}
	if c.tmp == nil {
		if c.begin(); c.err != nil {
			return
		}
	}
	if c.n > 0 && f.Rel <= c.last {
		c.err = fmt.Errorf("hash cache: %q added after %q", f.Rel, c.last)
		return
	}
	k, err := json.Marshal(f.Rel)
	if err != nil {
		c.err = err
		return
	}
	e, err := json.Marshal(cacheEntry{Stat: st, Gzip: f.Settings.Gzip, Stored: f.Size, SHA: f.SHA(), MD5: f.MD5()})
	if err != nil {
		c.err = err
		return
	}
	if c.n > 0 {
		c.bw.WriteByte(',')
	}
	c.bw.Write(k)
	c.bw.WriteByte(':')
	if _, err := c.bw.Write(e); err != nil {
		c.err = err
	}
	c.n++
	c.last = f.Rel
}

// begin starts the next cache file: what json.Marshal of a hashCacheFile
// writes (keys sorted), up to its first entry.
func (c *hashCache) begin() {
	if c.err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		c.err = err
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".tmp-*")
	if err != nil {
		c.err = err
		return
	}
	c.tmp, c.bw = tmp, bufio.NewWriter(tmp)
	version, err := json.Marshal(hashCacheVersion)
	if err != nil {
		c.err = err
		return
	}
	c.bw.WriteString(`{"version":`)
	c.bw.Write(version)
	c.bw.WriteString(`,"files":{`)
}

// write ends the next cache file and renames it over the cache.
func (c *hashCache) write() error {
	if c.path == "" {
		return nil
	}
	if c.tmp == nil {
		c.begin()
	}
	if c.err == nil {
		c.bw.WriteString("}}")
		c.err = c.bw.Flush()
	}
	if c.tmp == nil {
		return c.err
	}
	err := c.tmp.Close()
	c.err = cmp.Or(c.err, err)
	if c.err == nil {
		c.err = os.Rename(c.tmp.Name(), c.path)
	}
	if c.err != nil {
		os.Remove(c.tmp.Name())
	}
	c.tmp = nil
	return c.err
}

// discard drops the next cache file, if one was started.
func (c *hashCache) discard() {
	if c.tmp != nil {
		c.tmp.Close()
		os.Remove(c.tmp.Name())
		c.tmp = nil
	}
}

// statOf is the stat of fi for the cache; false when the platform gives
// no inode or ctime (the file is then always read).
func statOf(fi fs.FileInfo) (fileStat, bool) {
	ctime, ino, dev, ok := sysStat(fi)
	if !ok {
		return fileStat{}, false
	}
	return fileStat{Size: fi.Size(), Mtime: fi.ModTime().UnixNano(), Ctime: ctime, Ino: ino, Dev: dev}, true
}
