package s3store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cfinv/cfinv/internal/fsync"
)

// The write-ahead log makes a PUT durable with one shared fdatasync and
// no file created.
//
// A PUT of up to inlineMax bytes appends one record (the object's
// metadata and its bytes) to the bucket's log, BUCKET/wal/SEQ.log, and
// waits for an fdatasync of the log that started after its append: one
// fdatasync covers every PUT waiting at the time (group commit), where a
// PUT otherwise creates and fsyncs two files and fsyncs two directories.
// The object is then in the index and acknowledged, and GetObject reads
// its bytes from the log. A larger object's bytes are fsynced in objects/
// as before, its record holds only the metadata, and its meta/NAME.json
// is written at once.
//
// When a log passes segmentMax bytes the next record starts a new one,
// and the old one waits for its checkpoint: until the store has had no
// request for quietPeriod, or until the logs waiting in the bucket pass
// maxBacklog bytes (then the oldest are checkpointed at once, so a
// restart never replays more than that). Reading an object from a log
// costs what reading it from its own file does, so the logs can wait;
// the checkpoint's file creations cost CPU and disk time that would
// otherwise land on the requests of a busy store; for the same reason, a
// checkpoint started in a quiet moment steps aside, after the log it is
// on, when requests come back. A checkpoint, in the
// background and oldest log first, writes each object of the log that
// is still current to objects/ID and meta/NAME.json, fsyncs those files
// (only them: syncfs would also write back every other dirty file of a
// shared disk) and their directories, from many goroutines at once,
// which the file system commits together, points the index at them,
// then removes the log.
// Open replays every log left (the records up to the first torn one in
// each, in order), fsyncing what it writes, then removes them: a crash or
// power cut loses no acknowledged PUT or DELETE and never leaves a
// half-written object visible, as before, and after a restart every
// object is in objects/ and meta/ again.
const inlineMax = 1 << 20

// segmentMax is the size past which a log is closed and a new one
// started; quietPeriod how long the store must go without a request
// before closed logs are checkpointed; maxBacklog the bytes of closed
// logs a bucket keeps at most. Variables for tests.
var (
	segmentMax  int64 = 16 << 20
	quietPeriod       = time.Second
	maxBacklog  int64 = 128 << 20
)

