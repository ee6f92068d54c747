package edgecache

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// TestCacheBudgetCountsEveryByte is the regression test for issue 6: the
// budget counted bodies and headers but not cache keys, so with a 1 MiB
// budget 4,000 cached 404s for distinct 60 KB paths kept 170 MB. Both
// what the cache accounts and what the heap keeps must stay within the
// budget.
func TestCacheBudgetCountsEveryByte(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound) // cached for ErrorCachingMinTTL, 10 s
		io.WriteString(w, "not found")
	}))
	t.Cleanup(origin.Close)
	const budget = 1 << 20
	e := newEdge(t, configXML(portOf(t, origin), true), func(p *Proxy) { p.MaxBytes = budget })
	client := &http.Client{}
	long := strings.Repeat("p", 50<<10) // fits fasthttp's 64 KiB request buffer
	get := func(i int) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, fmt.Sprintf("%s/%s/%d", e.URL, long, i), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = testDomain
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("GET %d: status %d, want 404", i, resp.StatusCode)
		}
	}
	get(0) // warm up connections and pools
	heap := func() int64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return int64(m.HeapInuse)
	}
	before := heap()
	const n = 400 // 20 MB of paths
	for i := 1; i <= n; i++ {
		get(i)
	}
	s := e.Proxy.Stats()
	if s.Stored < n {
		t.Fatalf("stored %d objects, want %d: the 404s were not cached, the test proves nothing", s.Stored, n)
	}
	if s.Bytes > budget {
		t.Errorf("cache accounts %d bytes, want at most the budget, %d", s.Bytes, budget)
	}
	// Each cached 404 holds its 50 KB key: 20 objects fill the budget.
	if s.Objects > budget/(50<<10) {
		t.Errorf("cache holds %d objects of over 50 KB each, want at most %d within %d bytes", s.Objects, budget/(50<<10), budget)
	}
	// Generous: the budget, plus what the servers and the client keep
	// (pools, connection buffers); 20 MB when the keys were not counted.
	if grown := heap() - before; grown > 8<<20 {
		t.Errorf("heap in use grew by %d KiB over %d GETs, want under 8 MiB (budget %d KiB)", grown>>10, n, budget>>10)
	}
}

// TestMissesInFlightAreBounded is the regression test for issue 7:
// concurrent misses each held their whole object (up to MaxObjectBytes)
// with no overall bound, so 24 slow viewers of distinct 30 MiB objects
// kept 438 MiB (net/http) and 739 MiB (fasthttp) under a 1 MiB budget.
// Misses past the budget are streamed now; what stalled viewers cost
// stays small, and each still gets its whole object.
func TestMissesInFlightAreBounded(t *testing.T) {
	const size = 4 << 20
	srv, _ := bigOrigin(t, size)
	fetched := make(chan struct{}, 16)
	e := newEdge(t, configXML(portOf(t, srv), true), func(p *Proxy) {
		p.MaxBytes = 1 << 20
		p.testHookFetched = func() { fetched <- struct{}{} }
	})
	heap := func() int64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return int64(m.HeapInuse)
	}
	before := heap()
	const viewers = 6 // 24 MiB of objects
	for i := range viewers {
		stallingGet(t, e.Addr, fmt.Sprintf("/obj%d.bin", i))
	}
	for range viewers {
		<-fetched // each leader has its body, or its stream
	}
	if grown := heap() - before; grown > 8<<20 {
		t.Errorf("%d stalled viewers of distinct %d MiB misses hold %d MiB of heap, want under 8 MiB (budget 1 MiB)", viewers, size>>20, grown>>20)
	}
	// A viewer that reads gets the whole object.
	c := &env{front: e.URL, client: &http.Client{}}
	if r := c.get(t, testDomain, "/other.bin"); len(r.body) != size || r.body != string(pattern(size)) {
		t.Errorf("GET /other.bin: %d bytes, want the %d-byte object", len(r.body), size)
	}
}
