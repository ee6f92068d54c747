package deploy

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// maxGzipInMemory is the largest compressed object uploaded from memory;
// larger ones are compressed into a temporary file first, so memory does
// not grow with file size.
const maxGzipInMemory = 1 << 20

// storableHeaders are the headers an object can be stored with, besides
// X-Amz-Meta-*.
var storableHeaders = map[string]bool{
	"Cache-Control": true, "Content-Type": true, "Content-Encoding": true,
	"Content-Disposition": true, "Content-Language": true, "Expires": true,
	"X-Amz-Website-Redirect-Location": true,
}

// checkHeaders refuses a header S3 cannot store on an object.
func checkHeaders(key string, h map[string]string) error {
	for name, v := range h {
		if storableHeaders[name] || strings.HasPrefix(strings.ToLower(name), "x-amz-meta-") {
			if name == "Expires" {
				if _, err := time.Parse(time.RFC1123, v); err != nil {
					return fmt.Errorf("%w: %s: Expires %q is not an HTTP date such as %q", ErrConfig, key, v, "Mon, 02 Jan 2006 15:04:05 GMT")
				}
			}
			continue
		}
		return fmt.Errorf("%w: %s: header %q cannot be stored on an S3 object: want Cache-Control, Content-Type, Content-Encoding, Content-Disposition, Content-Language, Expires, X-Amz-Website-Redirect-Location or X-Amz-Meta-*", ErrConfig, key, name)
	}
	return nil
}

// upload stores the groups of a step one after the other, each whole
// before the next starts, o.Concurrency objects at a time; the first
// failure stops the step and the deploy (*UploadError). The step has one
// start event, with the objects and bytes of every group, and its object
// events count from the step's start.
func (d *run) upload(ctx context.Context, step Step, gs ...int) error {
	if d.o.DryRun {
		return nil
	}
	var n int
	var total int64
	for _, g := range gs {
		n += d.changes[g].len()
		total += d.changes[g].bytes
	}
	if n == 0 {
		return nil
	}
	d.o.event(Event{Step: step, Total: n, TotalBytes: total})
	var done int
	var sent int64
	// Each group's events count on from the groups before it: the step
	// is one to whoever watches. Groups run one after another, so the
	// progress function is swapped while no upload runs.
	orig := d.o.Progress
	defer func() { d.o.Progress = orig }()
	for _, g := range gs {
		baseDone, baseSent := done, sent
		d.o.Progress = func(e Event) {
			e.Done, e.Bytes, e.Total, e.TotalBytes = e.Done+baseDone, e.Bytes+baseSent, n, total
			if orig != nil {
				orig(e)
			}
		}
		if err := d.uploadGroup(ctx, step, g); err != nil {
			return err
		}
		done += d.changes[g].len()
		sent += d.changes[g].bytes
	}
	return nil
}

// uploadGroup stores the changes of group g, o.Concurrency at a time,
// and records the ETag of each in d.stored[g], in key order: an upload
// done is recorded once those before it are, at most 4 × Concurrency at
// a time in flight. The first failure stops the others. Each upload's
// event is sent as it ends, before its worker takes another: a progress
// function that cancels ctx stops the uploads there.
func (d *run) uploadGroup(ctx context.Context, step Step, g int) error {
	t := d.changes[g]
	d.stored[g] = newListing()
	if t.len() == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error // the first in time, not in key order
		done     int
		sent     int64
	)
	cur := t.cursor()
	next := func() (*change, bool) {
		if !cur.ok {
			return nil, false
		}
		c := cur.change()
		cur.next()
		return c, true
	}
	work := func(ctx context.Context, c *change) error {
		err := d.uploadOne(ctx, c)
		mu.Lock()
		if err != nil && firstErr == nil {
			firstErr = err
			cancel()
		}
		done++
		sent += c.f.Size
		e := Event{Step: step, Key: c.f.Key, Done: done, Total: t.len(), Bytes: sent}
		mu.Unlock()
		if err == nil {
			d.o.event(e)
		}
		return err
	}
	stored := 0
	ierr := inOrder(ctx, d.o.Concurrency, next, nil, work, func(c *change) {
		d.stored[g].add(c.f.Key, object{ETag: c.etag})
		stored++
	})
	// The workers are done: firstErr is theirs, the first in time.
	err := cmp.Or(firstErr, ierr, cur.err, d.stored[g].recs.err)
	if err == nil && stored < t.len() {
		err = cmp.Or(ctx.Err(), fmt.Errorf("upload: %d of %d objects stored", stored, t.len()))
	}
	return err
}

