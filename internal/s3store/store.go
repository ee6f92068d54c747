// Package s3store keeps S3 buckets and objects on disk for cfinv serve: the
// store behind its S3 API and the origin its edge reads a bucket from.
//
// Layout under the store's directory, one directory per bucket:
//
//	BUCKET/bucket.json        the bucket (its creation time and location constraint)
//	BUCKET/objects/ID         an object's bytes, in a file named by a unique ID
//	BUCKET/meta/NAME.json     an object's metadata (key, size, ETag, headers,
//	                          the ID of its bytes); NAME is the key escaped
//	BUCKET/uploads/UPLOADID/  a multipart upload in progress
//	BUCKET/wal/SEQ.log        the write-ahead log of small PUTs and DELETEs
//
// A small PUT (up to inlineMax bytes) is one record appended to the
// bucket's write-ahead log and acknowledged after an fdatasync of the log
// that many PUTs share; a checkpoint later writes its object to objects/
// and meta/ (wal.go). A larger PUT writes the bytes to a new file and
// fsyncs it, then writes the metadata to a temporary file, fsyncs it,
// renames it over NAME.json and fsyncs the directory before it is
// acknowledged. The log record, or the metadata rename, is the commit
// point: a reader sees the old object or the new one, never a part of
// either, and an acknowledged object survives a crash. Open replays the
// logs left and removes files a crash left behind (temporaries, bytes no
// metadata names).
package s3store

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cfinv/cfinv/internal/fsync"
)

// Errors the store returns; the S3 API maps them to S3's error codes.
var (
	ErrNoSuchBucket       = errors.New("no such bucket")
	ErrNoSuchKey          = errors.New("no such key")
	ErrBucketExists       = errors.New("bucket already exists")
	ErrBucketNotEmpty     = errors.New("bucket not empty")
	ErrInvalidBucketName  = errors.New("invalid bucket name")
	ErrNoSuchUpload       = errors.New("no such upload")
	ErrInvalidPart        = errors.New("invalid part")
	ErrInvalidPartOrder   = errors.New("invalid part order")
	ErrEntityTooSmall     = errors.New("entity too small")
	ErrReadOnly           = errors.New("bucket is read-only")
	ErrKeyTooLong         = errors.New("key too long")
	ErrInvalidObjectState = errors.New("invalid object state")
)

// MaxKeyLength is S3's limit on a key's length in bytes.
const MaxKeyLength = 1024

// Object is an object's metadata.
type Object struct {
	Key          string    `json:"key"`
	Size         int64     `json:"size"`
	ETag         string    `json:"etag"` // quoted, as in the ETag header
	LastModified time.Time `json:"lastModified"`
	// Headers holds the object's stored HTTP headers by canonical name:
	// Content-Type, Cache-Control, Content-Encoding, Content-Disposition,
	// Content-Language, Expires.
	Headers map[string]string `json:"headers,omitempty"`
	// Meta holds user metadata (x-amz-meta-NAME) by lower-case NAME.
	Meta map[string]string `json:"meta,omitempty"`
	// Checksums holds additional checksums by algorithm (CRC32, CRC32C,
	// CRC64NVME, SHA1, SHA256), base64 as S3 returns them.
	Checksums map[string]string `json:"checksums,omitempty"`
	// ChecksumType is a multipart object's, as asked for at its
	// CreateMultipartUpload: COMPOSITE (the checksum of its parts'
	// checksums, "…-N") or FULL_OBJECT; empty for an object PUT whole.
	ChecksumType string `json:"checksumType,omitempty"`
	// Encryption is the server-side encryption the object was stored
	// with; zero for an object written before the store kept it, which
	// S3 would have encrypted with SSE-S3 (AES256).
	Encryption Encryption `json:"encryption,omitzero"`
	// Data names the file under objects/ holding the bytes; empty for an
	// object of a read-only directory bucket.
	Data string `json:"data,omitempty"`
	// path is where the bytes are, for directory buckets.
	path string
	// inLog, when set, holds the bytes until a checkpoint writes them to
	// objects/ID (see wal.go).
	inLog *logLoc
}

