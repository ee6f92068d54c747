package changes

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPendingCommit covers the two-phase manifest update (a failed
// invalidation must leave the manifest of the last invalidated deploy):
// WritePending leaves the manifest as it is, and Commit puts the new one
// in place only while nothing else changed it.
func TestPendingCommit(t *testing.T) {
	oldM := Manifest{"a.html": {Hash: strings.Repeat("a", 64), Size: 1, MTime: 1}}
	newM := Manifest{"a.html": {Hash: strings.Repeat("b", 64), Size: 2, MTime: 2}}
	otherM := Manifest{"c.html": {Hash: strings.Repeat("c", 64), Size: 3, MTime: 3}}
	tests := []struct {
		name string
		// old is the manifest before planning; nil: none.
		old Manifest
		// between runs after WritePending and before Commit.
		between func(t *testing.T, p Pending)
		want    Manifest // the manifest after Commit
		wantErr error
	}{
		{"first deploy", nil, nil, newM, nil},
		{"update", oldM, nil, newM, nil},
		{"committed twice", oldM, func(t *testing.T, p Pending) {
			if err := p.Commit(); err != nil {
				t.Fatalf("first Commit: %v", err)
			}
		}, newM, nil},
		{"another deploy updated the manifest", oldM, func(t *testing.T, p Pending) {
			if err := otherM.WriteFile(p.Path); err != nil {
				t.Fatal(err)
			}
		}, otherM, ErrManifestChanged},
		{"another deploy created the manifest", nil, func(t *testing.T, p Pending) {
			if err := otherM.WriteFile(p.Path); err != nil {
				t.Fatal(err)
			}
		}, otherM, ErrManifestChanged},
		{"a later plan rewrote the pending file", oldM, func(t *testing.T, p Pending) {
			if _, err := otherM.WritePending(p.Path); err != nil {
				t.Fatal(err)
			}
		}, oldM, ErrManifestChanged},
		{"pending file removed", oldM, func(t *testing.T, p Pending) {
			if err := os.Remove(p.File); err != nil {
				t.Fatal(err)
			}
		}, oldM, ErrManifestChanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "manifest")
			if tt.old != nil {
				if err := tt.old.WriteFile(path); err != nil {
					t.Fatal(err)
				}
			}
			p, err := newM.WritePending(path)
			if err != nil {
				t.Fatalf("WritePending: %v", err)
			}
			if p.File != path+PendingSuffix {
				t.Errorf("pending file %q, want %q", p.File, path+PendingSuffix)
			}
			if got := readManifestFile(t, path); !cmp.Equal(got, tt.old) {
				t.Errorf("WritePending changed the manifest:\n%s", cmp.Diff(tt.old, got))
			}
			if tt.between != nil {
				tt.between(t, p)
			}
			err = p.Commit()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Commit: got %v, want %v", err, tt.wantErr)
			}
			if got := readManifestFile(t, path); !cmp.Equal(got, tt.want) {
				t.Errorf("manifest after Commit (-want +got):\n%s", cmp.Diff(tt.want, got))
			}
		})
	}
}

// readManifestFile reads the manifest at path, nil when there is none.
func readManifestFile(t *testing.T, path string) Manifest {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ReadManifest(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
