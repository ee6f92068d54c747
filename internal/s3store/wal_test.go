package s3store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// copyTree copies the files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), raw, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// contents reads every object of bucket in s, by key.
func contents(t *testing.T, s *Store, bucket string) map[string]string {
	t.Helper()
	res, err := s.List(bucket, ListInput{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range res.Objects {
		_, f, err := s.GetObject(bucket, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[o.Key] = string(raw) + " " + o.Headers["Cache-Control"]
	}
	return out
}

// TestLogSurvivesPowerCut: after a power cut only what was fsynced is on
// disk: the files of the last checkpoint and the log. Open rebuilds every
// acknowledged PUT and DELETE since from the log, and then has them in
// objects/ and meta/ (issue 30).
func TestLogSurvivesPowerCut(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket("site"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "site", "kept", "v1")
	put(t, s, "site", "replaced", "v1")
	put(t, s, "site", "deleted", "v1")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	durable := t.TempDir()
	copyTree(t, dir, durable) // what the checkpoint fsynced

	put(t, s, "site", "replaced", "v2")
	put(t, s, "site", "new", "v1")
	put(t, s, "site", "new", "v2")
	if err := s.DeleteObject("site", "deleted"); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("b", inlineMax+1) // bytes in objects/, fsynced
	put(t, s, "site", "big", big)
	want := contents(t, s, "site")
	// The power cut: of what happened since, only the fsynced log and the
	// large object's fsynced bytes are on disk.
	copyTree(t, filepath.Join(dir, "site", "wal"), filepath.Join(durable, "site", "wal"))
	o, _ := s.HeadObject("site", "big")
	copyTree(t, filepath.Join(dir, "site", "objects", o.Data), filepath.Join(durable, "site", "objects", o.Data))

	s2, err := Open(durable)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, contents(t, s2, "site")); diff != "" {
		t.Errorf("after the power cut (-acknowledged +found):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(durable, "site", "meta", metaName("new"))); err != nil {
		t.Errorf("replayed object not in meta/: %v", err)
	}
	if logs, _ := os.ReadDir(filepath.Join(durable, "site", "wal")); len(logs) != 0 {
		t.Errorf("%d logs left after replay, want 0", len(logs))
	}
}

// TestLogTornTailIgnored: a record cut off by a crash (its PUT never
// acknowledged) is ignored; the records before it are applied.
func TestLogTornTailIgnored(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket("site"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "site", "a", "whole")
	put(t, s, "site", "b", "cut off")
	logs, _ := filepath.Glob(filepath.Join(dir, "site", "wal", "*.log"))
	if len(logs) != 1 {
		t.Fatalf("%d logs, want 1", len(logs))
	}
	st, err := os.Stat(logs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(logs[0], st.Size()-3); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"a": "whole max-age=9"}, contents(t, s2, "site")); diff != "" {
		t.Errorf("after a torn record (-want +got):\n%s", diff)
	}
}

// TestLogZeroTailIgnored: zeros after the last record (a file system that
// grew the log but lost the bytes in a crash) end the log; Open does not
// fail or panic on them.
func TestLogZeroTailIgnored(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket("site"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "site", "a", "whole")
	logs, _ := filepath.Glob(filepath.Join(dir, "site", "wal", "*.log"))
	if len(logs) != 1 {
		t.Fatalf("%d logs, want 1", len(logs))
	}
	f, err := os.OpenFile(logs[0], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 4096))
	f.Close()
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"a": "whole max-age=9"}, contents(t, s2, "site")); diff != "" {
		t.Errorf("after a zero tail (-want +got):\n%s", diff)
	}
}

// TestOldLayoutReads: a bucket written before the log existed (objects/
// and meta/ only, no wal/) opens and reads as before.
func TestOldLayoutReads(t *testing.T) {
	dir := t.TempDir()
	b := filepath.Join(dir, "old")
	for _, d := range []string{"objects", "meta", "uploads"} {
		if err := os.MkdirAll(filepath.Join(b, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"bucket.json":          `{"name":"old","created":"2026-12-01T00:00:00Z"}`,
		"objects/0123abcd":     "old bytes",
		"meta/index.html.json": `{"key":"index.html","size":9,"etag":"\"x\"","lastModified":"2026-12-01T00:00:00Z","headers":{"Cache-Control":"max-age=9"},"data":"0123abcd"}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(b, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"index.html": "old bytes max-age=9"}, contents(t, s, "old")); diff != "" {
		t.Errorf("old layout (-want +got):\n%s", diff)
	}
	put(t, s, "old", "index.html", "new")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(b, "objects", "0123abcd")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("replaced old bytes: %v, want removed", err)
	}
}

// TestCheckpointsUnderConcurrentPuts: with a log closed every few
// records and checkpointed at once, or when the closed logs pass a bound,
// concurrent PUTs, overwrites, DELETEs and GETs each see whole objects,
// and the final state is the same in the index, after Close and after a
// reopen.
func TestCheckpointsUnderConcurrentPuts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		quiet   time.Duration
		backlog int64
	}{
		{"checkpoint at once", 0, 1 << 30},
		{"checkpoint past the backlog bound", time.Hour, 6 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func(q time.Duration, b int64) { quietPeriod, maxBacklog = q, b }(quietPeriod, maxBacklog)
			quietPeriod, maxBacklog = tc.quiet, tc.backlog
			testCheckpointsUnderConcurrentPuts(t)
		})
	}
}

func testCheckpointsUnderConcurrentPuts(t *testing.T) {
	defer func(old int64) { segmentMax = old }(segmentMax)
	segmentMax = 2 << 10
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket("site"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				key := fmt.Sprintf("k%d", (g*40+i)%50)
				body := strings.Repeat(key, 1+i%7)
				if _, err := s.PutObject("site", key, strings.NewReader(body), PutInput{}); err != nil {
					t.Error(err)
					return
				}
				if i%5 == 4 {
					if err := s.DeleteObject("site", key); err != nil {
						t.Error(err)
						return
					}
				}
				if _, f, err := s.GetObject("site", fmt.Sprintf("k%d", i%50)); err == nil {
					raw, err := io.ReadAll(f)
					f.Close()
					if err != nil || strings.ReplaceAll(string(raw), fmt.Sprintf("k%d", i%50), "") != "" {
						t.Errorf("read %q, %v: not a whole object", raw, err)
					}
				} else if !errors.Is(err, ErrNoSuchKey) {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	want := map[string]string{}
	for k, v := range contents(t, s, "site") {
		want[k] = v
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, contents(t, s, "site")); diff != "" {
		t.Errorf("after Close (-before +after):\n%s", diff)
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, contents(t, s2, "site")); diff != "" {
		t.Errorf("after reopen (-before +after):\n%s", diff)
	}
}
