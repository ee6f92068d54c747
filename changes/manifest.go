package changes

import (
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// manifestHeader is the first line of a manifest file.
const manifestHeader = "cfinv-manifest 1 sha256"

// Entry is what a manifest records about one file.
type Entry struct {
	Hash  string // hex SHA-256 of the content
	Size  int64
	MTime int64 // modification time, Unix nanoseconds
}

// Manifest maps object keys (slash-separated, relative to the build
// directory) to their entries. It is the state of one deploy.
//
// On disk it is text: the line "cfinv-manifest 1 sha256", then one line a
// file, sorted by key: "<sha256 hex> <size> <mtime ns> <key>". A key that
// contains a control character or starts with '"' is written as a Go
// quoted string.
type Manifest map[string]Entry

// Keys returns the keys of m, sorted.
func (m Manifest) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Write writes m in the manifest format.
func (m Manifest) Write(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(manifestHeader + "\n")
	for _, k := range m.Keys() {
		e := m[k]
		if needsQuote(k) {
			k = strconv.Quote(k)
		}
		fmt.Fprintf(bw, "%s %d %d %s\n", e.Hash, e.Size, e.MTime, k)
	}
	return bw.Flush()
}

// WriteFile writes m to path, through a temporary file renamed into place
// so a crash never leaves half a manifest.
func (m Manifest) WriteFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".manifest-*")
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := m.Write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

func needsQuote(k string) bool {
	if strings.HasPrefix(k, `"`) {
		return true
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] == 0x7f {
			return true
		}
	}
	return false
}

// ReadManifest parses a manifest; source names it in errors.
func ReadManifest(r io.Reader, source string) (Manifest, error) {
	m := Manifest{}
	header := false
	err := eachLine(r, source, func(n int, line string) error {
		if n == 1 {
			header = true
			if line != manifestHeader {
				return fmt.Errorf("first line is %q, want %q", line, manifestHeader)
			}
			return nil
		}
		f := strings.SplitN(line, " ", 4)
		if len(f) != 4 {
			return errors.New("want \"<sha256> <size> <mtime> <key>\"")
		}
		if len(f[0]) != 2*sha256.Size || strings.ToLower(f[0]) != f[0] {
			return fmt.Errorf("hash %q is not %d lower-case hex digits", f[0], 2*sha256.Size)
		}
		if _, err := hex.DecodeString(f[0]); err != nil {
			return fmt.Errorf("hash %q is not hex", f[0])
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || size < 0 {
			return fmt.Errorf("size %q is not a byte count", f[1])
		}
		mtime, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return fmt.Errorf("mtime %q is not Unix nanoseconds", f[2])
		}
		key := f[3]
		if strings.HasPrefix(key, `"`) {
			if key, err = strconv.Unquote(key); err != nil {
				return fmt.Errorf("key %s is not a valid quoted string", f[3])
			}
		}
		if key == "" {
			return errors.New("empty key")
		}
		if _, dup := m[key]; dup {
			return fmt.Errorf("key %q appears twice", key)
		}
		m[key] = Entry{Hash: f[0], Size: size, MTime: mtime}
		return nil
	})
	if err == nil && !header {
		err = &ParseError{Source: source, Err: fmt.Errorf("empty file, want the line %q first", manifestHeader)}
	}
	return m, err
}

// ScanStats says how much work a Scan did.
type ScanStats struct {
	Files       int   // regular files found
	Hashed      int   // files whose content was read
	Reused      int   // files whose hash came from the previous manifest
	BytesHashed int64 // bytes read
}

// Scan walks dir and returns its manifest. A file whose size and mtime
// equal its entry in prev keeps that entry's hash without being read, so
// re-checking an unchanged tree costs one stat per file; other files are
// hashed by workers goroutines (at least 1).
//
// The hash is SHA-256 from the standard library: it uses the CPU's SHA
// extensions where they exist, it is collision-resistant (MD5 is not), so a
// manifest can be trusted across machines and commits, and it needs no
// dependency. Reading the files, not hashing them, dominates a scan;
// BENCHMARKS.md ("## Planner") has the figures next to sha256sum and md5sum.
func Scan(ctx context.Context, dir string, prev Manifest, workers int) (Manifest, ScanStats, error) {
	type job struct {
		key, path string
		size      int64
		mtime     int64
	}
	type result struct {
		key string
		e   Entry
		err error
	}
	var st ScanStats
	cur := Manifest{}
	var todo []job
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if info, err = os.Stat(path); err != nil {
				return err
			}
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		st.Files++
		size, mtime := info.Size(), info.ModTime().UnixNano()
		if e, ok := prev[key]; ok && e.Size == size && e.MTime == mtime {
			cur[key] = e
			st.Reused++
			return nil
		}
		todo = append(todo, job{key: key, path: path, size: size, mtime: mtime})
		return nil
	})
	if err != nil {
		return nil, st, fmt.Errorf("scan %s: %w", dir, err)
	}
	jobs := make(chan job)
	results := make(chan result)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			buf := make([]byte, 256<<10)
			for j := range jobs {
				h, n, err := hashFile(j.path, buf)
				results <- result{key: j.key, e: Entry{Hash: h, Size: n, MTime: j.mtime}, err: err}
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, j := range todo {
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var firstErr error
	for r := range results {
		if r.err != nil {
			firstErr = cmp.Or(firstErr, r.err)
			continue
		}
		cur[r.key] = r.e
		st.Hashed++
		st.BytesHashed += r.e.Size
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return nil, st, fmt.Errorf("scan %s: %w", dir, firstErr)
	}
	return cur, st, nil
}

// hashFile returns the hex SHA-256 and length of the file at path.
func hashFile(path string, buf []byte) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, buf)
	if err != nil {
		return "", 0, fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Diff compares the previous deploy's manifest with the current one.
func Diff(prev, cur Manifest) Set {
	var s Set
	for k, e := range cur {
		if p, ok := prev[k]; !ok {
			s.Added = append(s.Added, k)
		} else if p.Hash != e.Hash {
			s.Modified = append(s.Modified, k)
		}
	}
	for k := range prev {
		if _, ok := cur[k]; !ok {
			s.Deleted = append(s.Deleted, k)
		}
	}
	s.normalize()
	return s
}
