package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
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
const markerVersion = "1"

// maxUserMetadata is S3's limit on an object's user metadata: the bytes of
// every x-amz-meta-* name (without the prefix) and value
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html).
const maxUserMetadata = 2048

// maxNewest is the most objects sharing the newest LastModified second
// that readMarker reads to find the marker; more means no marker (a deploy
// writes its marker in a second of its own).
const maxNewest = 16

// marker is a clean marker, written by one deploy and read by the next.
//
// Its value is "1 F D FILTER ID": F, a digest of everything that decides the
// bytes and headers an object is stored with (the config's routes, the
// Content-Type table, the object hash's scheme), the bucket, the prefix and
// the key the marker is on; D, a digest of the listing (key, ETag, size,
// LastModified of every object but the marker's) the deploy checked before
// writing it; FILTER, a Bloom filter (base64) of the keys listed then that
// were not part of the site (kept by KeepDeleted, deletions refused or not
// asked for), whose headers may be older than the config; ID, a digest of
// the deploy ID of the run that wrote it (a re-run of that deploy with
// nothing left to do is already complete).
//
// A later deploy reads it from the newest object only: any write after it
// (another tool, a killed deploy) makes another object the newest, and the
// deploy compares every object as it would without a marker. If F and D
// match, every listed object whose key is in Dir and not in the filter,
// whose ETag is the file's MD5 (single part), whose size matches and whose
// LastModified is in an earlier second than the marker's, is the file as
// the config stores it: no HeadObject is needed. D makes a marker restored
// from an old version, or copied with its object, worthless once anything
// else changed.
type marker struct {
	key    string    // the object it is on
	at     time.Time // its LastModified, to the second
	filter bloom
	deploy string // deployDigest of the deploy that wrote it
}

// deployDigest is the marker's ID field for deploy ID id: fixed-size and
// ASCII whatever the ID holds.
func deployDigest(id string) string {
	h := sha256.Sum256([]byte("cfinv-deploy\x00" + id))
	return hex.EncodeToString(h[:8])
}

