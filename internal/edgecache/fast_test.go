package edgecache

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// TestFastServerMatchesNetHTTP sends the same requests, in the same
// order, to one edge on net/http and one on fasthttp (FastServer), each
// on a new connection, and wants the same answers but for the headers
// that differ between any two responses (X-Amz-Cf-Id, Date) and, on
// fasthttp, the plain hits taken by the fast path and everything else
// handed to net/http.
func TestFastServerMatchesNetHTTP(t *testing.T) {
	type step struct {
		name   string
		method string
		host   string
		path   string
		hdr    []string
		fast   bool // answered by the fast path
		// statusOnly: fasthttp itself refuses the request, with a body
		// of its own.
		statusOnly bool
		proto      string // "HTTP/1.1" if empty
	}
	big := "/static/big-p.js" // compressible, under a response headers policy
	steps := []step{
		{"miss", "GET", testDomain, "/a.txt", nil, false, false, ""},
		{"hit", "GET", testDomain, "/a.txt", nil, true, false, ""},
		{"HEAD hit", "HEAD", testDomain, "/a.txt", nil, true, false, ""},
		{"hit by the distribution's ID host", "GET", strings.ToLower(testDist) + ".localhost", "/a.txt", nil, true, false, ""},
		{"hit with a query the policy ignores", "GET", testDomain, "/a.txt?x=1", nil, true, false, ""},
		{"range of a hit", "GET", testDomain, "/a.txt", []string{"Range", "bytes=0-3"}, false, false, ""},
		{"precondition on a hit", "GET", testDomain, "/a.txt", []string{"If-None-Match", `"nope"`}, false, false, ""},
		{"escaped path", "GET", testDomain, "/a%2Etxt", nil, false, false, ""},
		{"dot segment", "GET", testDomain, "/x/../a.txt", nil, false, false, ""},
		{"policy miss", "GET", testDomain, big, nil, false, false, ""},
		{"policy hit", "GET", testDomain, big, nil, true, false, ""},
		{"policy hit, gzip", "GET", testDomain, big, []string{"Accept-Encoding", "gzip"}, true, false, ""},
		{"CORS request", "GET", testDomain, "/static/cors.js", []string{"Origin", "https://a.example"}, false, false, ""},
		{"CORS request again", "GET", testDomain, "/static/cors.js", []string{"Origin", "https://a.example"}, false, false, ""},
		{"not found, cached", "GET", testDomain, "/missing", nil, false, false, ""},
		{"not found again", "GET", testDomain, "/missing", nil, false, false, ""},
		{"POST passes through", "POST", testDomain, "/a.txt", nil, false, false, ""},
		{"unknown host", "GET", "nobody.example", "/a.txt", nil, false, false, ""},
		{"no Host", "GET", "", "/a.txt", nil, false, true, ""},
		{"HTTP/1.0 hit", "GET", testDomain, "/a.txt", nil, true, false, "HTTP/1.0"},
		{"HTTP/1.0 miss", "GET", testDomain, "/b.txt", nil, false, false, "HTTP/1.0"},
		{"a path that starts with //", "GET", testDomain, "//a.txt", nil, false, false, ""},
	}
	type answer struct {
		status int
		header http.Header
		body   string
	}
	run := func(t *testing.T, fast bool) ([]answer, int64) {
		e := newHitEnv(t)
		var fastHits atomic.Int64
		e.proxy.testHookFastHit = func() { fastHits.Add(1) }
		var url string
		if fast {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := e.proxy.FastServer(nil)
			go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
			t.Cleanup(func() { srv.Shutdown(context.Background()) })
			url = "http://" + ln.Addr().String()
		} else {
			front := httptest.NewServer(e.proxy)
			t.Cleanup(front.Close)
			url = front.URL
		}
		var out []answer
		for _, s := range steps {
			proto := s.proto
			if proto == "" {
				proto = "HTTP/1.1"
			}
			raw := s.method + " " + s.path + " " + proto + "\r\n"
			if s.host != "" {
				raw += "Host: " + s.host + "\r\n"
			}
			for i := 0; i+1 < len(s.hdr); i += 2 {
				raw += s.hdr[i] + ": " + s.hdr[i+1] + "\r\n"
			}
			raw += "Connection: close\r\n\r\n"
			c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(c, raw); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: s.method})
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			c.Close()
			if err != nil {
				t.Fatalf("%s: body: %v", s.name, err)
			}
			h := resp.Header.Clone()
			for _, k := range []string{"X-Amz-Cf-Id", "Date"} {
				delete(h, k)
			}
			page := string(b)
			if id := resp.Header.Get("X-Amz-Cf-Id"); id != "" {
				page = strings.ReplaceAll(page, id, "REQUEST-ID") // error pages show it
			}
			if s.statusOnly {
				h, page = nil, ""
			}
			out = append(out, answer{resp.StatusCode, h, page})
		}
		return out, fastHits.Load()
	}
	want, _ := run(t, false)
	got, fastHits := run(t, true)
	wantFast := int64(0)
	for i, s := range steps {
		if s.fast {
			wantFast++
		}
		if diff := cmp.Diff(want[i], got[i], cmp.AllowUnexported(answer{})); diff != "" {
			t.Errorf("%s: fasthttp differs from net/http (-net/http +fasthttp):\n%s", s.name, diff)
		}
	}
	if fastHits != wantFast {
		t.Errorf("fast path answered %d requests, want the %d plain hits", fastHits, wantFast)
	}
}

