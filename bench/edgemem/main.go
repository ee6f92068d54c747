// Command edgemem measures the edge's memory for large objects: it writes
// one object of -size MiB into a directory standing for an S3 bucket,
// starts edgecache.Proxy on 127.0.0.1 in front of it (--s3-origin style
// directory origin, CachingOptimized), and sends -viewers concurrent GETs
// of that object on raw TCP connections with small receive buffers: -fast
// viewers read as fast as they can, -slow ones read 1 MiB every 10 ms, and
// the rest never read and hang up after -stall. It samples the process's
// RSS every 20 ms and prints the peak (VmHWM), with what each viewer got.
//
//	go run ./bench/edgemem -size 200 -viewers 8 -fast 4 -slow 2
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/edgecache"
)

func main() {
	size := flag.Int("size", 200, "object size in MiB")
	viewers := flag.Int("viewers", 8, "concurrent viewers")
	fast := flag.Int("fast", 4, "viewers that read as fast as they can")
	slow := flag.Int("slow", 2, "viewers that read 1 MiB every 10 ms")
	stall := flag.Duration("stall", 5*time.Second, "how long the other viewers hold their connection without reading")
	flag.Parse()
	if err := run(*size, *viewers, *fast, *slow, *stall); err != nil {
		log.Fatal(err)
	}
}

func run(sizeMiB, viewers, fast, slow int, stall time.Duration) error {
	dir, err := os.MkdirTemp("", "cfinv-edgemem-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	size := int64(sizeMiB) << 20
	if err := writeObject(filepath.Join(dir, "big.bin"), size); err != nil {
		return err
	}
	cfg, err := distconfig.Parse(strings.NewReader(`<DistributionConfig><Origins><Quantity>1</Quantity><Items><Origin><Id>s3</Id>` +
		`<DomainName>bench-bucket.s3.us-east-1.amazonaws.com</DomainName><OriginPath /><S3OriginConfig><OriginAccessIdentity /></S3OriginConfig></Origin></Items></Origins>` +
		`<DefaultCacheBehavior><TargetOriginId>s3</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy>` +
		`<CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId></DefaultCacheBehavior><Enabled>true</Enabled></DistributionConfig>`))
	if err != nil {
		return err
	}
	p := &edgecache.Proxy{
		Distributions: edgecache.DistributionsFunc(func(context.Context) ([]edgecache.Distribution, error) {
			return []edgecache.Distribution{{ID: "EBENCH", DomainName: "dbench.cloudfront.net", Config: distconfig.View(cfg)}}, nil
		}),
		S3Origins: map[string]string{"bench-bucket": dir},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	runtime.GC()
	base := rss("VmRSS")
	stop := make(chan struct{})
	var peak int64
	var sampler sync.WaitGroup
	sampler.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, rss("VmRSS"))
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})

	start := time.Now()
	type outcome struct {
		kind   string
		status string
		got    int64
		took   time.Duration
		err    error
	}
	out := make([]outcome, viewers)
	var wg sync.WaitGroup
	for i := range viewers {
		kind := "stalled"
		switch {
		case i < fast:
			kind = "fast"
		case i < fast+slow:
			kind = "slow"
		}
		wg.Go(func() {
			t0 := time.Now()
			status, got, err := view(ln.Addr().String(), kind, stall)
			out[i] = outcome{kind, status, got, time.Since(t0), err}
		})
	}
	wg.Wait()
	close(stop)
	sampler.Wait()
	fmt.Printf("object %d MiB, %d viewers (%d fast, %d slow, %d stalled for %s), wall %s\n",
		sizeMiB, viewers, fast, slow, viewers-fast-slow, stall, time.Since(start).Round(time.Millisecond))
	for i, o := range out {
		fmt.Printf("  viewer %d %-7s %-28s %4d MiB in %s", i, o.kind, o.status, o.got>>20, o.took.Round(time.Millisecond))
		if o.err != nil {
			fmt.Printf(" (%v)", o.err)
		}
		fmt.Println()
	}
	st := p.Stats()
	fmt.Printf("cache: %d objects, %d bytes; RSS before the viewers %d MiB, peak RSS sampled %d MiB, VmHWM %d MiB\n",
		st.Objects, st.Bytes, base>>20, peak>>20, rss("VmHWM")>>20)
	return nil
}

// view sends one GET of the object and reads the response as kind says.
func view(addr, kind string, stall time.Duration) (string, int64, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", 0, err
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(64 << 10)
	if _, err := fmt.Fprintf(c, "GET /big.bin HTTP/1.1\r\nHost: ebench.localhost\r\nConnection: close\r\n\r\n"); err != nil {
		return "", 0, err
	}
	if kind == "stalled" {
		time.Sleep(stall)
		return "hung up", 0, nil
	}
	br := bufio.NewReaderSize(c, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	status := resp.Status + " " + resp.Header.Get("X-Cache")
	if kind == "fast" {
		n, err := io.Copy(io.Discard, resp.Body)
		return status, n, err
	}
	var n int64
	for {
		m, err := io.CopyN(io.Discard, resp.Body, 1<<20)
		n += m
		if err == io.EOF {
			return status, n, nil
		}
		if err != nil {
			return status, n, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func writeObject(name string, size int64) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	rand.Read(buf)
	for written := int64(0); written < size; written += int64(len(buf)) {
		if _, err := f.Write(buf[:min(int64(len(buf)), size-written)]); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// rss returns a byte figure from /proc/self/status (VmRSS, VmHWM).
func rss(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
