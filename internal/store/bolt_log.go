package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/cfinv/cfinv/internal/fsync"
)

// The create log (cfinv issue 16). A bbolt commit writes its pages, fsyncs,
// writes its meta page and fsyncs again, and spends as much CPU again on
// the copy-on-write pages; under a stream of CreateInvalidation calls that
// was most of the server's cost. So a group of creates is first appended
// to this log, one write and one fdatasync for the whole group, and each
// create is acknowledged once that fdatasync has returned. The created
// invalidations are kept in memory (the overlay, bolt_overlay.go), where
// reads find them, and moved into the bbolt file in one ordinary, fsync'd
// bbolt transaction (a checkpoint) every few thousand creates, after a
// second without any, before any other write, and at Close. That
// transaction also stores the log sequence number (LSN) of the last record
// it moved, so the log can then be emptied.
//
// The bbolt file is only ever written by ordinary bbolt commits, so it is
// as crash-safe as before; the log only adds the creates since the last
// checkpoint. OpenBolt replays the records whose LSN is above the stored
// one, in one transaction, then empties the log.
//
// Record format, big-endian:
//
//	[4] payload length n, its top bit set on the first record of a group
//	    (logGroupStart)
//	[4] CRC-32C (Castagnoli) of the next 8+n bytes
//	[8] LSN: one more than the previous record's
//	[n] payload: the invalidation's JSON, as stored in ids/
//
// Reading stops at the first record that is short, longer than
// maxLogRecord, fails its CRC, or does not continue the LSN sequence: a
// group cut off by a crash was never acknowledged, and bytes left from
// before the log was last emptied carry LSNs at or below the applied one
// stored in the bbolt file.
//
// What stops reading may instead be damage in the middle of the log, with
// acknowledged records after it (cfinv issue 24 item 4). A group is
// written only once the one before it is on disk, so the first record of
// a later group, intact, past the stopping point and with an LSN above
// every one read (hence not left from an earlier cycle), proves that the
// records lost at the stopping point were acknowledged. OpenBolt then
// refuses the log with a *CorruptError and leaves it as it is. Records of
// the stopping record's own group that follow it are not proof: a crash
// in the middle of that group's write may have put some of its blocks on
// disk and not others, and it was not acknowledged.
//
// Emptying the log only starts writing at offset 0 again. The file is
// grown in logChunk steps of zeros, so an append overwrites blocks the file
// already has and its fdatasync need not commit a change of size to the
// file system's journal (0.13 instead of 0.20 ms per write on ext4 here).

// logSuffix names the log after its bbolt file: state.db-log.
const logSuffix = "-log"

const (
	logHeaderSize = 16
	// logGroupStart is the length field's flag for the first record of
	// a group.
	logGroupStart = 1 << 31
	// maxLogRecord bounds one record's payload, so a damaged length
	// cannot make recovery allocate without limit; the commit loop refuses
	// a create whose record would be longer. The emulator's request bodies
	// are at most 1 MiB by default.
	maxLogRecord = 64 << 20
	// logChunk is how much the log grows at a time.
	logChunk = 1 << 20
)

var logCRC = crc32.MakeTable(crc32.Castagnoli)

// zeroChunk is what the log grows by.
var zeroChunk [logChunk]byte

// errLogBroken marks a log whose last write or fdatasync failed. After a
// failed fdatasync the kernel may have dropped the dirty pages, so nothing
// more is appended to the file as it is: the next group first moves the
// acknowledged creates into the bbolt file and starts the log afresh
// (Bolt.restartLogLocked), and fails with this error, wrapping the cause,
// while that is not possible.
var errLogBroken = errors.New("create log unusable after a failed write")

// logRecord is one record read back from the log.
type logRecord struct {
	lsn     uint64
	payload []byte
}

// createLog is the open log. Only the commit loop and checkpoints (which
// hold Bolt.writeMu) use it.
type createLog struct {
	f    *os.File
	path string
	buf  []byte
	// next is the LSN the next appended record gets.
	next uint64
	// off is where the next write goes; size is the file's size, zeros
	// past what was written.
	off, size int64
	// err is set once a write or fdatasync fails, until restart.
	err error
	// datasync is fdatasync; tests make it fail.
	datasync func(*os.File) error
}

// openLog opens (creating, mode 0600) the log at path and reads its
// records. applied is the LSN of the last record the bbolt file holds:
// when the records read stop at damage that acknowledged records follow
// (see the format above), it returns a *CorruptError naming the log. It
// does not change the file.
func openLog(path string, applied uint64) (*createLog, []logRecord, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open create log: %w", err)
	}
	recs, err := readCheckedLog(f, path, applied)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	// The file may have just been created: its directory entry must be
	// durable before any record in it is acknowledged.
	if err := fsync.Dir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("create log %s: sync its directory: %w", path, err)
	}
	return &createLog{f: f, path: path, datasync: fsync.Data}, recs, nil
}

// readCheckedLog reads f's records and refuses the log when damage hides
// acknowledged ones.
func readCheckedLog(f *os.File, path string, applied uint64) ([]logRecord, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read create log %s: %w", path, err)
	}
	recs, stop, err := readLog(bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("read create log %s: %w", path, err)
	}
	last := applied
	for _, r := range recs {
		last = max(last, r.lsn)
	}
	at, lsn, err := laterGroup(f, stop, fi.Size(), last)
	if err != nil {
		return nil, fmt.Errorf("read create log %s: %w", path, err)
	}
	if at >= 0 {
		return nil, &CorruptError{Path: path, Reason: fmt.Sprintf(
			"the record at byte %d is damaged and a later write follows it (record %d at byte %d): creates acknowledged after the damage would be lost",
			stop, lsn, at)}
	}
	return recs, nil
}

