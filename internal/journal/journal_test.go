package journal

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

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
	if _, ok := j.Lookup("E1", "r2"); ok {
		t.Error("Lookup found a batch that was only being submitted")
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	// A process killed mid-write leaves half a line.
	f, err := os.OpenFile(filepath.Join(dir, FileName), os.O_APPEND|os.O_WRONLY, 0)
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
	if _, ok := j2.Lookup("E1", "r3"); !ok {
		t.Error("entry appended after a torn line was lost")
	}
	got, ok := j.Lookup("E1", "r1")
	if !ok {
		t.Fatal("Lookup(E1, r1) after reopen: not found")
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	if _, ok := j.Lookup("E2", "r1"); ok {
		t.Error("Lookup matched another distribution")
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("journal mode = %o, want 600", perm)
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
		e, ok := j.Lookup("E1", tt.ref)
		if !ok || e.InvalidationID != tt.id || !cmp.Equal(e.Paths, tt.paths) {
			t.Errorf("Lookup(E1, %s) = %+v, %v; want %s with paths %q", tt.ref, e, ok, tt.id, tt.paths)
		}
	}
}

// TestLookupParsesOnlyItsLines: a lookup finds the last created entry of
// its reference among many, and is not fooled by a reference that
// extends it, by paths holding its text, or by a torn line in the middle.
func TestLookupParsesOnlyItsLines(t *testing.T) {
	dir := t.TempDir()
	var lines []byte
	add := func(e Entry) {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(append(lines, b...), '\n')
	}
	for i := range 500 {
		add(Entry{DistributionID: "E1", CallerReference: fmt.Sprintf("r%d", i), InvalidationID: fmt.Sprintf("I%d", i), Items: 1, Paths: []string{`/"reference":"r7"`}, State: StateCreated})
	}
	lines = append(lines, `{"time":"2026-05-01T12:00:00Z","distribution":"E1","reference":"r7","id":"TORN`+"\n"...)
	add(Entry{DistributionID: "E1", CallerReference: "r7", InvalidationID: "I7-again", Items: 1, State: StateCreated})
	add(Entry{DistributionID: "E1", CallerReference: "r8", Items: 1, State: StateSubmitting})
	add(Entry{DistributionID: "E2", CallerReference: "r9", InvalidationID: "I9-E2", Items: 1, State: StateCreated})
	if err := os.WriteFile(filepath.Join(dir, FileName), lines, 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	tests := []struct {
		dist, ref string
		want      string // invalidation ID, "" for none
	}{
		{"E1", "r7", "I7-again"},
		{"E1", "r70", "I70"},
		{"E1", "r", ""},
		{"E1", "r8", "I8"},
		{"E1", "r9", "I9"},
		{"E2", "r9", "I9-E2"},
		{"E2", "r1", ""},
		{"E1", `/"reference":"r7"`, ""},
	}
	for _, tt := range tests {
		e, ok := j.Lookup(tt.dist, tt.ref)
		if got := e.InvalidationID; ok != (tt.want != "") || got != tt.want {
			t.Errorf("Lookup(%s, %q) = %q, %v; want %q", tt.dist, tt.ref, got, ok, tt.want)
		}
	}
}

// BenchmarkOpenLookup is a run's journal work against a journal of 1000
// earlier deploys of 30 paths each: Open, and one lookup that finds
// nothing.
func BenchmarkOpenLookup(b *testing.B) {
	dir := b.TempDir()
	j, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	paths := make([]string, 30)
	for i := range paths {
		paths[i] = fmt.Sprintf("/posts/2026/some-post-%d/index.html", i)
	}
	var lines []byte
	for i := range 1000 {
		for _, e := range []Entry{
			{DistributionID: "E1", CallerReference: fmt.Sprintf("cfinv-%d", i), Items: 30, State: StateSubmitting},
			{DistributionID: "E1", CallerReference: fmt.Sprintf("cfinv-%d", i), InvalidationID: fmt.Sprintf("I%d", i), Items: 30, Paths: paths, State: StateCreated},
		} {
			line, _ := json.Marshal(e)
			lines = append(append(lines, line...), '\n')
		}
	}
	j.Close()
	if err := os.WriteFile(filepath.Join(dir, FileName), lines, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(lines)))
	for b.Loop() {
		j, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := j.Lookup("E1", "cfinv-new"); ok {
			b.Fatal("found a reference never written")
		}
		j.Close()
	}
}

// FuzzLookup: Lookup finds what parsing every line would find (the last
// created entry of the distribution and reference), whatever the
// reference, the paths and the torn or foreign lines around them. Lines
// that hold an entry are written as Append writes them (json.Marshal):
// an entry spelled otherwise, which no cfinv writes, may be missed (the
// batch is then sent again and CloudFront answers with the invalidation
// it has), but what Lookup returns is always such an entry.
func FuzzLookup(f *testing.F) {
	line := func(e Entry) string { b, _ := json.Marshal(e); return string(b) }
	f.Add(line(Entry{DistributionID: "E1", CallerReference: "r1", InvalidationID: "I1", State: StateCreated})+"\n{\"torn", "E1", "r1")
	f.Add(line(Entry{DistributionID: "E1", CallerReference: `a"b<c>`, InvalidationID: "I2", Paths: []string{`/"reference":"x"`}, State: StateCreated}), "E1", `a"b<c>`)
	f.Add(line(Entry{DistributionID: "E1", CallerReference: "x", InvalidationID: "I3", State: StateCreated})+"\n"+line(Entry{DistributionID: "E1", CallerReference: "x", State: StateSubmitting}), "E1", "x")
	f.Fuzz(func(t *testing.T, data, dist, ref string) {
		var file strings.Builder
		var want Entry
		wantOK := false
		for l := range strings.SplitSeq(data, "\n") {
			var e Entry
			if json.Unmarshal([]byte(l), &e) != nil {
				file.WriteString(l + "\n") // torn or foreign: skipped by both
				continue
			}
			file.WriteString(line(e) + "\n")
			if created(e) && e.DistributionID == dist && e.CallerReference == ref {
				want, wantOK = e, true
			}
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), []byte(file.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		got, ok := j.Lookup(dist, ref)
		if ok != wantOK || !cmp.Equal(got, want) {
			t.Errorf("Lookup(%q, %q) = %+v, %v; parsing every line gives %+v, %v", dist, ref, got, ok, want, wantOK)
		}
	})
}
