package edgecache

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
)

// fastFront is set for the second run of the package's tests: every test
// environment (newEnv) then serves its Proxy on fasthttp, as
// `cfinv serve --edge-server fasthttp` does, instead of net/http.
var fastFront bool

// TestMain runs the tests twice: with the edge on net/http, then, if
// they passed, on fasthttp, so that both servers meet every expectation.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		fmt.Fprintln(os.Stderr, "=== edgecache: the same tests again with the edge on fasthttp (--edge-server fasthttp)")
		fastFront = true
		code = m.Run()
	}
	os.Exit(code)
}

// serveFront serves p over HTTP on a loopback port, on net/http
// (Proxy.Server, as cfinv serve does) or, for the second run, fasthttp,
// and returns its URL.
func serveFront(t testing.TB, p *Proxy) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	if !fastFront {
		srv := p.Server(nil)
		go func() { done <- srv.Serve(ln) }()
		t.Cleanup(func() {
			srv.Close() // as httptest.Server.Close: connections still open are cut
			<-done
		})
		return "http://" + ln.Addr().String()
	}
	srv := p.FastServer(nil)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Errorf("shut down the fasthttp edge: %v", err)
		}
		<-done
	})
	return "http://" + ln.Addr().String()
}