// readLog reads records up to the first one that is cut off, damaged or
// out of sequence (see the format above), and returns them and the offset
// where it stopped. Only a failing reader is an error.
func readLog(r io.Reader) ([]logRecord, int64, error) {
	var (
		recs []logRecord
		hdr  [logHeaderSize]byte
		off  int64
	)
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return recs, off, nil
			}
			return nil, 0, err
		}
		n, sum, lsn := parseHeader(hdr[:])
		if n > maxLogRecord || lsn == 0 || (len(recs) > 0 && lsn != recs[len(recs)-1].lsn+1) {
			return recs, off, nil
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return recs, off, nil
			}
			return nil, 0, err
		}
		if recordSum(hdr[8:16], payload) != sum {
			return recs, off, nil
		}
		recs = append(recs, logRecord{lsn: lsn, payload: payload})
		off += logHeaderSize + int64(n)
	}
}

// parseHeader splits a record header; n keeps the group-start flag.
func parseHeader(hdr []byte) (n, sum uint32, lsn uint64) {
	return binary.BigEndian.Uint32(hdr[0:4]) &^ logGroupStart, binary.BigEndian.Uint32(hdr[4:8]), binary.BigEndian.Uint64(hdr[8:16])
}

func recordSum(lsn, payload []byte) uint32 {
	return crc32.Update(crc32.Checksum(lsn, logCRC), logCRC, payload)
}

// laterGroup looks at every offset of r from from to size for the intact
// first record of a group whose LSN is above last, and returns its offset
// and LSN, or -1 when there is none.
func laterGroup(r io.ReaderAt, from, size int64, last uint64) (int64, uint64, error) {
	const window = 1 << 20
	buf := make([]byte, window+logHeaderSize)
	for base := from; base+logHeaderSize <= size; base += window {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-base)], base)
		if err != nil && !errors.Is(err, io.EOF) {
			return -1, 0, err
		}
		for i := 0; i+logHeaderSize <= n && i < window; i++ {
			h := buf[i : i+logHeaderSize]
			if h[0]&0x80 == 0 {
				continue // not the first record of a group
			}
			plen, sum, lsn := parseHeader(h)
			at := base + int64(i)
			if lsn <= last || plen > maxLogRecord || at+logHeaderSize+int64(plen) > size {
				continue
			}
			payload := make([]byte, plen)
			if _, err := r.ReadAt(payload, at+logHeaderSize); err != nil {
				return -1, 0, err
			}
			if recordSum(h[8:16], payload) == sum {
				return at, lsn, nil
			}
		}
	}
	return -1, 0, nil
}

// appendRecord adds one record to the pending write and returns its LSN.
// Nothing reaches the file before sync.
func (l *createLog) appendRecord(payload []byte) uint64 {
	lsn := l.next
	l.next++
	var hdr [logHeaderSize]byte
	n := uint32(len(payload))
	if len(l.buf) == 0 {
		n |= logGroupStart
	}
	binary.BigEndian.PutUint32(hdr[0:4], n)
	binary.BigEndian.PutUint64(hdr[8:16], lsn)
	binary.BigEndian.PutUint32(hdr[4:8], recordSum(hdr[8:16], payload))
	l.buf = append(l.buf, hdr[:]...)
	l.buf = append(l.buf, payload...)
	return lsn
}

// sync writes the pending records at the end of the log and fdatasyncs
// it. On failure the log is broken for good (see errLogBroken).
func (l *createLog) sync() error {
	if l.err != nil {
		return l.err
	}
	if len(l.buf) == 0 {
		return nil
	}
	end := l.off + int64(len(l.buf))
	var err error
	if end > l.size {
		grown := (end + logChunk - 1) / logChunk * logChunk
		for err == nil && l.size < grown {
			_, err = l.f.WriteAt(zeroChunk[:], l.size)
			if err == nil {
				l.size += logChunk
			}
		}
	}
	if err == nil {
		_, err = l.f.WriteAt(l.buf, l.off)
	}
	if err == nil {
		err = l.datasync(l.f)
	}
	if err != nil {
		l.err = fmt.Errorf("%w: %s: %w", errLogBroken, l.path, err)
		// Best effort: cut the failed group's bytes off, so a process
		// killed before the log is restarted does not replay creates
		// that were answered with an error. (After a power cut they
		// may still come back; their callers were told to retry.)
		if l.f.Truncate(l.off) == nil {
			l.size = l.off
		}
		return l.err
	}
	l.off = end
	l.buf = l.buf[:0]
	if cap(l.buf) > 1<<20 {
		l.buf = nil // a huge group does not pin its buffer
	}
	return nil
}

// discard drops the records appended since the last sync, whose write
// failed. Their LSNs are not handed out again: some of the records may be
// on disk, and the checkpoint that restarts the log stores an applied LSN
// covering them, so reading never takes them.
func (l *createLog) discard() { l.buf = l.buf[:0] }

// reset empties the log once a checkpoint has committed every record in
// it: the next write goes to offset 0. Records left behind carry LSNs at
// or below the stored one, so reading skips them or stops at them.
func (l *createLog) reset() { l.off = 0 }

// truncate empties the file itself: when the log is opened, and at a
// clean Close.
func (l *createLog) truncate() error {
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("empty create log %s: %w", l.path, err)
	}
	l.off, l.size = 0, 0
	return nil
}

// restart starts a log whose write failed afresh, once a checkpoint has
// committed every record acknowledged and an applied LSN at or above
// every one the log has handed out: the file is emptied, so no page of
// the failed write is read or written again, and it is trusted again.
func (l *createLog) restart() error {
	if err := l.truncate(); err != nil {
		return err
	}
	l.err = nil
	return nil
}

func (l *createLog) close() error { return l.f.Close() }
