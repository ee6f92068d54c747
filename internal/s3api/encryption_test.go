package s3api_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/s3api"
)

// defaultKeyARN matches the ARN of the account's aws/s3 key in us-east-1.
var defaultKeyARN = regexp.MustCompile(`^arn:aws:kms:us-east-1:123456789012:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// testKMSKey is a KMS key ID the tests name.
const testKMSKey = "1234abcd-12ab-34cd-56ef-1234567890ab"

// sseSeen is what S3 answers about an object's encryption.
type sseSeen struct {
	Algorithm types.ServerSideEncryption
	KeyARN    string // "default" for the aws/s3 key's ARN
	BucketKey bool
	MD5ETag   bool // the ETag is the MD5 of the bytes
}

func seen(alg types.ServerSideEncryption, key *string, bk *bool, etag *string, body []byte) sseSeen {
	sum := md5.Sum(body)
	k := aws.ToString(key)
	if defaultKeyARN.MatchString(k) && !strings.HasSuffix(k, testKMSKey) {
		k = "default"
	}
	return sseSeen{Algorithm: alg, KeyARN: k, BucketKey: aws.ToBool(bk), MD5ETag: aws.ToString(etag) == `"`+hex.EncodeToString(sum[:])+`"`}
}

// TestSDKServerSideEncryption: PutObject, HeadObject, GetObject and
// CopyObject answer the object's server-side encryption as S3 does since
// 2023 (SSE-S3 by default, else the request's or the bucket's default),
// and an object encrypted with a KMS key has an ETag that is not the MD5
// of its bytes.
func TestSDKServerSideEncryption(t *testing.T) {
	const keyID = testKMSKey
	kms := func(o *s3.PutObjectInput) { o.ServerSideEncryption = types.ServerSideEncryptionAwsKms }
	tests := []struct {
		name    string
		bucket  *types.ServerSideEncryptionByDefault // PutBucketEncryption, if any
		bktKey  bool
		put     func(*s3.PutObjectInput)
		want    sseSeen
		wantArn string // when want.KeyARN is "given"
	}{
		{name: "no header: SSE-S3", want: sseSeen{Algorithm: types.ServerSideEncryptionAes256, MD5ETag: true}},
		{name: "AES256", put: func(o *s3.PutObjectInput) { o.ServerSideEncryption = types.ServerSideEncryptionAes256 },
			want: sseSeen{Algorithm: types.ServerSideEncryptionAes256, MD5ETag: true}},
		{name: "aws:kms, the account's aws/s3 key", put: kms,
			want: sseSeen{Algorithm: types.ServerSideEncryptionAwsKms, KeyARN: "default"}},
		{name: "aws:kms with a key ID and a bucket key", put: func(o *s3.PutObjectInput) {
			kms(o)
			o.SSEKMSKeyId, o.BucketKeyEnabled = aws.String(keyID), aws.Bool(true)
		}, want: sseSeen{Algorithm: types.ServerSideEncryptionAwsKms, KeyARN: "arn:aws:kms:us-east-1:123456789012:key/" + keyID, BucketKey: true}},
		{name: "aws:kms with an alias", put: func(o *s3.PutObjectInput) { kms(o); o.SSEKMSKeyId = aws.String("alias/site") },
			want: sseSeen{Algorithm: types.ServerSideEncryptionAwsKms, KeyARN: "arn:aws:kms:us-east-1:123456789012:alias/site"}},
		{name: "aws:kms:dsse", put: func(o *s3.PutObjectInput) { o.ServerSideEncryption = types.ServerSideEncryptionAwsKmsDsse },
			want: sseSeen{Algorithm: types.ServerSideEncryptionAwsKmsDsse, KeyARN: "default"}},
		{name: "bucket default aws:kms", bucket: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms}, bktKey: true,
			want: sseSeen{Algorithm: types.ServerSideEncryptionAwsKms, KeyARN: "default", BucketKey: true}},
		{name: "bucket default aws:kms with a key", bucket: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(keyID)},
			want: sseSeen{Algorithm: types.ServerSideEncryptionAwsKms, KeyARN: "arn:aws:kms:us-east-1:123456789012:key/" + keyID}},
		{name: "AES256 over a bucket default of aws:kms", bucket: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms},
			put:  func(o *s3.PutObjectInput) { o.ServerSideEncryption = types.ServerSideEncryptionAes256 },
			want: sseSeen{Algorithm: types.ServerSideEncryptionAes256, MD5ETag: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, c := startServer(t)
			ctx := t.Context()
			bucket := aws.String("site")
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
				t.Fatal(err)
			}
			if tt.bucket != nil {
				if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: bucket, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
					Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: tt.bucket, BucketKeyEnabled: aws.Bool(tt.bktKey)}}}}); err != nil {
					t.Fatal(err)
				}
			}
			body := []byte("<h1>encrypted</h1>")
			in := &s3.PutObjectInput{Bucket: bucket, Key: aws.String("a.html"), Body: bytes.NewReader(body)}
			if tt.put != nil {
				tt.put(in)
			}
			put, err := c.PutObject(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, seen(put.ServerSideEncryption, put.SSEKMSKeyId, put.BucketKeyEnabled, put.ETag, body)); diff != "" {
				t.Errorf("PutObject (-want +got):\n%s", diff)
			}
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("a.html")})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, seen(head.ServerSideEncryption, head.SSEKMSKeyId, head.BucketKeyEnabled, head.ETag, body)); diff != "" {
				t.Errorf("HeadObject (-want +got):\n%s", diff)
			}
			if aws.ToString(head.ETag) != aws.ToString(put.ETag) {
				t.Errorf("HeadObject ETag %s, PutObject's %s", aws.ToString(head.ETag), aws.ToString(put.ETag))
			}
			get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("a.html")})
			if err != nil {
				t.Fatal(err)
			}
			get.Body.Close()
			if diff := cmp.Diff(tt.want, seen(get.ServerSideEncryption, get.SSEKMSKeyId, get.BucketKeyEnabled, get.ETag, body)); diff != "" {
				t.Errorf("GetObject (-want +got):\n%s", diff)
			}
			// The same bytes again: a KMS ETag differs, an MD5 does not.
			again, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("a.html"), Body: bytes.NewReader(body),
				ServerSideEncryption: in.ServerSideEncryption, SSEKMSKeyId: in.SSEKMSKeyId, BucketKeyEnabled: in.BucketKeyEnabled})
			if err != nil {
				t.Fatal(err)
			}
			if same := aws.ToString(again.ETag) == aws.ToString(put.ETag); same != tt.want.MD5ETag {
				t.Errorf("a second PutObject of the same bytes: ETag %s after %s, want the same: %v", aws.ToString(again.ETag), aws.ToString(put.ETag), tt.want.MD5ETag)
			}
			if !tt.want.MD5ETag && !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(aws.ToString(put.ETag)) {
				t.Errorf("KMS ETag %s: want 32 hex digits in quotes, as S3's", aws.ToString(put.ETag))
			}
			// A copy is encrypted as its request or the bucket says, and
			// its ETag follows.
			cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("copy.html"), CopySource: aws.String("site/a.html"),
				ServerSideEncryption: in.ServerSideEncryption, SSEKMSKeyId: in.SSEKMSKeyId, BucketKeyEnabled: in.BucketKeyEnabled})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, seen(cp.ServerSideEncryption, cp.SSEKMSKeyId, cp.BucketKeyEnabled, cp.CopyObjectResult.ETag, body)); diff != "" {
				t.Errorf("CopyObject (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSDKCopyChangesEncryption: a copy from an SSE-KMS object to SSE-S3
// gets the MD5 ETag, and the other way a KMS ETag.
func TestSDKCopyChangesEncryption(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	bucket := aws.String("site")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	body := []byte("body")
	for _, tt := range []struct {
		name     string
		from, to types.ServerSideEncryption
		md5      bool
	}{
		{"kms to SSE-S3", types.ServerSideEncryptionAwsKms, types.ServerSideEncryptionAes256, true},
		{"SSE-S3 to kms", types.ServerSideEncryptionAes256, types.ServerSideEncryptionAwsKms, false},
		{"kms to the bucket's default", types.ServerSideEncryptionAwsKms, "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("src"), Body: bytes.NewReader(body), ServerSideEncryption: tt.from}); err != nil {
				t.Fatal(err)
			}
			cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("dst"), CopySource: aws.String("site/src"), ServerSideEncryption: tt.to})
			if err != nil {
				t.Fatal(err)
			}
			got := seen(cp.ServerSideEncryption, cp.SSEKMSKeyId, cp.BucketKeyEnabled, cp.CopyObjectResult.ETag, body)
			if got.MD5ETag != tt.md5 {
				t.Errorf("copy's ETag %s is the MD5: %v, want %v", aws.ToString(cp.CopyObjectResult.ETag), got.MD5ETag, tt.md5)
			}
		})
	}
	// S3 allows a copy onto itself (metadata directive COPY) that
	// changes only the encryption; without a change it is refused.
	self := &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("src"), CopySource: aws.String("site/src")}
	if _, err := c.CopyObject(ctx, self); errCode(err) != "InvalidRequest" {
		t.Errorf("a copy onto itself changing nothing: got %v, want InvalidRequest", err)
	}
	self.ServerSideEncryption = types.ServerSideEncryptionAwsKms
	cp, err := c.CopyObject(ctx, self)
	if err != nil {
		t.Fatalf("a copy onto itself changing the encryption: %v", err)
	}
	if cp.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Errorf("a copy onto itself to aws:kms answered %q", cp.ServerSideEncryption)
	}
}

// TestSDKMultipartEncryption: a multipart upload keeps the encryption
// asked for at its creation, answers it on every step, and its object's
// ETag keeps the "-N" form.
func TestSDKMultipartEncryption(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	bucket, key := aws.String("site"), aws.String("big.bin")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: key, ServerSideEncryption: types.ServerSideEncryptionAwsKms, BucketKeyEnabled: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	want := sseSeen{Algorithm: types.ServerSideEncryptionAwsKms, KeyARN: "default", BucketKey: true}
	if diff := cmp.Diff(want, seen(cr.ServerSideEncryption, cr.SSEKMSKeyId, cr.BucketKeyEnabled, nil, nil)); diff != "" {
		t.Errorf("CreateMultipartUpload (-want +got):\n%s", diff)
	}
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: bucket, Key: key, UploadId: cr.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("one part")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, seen(part.ServerSideEncryption, part.SSEKMSKeyId, part.BucketKeyEnabled, nil, nil)); diff != "" {
		t.Errorf("UploadPart (-want +got):\n%s", diff)
	}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: key, UploadId: cr.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, seen(done.ServerSideEncryption, done.SSEKMSKeyId, done.BucketKeyEnabled, nil, nil)); diff != "" {
		t.Errorf("CompleteMultipartUpload (-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(aws.ToString(done.ETag), `-1"`) {
		t.Errorf("multipart ETag %s: want the -N form", aws.ToString(done.ETag))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, seen(head.ServerSideEncryption, head.SSEKMSKeyId, head.BucketKeyEnabled, nil, nil)); diff != "" {
		t.Errorf("HeadObject (-want +got):\n%s", diff)
	}
}

