package deploy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// digests is what a scan found per file: size, MD5, SHA-256 and object
// hash.
type digests map[string][4]string

// scanOnce scans o.Dir and returns the digests and the files read.
func scanOnce(t *testing.T, o Options) (digests, int) {
	t.Helper()
	s, read, err := scan(t.Context(), o.withDefaults(), nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	defer s.close()
	files, err := s.files()
	if err != nil {
		t.Fatal(err)
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
// time, in the order of the paths, is byte for byte what json.Marshal
// writes of the whole, so the reader (json.Unmarshal) and files written
// before are unchanged; entries out of order write no cache.
func TestHashCacheEncodeIsJSONMarshal(t *testing.T) {
	type entry struct {
		f  *file
		st fileStat
	}
	file := func(rel string, gzip bool, size int64, b byte, st fileStat) entry {
		f := &file{Rel: rel, Settings: &Settings{Gzip: gzip}, Size: size}
		f.md5[0], f.sha[31] = b, b
		return entry{f, st}
	}
	tests := []struct {
		name     string
		entries  []entry
		unsorted bool
	}{
		{"empty", nil, false},
		{"one", []entry{file("index.html", false, 1, 0xaa, fileStat{Size: 1, Mtime: 2, Ctime: 3, Ino: 4, Dev: 5})}, false},
		{"sorted and escaped", []entry{
			file("\x01ctl", false, 0, 0, fileStat{}), file("a/<odd> \"name\".html", false, 2, 2, fileStat{}), file("z/b.js", true, 9, 1, fileStat{}), file("é/ü.css", false, 3, 3, fileStat{}),
		}, false},
		{"out of order", []entry{file("b", false, 1, 1, fileStat{}), file("a", false, 1, 1, fileStat{})}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]cacheEntry{}
			for _, e := range tt.entries {
				files[e.f.Rel] = cacheEntry{Stat: e.st, Gzip: e.f.Settings.Gzip, Stored: e.f.Size, SHA: e.f.SHA(), MD5: e.f.MD5()}
			}
			want, err := json.Marshal(hashCacheFile{Version: hashCacheVersion, Files: files})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "cache.json")
			c := &hashCache{path: path, start: time.Unix(1e9, 0)}
			for _, e := range tt.entries {
				c.add(e.f, e.st)
			}
			err = c.write()
			if tt.unsorted {
				if _, serr := os.Stat(path); err == nil || serr == nil {
					t.Errorf("entries out of order: write %v, cache file %v; want an error and no file", err, serr)
				}
				return
			}
			if err != nil {
				t.Fatalf("write: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("written differs from json.Marshal (-want +got):\n%s", diff)
			}
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("%d files in the cache's directory, want the cache alone: %v", len(entries), entries)
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
	s, _, err := scan(t.Context(), Options{Dir: dir, Config: cfg, Bucket: "b", Now: later}.withDefaults(), nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	defer s.close()
	files, err := s.files()
	if err != nil {
		t.Fatal(err)
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
	type entry struct {
		f  *file
		st fileStat
	}
	var entries []entry
	for i, rel := range rels {
		f := &file{Rel: rel, Settings: &Settings{Gzip: i%3 == 1}, Size: int64(1000 + i*7)}
		f.sha = sha256.Sum256([]byte(rel))
		copy(f.md5[:], f.sha[8:])
		st := fileStat{Size: int64(2000 + i*7), Mtime: 1_690_000_000_123_456_789 + int64(i)*1e6, Ctime: 1_690_000_100_987_654_321 + int64(i)*1e6, Ino: 12_345_678 + uint64(i), Dev: 66_306}
		entries = append(entries, entry{f, st})
	}
	// As a scan adds them: in the order of their paths.
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.f.Rel, b.f.Rel) })
	for _, e := range entries {
		c.add(e.f, e.st)
	}
	if err := c.write(); err != nil {
		tb.Fatalf("write hash cache: %v", err)
	}
}

// lookup fills f's size and digests from its entry in c when st, its stat
// now, is the one recorded, and reports whether it did: what the scan
// does with find and use, split between its goroutines.
func (c *hashCache) lookup(f *file, st fileStat) bool {
	e, ok := c.find(f.Rel)
	return ok && e.use(f, st)
}

// LoadHashCache opens the hash cache of o as a scan's start does and
// looks up each of rels in it, in their order, as the scan does, and
// returns the cache (for the caller to hold) and how many it found. For
// BenchmarkHashCacheLoad.
func LoadHashCache(o Options, rels []string) (cache any, found int) {
	c := openHashCache(o.withDefaults())
	for _, rel := range rels {
		if _, ok := c.find(rel); ok {
			found++
		}
	}
	return c, found
}

// validEntry is the JSON of an entry lookup accepts, its digests made
// from b.
func validEntry(b byte) string {
	sha, md := bytes.Repeat([]byte{b}, sha256.Size), bytes.Repeat([]byte{b}, 16)
	return fmt.Sprintf(`{"stat":{"size":3,"mtime_ns":1,"ctime_ns":2,"ino":%d,"dev":5},"stored":3,"sha256":%q,"md5":%q}`, b, hex.EncodeToString(sha), hex.EncodeToString(md))
}

// cacheJSON is a cache file of hashCacheVersion with files, the JSON of
// the object's members ("name":entry,…).
func cacheJSON(files string) string {
	return fmt.Sprintf(`{"version":%q,"files":{%s}}`, hashCacheVersion, files)
}

// isHexOf reports whether s is the lower-case hex of n bytes: what
// lookup accepted of a digest before the loader decoded them (issue 31).
func isHexOf(s string, n int) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == n && hex.EncodeToString(b) == s
}

// loadWhole is the loader before issue 31, the reference load must
// match: json.Unmarshal of the whole file into a hashCacheFile, and the
// entries lookup accepted (lower-case hex digests of the right size, a
// stored size not negative). nil is no cache.
func loadWhole(b []byte) map[string]cacheHit {
	var f hashCacheFile
	if json.Unmarshal(b, &f) != nil || f.Version != hashCacheVersion {
		return nil
	}
	m := map[string]cacheHit{}
	for rel, e := range f.Files {
		if !isHexOf(e.SHA, sha256.Size) || !isHexOf(e.MD5, 16) || e.Stored < 0 {
			continue
		}
		h := cacheHit{rel: rel, st: e.Stat, stored: e.Stored, gzip: e.Gzip}
		hex.Decode(h.sha[:], []byte(e.SHA))
		hex.Decode(h.md5[:], []byte(e.MD5))
		m[rel] = h
	}
	return m
}

// loadChecked loads data with load and checks what it returns: nil with
// its error, else entries sorted by path, one per path. It returns them
// by path.
func loadChecked(t *testing.T, data []byte) map[string]cacheHit {
	t.Helper()
	hits, err := load(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if hits != nil {
			t.Fatalf("load: %v, with %d entries; want none", err, len(hits))
		}
		return nil
	}
	m := map[string]cacheHit{}
	for i, h := range hits {
		if i > 0 && hits[i-1].rel >= h.rel {
			t.Fatalf("entries %d and %d not sorted by path: %q, %q", i-1, i, hits[i-1].rel, h.rel)
		}
		if h.stored < 0 {
			t.Fatalf("entry %q kept with stored size %d", h.rel, h.stored)
		}
		m[h.rel] = h
	}
	return m
}

// TestHashCacheLoad (issue 31): the streaming loader keeps what
// json.Unmarshal of the whole file and lookup's checks accepted before
// it. An entry whose digest is not lower-case hex of the right size, or
// whose stored size is negative, is dropped alone (lookup refused it
// alone: its file is read, the others are not); anything json.Unmarshal
// refused (a damaged or truncated file, a digest that is not a string) is
// no cache at all, as is another version.
func TestHashCacheLoad(t *testing.T) {
	a, b, c := validEntry(0xaa), validEntry(0xbb), validEntry(0xcc)
	upper := strings.Replace(validEntry(0xaa), "aaaa", "AAAA", 1)
	badSHA := `{"stat":{},"stored":3,"sha256":"not hex","md5":"` + strings.Repeat("ab", 16) + `"}`
	escaped := strings.Replace(validEntry(0xaa), `"sha256":"aa`, `"sha256":"\u0061a`, 1)
	tests := []struct {
		name string
		body string
		want []string // the paths kept; nil: no cache
	}{
		{"valid", cacheJSON(`"a":` + a + `,"b/c.html":` + b), []string{"a", "b/c.html"}},
		{"no files", cacheJSON(``), []string{}},
		{"sha256 not hex", cacheJSON(`"a":` + a + `,"b":` + badSHA + `,"c":` + c), []string{"a", "c"}},
		{"upper-case hex", cacheJSON(`"a":` + upper + `,"b":` + b), []string{"b"}},
		{"md5 too short", cacheJSON(`"a":` + strings.Replace(a, `"md5":"aa`, `"md5":"`, 1) + `,"b":` + b), []string{"b"}},
		{"md5 where sha256 goes", cacheJSON(`"a":` + strings.Replace(a, `"sha256"`, `"x"`, 1) + `,"b":` + b), []string{"b"}},
		{"digest null", cacheJSON(`"a":` + strings.Replace(a, `"md5":"`+strings.Repeat("aa", 16)+`"`, `"md5":null`, 1) + `,"b":` + b), []string{"b"}},
		{"digest escaped", cacheJSON(`"a":` + escaped), []string{"a"}},
		{"stored negative", cacheJSON(`"a":` + strings.Replace(a, `"stored":3`, `"stored":-1`, 1) + `,"b":` + b), []string{"b"}},
		{"entry null", cacheJSON(`"a":null,"b":` + b), []string{"b"}},
		{"name again, then bad", cacheJSON(`"a":` + a + `,"b":` + b + `,"a":` + badSHA), []string{"b"}},
		{"name again, then good", cacheJSON(`"a":` + badSHA + `,"b":` + b + `,"a":` + c), []string{"a", "b"}},
		{"names not sorted", cacheJSON(`"z":` + a + `,"b":` + b + `,"m":` + c), []string{"b", "m", "z"}},
		{"files null after files", `{"files":{"a":` + a + `},"version":"` + hashCacheVersion + `","files":null}`, []string{}},
		{"files twice", `{"files":{"a":` + a + `},"version":"` + hashCacheVersion + `","files":{"b":` + b + `}}`, []string{"a", "b"}},
		{"names in other case", `{"VERSION":"` + hashCacheVersion + `","Files":{"a":` + a + `}}`, []string{"a"}},
		{"other members", `{"x":[1,{"y":null}],"version":"` + hashCacheVersion + `","files":{"a":` + a + `}}`, []string{"a"}},
		{"another version", `{"version":"cfinv-hash-cache/0","files":{"a":` + a + `}}`, nil},
		{"no version", `{"files":{"a":` + a + `}}`, nil},
		{"digest a number", cacheJSON(`"a":` + a + `,"b":` + strings.Replace(b, `"md5":"`+strings.Repeat("bb", 16)+`"`, `"md5":5`, 1)), nil},
		{"stat a string", cacheJSON(`"a":` + a + `,"b":` + strings.Replace(b, `"stat":{`, `"stat":"x","y":{`, 1)), nil},
		{"files an array", `{"version":"` + hashCacheVersion + `","files":[]}`, nil},
		{"data after the object", cacheJSON(`"a":`+a) + ` x`, nil},
		{"two objects", cacheJSON(`"a":`+a) + `{}`, nil},
		{"white space after the object", cacheJSON(`"a":`+a) + " \n", []string{"a"}},
		{"empty", ``, nil},
		{"null", `null`, nil},
	}
	// The caches that write does not write, which are loaded whole: a
	// path out of order or twice, "files" twice.
	held := map[string]bool{"name again, then bad": true, "name again, then good": true, "names not sorted": true,
		"files null after files": true, "files twice": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loadChecked(t, []byte(tt.body))
			var gotRels []string
			if got != nil {
				gotRels = slices.Sorted(maps.Keys(got))
				if gotRels == nil {
					gotRels = []string{}
				}
			}
			if diff := cmp.Diff(tt.want, gotRels); diff != "" {
				t.Errorf("paths kept (-want +got):\n%s", diff)
			}
			want := loadWhole([]byte(tt.body))
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(cacheHit{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("entries differ from json.Unmarshal's (-whole file +streamed):\n%s", diff)
			}
			found, streamed := openChecked(t, []byte(tt.body))
			if diff := cmp.Diff(want, found, cmp.AllowUnexported(cacheHit{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("entries found differ from json.Unmarshal's (-whole file +found):\n%s", diff)
			}
			if wantStreamed := want != nil && !held[tt.name]; streamed != wantStreamed {
				t.Errorf("read as the scan looks its files up: %v, want %v", streamed, wantStreamed)
			}
		})
	}
}

// TestHashCacheLoadTruncated (issue 31): a cache file cut anywhere is no
// cache, not the entries read before the cut.
func TestHashCacheLoadTruncated(t *testing.T) {
	var entries []string
	for i := range 100 {
		entries = append(entries, fmt.Sprintf(`"page/%03d/index.html":%s`, i, validEntry(byte(i))))
	}
	body := cacheJSON(strings.Join(entries, ","))
	if got := loadChecked(t, []byte(body)); len(got) != 100 {
		t.Fatalf("whole file: %d entries, want 100", len(got))
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		cut  int
	}{
		{"empty", 0},
		{"in the version", 15},
		{"before the files", strings.Index(body, `"files"`)},
		{"in the first name", strings.Index(body, `"page/000`) + 5},
		{"after the first entry", strings.Index(body, `,"page/001`)},
		{"in a digest", strings.Index(body, strings.Repeat("32", 20))},
		{"in a number", strings.Index(body, `"ino":50`) + 7},
		{"halfway", len(body) / 2},
		{"after the last entry", len(body) - 2},
		{"the last brace", len(body) - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := loadChecked(t, []byte(body[:tc.cut])); got != nil {
				t.Errorf("cut at %d of %d: loaded %d entries, want no cache", tc.cut, len(body), len(got))
			}
			// Through openHashCache, from a file.
			o := Options{Dir: dir, Bucket: "b", HashCacheDir: t.TempDir()}
			c := openHashCache(o.withDefaults())
			if err := os.WriteFile(c.path, []byte(body[:tc.cut]), 0o600); err != nil {
				t.Fatal(err)
			}
			if c := openHashCache(o.withDefaults()); c.old != nil || c.stream != nil || c.entries != 0 {
				t.Errorf("cut at %d of %d: opened %d entries, want no cache", tc.cut, len(body), c.entries)
			}
		})
	}
	for cut := range len(body) {
		if got := loadChecked(t, []byte(body[:cut])); got != nil {
			t.Fatalf("cut at %d of %d: loaded %d entries, want no cache", cut, len(body), len(got))
		}
	}
}

// TestHashCacheRoundTrip (issue 31): a cache written, loaded and written
// again (by a scan that found every file in it) is the same file byte for
// byte, and what lookup gives is what was written.
func TestHashCacheRoundTrip(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Bucket: "b", Prefix: "p", HashCacheDir: t.TempDir(), Now: later}
	var rels []string
	for i := range 300 {
		rels = append(rels, fmt.Sprintf("page/%d/post-%04d/index.html", 2015+i%10, i))
	}
	rels = append(rels, `a/<odd> "name".html`, "é/ü.css", "\x01ctl", "z/b.js")
	WriteHashCache(t, o, rels)
	path := cacheFile(t, o.HashCacheDir)
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := openHashCache(o.withDefaults())
	if c.stream == nil || c.entries != len(rels) {
		t.Fatalf("opened %d entries (streamed: %v), want %d, streamed", c.entries, c.stream != nil, len(rels))
	}
	var whole hashCacheFile
	if err := json.Unmarshal(first, &whole); err != nil {
		t.Fatal(err)
	}
	// In the order of the paths, as a scan looks them up and adds them
	// to the next cache.
	for _, rel := range slices.Sorted(slices.Values(rels)) {
		e := whole.Files[rel]
		f := &file{Rel: rel, Settings: &Settings{Gzip: e.Gzip}}
		if !c.lookup(f, e.Stat) {
			t.Fatalf("lookup %q with its stat: not found", rel)
		}
		c.add(f, e.Stat)
		got := [3]string{fmt.Sprint(f.Size), f.SHA(), f.MD5()}
		if want := [3]string{fmt.Sprint(e.Stored), e.SHA, e.MD5}; got != want {
			t.Errorf("lookup %q: size, sha256, md5 %v, want %v", rel, got, want)
		}
		if c.lookup(&file{Rel: rel, Settings: &Settings{Gzip: !e.Gzip}}, e.Stat) {
			t.Errorf("lookup %q with the other gzip setting: found", rel)
		}
		other := e.Stat
		other.Ctime++
		if c.lookup(&file{Rel: rel, Settings: &Settings{Gzip: e.Gzip}}, other) {
			t.Errorf("lookup %q with another ctime: found", rel)
		}
	}
	if c.lookup(&file{Rel: "not/there"}, fileStat{}) {
		t.Error("lookup of a path not in the cache: found")
	}
	if err := c.write(); err != nil {
		t.Fatalf("write: %v", err)
	}
	second, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("cache written again differs:\n%s", cmp.Diff(string(first), string(second)))
	}
}

