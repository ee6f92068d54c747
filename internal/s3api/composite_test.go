package s3api_test

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestMultipartChecksums: an upload created with a checksum algorithm and
// type, its parts sent with their checksums by the SDK, completes with
// S3's object checksum: COMPOSITE is the checksum of the parts' checksums
// and "-N", FULL_OBJECT the CRC of the whole object. HeadObject and
// GetObject (the SDK validating a full-object CRC) return it with its
// type (issue 30).
func TestMultipartChecksums(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sums")}); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 5<<20+1000)
	for i := range data {
		data[i] = byte(i*31 + i>>9)
	}
	parts := [][]byte{data[:5<<20], data[5<<20:]}
	newHash := map[types.ChecksumAlgorithm]func() hash.Hash{
		types.ChecksumAlgorithmCrc32:     func() hash.Hash { return crc32.NewIEEE() },
		types.ChecksumAlgorithmCrc32c:    func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
		types.ChecksumAlgorithmCrc64nvme: func() hash.Hash { return crc64.New(crc64.MakeTable(0x9a6c9329ac4bc9b5)) },
		types.ChecksumAlgorithmSha1:      sha1.New,
		types.ChecksumAlgorithmSha256:    sha256.New,
	}
	sum := func(alg types.ChecksumAlgorithm, b []byte) []byte {
		h := newHash[alg]()
		h.Write(b)
		return h.Sum(nil)
	}
	b64 := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		alg types.ChecksumAlgorithm
		typ types.ChecksumType
	}{
		{types.ChecksumAlgorithmCrc32, types.ChecksumTypeComposite},
		{types.ChecksumAlgorithmCrc32c, types.ChecksumTypeComposite},
		{types.ChecksumAlgorithmSha1, types.ChecksumTypeComposite},
		{types.ChecksumAlgorithmSha256, types.ChecksumTypeComposite},
		{types.ChecksumAlgorithmCrc32, types.ChecksumTypeFullObject},
		{types.ChecksumAlgorithmCrc32c, types.ChecksumTypeFullObject},
		{types.ChecksumAlgorithmCrc64nvme, types.ChecksumTypeFullObject},
	} {
		t.Run(fmt.Sprintf("%s %s", tc.alg, tc.typ), func(t *testing.T) {
			key := strings.ToLower(fmt.Sprintf("%s-%s", tc.alg, tc.typ))
			want := b64(sum(tc.alg, data))
			if tc.typ == types.ChecksumTypeComposite {
				want = b64(sum(tc.alg, append(sum(tc.alg, parts[0]), sum(tc.alg, parts[1])...))) + "-2"
			}
			up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("sums"), Key: aws.String(key),
				ChecksumAlgorithm: tc.alg, ChecksumType: tc.typ})
			if err != nil {
				t.Fatal(err)
			}
			if up.ChecksumAlgorithm != tc.alg || up.ChecksumType != tc.typ {
				t.Errorf("CreateMultipartUpload: algorithm %q type %q, want %q %q", up.ChecksumAlgorithm, up.ChecksumType, tc.alg, tc.typ)
			}
			var done []types.CompletedPart
			for i, p := range parts {
				out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("sums"), Key: aws.String(key), UploadId: up.UploadId,
					PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: tc.alg})
				if err != nil {
					t.Fatal(err)
				}
				done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag,
					ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC32C: out.ChecksumCRC32C, ChecksumCRC64NVME: out.ChecksumCRC64NVME,
					ChecksumSHA1: out.ChecksumSHA1, ChecksumSHA256: out.ChecksumSHA256})
			}
			res, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("sums"), Key: aws.String(key), UploadId: up.UploadId,
				MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
			if err != nil {
				t.Fatal(err)
			}
			got := aws.ToString(map[types.ChecksumAlgorithm]*string{types.ChecksumAlgorithmCrc32: res.ChecksumCRC32, types.ChecksumAlgorithmCrc32c: res.ChecksumCRC32C,
				types.ChecksumAlgorithmCrc64nvme: res.ChecksumCRC64NVME, types.ChecksumAlgorithmSha1: res.ChecksumSHA1, types.ChecksumAlgorithmSha256: res.ChecksumSHA256}[tc.alg])
			if got != want || res.ChecksumType != tc.typ {
				t.Errorf("CompleteMultipartUpload: checksum %q type %q, want %q %q", got, res.ChecksumType, want, tc.typ)
			}
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sums"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			got = aws.ToString(map[types.ChecksumAlgorithm]*string{types.ChecksumAlgorithmCrc32: head.ChecksumCRC32, types.ChecksumAlgorithmCrc32c: head.ChecksumCRC32C,
				types.ChecksumAlgorithmCrc64nvme: head.ChecksumCRC64NVME, types.ChecksumAlgorithmSha1: head.ChecksumSHA1, types.ChecksumAlgorithmSha256: head.ChecksumSHA256}[tc.alg])
			if got != want || head.ChecksumType != tc.typ {
				t.Errorf("HeadObject: checksum %q type %q, want %q %q", got, head.ChecksumType, want, tc.typ)
			}
			get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sums"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(get.Body) // the SDK checks a full-object checksum here
			get.Body.Close()
			if err != nil || !bytes.Equal(body, data) {
				t.Errorf("GetObject: %d bytes, %v", len(body), err)
			}
		})
	}
}

// TestMultipartChecksumErrors: a part listed with a checksum it was not
// uploaded with is InvalidPart; an algorithm with a type it does not
// support is InvalidRequest.
func TestMultipartChecksumErrors(t *testing.T) {
	_, _, c := startServer(t)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sums")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		alg types.ChecksumAlgorithm
		typ types.ChecksumType
	}{
		{types.ChecksumAlgorithmCrc64nvme, types.ChecksumTypeComposite},
		{types.ChecksumAlgorithmSha256, types.ChecksumTypeFullObject},
	} {
		_, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("sums"), Key: aws.String("k"), ChecksumAlgorithm: tc.alg, ChecksumType: tc.typ})
		if got := errCode(err); got != "InvalidRequest" {
			t.Errorf("%s %s: error %q (%v), want InvalidRequest", tc.alg, tc.typ, got, err)
		}
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("sums"), Key: aws.String("k"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("sums"), Key: aws.String("k"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("only part"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("sums"), Key: aws.String("k"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: out.ETag, ChecksumCRC32: aws.String("AAAAAA==")}}}})
	if got := errCode(err); got != "InvalidPart" {
		t.Errorf("wrong part checksum: error %q (%v), want InvalidPart", got, err)
	}
}