// Record operations.
const (
	opPutInline = 'P' // metadata and bytes
	opPutRef    = 'R' // metadata; the bytes are in objects/ID, fsynced
	opDelete    = 'D' // metadata holds only the key
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// activity records when a store last served a request, so checkpoints
// wait for a quiet moment.
type activity struct {
	last atomic.Int64 // time.Since(epoch) at the last request
}

// epoch is the origin of activity's monotonic times.
var epoch = time.Now()

// touch records a request now.
func (a *activity) touch() { a.last.Store(int64(time.Since(epoch))) }

// idle returns the time since the last request.
func (a *activity) idle() time.Duration { return time.Since(epoch) - time.Duration(a.last.Load()) }

// bufs holds the buffers a small PUT reads its body into and frames its
// record in, so that a PUT does not allocate (and the GC clear) 100 KiB
// or so of each: 16 PUTs at once need 32 of them.
var bufs sync.Pool

// pooledMax is the largest buffer put back in bufs.
const pooledMax = 256 << 10

// getBuf returns an empty buffer of at least n bytes' capacity.
func getBuf(n int) *[]byte {
	if b, ok := bufs.Get().(*[]byte); ok && cap(*b) >= n {
		*b = (*b)[:0]
		return b
	}
	b := make([]byte, 0, max(n, 64<<10))
	return &b
}

// putBuf gives b back to bufs unless it grew past pooledMax.
func putBuf(b *[]byte) {
	if cap(*b) <= pooledMax {
		bufs.Put(b)
	}
}

// logLoc is where in a log an object's bytes are.
type logLoc struct {
	path string
	off  int64
}

// wal is a bucket's write-ahead log.
type wal struct {
	dir string // BUCKET/wal
	b   *bucket

	act *activity // the store's

	mu   sync.Mutex
	seg  *segment
	next uint64 // sequence number of the next segment

	// backlog holds the closed segments not yet checkpointed, oldest
	// first, and backlogBytes their size; quiet is armed while they wait
	// for the store to go quiet.
	backlog      []*segment
	backlogBytes int64
	quiet        *time.Timer

	// lastCkpt closes when the last checkpoint started ends: checkpoints
	// run one at a time, oldest first.
	lastCkpt chan struct{}
	ckptErr  error // of the last checkpoint that failed, until flush reports it
	// flushing is set by flush: a checkpoint started in a quiet moment
	// then finishes its segments even if requests return.
	flushing bool
}

// checkpointed, when set (by tests), is called after each segment a
// checkpoint wrote.
var checkpointed func()

// segment is one log file.
type segment struct {
	path string
	f    *os.File
	size int64
	gs   *dirSync // group commit of f's fdatasyncs

	pending sync.WaitGroup // records appended and not yet applied
	mu      sync.Mutex
	written []string  // files the records' applying wrote, to fsync at checkpoint
	inline  []*Object // objects whose bytes are in this log (w.mu)
}

// append writes a record to the log and returns its segment, with a
// pending count the caller releases (done) once it has applied the
// record. The record is durable once seg.gs.sync returns. For an inline
// PUT it sets o.inLog.
func (w *wal) append(op byte, o *Object, data []byte) (*segment, error) {
	meta, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	fb := getBuf(8 + 1 + binary.MaxVarintLen64 + len(meta) + len(data))
	defer putBuf(fb)
	frame := append((*fb)[:0], make([]byte, 8)...)
	frame = append(frame, op)
	frame = binary.AppendUvarint(frame, uint64(len(meta)))
	frame = append(frame, meta...)
	frame = append(frame, data...)
	*fb = frame
	payload := frame[8:]
	binary.LittleEndian.PutUint32(frame, uint32(len(payload)))
	binary.LittleEndian.PutUint32(frame[4:], crc32.Checksum(payload, crcTable))

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seg == nil || w.seg.size >= segmentMax {
		if err := w.rotate(); err != nil {
			return nil, err
		}
	}
	seg := w.seg
	if _, err := seg.f.Write(frame); err != nil {
		// A short write would leave a torn record in the middle of the
		// log: start a new segment for the next one.
		w.seg.size = segmentMax
		return nil, fmt.Errorf("append to log: %w", err)
	}
	if op == opPutInline {
		o.inLog = &logLoc{path: seg.path, off: seg.size + int64(len(frame)-len(data))}
		seg.inline = append(seg.inline, o)
	}
	seg.size += int64(len(frame))
	seg.pending.Add(1)
	return seg, nil
}

// rotate starts a new segment and puts the old one in the backlog. w.mu
// is held.
func (w *wal) rotate() error {
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return fmt.Errorf("create log: %w", err)
	}
	p := filepath.Join(w.dir, fmt.Sprintf("%016d.log", w.next))
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create log: %w", err)
	}
	if err := fsync.Dir(w.dir); err != nil {
		f.Close()
		return fmt.Errorf("create log: %w", err)
	}
	w.next++
	seg := &segment{path: p, f: f}
	seg.gs = &dirSync{syncFn: func(string) error { return fsync.Data(f) }}
	seg.gs.cond = sync.NewCond(&seg.gs.mu)
	if old := w.seg; old != nil {
		w.backlog = append(w.backlog, old)
		w.backlogBytes += old.size
	}
	w.seg = seg
	w.schedule()
	return nil
}

// schedule starts the checkpoints the backlog calls for: the oldest
// segments past maxBacklog now, all of them once the store has been quiet
// for quietPeriod; otherwise it arms a timer to look again then. w.mu is
// held.
func (w *wal) schedule() {
	var due []*segment
	for len(w.backlog) > 0 && w.backlogBytes >= maxBacklog {
		due = append(due, w.backlog[0])
		w.backlogBytes -= w.backlog[0].size
		w.backlog = w.backlog[1:]
	}
	w.startCheckpoints(due, false)
	idle := w.act.idle()
	if len(w.backlog) > 0 && idle >= quietPeriod {
		w.startCheckpoints(w.backlog, true)
		w.backlog, w.backlogBytes = nil, 0
	}
	if w.quiet != nil {
		w.quiet.Stop()
		w.quiet = nil
	}
	if len(w.backlog) == 0 {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(quietPeriod-idle, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.quiet == t { // not stopped and replaced meanwhile
			w.quiet = nil
			w.schedule()
		}
	})
	w.quiet = t
}

