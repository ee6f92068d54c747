package deploy

import (
	"bufio"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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

// hashCacheFile is the cache file's content.
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
	path  string // "" when there is none
	old   map[string]cacheEntry
	start time.Time

	// new holds the files hashed (or found in old) by this scan, for
	// write: their stat and the file itself, whose digests are kept as
	// bytes, not an entry with two hex strings per file (issue 31).
	mu  sync.Mutex
	new []cached
}

// cached is a file of the next cache and the stat it was hashed with.
type cached struct {
	f  *file
	st fileStat
}

// openHashCache reads the cache of o, if any: every failure leaves it
// empty.
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
	b, err := os.ReadFile(c.path)
	if err != nil {
		return c
	}
	var f hashCacheFile
	if json.Unmarshal(b, &f) != nil || f.Version != hashCacheVersion {
		return c
	}
	c.old = f.Files
	return c
}

// lookup fills f's size and digests from its entry when st, its stat now,
// is the one recorded, and reports whether it did.
func (c *hashCache) lookup(f *file, st fileStat) bool {
	e, ok := c.old[f.Rel]
	if !ok || e.Stat != st || e.Gzip != f.Settings.Gzip || !isHex(e.SHA, sha256.Size) || !isHex(e.MD5, md5.Size) || e.Stored < 0 {
		return false
	}
	f.Size = e.Stored
	hex.Decode(f.sha[:], []byte(e.SHA))
	hex.Decode(f.md5[:], []byte(e.MD5))
	f.objHash = objectHash(f.sha, f.Headers, *f.Settings)
	c.add(f, st)
	return true
}

// isHex reports whether s is the lower-case hex of n bytes.
func isHex(s string, n int) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == n && hex.EncodeToString(b) == s
}

// add records f, hashed with stat st (taken before it was read), for the
// next scan, unless the file is too recent to be told apart from a later
// write (racyWindow).
func (c *hashCache) add(f *file, st fileStat) {
	window := racyWindow
	if st.Mtime%1e9 != 0 && st.Ctime%1e9 != 0 {
		window = racyWindowFine
	}
	limit := c.start.Add(-window).UnixNano()
	if st.Mtime >= limit || st.Ctime >= limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.new = append(c.new, cached{f: f, st: st})
}

// write replaces the cache file with the entries of this scan. It writes
// what json.Marshal of a hashCacheFile writes (keys sorted), an entry at a
// time through a buffer, so no copy of the whole file is held in memory.
func (c *hashCache) write() error {
	if c.path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".tmp-*")
	if err != nil {
		return err
	}
	err = c.encode(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// encode writes the cache file's JSON to w.
func (c *hashCache) encode(w io.Writer) error {
	bw := bufio.NewWriter(w)
	version, err := json.Marshal(hashCacheVersion)
	if err != nil {
		return err
	}
	bw.WriteString(`{"version":`)
	bw.Write(version)
	bw.WriteString(`,"files":{`)
	// By Rel, as json.Marshal sorts a map's keys; a scan adds a file once.
	slices.SortFunc(c.new, func(a, b cached) int { return strings.Compare(a.f.Rel, b.f.Rel) })
	for i, n := range c.new {
		k, err := json.Marshal(n.f.Rel)
		if err != nil {
			return err
		}
		f := n.f
		e, err := json.Marshal(cacheEntry{Stat: n.st, Gzip: f.Settings.Gzip, Stored: f.Size, SHA: f.SHA(), MD5: f.MD5()})
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.Write(k)
		bw.WriteByte(':')
		bw.Write(e)
	}
	bw.WriteString("}}")
	return bw.Flush()
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
