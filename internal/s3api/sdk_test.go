package s3api_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/s3api"
	"github.com/cfinv/cfinv/internal/s3store"
	"github.com/cfinv/cfinv/internal/sigv4"
)

const (
	testKeyID  = "AKIDS3TEST"
	testSecret = "s3-test-secret"
)

// startServer runs the S3 API on loopback over a store in a temporary
// directory and returns the store, its URL and a client for it.
func startServer(t testing.TB) (*s3store.Store, string, *s3.Client) {
	t.Helper()
	return startServerTLS(t, false)
}

// startServerTLS is startServer, over HTTPS when tls is set: the SDK sends
// an unseekable body aws-chunked with a trailing checksum only over TLS.
func startServerTLS(t testing.TB, tls bool, opts ...func(*s3api.Server)) (*s3store.Store, string, *s3.Client) {
	t.Helper()
	st, err := s3store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := &s3api.Server{Store: st, Auth: &sigv4.Verifier{
		Service: "s3",
		Lookup: func(id string) (string, bool) {
			if id == testKeyID {
				return testSecret, true
			}
			return "", false
		},
	}}
	for _, o := range opts {
		o(srv)
	}
	if !tls {
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		return st, ts.URL, newClient(ts.URL, testSecret)
	}
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	c := newClient(ts.URL, testSecret)
	c = s3.New(c.Options(), func(o *s3.Options) { o.HTTPClient = ts.Client() })
	return st, ts.URL, c
}

