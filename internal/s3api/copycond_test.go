package s3api_test

import (
	"testing"
	"time"

	"errors"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"strings"
)

// TestCopySourceConditions: CopyObject and UploadPartCopy honour the
// x-amz-copy-source-if-* headers as S3 does: a condition that does not
// hold is 412 PreconditionFailed and nothing is copied; if-match that holds
// overrides if-unmodified-since, and if-none-match that fails is 412 even
// when if-modified-since holds
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html).
func TestCopySourceConditions(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("cond")}); err != nil {
		t.Fatal(err)
	}
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("src"), Body: strings.NewReader("source")})
	if err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cond"), Key: aws.String("src")})
	if err != nil {
		t.Fatal(err)
	}
	etag, mod := aws.ToString(put.ETag), aws.ToTime(head.LastModified)
	before, after := mod.Add(-time.Hour), mod.Add(time.Hour)
	type conds struct {
		ifMatch, ifNoneMatch               *string
		ifModifiedSince, ifUnmodifiedSince *time.Time
	}
	for _, tc := range []struct {
		name string
		c    conds
		want string // error code, "" for copied
	}{
		{"if-match holds", conds{ifMatch: aws.String(etag)}, ""},
		{"if-match fails", conds{ifMatch: aws.String(`"0123"`)}, "PreconditionFailed"},
		{"if-none-match holds", conds{ifNoneMatch: aws.String(`"0123"`)}, ""},
		{"if-none-match fails", conds{ifNoneMatch: aws.String(etag)}, "PreconditionFailed"},
		{"if-modified-since holds", conds{ifModifiedSince: &before}, ""},
		{"if-modified-since fails", conds{ifModifiedSince: &after}, "PreconditionFailed"},
		{"if-unmodified-since holds", conds{ifUnmodifiedSince: &after}, ""},
		{"if-unmodified-since fails", conds{ifUnmodifiedSince: &before}, "PreconditionFailed"},
		{"if-match holds, if-unmodified-since fails", conds{ifMatch: aws.String(etag), ifUnmodifiedSince: &before}, ""},
		{"if-none-match fails, if-modified-since holds", conds{ifNoneMatch: aws.String(etag), ifModifiedSince: &before}, "PreconditionFailed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := "dst-" + strings.ReplaceAll(tc.name, " ", "-")
			_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("cond"), Key: aws.String(dst), CopySource: aws.String("cond/src"),
				CopySourceIfMatch: tc.c.ifMatch, CopySourceIfNoneMatch: tc.c.ifNoneMatch,
				CopySourceIfModifiedSince: tc.c.ifModifiedSince, CopySourceIfUnmodifiedSince: tc.c.ifUnmodifiedSince})
			if got := errCode(err); got != tc.want {
				t.Fatalf("CopyObject: error %q (%v), want %q", got, err, tc.want)
			}
			var re interface{ HTTPStatusCode() int }
			if tc.want != "" && (!errors.As(err, &re) || re.HTTPStatusCode() != 412) {
				t.Errorf("CopyObject: %v, want HTTP 412", err)
			}
			_, herr := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cond"), Key: aws.String(dst)})
			if copied := herr == nil; copied != (tc.want == "") {
				t.Errorf("destination there: %v (%v), want %v", copied, herr, tc.want == "")
			}

			up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("cond"), Key: aws.String(dst + "-mpu")})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("cond"), Key: aws.String(dst + "-mpu"), UploadId: up.UploadId,
				PartNumber: aws.Int32(1), CopySource: aws.String("cond/src"),
				CopySourceIfMatch: tc.c.ifMatch, CopySourceIfNoneMatch: tc.c.ifNoneMatch,
				CopySourceIfModifiedSince: tc.c.ifModifiedSince, CopySourceIfUnmodifiedSince: tc.c.ifUnmodifiedSince})
			if got := errCode(err); got != tc.want {
				t.Errorf("UploadPartCopy: error %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}
