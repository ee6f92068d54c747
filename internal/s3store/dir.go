package s3store

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

func newSHA256() hash.Hash { return sha256.New() }

// etagCache remembers the MD5 of a directory bucket's files by path, size
// and modification time, so HEAD and listings do not re-read them.
var etagCache sync.Map // etagKey → string

type etagKey struct {
	path  string
	size  int64
	mtime time.Time
}

// dirObject describes the file of a read-only directory bucket at key.
func (b *bucket) dirObject(key string) (*Object, error) {
	if key == "" || strings.HasSuffix(key, "/") || path.Clean("/"+key) != "/"+key {
		return nil, ErrNoSuchKey
	}
	p := filepath.Join(b.dir, filepath.FromSlash(key))
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !st.Mode().IsRegular() {
		return nil, ErrNoSuchKey
	}
	if err != nil {
		return nil, fmt.Errorf("head %s/%s: %w", b.Name, key, err)
	}
	return fileObject(key, p, st)
}

func fileObject(key, p string, st fs.FileInfo) (*Object, error) {
	k := etagKey{p, st.Size(), st.ModTime()}
	etag, ok := etagCache.Load(k)
	if !ok {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		h := md5.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		etag = `"` + hex.EncodeToString(h.Sum(nil)) + `"`
		etagCache.Store(k, etag)
	}
	o := &Object{Key: key, Size: st.Size(), ETag: etag.(string), LastModified: st.ModTime().UTC().Truncate(time.Second), path: p}
	if ct := mime.TypeByExtension(path.Ext(key)); ct != "" {
		o.Headers = map[string]string{"Content-Type": ct}
	}
	return o, nil
}

// dirObjects describes every regular file under a directory bucket.
func (b *bucket) dirObjects() (map[string]*Object, error) {
	out := map[string]*Object{}
	err := filepath.WalkDir(b.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(b.dir, p)
		if err != nil {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		o, err := fileObject(key, p, st)
		if err != nil {
			return err
		}
		out[key] = o
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", b.Name, err)
	}
	return out, nil
}
