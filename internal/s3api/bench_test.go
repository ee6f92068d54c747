package s3api_test

import (
	"bytes"
	"fmt"
	"io"
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

// BenchmarkSDKGetObject16K reads 16 KiB objects from 16 goroutines with
// the SDK, while their bytes are still in the bucket's log and after a
// checkpoint wrote them to objects/.
func BenchmarkSDKGetObject16K(b *testing.B) {
	for _, checkpointed := range []bool{false, true} {
		b.Run(map[bool]string{false: "in log", true: "checkpointed"}[checkpointed], func(b *testing.B) {
			st, _, c := startServer(b)
			defer st.Close()
			if _, err := c.CreateBucket(b.Context(), &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
				b.Fatal(err)
			}
			body := bytes.Repeat([]byte("x"), 16<<10)
			for i := range 100 {
				if _, err := c.PutObject(b.Context(), &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String(fmt.Sprintf("k/%d", i)), Body: bytes.NewReader(body)}); err != nil {
					b.Fatal(err)
				}
			}
			if checkpointed {
				if err := st.Close(); err != nil {
					b.Fatal(err)
				}
			}
			var n atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					out, err := c.GetObject(b.Context(), &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String(fmt.Sprintf("k/%d", n.Add(1)%100))})
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, out.Body)
					out.Body.Close()
				}
			})
		})
	}
}