// startCheckpoints checkpoints segs in order, after the checkpoints
// started before: oldest first, one at a time, as replaying a newer log
// before an older one could bring back an object the newer one replaced.
// A checkpoint started because the store was quiet (yield) steps aside
// when requests return: after each segment, if the store is no longer
// quiet, the segments left go back to the front of the backlog to wait
// for the next quiet moment (or for maxBacklog), so the checkpoint's file
// writes do not land on the requests that came back. w.mu is held.
func (w *wal) startCheckpoints(segs []*segment, yield bool) {
	if len(segs) == 0 {
		return
	}
	segs = slices.Clone(segs)
	prev, done := w.lastCkpt, make(chan struct{})
	w.lastCkpt = done
	go func() {
		defer close(done)
		if prev != nil {
			<-prev
		}
		for i, seg := range segs {
			if yield && i > 0 && w.act.idle() < quietPeriod && w.putBack(segs[i:]) {
				return
			}
			w.checkpoint(seg)
			if checkpointed != nil {
				checkpointed()
			}
		}
	}()
}

// putBack returns segs, not checkpointed, to the front of the backlog and
// schedules them again, unless a flush is under way (it waits for them):
// then it reports false and the checkpoint goes on.
func (w *wal) putBack(segs []*segment) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.flushing {
		return false
	}
	w.backlog = append(slices.Clone(segs), w.backlog...)
	for _, seg := range segs {
		w.backlogBytes += seg.size
	}
	w.schedule()
	return true
}

