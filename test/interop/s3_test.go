package interop

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// s3URL returns the base URL of the server's S3 API, read from the line
// serve prints for it.
func (s *server) s3URL(t *testing.T) string {
	t.Helper()
	return s.printedURL(t, "S3 API on ")
}

// TestAWSCLIS3 deploys a site with the AWS CLI's s3 and s3api commands:
// mb, sync (with Cache-Control), cp of a file over the 8 MiB multipart
// threshold, ls, head-object, list-objects-v2, rm, and server-side
// encryption (SSE-S3 by default; put-bucket-encryption, cp --sse).
func TestAWSCLIS3(t *testing.T) {
	aws := need(t, "aws", "install the AWS CLI (pip install awscli)")
	srv := startServe(t, "0", "--s3-addr", "127.0.0.1:0")
	endpoint := srv.s3URL(t)
	env := clientEnv(t, endpoint)
	site := t.TempDir()
	files := map[string]string{"index.html": "<h1>home</h1>", "posts/hello world.html": "<p>hi</p>", "css/site.css": "body{}"}
	for name, body := range files {
		p := filepath.Join(site, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		// An hour old: S3 (and cfinv) list LastModified to the second, and
		// aws s3 sync uploads a file whose mtime is later than that, so a
		// file written in the second of its upload would go up again on
		// the second sync below whenever the CLI starts fast.
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	cli := func(args ...string) string {
		t.Helper()
		out, errOut, code := run(t, env, site, aws, append([]string{"--endpoint-url", endpoint}, args...)...)
		if code != 0 {
			t.Fatalf("aws %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	cli("s3", "mb", "s3://blog")
	cli("s3", "sync", site, "s3://blog", "--cache-control", "public, max-age=300")

	type headObject struct {
		ContentType, CacheControl, ETag   string
		ContentLength                     int64
		ServerSideEncryption, SSEKMSKeyId string
		BucketKeyEnabled                  bool
	}
	var head headObject
	decode(t, "head-object", cli("s3api", "head-object", "--bucket", "blog", "--key", "posts/hello world.html"), &head)
	sum := md5.Sum([]byte(files["posts/hello world.html"]))
	if head.ContentType != "text/html" || head.CacheControl != "public, max-age=300" || head.ETag != `"`+hex.EncodeToString(sum[:])+`"` || head.ContentLength != 9 ||
		head.ServerSideEncryption != "AES256" {
		t.Errorf("head-object after sync: %+v", head)
	}

	// Encryption: the bucket's default, then cp --sse, as S3 answers them.
	var enc struct {
		ServerSideEncryptionConfiguration struct {
			Rules []struct {
				ApplyServerSideEncryptionByDefault struct{ SSEAlgorithm string }
			}
		}
	}
	decode(t, "get-bucket-encryption", cli("s3api", "get-bucket-encryption", "--bucket", "blog"), &enc)
	if r := enc.ServerSideEncryptionConfiguration.Rules; len(r) != 1 || r[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != "AES256" {
		t.Errorf("get-bucket-encryption of a new bucket: %+v, want AES256", enc)
	}
	cli("s3api", "put-bucket-encryption", "--bucket", "blog", "--server-side-encryption-configuration",
		`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]}`)
	cli("s3", "cp", filepath.Join(site, "index.html"), "s3://blog/kms.html")
	head = headObject{} // decode leaves what the answer lacks
	decode(t, "head-object kms", cli("s3api", "head-object", "--bucket", "blog", "--key", "kms.html"), &head)
	sum = md5.Sum([]byte(files["index.html"]))
	if head.ServerSideEncryption != "aws:kms" || !strings.HasPrefix(head.SSEKMSKeyId, "arn:aws:kms:us-east-1:123456789012:key/") || !head.BucketKeyEnabled ||
		head.ETag == `"`+hex.EncodeToString(sum[:])+`"` {
		t.Errorf("head-object of an object under a default of aws:kms: %+v, want aws:kms, the aws/s3 key's ARN, a bucket key, an ETag not the MD5", head)
	}
	cli("s3", "cp", filepath.Join(site, "index.html"), "s3://blog/sse-s3.html", "--sse", "AES256")
	head = headObject{}
	decode(t, "head-object sse-s3", cli("s3api", "head-object", "--bucket", "blog", "--key", "sse-s3.html"), &head)
	if head.ServerSideEncryption != "AES256" || head.SSEKMSKeyId != "" || head.ETag != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Errorf("head-object of a cp --sse AES256: %+v, want AES256 and the MD5 ETag", head)
	}
	cli("s3api", "delete-bucket-encryption", "--bucket", "blog")

	// A second sync uploads nothing: sizes and times match.
	if out := cli("s3", "sync", site, "s3://blog"); strings.Contains(out, "upload:") {
		t.Errorf("second sync uploaded again:\n%s", out)
	}

	big := bytes.Repeat([]byte("0123456789abcdef"), (9<<20)/16)
	bigPath := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(bigPath, big, 0o644); err != nil {
		t.Fatal(err)
	}
	cli("s3", "cp", bigPath, "s3://blog/assets/big.bin")
	decode(t, "head-object big", cli("s3api", "head-object", "--bucket", "blog", "--key", "assets/big.bin"), &head)
	if head.ContentLength != int64(len(big)) || !strings.HasSuffix(head.ETag, `-2"`) {
		t.Errorf("9 MiB cp: length %d ETag %s, want %d and a two-part multipart ETag", head.ContentLength, head.ETag, len(big))
	}
	back := filepath.Join(t.TempDir(), "back.bin")
	cli("s3", "cp", "s3://blog/assets/big.bin", back)
	if got, err := os.ReadFile(back); err != nil || !bytes.Equal(got, big) {
		t.Errorf("downloaded big.bin differs (%d bytes, %v)", len(got), err)
	}

	cli("s3api", "put-object", "--bucket", "blog", "--key", "feed.xml", "--body", filepath.Join(site, "index.html"),
		"--content-type", "application/rss+xml", "--cache-control", "no-cache", "--metadata", "build=42")
	var list struct {
		Contents []struct{ Key string }
	}
	decode(t, "list-objects-v2", cli("s3api", "list-objects-v2", "--bucket", "blog", "--prefix", "posts/"), &list)
	if len(list.Contents) != 1 || list.Contents[0].Key != "posts/hello world.html" {
		t.Errorf("list-objects-v2 --prefix posts/: %+v", list)
	}
	ls := cli("s3", "ls", "s3://blog", "--recursive")
	for _, k := range []string{"index.html", "posts/hello world.html", "css/site.css", "assets/big.bin", "feed.xml", "kms.html"} {
		if !strings.Contains(ls, k) {
			t.Errorf("s3 ls --recursive lacks %s:\n%s", k, ls)
		}
	}
	cli("s3", "rm", "s3://blog", "--recursive")
	if ls := cli("s3", "ls", "s3://blog", "--recursive"); strings.TrimSpace(ls) != "" {
		t.Errorf("after rm --recursive: %s", ls)
	}
	_, errOut, code := run(t, env, site, aws, "--endpoint-url", endpoint, "s3api", "head-object", "--bucket", "blog", "--key", "index.html")
	if code == 0 || !strings.Contains(errOut, "404") {
		t.Errorf("head-object of a removed key: exit %d %s", code, errOut)
	}
	cli("s3", "rb", "s3://blog")
}

// TestBoto3S3 runs testdata/boto3_s3.py against the S3 API.
func TestBoto3S3(t *testing.T) {
	py := need(t, "python3", "install Python 3 with boto3 (pip install boto3)")
	srv := startServe(t, "0", "--s3-addr", "127.0.0.1:0")
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_s3.py"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, clientEnv(t, srv.s3URL(t)), t.TempDir(), py, script)
	if code != 0 {
		t.Fatalf("boto3_s3.py: exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	if strings.TrimSpace(out) != "ok" {
		t.Fatalf("boto3_s3.py printed %q, want ok", out)
	}
}

// TestBoto3S3StrictRegion runs testdata/boto3_s3_region.py against serve
// --strict-region: boto3 configured for another region than the bucket's
// follows S3's AuthorizationHeaderMalformed and signs again for it.
func TestBoto3S3StrictRegion(t *testing.T) {
	py := need(t, "python3", "install Python 3 with boto3 (pip install boto3)")
	srv := startServe(t, "0", "--s3-addr", "127.0.0.1:0", "--strict-region")
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_s3_region.py"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, clientEnv(t, srv.s3URL(t)), t.TempDir(), py, script)
	if code != 0 || strings.TrimSpace(out) != "ok" {
		t.Fatalf("boto3_s3_region.py: exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
}

// TestJSSDKS3 runs js-s3/s3.mjs with the AWS SDK for JavaScript v3 (its
// default checksums, multipart, listing, ranges). The SDK is installed
// before the tests (`npm ci` in js-s3, as .ci/run does): a test reaches
// no registry, and an install under load outlasted run's 60 s.
func TestJSSDKS3(t *testing.T) {
	node := need(t, "node", "install Node.js 18 or newer")
	dir, err := filepath.Abs("js-s3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "client-s3")); err != nil {
		t.Fatalf("%s has no node_modules/@aws-sdk/client-s3: run `npm ci` there first (.ci/run does)", dir)
	}
	srv := startServe(t, "0", "--s3-addr", "127.0.0.1:0")
	out, errOut, code := run(t, clientEnv(t, srv.s3URL(t)), dir, node, "s3.mjs")
	if code != 0 || strings.TrimSpace(out) != "ok" {
		t.Fatalf("s3.mjs: exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
}
