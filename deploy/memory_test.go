package deploy_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"

	"github.com/cfinv/cfinv/deploy"
)

// heapPeak is the largest Go heap of this process seen by sample.
type heapPeak struct {
	mu      sync.Mutex
	samples []metrics.Sample
	// live is the heap marked live by the latest garbage collection;
	// objects the heap's objects, live or not yet collected (HeapAlloc).
	live, objects uint64
	n             int
}

func newHeapPeak() *heapPeak {
	return &heapPeak{samples: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
	}}
}

func (p *heapPeak) sample() {
	p.mu.Lock()
	defer p.mu.Unlock()
	metrics.Read(p.samples)
	p.live = max(p.live, p.samples[0].Value.Uint64())
	p.objects = max(p.objects, p.samples[1].Value.Uint64())
	p.n++
}

// TestUploadMemoryBounded: memory does not grow with the size of the files
// uploaded (issue 31: "streaming from disk", peak RSS ≤ 100 MiB whatever
// the site's size). A site of small, compressed and two big files goes to
// moto's S3, a process of its own, so the heap is the deploy's, through a
// proxy that reads this process's heap as each request arrives, when the
// uploads in flight hold their buffers. With 20 MiB and with 48 MiB files
// the heap stays under the same bound. The transfer manager's part
// buffers were 56 MiB for each of two objects at once before (a 16 MiB
// first read and five 8 MiB parts): 112 MiB live, 170-210 MiB of heap.
// The test is not parallel, so no other test's heap is counted.
func TestUploadMemoryBounded(t *testing.T) {
	const (
		maxLive    = 32 << 20
		maxObjects = 64 << 20
	)
	for _, big := range []int{20 << 20, 48 << 20} {
		t.Run(fmt.Sprintf("%dMiB", big>>20), func(t *testing.T) {
			s := newSite(t, "moto")
			dir := t.TempDir()
			r := rand.New(rand.NewPCG(31, uint64(big)))
			write := func(name string, size int) {
				t.Helper()
				b := make([]byte, size)
				for i := range b {
					b[i] = byte(' ' + r.IntN(64)) // compressible, not too well
				}
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 2 {
				write(fmt.Sprintf("media/big%d.bin", i), big)
			}
			for i := range 24 {
				write(fmt.Sprintf("assets/a%d.js", i), 1000+r.IntN(64<<10))
				write(fmt.Sprintf("p%d/index.html", i), 1000+r.IntN(16<<10))
			}
			cfg, err := deploy.ParseConfig([]byte("routes:\n  - match: \"assets/**\"\n    gzip: true\n"), "test.yml")
			if err != nil {
				t.Fatal(err)
			}
			peak := newHeapPeak()
			c := s.client(proxy(t, s.endpoint, func(*http.Request) bool { peak.sample(); return false }, nil))
			runtime.GC() // the test's own garbage (the files written) is not the deploy's
			rep, err := s.run(t, c, deploy.Options{Dir: dir, Config: cfg})
			if err != nil {
				t.Fatalf("deploy: %v", err)
			}
			if got, want := len(rep.Uploads), 50; got != want {
				t.Fatalf("uploaded %d objects, want %d", got, want)
			}
			t.Logf("%d samples: peak live heap %.1f MiB, peak heap objects %.1f MiB", peak.n, float64(peak.live)/(1<<20), float64(peak.objects)/(1<<20))
			if peak.live > maxLive {
				t.Errorf("live heap reached %.1f MiB with %d MiB files, want at most %d MiB whatever the files' size", float64(peak.live)/(1<<20), big>>20, maxLive>>20)
			}
			if peak.objects > maxObjects {
				t.Errorf("heap reached %.1f MiB with %d MiB files, want at most %d MiB whatever the files' size", float64(peak.objects)/(1<<20), big>>20, maxObjects>>20)
			}
		})
	}
}