// Server-side encryption algorithms, as S3 names them in
// x-amz-server-side-encryption.
const (
	SSES3   = "AES256"       // SSE-S3, S3's default since January 2023
	SSEKMS  = "aws:kms"      // SSE-KMS
	SSEDSSE = "aws:kms:dsse" // DSSE-KMS
)

// Encryption is an object's server-side encryption, or a bucket's default
// one (https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html).
type Encryption struct {
	// Algorithm is SSES3, SSEKMS or SSEDSSE; "" means SSES3.
	Algorithm string `json:"algorithm,omitempty"`
	// KMSKeyID is the KMS key of SSEKMS and SSEDSSE: for an object, the
	// ARN S3 answers; for a bucket's default, as it was configured ("" for
	// the account's aws/s3 key).
	KMSKeyID string `json:"kmsKeyId,omitempty"`
	// BucketKey is whether an S3 Bucket Key is used (SSE-KMS only).
	BucketKey bool `json:"bucketKey,omitempty"`
}

// KMS reports whether e encrypts with a KMS key (SSE-KMS or DSSE-KMS):
// such an object's ETag is not the MD5 of its data.
func (e Encryption) KMS() bool { return e.Algorithm == SSEKMS || e.Algorithm == SSEDSSE }

// StoredHeaders are the HTTP headers PutObject keeps and GetObject returns.
var StoredHeaders = []string{"Content-Type", "Cache-Control", "Content-Encoding", "Content-Disposition", "Content-Language", "Expires"}

// Bucket describes a bucket.
type Bucket struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// LocationConstraint is what CreateBucket was given and
	// GetBucketLocation answers: "" for us-east-1, "EU" (eu-west-1's old
	// name) or a region.
	LocationConstraint string `json:"locationConstraint,omitempty"`
	// Encryption is the bucket's default encryption, as
	// PutBucketEncryption set it; nil is S3's default, SSE-S3.
	Encryption *Encryption `json:"encryption,omitempty"`
	ReadOnly   bool        `json:"-"`
}

// Region is the region the bucket is in: its location constraint, with
// "" meaning us-east-1 and "EU" eu-west-1, as S3 reads them.
func (b Bucket) Region() string {
	switch b.LocationConstraint {
	case "":
		return "us-east-1"
	case "EU":
		return "eu-west-1"
	}
	return b.LocationConstraint
}

// Store is a set of buckets on disk. It is safe for concurrent use.
type Store struct {
	dir string
	now func() time.Time

	mu      sync.RWMutex
	buckets map[string]*bucket
	act     activity // every request to a bucket touches it
}

type bucket struct {
	Bucket
	dir string // the bucket's directory; for a read-only bucket, the served one

	mu      sync.RWMutex
	objects map[string]*Object
	sorted  []string // keys in order; nil when stale
	uploads map[string]*upload

	// locks serialise commits of the same key, so the index and the
	// metadata on disk agree on which of two racing PUTs won.
	locks [1024]sync.Mutex

	// objSync fsyncs objects/ for many large PUTs at once.
	objSync *dirSync
	wal     *wal
}

// newBucket returns the bucket in directory dir; act is the store's.
func newBucket(meta Bucket, dir string, act *activity) *bucket {
	b := &bucket{Bucket: meta, dir: dir, objects: map[string]*Object{}, uploads: map[string]*upload{},
		objSync: newDirSync(filepath.Join(dir, "objects"))}
	b.wal = &wal{dir: filepath.Join(dir, "wal"), next: 1, b: b, act: act}
	return b
}

// Open opens (creating it if needed) the store in dir, loading every
// bucket's index and removing what an interrupted write left behind.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create s3 directory: %w", err)
	}
	s := &Store{dir: dir, now: time.Now, buckets: map[string]*bucket{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read s3 directory: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || ValidBucketName(e.Name()) != nil {
			continue
		}
		b, err := loadBucket(filepath.Join(dir, e.Name()), e.Name(), &s.act)
		if err != nil {
			return nil, err
		}
		if b != nil {
			s.buckets[b.Name] = b
		}
	}
	return s, nil
}

