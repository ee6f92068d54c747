// Command s3 benchmarks the S3 API of `cfinv serve` against moto_server's
// S3 on loopback: the same aws-sdk-go-v2 s3.Client (path-style, static
// keys, no retries) sends N PutObject requests of a 16 KiB body and then N
// GetObject requests of those keys (each body read whole) from concurrent
// workers (16 by default). Each round runs both servers, in alternating
// order, so load on a shared machine falls on both alike. It prints, per
// server and operation, the median and range of req/s over the rounds and
// the median p50/p99 latency as a Markdown table, the cfinv/moto ratios,
// and checks that every PUT cfinv acknowledged has its metadata and bytes
// under the data directory.
//
// Usage (from the repository root):
//
//	go run ./bench/s3 -n 2000 -c 16 -rounds 3
//
// This is a benchmark, not a test.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfinv/cfinv/bench/internal/rig"
)

func main() {
	n := flag.Int("n", 2000, "requests per operation and round")
	c := flag.Int("c", 16, "concurrent workers")
	rounds := flag.Int("rounds", 3, "rounds; each runs both servers once, in alternating order")
	size := flag.Int("size", 16<<10, "PutObject body size in bytes")
	cfinvBin := flag.String("cfinv", "", "cfinv binary (default: build ./cmd/cfinv)")
	moto := flag.String("moto", "moto_server", "moto_server executable")
	flag.Parse()
	if err := run(*n, *c, *rounds, *size, *cfinvBin, *moto); err != nil {
		fmt.Fprintln(os.Stderr, "bench/s3:", err)
		os.Exit(1)
	}
}

type server struct {
	name    string
	url     string
	dataDir string // cfinv only
	stop    func()
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int64
	acked    []string // PUT keys acknowledged
}