// TestHashCacheHeldPerEntry (issue 31): the loaded cache keeps per entry
// its path and fixed-size values, no other string or pointer (the hex
// digests were two strings per entry, held through the scan).
func TestHashCacheHeldPerEntry(t *testing.T) {
	var refs func(reflect.Type) int
	refs = func(t reflect.Type) int {
		switch t.Kind() {
		case reflect.String, reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.Chan, reflect.Func:
			return 1
		case reflect.Array:
			return t.Len() * refs(t.Elem())
		case reflect.Struct:
			n := 0
			for i := range t.NumField() {
				n += refs(t.Field(i).Type)
			}
			return n
		}
		return 0
	}
	old := reflect.TypeOf(hashCache{}.old)
	n := refs(old.Elem())
	if old.Kind() == reflect.Map {
		n += refs(old.Key())
	}
	if n != 1 {
		t.Errorf("an entry of the loaded cache (%s) holds %d strings or pointers, want 1 (its path)", old, n)
	}
}

// FuzzHashCacheLoad: load never panics, keeps entries sorted by path, one
// per path, with a stored size not negative, and keeps exactly what
// json.Unmarshal of the whole file and lookup's checks accepted (issue
// 31).
func FuzzHashCacheLoad(f *testing.F) {
	a, b := validEntry(0xaa), validEntry(0xbb)
	for _, seed := range []string{
		cacheJSON(`"a":` + a + `,"b/c.html":` + b),
		cacheJSON(``),
		cacheJSON(`"z":` + a + `,"b":null,"z":` + b),
		`{"files":{"a":` + a + `},"version":"` + hashCacheVersion + `","Files":null}`,
		`{"x":[1,{"y":null}],"version":"` + hashCacheVersion + `","files":{"a":` + a + `}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := loadChecked(t, data)
		want := loadWhole(data)
		if (got == nil) != (want == nil) {
			t.Fatalf("streamed: %d entries (nil: %v), whole file: %d (nil: %v)", len(got), got == nil, len(want), want == nil)
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(cacheHit{}), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("entries differ from json.Unmarshal's (-whole file +streamed):\n%s", diff)
		}
		found, _ := openChecked(t, data)
		if diff := cmp.Diff(want, found, cmp.AllowUnexported(cacheHit{}), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("entries found differ from json.Unmarshal's (-whole file +found):\n%s", diff)
		}
	})
}

// openChecked writes data as a cache file, opens it as a scan's start
// does and looks up, in order, every name of its files that
// json.Unmarshal reads, and a name before and after them. It returns the
// entries found by path, and whether the cache was read as the scan
// looks its files up rather than loaded whole.
func openChecked(t *testing.T, data []byte) (map[string]cacheHit, bool) {
	t.Helper()
	o := Options{Dir: t.TempDir(), Bucket: "b", HashCacheDir: t.TempDir()}
	if err := os.WriteFile(openHashCache(o.withDefaults()).path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var names struct {
		Files map[string]json.RawMessage
	}
	json.Unmarshal(data, &names)
	rels := append(slices.Sorted(maps.Keys(names.Files)), "", "\xff\xff")
	slices.Sort(rels)
	c := openHashCache(o.withDefaults())
	defer c.close()
	m := map[string]cacheHit{}
	for _, rel := range rels {
		if h, ok := c.find(rel); ok {
			if h.rel != rel || h.stored < 0 {
				t.Fatalf("find %q: entry of %q with stored size %d", rel, h.rel, h.stored)
			}
			m[rel] = h
		}
	}
	if len(m) != c.entries {
		t.Errorf("found %d entries, the cache counted %d", len(m), c.entries)
	}
	return m, c.stream != nil
}

// TestHashCacheLoadCapacity (issue 31): load allocates the entries of a
// cache encode wrote about once, with little room left over (not grown
// by append, a quarter at a time, up to a quarter left unused), and no
// more than one per 64 bytes of a file whose first entries are short.
func TestHashCacheLoadCapacity(t *testing.T) {
	written := func(n int) string {
		dir := t.TempDir()
		o := Options{Dir: dir, Bucket: "b", HashCacheDir: t.TempDir()}
		var rels []string
		for i := range n {
			rels = append(rels, fmt.Sprintf("page/%d/%02d/post-%05d/index.html", 2015+i%10, 1+i%12, i))
		}
		WriteHashCache(t, o, rels)
		b, err := os.ReadFile(cacheFile(t, o.HashCacheDir))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var short []string
	for i := range 1000 {
		short = append(short, fmt.Sprintf(`"s%04d":null`, i))
	}
	short = append(short, `"z":`+strings.Replace(validEntry(1), `{"stat"`, `{"x":"`+strings.Repeat("x", 1<<20)+`","stat"`, 1))
	tests := []struct {
		name    string
		body    string
		entries int
		maxCap  func(size int) int
	}{
		{"written, 100 entries", written(100), 100, func(int) int { return 128 }},
		{"written, 5000 entries", written(5000), 5000, func(int) int { return 5000 * 105 / 100 }},
		{"first entries short", cacheJSON(strings.Join(short, ",")), 1, func(size int) int { return 1000 + size/64 + 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := load(strings.NewReader(tt.body), int64(len(tt.body)))
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if len(hits) != tt.entries || cap(hits) > tt.maxCap(len(tt.body)) {
				t.Errorf("%d entries, room for %d; want %d, room for at most %d", len(hits), cap(hits), tt.entries, tt.maxCap(len(tt.body)))
			}
		})
	}
}
