package deploy

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// file is a file of Dir as the object it becomes.
type file struct {
	Rel      string // slash-separated path below Dir
	Key      string
	Path     string // on disk
	Settings Settings
	Headers  map[string]string // what the object is stored with (Settings.Headers, Content-Encoding for gzip)
	Size     int64             // stored bytes
	MD5      string            // hex MD5 of the stored bytes: a single-part ETag
	SHA      string            // hex SHA-256 of the stored bytes
	Hash     string            // MetaSHA256: SHA and the headers
}

// scan walks Dir and hashes every regular file, o.Concurrency at a time,
// streaming (a file is never held in memory), but those whose stat is the
// one the hash cache recorded (hashcache.go). Symbolic links are followed
// to regular files; anything else that is not a directory is refused. It
// returns the files and how many it read.
func scan(ctx context.Context, o Options) ([]*file, int, error) {
	cache := openHashCache(o)
	var files []*file
	err := filepath.WalkDir(o.Dir, func(p string, de fs.DirEntry, err error) error {
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
		files = append(files, &file{Rel: rel, Key: o.key(rel), Path: p, Settings: s, Headers: h})
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	o.event(Event{Step: StepScan, Total: len(files)})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *file)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		done     int
		read     int
	)
	for range min(o.Concurrency, max(len(files), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				hashed, err := f.hashCached(cache)
				mu.Lock()
				done++
				if hashed {
					read++
				}
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				n := done
				mu.Unlock()
				o.event(Event{Step: StepScan, Key: f.Key, Done: n, Total: len(files)})
			}
		}()
	}
send:
	for _, f := range files {
		select {
		case work <- f:
		case <-ctx.Done():
			break send
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return nil, 0, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	if !o.DryRun {
		if err := cache.write(); err != nil {
			o.event(Event{Step: StepScan, Message: "hash cache not written: " + err.Error()})
		}
	}
	return files, read, nil
}

// hashCached sets f's size and digests from the cache when its stat is the
// one recorded, else by reading it, and reports whether it read it. The
// stat is taken before the read: a write during the read leaves a stat
// the next scan does not find in the cache.
func (f *file) hashCached(c *hashCache) (bool, error) {
	fi, err := os.Stat(f.Path)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", f.Path, err)
	}
	st, ok := statOf(fi)
	if ok && c.lookup(f, st) {
		return false, nil
	}
	if err := f.hash(); err != nil {
		return true, err
	}
	if ok {
		c.add(f, st)
	}
	return true, nil
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
func (f *file) hash() error {
	r, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("read %s: %w", f.Path, err)
	}
	defer r.Close()
	sh, mh := sha256.New(), md5.New()
	n, err := f.store(io.MultiWriter(sh, mh), r)
	if err != nil {
		return fmt.Errorf("read %s: %w", f.Path, err)
	}
	f.Size, f.SHA, f.MD5 = n, hex.EncodeToString(sh.Sum(nil)), hex.EncodeToString(mh.Sum(nil))
	f.Hash = objectHash(f.SHA, f.Headers, f.Settings)
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
func objectHash(sha string, headers map[string]string, s Settings) string {
	h := sha256.New()
	fmt.Fprintf(h, "cfinv-object/1\x00%s\x00", sha)
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(h, "%s:%s\x00", strings.ToLower(k), headers[k])
	}
	fmt.Fprintf(h, "storage-class:%s\x00acl:%s\x00", s.StorageClass, s.ACL)
	return hex.EncodeToString(h.Sum(nil))
}
