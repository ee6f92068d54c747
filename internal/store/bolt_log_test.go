package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cfinv/cfinv/internal/fsync"
)

// abandon stops b as a kill -9 would: no checkpoint, the log left as it is.
func abandon(t *testing.T, b *Bolt) {
	t.Helper()
	b.closeOnce.Do(func() {
		close(b.quit)
		<-b.loopDone
		_ = b.log.close()
		_ = b.db.Close()
		b.closeErr = ErrClosed
	})
}

// createN creates invalidations I<from>..I<to-1> (references r<n>), each
// running for an hour from commitT0.
func createN(t *testing.T, b *Bolt, dist string, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		id := fmt.Sprintf("I%03d", i)
		if _, created, err := b.CreateInvalidation(t.Context(), commitInv(dist, id, fmt.Sprint("r", i)), commitT0, nil); !created || err != nil {
			t.Fatalf("create %s: created %v, %v", id, created, err)
		}
	}
}

// listIDs pages through dist's invalidations, page at a time, and returns
// their IDs newest first.
func listIDs(t *testing.T, b *Bolt, dist string, page int) []string {
	t.Helper()
	var ids []string
	marker := ""
	for {
		items, truncated, err := b.ListInvalidations(t.Context(), dist, marker, page)
		if err != nil {
			t.Fatalf("list after %q: %v", marker, err)
		}
		for _, inv := range items {
			ids = append(ids, inv.ID)
		}
		if !truncated {
			return ids
		}
		marker = items[len(items)-1].ID
	}
}

func wantIDs(from, to int) []string {
	var ids []string
	for i := to - 1; i >= from; i-- {
		ids = append(ids, fmt.Sprintf("I%03d", i))
	}
	return ids
}

// unapplied returns how many records of the log at path+logSuffix are
// above the applied LSN stored in the file: what a crash now would leave
// to replay. The file must not be open elsewhere; b, when not nil, is the
// open store holding it, whose applied LSN is read through its handle.
func unapplied(t *testing.T, path string, b *Bolt) int {
	t.Helper()
	raw, err := os.ReadFile(path + logSuffix)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := readLog(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	db := (*bolt.DB)(nil)
	if b != nil {
		db = b.db
	} else {
		db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
	}
	var applied uint64
	err = db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bktLog).Get(keyApplied); len(v) == 8 {
			applied = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if r.lsn > applied {
			n++
		}
	}
	return n
}

// TestLogRecovery: creates acknowledged but never checkpointed (the
// process killed) are all back after reopening, with their sequence
// numbers, references, deadlines and list order, and nothing is left to
// replay.
func TestLogRecovery(t *testing.T) {
	b, dist := openCommitTest(t)
	path := b.Path()
	createN(t, b, dist, 0, 9)
	checkpoint(t, b)
	// Fewer records than the log held before its checkpoint: the
	// records after them are old ones, which recovery must not take.
	createN(t, b, dist, 9, 12)
	if n := unapplied(t, path, b); n != 3 {
		t.Fatalf("the log holds %d records to replay before the kill, want 3", n)
	}
	abandon(t, b)

	b, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	if n := unapplied(t, path, b); n != 0 {
		t.Errorf("log holds %d records to replay after recovery, want 0", n)
	}
	if n := b.ov.len(); n != 0 {
		t.Errorf("overlay holds %d after recovery, want 0 (replayed into the file)", n)
	}
	if got, want := listIDs(t, b, dist, 100), wantIDs(0, 12); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after recovery: %v, want %v", got, want)
	}
	if n, err := b.CountInProgress(t.Context(), dist, commitT0.Add(time.Minute)); n != 12 || err != nil {
		t.Errorf("CountInProgress after recovery = %d, %v; want 12", n, err)
	}
	got, created, err := b.CreateInvalidation(t.Context(), commitInv(dist, "I999", "r7"), commitT0, nil)
	if err != nil || created || got.ID != "I007" {
		t.Errorf("replaying r7 after recovery: %v created %v, %v; want I007 replayed", got, created, err)
	}
	got, created, err = b.CreateInvalidation(t.Context(), commitInv(dist, "I012", "r12"), commitT0, nil)
	if err != nil || !created || got.Seq != 13 {
		t.Errorf("next create after recovery: %+v created %v, %v; want sequence 13", got, created, err)
	}
	if err := b.db.View(func(tx *bolt.Tx) error { return verifyRecords(tx) }); err != nil {
		t.Errorf("file inconsistent after recovery: %v", err)
	}
}

