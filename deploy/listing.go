package deploy

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// listed is one object of a listing.
type listed struct {
	key string
	obj object
}

// listing is the objects under the prefix in key order, as ListObjectsV2
// returns them, kept as records (spill.go): the deploy reads it in key
// order, beside the site's files, and holds no object of it beyond
// spillAt bytes (issue 31: peak RSS ≤ 100 MiB whatever the site's size).
type listing struct {
	recs records
	// seconds: every LastModified listed is a whole second, as S3 lists
	// them (checkAfter relies on it).
	seconds bool
	last    string
	buf     []byte
}

func newListing() *listing { return &listing{seconds: true} }

// add appends the object listed under key, after the last one added.
func (l *listing) add(key string, o object) {
	if l.recs.len() > 0 && key <= l.last {
		panic(fmt.Sprintf("deploy: listing: %q added after %q", key, l.last))
	}
	l.last = key
	if !o.Modified.Equal(o.Modified.Truncate(time.Second)) {
		l.seconds = false
	}
	b := putString(l.buf[:0], key)
	b = binary.AppendUvarint(b, uint64(o.ETag.parts))
	if o.ETag.parts == 0 {
		b = putString(b, o.ETag.raw)
	} else {
		b = append(b, o.ETag.sum[:]...)
	}
	b = binary.AppendVarint(b, o.Size)
	b = binary.AppendVarint(b, o.Modified.Unix())
	b = binary.AppendUvarint(b, uint64(o.Modified.Nanosecond()))
	l.buf = b
	l.recs.add(b)
}

// len is the number of objects listed.
func (l *listing) len() int { return l.recs.len() }

// close releases the listing's file, if any.
func (l *listing) close() error { return l.recs.close() }

// cursor reads a listing in key order.
type cursor struct {
	r   recordReader
	buf []byte
	n   int // objects left
	key string
	obj object
	ok  bool // key and obj hold the current object
	err error
}

// cursor returns a cursor on the first object, if any.
func (l *listing) cursor() *cursor {
	r, err := l.recs.reader()
	c := &cursor{r: r, n: l.len(), err: err}
	c.next()
	return c
}

// next moves c to the next object; c.ok is false after the last one or
// on an error (c.err).
func (c *cursor) next() {
	c.ok = false
	if c.err != nil || c.n == 0 {
		return
	}
	c.n--
	c.key, c.obj, c.err = readListed(c.r, &c.buf)
	c.ok = c.err == nil
}

// seek moves c to the first object at or after key (keys sought in key
// order) and reports whether it is key's.
func (c *cursor) seek(key string) bool {
	for c.ok && c.key < key {
		c.next()
	}
	return c.ok && c.key == key
}

func readListed(r recordReader, buf *[]byte) (string, object, error) {
	var o object
	key, err := readString(r, buf)
	if err != nil {
		return "", o, noEOF(err)
	}
	parts, err := binary.ReadUvarint(r)
	if err != nil {
		return "", o, noEOF(err)
	}
	if parts > 1<<32-1 {
		return "", o, fmt.Errorf("%w: an ETag of %d parts", errCorrupt, parts)
	}
	o.ETag.parts = uint32(parts)
	if parts == 0 {
		if o.ETag.raw, err = readString(r, buf); err != nil {
			return "", o, noEOF(err)
		}
	} else if _, err := io.ReadFull(r, o.ETag.sum[:]); err != nil {
		return "", o, noEOF(err)
	}
	if o.Size, err = binary.ReadVarint(r); err != nil {
		return "", o, noEOF(err)
	}
	sec, err := binary.ReadVarint(r)
	if err != nil {
		return "", o, noEOF(err)
	}
	nsec, err := binary.ReadUvarint(r)
	if err != nil {
		return "", o, noEOF(err)
	}
	o.Modified = time.Unix(sec, int64(nsec)).UTC()
	return key, o, nil
}

