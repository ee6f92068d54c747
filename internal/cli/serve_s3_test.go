package cli

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/cfinv/cfinv/internal/local"
	"github.com/cfinv/cfinv/test/harness"
)

// startServeS3 runs serveRun with the S3 API on 127.0.0.1:0 and returns its
// URL.
func startServeS3(t *testing.T, opts *serveOptions) (*runningServer, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	opts.S3Listener, opts.S3Ready = ln, ready
	srv := startServe(t, opts)
	return srv, <-ready
}

func s3Client(url string) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSERVE", "serve-secret", "")})
}

func TestServeS3API(t *testing.T) {
	site := t.TempDir()
	if err := os.WriteFile(filepath.Join(site, "index.html"), []byte("<p>dir</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDSERVE", "AWS_SECRET_ACCESS_KEY": "serve-secret"}
	opts := &serveOptions{DataDir: dataDir, Getenv: func(k string) string { return env[k] }, s3: map[string]string{"public": site}}
	srv, url := startServeS3(t, opts)
	if !strings.Contains(srv.stderr.String(), "export AWS_ENDPOINT_URL_S3="+url) {
		t.Errorf("stderr does not tell how to reach the S3 API:\n%s", srv.stderr)
	}
	c := s3Client(url)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String("a.html"), Body: strings.NewReader("hi"), CacheControl: aws.String("max-age=5")}); err != nil {
		t.Fatal(err)
	}
	// The --s3-origin directory is a read-only bucket, listable.
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("public")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != "index.html" {
		t.Errorf("listing the --s3-origin bucket: %+v", list.Contents)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}

	// A restart finds the object, Cache-Control and all.
	srv2, url2 := startServeS3(t, &serveOptions{DataDir: dataDir, Getenv: func(k string) string { return env[k] }})
	defer srv2.stop()
	get, err := s3Client(url2).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("a.html")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if string(body) != "hi" || aws.ToString(get.CacheControl) != "max-age=5" {
		t.Errorf("after restart: %q, Cache-Control %q", body, aws.ToString(get.CacheControl))
	}
}

// TestServeS3PortTaken: a taken --s3-addr, the default's port as any
// other, is an error naming the flag: serve never runs on without the S3
// API, which would leave `aws s3` commands to whatever holds the port.
func TestServeS3PortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	ios, _, _, _ := TestIO()
	err = serveRun(t.Context(), &serveOptions{IO: ios, Getenv: func(string) string { return "" }, DataDir: t.TempDir(),
		Listener: mustListen(t), S3Addr: taken.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), "listen on --s3-addr") {
		t.Fatalf("got %v, want a listen error naming --s3-addr", err)
	}
}

func mustListen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// TestServeEdgeFromBucket runs a deploy on one machine: PUT into serve's
// S3 API, read through the edge of a distribution whose origin is the
// bucket (OriginPath honoured), Cache-Control passed on; a new version
// appears after an invalidation; a missing key is 403. It runs with each
// edge server serve offers (--edge-server).
func TestServeEdgeFromBucket(t *testing.T) {
	for _, tc := range []struct{ name, server string }{
		{"nethttp", local.EdgeNetHTTP},
		{"fasthttp", local.EdgeFastHTTP},
	} {
		t.Run(tc.name, func(t *testing.T) { testServeEdgeFromBucket(t, tc.server) })
	}
}

func testServeEdgeFromBucket(t *testing.T, edgeServer string) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDSERVE", "AWS_SECRET_ACCESS_KEY": "serve-secret"}
	edgeLn := mustListen(t)
	edgeReady := make(chan string, 1)
	opts := &serveOptions{DataDir: t.TempDir(), Getenv: func(k string) string { return env[k] }, EdgeListener: edgeLn, EdgeReady: edgeReady,
		EdgeServer: edgeServer}
	srv, s3url := startServeS3(t, opts)
	edgeURL := <-edgeReady
	ctx := t.Context()
	cf := client(srv.url, "AKIDSERVE", "serve-secret")
	id := harness.Distribution(t, cf, "edge-from-bucket", func(c *cftypes.DistributionConfig) {
		c.Origins.Items[0].OriginPath = aws.String("/v1")
	})
	c := s3Client(s3url)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bucket")}); err != nil {
		t.Fatal(err)
	}
	put := func(body string) {
		t.Helper()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("v1/index.html"), Body: strings.NewReader(body),
			ContentType: aws.String("text/html"), CacheControl: aws.String("public, max-age=600")}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(path string) (int, http.Header, string) {
		t.Helper()
		return edgeGet(t, edgeURL, id+".localhost", path)
	}
	put("<p>one</p>")
	code, h, body := get("/index.html")
	if code != 200 || body != "<p>one</p>" || h.Get("Cache-Control") != "public, max-age=600" || h.Get("Content-Type") != "text/html" {
		t.Fatalf("first GET: %d %q %v", code, body, h)
	}
	put("<p>two</p>")
	if _, _, body := get("/index.html"); body != "<p>one</p>" {
		t.Errorf("before the invalidation the cached copy should be served, got %q", body)
	}
	if _, err := cf.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{DistributionId: aws.String(id), InvalidationBatch: &cftypes.InvalidationBatch{
		CallerReference: aws.String("deploy-2"), Paths: &cftypes.Paths{Quantity: aws.Int32(1), Items: []string{"/index.html"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, _, body := get("/index.html"); body != "<p>two</p>" {
		t.Errorf("after the invalidation: %q, want the new version", body)
	}
	if code, _, body := get("/missing.html"); code != 403 || !strings.Contains(body, "AccessDenied") {
		t.Errorf("missing key: %d %q, want 403 AccessDenied", code, body)
	}
}

// TestServeS3StrictRegion: --strict-region holds for the S3 API too: a
// request signed for another region than the buckets' (us-east-1) gets
// S3's 400 AuthorizationHeaderMalformed naming us-east-1; without the
// flag any region is accepted, as an SDK given an endpoint signs for its
// own.
func TestServeS3StrictRegion(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDSERVE", "AWS_SECRET_ACCESS_KEY": "serve-secret"}
	for _, tc := range []struct {
		name     string
		strict   bool
		wantCode string // "" for success
	}{
		{"strict", true, "AuthorizationHeaderMalformed"},
		{"lenient", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := startServeS3(t, &serveOptions{DataDir: t.TempDir(), Getenv: func(k string) string { return env[k] }, StrictRegion: tc.strict})
			ctx := t.Context()
			if _, err := s3Client(url).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
				t.Fatal(err)
			}
			other := s3.New(s3Client(url).Options(), func(o *s3.Options) { o.Region = "eu-central-1" })
			_, err := other.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String("a.html"), Body: strings.NewReader("hi")})
			var ae smithy.APIError
			switch {
			case tc.wantCode == "" && err != nil:
				t.Fatalf("PutObject signed for eu-central-1: %v, want success", err)
			case tc.wantCode != "" && (!errors.As(err, &ae) || ae.ErrorCode() != tc.wantCode ||
				ae.ErrorMessage() != "The authorization header is malformed; the region 'eu-central-1' is wrong; expecting 'us-east-1'"):
				t.Fatalf("PutObject signed for eu-central-1: %v, want %s expecting 'us-east-1'", err, tc.wantCode)
			}
		})
	}
}
