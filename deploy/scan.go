package deploy

import (
	"cmp"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// file is a file of Dir as the object it becomes.
type file struct {
	Rel string // slash-separated path below Dir
	Key string
	// Settings are shared by the files with the same settings (scan
	// interns them), and must not be changed.
	Settings *Settings
	Headers  map[string]string // what the object is stored with (Settings.Headers, Content-Encoding for gzip)
	Size     int64             // stored bytes
	// The digests are kept as bytes, not hex: the table holds one file
	// per object of the site. MD5, SHA and Hash give their hex.
	md5     [md5.Size]byte    // of the stored bytes: a single-part ETag
	sha     [sha256.Size]byte // of the stored bytes
	objHash [sha256.Size]byte // MetaSHA256: sha and the headers
}

// MD5 is the hex MD5 of f's stored bytes: its ETag when stored in one part.
func (f *file) MD5() string { return hex.EncodeToString(f.md5[:]) }

// SHA is the hex SHA-256 of f's stored bytes.
func (f *file) SHA() string { return hex.EncodeToString(f.sha[:]) }

// Hash is f's MetaSHA256: the SHA-256 of its bytes and headers, in hex.
func (f *file) Hash() string { return hex.EncodeToString(f.objHash[:]) }

// scan walks Dir and hashes every regular file, o.Concurrency at a time,
// streaming (a file is never held in memory), but those whose stat is the
// one the hash cache recorded (hashcache.go). Symbolic links are followed
// to regular files; anything else that is not a directory is refused. It
// returns the files, in the order of their keys (walkSorted), and how many
// it read. Neither the walk nor the hashing holds a table of the files
// (site): each is handed on in key order as it is done.
//
// walked, when not nil, is called once the walk is done, before any file
// is hashed, with the bounds of the listing's ranges: every rangeSize-th
// key that has a key after it.
func scan(ctx context.Context, o Options, walked func(bounds []string)) (*site, int, error) {
	cache := openHashCache(o)
	defer cache.close()
	walk := newSite(o.Prefix, false)
	defer walk.close()
	headers := headerTable{}
	settings := settingsTable{}
	var bounds []string
	err := walkSorted(o.Dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("scan %s: %w", o.Dir, err)
		}
		if de.IsDir() {
			return nil
		}
		if !de.Type().IsRegular() {
			st, err := os.Stat(p)
			if err != nil {
				return fmt.Errorf("scan %s: %w", p, err)
			}
			if !st.Mode().IsRegular() {
				return fmt.Errorf("scan %s: not a regular file (%s)", p, st.Mode().Type())
			}
		}
		rel, err := filepath.Rel(o.Dir, p)
		if err != nil {
			return fmt.Errorf("scan %s: %w", p, err)
		}
		rel = filepath.ToSlash(rel)
		s := o.Config.Settings(rel)
		h := storedHeaders(s)
		if err := checkHeaders(rel, h); err != nil {
			return err
		}
		// Files with the same headers share one map (read-only from
		// here on), and the site records an index into them.
		var id string
		s.Headers, id = headers.intern(s.Headers)
		h, _ = headers.intern(h)
		if n := walk.len(); n > 0 && n%rangeSize == 0 {
			// A range ends at every rangeSize-th key that has one
			// after it.
			bounds = append(bounds, walk.last)
		}
		walk.add(&file{Key: o.key(rel), Settings: settings.intern(s, id), Headers: h})
		return nil
	})
	if err == nil {
		err = walk.recs.err
	}
	if err != nil {
		return nil, 0, err
	}
	if walked != nil {
		walked(bounds)
	}
	total := walk.len()
	o.event(Event{Step: StepScan, Total: total})
	files, read, err := hashAll(ctx, o, walk, cache)
	// Before the next cache is renamed over it (which Windows refuses
	// while it is open).
	cache.close()
	if err != nil {
		cache.discard()
		return nil, 0, err
	}
	if !o.DryRun {
		if err := cache.write(); err != nil {
			o.event(Event{Step: StepScan, Message: "hash cache not written: " + err.Error()})
		}
	}
	return files, read, nil
}

// hashAll hashes the files of walk, o.Concurrency at a time, and returns
// them in the same order, with how many it read (inOrder).
func hashAll(ctx context.Context, o Options, walk *site, cache *hashCache) (*site, int, error) {
	type item struct {
		f      *file
		entry  cacheHit // its entry in the cache, if found
		found  bool
		hashed bool
		st     fileStat // to cache it with
		cache  bool
	}
	cur := walk.cursor()
	// The cache's entries are looked up here, one goroutine in the
	// order of the paths, as the cache is read (hashCache.find).
	next := func() (*item, bool) {
		if !cur.ok {
			return nil, false
		}
		it := &item{f: cur.f}
		it.entry, it.found = cache.find(it.f.Rel)
		cur.next()
		return it, true
	}
	work := func(_ context.Context, it *item) (err error) {
		var e *cacheHit
		if it.found {
			e = &it.entry
		}
		it.hashed, it.st, it.cache, err = it.f.hashCached(o.Dir, e)
		return err
	}
	files := newSite(o.Prefix, true)
	read := 0
	firstErr := inOrder(ctx, o.Concurrency, next, nil, work, func(it *item) {
		if it.hashed {
			read++
		}
		files.add(it.f)
		if it.cache && !o.DryRun {
			cache.add(it.f, it.st)
		}
		o.event(Event{Step: StepScan, Key: it.f.Key, Done: files.len(), Total: walk.len()})
	})
	if firstErr == nil {
		firstErr = cmp.Or(cur.err, files.recs.err)
	}
	if firstErr == nil && files.len() < walk.len() {
		// The walk's cursor stops early only when ctx is done.
		firstErr = cmp.Or(ctx.Err(), fmt.Errorf("scan: %d of %d files hashed", files.len(), walk.len()))
	}
	if firstErr != nil {
		files.close()
		return nil, 0, firstErr
	}
	return files, read, nil
}

