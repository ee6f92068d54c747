package s3store

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkPutObject16K measures PUTs of 16 KiB from 16 goroutines, each
// durable before it returns, as bench/s3 drives them through the API.
func BenchmarkPutObject16K(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	if err := s.CreateBucket("bench"); err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat([]byte("x"), 16<<10)
	var n atomic.Int64
	b.SetParallelism(8) // 16 goroutines on 2 cores
	b.SetBytes(int64(len(body)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("k/%d", n.Add(1))
			if _, err := s.PutObject("bench", key, bytes.NewReader(body), PutInput{Headers: map[string]string{"Cache-Control": "max-age=60"}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	s.Close()
}
