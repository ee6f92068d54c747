package s3store

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cfinv/cfinv/internal/fsync"
)

// MinPartSize is S3's smallest size for a part other than the last.
const MinPartSize = 5 << 20

// MaxPartNumber is S3's largest part number.
const MaxPartNumber = 10000

// Upload is a multipart upload in progress.
type Upload struct {
	ID        string            `json:"id"`
	Key       string            `json:"key"`
	Initiated time.Time         `json:"initiated"`
	Headers   map[string]string `json:"headers,omitempty"`
	Meta      map[string]string `json:"meta,omitempty"`
	// ChecksumAlgorithm (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) and
	// ChecksumType (COMPOSITE, FULL_OBJECT) are the object checksum asked
	// for at CreateMultipartUpload; empty for none.
	ChecksumAlgorithm string `json:"checksumAlgorithm,omitempty"`
	ChecksumType      string `json:"checksumType,omitempty"`
	// Encryption is the object's, decided at CreateMultipartUpload.
	Encryption Encryption `json:"encryption,omitzero"`
}

// Part is an uploaded part.
type Part struct {
	Number       int       `json:"number"`
	ETag         string    `json:"etag"`
	Size         int64     `json:"size"`
	LastModified time.Time `json:"lastModified"`
	Data         string    `json:"data"`
	// Checksums holds the part's additional checksums by algorithm.
	Checksums map[string]string `json:"checksums,omitempty"`
}

type upload struct {
	Upload
	parts map[int]*Part
}

func (b *bucket) uploadDir(id string) string { return filepath.Join(b.dir, "uploads", id) }

func (b *bucket) loadUploads() error {
	entries, err := os.ReadDir(filepath.Join(b.dir, "uploads"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read uploads of %s: %w", b.Name, err)
	}
	for _, e := range entries {
		dir := b.uploadDir(e.Name())
		raw, err := os.ReadFile(filepath.Join(dir, "upload.json"))
		if err != nil {
			os.RemoveAll(dir) // an upload whose creation was not acknowledged
			continue
		}
		u := &upload{parts: map[int]*Part{}}
		if err := json.Unmarshal(raw, &u.Upload); err != nil {
			return fmt.Errorf("read upload %s: %w", dir, err)
		}
		files, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("read upload %s: %w", dir, err)
		}
		used := map[string]bool{}
		for _, f := range files {
			if !strings.HasPrefix(f.Name(), "part-") || !strings.HasSuffix(f.Name(), ".json") {
				continue
			}
			raw, err := os.ReadFile(filepath.Join(dir, f.Name()))
			if err != nil {
				return fmt.Errorf("read upload %s: %w", dir, err)
			}
			p := &Part{}
			if err := json.Unmarshal(raw, p); err != nil {
				return fmt.Errorf("read upload %s: %w", dir, err)
			}
			u.parts[p.Number] = p
			used[p.Data] = true
		}
		for _, f := range files {
			n := f.Name()
			if n != "upload.json" && !strings.HasSuffix(n, ".json") && !used[n] {
				os.Remove(filepath.Join(dir, n))
			}
		}
		b.uploads[u.ID] = u
	}
	return nil
}

// CreateUpload starts a multipart upload of in.Key; in.ID and
// in.Initiated are set by the store.
func (s *Store) CreateUpload(bucketName string, in Upload) (*Upload, error) {
	key := in.Key
	b, err := s.bucket(bucketName)
	if err != nil {
		return nil, err
	}
	if b.ReadOnly {
		return nil, ErrReadOnly
	}
	if len(key) > MaxKeyLength {
		return nil, ErrKeyTooLong
	}
	in.ID, in.Initiated = newID(), s.now().UTC().Truncate(time.Millisecond)
	u := &upload{Upload: in, parts: map[int]*Part{}}
	dir := b.uploadDir(u.ID)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create upload: %w", err)
	}
	raw, _ := json.Marshal(u.Upload)
	if err := writeFileAtomic(dir, "upload.json", raw); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("create upload: %w", err)
	}
	if err := fsync.Dir(filepath.Dir(dir)); err != nil {
		return nil, fmt.Errorf("create upload: %w", err)
	}
	b.mu.Lock()
	b.uploads[u.ID] = u
	b.mu.Unlock()
	up := u.Upload
	return &up, nil
}

func (b *bucket) upload(id, key string) (*upload, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	u := b.uploads[id]
	if u == nil || u.Key != key {
		return nil, ErrNoSuchUpload
	}
	return u, nil
}

// UploadPart stores part number n of an upload from body. verify is called
// as in PutInput.Verify.
func (s *Store) UploadPart(bucketName, key, id string, n int, body io.Reader, verify func(md5sum []byte) (map[string]string, error)) (*Part, error) {
	b, u, err := s.openUpload(bucketName, key, id)
	if err != nil {
		return nil, err
	}
	dir := b.uploadDir(id)
	data := "data-" + newID()
	h := md5.New()
	size, err := writeData(filepath.Join(dir, data), io.TeeReader(body, h), true)
	if err != nil {
		return nil, fmt.Errorf("upload part %d: %w", n, err)
	}
	sum := h.Sum(nil)
	var sums map[string]string
	if verify != nil {
		if sums, err = verify(sum); err != nil {
			os.Remove(filepath.Join(dir, data))
			return nil, err
		}
	}
	p := &Part{Number: n, ETag: `"` + hex.EncodeToString(sum) + `"`, Size: size, LastModified: s.now().UTC().Truncate(time.Second), Data: data, Checksums: sums}
	raw, _ := json.Marshal(p)
	if err := fsync.Dir(dir); err != nil {
		return nil, fmt.Errorf("upload part %d: %w", n, err)
	}
	b.mu.Lock()
	if b.uploads[id] == nil {
		b.mu.Unlock()
		os.Remove(filepath.Join(dir, data))
		return nil, ErrNoSuchUpload
	}
	err = writeFileAtomic(dir, "part-"+strconv.Itoa(n)+".json", raw)
	var old *Part
	if err == nil {
		old = u.parts[n]
		u.parts[n] = p
	}
	b.mu.Unlock()
	if err != nil {
		os.Remove(filepath.Join(dir, data))
		return nil, fmt.Errorf("upload part %d: %w", n, err)
	}
	if old != nil {
		os.Remove(filepath.Join(dir, old.Data))
	}
	return p, nil
}

