package deploy

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
)

// site is the files of Dir in key order, kept as records (spill.go), not
// as a table of one file per object: a deploy reads it in key order,
// beside the listing, and holds no file of it beyond spillAt bytes but
// those it uploads (issue 31: peak RSS ≤ 100 MiB whatever the site's
// size). A file's Settings and headers are those of an index into the
// site's few sets of them.
type site struct {
	recs     records
	hashed   bool        // the records hold sizes and digests (scan's second part)
	changes  bool        // the records are changes (addChange), hashed
	settings []*Settings // by index
	headers  []map[string]string
	index    map[*Settings]int
	prefix   string // a file's Rel is its key after prefix and "/"
	last     string
	buf      []byte
	bytes    int64 // of the changes' objects
}

func newSite(prefix string, hashed bool) *site {
	return &site{prefix: prefix, hashed: hashed, index: map[*Settings]int{}}
}

// newChanges is a table of changes: the objects to upload, in key order.
func newChanges(prefix string) *site {
	s := newSite(prefix, true)
	s.changes = true
	return s
}

// reasons are the Reasons a change record holds, by code.
var reasons = []Reason{ReasonNew, ReasonChanged, ReasonHeaders, ReasonRestored}

// addChange appends c, whose key is after the last one added, to a table
// of changes.
func (s *site) addChange(c *change) {
	code := slices.Index(reasons, c.reason)
	if !s.changes || code < 0 {
		panic(fmt.Sprintf("deploy: change %q of reason %q added to a table of files", c.f.Key, c.reason))
	}
	flags := byte(0)
	if c.replaced {
		flags = 1
	}
	s.add(c.f, byte(code), flags)
	s.bytes += c.f.Size
}

// add appends f, whose key is after the last one added, and the bytes of
// a change.
func (s *site) add(f *file, change ...byte) {
	if s.changes != (len(change) == 2) {
		panic(fmt.Sprintf("deploy: %q added with %d bytes of a change to a table of changes %v", f.Key, len(change), s.changes))
	}
	if s.recs.len() > 0 && f.Key <= s.last {
		panic(fmt.Sprintf("deploy: site: %q added after %q", f.Key, s.last))
	}
	s.last = f.Key
	i, ok := s.index[f.Settings]
	if !ok {
		i = len(s.settings)
		s.index[f.Settings] = i
		s.settings = append(s.settings, f.Settings)
		s.headers = append(s.headers, f.Headers)
	}
	b := putString(s.buf[:0], f.Key)
	b = binary.AppendUvarint(b, uint64(i))
	if s.hashed {
		b = binary.AppendVarint(b, f.Size)
		b = append(b, f.md5[:]...)
		b = append(b, f.sha[:]...)
		b = append(b, f.objHash[:]...)
	}
	b = append(b, change...)
	s.buf = b
	s.recs.add(b)
}

// len is the number of files.
func (s *site) len() int { return s.recs.len() }

// close releases the site's file, if any.
func (s *site) close() error { return s.recs.close() }

// fileCursor reads a site in key order; each file it gives is its own.
type fileCursor struct {
	s   *site
	r   recordReader
	buf []byte
	n   int   // files left
	f   *file // the current file
	ok  bool  // f is the current file
	err error
	// The current change, in a table of changes.
	reason   Reason
	replaced bool
}

// cursor returns a cursor on the first file, if any.
func (s *site) cursor() *fileCursor {
	r, err := s.recs.reader()
	c := &fileCursor{s: s, r: r, n: s.len(), err: err}
	c.next()
	return c
}

// next moves c to the next file; c.ok is false after the last one or on
// an error (c.err).
func (c *fileCursor) next() {
	c.ok, c.f = false, nil
	if c.err != nil || c.n == 0 {
		return
	}
	c.n--
	c.f, c.err = c.s.read(c.r, &c.buf)
	if c.err == nil && c.s.changes {
		var b [2]byte
		if _, err := io.ReadFull(c.r, b[:]); err != nil {
			c.err = noEOF(err)
		} else if int(b[0]) >= len(reasons) || b[1] > 1 {
			c.err = fmt.Errorf("%w: change %d/%d", errCorrupt, b[0], b[1])
		} else {
			c.reason, c.replaced = reasons[b[0]], b[1] == 1
		}
	}
	c.ok = c.err == nil
}

// change is the current change, in a table of changes.
func (c *fileCursor) change() *change {
	return &change{f: c.f, reason: c.reason, replaced: c.replaced}
}

// seek moves c to the first file at or after key (keys sought in key
// order) and reports whether it is key's.
func (c *fileCursor) seek(key string) bool {
	for c.ok && c.f.Key < key {
		c.next()
	}
	return c.ok && c.f.Key == key
}

func (s *site) read(r recordReader, buf *[]byte) (*file, error) {
	key, err := readString(r, buf)
	if err != nil {
		return nil, noEOF(err)
	}
	i, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, noEOF(err)
	}
	if i >= uint64(len(s.settings)) {
		return nil, fmt.Errorf("%w: settings %d of %d", errCorrupt, i, len(s.settings))
	}
	f := &file{Key: key, Rel: key, Settings: s.settings[i], Headers: s.headers[i]}
	if s.prefix != "" {
		rel, ok := strings.CutPrefix(key, s.prefix+"/")
		if !ok {
			return nil, fmt.Errorf("%w: key %q outside the prefix", errCorrupt, key)
		}
		f.Rel = rel
	}
	if !s.hashed {
		return f, nil
	}
	if f.Size, err = binary.ReadVarint(r); err != nil {
		return nil, noEOF(err)
	}
	for _, b := range [][]byte{f.md5[:], f.sha[:], f.objHash[:]} {
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, noEOF(err)
		}
	}
	return f, nil
}

// each calls fn with each file in key order until fn returns false.
func (s *site) each(fn func(f *file) bool) error {
	c := s.cursor()
	for ; c.ok; c.next() {
		if !fn(c.f) {
			return nil
		}
	}
	return c.err
}