func run(n, c, rounds, size int, cfinvBin, moto string) error {
	tmp, err := os.MkdirTemp("", "bench-s3-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if cfinvBin == "" {
		if cfinvBin, err = rig.BuildCfinv(tmp); err != nil {
			return err
		}
	}
	cf, err := startCfinv(cfinvBin, filepath.Join(tmp, "data"))
	if err != nil {
		return err
	}
	defer cf.stop()
	motoURL, stopMoto, err := rig.StartMoto(moto)
	if err != nil {
		return err
	}
	defer stopMoto()
	mt := &server{name: "moto", url: motoURL, stop: stopMoto}

	body := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	res := map[string][]result{}
	ackedCfinv := map[string][]string{} // bucket → keys
	fmt.Fprintf(os.Stderr, "load average at start: %s\n", rig.LoadAvg())
	for r := range rounds {
		order := []*server{cf, mt}
		if r%2 == 1 {
			order = []*server{mt, cf}
		}
		for _, s := range order {
			bucket := fmt.Sprintf("bench-%d", r)
			cl := client(s.url)
			if _, err := cl.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
				return fmt.Errorf("%s: create bucket: %w", s.name, err)
			}
			keys := make([]string, n)
			for i := range keys {
				keys[i] = fmt.Sprintf("k/%06d", i)
			}
			for i := range 20 { // warm-up
				if _, err := cl.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("warm/%d", i)), Body: bytes.NewReader(body)}); err != nil {
					return fmt.Errorf("%s: warm-up: %w", s.name, err)
				}
			}
			put := phase(c, keys, func(k string) error {
				_, err := cl.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: bytes.NewReader(body), ContentType: aws.String("text/html"), CacheControl: aws.String("max-age=60")})
				return err
			})
			get := phase(c, put.acked, func(k string) error {
				out, err := cl.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
				if err != nil {
					return err
				}
				defer out.Body.Close()
				nb, err := io.Copy(io.Discard, out.Body)
				if err == nil && nb != int64(len(body)) {
					err = fmt.Errorf("%s: %d bytes, want %d", k, nb, len(body))
				}
				return err
			})
			res[s.name+" PutObject"] = append(res[s.name+" PutObject"], put)
			res[s.name+" GetObject"] = append(res[s.name+" GetObject"], get)
			if s == cf {
				ackedCfinv[bucket] = put.acked
			}
			fmt.Fprintf(os.Stderr, "round %d %s: put %.0f req/s, get %.0f req/s\n", r+1, s.name, put.rps, get.rps)
		}
	}
	fmt.Fprintf(os.Stderr, "load average at end: %s\n", rig.LoadAvg())

	fmt.Println("| server | operation | req/s median | req/s range | p50 median | p99 median | errors |")
	fmt.Println("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
	for _, op := range []string{"PutObject", "GetObject"} {
		for _, s := range []string{"cfinv", "moto"} {
			rs := res[s+" "+op]
			rps, p50, p99 := []float64{}, []float64{}, []float64{}
			var errs int64
			for _, r := range rs {
				rps = append(rps, r.rps)
				p50 = append(p50, float64(r.p50))
				p99 = append(p99, float64(r.p99))
				errs += r.errors
			}
			fmt.Printf("| %s | %s | %.0f | %.0f–%.0f | %s | %s | %d |\n", s, op, rig.Median(rps), slices.Min(rps), slices.Max(rps),
				time.Duration(rig.Median(p50)).Round(10*time.Microsecond), time.Duration(rig.Median(p99)).Round(10*time.Microsecond), errs)
		}
	}
	fmt.Println()
	fmt.Println("| ratio cfinv / moto | median | range |")
	fmt.Println("| --- | ---: | ---: |")
	for _, op := range []string{"PutObject", "GetObject"} {
		var ratios []float64
		for i := range res["cfinv "+op] {
			ratios = append(ratios, res["cfinv "+op][i].rps/res["moto "+op][i].rps)
		}
		fmt.Printf("| %s | %.1f× | %.1f–%.1f× |\n", op, rig.Median(ratios), slices.Min(ratios), slices.Max(ratios))
	}

	// Every acknowledged PUT is on disk: its metadata file names its key,
	// and the bytes it names are there, whole.
	cf.stop()
	var checked, missing int
	for bucket, keys := range ackedCfinv {
		dir := filepath.Join(cf.dataDir, "s3", bucket)
		onDisk := map[string]bool{}
		metas, _ := os.ReadDir(filepath.Join(dir, "meta"))
		for _, m := range metas {
			raw, err := os.ReadFile(filepath.Join(dir, "meta", m.Name()))
			if err != nil {
				continue
			}
			var o struct {
				Key  string `json:"key"`
				Size int64  `json:"size"`
				Data string `json:"data"`
			}
			if json.Unmarshal(raw, &o) != nil {
				continue
			}
			if st, err := os.Stat(filepath.Join(dir, "objects", o.Data)); err == nil && st.Size() == o.Size && o.Size == int64(len(body)) {
				onDisk[o.Key] = true
			}
		}
		for _, k := range keys {
			checked++
			if !onDisk[k] {
				missing++
			}
		}
	}
	fmt.Printf("\ncfinv: %d acknowledged PUTs checked on disk after the server stopped, %d missing or short\n", checked, missing)
	return nil
}

// phase runs op on every key from c workers and measures it.
func phase(c int, keys []string, op func(string) error) result {
	r, firstErr := rig.Measure(len(keys), c, func(i int) error { return op(keys[i]) })
	if firstErr != nil {
		fmt.Fprintln(os.Stderr, "first error:", firstErr)
	}
	var acked []string
	for i, ok := range r.OK {
		if ok {
			acked = append(acked, keys[i])
		}
	}
	return result{rps: r.RPS, p50: r.P50, p99: r.P99, errors: r.Errors, acked: acked}
}

func client(url string) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials:      credentials.NewStaticCredentialsProvider(rig.KeyID, rig.Secret, ""),
		RetryMaxAttempts: 1,
	})
}

func startCfinv(bin, dataDir string) (*server, error) {
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--edge-addr", "", "--s3-addr", "127.0.0.1:0", "--data-dir", dataDir)
	cmd.Env = rig.Env()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "S3 API on "); ok {
				u, _, _ := strings.Cut(rest, " ")
				found <- u
			}
		}
	}()
	select {
	case u := <-found:
		return &server{name: "cfinv", url: u, dataDir: dataDir, stop: rig.Stopper(cmd)}, nil
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("cfinv serve printed no S3 API line")
	}
}