// uploadOne stores c.
func (d *run) uploadOne(ctx context.Context, c *change) error {
	n := d.memory(c.f)
	if err := d.uploadMem.Acquire(ctx, n); err != nil {
		return &UploadError{Key: c.f.Key, Err: err}
	}
	defer d.uploadMem.Release(n)
	err := d.put(ctx, c)
	if isDigestMismatch(err) {
		// The file changed since it was hashed: hash it again and send
		// it once more; a file still changing fails.
		if err = c.f.hash(d.o.Dir); err == nil {
			err = d.put(ctx, c)
		}
	}
	if err != nil {
		return &UploadError{Key: c.f.Key, Err: err}
	}
	return nil
}

// Memory an upload holds besides the object's bytes, for run.memory.
const (
	// requestMemory: the SDK's and net/http's buffers for one request.
	requestMemory = 64 << 10
	// gzipMemory: a compress/flate writer at gzipLevel (about 770 KiB,
	// measured) and the buffer copying into it.
	gzipMemory = 1 << 20
)

// maxParts is the most parts of a multipart upload
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).
const maxParts = 10000

// memory is the share of uploadMemory the upload of f takes: the transfer
// manager's part buffers for an object in parts, the compressor and the
// compressed bytes for one compressed in memory, little for a file sent
// from disk. No share is larger than uploadMemory, so a part size
// larger than it still uploads, one object at a time.
func (d *run) memory(f *file) int64 {
	var n int64
	switch {
	case f.Size >= d.o.MultipartThreshold:
		part := max(d.o.PartSize, f.Size/maxParts+1)
		n = (partsInFlight+2)*part + partsInFlight*requestMemory
		if f.Settings.Gzip {
			n += gzipMemory
		}
	case f.Settings.Gzip && f.Size <= maxGzipInMemory:
		n = requestMemory + gzipMemory + f.Size
	case f.Settings.Gzip:
		n = requestMemory + gzipMemory
	default:
		n = requestMemory
	}
	return min(n, uploadMemory)
}

// isDigestMismatch reports whether S3 refused a body whose checksum or
// payload hash differs from the one sent.
func isDigestMismatch(err error) bool {
	if errors.Is(err, errChanged) {
		return true
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest":
		return true
	}
	return false
}

// put writes the object of c with one PutObject.
func (d *run) put(ctx context.Context, c *change) error {
	f := c.f
	body, size, cleanup, err := f.body(d.o.Dir)
	if err != nil {
		return err
	}
	defer cleanup()
	sum := f.sha[:]
	if size != f.Size {
		return errChanged
	}
	in := &s3.PutObjectInput{
		Bucket:        aws.String(d.o.Bucket),
		Key:           aws.String(f.Key),
		Body:          &checkedSeeker{rs: body, h: sha256.New(), want: f.SHA()},
		ContentLength: aws.Int64(size),
		// S3 checks the body against the SHA-256 of the scan: a file
		// that changed since is refused, not stored.
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum)),
		Metadata:       map[string]string{MetaSHA256: f.Hash(), MetaDeploy: d.id},
	}
	if c.replaced {
		in.Metadata[MetaReplaced] = "1"
	}
	for name, v := range f.Headers {
		switch name {
		case "Cache-Control":
			in.CacheControl = aws.String(v)
		case "Content-Type":
			in.ContentType = aws.String(v)
		case "Content-Encoding":
			in.ContentEncoding = aws.String(v)
		case "Content-Disposition":
			in.ContentDisposition = aws.String(v)
		case "Content-Language":
			in.ContentLanguage = aws.String(v)
		case "Expires":
			t, _ := time.Parse(time.RFC1123, v) // checked by checkHeaders
			in.Expires = aws.Time(t)
		case "X-Amz-Website-Redirect-Location":
			in.WebsiteRedirectLocation = aws.String(v)
		default:
			in.Metadata[strings.TrimPrefix(strings.ToLower(name), "x-amz-meta-")] = v
		}
	}
	if f.Settings.StorageClass != "" {
		in.StorageClass = types.StorageClass(f.Settings.StorageClass)
	}
	if f.Settings.ACL != "" {
		in.ACL = types.ObjectCannedACL(f.Settings.ACL)
	}
	if size >= d.o.MultipartThreshold {
		return d.putParts(ctx, in, c)
	}
	out, err := d.s3.PutObject(ctx, in)
	if err != nil {
		return err
	}
	d.wrote(c, out.ETag)
	return nil
}