// fingerprint is F of a marker on key: see marker.
func (d *run) fingerprint(key string) string {
	h := sha256.New()
	fmt.Fprintf(h, "cfinv-clean/%s\x00cfinv-object/1\x00%s\x00%s\x00%s\x00", markerVersion, d.o.Bucket, d.o.Prefix, key)
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

// listingDigest is D of a marker on key: a digest of every listed object
// but key.
func listingDigest(objs map[string]object, key string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(mapKeys(objs)) {
		if k == key {
			continue
		}
		o := objs[k]
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00", k, o.ETag.String(), o.Size, o.Modified.UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// second is t to the second: S3's LastModified has no finer resolution.
func second(t time.Time) time.Time { return t.Truncate(time.Second) }

// readMarker reads the newest objects of the listing (the objects of its
// newest second; usually one) and sets d.marker when one carries a valid
// marker. The objects read are kept in d.heads for compare.
func (d *run) readMarker(ctx context.Context) error {
	var newest time.Time
	var keys []string
	for k, o := range d.remote {
		switch t := second(o.Modified); {
		case t.After(newest):
			newest, keys = t, []string{k}
		case t.Equal(newest):
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 || len(keys) > maxNewest {
		return nil
	}
	slices.Sort(keys)
	d.heads = map[string]*s3.HeadObjectOutput{}
	for _, k := range keys {
		out, err := d.head(ctx, k)
		if err != nil {
			return err
		}
		d.heads[k] = out
	}
	for _, k := range keys {
		if m, ok := d.parseMarker(k, lower(d.heads[k].Metadata)[MetaClean]); ok {
			m.at = newest
			d.marker = m
			return nil
		}
	}
	return nil
}

// parseMarker returns the marker of value on key, when it is valid for this
// deploy and listing.
func (d *run) parseMarker(key, value string) (*marker, bool) {
	parts := strings.Split(value, " ")
	if len(parts) != 5 || parts[0] != markerVersion || parts[1] != d.fingerprint(key) || parts[2] != listingDigest(d.remote, key) {
		return nil, false
	}
	f, ok := parseBloom(parts[3])
	if !ok {
		return nil, false
	}
	return &marker{key: key, filter: f, deploy: parts[4]}, true
}

// trusted reports whether the marker shows, without reading the object,
// that obj holds f as the config stores it.
func (d *run) trusted(f *file, obj object) bool {
	m := d.marker
	if m == nil || f.Key == m.key {
		return false
	}
	return obj.ETag.isMD5(f.md5) && obj.Size == f.Size &&
		second(obj.Modified).Before(m.at) && !m.filter.has(f.Key)
}

// untouched reports whether the marker shows that key, an object not in
// Dir, was part of the site when the marker was written and has not been
// written since: it was never marked removed (MetaRemoved).
func (d *run) untouched(key string) bool {
	m := d.marker
	if m == nil || key == m.key {
		return false
	}
	obj := d.remote[key]
	return second(obj.Modified).Before(m.at) && !m.filter.has(key)
}

// head reads key's metadata.
func (d *run) head(ctx context.Context, key string) (*s3.HeadObjectOutput, error) {
	out, err := d.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(d.o.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("read metadata of s3://%s/%s: %w", d.o.Bucket, key, err)
	}
	return out, nil
}

// wrote records that this run stored key with etag.
func (d *run) wrote(key string, tag *string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.written == nil {
		d.written = map[string]etag{}
	}
	d.written[key] = parseETag(aws.ToString(tag))
}

// writeMarker writes the clean marker once every write of the deploy is
// done: it lists the prefix again and, when every object is as this run
// left it, copies the site object with the least metadata onto itself
// with MetaClean. A run that wrote nothing under a valid marker leaves it.
// It reports why it wrote none in the second result; errors are of the
// listing or the copy.
func (d *run) writeMarker(ctx context.Context) (string, error) {
	if d.marker != nil && len(d.written) == 0 && len(d.deletions) == 0 {
		d.rep.Marker = d.marker.key
		return "", nil
	}
	before := d.remote
	sorted := byKey(d.files)
	after, err := d.listAfter(ctx, sorted)
	if err != nil {
		return "", err
	}
	gone := map[string]bool{}
	for _, k := range d.deletions {
		gone[k] = true
	}
	for k, o := range after {
		if w, ok := d.written[k]; ok {
			if w == (etag{}) || w != o.ETag {
				return fmt.Sprintf("s3://%s/%s is not as this deploy wrote it", d.o.Bucket, k), nil
			}
			continue
		}
		b, ok := before[k]
		if !ok || gone[k] || b.ETag != o.ETag || b.Size != o.Size || !b.Modified.Equal(o.Modified) {
			return fmt.Sprintf("s3://%s/%s changed during the deploy", d.o.Bucket, k), nil
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok && !gone[k] {
			return fmt.Sprintf("s3://%s/%s was deleted during the deploy", d.o.Bucket, k), nil
		}
	}
	// The marker goes on an object copied in one request, whose copy
	// keeps everything: no ACL, no storage class, no parts. The one the
	// marker read was on is kept when this run did not write it: its
	// metadata was read then and has not changed since (the listing
	// above), so the copy needs no HeadObject. Otherwise it is the one
	// with the least metadata, leaving the most room for the filter.
	eligible := func(f *file) bool {
		return f.Settings.ACL == "" && f.Settings.StorageClass == "" && f.Size < d.o.MultipartThreshold && !after[f.Key].ETag.multipart()
	}
	var on *file
	for _, f := range d.files {
		if !eligible(f) {
			continue
		}
		if on == nil || metaSize(f.Headers) < metaSize(on.Headers) || (metaSize(f.Headers) == metaSize(on.Headers) && f.Key < on.Key) {
			on = f
		}
	}
	if m := d.marker; m != nil && d.heads[m.key] != nil {
		if _, w := d.written[m.key]; !w {
			for _, f := range d.files {
				if f.Key == m.key && eligible(f) {
					on = f
				}
			}
		}
	}
	if on == nil {
		return "no object of the site can carry it", nil
	}
	var outside []string
	for k := range after {
		if _, ok := find(sorted, k); !ok {
			outside = append(outside, k)
		}
	}
	out := d.heads[on.Key]
	if _, ok := d.written[on.Key]; ok || out == nil {
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
	head := markerVersion + " " + d.fingerprint(on.Key) + " " + listingDigest(after, on.Key) + " "
	tail := " " + deployDigest(d.id)
	room := maxUserMetadata - used - len(head) - len(tail)
	if room/4*3 < 2 {
		return fmt.Sprintf("s3://%s/%s has no room for it", d.o.Bucket, on.Key), nil
	}
	meta[MetaClean] = head + newBloom(outside, room/4*3).String() + tail
	// The marker must be in a later second than every object it
	// vouches for: an object rewritten in the marker's own second cannot
	// be told apart by its LastModified, so the next deploy reads those.
	var newest time.Time
	for k, o := range after {
		if t := second(o.Modified); k != on.Key && t.After(newest) {
			newest = t
		}
	}
	// S3's clock, not Options.Now (a clock tests may set anywhere).
	if wait := time.Until(newest.Add(time.Second + 20*time.Millisecond)); wait > 0 && wait <= 2*time.Second {
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
		CopySourceIfMatch: aws.String(after[on.Key].ETag.String()),
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

// listAfter is the prefix's objects after every write of the run: listed
// again, or, when the run wrote few objects (at most one in ten of those
// listed) and the server lists times to the second as S3 does, the first
// listing with the deletions taken out and each object written read with
// HeadObject: a few requests in parallel instead of a page per thousand
// objects one after the other. What the heads cannot see (another tool's
// write or deletion of an object this run did not touch) changes the next
// deploy's listing, whose digest then differs from the marker's D: that
// marker is ignored, and the next deploy reads each object, as without one.
// site is the files sorted by key (byKey): a listing's map shares their
// keys.
func (d *run) listAfter(ctx context.Context, site []*file) (map[string]object, error) {
	if len(d.written)*10 > len(d.remote) || !secondsOnly(d.remote) {
		before := d.remote
		err := d.list(ctx, site)
		after := d.remote
		d.remote = before
		return after, err
	}
	after := maps.Clone(d.remote)
	for _, k := range d.deletions {
		delete(after, k)
	}
	keys := slices.Sorted(mapKeys(d.written))
	heads := make([]*s3.HeadObjectOutput, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(d.o.Concurrency, 1))
	for i, k := range keys {
		g.Go(func() error {
			out, err := d.head(gctx, k)
			heads[i] = out
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i, k := range keys {
		h := heads[i]
		after[k] = object{ETag: parseETag(aws.ToString(h.ETag)), Size: aws.ToInt64(h.ContentLength), Modified: aws.ToTime(h.LastModified)}
	}
	return after, nil
}

// secondsOnly reports whether every listed LastModified is a whole second,
// as S3 lists them: then a HeadObject's Last-Modified (whole seconds) is
// what the listing would show.
func secondsOnly(objs map[string]object) bool {
	for _, o := range objs {
		if t := o.Modified; !t.Equal(t.Truncate(time.Second)) {
			return false
		}
	}
	return true
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
