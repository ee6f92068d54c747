package crash

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfinv/cfinv/test/harness"
)

// s3URL waits for the "S3 API on URL" line serve prints after the API's.
func s3URL(t *testing.T, srv *harness.Server) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(srv.Stderr.String(), "\n") {
			if _, rest, ok := strings.Cut(line, "S3 API on "); ok {
				u, _, _ := strings.Cut(rest, " ")
				return u
			}
		}
	}
	t.Fatalf("serve printed no S3 API line:\n%s", srv.Stderr.String())
	return ""
}

// objectBody is the body PUT for key: its size and bytes follow from the
// key, so any copy found later can be checked whole.
func objectBody(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	n := 1 + int(sum[0])<<8 | int(sum[1]) // 1 B to 64 KiB
	return bytes.Repeat(sum[:], n/len(sum)+1)[:n]
}

// TestKillServeS3 SIGKILLs cfinv serve while 16 clients PUT objects into
// its S3 API, restarts it on the same data directory, and checks that
// every acknowledged object is there and whole, and that an object whose
// PUT was cut off is either absent or whole.
func TestKillServeS3(t *testing.T) {
	// harness.Env's key pair signs the S3 requests too.
	client := func(url string) *s3.Client {
		return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider(harness.AccessKeyID, harness.SecretAccessKey, "")})
	}
	srv, restart := startServe(t, "--addr", "127.0.0.1:0", "--s3-addr", "127.0.0.1:0")
	c := client(s3URL(t, srv))
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("crash")}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(*flagSeed), 30))
	var acked, cut []string
	for cycle := range *flagCycles {
		target := int64(50 + rng.IntN(150))
		var mu sync.Mutex
		killUnderLoad(srv, 16, target, func(g, i int) error {
			key := fmt.Sprintf("c%d/w%d/%d", cycle, g, i)
			_, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("crash"), Key: aws.String(key),
				Body: bytes.NewReader(objectBody(key)), CacheControl: aws.String("max-age=1")})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				cut = append(cut, key)
				return err
			}
			acked = append(acked, key)
			return nil
		})
		srv = restart()
		c = client(s3URL(t, srv))
		// Small objects are acknowledged once in the bucket's log; the
		// restart replays the logs into objects/ and meta/ and removes them.
		bucketDir := filepath.Join(srv.DataDir, "s3", "crash")
		if logs, _ := filepath.Glob(filepath.Join(bucketDir, "wal", "*.log")); len(logs) != 0 {
			t.Errorf("cycle %d: %d logs left after the restart, want 0", cycle, len(logs))
		}
		if metas, _ := os.ReadDir(filepath.Join(bucketDir, "meta")); len(metas) < len(acked) {
			t.Errorf("cycle %d: %d files in meta/ after the restart, want at least the %d acknowledged", cycle, len(metas), len(acked))
		}
		for _, key := range acked {
			if err := checkObject(t, c, key, true); err != nil {
				t.Errorf("cycle %d: acknowledged %s: %v", cycle, key, err)
			}
		}
		for _, key := range cut {
			if err := checkObject(t, c, key, false); err != nil {
				t.Errorf("cycle %d: cut-off %s: %v", cycle, key, err)
			}
		}
		if t.Failed() {
			t.Fatalf("cycle %d: acknowledged PUTs lost or objects half-written after SIGKILL", cycle)
		}
	}
	t.Logf("cfinv serve S3: %d SIGKILLs under 16 concurrent PUT clients; %d acknowledged objects all present and whole after each restart; %d PUTs cut off, each absent or whole",
		*flagCycles, len(acked), len(cut))
	if err := srv.Stop(); err != nil {
		t.Errorf("stop serve: %v", err)
	}
}

// checkObject reads key and compares it with objectBody; a missing key is
// an error only when it must be there.
func checkObject(t *testing.T, c *s3.Client, key string, must bool) error {
	t.Helper()
	out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("crash"), Key: aws.String(key)})
	if err != nil {
		if !must && strings.Contains(err.Error(), "NoSuchKey") {
			return nil
		}
		return err
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, objectBody(key)) {
		return fmt.Errorf("%d bytes, not the %d PUT", len(got), len(objectBody(key)))
	}
	if aws.ToString(out.CacheControl) != "max-age=1" {
		return fmt.Errorf("Cache-Control %q", aws.ToString(out.CacheControl))
	}
	return nil
}