// errChanged: a file's bytes differ from those hashed by the scan.
var errChanged = errors.New("the file changed since it was hashed")

// putParts writes the object of in in parts with the SDK's transfer
// manager, which aborts the multipart upload when a part fails. The
// manager copies each part into a buffer (run.memory counts them), which
// bounds memory whatever the file's size. S3 takes
// no SHA-256 of a whole multipart object, so the body is hashed as the
// manager reads it, and a body that differs from the scan's fails at its
// end, before the upload is completed: the upload is aborted, and nothing
// of it is visible.
func (d *run) putParts(ctx context.Context, in *s3.PutObjectInput, c *change) error {
	f := c.f
	body := &checkedReader{r: in.Body.(*checkedSeeker).rs, h: sha256.New(), want: f.SHA()}
	out, err := d.tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
		Bucket: in.Bucket, Key: in.Key, Body: body,
		// The manager makes its parts larger when 10,000 of them would
		// not hold the object (run.memory counts them so).
		ContentLength: aws.Int64(f.Size),
		CacheControl:  in.CacheControl, ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
		ContentDisposition: in.ContentDisposition, ContentLanguage: in.ContentLanguage, Expires: in.Expires,
		WebsiteRedirectLocation: in.WebsiteRedirectLocation, Metadata: in.Metadata,
		StorageClass: tmtypes.StorageClass(in.StorageClass), ACL: tmtypes.ObjectCannedACL(in.ACL),
	})
	if body.changed {
		return errChanged
	}
	if err == nil {
		d.wrote(c, out.ETag)
	}
	return err
}

// checkedReader hashes what is read through it and, at the end, returns
// errChanged instead of io.EOF when the hash is not want.
type checkedReader struct {
	r       io.Reader
	h       hash.Hash
	want    string
	changed bool
}

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF && hex.EncodeToString(c.h.Sum(nil)) != c.want {
		c.changed = true
		return n, errChanged
	}
	return n, err
}

// body opens the bytes the object of f stores, as a seekable reader (the
// SDK signs and may resend it), and its length. A file is read from disk;
// a compressed one from memory when small, else from a temporary file.
func (f *file) body(dir string) (io.ReadSeeker, int64, func(), error) {
	p := f.path(dir)
	src, err := os.Open(p)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("read %s: %w", p, err)
	}
	if !f.Settings.Gzip {
		st, err := src.Stat()
		if err != nil {
			src.Close()
			return nil, 0, nil, fmt.Errorf("read %s: %w", p, err)
		}
		return src, st.Size(), func() { src.Close() }, nil
	}
	defer src.Close()
	if f.Size <= maxGzipInMemory {
		var buf bytes.Buffer
		buf.Grow(int(f.Size)) // the size the scan found: no copies as it grows
		if _, err := f.store(&buf, src); err != nil {
			return nil, 0, nil, fmt.Errorf("compress %s: %w", p, err)
		}
		return bytes.NewReader(buf.Bytes()), int64(buf.Len()), func() {}, nil
	}
	tmp, err := os.CreateTemp("", "cfinv-deploy-*.gz")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("compress %s: %w", p, err)
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	n, err := f.store(tmp, src)
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, 0, nil, fmt.Errorf("compress %s: %w", p, err)
	}
	return tmp, n, cleanup, nil
}

// checkedSeeker is a checkedReader that the SDK can seek (to sign the
// body, and to send it again on a retry): the hash restarts at offset 0
// and is checked only after a read from 0 to the end. S3 also checks the
// SHA-256 sent with the object, but not every S3-compatible server does.
type checkedSeeker struct {
	rs      io.ReadSeeker
	h       hash.Hash
	want    string
	hashing bool // every byte from offset 0 on went through h
	started bool
}

func (c *checkedSeeker) Read(p []byte) (int, error) {
	if !c.started {
		c.started, c.hashing = true, true
	}
	n, err := c.rs.Read(p)
	if c.hashing {
		c.h.Write(p[:n])
		if err == io.EOF && hex.EncodeToString(c.h.Sum(nil)) != c.want {
			return n, errChanged
		}
	}
	return n, err
}

func (c *checkedSeeker) Seek(offset int64, whence int) (int64, error) {
	pos, err := c.rs.Seek(offset, whence)
	if err == nil {
		c.started = true
		c.h.Reset()
		c.hashing = pos == 0
	}
	return pos, err
}
