package s3api_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cfinv/cfinv/internal/s3api"
	"github.com/cfinv/cfinv/internal/s3store"
	"github.com/cfinv/cfinv/internal/sigv4"
)

// awsExampleStream is the signed chunked upload of AWS's SigV4 streaming
// example (64 KiB and 1 KiB of 'a'), with the signatures AWS documents:
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
func awsExampleStream(chunk1Sig string) *http.Request {
	var body bytes.Buffer
	body.WriteString("10000;chunk-signature=" + chunk1Sig + "\r\n")
	body.Write(bytes.Repeat([]byte("a"), 65536))
	body.WriteString("\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n")
	body.Write(bytes.Repeat([]byte("a"), 1024))
	body.WriteString("\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n")
	r := httptest.NewRequest(http.MethodPut, "http://s3.amazonaws.com/examplebucket/chunkObject.txt", &body)
	r.Host = "s3.amazonaws.com"
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
	r.Header.Set("X-Amz-Date", "20130524T000000Z")
	r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	r.Header.Set("Content-Length", "66824")
	return r
}

func TestSignedChunkedUpload(t *testing.T) {
	tests := []struct {
		name       string
		chunk1Sig  string
		wantStatus int
		wantStored bool
	}{
		{"aws example", "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648", http.StatusOK, true},
		{"tampered chunk signature", "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288649", http.StatusForbidden, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := s3store.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if err := st.CreateBucket("examplebucket"); err != nil {
				t.Fatal(err)
			}
			srv := &s3api.Server{Store: st, Auth: &sigv4.Verifier{
				Service: "s3",
				Now:     func() time.Time { return time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC) },
				Lookup: func(id string) (string, bool) {
					return "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", id == "AKIAIOSFODNN7EXAMPLE"
				},
			}}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, awsExampleStream(tt.chunk1Sig))
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			o, err := st.HeadObject("examplebucket", "chunkObject.txt")
			if stored := err == nil; stored != tt.wantStored {
				t.Fatalf("stored = %v, want %v", stored, tt.wantStored)
			}
			if tt.wantStored && (o.Size != 66560 || o.Headers["Content-Encoding"] != "") {
				t.Errorf("stored %d bytes with Content-Encoding %q, want 66560 and none", o.Size, o.Headers["Content-Encoding"])
			}
			if !tt.wantStored && !strings.Contains(w.Body.String(), "SignatureDoesNotMatch") {
				t.Errorf("body %s: want SignatureDoesNotMatch", w.Body)
			}
		})
	}
}