// TestSDKBucketEncryption: GetBucketEncryption answers SSE-S3 by default
// (no ServerSideEncryptionConfigurationNotFoundError since 2023), what
// PutBucketEncryption set, and SSE-S3 again after DeleteBucketEncryption.
func TestSDKBucketEncryption(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	bucket := aws.String("site")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	type rule struct {
		Algorithm types.ServerSideEncryption
		Key       string
		BucketKey bool
	}
	get := func(t *testing.T) rule {
		t.Helper()
		out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bucket})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(out.ServerSideEncryptionConfiguration.Rules); n != 1 {
			t.Fatalf("%d rules, want 1", n)
		}
		r := out.ServerSideEncryptionConfiguration.Rules[0]
		return rule{r.ApplyServerSideEncryptionByDefault.SSEAlgorithm, aws.ToString(r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID), aws.ToBool(r.BucketKeyEnabled)}
	}
	if diff := cmp.Diff(rule{Algorithm: types.ServerSideEncryptionAes256}, get(t)); diff != "" {
		t.Errorf("default (-want +got):\n%s", diff)
	}
	if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: bucket, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
		Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("alias/site")}, BucketKeyEnabled: aws.Bool(true)}}}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rule{types.ServerSideEncryptionAwsKms, "alias/site", true}, get(t)); diff != "" {
		t.Errorf("after PutBucketEncryption (-want +got):\n%s", diff)
	}
	if _, err := c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rule{Algorithm: types.ServerSideEncryptionAes256}, get(t)); diff != "" {
		t.Errorf("after DeleteBucketEncryption (-want +got):\n%s", diff)
	}
	if _, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("nope")}); errCode(err) != "NoSuchBucket" {
		t.Errorf("GetBucketEncryption of a missing bucket: got %v, want NoSuchBucket", err)
	}
}

