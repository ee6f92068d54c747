package deploy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/deploy"
	"github.com/cfinv/cfinv/internal/s3api"
	"github.com/cfinv/cfinv/internal/s3store"
)

// encryptByDefault sets the bucket's default encryption to SSE-KMS (the
// account's aws/s3 key, a bucket key): every object deploy writes then has
// an ETag that is not the MD5 of its bytes.
func encryptByDefault(t *testing.T, s *site) {
	t.Helper()
	if _, err := s.s3.PutBucketEncryption(t.Context(), &s3.PutBucketEncryptionInput{Bucket: aws.String(s.bucket),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms},
			BucketKeyEnabled:                   aws.Bool(true),
		}}}}); err != nil {
		t.Fatal(err)
	}
}

// TestRedeploySSEKMS: in a bucket whose default encryption is SSE-KMS, a
// redeploy of unchanged files uploads nothing and invalidates nothing
// (before: every file uploaded again and its URLs invalidated, on every
// deploy, because an SSE-KMS ETag is not the file's MD5); a changed file,
// of the same size or not, is uploaded and invalidated alone.
func TestRedeploySSEKMS(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		encryptByDefault(t, s)
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		s.mustRun(t, deploy.Options{Dir: dir})
		for _, step := range []struct {
			name  string
			edits map[string]string
			want  map[string]deploy.Reason
			paths []string
		}{
			{name: "unchanged", want: map[string]deploy.Reason{}},
			{name: "unchanged again (under the clean marker)", want: map[string]deploy.Reason{}},
			{name: "one file changed, same size", edits: map[string]string{"js/app.js": "console.log(2)"},
				want: map[string]deploy.Reason{"js/app.js": deploy.ReasonChanged}, paths: []string{"/js/app.js"}},
			{name: "one file changed, another size", edits: map[string]string{"js/app.js": "console.log(2)", "css/app.css": "body{color:red}"},
				want: map[string]deploy.Reason{"css/app.css": deploy.ReasonChanged}, paths: []string{"/css/app.css"}},
		} {
			before := len(s.invalidations(t))
			writeTree(t, dir, with(v1, step.edits))
			rep := s.mustRun(t, deploy.Options{Dir: dir})
			if diff := cmp.Diff(step.want, uploaded(rep)); diff != "" {
				t.Errorf("%s: uploads (-want +got):\n%s", step.name, diff)
			}
			var got [][]string
			if all := s.invalidations(t); len(all) > before {
				got = all[before:]
			}
			var want [][]string
			if step.paths != nil {
				want = [][]string{step.paths}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: invalidations (-want +got):\n%s", step.name, diff)
			}
		}
	})
}

// copyLimit is the CopyObject limit the copy tests lower S3's 5 GiB to,
// in deploy and in the local S3 alike; kept objects over it are copied in
// parts of partSize.
const (
	copyLimit = 5 << 20
	partSize  = 5 << 20
)

// newCopyLimitedSite is newSite with, for cfinv's S3, an S3 API of its own
// that refuses a CopyObject of a source over copyLimit as S3 refuses one
// over 5 GiB (the edge does not serve its bucket).
func newCopyLimitedSite(t *testing.T, backend string) *site {
	t.Helper()
	s := newSite(t, backend)
	if backend != "cfinv" {
		return s
	}
	st, err := s3store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ts := httptest.NewServer(&s3api.Server{Store: st, MaxCopySize: copyLimit})
	t.Cleanup(ts.Close)
	s.endpoint, s.edge = ts.URL, false
	s.s3 = s.client(ts.URL)
	if _, err := s.s3.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestKeepDeletedOverCopyLimit: --keep-deleted marks an object over
// CopyObject's limit (5 GiB, lowered here) removed with a copy in parts
// that keeps its bytes, headers and encryption (before: the CopyObject was
// refused with InvalidRequest and the deploy failed), and a copy in parts
// that fails is aborted, leaving no upload behind.
func TestKeepDeletedOverCopyLimit(t *testing.T) {
	deploy.SetCopyLimits(t, copyLimit, partSize)
	big := strings.Repeat("0123456789abcdef", (copyLimit+copyLimit/2)/16) // 1.5 parts
	forEachCopyLimitedBackend(t, func(t *testing.T, s *site) {
		ctx := t.Context()
		encryptByDefault(t, s)
		dir := filepath.Join(t.TempDir(), "public")
		files := with(v1, map[string]string{"video/big.bin": big, "video/big2.bin": big + "2"})
		writeTree(t, dir, files)
		s.mustRun(t, deploy.Options{Dir: dir})
		before, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("video/big.bin")})
		if err != nil {
			t.Fatal(err)
		}

		// A copy in parts that fails is aborted.
		failing := proxy(t, s.endpoint, func(r *http.Request) bool {
			return r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "" && r.URL.Query().Get("partNumber") == "2"
		}, nil)
		writeTree(t, dir, with(files, map[string]string{"video/big.bin": ""}))
		t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		o := deploy.Options{Dir: dir, Delete: true, KeepDeleted: time.Hour, Now: func() time.Time { return t0 }}
		if _, err := s.run(t, s.client(failing, func(o *s3.Options) { o.RetryMaxAttempts = 1 }), o); err == nil || !strings.Contains(err.Error(), "copy part 2") {
			t.Fatalf("deploy through a proxy failing UploadPartCopy of part 2: got %v, want that failure", err)
		}
		ups, err := s.s3.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(s.bucket)})
		if err != nil {
			t.Fatal(err)
		}
		if len(ups.Uploads) != 0 {
			t.Errorf("after a failed copy in parts: %d multipart uploads left, want 0 (aborted)", len(ups.Uploads))
		}

		rep := s.mustRun(t, o)
		if diff := cmp.Diff([]string{"video/big.bin"}, rep.Kept); diff != "" {
			t.Fatalf("kept (-want +got):\n%s", diff)
		}
		head, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("video/big.bin")})
		if err != nil {
			t.Fatal(err)
		}
		type stored struct {
			Removed, ContentType, SHA256 string
			Size                         int64
			SSE                          types.ServerSideEncryption
			KeyID                        string
		}
		want := stored{"2026-05-01T12:00:00Z", aws.ToString(before.ContentType), before.Metadata[deploy.MetaSHA256], int64(len(big)), types.ServerSideEncryptionAwsKms, aws.ToString(before.SSEKMSKeyId)}
		got := stored{head.Metadata[deploy.MetaRemoved], aws.ToString(head.ContentType), head.Metadata[deploy.MetaSHA256], aws.ToInt64(head.ContentLength), head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("kept video/big.bin (-want +got):\n%s", diff)
		}
		obj, err := s.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("video/big.bin")})
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(obj.Body)
		obj.Body.Close()
		if err != nil || string(body) != big {
			t.Errorf("kept video/big.bin: %d bytes (%v), want its %d bytes unchanged", len(body), err, len(big))
		}
	})
}

// forEachCopyLimitedBackend is forEachBackend with newCopyLimitedSite.
func forEachCopyLimitedBackend(t *testing.T, test func(t *testing.T, s *site)) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) { test(t, newCopyLimitedSite(t, b)) })
	}
}
