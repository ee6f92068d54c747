package deploy

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"
)

// MetaClean is the metadata key of the clean marker: after a deploy has
// made all its writes and a listing showed the prefix exactly as the deploy
// left it, it copies one object of the site onto itself with this key added.
// The marker says "every object listed before me that is part of the site
// holds what the configuration gives it" (see marker).
const MetaClean = "cfinv-clean"

// markerVersion starts the marker's value; another value is no marker.
// Version 1 (written by earlier releases, still read) has no bound: it
// vouches for the objects of the seconds before its own.
const markerVersion = "2"

// maxUserMetadata is S3's limit on an object's user metadata: the bytes of
// every x-amz-meta-* name (without the prefix) and value
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html).
const maxUserMetadata = 2048

// maxNewest is the most objects sharing the newest LastModified second
// that readMarker reads (in parallel) to find the marker; more means no
// marker (a deploy writes its marker in a second of its own).
const maxNewest = 16

// marker is a clean marker, written by one deploy and read by the next.
//
// Its value is "2 F D FILTER ID B I": F, a digest of everything that decides
// the bytes and headers an object is stored with (the config's routes, the
// Content-Type table, the object hash's scheme), the bucket, the prefix and
// the key the marker is on; D, a digest of the listing (key, ETag, size,
// LastModified of every object but the marker's) the deploy checked before
// writing it; FILTER, a Bloom filter (base64) of the keys listed then that
// were not part of the site (kept by KeepDeleted, deletions refused or not
// asked for), whose headers may be older than the config; ID, a digest of
// the deploy ID of the run that wrote it (a re-run of that deploy with
// nothing left to do is already complete); B, the bound (Unix seconds):
// the second after the newest the check saw, the earliest the marker is
// copied in, and it vouches only for objects last modified before it; I, 1 when
// that run bought an invalidation (or found one an earlier run of its
// deploy bought), else 0: a re-run of that deploy names it.
//
// A later deploy reads it from the objects of the newest second only: any
// write in a later second (another tool, a killed deploy) makes another
// object the newest, and the deploy compares every object as it would
// without a marker. If F and D match, every listed object whose key is in
// Dir and not in the filter, whose ETag is the file's MD5 (single part),
// whose size matches and whose LastModified is in an earlier second than
// both B and the marker's own, is the file as the config stores it: no
// HeadObject is needed. An object last modified in B's second or later
// was written after the check, which D may not tell (the same bytes and
// size, in the marker's second): it is read. D makes a marker restored
// from an old version, or copied with its object, worthless once anything
// else changed; B keeps such a copy from vouching for objects written
// after its check. (An object rewritten with the same bytes in the check's
// own last second, after the check, is not told apart: a listing's times
// are to the second.)
type marker struct {
	key    string    // the object it is on
	before time.Time // it vouches for objects last modified before this second
	filter bloom
	deploy string // deployDigest of the deploy that wrote it
	// invalidated: that deploy bought invalidations (version 2).
	invalidated bool
}

// deployDigest is the marker's ID field for deploy ID id: fixed-size and
// ASCII whatever the ID holds.
func deployDigest(id string) string {
	h := sha256.Sum256([]byte("cfinv-deploy\x00" + id))
	return hex.EncodeToString(h[:8])
}

