package s3api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/internal/s3store"
)

// FuzzChunkedReader: any body decodes to an error or to bytes, never a
// panic or a loop, and a well-formed unsigned stream decodes to its data.
func FuzzChunkedReader(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte("3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n"))
	f.Add([]byte("fffffffffffffffff\r\n"))
	f.Add([]byte("2;chunk-signature=00\r\nab\r\n0;chunk-signature=00\r\n\r\n"))
	f.Add([]byte("1\r\nabc\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		c := newChunkedReader(bytes.NewReader(body), nil)
		out, err := io.ReadAll(io.LimitReader(c, 64<<20))
		if err == nil && len(out) > len(body) {
			t.Fatalf("decoded %d bytes from a %d-byte body", len(out), len(body))
		}
	})
}

func TestChunkedReader(t *testing.T) {
	tests := []struct {
		name, body, want string
		wantTrailer      map[string]string
		wantErr          error
	}{
		{name: "two chunks", body: "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", want: "abcde"},
		{name: "trailer", body: "3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n", want: "abc", wantTrailer: map[string]string{"x-amz-checksum-crc32": "NSRBwg=="}},
		{name: "no final empty line", body: "3\r\nabc\r\n0\r\n", want: "abc"},
		{name: "data longer than its size", body: "1\r\nabc\r\n0\r\n\r\n", wantErr: errChunk},
		{name: "bad size", body: "zz\r\nabc\r\n", wantErr: errChunk},
		{name: "huge size", body: "7fffffffffffffff\r\n", wantErr: errChunk},
		{name: "cut short", body: "5\r\nab", wantErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChunkedReader(strings.NewReader(tt.body), nil)
			got, err := io.ReadAll(c)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
			for k, v := range tt.wantTrailer {
				if c.trailer[k] != v {
					t.Errorf("trailer %s = %q, want %q", k, c.trailer[k], v)
				}
			}
		})
	}
}

// FuzzParseRange: a range within the object, or none, or 416.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-0", "bytes=-5", "bytes=5-", "bytes=3-1", "bytes=0-1,2-3", "bytes=99-", "bytes=-0", "items=1-2", "bytes=+1-2"} {
		f.Add(s, int64(10))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -size
		}
		first, last, ok, err := parseRange(h, size)
		if err != nil && ok {
			t.Fatal("ok with an error")
		}
		if ok && (first < 0 || last < first || last >= size) {
			t.Fatalf("parseRange(%q, %d) = %d-%d outside the object", h, size, first, last)
		}
	})
}

func TestParseRange(t *testing.T) {
	tests := []struct {
		name        string
		h           string
		size        int64
		first, last int64
		ok          bool
		err         error
	}{
		{"first bytes", "bytes=0-1", 10, 0, 1, true, nil},
		{"open end", "bytes=4-", 10, 4, 9, true, nil},
		{"last past the end", "bytes=4-100", 10, 4, 9, true, nil},
		{"suffix", "bytes=-3", 10, 7, 9, true, nil},
		{"suffix longer than the object", "bytes=-30", 10, 0, 9, true, nil},
		{"start past the end", "bytes=10-", 10, 0, 0, false, errInvalidRange},
		{"empty suffix", "bytes=-0", 10, 0, 0, false, errInvalidRange},
		{"several ranges ignored", "bytes=0-1,3-4", 10, 0, 0, false, nil},
		{"reversed ignored", "bytes=5-2", 10, 0, 0, false, nil},
		{"other unit ignored", "items=0-1", 10, 0, 0, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, last, ok, err := parseRange(tt.h, tt.size)
			if first != tt.first || last != tt.last || ok != tt.ok || err != tt.err {
				t.Fatalf("parseRange(%q, %d) = %d, %d, %v, %v; want %d, %d, %v, %v", tt.h, tt.size, first, last, ok, err, tt.first, tt.last, tt.ok, tt.err)
			}
		})
	}
}

// FuzzXMLBodies: DeleteObjects, CompleteMultipartUpload and CreateBucket
// bodies of any shape answer an S3 status, never a 5xx or a panic.
func FuzzXMLBodies(f *testing.F) {
	f.Add(0, []byte(`<Delete><Object><Key>a</Key></Object></Delete>`))
	f.Add(1, []byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>`))
	f.Add(2, []byte(`<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`))
	f.Add(0, []byte(`<Delete><Object><Key>`))
	st, err := s3store.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	if err := st.CreateBucket("fuzz"); err != nil {
		f.Fatal(err)
	}
	up, err := st.CreateUpload("fuzz", s3store.Upload{Key: "k"})
	if err != nil {
		f.Fatal(err)
	}
	srv := &Server{Store: st}
	f.Fuzz(func(t *testing.T, which int, body []byte) {
		var r *http.Request
		switch uint(which) % 3 {
		case 0:
			r = httptest.NewRequest(http.MethodPost, "/fuzz?delete", bytes.NewReader(body))
		case 1:
			r = httptest.NewRequest(http.MethodPost, "/fuzz/k?uploadId="+up.ID, bytes.NewReader(body))
		default:
			r = httptest.NewRequest(http.MethodPut, "/fuzz-new-bucket", bytes.NewReader(body))
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if uint(which)%3 == 2 && w.Code == http.StatusOK {
			if err := st.DeleteBucket("fuzz-new-bucket"); err != nil {
				t.Fatal(err)
			}
		}
	})
}
