package deploy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// digests is what a scan found per file: size, MD5, SHA-256 and object
// hash.
type digests map[string][4]string

// scanOnce scans o.Dir and returns the digests and the files read.
func scanOnce(t *testing.T, o Options) (digests, int) {
	t.Helper()
	files, read, err := scan(t.Context(), o.withDefaults())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	d := digests{}
	for _, f := range files {
		d[f.Rel] = [4]string{fmt.Sprint(f.Size), f.MD5(), f.SHA(), f.Hash()}
	}
	return d, read
}

// writeFiles writes files (path → content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// later is a clock an hour ahead: every file written by the test is older
// than racyWindow.
func later() time.Time { return time.Now().Add(time.Hour) }

// TestHashCache (issue 31): a second scan reads no file whose stat is
// unchanged, and gets the same digests as reading them; a file rewritten
// with the same size and mtime (its ctime changed), a damaged or foreign
// cache, a racily clean file and no cache at all make it read again.
func TestHashCache(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no inode and ctime here: the cache is not used")
	}
	site := map[string]string{"index.html": "<p>home</p>", "assets/app.css": "body{}", "img/a.png": "PNGDATA1"}
	for _, tc := range []struct {
		name string
		// between runs after the first scan, and before the second.
		between func(t *testing.T, o *Options)
		// wantRead is the files the second scan reads.
		wantRead int
	}{
		{"unchanged", func(*testing.T, *Options) {}, 0},
		{"same size and mtime, other bytes", func(t *testing.T, o *Options) {
			RewriteKeepingStat(t, filepath.Join(o.Dir, "img", "a.png"), "PNGDATA2")
		}, 1},
		{"file replaced by a rename", func(t *testing.T, o *Options) {
			p := filepath.Join(o.Dir, "assets", "app.css")
			fi, _ := os.Stat(p)
			writeFiles(t, o.Dir, map[string]string{"new.css": "body{}"})
			if err := os.Chtimes(filepath.Join(o.Dir, "new.css"), fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(o.Dir, "new.css"), p); err != nil {
				t.Fatal(err)
			}
		}, 1},
		{"gzip route now", func(t *testing.T, o *Options) {
			cfg, err := ParseConfig([]byte("routes:\n  - match: \"assets/**\"\n    gzip: true\n"), "cfg")
			if err != nil {
				t.Fatal(err)
			}
			o.Config = cfg
		}, 1},
		{"damaged cache", func(t *testing.T, o *Options) { overwriteCache(t, o.HashCacheDir, `{"version":`) }, 3},
		{"cache of another version", func(t *testing.T, o *Options) {
			overwriteCache(t, o.HashCacheDir, `{"version":"cfinv-hash-cache/0","files":{}}`)
		}, 3},
		{"entry with a bad digest", func(t *testing.T, o *Options) {
			b, err := os.ReadFile(cacheFile(t, o.HashCacheDir))
			if err != nil {
				t.Fatal(err)
			}
			var c hashCacheFile
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatal(err)
			}
			e := c.Files["index.html"]
			e.SHA = "not hex"
			c.Files["index.html"] = e
			if b, err = json.Marshal(c); err != nil {
				t.Fatal(err)
			}
			overwriteCache(t, o.HashCacheDir, string(b))
		}, 1},
		{"cache directory unreadable", func(t *testing.T, o *Options) {
			o.HashCacheDir = filepath.Join(o.HashCacheDir, cacheBase(t, o.HashCacheDir), "sub")
		}, 3},
		{"another destination", func(t *testing.T, o *Options) { o.Prefix = "www" }, 3},
		{"no cache", func(t *testing.T, o *Options) { o.HashCacheDir = "" }, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Dir: t.TempDir(), Bucket: "b", HashCacheDir: t.TempDir(), Now: later}
			writeFiles(t, o.Dir, site)
			first, read := scanOnce(t, o)
			if read != len(site) {
				t.Fatalf("first scan read %d files, want %d", read, len(site))
			}
			tc.between(t, &o)
			second, read := scanOnce(t, o)
			if read != tc.wantRead {
				t.Errorf("second scan read %d files, want %d", read, tc.wantRead)
			}
			// What the cache gave is what reading every file gives.
			fresh := o
			fresh.HashCacheDir = ""
			want, _ := scanOnce(t, fresh)
			if diff := cmp.Diff(want, second); diff != "" {
				t.Errorf("digests of the second scan (-read every file, +with the cache):\n%s", diff)
			}
			if tc.wantRead == 0 {
				if diff := cmp.Diff(first, second); diff != "" {
					t.Errorf("digests changed (-first, +second):\n%s", diff)
				}
			}
		})
	}
}