// fingerprint is F of a marker of version on key: see marker.
func (d *run) fingerprint(version, key string) string {
	h := sha256.New()
	fmt.Fprintf(h, "cfinv-clean/%s\x00cfinv-object/1\x00%s\x00%s\x00%s\x00", version, d.o.Bucket, d.o.Prefix, key)
	if d.o.Config != nil {
		for _, r := range d.o.Config.Routes {
			entry := "-"
			if r.Entry != nil {
				entry = fmt.Sprint(*r.Entry)
			}
			fmt.Fprintf(h, "route\x00%s\x00%s\x00%t\x00%s\x00%s\x00", r.Match, entry, r.Gzip, r.StorageClass, r.ACL)
			writeSorted(h, r.Headers)
		}
	}
	h.Write([]byte("types\x00"))
	writeSorted(h, contentTypes)
	for _, t := range slices.Sorted(mapKeys(utf8Types)) {
		fmt.Fprintf(h, "%s\x00", t)
	}
	fmt.Fprintf(h, "gzip\x00%d\x00%d\x00", gzipLevel, gzipOS)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func writeSorted(h interface{ Write([]byte) (int, error) }, m map[string]string) {
	for _, k := range slices.Sorted(mapKeys(m)) {
		fmt.Fprintf(h, "%s:%s\x00", k, m[k])
	}
	h.Write([]byte{1})
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// second is t to the second: S3's LastModified has no finer resolution.
func second(t time.Time) time.Time { return t.Truncate(time.Second) }

// readMarker reads the newest objects of the listing (the objects of its
// newest second; usually one) and sets d.marker when one carries a valid
// marker. The objects read are kept in d.heads for compare.
func (d *run) readMarker(ctx context.Context) error {
	var newest time.Time
	var keys []string // the first maxNewest of the n in the newest second
	n := 0
	err := d.remote.each(func(key string, o object) bool {
		switch t := second(o.Modified); {
		case t.After(newest):
			newest, keys, n = t, append(keys[:0], key), 1
		case t.Equal(newest):
			if n++; n <= maxNewest {
				keys = append(keys, key)
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	if n == 0 || n > maxNewest {
		return nil
	}
	outs := make([]*s3.HeadObjectOutput, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(d.o.Concurrency, 1))
	for i, k := range keys {
		g.Go(func() (err error) {
			outs[i], err = d.head(gctx, k)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	d.heads = make(map[string]*s3.HeadObjectOutput, len(keys))
	var values, on []string // the markers' values, and the keys they are on
	for i, k := range keys {
		d.heads[k] = outs[i]
		if v := lower(outs[i].Metadata)[MetaClean]; v != "" {
			values, on = append(values, v), append(on, k)
		}
	}
	if len(on) == 0 {
		return nil
	}
	digests, err := d.remote.digests(on)
	if err != nil {
		return err
	}
	for i, k := range on {
		if m, ok := d.parseMarker(k, values[i], newest, digests[i]); ok {
			d.marker = m
			return nil
		}
	}
	return nil
}

// parseMarker returns the marker of value on key, an object last modified
// in second at, when it is valid for this deploy and a listing whose D
// (digest) for key is digest.
func (d *run) parseMarker(key, value string, at time.Time, digest string) (*marker, bool) {
	parts := strings.Split(value, " ")
	var before time.Time // version 1: none but the marker's own second
	var invalidated bool
	switch {
	case len(parts) == 7 && parts[0] == markerVersion && (parts[6] == "0" || parts[6] == "1"):
		b, err := strconv.ParseInt(parts[5], 10, 64)
		if err != nil || b < 0 {
			return nil, false
		}
		before, invalidated = time.Unix(b, 0).UTC(), parts[6] == "1"
	case len(parts) == 5 && parts[0] == "1":
	default:
		return nil, false
	}
	if parts[1] != d.fingerprint(parts[0], key) || parts[2] != digest {
		return nil, false
	}
	f, ok := parseBloom(parts[3])
	if !ok {
		return nil, false
	}
	if before.IsZero() || before.After(at) {
		before = at
	}
	return &marker{key: key, before: before, filter: f, deploy: parts[4], invalidated: invalidated}, true
}

// trusted reports whether the marker shows, without reading the object,
// that obj holds f as the config stores it.
func (d *run) trusted(f *file, obj object) bool {
	m := d.marker
	if m == nil || f.Key == m.key {
		return false
	}
	return obj.ETag.isMD5(f.md5) && obj.Size == f.Size &&
		second(obj.Modified).Before(m.before) && !m.filter.has(f.Key)
}

// untouched reports whether the marker shows that key, an object not in
// Dir listed as obj, was part of the site when the marker was written and
// has not been written since: it was never marked removed (MetaRemoved).
func (d *run) untouched(key string, obj object) bool {
	m := d.marker
	if m == nil || key == m.key {
		return false
	}
	return second(obj.Modified).Before(m.before) && !m.filter.has(key)
}

// head reads key's metadata.
func (d *run) head(ctx context.Context, key string) (*s3.HeadObjectOutput, error) {
	out, err := d.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(d.o.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("read metadata of s3://%s/%s: %w", d.o.Bucket, key, err)
	}
	return out, nil
}

// wrote records that this run stored c with tag.
func (d *run) wrote(c *change, tag *string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c.etag = parseETag(aws.ToString(tag))
	d.written++
}

// wroteKept records that this run stored key, an object not in Dir, with
// tag.
func (d *run) wroteKept(key string, tag *string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.kept == nil {
		d.kept = map[string]etag{}
	}
	d.kept[key] = parseETag(aws.ToString(tag))
	d.written++
}

// writtenCursor finds, in key order, the ETags of the objects this run
// stored: a cursor on each group's table and the objects marked removed.
type writtenCursor struct {
	curs []*cursor
	kept map[string]etag
}

func (d *run) writtenCursor() *writtenCursor {
	w := &writtenCursor{kept: d.kept}
	for _, l := range d.stored {
		if l != nil {
			w.curs = append(w.curs, l.cursor())
		}
	}
	return w
}

// seek returns the ETag of key if this run stored it (keys sought in key
// order).
func (w *writtenCursor) seek(key string) (etag, bool) {
	for _, c := range w.curs {
		if c.seek(key) {
			return c.obj.ETag, true
		}
	}
	e, ok := w.kept[key]
	return e, ok
}

func (w *writtenCursor) err() error {
	for _, c := range w.curs {
		if c.err != nil {
			return c.err
		}
	}
	return nil
}

// keyMerge gives, in key order, the keys of the objects this run stored:
// a merge of the groups' tables and the objects marked removed.
type keyMerge struct {
	curs []*cursor
	rest []string // sorted
	key  string   // the current key
	ok   bool     // key is the current key
}

// writtenKeys returns the keys this run stored, in key order, on the
// first.
func (d *run) writtenKeys() *keyMerge {
	m := &keyMerge{rest: slices.Sorted(maps.Keys(d.kept))}
	for _, l := range d.stored {
		if l != nil {
			m.curs = append(m.curs, l.cursor())
		}
	}
	m.next()
	return m
}

// sortedKeys gives keys, sorted, as a keyMerge.
func sortedKeys(keys []string) *keyMerge {
	m := &keyMerge{rest: keys}
	m.next()
	return m
}

// next moves m to the next key.
func (m *keyMerge) next() {
	m.ok = false
	var min *cursor
	for _, c := range m.curs {
		if c.ok && (min == nil || c.key < min.key) {
			min = c
		}
	}
	switch {
	case len(m.rest) > 0 && (min == nil || m.rest[0] < min.key):
		m.key, m.ok = m.rest[0], true
		m.rest = m.rest[1:]
	case min != nil:
		m.key, m.ok = min.key, true
		min.next()
	}
}

// all returns the keys left, for a few.
func (m *keyMerge) all() ([]string, error) {
	var keys []string
	for ; m.ok; m.next() {
		keys = append(keys, m.key)
	}
	return keys, m.err()
}

func (m *keyMerge) err() error {
	for _, c := range m.curs {
		if c.err != nil {
			return c.err
		}
	}
	return nil
}

// writeMarker writes the clean marker once every write of the deploy is
// done: it lists the prefix again and, when every object is as this run
// left it, copies the site object with the least metadata onto itself
// with MetaClean. A run that wrote nothing under a valid marker leaves it.
// It reports why it wrote none in the second result; errors are of the
// listing or the copy.
func (d *run) writeMarker(ctx context.Context) (string, error) {
	if d.marker != nil && d.written == 0 && len(d.deletions) == 0 {
		d.rep.Marker = d.marker.key
		return "", nil
	}
	// The marker goes on an object copied in one request, whose copy
	// keeps everything: no ACL, no storage class, no parts. The one the
	// marker read was on is kept when this run did not write it: its
	// metadata was read then and has not changed since (the check
	// below), so the copy needs no HeadObject. Otherwise it is the one
	// with the least metadata, leaving the most room for the filter. It
	// is chosen from what the run expects the prefix to hold; the check
	// makes sure it does.
	var on, old *file // the one with the least metadata; the one the marker read is on
	onWritten := false
	cur, files, written := d.remote.cursor(), d.files.cursor(), d.writtenCursor()
	for ; files.ok; files.next() {
		f := files.f
		tag, w := written.seek(f.Key)
		if !w && cur.seek(f.Key) {
			tag = cur.obj.ETag
		}
		if f.Settings.ACL != "" || f.Settings.StorageClass != "" || f.Size >= d.o.MultipartThreshold || tag.multipart() {
			continue
		}
		if m := d.marker; m != nil && f.Key == m.key && d.heads[m.key] != nil && !w {
			old = f
		}
		if on == nil || metaSize(f.Headers) < metaSize(on.Headers) || (metaSize(f.Headers) == metaSize(on.Headers) && f.Key < on.Key) {
			on, onWritten = f, w
		}
	}
	if err := cmp.Or(cur.err, files.err, written.err()); err != nil {
		return "", err
	}
	if old != nil {
		on, onWritten = old, false
	}
	if on == nil {
		return "no object of the site can carry it", nil
	}
	c, err := d.checkAfter(ctx, on.Key)
	if err != nil {
		return "", err
	}
	if c.why != "" {
		return c.why, nil
	}
	out := d.heads[on.Key]
	if onWritten || out == nil {
		var err error
		if out, err = d.head(ctx, on.Key); err != nil {
			return "", err
		}
	}
	meta := lower(out.Metadata)
	delete(meta, MetaClean)
	used := len(MetaClean)
	for k, v := range meta {
		used += len(k) + len(v)
	}
	// The marker is copied in a later second than the newest it checked,
	// and vouches for the objects of the seconds before that later one
	// (B): an object rewritten after the check lands in B's second or a
	// later one, and is read. Copied in the newest second itself, it
	// could vouch for none of that second's objects, which every later
	// deploy that writes nothing would read again: waiting here (up to a
	// second, hidden behind the invalidation's wait on CloudFront) costs
	// less. S3's clock, not Options.Now (a clock tests may set anywhere).
	bound := c.newest.Add(time.Second)
	head := markerVersion + " " + d.fingerprint(markerVersion, on.Key) + " " + c.dg.sum() + " "
	invalidated := "0"
	for _, inv := range d.rep.Invalidations {
		if len(inv.Batches) > 0 {
			invalidated = "1"
		}
	}
	tail := " " + deployDigest(d.id) + " " + strconv.FormatInt(max(bound.Unix(), 0), 10) + " " + invalidated
	room := maxUserMetadata - used - len(head) - len(tail)
	if room/4*3 < 2 {
		return fmt.Sprintf("s3://%s/%s has no room for it", d.o.Bucket, on.Key), nil
	}
	meta[MetaClean] = head + newBloom(c.outside, room/4*3).String() + tail
	if wait := time.Until(bound.Add(20 * time.Millisecond)); wait > 0 && wait <= 2*time.Second {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		}
	}
	in := &s3.CopyObjectInput{
		Bucket: aws.String(d.o.Bucket), Key: aws.String(on.Key), CopySource: aws.String((&url.URL{Path: d.o.Bucket + "/" + on.Key}).EscapedPath()),
		CopySourceIfMatch: aws.String(c.onETag.String()),
		MetadataDirective: types.MetadataDirectiveReplace, Metadata: meta,
		CacheControl: out.CacheControl, ContentType: out.ContentType, ContentEncoding: out.ContentEncoding,
		ContentDisposition: out.ContentDisposition, ContentLanguage: out.ContentLanguage,
		Expires: expires(out), WebsiteRedirectLocation: out.WebsiteRedirectLocation,
	}
	keepStored(in, out)
	_, err = d.s3.CopyObject(ctx, in)
	if err != nil {
		return "", fmt.Errorf("write clean marker on s3://%s/%s: %w", d.o.Bucket, on.Key, err)
	}
	d.rep.Marker = on.Key
	return "", nil
}

// checkAfter compares the prefix's objects after every write of the run
// with what the run expects them to be (afterCheck), for a marker on key
// on. They are listed again, in the first listing's ranges, or, when the
// run wrote few objects (at most one in ten of those listed) and the
// server lists times to the second as S3 does, they are the first listing
// with the deletions taken out and each object written read with
// HeadObject: a few requests in parallel instead of a page per thousand
// objects.
// What the heads cannot see (another tool's write or deletion of an
// object this run did not touch) changes the next deploy's listing, whose
// digest then differs from the marker's D: that marker is ignored, and
// the next deploy reads each object, as without one. Neither listing is
// held whole: a deploy holds one of them, the first, and checks the
// second against it as it comes, o.Concurrency ranges of it at most
// (issue 31: peak RSS ≤ 100 MiB whatever the site's size).
func (d *run) checkAfter(ctx context.Context, on string) (*afterCheck, error) {
	if d.written*10 > d.remote.len() || !d.remote.seconds {
		c := d.newAfterCheck(on, d.writtenKeys())
		err := d.eachListedInRanges(ctx, d.bounds, c.add)
		if errors.Is(err, errUnsorted) {
			c.why = fmt.Sprintf("the listing of s3://%s/%s is not in key order", d.o.Bucket, d.o.Prefix)
			return c, nil
		}
		if err != nil {
			return nil, err
		}
		return c, c.done()
	}
	written, err := d.writtenKeys().all()
	if err != nil {
		return nil, err
	}
	c := d.newAfterCheck(on, sortedKeys(written))
	heads := make([]object, len(written))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(d.o.Concurrency, 1))
	for i, k := range written {
		g.Go(func() error {
			h, err := d.head(gctx, k)
			if err != nil {
				return err
			}
			heads[i] = object{ETag: parseETag(aws.ToString(h.ETag)), Size: aws.ToInt64(h.ContentLength), Modified: aws.ToTime(h.LastModified)}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	exp := expected{before: d.remote.cursor(), deleted: d.deletions, written: sortedKeys(written)}
	for j := 0; ; {
		k, o, w, ok := exp.next()
		if !ok {
			break
		}
		if w {
			o = heads[j]
			j++
		}
		if !c.add(k, o) {
			break
		}
	}
	if exp.before.err != nil {
		return nil, exp.before.err
	}
	return c, c.done()
}

// metaSize is the user metadata bytes of headers.
func metaSize(headers map[string]string) int {
	n := 0
	for k, v := range headers {
		if m, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-meta-"); ok {
			n += len(m) + len(v)
		}
	}
	return n
}

// bloom is a Bloom filter of keys: has never misses a key added, and
// answers true for others with a probability that grows with the keys per
// bit. A false answer only costs the deploy a HeadObject.
type bloom struct {
	k    int // hash functions
	bits []byte
}

// newBloom returns a filter of keys in at most size bytes (with the byte
// giving k); size is at least 2.
func newBloom(keys []string, size int) bloom {
	if len(keys) == 0 {
		return bloom{k: 1}
	}
	bytes := min(size-1, max(1, len(keys)*2)) // at most 16 bits a key
	m := float64(bytes * 8)
	k := int(math.Round(m / float64(len(keys)) * math.Ln2))
	b := bloom{k: min(max(k, 1), 16), bits: make([]byte, bytes)}
	for _, key := range keys {
		for _, i := range b.index(key) {
			b.bits[i/8] |= 1 << (i % 8)
		}
	}
	return b
}

func (b bloom) index(key string) []int {
	sum := sha256.Sum256([]byte(key))
	h1, h2 := binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16])|1
	m := uint64(len(b.bits) * 8)
	out := make([]int, b.k)
	for i := range out {
		out[i] = int((h1 + uint64(i)*h2) % m)
	}
	return out
}

func (b bloom) has(key string) bool {
	if len(b.bits) == 0 {
		return false
	}
	for _, i := range b.index(key) {
		if b.bits[i/8]&(1<<(i%8)) == 0 {
			return false
		}
	}
	return true
}

// String encodes b as base64 of the byte k and the bits.
func (b bloom) String() string {
	return base64.StdEncoding.EncodeToString(append([]byte{byte(b.k)}, b.bits...))
}

func parseBloom(s string) (bloom, bool) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) < 1 || raw[0] < 1 || raw[0] > 16 {
		return bloom{}, false
	}
	return bloom{k: int(raw[0]), bits: raw[1:]}, true
}

// expires is the Expires header of out, for a copy that keeps it.
func expires(out *s3.HeadObjectOutput) *time.Time {
	if out.ExpiresString == nil {
		return nil
	}
	t, err := http.ParseTime(aws.ToString(out.ExpiresString))
	if err != nil {
		return nil
	}
	return &t
}

// completedEarlier reports whether the valid marker was written by a run
// of this deploy: one that did all of it, its invalidations included (a
// run writes its marker last).
func (d *run) completedEarlier() bool {
	return d.marker != nil && d.marker.deploy == deployDigest(d.id)
}