// TestSDKEncryptionRefused: bad encryption headers and configurations are
// refused as S3 refuses them, SSE-C answers 501 naming it, and nothing is
// stored.
func TestSDKEncryptionRefused(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	bucket := aws.String("site")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		put  func(*s3.PutObjectInput)
		code string
	}{
		{"an unknown algorithm", func(o *s3.PutObjectInput) { o.ServerSideEncryption = "AES128" }, "InvalidArgument"},
		{"a KMS key with AES256", func(o *s3.PutObjectInput) {
			o.ServerSideEncryption, o.SSEKMSKeyId = types.ServerSideEncryptionAes256, aws.String("alias/site")
		}, "InvalidArgument"},
		{"a KMS key without an algorithm", func(o *s3.PutObjectInput) { o.SSEKMSKeyId = aws.String("alias/site") }, "InvalidArgument"},
		{"a KMS key that is none", func(o *s3.PutObjectInput) {
			o.ServerSideEncryption, o.SSEKMSKeyId = types.ServerSideEncryptionAwsKms, aws.String("not a key")
		}, "KMS.NotFoundException"},
		{"SSE-C", func(o *s3.PutObjectInput) {
			o.SSECustomerAlgorithm = aws.String("AES256")
			o.SSECustomerKey = aws.String("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
			o.SSECustomerKeyMD5 = aws.String("fPfLrCSdLWdkWGLD9RgyXQ==")
		}, "NotImplemented"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &s3.PutObjectInput{Bucket: bucket, Key: aws.String("refused"), Body: strings.NewReader("x")}
			tt.put(in)
			if _, err := c.PutObject(ctx, in); errCode(err) != tt.code {
				t.Errorf("got %v, want %s", err, tt.code)
			}
			if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("refused")}); err == nil {
				t.Error("the object was stored")
			}
		})
	}
	t.Run("bucket default AES256 with a key", func(t *testing.T) {
		_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: bucket, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
			Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256, KMSMasterKeyID: aws.String("alias/site")}}}}})
		if errCode(err) != "InvalidArgument" {
			t.Errorf("got %v, want InvalidArgument", err)
		}
	})
	t.Run("bucket default of an unknown algorithm", func(t *testing.T) {
		_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: bucket, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
			Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: "AES128"}}}}})
		if errCode(err) != "MalformedXML" {
			t.Errorf("got %v, want MalformedXML", err)
		}
	})
}