// openUpload returns upload id of key and its bucket.
func (s *Store) openUpload(bucketName, key, id string) (*bucket, *upload, error) {
	b, err := s.bucket(bucketName)
	if err != nil {
		return nil, nil, err
	}
	u, err := b.upload(id, key)
	if err != nil {
		return nil, nil, err
	}
	return b, u, nil
}

// Upload returns the upload id of key.
func (s *Store) Upload(bucketName, key, id string) (*Upload, error) {
	_, u, err := s.openUpload(bucketName, key, id)
	if err != nil {
		return nil, err
	}
	up := u.Upload
	return &up, nil
}

// Parts lists an upload's parts in order.
func (s *Store) Parts(bucketName, key, id string) (*Upload, []Part, error) {
	b, u, err := s.openUpload(bucketName, key, id)
	if err != nil {
		return nil, nil, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]Part, 0, len(u.parts))
	for _, p := range u.parts {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Part) int { return a.Number - b.Number })
	up := u.Upload
	return &up, out, nil
}

// Uploads lists a bucket's uploads in progress by key, then initiation.
func (s *Store) Uploads(bucketName string) ([]Upload, error) {
	b, err := s.bucket(bucketName)
	if err != nil {
		return nil, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]Upload, 0, len(b.uploads))
	for _, u := range b.uploads {
		out = append(out, u.Upload)
	}
	slices.SortFunc(out, func(a, b Upload) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return a.Initiated.Compare(b.Initiated)
	})
	return out, nil
}

// AbortUpload discards an upload and its parts.
func (s *Store) AbortUpload(bucketName, key, id string) error {
	b, _, err := s.openUpload(bucketName, key, id)
	if err != nil {
		return err
	}
	b.mu.Lock()
	delete(b.uploads, id)
	b.mu.Unlock()
	dir := b.uploadDir(id)
	if err := os.Remove(filepath.Join(dir, "upload.json")); err != nil {
		return fmt.Errorf("abort upload: %w", err)
	}
	os.RemoveAll(dir)
	return fsync.Dir(filepath.Dir(dir))
}

// CompletedPart names a part in a CompleteMultipartUpload request.
type CompletedPart struct {
	Number int
	ETag   string
}

// CompleteUpload joins the named parts into the object and ends the
// upload. The object's ETag is S3's: the MD5 of the parts' MD5s, "-" and
// the number of parts. checksums, when not nil, is called with the upload
// and the parts chosen, in order, before anything is written; an error
// from it ends the call, and the checksums it returns are the object's.
func (s *Store) CompleteUpload(bucketName, key, id string, parts []CompletedPart, checksums func(*Upload, []*Part) (map[string]string, error)) (*Object, error) {
	b, u, err := s.openUpload(bucketName, key, id)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: the upload names no parts", ErrInvalidPart)
	}
	b.mu.RLock()
	chosen := make([]*Part, len(parts))
	var perr error
	for i, cp := range parts {
		p := u.parts[cp.Number]
		if i > 0 && cp.Number <= parts[i-1].Number {
			perr = ErrInvalidPartOrder
			break
		}
		if p == nil || strings.Trim(cp.ETag, `"`) != strings.Trim(p.ETag, `"`) {
			perr = fmt.Errorf("%w: part %d", ErrInvalidPart, cp.Number)
			break
		}
		chosen[i] = p
	}
	b.mu.RUnlock()
	if perr != nil {
		return nil, perr
	}
	var sums map[string]string
	if checksums != nil {
		if sums, err = checksums(&u.Upload, chosen); err != nil {
			return nil, err
		}
	}
	etags := md5.New()
	for i, p := range chosen {
		if i < len(chosen)-1 && p.Size < MinPartSize {
			return nil, fmt.Errorf("%w: part %d is %d bytes, under the 5 MiB minimum", ErrEntityTooSmall, p.Number, p.Size)
		}
		sum, _ := hex.DecodeString(strings.Trim(p.ETag, `"`))
		etags.Write(sum)
	}
	dir := b.uploadDir(id)
	readers := make([]io.Reader, 0, len(chosen))
	for _, p := range chosen {
		f, err := os.Open(filepath.Join(dir, p.Data))
		if err != nil {
			return nil, fmt.Errorf("complete upload: %w", err)
		}
		defer f.Close()
		readers = append(readers, f)
	}
	etag := fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(etags.Sum(nil)), len(chosen))
	o, err := s.PutObject(bucketName, key, io.MultiReader(readers...), PutInput{Headers: u.Headers, Meta: u.Meta, ETag: etag, Checksums: sums, ChecksumType: u.ChecksumType, Encryption: u.Encryption})
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	delete(b.uploads, id)
	b.mu.Unlock()
	os.Remove(filepath.Join(dir, "upload.json"))
	os.RemoveAll(dir)
	return o, nil
}