func newClient(url, secret string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(testKeyID, secret, ""),
	})
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestSDKObjectRoundTrip(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
		t.Fatalf("second CreateBucket in us-east-1: got %v, want success (S3's legacy rule there)", err)
	}
	body := []byte("<h1>hello</h1>")
	put, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("site"), Key: aws.String("posts/a b+c.html"), Body: bytes.NewReader(body),
		ContentType: aws.String("text/html; charset=utf-8"), CacheControl: aws.String("public, max-age=60"),
		ContentDisposition: aws.String("inline"), ContentLanguage: aws.String("en"),
		Metadata: map[string]string{"Source": "hexo"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(body)
	wantETag := `"` + hexString(sum[:]) + `"`
	if aws.ToString(put.ETag) != wantETag {
		t.Errorf("PutObject ETag = %s, want %s", aws.ToString(put.ETag), wantETag)
	}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("posts/a b+c.html")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if !bytes.Equal(got, body) {
		t.Errorf("body = %q, want %q", got, body)
	}
	type headers struct{ ContentType, CacheControl, ContentDisposition, ContentLanguage, ETag string }
	if diff := cmp.Diff(headers{"text/html; charset=utf-8", "public, max-age=60", "inline", "en", wantETag},
		headers{aws.ToString(get.ContentType), aws.ToString(get.CacheControl), aws.ToString(get.ContentDisposition), aws.ToString(get.ContentLanguage), aws.ToString(get.ETag)}); diff != "" {
		t.Errorf("GetObject headers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"source": "hexo"}, get.Metadata); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}

	rng, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("posts/a b+c.html"), Range: aws.String("bytes=1-2")})
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(rng.Body)
	rng.Body.Close()
	if string(part) != "h1" || aws.ToString(rng.ContentRange) != "bytes 1-2/14" {
		t.Errorf("range: got %q %s, want \"h1\" bytes 1-2/14", part, aws.ToString(rng.ContentRange))
	}

	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("posts/a b+c.html"), IfNoneMatch: aws.String(wantETag)})
	if !strings.Contains(errString(err), "304") {
		t.Errorf("If-None-Match: got %v, want a 304", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("posts/a b+c.html"), IfMatch: aws.String(`"nope"`)})
	if errCode(err) != "PreconditionFailed" {
		t.Errorf("If-Match: got %v, want PreconditionFailed", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("missing")})
	var nsk *types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Errorf("missing key: got %v, want NoSuchKey", err)
	}

	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("site"), Key: aws.String("copy.html"), CopySource: aws.String("site/posts/a%20b%2Bc.html")}); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("site"), Key: aws.String("copy.html")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.CacheControl) != "public, max-age=60" || aws.ToInt64(head.ContentLength) != int64(len(body)) {
		t.Errorf("copy (COPY directive): Cache-Control %q length %d", aws.ToString(head.CacheControl), aws.ToInt64(head.ContentLength))
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("site"), Key: aws.String("copy.html"), CopySource: aws.String("site/copy.html"),
		MetadataDirective: types.MetadataDirectiveReplace, CacheControl: aws.String("no-cache"), ContentType: aws.String("text/plain")}); err != nil {
		t.Fatal(err)
	}
	head, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("site"), Key: aws.String("copy.html")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.CacheControl) != "no-cache" || aws.ToString(head.ContentType) != "text/plain" {
		t.Errorf("copy (REPLACE): Cache-Control %q Content-Type %q", aws.ToString(head.CacheControl), aws.ToString(head.ContentType))
	}

	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("site"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("copy.html")}, {Key: aws.String("posts/a b+c.html")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 2 {
		t.Errorf("DeleteObjects deleted %d, want 2", len(out.Deleted))
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("site")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("site")}); err == nil {
		t.Error("HeadBucket after DeleteBucket succeeded")
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestSDKList(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("list")}); err != nil {
		t.Fatal(err)
	}
	keys := []string{"a.txt", "dir/b.txt", "dir/c.txt", "dir/sub/d.txt", "e.txt"}
	for _, k := range keys {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("list"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name       string
		in         s3.ListObjectsV2Input
		wantKeys   []string
		wantPrefix []string
	}{
		{name: "all", wantKeys: keys},
		{name: "delimiter", in: s3.ListObjectsV2Input{Delimiter: aws.String("/")}, wantKeys: []string{"a.txt", "e.txt"}, wantPrefix: []string{"dir/"}},
		{name: "prefix and delimiter", in: s3.ListObjectsV2Input{Prefix: aws.String("dir/"), Delimiter: aws.String("/")}, wantKeys: []string{"dir/b.txt", "dir/c.txt"}, wantPrefix: []string{"dir/sub/"}},
		{name: "start-after", in: s3.ListObjectsV2Input{StartAfter: aws.String("dir/c.txt")}, wantKeys: []string{"dir/sub/d.txt", "e.txt"}},
		{name: "pages of two", in: s3.ListObjectsV2Input{MaxKeys: aws.Int32(2)}, wantKeys: keys},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Bucket = aws.String("list")
			var gotKeys, gotPrefix []string
			p := s3.NewListObjectsV2Paginator(c, &in)
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range page.Contents {
					gotKeys = append(gotKeys, aws.ToString(o.Key))
				}
				for _, cp := range page.CommonPrefixes {
					gotPrefix = append(gotPrefix, aws.ToString(cp.Prefix))
				}
			}
			if diff := cmp.Diff(tt.wantKeys, gotKeys); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantPrefix, gotPrefix); diff != "" {
				t.Errorf("common prefixes (-want +got):\n%s", diff)
			}
		})
	}
	v1, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("list"), Marker: aws.String("dir/sub/d.txt")})
	if err != nil {
		t.Fatal(err)
	}
	if len(v1.Contents) != 1 || aws.ToString(v1.Contents[0].Key) != "e.txt" {
		t.Errorf("ListObjects v1 after marker: %+v", v1.Contents)
	}
	buckets, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(buckets.Buckets) != 1 || aws.ToString(buckets.Buckets[0].Name) != "list" {
		t.Errorf("ListBuckets: %+v", buckets.Buckets)
	}
}

