package deploy

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

func gzipBytes(t *testing.T, in []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Gzip(&buf, bytes.NewReader(in)); err != nil {
		t.Fatalf("Gzip: %v", err)
	}
	return buf.Bytes()
}

func TestGzip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 256<<10)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"one byte", []byte("x")},
		{"html", bytes.Repeat([]byte("<p>hello, world</p>\n"), 5000)},
		{"random 256 KiB", random},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := gzipBytes(t, tt.in)
			second := gzipBytes(t, tt.in)
			if !bytes.Equal(first, second) {
				t.Fatalf("two runs gave different bytes (%d and %d bytes)", len(first), len(second))
			}
			zr, err := gzip.NewReader(bytes.NewReader(first))
			if err != nil {
				t.Fatalf("gzip.NewReader: %v", err)
			}
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if !bytes.Equal(got, tt.in) {
				t.Errorf("round trip gave %d bytes, want the %d given", len(got), len(tt.in))
			}
			if zr.Name != "" || zr.Comment != "" || !zr.ModTime.IsZero() || zr.OS != 255 || zr.Extra != nil {
				t.Errorf("header = %+v, want no name, no comment, no mtime, OS 255, no extra", zr.Header)
			}
			// The header bytes themselves: magic, deflate, no flags, mtime 0, XFL 2 (best), OS 255.
			wantHeader := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255}
			if !bytes.Equal(first[:10], wantHeader) {
				t.Errorf("header bytes = % x, want % x", first[:10], wantHeader)
			}
		})
	}
}

type gzipFailingReader struct{}

var errGzipRead = errors.New("disk gone")

func (gzipFailingReader) Read([]byte) (int, error) { return 0, errGzipRead }

func TestGzipReadError(t *testing.T) {
	err := Gzip(io.Discard, gzipFailingReader{})
	if !errors.Is(err, errGzipRead) {
		t.Errorf("Gzip = %v, want an error wrapping %v", err, errGzipRead)
	}
}

// BenchmarkGzip compresses a 4 KiB text file, the size of a small page or
// stylesheet, as the scan does for each file of a gzip route: its
// allocations are the compressor's when it is not reused.
//
//	go test -run '^$' -bench BenchmarkGzip -benchmem ./deploy/
func BenchmarkGzip(b *testing.B) {
	in := bytes.Repeat([]byte("<p class=\"post\">A static site, deployed.</p>\n"), 4096/46)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Gzip(io.Discard, bytes.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGzipReused: a compressor reused after a failed write gives the same
// bytes as a fresh one.
func TestGzipReused(t *testing.T) {
	in := bytes.Repeat([]byte("abc "), 5000)
	want := gzipBytes(t, in)
	if err := Gzip(failingWriter{}, bytes.NewReader(in)); err == nil {
		t.Fatal("Gzip to a failing writer: no error")
	}
	for range 3 {
		if got := gzipBytes(t, in); !bytes.Equal(got, want) {
			t.Fatalf("reused compressor: %d bytes differ from the first %d", len(got), len(want))
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
