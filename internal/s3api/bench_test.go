package s3api_test

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// BenchmarkSDKPutObject16K drives PutObject of 16 KiB from 16 goroutines
// with the SDK, as bench/s3 does, in one process (for -cpuprofile).
func BenchmarkSDKPutObject16K(b *testing.B) {
	st, _, c := startServer(b)
	defer st.Close()
	if _, err := c.CreateBucket(b.Context(), &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat([]byte("x"), 16<<10)
	var n atomic.Int64
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, err := c.PutObject(b.Context(), &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String(fmt.Sprintf("k/%d", n.Add(1))),
				Body: bytes.NewReader(body), ContentType: aws.String("text/html"), CacheControl: aws.String("max-age=60")})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