// TestFastServerLargeHit: a cached object larger than one write chunk,
// hit on fasthttp, arrives whole, with its length.
func TestFastServerLargeHit(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), (3*writeChunk)/16+7)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=600")
		w.Write(body)
	}))
	t.Cleanup(origin.Close)
	addr, _, fastHits := fastEdge(t, origin, nil)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true}}
	for i, want := range []string{"Miss from cloudfront", "Hit from cloudfront", "Hit from cloudfront"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+addr+"/big.bin", nil)
		req.Host = testDomain
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || !bytes.Equal(got, body) || resp.ContentLength != int64(len(body)) || resp.Header.Get("X-Cache") != want {
			t.Errorf("request %d: %d bytes (Content-Length %d), X-Cache %q, %v; want the %d-byte object, %q",
				i, len(got), resp.ContentLength, resp.Header.Get("X-Cache"), err, len(body), want)
		}
	}
	if n := fastHits.Load(); n != 2 {
		t.Errorf("fast path answered %d requests, want 2", n)
	}
}

// TestFastServerDropsStalledViewerOfAHit: on fasthttp too, a viewer that
// stops reading a cached hit is cut off after ViewerWriteTimeout (the
// fast path's body goes out under the same deadlines as on net/http).
func TestFastServerDropsStalledViewerOfAHit(t *testing.T) {
	const size = 16 << 20
	srv, _ := bigOrigin(t, size)
	// 2 s per write: the viewer filling the cache, which reads, is never
	// cut off on a loaded machine (500 ms was, at load 17 on 2 cores).
	addr, fs, fastHits := fastEdge(t, srv, func(p *Proxy) {
		p.MaxObjectBytes, p.ViewerWriteTimeout = 32<<20, 2*time.Second
	})
	fill := &env{front: "http://" + addr, client: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
	if r := fill.get(t, testDomain, "/obj.bin"); len(r.body) != size {
		t.Fatalf("fill: %d bytes", len(r.body))
	}
	stallingGet(t, addr, "/obj.bin")
	deadline := time.Now().Add(30 * time.Second)
	for fastHits.Load() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the stalled viewer's request was not answered by the fast path")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The server lets go of the connection once a write has waited the
	// timeout (the viewer's socket keeps what the kernel had sent; 16 MiB
	// is more than the socket buffers hold, so the write cannot finish).
	for fs.fast.GetOpenConnectionsCount() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the edge was still writing to a viewer that stopped reading 30 s ago")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if fastHits.Load() != 1 {
		t.Errorf("fast path answered %d requests, want the 1 hit", fastHits.Load())
	}
}

// fastEdge serves the test distribution, with origin as its origin, on a
// FastServer on loopback, and counts the requests the fast path answers.
func fastEdge(t *testing.T, origin *httptest.Server, configure func(*Proxy)) (string, *FastServer, *atomic.Int64) {
	t.Helper()
	root, err := distconfig.Parse(strings.NewReader(configXML(portOf(t, origin), true)))
	if err != nil {
		t.Fatal(err)
	}
	hits := &atomic.Int64{}
	p := &Proxy{Distributions: DistributionsFunc(func(context.Context) ([]Distribution, error) {
		return []Distribution{{ID: testDist, DomainName: testDomain, Config: distconfig.View(root)}}, nil
	}), testHookFastHit: func() { hits.Add(1) }}
	if configure != nil {
		configure(p)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := p.FastServer(nil)
	go fs.Serve(ln) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() { fs.Shutdown(context.Background()) })
	return ln.Addr().String(), fs, hits
}
