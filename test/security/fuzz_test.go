package security

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfinv/cfinv/cfpath"
	"github.com/cfinv/cfinv/internal/journal"
)

// FuzzJournalOpen feeds arbitrary bytes to the journal reader, as a disk
// that lost power mid-write (or a hostile file) would: Open must not panic,
// and an entry appended afterwards must be found again after reopening.
func FuzzJournalOpen(f *testing.F) {
	f.Add([]byte(`{"time":"2026-11-22T15:02:59Z","distribution":"E1","reference":"cfinv-1","items":3,"state":"submitting"}` + "\n"))
	f.Add([]byte(`{"time":"2026-11-22T15:02:59Z","distribution":"E1","reference":"cfinv-1","id":"I1","items":3,"state":"created"}` + "\n{\"time\":"))
	f.Add([]byte("\x00\xff\n\n{}\n[]\nnull\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, journal.FileName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := journal.Open(dir)
		if err != nil {
			return // refusing a corrupt journal is allowed; panicking is not
		}
		e := journal.Entry{Time: time.Unix(1, 0).UTC(), DistributionID: "EFUZZ", CallerReference: "cfinv-fuzz", InvalidationID: "IFUZZ", Items: 1, State: journal.StateCreated}
		if err := j.Append(e); err != nil {
			j.Close()
			return
		}
		j.Close()
		j, err = journal.Open(dir)
		if err != nil {
			t.Fatalf("reopen after a successful append: %v", err)
		}
		defer j.Close()
		got, ok, _ := j.Lookup("EFUZZ", "cfinv-fuzz")
		if !ok || got.InvalidationID != "IFUZZ" {
			t.Errorf("after appending to %q: Lookup got %+v, %v; want the appended entry", data, got, ok)
		}
	})
}

// FuzzMatch checks the wildcard rule every component shares: Match never
// panics, a valid exact path matches itself, and a valid wildcard matches
// every path that starts with its prefix.
func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{{"/a", "/a"}, {"/img/*", "/img/x.png"}, {"/*", "/"}, {"#tag", "/x"}, {"/a*b", "/ab"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		got := cfpath.Match(pattern, path)
		if cfpath.Validate(pattern) != nil || cfpath.KindOf(pattern) == cfpath.KindTag {
			return
		}
		if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
			if strings.HasPrefix(path, prefix) && !got {
				t.Errorf("Match(%q, %q) = false, want true", pattern, path)
			}
			return
		}
		if !cfpath.Match(pattern, pattern) {
			t.Errorf("Match(%q, itself) = false", pattern)
		}
		if got != (pattern == path) {
			t.Errorf("Match(%q, %q) = %v, want %v", pattern, path, got, pattern == path)
		}
	})
}