// walkSorted walks the tree at root as filepath.WalkDir does (no symbolic
// link followed, fn called for root first, an error of fn ends the walk),
// but calls fn for the files in the byte order of their slash-separated
// paths below root, which is the order of their keys and of a listing:
// within a directory, a subdirectory sorts as its name followed by "/"
// ("a-b" before "a/x", where WalkDir's order of names puts "a" first).
func walkSorted(root string, fn fs.WalkDirFunc) error {
	info, err := os.Lstat(root)
	if err != nil {
		return fn(root, nil, err)
	}
	de := fs.FileInfoToDirEntry(info)
	if err := fn(root, de, nil); err != nil || !de.IsDir() {
		return err
	}
	return walkDir(root, fn)
}

func walkDir(dir string, fn fs.WalkDirFunc) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fn(dir, nil, err)
	}
	name := func(de fs.DirEntry) string {
		if de.IsDir() {
			return de.Name() + "/"
		}
		return de.Name()
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(name(a), name(b)) })
	for _, de := range entries {
		p := filepath.Join(dir, de.Name())
		if err := fn(p, de, nil); err != nil {
			return err
		}
		if de.IsDir() {
			if err := walkDir(p, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// hashCached sets f's size and digests from e, its entry in the cache (nil
// when it has none), when its stat is the one recorded, else by reading
// it, and reports whether it read it, and the stat to cache it with
// (false: none). The stat is taken before the read: a write during the
// read leaves a stat the next scan does not find in the cache.
func (f *file) hashCached(dir string, e *cacheHit) (read bool, st fileStat, ok bool, err error) {
	p := f.path(dir)
	fi, err := os.Stat(p)
	if err != nil {
		return false, st, false, fmt.Errorf("read %s: %w", p, err)
	}
	st, ok = statOf(fi)
	if ok && e != nil && e.use(f, st) {
		return false, st, true, nil
	}
	if err := f.hash(dir); err != nil {
		return true, st, false, err
	}
	return true, st, ok, nil
}

// path is f's path on disk, in Dir dir: the files do not hold it each.
func (f *file) path(dir string) string { return filepath.Join(dir, filepath.FromSlash(f.Rel)) }

// headerTable interns header maps: a site's files have a few sets of
// headers (by route and extension), not one each.
type headerTable map[string]map[string]string

// intern returns the map of t equal to h, adding h when there is none, and
// its headersID.
// The maps it returns must not be changed.
func (t headerTable) intern(h map[string]string) (map[string]string, string) {
	id := headersID(h)
	if m, ok := t[id]; ok {
		return m, id
	}
	t[id] = h
	return h, id
}

// settingsTable interns Settings: a site's files have a few (by route
// and extension), not one each.
type settingsTable map[string]*Settings

// intern returns the Settings of t equal to s, whose headers have
// headersID id, adding s when there is none.
func (t settingsTable) intern(s Settings, id string) *Settings {
	id = fmt.Sprintf("%s\x01%t\x00%t\x00%s\x00%s", id, s.Entry, s.Gzip, s.StorageClass, s.ACL)
	if p, ok := t[id]; ok {
		return p
	}
	t[id] = &s
	return &s
}

// headersID is a string equal for equal maps of headers.
func headersID(h map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(h)) {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(h[k])
		b.WriteByte(0)
	}
	return b.String()
}

// storedHeaders are the headers an object of s is stored with.
func storedHeaders(s Settings) map[string]string {
	h := make(map[string]string, len(s.Headers)+1)
	for k, v := range s.Headers {
		h[k] = v
	}
	if s.Gzip {
		if _, ok := h["Content-Encoding"]; !ok {
			h["Content-Encoding"] = "gzip"
		}
	}
	return h
}

// hash reads f and sets its size and digests.
func (f *file) hash(dir string) error {
	p := f.path(dir)
	r, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	defer r.Close()
	sh, mh := sha256.New(), md5.New()
	n, err := f.store(io.MultiWriter(sh, mh), r)
	if err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	f.Size = n
	sh.Sum(f.sha[:0])
	mh.Sum(f.md5[:0])
	f.objHash = objectHash(f.sha, f.Headers, *f.Settings)
	return nil
}

// store writes the bytes the object of f stores, read from r (gzip
// compressed when the route says so), to w and counts them.
func (f *file) store(w io.Writer, r io.Reader) (int64, error) {
	c := &counter{w: w}
	if f.Settings.Gzip {
		err := Gzip(c, r)
		return c.n, err
	}
	_, err := io.Copy(c, r)
	return c.n, err
}

type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// objectHash is MetaSHA256 of an object: the stored bytes' SHA-256 and
// everything deploy sets on it, so that changing any of it uploads again.
func objectHash(sha [sha256.Size]byte, headers map[string]string, s Settings) (sum [sha256.Size]byte) {
	h := sha256.New()
	fmt.Fprintf(h, "cfinv-object/1\x00%x\x00", sha)
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(h, "%s:%s\x00", strings.ToLower(k), headers[k])
	}
	fmt.Fprintf(h, "storage-class:%s\x00acl:%s\x00", s.StorageClass, s.ACL)
	h.Sum(sum[:0])
	return sum
}