// TestLogReadsAcrossCheckpoint: list pages, markers, counts and gets see
// one history whether an invalidation is in the overlay or the file.
func TestLogReadsAcrossCheckpoint(t *testing.T) {
	b, dist := openCommitTest(t)
	createN(t, b, dist, 0, 7)
	checkpoint(t, b)
	createN(t, b, dist, 7, 12)
	for page := 1; page <= 13; page++ {
		if got, want := listIDs(t, b, dist, page), wantIDs(0, 12); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("pages of %d: %v, want %v", page, got, want)
		}
	}
	for i := range 12 {
		id := fmt.Sprintf("I%03d", i)
		if inv, err := b.GetInvalidation(t.Context(), dist, id); err != nil || inv.Seq != uint64(i+1) {
			t.Errorf("get %s: %+v, %v; want sequence %d", id, inv, err, i+1)
		}
	}
	if _, err := b.GetInvalidation(t.Context(), "EOTHER", "I010"); !errors.Is(err, ErrNoDistribution) {
		t.Errorf("get of an overlay ID under another distribution: %v, want ErrNoDistribution", err)
	}
	if _, _, err := b.ListInvalidations(t.Context(), dist, "I777", 5); !errors.Is(err, ErrBadMarker) {
		t.Errorf("unknown marker: %v, want ErrBadMarker", err)
	}
	if n, err := b.CountInProgress(t.Context(), dist, commitT0.Add(time.Minute)); n != 12 || err != nil {
		t.Errorf("CountInProgress = %d, %v; want 12", n, err)
	}
	if n, err := b.CountInProgress(t.Context(), dist, commitT0.Add(2*time.Hour)); n != 0 || err != nil {
		t.Errorf("CountInProgress after every deadline = %d, %v; want 0", n, err)
	}
	// An overlay entry that is in the file as well (a reader between a
	// checkpoint's commit and the overlay's clearing) is listed once.
	entries := b.ov.all()
	if len(entries) != 5 {
		t.Fatalf("overlay holds %d entries, want I007..I011: the case below would test nothing", len(entries))
	}
	b.writeMu.Lock()
	err := b.db.Update(func(tx *bolt.Tx) error { return applyEntries(tx, entries, 0) })
	b.writeMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := listIDs(t, b, dist, 4), wantIDs(0, 12); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("with entries in both places: %v, want %v", got, want)
	}
	if n, err := b.CountInProgress(t.Context(), dist, commitT0.Add(time.Minute)); n != 12 || err != nil {
		t.Errorf("CountInProgress with entries in both places = %d, %v; want 12", n, err)
	}
}

// TestLogCheckpointTriggers: the overlay is moved into the file when it
// reaches its size, after its idle time without creates, before any other
// write, and at Close.
func TestLogCheckpointTriggers(t *testing.T) {
	b, dist := openCommitTestWith(t, checkpoints{every: 4, idle: time.Hour})
	createN(t, b, dist, 0, 4)
	if n := b.ov.len(); n != 4 {
		t.Fatalf("overlay holds %d, want 4", n)
	}
	createN(t, b, dist, 4, 5) // the group finds the overlay full
	if n := b.ov.len(); n != 1 {
		t.Errorf("after reaching 4 creates the overlay holds %d, want 1", n)
	}
	if _, err := b.UpdateDistribution(t.Context(), dist, func(*Distribution) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if n, m := b.ov.len(), unapplied(t, b.Path(), b); n != 0 || m != 0 {
		t.Errorf("after another write: overlay %d, log %d records to replay; want both empty", n, m)
	}
	// A write whose function fails moves nothing, and loses nothing.
	createN(t, b, dist, 5, 6)
	boom := errors.New("boom")
	if _, err := b.UpdateDistribution(t.Context(), dist, func(*Distribution) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("failing update: %v", err)
	}
	if n := b.ov.len(); n != 1 {
		t.Errorf("after a failed write the overlay holds %d, want 1", n)
	}
	if got, want := listIDs(t, b, dist, 2), wantIDs(0, 6); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after a failed write: %v, want %v", got, want)
	}

	idle, idleDist := openCommitTestWith(t, checkpoints{every: checkpointEvery, idle: 10 * time.Millisecond})
	createN(t, idle, idleDist, 0, 1)
	deadline := time.Now().Add(10 * time.Second)
	for idle.ov.len() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the overlay still holds %d entries 10 s after the last create, idle checkpoint 10 ms", idle.ov.len())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := unapplied(t, idle.Path(), idle); n != 0 {
		t.Errorf("after the idle checkpoint the log holds %d records to replay, want 0", n)
	}

	createN(t, b, dist, 7, 8)
	path := b.Path()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n := unapplied(t, path, nil); n != 0 {
		t.Errorf("log holds %d records to replay after Close, want 0", n)
	}
	if fi, err := os.Stat(path + logSuffix); err != nil || fi.Size() != 0 {
		t.Errorf("log after Close: %v, %v; want an empty file", fi, err)
	}
	// A state file moved aside after a clean stop leaves nothing for the
	// next one.
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	fresh, err := OpenBolt(path)
	if err != nil {
		t.Fatalf("open a new state file beside the old one's log: %v", err)
	}
	_ = fresh.Close()
}