// TestHashCacheRacilyClean (issue 31): a file whose mtime or ctime is
// within the racy window of the scan's start is read by every scan until
// it is older; only then does its entry spare the read. The window is
// racyWindowFine where the file's times have fractions of a second, and
// racyWindow where its mtime is a whole second (a file system stamping
// seconds, or touch -d).
func TestHashCacheRacilyClean(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no inode and ctime here: the cache is not used")
	}
	for _, tc := range []struct {
		name        string
		wholeSecond bool
		window      time.Duration
	}{
		{"fine times", false, racyWindowFine},
		{"mtime a whole second", true, racyWindow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Dir: t.TempDir(), Bucket: "b", HashCacheDir: t.TempDir()}
			writeFiles(t, o.Dir, map[string]string{"a.html": "a", "b.html": "b"})
			var written time.Time
			for _, name := range []string{"a.html", "b.html"} {
				p := filepath.Join(o.Dir, name)
				if tc.wholeSecond {
					w := time.Now().Add(-time.Hour).Truncate(time.Second)
					if err := os.Chtimes(p, w, w); err != nil {
						t.Fatal(err)
					}
				}
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				st, _ := statOf(fi)
				if tc.wholeSecond != (st.Mtime%1e9 == 0) {
					t.Skipf("%s: mtime %d on this file system", name, st.Mtime)
				}
				// The clock of the scans starts at the later of the
				// times, on the file system's clock, so nothing depends
				// on how fast the test runs.
				written = time.Unix(0, max(written.UnixNano(), st.Mtime, st.Ctime))
			}
			for i, step := range []struct {
				now      time.Time
				wantRead int
			}{
				{written, 2},                          // just written: racy, not cached
				{written.Add(tc.window / 2), 2},       // still racy
				{written.Add(tc.window * 11 / 10), 2}, // old enough: read once more and cached
				{written.Add(tc.window * 11 / 10), 0},
			} {
				o.Now = func() time.Time { return step.now }
				if _, read := scanOnce(t, o); read != step.wantRead {
					t.Errorf("scan %d (now %s after the last write): read %d files, want %d", i+1, step.now.Sub(written), read, step.wantRead)
				}
			}
		})
	}
}

// TestHashCacheDryRun: a dry run reads the cache and writes none.
func TestHashCacheDryRun(t *testing.T) {
	o := Options{Dir: t.TempDir(), Bucket: "b", HashCacheDir: t.TempDir(), Now: later, DryRun: true}
	writeFiles(t, o.Dir, map[string]string{"a.html": "a"})
	scanOnce(t, o)
	if ents, err := os.ReadDir(o.HashCacheDir); err != nil || len(ents) != 0 {
		t.Errorf("cache directory after a dry run: %v, %v; want empty", ents, err)
	}
}

// cacheBase is the name of the one cache file in dir.
func cacheBase(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != 1 {
		t.Fatalf("cache directory %s: %v, %v; want one file", dir, ents, err)
	}
	return ents[0].Name()
}

func cacheFile(t *testing.T, dir string) string {
	t.Helper()
	return filepath.Join(dir, cacheBase(t, dir))
}

