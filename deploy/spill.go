package deploy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// spillAt is the bytes of records a records keeps in memory; beyond, they
// go to a temporary file. Tests lower it.
var spillAt = 1 << 20

// records is a sequence of encoded records, appended in order and read
// back in that order, as often as needed and by several readers at once,
// held in memory up to spillAt bytes and in a temporary file beyond, so
// that a table of one record per object does not grow the deploy's memory
// with the site (issue 31: peak RSS ≤ 100 MiB whatever the site's size).
// The file is removed as soon as it is created where the system allows
// it (it goes with the process, even a killed one), else by close.
type records struct {
	n    int
	mem  []byte
	f    *os.File
	name string // f's name while it could not be removed
	w    *bufio.Writer
	size int64      // bytes written to f, buffered ones included
	err  error      // the first error writing f
	mu   sync.Mutex // for readers made at once: the first flushes w
}

// add appends one encoded record.
func (r *records) add(rec []byte) {
	r.n++
	if r.err != nil {
		return
	}
	if r.f == nil && len(r.mem)+len(rec) <= spillAt {
		r.mem = append(r.mem, rec...)
		return
	}
	if r.f == nil {
		f, err := os.CreateTemp("", "cfinv-deploy-*")
		if err != nil {
			r.err = fmt.Errorf("spill a table to disk: %w", err)
			return
		}
		r.f, r.w = f, bufio.NewWriterSize(f, 64<<10)
		if os.Remove(f.Name()) != nil {
			r.name = f.Name()
		}
		r.write(r.mem)
		r.mem = nil
	}
	r.write(rec)
}

func (r *records) write(b []byte) {
	if r.err != nil {
		return
	}
	n, err := r.w.Write(b)
	r.size += int64(n)
	if err != nil {
		r.err = fmt.Errorf("spill a table to disk: %w", err)
	}
}

// len is the number of records added.
func (r *records) len() int { return r.n }

// spilled reports whether the records are in a file.
func (r *records) spilled() bool { return r.f != nil }

// reader reads the records from the first. No record may be added while
// it is used.
func (r *records) reader() (recordReader, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	if r.f == nil {
		return bytes.NewReader(r.mem), nil
	}
	if err := r.w.Flush(); err != nil {
		r.err = fmt.Errorf("spill a table to disk: %w", err)
		return nil, r.err
	}
	return bufio.NewReaderSize(io.NewSectionReader(r.f, 0, r.size), 64<<10), nil
}

// close releases the file, if any.
func (r *records) close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	if r.name != "" {
		err = errors.Join(err, os.Remove(r.name))
	}
	r.f, r.w, r.name = nil, nil, ""
	return err
}

// recordReader is what records are decoded from.
type recordReader interface {
	io.Reader
	io.ByteReader
}

// The encoding of records: unsigned and signed varints, and strings as
// their length and bytes.

func putString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// readString reads a string of putString, using buf for its bytes.
func readString(r recordReader, buf *[]byte) (string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return "", err
	}
	if n > 1<<20 {
		return "", fmt.Errorf("a string of %d bytes in a table: %w", n, errCorrupt)
	}
	if cap(*buf) < int(n) {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	if _, err := io.ReadFull(r, b); err != nil {
		return "", noEOF(err)
	}
	return string(b), nil
}

// errCorrupt is a table that does not decode: its file was changed under
// the deploy.
var errCorrupt = errors.New("the deploy's temporary table is damaged")

// noEOF is err, an error within a record, where an end of the file means
// the table was cut.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %w", errCorrupt, io.ErrUnexpectedEOF)
	}
	return err
}