// TestLogBroken: once a log write fails, that group's creates and every
// later one fail (nothing is acknowledged that may not be on disk), reads
// still answer, and what was acknowledged before is kept.
func TestLogBroken(t *testing.T) {
	b, dist := openCommitTest(t)
	path := b.Path()
	createN(t, b, dist, 0, 2)
	_ = b.log.f.Close() // the next write fails
	for i := range 2 {
		_, _, err := b.CreateInvalidation(t.Context(), commitInv(dist, fmt.Sprint("IX", i), fmt.Sprint("x", i)), commitT0, nil)
		if !errors.Is(err, errLogBroken) {
			t.Errorf("create %d on a broken log: %v, want errLogBroken", i, err)
		}
	}
	if got, want := listIDs(t, b, dist, 10), wantIDs(0, 2); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("reads on a broken log: %v, want %v", got, want)
	}
	// Other writes still commit, moving the acknowledged creates into
	// the file; only creates stay refused.
	if _, err := b.UpdateDistribution(t.Context(), dist, func(*Distribution) error { return nil }); err != nil {
		t.Errorf("update on a broken log: %v", err)
	}
	if err := b.Close(); err == nil {
		t.Error("Close of a broken log reported no error")
	}
	again, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got, want := listIDs(t, again, dist, 10), wantIDs(0, 2); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after reopening: %v, want %v", got, want)
	}
}

// encodeLog returns records as the log writes them.
func encodeLog(recs ...logRecord) []byte {
	l := &createLog{}
	var out []byte
	for _, r := range recs {
		l.next = r.lsn
		l.appendRecord(r.payload)
		out = append(out, l.buf...)
		l.buf = l.buf[:0]
	}
	return out
}

// TestReadLog: what recovery takes from a log's bytes.
// checkLSNs fails t unless recs are the records with sequence numbers
// want, in that order.
func checkLSNs(t *testing.T, recs []logRecord, want []uint64) {
	t.Helper()
	var got []uint64
	for _, rec := range recs {
		got = append(got, rec.lsn)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("LSNs %v, want %v", got, want)
	}
}

func TestReadLog(t *testing.T) {
	r := func(lsn uint64, p string) logRecord { return logRecord{lsn: lsn, payload: []byte(p)} }
	three := encodeLog(r(7, "a"), r(8, "bb"), r(9, "ccc"))
	flip := bytes.Clone(three)
	flip[len(flip)-1] ^= 1
	huge := bytes.Clone(three[:logHeaderSize])
	binary.BigEndian.PutUint32(huge, maxLogRecord+1)
	tests := []struct {
		name string
		in   []byte
		want []uint64
	}{
		{"empty", nil, nil},
		{"whole", three, []uint64{7, 8, 9}},
		{"torn header", three[:len(three)-3-logHeaderSize+5], []uint64{7, 8}},
		{"torn payload", three[:len(three)-1], []uint64{7, 8}},
		{"damaged payload", flip, []uint64{7, 8}},
		{"zeros after", append(bytes.Clone(three), make([]byte, 64)...), []uint64{7, 8, 9}},
		{"older records after a truncation", append(encodeLog(r(20, "x"), r(21, "y")), three...), []uint64{20, 21}},
		{"gap in the sequence", encodeLog(r(1, "a"), r(3, "b")), []uint64{1}},
		{"LSN zero", encodeLog(r(0, "a")), nil},
		{"length over the limit", huge, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, _, err := readLog(bytes.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			checkLSNs(t, recs, tt.want)
		})
	}
}