// TestSDKCopyObjectSizeLimit: CopyObject of a source over the copy limit
// (5 GiB on S3, lowered here) is S3's InvalidRequest, nothing copied;
// UploadPartCopy copies it in parts.
func TestSDKCopyObjectSizeLimit(t *testing.T) {
	_, _, c := startServerTLS(t, false, func(s *s3api.Server) { s.MaxCopySize = 4 })
	ctx := t.Context()
	bucket := aws.String("site")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"four", "fives"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String(body), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("copy"), CopySource: aws.String("site/four")}); err != nil {
		t.Errorf("a copy at the limit: %v", err)
	}
	_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("copy2"), CopySource: aws.String("site/fives")})
	if errCode(err) != "InvalidRequest" || !strings.Contains(err.Error(), "maximum allowable size for a copy source: 4") {
		t.Errorf("a copy over the limit: got %v, want InvalidRequest naming the limit", err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("copy2")}); err == nil {
		t.Error("the copy over the limit was stored")
	}
	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: aws.String("copy2")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: bucket, Key: aws.String("copy2"), UploadId: cr.UploadId, PartNumber: aws.Int32(1), CopySource: aws.String("site/fives")})
	if err != nil {
		t.Fatalf("UploadPartCopy of a source over the CopyObject limit: %v", err)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: aws.String("copy2"), UploadId: cr.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.CopyPartResult.ETag}}}}); err != nil {
		t.Fatal(err)
	}
}
