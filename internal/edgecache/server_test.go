package edgecache

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSlowRequestBodyIsCut is the regression test for issue 8: the
// net/http edge never timed out a request body it passed through to the
// origin (1,200 slow POST bodies held 3,609 goroutines and 2,412
// descriptors past 75 s; fasthttp closed them at 10 s). On both servers a
// viewer that sends part of a body and stalls is disconnected once
// ViewerReadTimeout has passed, and the origin request it started ends.
func TestSlowRequestBodyIsCut(t *testing.T) {
	var started atomic.Int64
	ended := make(chan struct{}, 1)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		defer func() { ended <- struct{}{} }()
		io.Copy(io.Discard, r.Body)
	}))
	t.Cleanup(origin.Close)
	e := newEdge(t, configXML(portOf(t, origin), true), func(p *Proxy) { p.ViewerReadTimeout = 200 * time.Millisecond })
	c, err := net.Dial("tcp", e.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := fmt.Fprintf(c, "POST /form HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n0123456789", testDomain); err != nil {
		t.Fatal(err)
	}
	// The viewer stalls. The edge must close the connection (after an
	// error page or not); the guard only keeps a failing test from
	// hanging, it is not what is measured.
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = io.Copy(io.Discard, c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("the edge still held a connection whose body stalled 20 s ago, with a 200 ms ViewerReadTimeout")
	}
	if started.Load() > 0 {
		select {
		case <-ended:
		case <-time.After(20 * time.Second):
			t.Fatal("the origin request of a cut viewer was still running 20 s later")
		}
	}
}

// TestReadTimeoutSparesLongResponses: ViewerReadTimeout bounds the
// arrival of a request only, not its response: a pass-through waiting
// longer than it on a slow origin is answered (net/http clears the
// ReadTimeout deadline once the request is read; were it left, it would
// cancel the request's context in the middle of the response).
func TestReadTimeoutSparesLongResponses(t *testing.T) {
	const timeout = 100 * time.Millisecond
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		// Not synchronisation: the answer must come after the viewer's
		// read deadline would have passed, whatever the scheduling.
		time.Sleep(5 * timeout)
		fmt.Fprintf(w, "%s %q", r.Method, b)
	}))
	t.Cleanup(origin.Close)
	e := newEdge(t, configXML(portOf(t, origin), true), func(p *Proxy) { p.ViewerReadTimeout = timeout })
	c := &env{front: e.URL, client: &http.Client{}}
	for _, tc := range []struct {
		name, method, body, want string
	}{
		{"with a body", http.MethodPost, "hello", `POST "hello"`},
		{"without a body", http.MethodDelete, "", `DELETE ""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tc.method, e.URL+"/slow", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body == "" {
				req.Body = http.NoBody
			}
			req.Host = testDomain
			resp, err := c.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || string(b) != tc.want {
				t.Errorf("%s = %d %q, want 200 %q", tc.method, resp.StatusCode, b, tc.want)
			}
		})
	}
}
