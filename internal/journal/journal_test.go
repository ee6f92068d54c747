package journal

import (
	"os"
	"path/filepath"
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