// TestSDKDefaultChecksums: aws-sdk-go-v2 sends a requested checksum in a
// header, or, for a body it cannot seek over TLS, aws-chunked with a
// trailing checksum (STREAMING-UNSIGNED-PAYLOAD-TRAILER); the server checks
// and returns it.
func TestSDKDefaultChecksums(t *testing.T) {
	_, _, c := startServerTLS(t, true)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sums")}); err != nil {
		t.Fatal(err)
	}
	for _, alg := range []types.ChecksumAlgorithm{"", types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c, types.ChecksumAlgorithmSha256, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmCrc64nvme} {
		t.Run("alg="+string(alg), func(t *testing.T) {
			// An io.Reader that is not seekable makes the SDK stream it
			// aws-chunked with a trailing checksum.
			for _, seekable := range []bool{true, false} {
				var body io.Reader = bytes.NewReader(bytes.Repeat([]byte("x"), 100_000))
				if !seekable {
					body = io.MultiReader(body)
				}
				put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sums"), Key: aws.String("k"), Body: body, ChecksumAlgorithm: alg, ContentLength: aws.Int64(100_000)})
				if err != nil {
					t.Fatalf("seekable %v: %v", seekable, err)
				}
				if alg != "" && put.ChecksumCRC32 == nil && put.ChecksumCRC32C == nil && put.ChecksumSHA256 == nil && put.ChecksumSHA1 == nil && put.ChecksumCRC64NVME == nil {
					t.Errorf("seekable %v: no checksum in the PutObject response", seekable)
				}
				get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sums"), Key: aws.String("k"), ChecksumMode: types.ChecksumModeEnabled})
				if err != nil {
					t.Fatal(err)
				}
				n, err := io.Copy(io.Discard, get.Body)
				get.Body.Close()
				if err != nil || n != 100_000 {
					t.Fatalf("read back %d bytes: %v", n, err)
				}
			}
		})
	}
}

func TestBadContentMD5(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("md5")}); err != nil {
		t.Fatal(err)
	}
	other := md5.Sum([]byte("other"))
	tests := []struct {
		name, md5, want string
	}{
		{"not base64", "!!!", "InvalidDigest"},
		{"wrong digest", base64.StdEncoding.EncodeToString(other[:]), "BadDigest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("md5"), Key: aws.String("k"), Body: strings.NewReader("body"), ContentMD5: aws.String(tt.md5)})
			if errCode(err) != tt.want {
				t.Fatalf("got %v, want %s", err, tt.want)
			}
		})
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("md5"), Key: aws.String("k")}); err == nil {
		t.Error("an object whose Content-MD5 was wrong was stored")
	}
}

func TestWrongSecretRejected(t *testing.T) {
	_, url, _ := startServer(t)
	c := newClient(url, "wrong")
	_, err := c.ListBuckets(t.Context(), &s3.ListBucketsInput{})
	if errCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("got %v, want SignatureDoesNotMatch", err)
	}
}

