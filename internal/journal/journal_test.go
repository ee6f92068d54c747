package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// lookup is j.Lookup for a journal that must not be damaged.
func lookup(t testing.TB, j *Journal, dist, ref string) (Entry, bool) {
	t.Helper()
	e, ok, err := j.Lookup(dist, ref)
	if err != nil {
		t.Fatalf("Lookup(%s, %s): %v", dist, ref, err)
	}
	return e, ok
}

func TestJournalSurvivesReopenAndTornLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "cfinv")
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	sub := Entry{Time: now, DistributionID: "E1", CallerReference: "r1", DeployID: "d", Items: 2, State: StateSubmitting}
	created := sub
	created.State, created.InvalidationID = StateCreated, "I1"
	for _, e := range []Entry{sub, created, {Time: now, DistributionID: "E1", CallerReference: "r2", Items: 1, State: StateSubmitting}} {
		if err := j.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := lookup(t, j, "E1", "r2"); ok {
		t.Error("Lookup found a batch that was only being submitted")
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	// A process killed mid-write leaves half a line.
	f, err := os.OpenFile(j.file("E1", "r3"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if os.IsNotExist(err) {
		os.MkdirAll(filepath.Dir(j.file("E1", "r3")), 0o700)
		f, err = os.OpenFile(j.file("E1", "r3"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"time":"2026-05-01T12:00:00Z","distrib`); err != nil {
		t.Fatal(err)
	}
	f.Close()

	j, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	later := Entry{Time: now, DistributionID: "E1", CallerReference: "r3", InvalidationID: "I3", Items: 1, State: StateCreated}
	if err := j.Append(later); err != nil {
		t.Fatal(err)
	}
	j2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if _, ok := lookup(t, j2, "E1", "r3"); !ok {
		t.Error("entry appended after a torn line was lost")
	}
	got, ok := lookup(t, j, "E1", "r1")
	if !ok {
		t.Fatal("Lookup(E1, r1) after reopen: not found")
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	if _, ok := lookup(t, j, "E2", "r1"); ok {
		t.Error("Lookup matched another distribution")
	}
	for _, p := range []string{j.file("E1", "r1"), filepath.Dir(j.file("E1", "r1")), filepath.Join(dir, DirName)} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o600)
		if fi.IsDir() {
			want = 0o700
		}
		if perm := fi.Mode().Perm(); perm != want {
			t.Errorf("%s mode = %o, want %o", p, perm, want)
		}
	}
}

func TestOpenWithoutDir(t *testing.T) {
	if _, err := Open(""); err == nil {
		t.Error("Open(\"\") succeeded, want an error")
	}
}

// TestJournalPaths: created entries keep the batch's paths (issue 10), and
// lines of older versions, without paths, still read.
func TestJournalPaths(t *testing.T) {
	dir := t.TempDir()
	old := `{"time":"2026-05-01T12:00:00Z","distribution":"E1","reference":"old","id":"I1","items":2,"state":"created"}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(Entry{DistributionID: "E1", CallerReference: "new", InvalidationID: "I2", Items: 2, Paths: []string{"/a", "/b"}, State: StateCreated}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	tests := []struct {
		ref   string
		id    string
		paths []string
	}{
		{"old", "I1", nil},
		{"new", "I2", []string{"/a", "/b"}},
	}
	for _, tt := range tests {
		e, ok := lookup(t, j, "E1", tt.ref)
		if !ok || e.InvalidationID != tt.id || !cmp.Equal(e.Paths, tt.paths) {
			t.Errorf("Lookup(E1, %s) = %+v, %v; want %s with paths %q", tt.ref, e, ok, tt.id, tt.paths)
		}
	}
}

// TestImportOlderJournal pins the issue "the client journal grows without
// bound and every run reads all of it": the single file of older
// versions is imported once into per-batch files, every entry of it is
// found afterwards, and the file is kept under another name, not read
// again; its damaged lines are reported with their numbers, not dropped in
// silence.
func TestImportOlderJournal(t *testing.T) {
	line := func(e Entry) string { b, _ := json.Marshal(e); return string(b) }
	lines := []string{
		line(Entry{DistributionID: "E1", CallerReference: "r1", Items: 1, State: StateSubmitting}),
		line(Entry{DistributionID: "E1", CallerReference: "r1", InvalidationID: "I1", Items: 1, Paths: []string{"/a"}, State: StateCreated}),
		`{"time":"2026-05-01T12:00:00Z","distribution":"E1","reference":"r2","id":"TORN`, // torn, then a newline
		line(Entry{DistributionID: "E1", CallerReference: "r2", InvalidationID: "I2", Items: 1, State: StateCreated}),
		"garbage \x00\xff",
		line(Entry{DistributionID: "E2", CallerReference: "r1", InvalidationID: "I3", Items: 1, State: StateCreated}),
		`{}`,
		line(Entry{DistributionID: "E1", CallerReference: "r2", InvalidationID: "I2-again", Items: 1, State: StateCreated}),
		`{"time":"2026-05-01T12:00:00Z","distribution":"E1","ref`, // torn last line
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var de *DamageError
	if err := j.Damage(); !errors.As(err, &de) || !cmp.Equal(de.Lines, []int{5, 7}) || de.Kept == "" {
		t.Fatalf("Damage() = %v, want a *DamageError for lines 5 and 7 naming the kept file", err)
	}
	if !strings.Contains(de.Error(), "lines 5, 7 are not entries") || !strings.Contains(de.Error(), de.Kept) {
		t.Errorf("Damage() = %q, want the lines and the kept file named", de)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !os.IsNotExist(err) {
		t.Errorf("%s still there after the import (stat: %v): every run would import it again", FileName, err)
	}
	kept, err := os.ReadFile(de.Kept)
	if err != nil || string(kept) != strings.Join(lines, "\n") {
		t.Errorf("kept file %s: %v; want the older journal unchanged", de.Kept, err)
	}
	tests := []struct{ dist, ref, want string }{
		{"E1", "r1", "I1"},
		{"E1", "r2", "I2-again"},
		{"E2", "r1", "I3"},
		{"E2", "r2", ""},
	}
	for _, reopen := range []bool{false, true} {
		if reopen {
			if j, err = Open(dir); err != nil {
				t.Fatal(err)
			}
			if err := j.Damage(); err != nil {
				t.Errorf("Damage() after the import: %v, want nil", err)
			}
		}
		for _, tt := range tests {
			e, ok := lookup(t, j, tt.dist, tt.ref)
			if got := map[bool]string{true: e.InvalidationID}[ok]; got != tt.want {
				t.Errorf("reopened %v: Lookup(%s, %s) = %q, want %q", reopen, tt.dist, tt.ref, got, tt.want)
			}
		}
	}
}

// TestLookupReportsDamage: a batch's file with a line that is neither an
// entry nor torn gives a *DamageError naming the file and the line, along
// with the entry found on the other lines.
func TestLookupReportsDamage(t *testing.T) {
	j, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(Entry{DistributionID: "E1", CallerReference: "r1", InvalidationID: "I1", Items: 1, State: StateCreated}); err != nil {
		t.Fatal(err)
	}
	if err := j.write("E1", "r1", []byte("not json")); err != nil {
		t.Fatal(err)
	}
	e, ok, err := j.Lookup("E1", "r1")
	var de *DamageError
	if !errors.As(err, &de) || de.File != j.file("E1", "r1") || !cmp.Equal(de.Lines, []int{2}) {
		t.Errorf("Lookup error %v, want a *DamageError for line 2 of %s", err, j.file("E1", "r1"))
	}
	if !ok || e.InvalidationID != "I1" {
		t.Errorf("Lookup = %+v, %v; want I1 found beside the damage", e, ok)
	}
}

// BenchmarkOpenLookup is a run's journal work against a journal of 2,000
// earlier deploys of 3,000 paths each (170 MB): Open, and one lookup that
// finds nothing. Before the journal was a file per batch, both read the
// whole history.
func BenchmarkOpenLookup(b *testing.B) {
	dir := b.TempDir()
	j, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 2000 {
		paths := make([]string, 3000)
		for k := range paths {
			paths[k] = fmt.Sprintf("/static/js/chunk-%06d.js", i*3000+k)
		}
		ref := fmt.Sprintf("cfinv-%d", i)
		if err := j.Append(Entry{DistributionID: "E1", CallerReference: ref, Items: 3000, State: StateSubmitting}); err != nil {
			b.Fatal(err)
		}
		if err := j.Append(Entry{DistributionID: "E1", CallerReference: ref, InvalidationID: fmt.Sprintf("I%d", i), Items: 3000, Paths: paths, State: StateCreated}); err != nil {
			b.Fatal(err)
		}
	}
	j.Close()
	for b.Loop() {
		j, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok, err := j.Lookup("E1", "cfinv-new"); ok || err != nil {
			b.Fatalf("Lookup of a reference never written: %v, %v", ok, err)
		}
		j.Close()
	}
}

// FuzzLookup: after importing an older journal, Lookup finds what parsing
// every line would find (the last created entry of the distribution and
// reference), whatever the reference, the paths and the torn or foreign
// lines around them.
func FuzzLookup(f *testing.F) {
	line := func(e Entry) string { b, _ := json.Marshal(e); return string(b) }
	f.Add(line(Entry{DistributionID: "E1", CallerReference: "r1", InvalidationID: "I1", State: StateCreated})+"\n{\"torn", "E1", "r1")
	f.Add(line(Entry{DistributionID: "E1", CallerReference: `a"b<c>`, InvalidationID: "I2", Paths: []string{`/"reference":"x"`}, State: StateCreated}), "E1", `a"b<c>`)
	f.Add(line(Entry{DistributionID: "E1", CallerReference: "x", InvalidationID: "I3", State: StateCreated})+"\n"+line(Entry{DistributionID: "E1", CallerReference: "x", State: StateSubmitting}), "E1", "x")
	f.Fuzz(func(t *testing.T, data, dist, ref string) {
		var want Entry
		wantOK := false
		for l := range strings.SplitSeq(data, "\n") {
			var e Entry
			if json.Unmarshal([]byte(l), &e) != nil {
				continue // torn or foreign
			}
			if created(e) && e.DistributionID == dist && e.CallerReference == ref && dist != "" && ref != "" {
				want, wantOK = e, true
			}
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		got, ok, _ := j.Lookup(dist, ref)
		if ok != wantOK || !cmp.Equal(got, want) {
			t.Errorf("Lookup(%q, %q) = %+v, %v; parsing every line gives %+v, %v", dist, ref, got, ok, want, wantOK)
		}
	})
}

// TestRunCostDoesNotGrowWithHistory pins the issue "the client journal
// grows without bound and every run reads all of it" (2,000 deploys,
// 171 MB: a one-path run took 0.99 s and 190 MB): what a run's Open and
// lookup allocate does not depend on the history, here 200 deploys of
// 3,000 paths (17 MB).
func TestRunCostDoesNotGrowWithHistory(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	paths := make([]string, 3000)
	for i := range 200 {
		for k := range paths {
			paths[k] = fmt.Sprintf("/static/js/chunk-%06d.js", i*3000+k)
		}
		if err := j.Append(Entry{DistributionID: "E1", CallerReference: fmt.Sprintf("cfinv-%d", i), InvalidationID: fmt.Sprintf("I%d", i), Items: 3000, Paths: paths, State: StateCreated}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	j, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, ok, err := j.Lookup("E1", "cfinv-7")
	if err != nil || !ok || e.InvalidationID != "I7" {
		t.Fatalf("Lookup(E1, cfinv-7) = %+v, %v, %v; want I7", e, ok, err)
	}
	runtime.ReadMemStats(&after)
	j.Close()
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("Open and one Lookup allocated %d bytes with 17 MB of history, want under 1 MiB", n)
	}
}