// FuzzReadLog: any bytes give records in LSN sequence that are, record by
// record, the input's prefix up to where reading stopped, and never a
// panic.
func FuzzReadLog(f *testing.F) {
	f.Add(encodeLog(logRecord{lsn: 1, payload: []byte(`{"id":"I1"}`)}, logRecord{lsn: 2, payload: nil}))
	f.Add([]byte{0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		recs, stop, err := readLog(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		off := 0
		for i, r := range recs {
			if i > 0 && r.lsn != recs[i-1].lsn+1 {
				t.Fatalf("LSN %d after %d", r.lsn, recs[i-1].lsn)
			}
			n, _, lsn := parseHeader(in[off:])
			if lsn != r.lsn || int(n) != len(r.payload) || !bytes.Equal(in[off+logHeaderSize:off+logHeaderSize+int(n)], r.payload) {
				t.Fatalf("record %d is not the input's bytes at %d", r.lsn, off)
			}
			off += logHeaderSize + len(r.payload)
		}
		if int64(off) != stop {
			t.Fatalf("stopped at %d, the records end at %d", stop, off)
		}
	})
}

// encodeGroups returns groups of records as the log writes them, each
// group one write.
func encodeGroups(groups ...[]logRecord) []byte {
	var out []byte
	for _, g := range groups {
		l := &createLog{}
		for _, r := range g {
			l.next = r.lsn
			l.appendRecord(r.payload)
		}
		out = append(out, l.buf...)
	}
	return out
}

// TestReadCheckedLog (cfinv issue 24 item 4): damage that an intact later
// write follows refuses the log; a torn last write, zeros and records of
// an earlier cycle after the live ones do not.
func TestReadCheckedLog(t *testing.T) {
	r := func(lsn uint64, p string) logRecord { return logRecord{lsn: lsn, payload: []byte(p)} }
	one := func(lsns ...uint64) [][]logRecord {
		var gs [][]logRecord
		for _, l := range lsns {
			gs = append(gs, []logRecord{r(l, fmt.Sprint("payload ", l))})
		}
		return gs
	}
	groups := encodeGroups(one(11, 12, 13, 14, 15)...)
	size := logHeaderSize + len("payload 11")
	damaged := func(b []byte, rec int) []byte {
		b = bytes.Clone(b)
		b[rec*size+logHeaderSize+3] ^= 0x10
		return b
	}
	lastGroup := encodeGroups([]logRecord{r(11, "a")}, []logRecord{r(12, "b"), r(13, "c"), r(14, "d")})
	tornLast := bytes.Clone(lastGroup)
	tornLast[logHeaderSize+1+logHeaderSize] ^= 1 // record 12's payload
	older := encodeGroups(one(3, 4, 5, 6, 7, 8, 9)...)
	liveThenOlder := append(encodeGroups(one(11, 12)...), older[2*(logHeaderSize+len("payload 3")):]...)
	tests := []struct {
		name    string
		in      []byte
		applied uint64
		want    []uint64
		refuse  string // what the error names, "" for none
	}{
		{"whole", groups, 10, []uint64{11, 12, 13, 14, 15}, ""},
		{"damage in the middle, later writes after it", damaged(groups, 1), 10, nil, "record 13 at byte 52"},
		{"damage in the first record", damaged(groups, 0), 10, nil, "record 12 at byte 26"},
		{"damage in the last record", damaged(groups, 4), 10, []uint64{11, 12, 13, 14}, ""},
		{"torn last write", groups[:len(groups)-3], 10, []uint64{11, 12, 13, 14}, ""},
		{"last write torn in its middle", tornLast, 10, []uint64{11}, ""},
		{"zeros after", append(bytes.Clone(groups), make([]byte, 3000)...), 10, []uint64{11, 12, 13, 14, 15}, ""},
		{"an earlier cycle's records after the live ones", liveThenOlder, 10, []uint64{11, 12}, ""},
		{"damage, then an earlier cycle's records", damaged(liveThenOlder, 1), 10, []uint64{11}, ""},
		{"only an earlier cycle's records", older, 10, []uint64{3, 4, 5, 6, 7, 8, 9}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db-log")
			if err := os.WriteFile(path, tt.in, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			recs, err := readCheckedLog(f, path, tt.applied)
			if tt.refuse != "" {
				var ce *CorruptError
				if !errors.As(err, &ce) || ce.Path != path || !strings.Contains(err.Error(), tt.refuse) {
					t.Fatalf("got %v, want a *CorruptError for %s naming %q", err, path, tt.refuse)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkLSNs(t, recs, tt.want)
		})
	}
}

// TestLogDamageRefused (cfinv issue 24 item 4): 50 creates acknowledged,
// one bit of record 11 flipped, the process killed. Opening took the 10
// records before it, dropped the 40 after it without a word and emptied
// the log; now it refuses with a *CorruptError naming the log and what to
// do, and leaves the log as it was.
func TestLogDamageRefused(t *testing.T) {
	b, dist := openCommitTest(t)
	path := b.Path()
	createN(t, b, dist, 0, 50)
	abandon(t, b)
	raw, err := os.ReadFile(path + logSuffix)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := readLog(bytes.NewReader(raw))
	if err != nil || len(recs) != 50 {
		t.Fatalf("the log holds %d records, %v; want 50", len(recs), err)
	}
	off := 0
	for _, r := range recs[:10] {
		off += logHeaderSize + len(r.payload)
	}
	raw[off+logHeaderSize+5] ^= 0x04 // record 11's payload
	if err := os.WriteFile(path+logSuffix, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenBolt(path)
	if err == nil {
		n := len(listIDs(t, s, dist, 100))
		_ = s.Close()
		t.Fatalf("OpenBolt opened the damaged log with %d of 50 acknowledged invalidations", n)
	}
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Path != path+logSuffix {
		t.Fatalf("OpenBolt = %v, want a *CorruptError for %s", err, path+logSuffix)
	}
	for _, want := range []string{"create log " + path + logSuffix + " is corrupt", "damaged", "move it and " + path + " aside"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if got, _ := os.ReadFile(path + logSuffix); !bytes.Equal(got, raw) {
		t.Error("the refused log was changed")
	}
}

// TestLogRecoveryRefuses: a log record that passes its checksum but does
// not decode, or names a distribution the file does not have, stops the
// open with a *CorruptError naming the log, and changes nothing.
func TestLogRecoveryRefuses(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		reason  string
	}{
		{"undecodable", `{"id":`, "does not decode"},
		{"unknown distribution", `{"distributionId":"ENOPE","id":"I1","callerReference":"r","paths":["/a"],"createTime":"2026-11-22T13:52:53Z","completeAt":"2026-11-22T13:52:53Z","seq":1}`, "does not have"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := openCommitTest(t)
			path := b.Path()
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			log := encodeLog(logRecord{lsn: 1, payload: []byte(tt.payload)})
			if err := os.WriteFile(path+logSuffix, log, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := OpenBolt(path)
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Path != path+logSuffix || !bytes.Contains([]byte(ce.Reason), []byte(tt.reason)) {
				t.Fatalf("OpenBolt = %v, want a *CorruptError for %s saying %q", err, path+logSuffix, tt.reason)
			}
			if want := "create log " + path + "-log is corrupt ("; !bytes.Contains([]byte(err.Error()), []byte(want)) || !bytes.Contains([]byte(err.Error()), []byte("move it and "+path+" aside")) {
				t.Errorf("error %q does not name the log and what to do", err)
			}
			if got, _ := os.ReadFile(path + logSuffix); !bytes.Equal(got, log) {
				t.Error("the refused log was changed")
			}
		})
	}
}

// TestLogFileBesideState: the log is the state file's name plus "-log",
// in the same directory.
func TestLogFileBesideState(t *testing.T) {
	b, _ := openCommitTest(t)
	if _, err := os.Stat(filepath.Join(filepath.Dir(b.Path()), "state.db-log")); err != nil {
		t.Error(err)
	}
}

// TestLogRecordLimit: a record as long as reading accepts is taken, one
// byte more is refused before anything is written (TestReadLog has the
// reader's side).
func TestLogRecordLimit(t *testing.T) {
	if err := checkRecordSize("I1", maxLogRecord); err != nil {
		t.Errorf("a record at the limit: %v", err)
	}
	err := checkRecordSize("I1", maxLogRecord+1)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("I1 is 67108865 bytes")) {
		t.Errorf("a record over the limit: %v, want an error naming it and its size", err)
	}
}

// TestLogRecoversAfterFailedSync (cfinv issue 24 item 5): after a failed
// fdatasync every later create failed until a restart. Now each create
// fails, with the cause, while the log cannot be written, and the first
// one after that works again; the failed creates are reported nowhere,
// before or after a kill, and every acknowledged one is kept.
func TestLogRecoversAfterFailedSync(t *testing.T) {
	b, dist := openCommitTest(t)
	path := b.Path()
	createN(t, b, dist, 0, 3)
	setSync := func(fn func(*os.File) error) {
		b.writeMu.Lock()
		defer b.writeMu.Unlock()
		b.log.datasync = fn
	}
	setSync(func(*os.File) error { return syscall.EIO })
	for _, id := range []string{"IX0", "IX1"} {
		_, _, err := b.CreateInvalidation(t.Context(), commitInv(dist, id, "ref"+id), commitT0, nil)
		if !errors.Is(err, errLogBroken) || !errors.Is(err, syscall.EIO) {
			t.Errorf("create %s while fdatasync fails: %v, want errLogBroken wrapping EIO", id, err)
		}
	}
	setSync(fsync.Data)
	createN(t, b, dist, 3, 5)
	for _, id := range []string{"IX0", "IX1"} {
		if _, err := b.GetInvalidation(t.Context(), dist, id); !errors.Is(err, ErrNoInvalidation) {
			t.Errorf("get failed create %s: %v, want ErrNoInvalidation", id, err)
		}
	}
	want := wantIDs(0, 5)
	if got := listIDs(t, b, dist, 10); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after the log came back: %v, want %v", got, want)
	}
	abandon(t, b)
	again, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got := listIDs(t, again, dist, 10); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after a kill and reopening: %v, want %v", got, want)
	}
}

// TestInvalidationSetRecovery (cfinv issue 24 item 10): a set of
// CreateInvalidationSet (a distribution tenant's) is in the file, passes
// the open's verification, and takes back its creates from the log after
// a kill.
func TestInvalidationSetRecovery(t *testing.T) {
	b, _ := openCommitTest(t)
	path := b.Path()
	const owner = "dt_TENANT"
	if err := b.CreateInvalidationSet(t.Context(), owner); err != nil {
		t.Fatal(err)
	}
	createN(t, b, owner, 0, 3)
	checkpoint(t, b)
	createN(t, b, owner, 3, 5)
	abandon(t, b)
	again, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := listIDs(t, again, owner, 2), wantIDs(0, 5); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after a kill: %v, want %v", got, want)
	}
	if err := again.DeleteInvalidationSet(t.Context(), owner); err != nil {
		t.Fatal(err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	again, err = OpenBolt(path)
	if err != nil {
		t.Fatalf("reopen after deleting the set: %v", err)
	}
	defer again.Close()
	if _, err := again.GetInvalidation(t.Context(), owner, "I000"); !errors.Is(err, ErrNoDistribution) {
		t.Errorf("get in the deleted set: %v, want ErrNoDistribution", err)
	}
}

// TestLogFailedGroupNotReplayed (cfinv issue 24 item 5): creates answered
// with an error because the log's fdatasync failed are not there after
// the process is killed before the log is restarted: their bytes were
// written, so reading would have taken them.
func TestLogFailedGroupNotReplayed(t *testing.T) {
	b, dist := openCommitTest(t)
	path := b.Path()
	createN(t, b, dist, 0, 2)
	b.writeMu.Lock()
	b.log.datasync = func(*os.File) error { return syscall.EIO }
	b.writeMu.Unlock()
	if _, _, err := b.CreateInvalidation(t.Context(), commitInv(dist, "IX0", "x0"), commitT0, nil); !errors.Is(err, syscall.EIO) {
		t.Fatalf("create while fdatasync fails: %v, want EIO", err)
	}
	abandon(t, b)
	again, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got, want := listIDs(t, again, dist, 10), wantIDs(0, 2); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after a kill: %v, want %v", got, want)
	}
}