func TestMultipartUpload(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mpu")}); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 11<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	big, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin"), CacheControl: aws.String("max-age=3")})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for i, off := 0, 0; off < len(data); i, off = i+1, off+5<<20 {
		end := min(off+5<<20, len(data))
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin"), UploadId: big.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(data[off:end])})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: p.ETag})
	}
	res, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin"), UploadId: big.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(res.ETag), `-3"`) {
		t.Errorf("ETag %s: want the md5-of-part-md5s-3 form", aws.ToString(res.ETag))
	}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if !bytes.Equal(got, data) || aws.ToString(get.CacheControl) != "max-age=3" {
		t.Errorf("multipart object: %d bytes (want %d), Cache-Control %q", len(got), len(data), aws.ToString(get.CacheControl))
	}

	// Abort, ListParts, ListMultipartUploads.
	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("x")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("x"), UploadId: cr.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mpu"), Key: aws.String("x"), UploadId: cr.UploadId, PartNumber: aws.Int32(2), CopySource: aws.String("mpu/big.bin"), CopySourceRange: aws.String("bytes=0-9")}); err != nil {
		t.Fatal(err)
	}
	parts, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("x"), UploadId: cr.UploadId})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts.Parts) != 2 || aws.ToInt64(parts.Parts[1].Size) != 10 {
		t.Errorf("ListParts: %+v", parts.Parts)
	}
	ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups.Uploads) != 1 || aws.ToString(ups.Uploads[0].UploadId) != aws.ToString(cr.UploadId) {
		t.Errorf("ListMultipartUploads: %+v", ups.Uploads)
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("x"), UploadId: cr.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String(`"x"`)}}}})
	if errCode(err) != "InvalidPart" {
		t.Errorf("Complete with a wrong ETag: got %v, want InvalidPart", err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("x"), UploadId: cr.UploadId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("x"), UploadId: cr.UploadId})
	if errCode(err) != "NoSuchUpload" {
		t.Errorf("ListParts after abort: got %v, want NoSuchUpload", err)
	}
}

func TestNotImplementedNamesOperation(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("nimp")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("nimp")})
	if errCode(err) != "NotImplemented" || !strings.Contains(err.Error(), "policy") {
		t.Fatalf("got %v, want NotImplemented naming ?policy", err)
	}
}

// TestPresignedGet: a presigned GetObject URL (query authentication,
// UNSIGNED-PAYLOAD) works with any HTTP client; altered, it is refused.
func TestPresignedGet(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pre")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pre"), Key: aws.String("a b.txt"), Body: strings.NewReader("signed")}); err != nil {
		t.Fatal(err)
	}
	req, err := s3.NewPresignClient(c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("pre"), Key: aws.String("a b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		url  string
		want int
	}{
		{"as presigned", req.URL, http.StatusOK},
		{"another key", strings.Replace(req.URL, "a%20b.txt", "c.txt", 1), http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("GET %s: %d %s, want %d", tt.url, resp.StatusCode, body, tt.want)
			}
		})
	}
}

// TestListBucketsPaged: ListBuckets with max-buckets, continuation-token,
// prefix and bucket-region, through the SDK's paginator, as S3 answers it
// since 2024: pages in name order, each bucket with its BucketRegion, a
// token while more remain; without any of them, every bucket and no
// region (issue 30).
func TestListBucketsPaged(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	buckets := map[string]string{"site-a": "", "site-b": "eu-west-1", "site-c": "", "logs": "eu-west-1", "site-d": "ap-south-1"}
	for name, region := range buckets {
		in := &s3.CreateBucketInput{Bucket: aws.String(name)}
		if region != "" {
			in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
		}
		if _, err := c.CreateBucket(ctx, in); err != nil {
			t.Fatalf("CreateBucket %s: %v", name, err)
		}
	}
	type page struct {
		Names   []string
		Regions []string
		More    bool
	}
	tests := []struct {
		name string
		in   s3.ListBucketsInput
		want []page
	}{
		{"all, unpaged", s3.ListBucketsInput{}, []page{{Names: []string{"logs", "site-a", "site-b", "site-c", "site-d"}, Regions: []string{"", "", "", "", ""}}}},
		{"two a page", s3.ListBucketsInput{MaxBuckets: aws.Int32(2)}, []page{
			{[]string{"logs", "site-a"}, []string{"eu-west-1", "us-east-1"}, true},
			{[]string{"site-b", "site-c"}, []string{"eu-west-1", "us-east-1"}, true},
			{[]string{"site-d"}, []string{"ap-south-1"}, false},
		}},
		{"prefix", s3.ListBucketsInput{Prefix: aws.String("site-"), MaxBuckets: aws.Int32(3)}, []page{
			{[]string{"site-a", "site-b", "site-c"}, []string{"us-east-1", "eu-west-1", "us-east-1"}, true},
			{[]string{"site-d"}, []string{"ap-south-1"}, false},
		}},
		{"region", s3.ListBucketsInput{BucketRegion: aws.String("eu-west-1")}, []page{
			{[]string{"logs", "site-b"}, []string{"eu-west-1", "eu-west-1"}, false},
		}},
		{"no match", s3.ListBucketsInput{Prefix: aws.String("zzz")}, []page{{Names: nil, Regions: nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []page
			p := s3.NewListBucketsPaginator(c, &tt.in)
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				pg := page{More: out.ContinuationToken != nil}
				for _, b := range out.Buckets {
					pg.Names = append(pg.Names, aws.ToString(b.Name))
					pg.Regions = append(pg.Regions, aws.ToString(b.BucketRegion))
				}
				if tt.in.Prefix != nil && aws.ToString(out.Prefix) != aws.ToString(tt.in.Prefix) {
					t.Errorf("Prefix = %q, want %q", aws.ToString(out.Prefix), aws.ToString(tt.in.Prefix))
				}
				got = append(got, pg)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range []s3.ListBucketsInput{{MaxBuckets: aws.Int32(0)}, {MaxBuckets: aws.Int32(10001)}, {ContinuationToken: aws.String("!!")}} {
		_, err := c.ListBuckets(ctx, &bad)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidArgument" {
			t.Errorf("ListBuckets(%+v): %v, want InvalidArgument", bad, err)
		}
	}
}
