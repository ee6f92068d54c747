package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestListingRecords: a listing gives back every object as added, in
// memory and spilled to disk, to any number of readers at once; seek,
// find and digest agree with a listing held in memory.
func TestListingRecords(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 4, 5, 0, time.UTC)
	objs := []listed{
		{key: "a.css", obj: object{ETag: parseETag(`"0123456789abcdef0123456789abcdef"`), Size: 3, Modified: at}},
		{key: "big.bin", obj: object{ETag: parseETag(`"0123456789abcdef0123456789abcdef-12"`), Size: 1 << 40, Modified: at.Add(time.Second)}},
		{key: "dir/z", obj: object{ETag: parseETag(""), Size: 7, Modified: time.Unix(-5, 0).UTC()}},
		{key: "dir/é.html", obj: object{ETag: parseETag(`"ABC"`), Size: 0, Modified: at.Add(1500 * time.Millisecond)}},
	}
	for i := range 3000 {
		objs = append(objs, listed{key: fmt.Sprintf("p/%05d.html", i), obj: object{ETag: parseETag(fmt.Sprintf(`"%032x"`, i)), Size: int64(i), Modified: at}})
	}
	for _, spill := range []int{1 << 20, 0, 100} {
		t.Run(fmt.Sprintf("spillAt=%d", spill), func(t *testing.T) {
			old := spillAt
			spillAt = spill
			defer func() { spillAt = old }()
			l := testListing(t, objs...)
			if l.len() != len(objs) || l.seconds {
				t.Fatalf("len %d, seconds %v; want %d, false (one time has milliseconds)", l.len(), l.seconds, len(objs))
			}
			if want := spill < 1<<20; l.recs.spilled() != want {
				t.Errorf("spilled %v, want %v", l.recs.spilled(), want)
			}
			// Two readers at once.
			c1, c2 := l.cursor(), l.cursor()
			for i, e := range objs {
				for _, c := range []*cursor{c1, c2} {
					if !c.ok || c.key != e.key || c.obj.ETag != e.obj.ETag || c.obj.Size != e.obj.Size || !c.obj.Modified.Equal(e.obj.Modified) {
						t.Fatalf("object %d: %q %+v (ok %v, err %v), want %q %+v", i, c.key, c.obj, c.ok, c.err, e.key, e.obj)
					}
					c.next()
				}
			}
			if c1.ok || c1.err != nil {
				t.Errorf("after the last: ok %v, err %v", c1.ok, c1.err)
			}
			c := l.cursor()
			if !c.seek("dir/é.html") || c.seek("dir/éé") || !c.ok || c.key != "p/00000.html" {
				t.Errorf("seek: at %q, ok %v", c.key, c.ok)
			}
			if o, ok, err := l.find("big.bin"); !ok || err != nil || o.ETag.String() != `"0123456789abcdef0123456789abcdef-12"` {
				t.Errorf("find(big.bin) = %+v, %v, %v", o, ok, err)
			}
			if _, ok, _ := l.find("nothing"); ok {
				t.Errorf("find(nothing) found it")
			}
			var dg digester
			dg.start()
			for _, e := range objs {
				if e.key != "a.css" {
					dg.add(e.key, e.obj)
				}
			}
			if got, err := l.digest("a.css"); err != nil || got != dg.sum() {
				t.Errorf("digest = %q, %v; want %q", got, err, dg.sum())
			}
		})
	}
}

// TestSpillFileGone: the file of a spilled table is gone from the
// directory once created (it goes with the process, even one killed),
// and its damage is an error, not a wrong object.
func TestSpillFileGone(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	old := spillAt
	spillAt = 0
	defer func() { spillAt = old }()
	l := newListing()
	defer l.close()
	l.add("a", object{Size: 1})
	l.add("b", object{Size: 2})
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files left in the temporary directory: %v", len(entries), entries)
	}
	if err := l.recs.w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := l.recs.f.Truncate(l.recs.size - 3); err != nil {
		t.Fatal(err)
	}
	err := l.each(func(string, object) bool { return true })
	if !errors.Is(err, errCorrupt) {
		t.Errorf("reading a cut table: %v, want errCorrupt", err)
	}
}

// FuzzReadListed: a listing's record decodes without a panic whatever its
// bytes, and one that decodes encodes back to the same bytes.
func FuzzReadListed(f *testing.F) {
	l := newListing()
	l.add("a.css", object{ETag: parseETag(`"0123456789abcdef0123456789abcdef"`), Size: 3, Modified: time.Unix(1780000000, 0).UTC()})
	f.Add(bytes.Clone(l.recs.mem))
	l = newListing()
	l.add("dir/x", object{ETag: parseETag(`W/"x"`), Size: 0, Modified: time.Unix(0, 5).UTC()})
	f.Add(bytes.Clone(l.recs.mem))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var buf []byte
		r := bytes.NewReader(b)
		key, o, err := readListed(r, &buf)
		if err != nil {
			return
		}
		again := newListing()
		again.add(key, o)
		if used := b[:len(b)-r.Len()]; !bytes.Equal(again.recs.mem, used) {
			// Varints have one encoding each but for padded ones;
			// what decodes must decode again to the same object.
			k2, o2, err := readListed(bytes.NewReader(again.recs.mem), &buf)
			if err != nil || k2 != key || o2.ETag != o.ETag || o2.Size != o.Size || !o2.Modified.Equal(o.Modified) {
				t.Errorf("%x decoded to %q %+v, which encodes to %x, decoded to %q %+v (%v)", used, key, o, again.recs.mem, k2, o2, err)
			}
		}
	})
}

// find returns the object listed under key: a pass over the listing.
func (l *listing) find(key string) (object, bool, error) {
	c := l.cursor()
	ok := c.seek(key)
	return c.obj, ok, c.err
}

// digest is D of a marker on key (listing.digests).
func (l *listing) digest(key string) (string, error) {
	d, err := l.digests([]string{key})
	if err != nil {
		return "", err
	}
	return d[0], nil
}

// files returns every file of s, in key order.
func (s *site) files() ([]*file, error) {
	out := make([]*file, 0, s.len())
	err := s.each(func(f *file) bool {
		out = append(out, f)
		return true
	})
	return out, err
}