// Close writes every object whose bytes are still in a bucket's log to
// objects/ and meta/, durably, and removes the logs (see wal.go). Objects
// are durable without it: Open replays what it did not do. The store
// stays usable.
func (s *Store) Close() error {
	s.mu.RLock()
	bs := make([]*bucket, 0, len(s.buckets))
	for _, b := range s.buckets {
		if !b.ReadOnly {
			bs = append(bs, b)
		}
	}
	s.mu.RUnlock()
	var err error
	for _, b := range bs {
		err = errors.Join(err, b.wal.flush())
	}
	return err
}

// SetClock replaces the store's clock (for tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

func loadBucket(dir, name string, act *activity) (*bucket, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "bucket.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // a directory that never became a bucket
	}
	if err != nil {
		return nil, fmt.Errorf("read bucket %s: %w", name, err)
	}
	b := newBucket(Bucket{}, dir, act)
	if err := json.Unmarshal(raw, &b.Bucket); err != nil {
		return nil, fmt.Errorf("read bucket %s: %w", name, err)
	}
	b.Name = name
	if err := b.replay(); err != nil {
		return nil, fmt.Errorf("read bucket %s: %w", name, err)
	}
	metas, err := os.ReadDir(filepath.Join(dir, "meta"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read bucket %s: %w", name, err)
	}
	used := map[string]bool{}
	for _, m := range metas {
		p := filepath.Join(dir, "meta", m.Name())
		if strings.HasPrefix(m.Name(), ".tmp-") {
			os.Remove(p)
			continue
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read object metadata %s: %w", p, err)
		}
		o := &Object{}
		if err := json.Unmarshal(raw, o); err != nil {
			return nil, fmt.Errorf("read object metadata %s: %w", p, err)
		}
		b.objects[o.Key] = o
		used[o.Data] = true
	}
	datas, err := os.ReadDir(filepath.Join(dir, "objects"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read bucket %s: %w", name, err)
	}
	for _, d := range datas {
		if !used[d.Name()] {
			os.Remove(filepath.Join(dir, "objects", d.Name()))
		}
	}
	if err := b.loadUploads(); err != nil {
		return nil, err
	}
	return b, nil
}

var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ValidBucketName reports whether name follows S3's bucket naming rules
// (3-63 characters: lower-case letters, digits, '.', '-'; starting and
// ending with a letter or digit; no "..").
func ValidBucketName(name string) error {
	if !bucketName.MatchString(name) || strings.Contains(name, "..") {
		return fmt.Errorf("%w %q: want 3-63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit", ErrInvalidBucketName, name)
	}
	return nil
}

// AddDirectory serves dir, read-only, as bucket name: its files are the
// objects, keyed by their slash-separated paths.
func (s *Store) AddDirectory(name, dir string) error {
	if err := ValidBucketName(name); err != nil {
		return err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("add bucket %s: %w", name, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("add bucket %s: %s is not a directory", name, dir)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buckets[name]; ok {
		return fmt.Errorf("add bucket %s: %w", name, ErrBucketExists)
	}
	s.buckets[name] = &bucket{Bucket: Bucket{Name: name, Created: st.ModTime().UTC(), ReadOnly: true}, dir: dir}
	return nil
}

// bucket returns the bucket called name. Every request on a bucket goes
// through it, and so counts as activity that defers checkpoints.
func (s *Store) bucket(name string) (*bucket, error) {
	s.act.touch()
	s.mu.RLock()
	b := s.buckets[name]
	s.mu.RUnlock()
	if b == nil {
		return nil, ErrNoSuchBucket
	}
	return b, nil
}

// CreateBucket creates a bucket in us-east-1. It returns ErrBucketExists
// if there is one by that name.
func (s *Store) CreateBucket(name string) error {
	return s.CreateBucketIn(name, "")
}

// CreateBucketIn creates a bucket with a location constraint ("" for
// us-east-1; see Bucket.LocationConstraint), which the caller has
// checked. It returns ErrBucketExists if there is one by that name.
func (s *Store) CreateBucketIn(name, locationConstraint string) error {
	if err := ValidBucketName(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buckets[name]; ok {
		return ErrBucketExists
	}
	dir := filepath.Join(s.dir, name)
	b := newBucket(Bucket{Name: name, Created: s.now().UTC().Truncate(time.Millisecond), LocationConstraint: locationConstraint}, dir, &s.act)
	for _, d := range []string{"objects", "meta", "uploads"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	raw, _ := json.Marshal(b.Bucket)
	if err := writeFileAtomic(dir, "bucket.json", raw); err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	if err := fsync.Dir(s.dir); err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	s.buckets[name] = b
	return nil
}

// writableBucket is the bucket called name, which the caller may change;
// s.mu is held.
func (s *Store) writableBucket(name string) (*bucket, error) {
	b := s.buckets[name]
	if b == nil {
		return nil, ErrNoSuchBucket
	}
	if b.ReadOnly {
		return nil, ErrReadOnly
	}
	return b, nil
}

// DeleteBucket deletes an empty bucket.
func (s *Store) DeleteBucket(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.writableBucket(name)
	if err != nil {
		return err
	}
	b.mu.RLock()
	n := len(b.objects)
	b.mu.RUnlock()
	if n > 0 {
		return ErrBucketNotEmpty
	}
	if err := b.wal.flush(); err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	// bucket.json goes first: without it the directory is not a bucket.
	if err := os.Remove(filepath.Join(b.dir, "bucket.json")); err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	if err := os.RemoveAll(b.dir); err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	delete(s.buckets, name)
	return fsync.Dir(s.dir)
}

// HeadBucket returns the bucket called name.
func (s *Store) HeadBucket(name string) (Bucket, error) {
	b, err := s.bucket(name)
	if err != nil {
		return Bucket{}, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.Bucket, nil
}

// SetBucketEncryption sets the bucket's default encryption (nil: S3's
// default, SSE-S3), durably in its bucket.json, for the objects written
// after it without an encryption of their own.
func (s *Store) SetBucketEncryption(name string, enc *Encryption) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.writableBucket(name)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	meta := b.Bucket
	meta.Encryption = enc
	raw, _ := json.Marshal(meta)
	if err := writeFileAtomic(b.dir, "bucket.json", raw); err != nil {
		return fmt.Errorf("set encryption of bucket %s: %w", name, err)
	}
	b.Bucket = meta
	return nil
}

// Buckets lists the buckets by name.
func (s *Store) Buckets() []Bucket {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Bucket, 0, len(s.buckets))
	for _, b := range s.buckets {
		b.mu.RLock()
		out = append(out, b.Bucket)
		b.mu.RUnlock()
	}
	slices.SortFunc(out, func(a, b Bucket) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// metaName is the file name of key's metadata: the key with every byte but
// A-Z a-z 0-9 - _ . escaped as %XX (and a leading '.'), or, for a key too
// long for a file name, "~" and its SHA-256.
func metaName(key string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	if b.Len() > 200 {
		return "~" + hex.EncodeToString(sha256Sum([]byte(key))) + ".json"
	}
	return b.String() + ".json"
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// PutInput is what PutObject stores besides the bytes.
type PutInput struct {
	Headers   map[string]string
	Meta      map[string]string
	Checksums map[string]string
	// Verify, when not nil, is called once the body has been read to its
	// end and before anything is committed; an error aborts the PUT, and
	// checksums it returns are stored (replacing Checksums). The S3 API
	// checks Content-MD5, X-Amz-Content-Sha256, checksums and chunk
	// signatures here.
	Verify func(md5sum []byte) (checksums map[string]string, err error)
	// ETag, when set, replaces the MD5 of the bytes (multipart objects).
	ETag string
	// ChecksumType is the object's (see Object.ChecksumType).
	ChecksumType string
	// Encryption is the object's. Without ETag, an object encrypted with
	// a KMS key gets an ETag that is not the MD5 of its bytes, as S3's
	// are: the MD5 of a random nonce and of the bytes' MD5 (kmsETag).
	Encryption Encryption
}

// kmsETag is the ETag of an object encrypted with a KMS key, whose bytes'
// MD5 is sum: S3 documents such an ETag as not the MD5 of the data
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html), and
// it differs between two PUTs of the same bytes. The MD5 of a fresh
// random nonce and sum has that shape (32 hex digits) and those
// properties without a second pass over the bytes.
func kmsETag(sum []byte) string {
	var nonce [16]byte
	rand.Read(nonce[:])
	h := md5.New()
	h.Write(nonce[:])
	h.Write(sum)
	return `"` + hex.EncodeToString(h.Sum(nil)) + `"`
}

// PutObject stores the bytes read from body as key in bucket, durably,
// and returns the object's metadata.
func (s *Store) PutObject(bucketName, key string, body io.Reader, in PutInput) (*Object, error) {
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
	id := newID()
	h := md5.New()
	dataPath := filepath.Join(b.dir, "objects", id)
	// Up to inlineMax bytes go into the log record with the metadata, and
	// objects/ID is written unsynced; a larger body is streamed to
	// objects/ID and fsynced there.
	bp := getBuf(0)
	defer putBuf(bp)
	buf := *bp
	r := io.TeeReader(body, h)
	for len(buf) <= inlineMax {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, len(buf))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		*bp = buf // what grew goes back to the pool, up to pooledMax
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("put %s/%s: %w", bucketName, key, err)
		}
	}
	inline := len(buf) <= inlineMax
	var size int64
	if inline {
		size = int64(len(buf))
	} else {
		size, err = writeData(dataPath, io.MultiReader(bytes.NewReader(buf), r), true)
		if err != nil {
			return nil, fmt.Errorf("put %s/%s: %w", bucketName, key, err)
		}
		buf = nil
	}
	sum := h.Sum(nil)
	if in.Verify != nil {
		sums, err := in.Verify(sum)
		if err != nil {
			os.Remove(dataPath)
			return nil, err
		}
		if sums != nil {
			in.Checksums = sums
		}
	}
	o := &Object{Key: key, Size: size, ETag: `"` + hex.EncodeToString(sum) + `"`, LastModified: s.now().UTC().Truncate(time.Second),
		Headers: in.Headers, Meta: in.Meta, Checksums: in.Checksums, ChecksumType: in.ChecksumType, Encryption: in.Encryption, Data: id}
	if in.ETag != "" {
		o.ETag = in.ETag
	} else if in.Encryption.KMS() {
		o.ETag = kmsETag(sum)
	}
	if err := b.commit(o, buf, inline); err != nil {
		if !inline {
			os.Remove(dataPath)
		}
		return nil, fmt.Errorf("put %s/%s: %w", bucketName, key, err)
	}
	return o, nil
}

// writeData writes r to a new file at path (replacing one there) and,
// with sync, fsyncs it.
func writeData(path string, r io.Reader, sync bool) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if err == nil && sync {
		err = fsync.Data(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return n, err
	}
	return n, nil
}

// commit makes o the object at o.Key: its record is appended to the log
// and made durable, then it replaces the old object in the index and, for
// a large object, its metadata replaces the old one on disk; the old bytes
// are removed. data holds the bytes when inline: they stay in the log
// until its checkpoint.
func (b *bucket) commit(o *Object, data []byte, inline bool) error {
	op := byte(opPutInline)
	if !inline {
		op = opPutRef
		data = nil
		// The record names objects/ID: its entry must be durable first.
		if err := b.objSync.sync(); err != nil {
			return err
		}
	}
	// The key's lock is held from the append to the index update, so the
	// log, the metadata on disk and the index agree on which of two racing
	// PUTs of a key won.
	lock := &b.locks[lockIndex(o.Key)]
	lock.Lock()
	seg, err := b.wal.append(op, o, data)
	if err != nil {
		lock.Unlock()
		return err
	}
	if err := seg.gs.sync(); err != nil {
		seg.done()
		lock.Unlock()
		return err
	}
	var written []string
	if !inline {
		raw, err := json.MarshalIndent(o, "", "  ")
		if err == nil {
			err = writeFileNoDirSync(filepath.Join(b.dir, "meta"), metaName(o.Key), raw, false)
		}
		if err != nil {
			// The record is durable: the next Open applies it.
			seg.done()
			lock.Unlock()
			return err
		}
		written = append(written, filepath.Join(b.dir, "meta", metaName(o.Key)))
	}
	b.mu.Lock()
	old := b.objects[o.Key]
	b.objects[o.Key] = o
	if old == nil {
		b.sorted = nil
	}
	b.mu.Unlock()
	seg.done(written...)
	lock.Unlock()
	if old != nil && old.Data != "" && old.Data != o.Data && old.inLog == nil {
		os.Remove(filepath.Join(b.dir, "objects", old.Data))
	}
	return nil
}

func lockIndex(key string) int {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return int(h % uint32(len(bucket{}.locks)))
}

// writeFileAtomic writes data to dir/name through a temporary file, fsynced
// and renamed into place, and fsyncs dir.
func writeFileAtomic(dir, name string, data []byte) error {
	if err := writeFileNoDirSync(dir, name, data, true); err != nil {
		return err
	}
	return fsync.Dir(dir)
}

// writeFileNoDirSync writes data to dir/name through a temporary file
// renamed into place, fsynced first with sync; the caller makes the
// directory durable.
func writeFileNoDirSync(dir, name string, data []byte, sync bool) error {
	tmp := filepath.Join(dir, ".tmp-"+newID())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil && sync {
		err = fsync.Data(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// HeadObject returns key's metadata.
func (s *Store) HeadObject(bucketName, key string) (*Object, error) {
	b, err := s.bucket(bucketName)
	if err != nil {
		return nil, err
	}
	if b.ReadOnly {
		return b.dirObject(key)
	}
	b.mu.RLock()
	o := b.objects[key]
	b.mu.RUnlock()
	if o == nil {
		return nil, ErrNoSuchKey
	}
	return o, nil
}

// File is an object's bytes, open for reading.
type File interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
}

// logFile reads an object's bytes from the log segment holding them.
type logFile struct {
	*io.SectionReader
	f *os.File
}

func (l logFile) Close() error { return l.f.Close() }

// GetObject returns key's metadata and its bytes, open for reading; the
// caller closes the file. The file is the object as committed: a PUT that
// replaces it meanwhile does not change what it reads.
func (s *Store) GetObject(bucketName, key string) (*Object, File, error) {
	b, err := s.bucket(bucketName)
	if err != nil {
		return nil, nil, err
	}
	for {
		o, err := s.HeadObject(bucketName, key)
		if err != nil {
			return nil, nil, err
		}
		p := o.path
		if p == "" {
			p = filepath.Join(b.dir, "objects", o.Data)
		}
		if o.inLog != nil {
			p = o.inLog.path
		}
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) && !b.ReadOnly {
			continue // replaced between the lookup and the open: look again
		}
		if err != nil {
			return nil, nil, fmt.Errorf("get %s/%s: %w", bucketName, key, err)
		}
		if o.inLog != nil {
			return o, logFile{io.NewSectionReader(f, o.inLog.off, o.Size), f}, nil
		}
		return o, f, nil
	}
}

// DeleteObject removes key; deleting a key that is not there succeeds, as
// in S3.
func (s *Store) DeleteObject(bucketName, key string) error {
	b, err := s.bucket(bucketName)
	if err != nil {
		return err
	}
	if b.ReadOnly {
		return ErrReadOnly
	}
	lock := &b.locks[lockIndex(key)]
	lock.Lock()
	b.mu.RLock()
	o := b.objects[key]
	b.mu.RUnlock()
	if o == nil {
		lock.Unlock()
		return nil
	}
	seg, err := b.wal.append(opDelete, &Object{Key: key}, nil)
	if err != nil {
		lock.Unlock()
		return fmt.Errorf("delete %s/%s: %w", bucketName, key, err)
	}
	if err := seg.gs.sync(); err != nil {
		seg.done()
		lock.Unlock()
		return fmt.Errorf("delete %s/%s: %w", bucketName, key, err)
	}
	metaDir := filepath.Join(b.dir, "meta")
	if err := os.Remove(filepath.Join(metaDir, metaName(key))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		seg.done()
		lock.Unlock()
		return fmt.Errorf("delete %s/%s: %w", bucketName, key, err)
	}
	b.mu.Lock()
	delete(b.objects, key)
	b.sorted = nil
	b.mu.Unlock()
	// The checkpoint fsyncs meta/, where the file no longer is.
	seg.done(filepath.Join(metaDir, metaName(key)))
	lock.Unlock()
	if o.inLog == nil {
		os.Remove(filepath.Join(b.dir, "objects", o.Data))
	}
	return nil
}

// CopyObject copies src to dst, encrypted with enc (as S3 does, a copy
// does not keep the source's encryption: the request or the destination
// bucket's default decides). With in nil the source's headers and
// metadata are kept (S3's metadata directive COPY); otherwise in's
// replace them (REPLACE). check, when not nil, is called with the source
// about to be copied; an error from it is returned and nothing copied.
// The copy keeps the source's ETag unless either is encrypted with a KMS
// key, whose ETags are not MD5s of the bytes.
func (s *Store) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, in *PutInput, enc Encryption, check func(*Object) error) (*Object, error) {
	src, f, err := s.GetObject(srcBucket, srcKey)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if check != nil {
		if err := check(src); err != nil {
			return nil, err
		}
	}
	put := PutInput{Headers: src.Headers, Meta: src.Meta, Checksums: src.Checksums, ETag: src.ETag, ChecksumType: src.ChecksumType, Encryption: enc}
	if src.Encryption.KMS() || enc.KMS() {
		put.ETag = "" // the MD5 of the bytes, or a KMS ETag of its own
	}
	if in != nil {
		put.Headers, put.Meta = in.Headers, in.Meta
	}
	return s.PutObject(dstBucket, dstKey, f, put)
}

// keys returns the bucket's keys in order.
func (b *bucket) keys() ([]string, map[string]*Object) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sorted == nil {
		b.sorted = make([]string, 0, len(b.objects))
		for k := range b.objects {
			b.sorted = append(b.sorted, k)
		}
		slices.Sort(b.sorted)
	}
	return b.sorted, b.objects
}

// ListInput selects the keys List returns.
type ListInput struct {
	Prefix    string
	Delimiter string
	After     string // keys and prefixes after this one (marker, start-after, continuation)
	MaxKeys   int
}

// ListResult is a page of a listing.
type ListResult struct {
	Objects        []*Object
	CommonPrefixes []string
	Truncated      bool
	// Next is the last key or common prefix of the page, where the next
	// page starts after.
	Next string
}

// List lists a bucket's keys in order, as ListObjects does.
func (s *Store) List(bucketName string, in ListInput) (ListResult, error) {
	b, err := s.bucket(bucketName)
	if err != nil {
		return ListResult{}, err
	}
	var keys []string
	var objects map[string]*Object
	if b.ReadOnly {
		objects, err = b.dirObjects()
		if err != nil {
			return ListResult{}, err
		}
		for k := range objects {
			keys = append(keys, k)
		}
		slices.Sort(keys)
	} else {
		// The sorted slice is replaced, never changed, once built; the map
		// is read under the lock below.
		keys, objects = b.keys()
	}
	var out ListResult
	i, _ := slices.BinarySearch(keys, max(in.After, in.Prefix))
	b.mu.RLock()
	defer b.mu.RUnlock()
	for ; i < len(keys); i++ {
		k := keys[i]
		if k <= in.After {
			continue
		}
		if !strings.HasPrefix(k, in.Prefix) {
			break
		}
		var prefix string
		if in.Delimiter != "" {
			if j := strings.Index(k[len(in.Prefix):], in.Delimiter); j >= 0 {
				prefix = k[:len(in.Prefix)+j+len(in.Delimiter)]
			}
		}
		if prefix != "" && prefix <= in.After {
			// The page before ended with this prefix: skip its keys.
			j, _ := slices.BinarySearch(keys, prefix+"\xff")
			i = j - 1
			continue
		}
		if len(out.Objects)+len(out.CommonPrefixes) >= in.MaxKeys {
			out.Truncated = true
			break
		}
		if prefix != "" {
			out.CommonPrefixes = append(out.CommonPrefixes, prefix)
			out.Next = prefix
			// Skip every key under the prefix.
			j, _ := slices.BinarySearch(keys, prefix+"\xff")
			i = j - 1
			continue
		}
		o := objects[k]
		if o == nil {
			continue // deleted since the keys were sorted
		}
		out.Objects = append(out.Objects, o)
		out.Next = k
	}
	return out, nil
}

func sha256Sum(b []byte) []byte {
	h := newSHA256()
	h.Write(b)
	return h.Sum(nil)
}