// each calls fn with each object in key order until fn returns false.
func (l *listing) each(fn func(key string, o object) bool) error {
	c := l.cursor()
	for ; c.ok; c.next() {
		if !fn(c.key, c.obj) {
			return nil
		}
	}
	return c.err
}

// digests are the digests of markers on each of keys, in one pass.
func (l *listing) digests(keys []string) ([]string, error) {
	dgs := make([]digester, len(keys))
	for i := range dgs {
		dgs[i].start()
	}
	err := l.each(func(k string, o object) bool {
		for i := range dgs {
			if k != keys[i] {
				dgs[i].add(k, o)
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(keys))
	for i := range dgs {
		out[i] = dgs[i].sum()
	}
	return out, nil
}

// digester computes a listing's digest one object at a time, in key
// order.
type digester struct{ h hash.Hash }

func (dg *digester) start() { dg.h = sha256.New() }

func (dg *digester) add(key string, o object) {
	fmt.Fprintf(dg.h, "%s\x00%s\x00%d\x00%d\x00", key, o.ETag.String(), o.Size, o.Modified.UnixNano())
}

func (dg *digester) sum() string { return hex.EncodeToString(dg.h.Sum(nil))[:32] }

// rangeSize is the keys of the site per range of a listing in ranges
// (the walk takes every rangeSize-th key as a bound): about a page of ListObjectsV2 (at most 1,000 keys). Tests
// lower it.
var rangeSize = 1000

// listPageKeys is the MaxKeys of each ListObjectsV2 (0: the server's page,
// 1,000 keys on S3). Tests lower it.
var listPageKeys int32

// list reads the bucket's objects under the prefix sorted by key (S3 lists
// them so; a server that does not is listed again whole and sorted): given
// bounds (sorted keys), one listing per range they split the prefix into,
// o.Concurrency at a time, else one listing. A listing's pages come one
// after the other, each a round trip to S3, so a large site's ranges
// spare it most of those: 60 pages one after the other for 60,000 files,
// 4 at most with 16 ranges at a time.
func (d *run) list(ctx context.Context, bounds []string) (*listing, error) {
	l := newListing()
	unsorted := false
	err := d.eachListedInRanges(ctx, bounds, func(key string, o object) bool {
		if l.len() > 0 && key <= l.last {
			unsorted = true
			return false
		}
		l.add(key, o)
		return true
	})
	if errors.Is(err, errUnsorted) || (err == nil && unsorted) {
		// Ranges mean nothing to this server: listed whole, and sorted
		// in memory (S3 lists in key order: this is another server's
		// way, and its listing is held whole).
		l.close()
		var all []listed
		if err = d.eachListed(ctx, func(key string, o object) bool {
			all = append(all, listed{key: key, obj: o})
			return true
		}); err != nil {
			return nil, err
		}
		slices.SortStableFunc(all, func(a, b listed) int { return strings.Compare(a.key, b.key) })
		all = slices.CompactFunc(all, func(a, b listed) bool { return a.key == b.key })
		l = newListing()
		for _, e := range all {
			l.add(e.key, e.obj)
		}
	}
	if err == nil {
		err = l.recs.err
	}
	if err != nil {
		l.close()
		return nil, err
	}
	return l, nil
}

// errUnsorted is returned by eachListedInRanges when a range's keys are not
// in key order, or not after its start: the server does not list in key
// order, which ranges rely on.
var errUnsorted = errors.New("the listing is not in key order")

// eachListedInRanges calls fn with each object under the prefix, in key
// order, until fn returns false, as eachListed does, but lists each range
// bounds (sorted keys) split the prefix into, (-∞, b0], (b0, b1], …,
// (bn, ∞), with StartAfter, stopping at the first key after the range:
// o.Concurrency ranges at a time, each held until fn has had it, so no
// more than that many ranges are in memory.
func (d *run) eachListedInRanges(ctx context.Context, bounds []string, fn func(key string, o object) bool) error {
	if len(bounds) == 0 {
		return d.eachListed(ctx, fn)
	}
	ctx, cancel := context.WithCancel(ctx)
	var started sync.WaitGroup
	defer func() {
		cancel()
		started.Wait()
	}()
	type result struct {
		objs []listed
		err  error
	}
	ranges := make([]chan result, len(bounds)+1)
	for i := range ranges {
		ranges[i] = make(chan result, 1)
	}
	// A range is started once a slot is free: a slot is taken in range
	// order and given back when fn has had the range, so the range fn
	// waits for has always been started.
	slots := make(chan struct{}, max(d.o.Concurrency, 1))
	started.Add(1) // the dispatcher, counted while it adds the ranges
	go func() {
		defer started.Done()
		for i := range ranges {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			started.Add(1)
			go func() {
				defer started.Done()
				var after, last string // the range is (after, last]; "": open
				if i > 0 {
					after = bounds[i-1]
				}
				if i < len(bounds) {
					last = bounds[i]
				}
				var r result
				prev, unsorted := after, false
				r.err = d.eachListedAfter(ctx, after, func(key string, o object) bool {
					switch {
					case key <= prev && (prev != "" || key == ""):
						unsorted = true
						return false
					case last != "" && key > last:
						return false
					}
					prev = key
					r.objs = append(r.objs, listed{key: key, obj: o})
					// The range's last key ends it: no page after it.
					return key != last
				})
				if r.err == nil && unsorted {
					r.err = errUnsorted
				}
				ranges[i] <- r
			}()
		}
	}()
	for i := range ranges {
		var r result
		select {
		case r = <-ranges[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil {
			return r.err
		}
		for _, e := range r.objs {
			if !fn(e.key, e.obj) {
				return nil
			}
		}
		<-slots
	}
	return nil
}

// eachListed calls fn with each object under the prefix, page by page,
// until fn returns false.
func (d *run) eachListed(ctx context.Context, fn func(key string, o object) bool) error {
	return d.eachListedAfter(ctx, "", fn)
}

// eachListedAfter calls fn with each object under the prefix whose key is
// after after ("": every object), page by page, until fn returns false.
func (d *run) eachListedAfter(ctx context.Context, after string, fn func(key string, o object) bool) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(d.o.Bucket)}
	if d.o.Prefix != "" {
		in.Prefix = aws.String(d.o.Prefix + "/")
	}
	if after != "" {
		in.StartAfter = aws.String(after)
	}
	if listPageKeys > 0 {
		in.MaxKeys = aws.Int32(listPageKeys)
	}
	p := s3.NewListObjectsV2Paginator(d.s3, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w: %w", d.o.Bucket, d.o.Prefix, ErrBucket, err)
		}
		for _, obj := range page.Contents {
			o := object{ETag: parseETag(aws.ToString(obj.ETag)), Size: aws.ToInt64(obj.Size), Modified: aws.ToTime(obj.LastModified)}
			if !fn(aws.ToString(obj.Key), o) {
				return nil
			}
		}
	}
	return nil
}

// expected walks, in key order, the objects the prefix holds once every
// write of the run is done, as the run expects them: those listed before
// it (d.remote) but those it deleted, with the ones it wrote in place of
// what was listed. The check before the clean marker compares it with a
// second listing one object at a time, so neither is held whole.
type expected struct {
	before  *cursor
	deleted []string // sorted
	written *keyMerge
	di      int
}

// next returns the next key expected, whether the run wrote it, and, if
// not, its object as listed before.
func (e *expected) next() (key string, o object, written, ok bool) {
	for b := e.before; b.ok; b.next() {
		for e.di < len(e.deleted) && e.deleted[e.di] < b.key {
			e.di++
		}
		if e.di < len(e.deleted) && e.deleted[e.di] == b.key {
			continue
		}
		if e.written.ok && e.written.key == b.key {
			// Written over: the run's object takes its place below.
			continue
		}
		break
	}
	switch b := e.before; {
	case b.ok && (!e.written.ok || b.key < e.written.key):
		key, o = b.key, b.obj
		b.next()
		return key, o, false, true
	case e.written.ok:
		k := e.written.key
		e.written.next()
		return k, object{}, true, true
	}
	return "", object{}, false, false
}

// afterCheck compares the prefix's objects after every write of the run,
// given in key order to add, with what the run expects, and computes the
// marker's D of them on the way (the object the marker goes on aside).
type afterCheck struct {
	d      *run
	on     string // the key the marker goes on
	exp    expected
	wantK  string // the next key expected ("" with none left)
	wantO  object
	wantW  bool
	more   bool
	dg     digester
	prev   string // the key added last ("" before the first: S3 keys are never empty)
	onETag etag
	onSeen bool
	newest time.Time // the newest LastModified second but the marker object's
	// outside are the keys that are not part of the site, found with
	// files.
	outside []string
	files   *fileCursor
	written *writtenCursor
	why     string // why the prefix is not as the run left it; "" if it is
}

func (d *run) newAfterCheck(on string, written *keyMerge) *afterCheck {
	c := &afterCheck{d: d, on: on, exp: expected{before: d.remote.cursor(), deleted: d.deletions, written: written}, files: d.files.cursor(), written: d.writtenCursor()}
	c.dg.start()
	c.wantK, c.wantO, c.wantW, c.more = c.exp.next()
	return c
}

// add checks the next object of the prefix; it returns false once the
// prefix is known to differ from what the run expects (c.why).
func (c *afterCheck) add(key string, o object) bool {
	if key <= c.prev {
		c.why = fmt.Sprintf("the listing of s3://%s/%s is not in key order at %s", c.d.o.Bucket, c.d.o.Prefix, key)
		return false
	}
	c.prev = key
	b := c.d.o.Bucket
	switch {
	case !c.more || key < c.wantK:
		c.why = fmt.Sprintf("s3://%s/%s changed during the deploy", b, key)
		return false
	case key > c.wantK:
		c.why = fmt.Sprintf("s3://%s/%s was deleted during the deploy", b, c.wantK)
		return false
	}
	if c.wantW {
		if w, _ := c.written.seek(key); w == (etag{}) || w != o.ETag {
			c.why = fmt.Sprintf("s3://%s/%s is not as this deploy wrote it", b, key)
			return false
		}
	} else if w := c.wantO; w.ETag != o.ETag || w.Size != o.Size || !w.Modified.Equal(o.Modified) {
		c.why = fmt.Sprintf("s3://%s/%s changed during the deploy", b, key)
		return false
	}
	// The expected key is a string the run holds already (a file's or
	// the first listing's), not the page's.
	key = c.wantK
	if !c.files.seek(key) {
		c.outside = append(c.outside, key)
	}
	if key == c.on {
		c.onETag, c.onSeen = o.ETag, true
	} else {
		c.dg.add(key, o)
		if t := second(o.Modified); t.After(c.newest) {
			c.newest = t
		}
	}
	c.wantK, c.wantO, c.wantW, c.more = c.exp.next()
	return true
}

// done finishes the check once every object was given to add; its error
// is one reading the first listing back.
func (c *afterCheck) done() error {
	if err := cmp.Or(c.exp.before.err, c.files.err, c.exp.written.err(), c.written.err()); err != nil {
		return err
	}
	if c.why == "" && c.more {
		c.why = fmt.Sprintf("s3://%s/%s was deleted during the deploy", c.d.o.Bucket, c.wantK)
	}
	if c.why == "" && !c.onSeen {
		c.why = fmt.Sprintf("s3://%s/%s is not in the listing", c.d.o.Bucket, c.on)
	}
	return nil
}
