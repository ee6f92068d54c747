package deploy

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestWalkSorted: the files come in the byte order of their
// slash-separated paths, the order of their keys in a listing, where
// filepath.WalkDir's order differs (a directory "a" before a file "a-b",
// though "a-b" < "a/x"); directories are visited, symbolic links are
// not followed.
func TestWalkSorted(t *testing.T) {
	trees := map[string][]string{
		"separator after punctuation": {"a-b", "a/x", "a.b", "a0", "a/y/z", "a!", "a/-", "b"},
		"case and non-ASCII":          {"B", "a", "é/x", "e/x", "ä", "Z/z", "_"},
		"prefix names":                {"x", "x/x", "xx", "x/xx/x", "x-", "x/x-", "x/x/x"},
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "-", ".", "_", "0", "é", "A"}
	for n := range 5 {
		var paths []string
		for range 40 {
			var parts []string
			for range 1 + rnd.IntN(3) {
				var b strings.Builder
				for range 1 + rnd.IntN(3) {
					b.WriteString(alphabet[rnd.IntN(len(alphabet))])
				}
				if part := b.String(); part != "." && part != ".." {
					parts = append(parts, part)
				}
			}
			if len(parts) > 0 {
				paths = append(paths, strings.Join(parts, "/"))
			}
		}
		trees["random "+string(rune('A'+n))] = paths
	}
	for name, paths := range trees {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			var want []string
			for _, p := range paths {
				full := filepath.Join(root, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					continue // a file is in the way of this directory: left out
				}
				if err := os.WriteFile(full, []byte(p), 0o644); err != nil {
					continue // a directory has this name: left out
				}
				want = append(want, p)
			}
			slices.Sort(want)
			want = slices.Compact(want)
			var got []string
			err := walkSorted(root, func(p string, de fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !de.IsDir() {
					rel, err := filepath.Rel(root, p)
					if err != nil {
						return err
					}
					got = append(got, filepath.ToSlash(rel))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("walk order:\n%q\nwant (byte order):\n%q", got, want)
			}
		})
	}
}

// TestWalkSortedErrors: a missing root is given to fn, as WalkDir does,
// and an error fn returns ends the walk.
func TestWalkSortedErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	var seen error
	err := walkSorted(missing, func(p string, de fs.DirEntry, err error) error {
		seen = err
		return err
	})
	if !errorsIsNotExist(err) || !errorsIsNotExist(seen) {
		t.Errorf("missing root: walk %v, fn given %v; want a not-exist error", err, seen)
	}
	root := t.TempDir()
	for _, n := range []string{"a", "b", "c"} {
		if err := os.WriteFile(filepath.Join(root, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var calls []string
	stop := fs.ErrInvalid
	err = walkSorted(root, func(p string, de fs.DirEntry, err error) error {
		calls = append(calls, filepath.Base(p))
		if filepath.Base(p) == "b" {
			return stop
		}
		return nil
	})
	if err != stop || !slices.Equal(calls, []string{filepath.Base(root), "a", "b"}) {
		t.Errorf("walk returned %v after %v; want %v after the root, a, b", err, calls, stop)
	}
}

func errorsIsNotExist(err error) bool { return err != nil && os.IsNotExist(err) }