// flush checkpoints the backlog and the current segment, waits for every
// checkpoint to end and returns the error of one that failed since the
// last flush.
func (w *wal) flush() error {
	w.mu.Lock()
	if w.seg != nil {
		w.backlog = append(w.backlog, w.seg)
		w.seg = nil
	}
	w.flushing = true
	w.startCheckpoints(w.backlog, false)
	w.backlog, w.backlogBytes = nil, 0
	if w.quiet != nil {
		w.quiet.Stop()
		w.quiet = nil
	}
	last := w.lastCkpt
	w.mu.Unlock()
	if last != nil {
		<-last
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushing = false
	err := w.ckptErr
	w.ckptErr = nil
	return err
}

// done records that the caller applied its record (or gave up on it),
// having written the files named.
func (s *segment) done(files ...string) {
	s.mu.Lock()
	s.written = append(s.written, files...)
	s.mu.Unlock()
	s.pending.Done()
}

// checkpoint writes the objects still in old to objects/ and meta/, makes
// them and the files old's records wrote durable, then removes old. On an
// error it keeps the segment, which the next Open replays.
func (w *wal) checkpoint(old *segment) {
	old.pending.Wait()
	err := old.gs.sync()
	if err == nil {
		err = w.b.materialize(old)
	}
	if err == nil {
		err = syncFiles(old.written)
	}
	old.f.Close()
	if err == nil {
		err = os.Remove(old.path)
	}
	if err == nil {
		err = fsync.Dir(w.dir)
	}
	if err != nil {
		w.mu.Lock()
		w.ckptErr = fmt.Errorf("checkpoint log %s: %w", filepath.Base(old.path), err)
		w.mu.Unlock()
	}
}

// syncFiles fsyncs the files at paths (skipping those removed since) and
// their directories, from several goroutines at once: the file system
// commits concurrent fsyncs together (ext4 in one journal commit).
func syncFiles(paths []string) error {
	var (
		mu   sync.Mutex
		errs error
		wg   sync.WaitGroup
		next = make(chan string)
	)
	dirs := map[string]bool{}
	for _, p := range paths {
		dirs[filepath.Dir(p)] = true
	}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				f, err := os.Open(p)
				if errors.Is(err, fs.ErrNotExist) {
					continue // replaced or deleted since, by a later record
				}
				if err == nil {
					err = errors.Join(fsync.Data(f), f.Close())
				}
				if err != nil {
					mu.Lock()
					errs = errors.Join(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, p := range paths {
		next <- p
	}
	close(next)
	wg.Wait()
	for d := range dirs {
		errs = errors.Join(errs, fsync.Dir(d))
	}
	return errs
}

// materialize writes each object whose bytes are in seg and that is still
// current to objects/ID and meta/NAME.json, unsynced, and points the index
// at them; it adds the files to seg.written.
func (b *bucket) materialize(seg *segment) error {
	r, err := os.Open(seg.path)
	if err != nil {
		return err
	}
	defer r.Close()
	for _, o := range seg.inline {
		lock := &b.locks[lockIndex(o.Key)]
		lock.Lock()
		b.mu.RLock()
		current := b.objects[o.Key] == o
		b.mu.RUnlock()
		if !current {
			lock.Unlock()
			continue // replaced or deleted by a later record
		}
		o2 := *o
		o2.inLog = nil
		dataPath := filepath.Join(b.dir, "objects", o.Data)
		_, err := writeData(dataPath, io.NewSectionReader(r, o.inLog.off, o.Size), false)
		var raw []byte
		if err == nil {
			raw, err = json.MarshalIndent(&o2, "", "  ")
		}
		if err == nil {
			// In place, without a temporary file and a rename: until the
			// checkpoint ends the log holds the record, and Open rewrites
			// the file from it if a crash cut this write short.
			_, err = writeData(filepath.Join(b.dir, "meta", metaName(o.Key)), bytes.NewReader(raw), false)
		}
		if err != nil {
			lock.Unlock()
			return err
		}
		b.mu.Lock()
		b.objects[o.Key] = &o2
		b.mu.Unlock()
		lock.Unlock()
		seg.written = append(seg.written, dataPath, filepath.Join(b.dir, "meta", metaName(o.Key)))
	}
	return nil
}

// replay applies the logs a previous run left in b's wal directory, makes
// what it wrote durable and removes them.
func (b *bucket) replay() error {
	ents, err := os.ReadDir(b.wal.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read log: %w", err)
	}
	var logs []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".log") {
			logs = append(logs, e.Name())
		}
	}
	slices.Sort(logs)
	for _, name := range logs {
		if err := b.replayFile(filepath.Join(b.wal.dir, name)); err != nil {
			return fmt.Errorf("replay log %s: %w", name, err)
		}
	}
	if len(logs) == 0 {
		return nil
	}
	for _, d := range []string{"objects", "meta"} {
		if err := fsync.Dir(filepath.Join(b.dir, d)); err != nil {
			return fmt.Errorf("replay log: %w", err)
		}
	}
	for _, name := range logs {
		if err := os.Remove(filepath.Join(b.wal.dir, name)); err != nil {
			return fmt.Errorf("replay log: %w", err)
		}
	}
	if err := fsync.Dir(b.wal.dir); err != nil {
		return fmt.Errorf("replay log: %w", err)
	}
	return nil
}

// replayFile applies the records of one log up to its end or its first
// torn record (one whose PUT was never acknowledged).
func (b *bucket) replayFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var head [8]byte
	for {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return nil // end, or a torn header
		}
		n := binary.LittleEndian.Uint32(head[:])
		if n == 0 || n > 2*inlineMax {
			return nil // torn: no record is this long
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil || crc32.Checksum(payload, crcTable) != binary.LittleEndian.Uint32(head[4:]) {
			return nil
		}
		op, rest := payload[0], payload[1:]
		mlen, k := binary.Uvarint(rest)
		if k <= 0 || mlen > uint64(len(rest)-k) {
			return nil
		}
		o := &Object{}
		if err := json.Unmarshal(rest[k:k+int(mlen)], o); err != nil {
			return nil
		}
		data := rest[k+int(mlen):]
		if err := b.applyRecord(op, o, data); err != nil {
			return err
		}
	}
}

func (b *bucket) applyRecord(op byte, o *Object, data []byte) error {
	metaDir := filepath.Join(b.dir, "meta")
	switch op {
	case opDelete:
		if err := os.Remove(filepath.Join(metaDir, metaName(o.Key))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	case opPutInline:
		if _, err := writeData(filepath.Join(b.dir, "objects", o.Data), bytes.NewReader(data), true); err != nil {
			return err
		}
	case opPutRef:
		if _, err := os.Stat(filepath.Join(b.dir, "objects", o.Data)); errors.Is(err, fs.ErrNotExist) {
			// Removed only once a later record replaced the object.
			return nil
		}
	default:
		return nil
	}
	raw, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	return writeFileNoDirSync(metaDir, metaName(o.Key), raw, true)
}
