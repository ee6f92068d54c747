package s3store

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func put(t *testing.T, s *Store, bucket, key, body string) *Object {
	t.Helper()
	o, err := s.PutObject(bucket, key, strings.NewReader(body), PutInput{Headers: map[string]string{"Cache-Control": "max-age=9"}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestReopenKeepsObjectsAndDropsLeftovers: what was committed is there after
// a restart; what an interrupted PUT left (a temporary metadata file, bytes
// no metadata names) is removed.
func TestReopenKeepsObjectsAndDropsLeftovers(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket("site"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "site", "index.html", "<h1>hi</h1>")
	put(t, s, "site", "../weird/../key", "x")
	orphan := filepath.Join(dir, "site", "objects", "orphan")
	tmp := filepath.Join(dir, "site", "meta", ".tmp-123")
	for _, p := range []string{orphan, tmp} {
		if err := os.WriteFile(p, []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	o, f, err := s2.GetObject("site", "index.html")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if string(got) != "<h1>hi</h1>" || o.Headers["Cache-Control"] != "max-age=9" {
		t.Errorf("after reopen: %q, Cache-Control %q", got, o.Headers["Cache-Control"])
	}
	if _, err := s2.HeadObject("site", "../weird/../key"); err != nil {
		t.Errorf("a key with dot segments: %v", err)
	}
	for _, p := range []string{orphan, tmp} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind: %v", p, err)
		}
	}
}

func TestOverwriteRemovesOldBytes(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket("site"); err != nil {
		t.Fatal(err)
	}
	_, old, err := func() (*Object, File, error) { put(t, s, "site", "k", "old"); return s.GetObject("site", "k") }()
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	put(t, s, "site", "k", "new")
	// A reader that opened the old object still reads it whole.
	got, _ := io.ReadAll(old)
	if string(got) != "old" {
		t.Errorf("open reader got %q, want old", got)
	}
	s.Close()
	files, _ := os.ReadDir(filepath.Join(dir, "site", "objects"))
	if len(files) != 1 {
		t.Errorf("%d files under objects/, want 1", len(files))
	}
}

func TestList(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket("list"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b/1", "b/2", "c/x/1", "d"} {
		put(t, s, "list", k, k)
	}
	keys := func(r ListResult) []string {
		var out []string
		for _, o := range r.Objects {
			out = append(out, o.Key)
		}
		return out
	}
	tests := []struct {
		name         string
		in           ListInput
		wantKeys     []string
		wantPrefixes []string
		wantTrunc    bool
	}{
		{"all", ListInput{MaxKeys: 1000}, []string{"a", "b/1", "b/2", "c/x/1", "d"}, nil, false},
		{"delimiter", ListInput{Delimiter: "/", MaxKeys: 1000}, []string{"a", "d"}, []string{"b/", "c/"}, false},
		{"after a prefix", ListInput{Delimiter: "/", After: "b/", MaxKeys: 1000}, []string{"d"}, []string{"c/"}, false},
		{"truncated", ListInput{MaxKeys: 2}, []string{"a", "b/1"}, nil, true},
		{"prefix", ListInput{Prefix: "b/", MaxKeys: 1000}, []string{"b/1", "b/2"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.List("list", tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantKeys, keys(r)); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantPrefixes, r.CommonPrefixes); diff != "" {
				t.Errorf("prefixes (-want +got):\n%s", diff)
			}
			if r.Truncated != tt.wantTrunc {
				t.Errorf("truncated = %v", r.Truncated)
			}
		})
	}
}

func TestDirectoryBucket(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "css"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>"), 0o644)
	os.WriteFile(filepath.Join(dir, "css", "a.css"), []byte("p{}"), 0o644)
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddDirectory("public", dir); err != nil {
		t.Fatal(err)
	}
	r, err := s.List("public", ListInput{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Objects) != 2 || r.Objects[0].Key != "css/a.css" {
		t.Fatalf("listing: %+v", r.Objects)
	}
	o, f, err := s.GetObject("public", "index.html")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if o.Headers["Content-Type"] != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", o.Headers["Content-Type"])
	}
	if _, err := s.HeadObject("public", "../etc/passwd"); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("a key outside the directory: %v, want ErrNoSuchKey", err)
	}
	if _, err := s.PutObject("public", "x", bytes.NewReader(nil), PutInput{}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("PUT into a directory bucket: %v, want ErrReadOnly", err)
	}
}

// TestReopenKeepsLocationConstraint: a bucket's region survives a restart.
func TestReopenKeepsLocationConstraint(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, lc := range map[string]string{"east": "", "west": "eu-west-1", "old-eu": "EU"} {
		if err := s.CreateBucketIn(name, lc); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for _, tt := range []struct{ name, wantLC, wantRegion string }{
		{"east", "", "us-east-1"},
		{"west", "eu-west-1", "eu-west-1"},
		{"old-eu", "EU", "eu-west-1"},
	} {
		b, err := s2.HeadBucket(tt.name)
		if err != nil || b.LocationConstraint != tt.wantLC || b.Region() != tt.wantRegion {
			t.Errorf("bucket %s after reopen: %+v (region %s), %v; want constraint %q, region %s", tt.name, b, b.Region(), err, tt.wantLC, tt.wantRegion)
		}
	}
}

// TestEncryptionSurvivesRestart: an object's encryption and KMS ETag, and
// a bucket's default encryption, are there after a restart, whether the
// object's record was still in the log (a kill -9: no Close) or
// checkpointed (Close), small or large.
func TestEncryptionSurvivesRestart(t *testing.T) {
	for _, tt := range []struct {
		name  string
		size  int
		close bool
	}{
		{"small, in the log", 10, false},
		{"small, checkpointed", 10, true},
		{"large, in the log", inlineMax + 1, false},
		{"large, checkpointed", inlineMax + 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CreateBucket("site"); err != nil {
				t.Fatal(err)
			}
			bucketEnc := &Encryption{Algorithm: SSEKMS, KMSKeyID: "alias/site", BucketKey: true}
			if err := s.SetBucketEncryption("site", bucketEnc); err != nil {
				t.Fatal(err)
			}
			enc := Encryption{Algorithm: SSEKMS, KMSKeyID: "arn:aws:kms:us-east-1:123456789012:key/k", BucketKey: true}
			body := strings.Repeat("x", tt.size)
			o, err := s.PutObject("site", "a", strings.NewReader(body), PutInput{Encryption: enc})
			if err != nil {
				t.Fatal(err)
			}
			if tt.close {
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
			s2, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s2.HeadObject("site", "a")
			if err != nil {
				t.Fatal(err)
			}
			type kept struct {
				ETag       string
				Encryption Encryption
			}
			if diff := cmp.Diff(kept{o.ETag, enc}, kept{got.ETag, got.Encryption}); diff != "" {
				t.Errorf("object after reopen (-want +got):\n%s", diff)
			}
			b, err := s2.HeadBucket("site")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(bucketEnc, b.Encryption); diff != "" {
				t.Errorf("bucket encryption after reopen (-want +got):\n%s", diff)
			}
		})
	}
}
