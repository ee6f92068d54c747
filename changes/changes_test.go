package changes

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var emptyNil = cmpopts.EquateEmpty()

func TestParseS3SyncLog(t *testing.T) {
	tests := []struct {
		name    string
		log     string
		want    Set
		wantErr string
	}{
		{"upload and delete", "upload: ./a.html to s3://site/a.html\ndelete: s3://site/old/b.css\n",
			Set{Modified: []string{"a.html"}, Deleted: []string{"old/b.css"}}, ""},
		{"dryrun", "(dryrun) upload: public/x y.html to s3://site/x y.html\n(dryrun) delete: s3://site/z\n",
			Set{Modified: []string{"x y.html"}, Deleted: []string{"z"}}, ""},
		{"copy and move", "copy: s3://src/a to s3://site/p/a\nmove: ./b to s3://site/p/b\n",
			Set{Modified: []string{"p/a", "p/b"}}, ""},
		{"progress overwritten and padding", "Completed 1.0 MiB/2.0 MiB (1 MiB/s) with 1 file(s) remaining\rupload: ./a to s3://site/a      \r\n",
			Set{Modified: []string{"a"}}, ""},
		{"name containing to", "upload: ./to do.txt to s3://site/to do.txt\n", Set{Modified: []string{"to do.txt"}}, ""},
		{"quoted destination", `upload: "./é.html" to "s3://site/é.html"` + "\n", Set{Modified: []string{"é.html"}}, ""},
		{"non-ASCII raw", "upload: ./café/ü.html to s3://site/café/ü.html\n", Set{Modified: []string{"café/ü.html"}}, ""},
		{"skips others", "download: s3://site/a to ./a\nwarning: Skipping file /x. File does not exist.\nupload failed: ./q to s3://site/q An error occurred\nfatal error: boom\n",
			Set{}, ""},
		{"duplicates", "upload: ./a to s3://site/a\nupload: ./a to s3://site/a\n", Set{Modified: []string{"a"}}, ""},
		{"two buckets", "upload: ./a to s3://one/a\nupload: ./b to s3://two/b\n", Set{}, `buckets "one" and "two"`},
		{"no key", "delete: s3://site\n", Set{}, "does not name a bucket and a key"},
		{"no destination", "upload: ./a to /tmp/a\n", Set{}, "without a destination"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseS3SyncLog(strings.NewReader(tt.log), "sync.log")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, emptyNil); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseKeys(t *testing.T) {
	got, err := ParseKeys(strings.NewReader("a.html\r\n\n/b/c.css\n  \nd e\n"), "keys")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a.html", "b/c.css", "d e"}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if _, err := ParseKeys(strings.NewReader("a\n/\n"), "keys"); err == nil || !strings.Contains(err.Error(), "keys line 2") {
		t.Errorf("error = %v, want one naming keys line 2", err)
	}
}

func TestParseNameStatus(t *testing.T) {
	z := func(f ...string) []byte { return []byte(strings.Join(f, "\x00") + "\x00") }
	tests := []struct {
		name    string
		out     []byte
		prefix  string
		want    Set
		wantErr string
	}{
		{"all statuses", z("M", "public/a.html", "A", "public/new.html", "D", "public/gone.html", "R100", "public/old.css", "public/new.css", "C75", "public/x", "public/y", "T", "public/link"), "public/",
			Set{Modified: []string{"a.html", "link"}, Added: []string{"new.css", "new.html", "y"}, Deleted: []string{"gone.html", "old.css"}}, ""},
		{"outside prefix", z("M", "src/main.go", "M", "public2/a", "R090", "src/a", "public/a"), "public",
			Set{Added: []string{"a"}}, ""},
		{"no prefix", z("M", "a b/ü.txt"), "", Set{Modified: []string{"a b/ü.txt"}}, ""},
		{"empty", nil, "public/", Set{}, ""},
		{"unknown status", z("X", "a"), "", Set{}, `unknown status "X"`},
		{"missing path", z("R100", "a"), "", Set{}, "lacks its path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNameStatus(tt.out, tt.prefix)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, emptyNil); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGitDiff(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git is required: %v", err)
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q")
	write("public/index.html", "v1")
	write("public/old name.css", strings.Repeat("body{}\n", 50))
	write("public/gone.html", "bye")
	write("src/x.go", "package x")
	git("add", ".")
	git("commit", "-qm", "one")
	a := git("rev-parse", "HEAD")
	write("public/index.html", "v2")
	git("mv", "public/old name.css", "public/né.css")
	git("rm", "-q", "public/gone.html")
	write("public/new.html", "hi")
	write("src/x.go", "package y")
	git("add", ".")
	git("commit", "-qm", "two")
	got, err := GitDiff(context.Background(), dir, a+"..HEAD", "public/")
	if err != nil {
		t.Fatal(err)
	}
	want := Set{Modified: []string{"index.html"}, Added: []string{"new.html", "né.css"}, Deleted: []string{"gone.html", "old name.css"}}
	if diff := cmp.Diff(want, got, emptyNil); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"HEAD", "..HEAD", "a...b", "--output=x..HEAD"} {
		if _, err := GitDiff(context.Background(), dir, bad, ""); err == nil {
			t.Errorf("GitDiff accepted range %q", bad)
		}
	}
	if _, err := GitDiff(context.Background(), dir, "nosuch..HEAD", ""); err == nil || !strings.Contains(err.Error(), "run git diff") {
		t.Errorf("error = %v, want a git failure", err)
	}
}

func TestManifestRoundTrip(t *testing.T) {
	m := Manifest{
		"a.html":       {Hash: strings.Repeat("ab", 32), Size: 3, MTime: 1},
		"dir/x y.css":  {Hash: strings.Repeat("01", 32), Size: 0, MTime: -5},
		"weird\nname":  {Hash: strings.Repeat("ff", 32), Size: 9, MTime: 7},
		`"quoted".txt`: {Hash: strings.Repeat("00", 32), Size: 1, MTime: 2},
	}
	var b bytes.Buffer
	if err := m.Write(&b); err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(&b, "m")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestReadManifestErrors(t *testing.T) {
	h := strings.Repeat("ab", 32)
	tests := []struct{ name, in, want string }{
		{"empty", "", "empty file"},
		{"header", "manifest\n", "first line"},
		{"fields", manifestHeader + "\n" + h + " 1 2\n", "line 2"},
		{"hash", manifestHeader + "\nxyz 1 2 a\n", "hash"},
		{"size", manifestHeader + "\n" + h + " -1 2 a\n", "size"},
		{"mtime", manifestHeader + "\n" + h + " 1 x a\n", "mtime"},
		{"quote", manifestHeader + "\n" + h + " 1 2 \"a\n", "quoted"},
		{"dup", manifestHeader + "\n" + h + " 1 2 a\n" + h + " 1 2 a\n", "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadManifest(strings.NewReader(tt.in), "m")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestScanAndDiff(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mtime time.Time) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	write("index.html", "home", t0)
	write("blog/a.html", "a", t0)
	write("blog/b.html", "b", t0)
	write("css/site.css", "css", t0)
	prev, st, err := Scan(context.Background(), dir, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 4 || st.Hashed != 4 || st.Reused != 0 || st.BytesHashed != 9 {
		t.Errorf("first scan stats %+v, want 4 files hashed, 9 bytes", st)
	}
	if got, want := prev["index.html"].Hash, "4ea140588150773ce3aace786aeef7f4049ce100fa649c94fbbddb960f1da942"; got != want {
		t.Errorf("hash of %q = %s, want %s", "home", got, want)
	}
	// Unchanged tree: nothing is read again.
	again, st, err := Scan(context.Background(), dir, prev, 2)
	if err != nil {
		t.Fatal(err)
	}
	if st.Hashed != 0 || st.Reused != 4 {
		t.Errorf("re-check stats %+v, want 0 hashed, 4 reused", st)
	}
	if d := Diff(prev, again); d.Len() != 0 {
		t.Errorf("unchanged tree diff %+v, want none", d)
	}
	// A rebuild touches every mtime but changes one file's content.
	t1 := t0.Add(time.Hour)
	write("index.html", "home", t1)
	write("blog/a.html", "A", t1)
	write("new.html", "n", t1)
	if err := os.Remove(filepath.Join(dir, "css", "site.css")); err != nil {
		t.Fatal(err)
	}
	cur, st, err := Scan(context.Background(), dir, prev, 2)
	if err != nil {
		t.Fatal(err)
	}
	if st.Hashed != 3 || st.Reused != 1 {
		t.Errorf("rebuild stats %+v, want 3 hashed, 1 reused", st)
	}
	want := Set{Modified: []string{"blog/a.html"}, Added: []string{"new.html"}, Deleted: []string{"css/site.css"}}
	if diff := cmp.Diff(want, Diff(prev, cur), emptyNil); diff != "" {
		t.Errorf("diff mismatch (-want +got):\n%s", diff)
	}
	path := filepath.Join(t.TempDir(), "manifest")
	if err := cur.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back, err := ReadManifest(f, path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cur, back); diff != "" {
		t.Errorf("manifest file mismatch (-want +got):\n%s", diff)
	}
}

func TestScanCancelled(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Scan(ctx, dir, nil, 2); err == nil {
		t.Error("Scan with a cancelled context succeeded")
	}
}

func TestSetMerge(t *testing.T) {
	var s Set
	s.Merge(Set{Added: []string{"a", "b"}, Deleted: []string{"x"}})
	s.Merge(Set{Modified: []string{"a"}, Deleted: []string{"x"}})
	want := Set{Modified: []string{"a"}, Added: []string{"b"}, Deleted: []string{"x"}}
	if diff := cmp.Diff(want, s, emptyNil); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func FuzzParseS3SyncLog(f *testing.F) {
	f.Add("upload: ./a to s3://b/a\n(dryrun) delete: s3://b/x\ncopy: s3://c/d to s3://b/e\r\n")
	f.Add("Completed 1 file(s)\rupload: ./a to s3://b/a   \n")
	f.Fuzz(func(t *testing.T, log string) {
		s, err := ParseS3SyncLog(strings.NewReader(log), "fuzz")
		if err != nil {
			return
		}
		for _, k := range append(append(s.Modified, s.Deleted...), s.Added...) {
			if k == "" {
				t.Fatalf("empty key from %q", log)
			}
		}
	})
}

func FuzzParseKeys(f *testing.F) {
	f.Add("a\n/b\r\n\nc d\n")
	f.Fuzz(func(t *testing.T, in string) {
		keys, err := ParseKeys(strings.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		for _, k := range keys {
			if k == "" || strings.ContainsAny(k, "\n") {
				t.Fatalf("bad key %q from %q", k, in)
			}
		}
	})
}

func FuzzParseNameStatus(f *testing.F) {
	f.Add([]byte("M\x00public/a\x00R100\x00public/b\x00public/c\x00"), "public/")
	f.Add([]byte("D\x00x\x00"), "")
	f.Fuzz(func(t *testing.T, out []byte, prefix string) {
		s, err := ParseNameStatus(out, prefix)
		if err != nil {
			return
		}
		for _, k := range append(append(s.Modified, s.Deleted...), s.Added...) {
			if k == "" {
				t.Fatalf("empty key from %q", out)
			}
		}
	})
}

func FuzzReadManifest(f *testing.F) {
	var b bytes.Buffer
	_ = Manifest{"a b": {Hash: strings.Repeat("ab", 32), Size: 1, MTime: 2}, "x\ty": {Hash: strings.Repeat("cd", 32)}}.Write(&b)
	f.Add(b.String())
	f.Fuzz(func(t *testing.T, in string) {
		m, err := ReadManifest(strings.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := m.Write(&out); err != nil {
			t.Fatal(err)
		}
		back, err := ReadManifest(&out, "again")
		if err != nil {
			t.Fatalf("re-read of written manifest: %v", err)
		}
		if diff := cmp.Diff(m, back, emptyNil); diff != "" {
			t.Fatalf("round trip mismatch:\n%s", diff)
		}
	})
}
