package local

import (
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfinv/cfinv/internal/s3store"
)

// start runs Start with opts on 127.0.0.1:0 and closes it when t ends.
func start(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestStartParts(t *testing.T) {
	tests := []struct {
		name                 string
		opts                 Options
		wantEdge, wantS3     bool
		wantKeyFile, created bool
	}{
		{name: "api only, memory", opts: Options{Memory: true, APIAddr: "127.0.0.1:0"}},
		{name: "all parts, data dir", opts: Options{APIAddr: "127.0.0.1:0", EdgeAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0"},
			wantEdge: true, wantS3: true, wantKeyFile: true, created: true},
		{name: "keys given", opts: Options{APIAddr: "127.0.0.1:0", Keys: map[string]string{"AKID": "secret"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.opts.Memory {
				tt.opts.DataDir = t.TempDir()
			}
			s := start(t, tt.opts)
			if (s.EdgeURL != "") != tt.wantEdge || (s.EdgeAddr != nil) != tt.wantEdge {
				t.Errorf("edge: URL %q, addr %v; want on = %v", s.EdgeURL, s.EdgeAddr, tt.wantEdge)
			}
			if (s.S3URL != "") != tt.wantS3 || (s.S3Addr != nil) != tt.wantS3 {
				t.Errorf("S3 API: URL %q, addr %v; want on = %v", s.S3URL, s.S3Addr, tt.wantS3)
			}
			if (s.KeyFile != "") != tt.wantKeyFile || s.KeyFileCreated != tt.created || len(s.Keys) != 1 {
				t.Errorf("keys: file %q created %v, %d pairs", s.KeyFile, s.KeyFileCreated, len(s.Keys))
			}
			for _, u := range []string{s.URL, s.EdgeURL, s.S3URL} {
				if u == "" {
					continue
				}
				resp, err := http.Get(u + "/")
				if err != nil {
					t.Errorf("GET %s: %v", u, err)
					continue
				}
				resp.Body.Close()
			}
		})
	}
}

// TestCloseReleases: after Close the state file can be opened again (the
// bbolt lock is released) and the ports are closed, also after a Start
// that failed half-way.
func TestCloseReleases(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(Options{DataDir: dir, APIAddr: "127.0.0.1:0", EdgeAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := http.Get(s.URL + "/"); err == nil {
		t.Errorf("GET after Close: the API still answers")
	}

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, err = Start(Options{DataDir: dir, APIAddr: "127.0.0.1:0", EdgeAddr: taken.Addr().String()})
	var le *ListenError
	if !errors.As(err, &le) || le.Part != "edge" || le.Addr != taken.Addr().String() {
		t.Fatalf("Start with the edge's port taken: got %v, want a ListenError for the edge", err)
	}
	start(t, Options{DataDir: dir, APIAddr: "127.0.0.1:0"}) // the store was released
}

// TestS3OriginError: an S3 origin directory named as a bucket the data
// directory already holds is refused with an S3OriginError.
func TestS3OriginError(t *testing.T) {
	dir := t.TempDir()
	buckets, err := s3store.Open(filepath.Join(dir, "s3"))
	if err != nil {
		t.Fatal(err)
	}
	if err := buckets.CreateBucket("site"); err != nil {
		t.Fatal(err)
	}
	site := t.TempDir()
	if err := os.WriteFile(filepath.Join(site, "index.html"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Start(Options{DataDir: dir, APIAddr: "127.0.0.1:0", S3Origins: map[string]string{"site": site}})
	var oe *S3OriginError
	if !errors.As(err, &oe) || oe.Bucket != "site" || oe.Dir != site {
		t.Fatalf("got %v, want an S3OriginError for site=%s", err, site)
	}
}

// TestCloseCheckpointsBuckets: Close leaves every acknowledged object in
// objects/ and meta/ and no bucket log behind (it used to leave them for
// the next start to replay).
func TestCloseCheckpointsBuckets(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(Options{DataDir: dir, APIAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	var id, secret string
	for id, secret = range s.Keys {
	}
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.S3URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")})
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String("index.html"),
		Body: strings.NewReader("<h1>hi</h1>")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	bucket := filepath.Join(dir, "s3", "site")
	if logs, _ := filepath.Glob(filepath.Join(bucket, "wal", "*.log")); len(logs) != 0 {
		t.Errorf("after Close: logs %v left, want none", logs)
	}
	if metas, _ := os.ReadDir(filepath.Join(bucket, "meta")); len(metas) != 1 {
		t.Errorf("after Close: %d files in meta/, want 1", len(metas))
	}
}
