package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cfinv/cfinv/deploy"
)

// uploadsInMemory is how many uploads an uploadList holds in memory before
// it writes the rest to disk: about 450 KiB.
var uploadsInMemory = 4096

// uploadList holds the uploads of a deploy for its report, given by
// deploy.Options.EachUpload, so that the report of a deploy of any number
// of files does not hold them all (issue 31: peak RSS ≤ 100 MiB whatever
// the site's size): the first uploadsInMemory in memory, the rest as JSON
// lines in a temporary file in os.TempDir, removed as soon as it is
// created (on a system that refuses that, when the list is closed).
type uploadList struct {
	n    int
	mem  []deploy.Upload
	f    *os.File
	w    *bufio.Writer
	size int64  // bytes written to f
	name string // f's name when it could not be removed at once
	err  error  // the first failure to write f
}

// add appends u.
func (l *uploadList) add(u deploy.Upload) {
	l.n++
	if l.f == nil && len(l.mem) < uploadsInMemory {
		l.mem = append(l.mem, u)
		return
	}
	if l.err != nil {
		return
	}
	if l.f == nil {
		f, err := os.CreateTemp("", "cfinv-uploads-*")
		if err != nil {
			l.err = fmt.Errorf("keep the list of uploads on disk: %w", err)
			return
		}
		l.f, l.w = f, bufio.NewWriterSize(f, 64<<10)
		if os.Remove(f.Name()) != nil {
			l.name = f.Name()
		}
	}
	b, err := json.Marshal(u)
	if err == nil {
		b = append(b, '\n')
		var n int
		n, err = l.w.Write(b)
		l.size += int64(n)
	}
	if err != nil {
		l.err = fmt.Errorf("keep the list of uploads on disk: %w", err)
	}
}

// len is the number of uploads added.
func (l *uploadList) len() int { return l.n }

// each calls fn with each upload, in the order added, until it returns
// false, and returns the failure to write or read the list, if any.
func (l *uploadList) each(fn func(deploy.Upload) bool) error {
	if l.err != nil {
		return l.err
	}
	for _, u := range l.mem {
		if !fn(u) {
			return nil
		}
	}
	if l.f == nil {
		return nil
	}
	if err := l.w.Flush(); err != nil {
		l.err = fmt.Errorf("keep the list of uploads on disk: %w", err)
		return l.err
	}
	dec := json.NewDecoder(bufio.NewReaderSize(io.NewSectionReader(l.f, 0, l.size), 64<<10))
	for read := len(l.mem); read < l.n; read++ {
		var u deploy.Upload
		if err := dec.Decode(&u); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("read the list of uploads back from disk: %w", err)
		}
		if !fn(u) {
			return nil
		}
	}
	return nil
}

// close removes the list's file, if any.
func (l *uploadList) close() {
	if l.f != nil {
		l.f.Close()
		if l.name != "" {
			os.Remove(l.name)
		}
		l.f = nil
	}
	l.mem = nil
}
