package edgecache

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cfinv/cfinv/internal/distconfig"
)

func TestCleanPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/", "/"},
		{"", "/"},
		{"/index.html", "/index.html"},
		{"/../secret.txt", "/secret.txt"},
		{"/%2e%2e/secret.txt", "/secret.txt"},
		{"/.%2e/secret.txt", "/secret.txt"},
		{"/%2E%2E/%2E/secret.txt", "/secret.txt"},
		{"/sub/../index.html", "/index.html"},
		{"/./index.html", "/index.html"},
		{"/a/b/../../../../c", "/c"},
		{"/a/.", "/a/"},
		{"/a/b/..", "/a/"},
		{"/..", "/"},
		{"/a//../b", "/a/b"},
		{"//../secret.txt", "/secret.txt"},
		{"/%69ndex.html", "/index.html"},
		{"/%7efoo", "/~foo"},
		{"/caf%c3%a9", "/caf%C3%A9"},
		{"/a%2fb", "/a%2Fb"},
		{"/a%2Fb/../c", "/c"},
		{"/sp ace", "/sp%20ace"},
		{"/..%252fsecret.txt", "/..%252fsecret.txt"},
		{"/.hidden/..file", "/.hidden/..file"},
		{"/a;b=c/@x:y", "/a;b=c/@x:y"},
	} {
		got, err := cleanPath(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("cleanPath(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"/..%2fsecret.txt", "/..%2Fsecret.txt", "/%2e%2e%2fsecret.txt", "/.%2F..%2Fx",
		"/a/..%5csecret.txt", `/..\secret.txt`, "/x%2F.", "/%", "/%2", "/%zz"} {
		if got, err := cleanPath(in); err == nil {
			t.Errorf("cleanPath(%q) = %q, want an error", in, got)
		}
	}
}

// FuzzCleanPath checks the normaliser's properties: the output starts
// with "/", is its own normal form, and, decoded the way the most lenient
// origin would (every percent-encoding, '\' as a separator), has no "."
// or ".." segment, so it cannot climb out of an OriginPath.
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"/", "/../secret.txt", "/%2e%2e/x", "/..%2fx", "/.%2e/x", "/a/./b/../c", "//", "/%C3%A9", `/a\..\b`, "a/b", "/%2525"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := cleanPath(in)
		if err != nil {
			return
		}
		if !strings.HasPrefix(out, "/") {
			t.Fatalf("cleanPath(%q) = %q, does not start with /", in, out)
		}
		again, err := cleanPath(out)
		if err != nil || again != out {
			t.Fatalf("cleanPath(cleanPath(%q)) = %q, %v; want %q (idempotent)", in, again, err, out)
		}
		dec, err := url.PathUnescape(out)
		if err != nil {
			t.Fatalf("cleanPath(%q) = %q, which does not unescape: %v", in, out, err)
		}
		for seg := range strings.SplitSeq(strings.ReplaceAll(dec, `\`, "/"), "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("cleanPath(%q) = %q, decodes to %q with a dot segment", in, out, dec)
			}
		}
		if c := path.Clean("/public" + dec); c != "/public" && !strings.HasPrefix(c, "/public/") {
			t.Fatalf("cleanPath(%q) = %q escapes /public: %q", in, out, c)
		}
	})
}

// rawGet sends path on a raw request line (Go's client would clean it)
// and returns the response.
func rawGet(t *testing.T, addr, host, target string) (int, http.Header, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, host); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// dotOrigin is a backend that resolves dot segments the way many file
// servers do (decode, then path.Clean), so a request that reaches it as
// "/public/../secret.txt" gets the secret: any leak shows.
type dotOrigin struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string
	hits map[string]int
}

func newDotOrigin(t *testing.T) *dotOrigin {
	t.Helper()
	o := &dotOrigin{hits: map[string]int{}}
	files := map[string]string{"/public/index.html": "public index", "/secret.txt": "SECRET outside /public", "/index.html": "SECRET root index"}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Clean(strings.ReplaceAll(r.URL.Path, `\`, "/"))
		o.mu.Lock()
		o.seen = append(o.seen, r.RequestURI)
		o.hits[name]++
		o.mu.Unlock()
		body, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "max-age=300")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

// newEdge starts the proxy for config doc behind a real frontend.
// edgeFront is an edge serving on loopback: its URL, its address and the
// Proxy behind it.
type edgeFront struct {
	URL, Addr string
	Proxy     *Proxy
}

func newEdge(t *testing.T, doc string, configure func(*Proxy)) *edgeFront {
	t.Helper()
	root, err := distconfig.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Distributions: DistributionsFunc(func(context.Context) ([]Distribution, error) {
		return []Distribution{{ID: testDist, DomainName: testDomain, Config: distconfig.View(root)}}, nil
	})}
	if configure != nil {
		configure(p)
	}
	u := serveFront(t, p)
	return &edgeFront{URL: u, Addr: strings.TrimPrefix(u, "http://"), Proxy: p}
}

var traversalAttacks = []string{
	"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/..%2fsecret.txt", "/..%2Fsecret.txt",
	"/.%2e/secret.txt", "/%2e./secret.txt", "/%2e%2e%2fsecret.txt", "/a/../../secret.txt", "/./../secret.txt",
	"//../secret.txt", "/..%5csecret.txt", "/..%255csecret.txt", "/..%252fsecret.txt", "/../index.html",
	"/%2e%2e/index.html", "/..%2findex.html",
}

// TestTraversalOutOfOriginPath is the regression test for issue 10: no
// spelling of a dot segment takes a request out of the origin's
// OriginPath, for a custom origin, an S3 origin mapped to a URL and one
// mapped to a directory with a secret beside the served one.
func TestTraversalOutOfOriginPath(t *testing.T) {
	toBucket := func(doc string) string {
		return strings.Replace(doc, "<DefaultCacheBehavior><TargetOriginId>app</TargetOriginId>", "<DefaultCacheBehavior><TargetOriginId>bucket</TargetOriginId>", 1)
	}
	t.Run("custom origin", func(t *testing.T) {
		o := newDotOrigin(t)
		doc := strings.Replace(configXML(portOf(t, o.srv), true), "<OriginPath>/v1</OriginPath>", "<OriginPath>/public</OriginPath>", 1)
		front := newEdge(t, doc, nil)
		checkAttacks(t, front, "public index")
		o.mu.Lock()
		defer o.mu.Unlock()
		for _, uri := range o.seen {
			p, _ := url.PathUnescape(strings.ReplaceAll(uri, "%5C", "/"))
			if c := path.Clean(p); !strings.HasPrefix(c, "/public/") {
				t.Errorf("origin was asked for %q, which resolves to %q outside /public", uri, c)
			}
		}
	})
	t.Run("S3 origin URL", func(t *testing.T) {
		o := newDotOrigin(t)
		doc := toBucket(configXML(1, true))
		front := newEdge(t, doc, func(p *Proxy) { p.S3Origins = map[string]string{"site-bucket": o.srv.URL + "/public"} })
		checkAttacks(t, front, "public index")
	})
	t.Run("S3 origin directory", func(t *testing.T) {
		dir := t.TempDir()
		bucket := filepath.Join(dir, "bucket")
		for name, body := range map[string]string{
			"bucket/sub/index.html": "public index", "bucket/index.html": "SECRET bucket root",
			"bucket/secret.txt": "SECRET bucket root", "secret.txt": "SECRET beside the bucket",
		} {
			name = filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		doc := strings.Replace(toBucket(configXML(1, true)), "<OriginPath />", "<OriginPath>/sub</OriginPath>", 1)
		front := newEdge(t, doc, func(p *Proxy) { p.S3Origins = map[string]string{"site-bucket": bucket} })
		checkAttacks(t, front, "public index")
	})
}

func checkAttacks(t *testing.T, front *edgeFront, index string) {
	t.Helper()
	addr := front.Addr
	for _, target := range traversalAttacks {
		status, h, body := rawGet(t, addr, testDomain, target)
		if strings.Contains(body, "SECRET") {
			t.Errorf("GET %s = %d %q: served a file outside the origin path", target, status, body)
			continue
		}
		if status == http.StatusOK && body != index {
			t.Errorf("GET %s = 200 %q, want the origin path's index or an error", target, body)
		}
		if h.Get("X-Cache") == "" {
			t.Errorf("GET %s: no X-Cache header", target)
		}
	}
	if status, _, body := rawGet(t, addr, testDomain, "/index.html"); status != 200 || body != index {
		t.Errorf("GET /index.html = %d %q, want 200 %q", status, body, index)
	}
}

// TestDotSegmentsShareOneCacheKey: spellings of one object are one cache
// entry, fetched once and purged by one invalidation of its clean path.
func TestDotSegmentsShareOneCacheKey(t *testing.T) {
	o := newDotOrigin(t)
	doc := strings.Replace(configXML(portOf(t, o.srv), true), "<OriginPath>/v1</OriginPath>", "<OriginPath>/public</OriginPath>", 1)
	var p *Proxy
	front := newEdge(t, doc, func(px *Proxy) { p = px })
	addr := front.Addr
	spellings := []string{"/sub/../index.html", "/./index.html", "/%69ndex.html", "/a/b/../../index.html", "/%2e/index.html"}
	check := func(wantFirst string) {
		t.Helper()
		_, h, _ := rawGet(t, addr, testDomain, "/index.html")
		if got := h.Get("X-Cache"); got != wantFirst {
			t.Errorf("GET /index.html: X-Cache = %q, want %q", got, wantFirst)
		}
		for _, s := range spellings {
			status, h, body := rawGet(t, addr, testDomain, s)
			if status != 200 || body != "public index" || h.Get("X-Cache") != "Hit from cloudfront" {
				t.Errorf("GET %s = %d %q (%s), want a hit of /index.html", s, status, body, h.Get("X-Cache"))
			}
		}
	}
	check("Miss from cloudfront")
	if err := p.Purge(t.Context(), testDist, []string{"/index.html"}); err != nil {
		t.Fatal(err)
	}
	check("Miss from cloudfront")
	o.mu.Lock()
	defer o.mu.Unlock()
	if got := o.hits["/public/index.html"]; got != 2 {
		t.Errorf("origin hits for /public/index.html = %d, want 2 (one per purge generation); asked %q", got, o.seen)
	}
}

func portOf(t *testing.T, s *httptest.Server) int {
	t.Helper()
	return s.Listener.Addr().(*net.TCPAddr).Port
}

// TestDirOriginRefusesDotSegments: the directory origin, asked directly
// (as if the edge had not normalised), serves nothing outside its
// OriginPath (defence in depth, issue 10).
func TestDirOriginRefusesDotSegments(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"sub/index.html": "public index", "index.html": "SECRET"} {
		name = filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := dirOrigin{root: dir, prefix: "/sub"}
	for _, p := range []string{"/sub/../index.html", "/sub/./../index.html", "/index.html", "/sub/", "/sub", "/sub//index.html", "/sub/a/../index.html", "/subx/index.html"} {
		req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}, Header: http.Header{}}
		resp, err := d.RoundTrip(req.WithContext(t.Context()))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d %q, want 404", p, resp.StatusCode, b)
		}
	}
	req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/sub/index.html"}, Header: http.Header{}}
	resp, err := d.RoundTrip(req.WithContext(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "public index" {
		t.Errorf("GET /sub/index.html = %d %q, want 200 %q", resp.StatusCode, b, "public index")
	}
}