// overwriteCache replaces the one cache file in dir with body.
func overwriteCache(t *testing.T, dir, body string) {
	t.Helper()
	if err := os.WriteFile(cacheFile(t, dir), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestHashCacheEncodeIsJSONMarshal: the cache file written an entry at a
// time is byte for byte what json.Marshal writes of the whole, so the
// reader (json.Unmarshal) and files written before are unchanged.
func TestHashCacheEncodeIsJSONMarshal(t *testing.T) {
	file := func(rel string, gzip bool, size int64, b byte) *file {
		f := &file{Rel: rel, Settings: Settings{Gzip: gzip}, Size: size}
		f.md5[0], f.sha[31] = b, b
		return f
	}
	tests := []struct {
		name    string
		entries []cached
	}{
		{"empty", nil},
		{"one", []cached{{f: file("index.html", false, 1, 0xaa), st: fileStat{Size: 1, Mtime: 2, Ctime: 3, Ino: 4, Dev: 5}}}},
		{"sorted and escaped", []cached{
			{f: file("z/b.js", true, 9, 1)}, {f: file("a/<odd> \"name\".html", false, 2, 2)}, {f: file("é/ü.css", false, 3, 3)}, {f: file("\x01ctl", false, 0, 0)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]cacheEntry{}
			for _, c := range tt.entries {
				files[c.f.Rel] = cacheEntry{Stat: c.st, Gzip: c.f.Settings.Gzip, Stored: c.f.Size, SHA: c.f.SHA(), MD5: c.f.MD5()}
			}
			want, err := json.Marshal(hashCacheFile{Version: hashCacheVersion, Files: files})
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := (&hashCache{new: tt.entries}).encode(&got); err != nil {
				t.Fatalf("encode: %v", err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("encode differs from json.Marshal (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScanSharesHeaderMaps: files with the same headers share one map, the
// stored headers and the settings' alike, so the file table does not
// grow by two maps per file (issue 31: memory per file).
func TestScanSharesHeaderMaps(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a/index.html": "a", "b/index.html": "b", "c/index.html": "c",
		"assets/x.js": "x", "assets/y.js": "y", "img/z.png": "z",
	})
	cfg, err := ParseConfig([]byte("routes:\n  - match: \"assets/**\"\n    gzip: true\n"), "t.yml")
	if err != nil {
		t.Fatal(err)
	}
	files, _, err := scan(t.Context(), Options{Dir: dir, Config: cfg, Bucket: "b", Now: later}.withDefaults())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	maps := map[string]map[string]string{}
	for _, f := range files {
		if reflect.ValueOf(f.Headers).UnsafePointer() != reflect.ValueOf(f.Settings.Headers).UnsafePointer() {
			t.Errorf("%s: stored headers and settings' headers are two maps", f.Rel)
		}
		id := fmt.Sprint(f.Headers)
		if m, ok := maps[id]; ok && reflect.ValueOf(m).UnsafePointer() != reflect.ValueOf(f.Headers).UnsafePointer() {
			t.Errorf("%s: headers %v are a map of their own, not the one of the files before", f.Rel, f.Headers)
		}
		maps[id] = f.Headers
	}
	if len(maps) != 3 {
		t.Errorf("got %d sets of headers, want 3 (html, gzip js, png): %v", len(maps), maps)
	}
}

// TestDeriveIDKeepsItsValue: the deploy ID, written without a string per
// file, is the one of the definition (the SHA-256 of key NUL hash NUL of
// each file in the order of those strings), so a deploy resumed by a
// newer cfinv keeps its ID.
func TestDeriveIDKeepsItsValue(t *testing.T) {
	keys := []string{"index.html", "a", "a/b", "a-b", "a/b/c.html", "é.css", "Z", "a/"}
	var files []*file
	for i, k := range keys {
		f := &file{Key: k}
		f.objHash[0], f.objHash[31] = byte(i), byte(255-i)
		files = append(files, f)
	}
	h := sha256.New()
	fmt.Fprintf(h, "cfinv-deploy/1\x00%s\x00%s\x00", "bucket", "pre")
	var lines []string
	for _, f := range files {
		lines = append(lines, f.Key+"\x00"+f.Hash())
	}
	slices.Sort(lines)
	for _, l := range lines {
		h.Write([]byte(l + "\x00"))
	}
	want := hex.EncodeToString(h.Sum(nil))[:20]
	if got := deriveID("bucket", "pre", files); got != want {
		t.Errorf("deriveID = %s, want %s", got, want)
	}
	if files[0].Key != "index.html" {
		t.Errorf("deriveID reordered its argument: %s first", files[0].Key)
	}
}

// WriteHashCache writes the hash cache of o (o.Dir, o.Bucket, o.Prefix in
// o.HashCacheDir) with an entry per rel, as a scan that hashed those files
// writes it: realistic stats and digests, one file in three
// gzip-compressed. For BenchmarkHashCacheLoad.
func WriteHashCache(tb testing.TB, o Options, rels []string) {
	tb.Helper()
	c := openHashCache(o.withDefaults())
	for i, rel := range rels {
		f := &file{Rel: rel, Settings: Settings{Gzip: i%3 == 1}, Size: int64(1000 + i*7)}
		f.sha = sha256.Sum256([]byte(rel))
		copy(f.md5[:], f.sha[8:])
		st := fileStat{Size: int64(2000 + i*7), Mtime: 1_690_000_000_123_456_789 + int64(i)*1e6, Ctime: 1_690_000_100_987_654_321 + int64(i)*1e6, Ino: 12_345_678 + uint64(i), Dev: 66_306}
		c.new = append(c.new, cached{f: f, st: st})
	}
	if err := c.write(); err != nil {
		tb.Fatalf("write hash cache: %v", err)
	}
}

// LoadHashCache loads the hash cache of o as a scan's start does, and
// returns it (for the caller to hold) and its number of entries. For
// BenchmarkHashCacheLoad.
func LoadHashCache(o Options) (cache any, entries int) {
	c := openHashCache(o.withDefaults())
	return c, len(c.old)
}
