package sdkhttp_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/sdkhttp"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// TestGuardBodyKeepsConnection replays, in a fixed order, the interleaving
// behind TestInProgressLimits' rare "201 … deserialization failed … use of
// closed network connection" (issue 10 item 11):
//
//  1. the transport writes the whole request body, and the server, having
//     every byte it was promised, answers;
//  2. Do returns and smithy-go closes the request body;
//  3. only then does net/http read the body once more to check nothing is
//     left over;
//  4. the SDK reads the response body.
//
// The test holds the transport's last write until the SDK has started
// reading the response (so 3 comes after 2), and holds that read until the
// check of 3 has returned (and, if the check failed, until the transport
// has closed the connection). Without GuardBody the check meets the closed
// body's WriteTo, which returns io.EOF, and the connection is closed under
// the SDK's read; with it the call succeeds.
func TestGuardBodyKeepsConnection(t *testing.T) {
	for _, tt := range []struct {
		name  string
		guard bool
	}{
		{"guarded", true},
		// The unguarded case documents the failure GuardBody prevents;
		// if the SDK or net/http stop behaving so, it fails and says so.
		{"unguarded", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(emulator.New(emulator.Options{Store: store.NewMem()}).Handler())
			t.Cleanup(srv.Close)
			o := newOrdering()
			transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return &orderedConn{Conn: c, o: o}, nil
			}}
			t.Cleanup(transport.CloseIdleConnections)
			var hc aws.HTTPClient = &observingClient{c: &http.Client{Transport: transport}, o: o}
			if tt.guard {
				hc = sdkhttp.GuardBody(hc)
			}
			cf := cloudfront.New(cloudfront.Options{
				BaseEndpoint:     aws.String(srv.URL),
				Region:           "us-east-1",
				Credentials:      aws.AnonymousCredentials{},
				HTTPClient:       hc,
				RetryMaxAttempts: 1,
			})
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			// Set up through a guarded client: unguarded, the set-up call
			// itself can meet the race this test replays in order.
			dist, err := harness.CreateDistribution(ctx, harness.SDK(srv.URL), "guard")
			if err != nil {
				t.Fatal(err)
			}
			o.arm()
			items := make([]string, 2400)
			for i := range items {
				items[i] = fmt.Sprintf("/guard/%05d", i)
			}
			_, err = cf.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
				DistributionId: aws.String(dist),
				InvalidationBatch: &types.InvalidationBatch{
					CallerReference: aws.String("guard"),
					Paths:           &types.Paths{Quantity: aws.Int32(int32(len(items))), Items: items},
				},
			})
			if tt.guard && err != nil {
				t.Fatalf("guarded CreateInvalidation: got %v, want success", err)
			}
			if !tt.guard && err == nil {
				t.Fatalf("unguarded CreateInvalidation succeeded: the SDK/net/http interaction GuardBody works around is gone; GuardBody may no longer be needed")
			}
			if !tt.guard && !strings.Contains(err.Error(), "use of closed network connection") {
				t.Fatalf("unguarded CreateInvalidation: got %v, want the closed-connection failure", err)
			}
		})
	}
}

// ordering holds the events the test orders.
type ordering struct {
	mu       sync.Mutex
	armed    bool
	respRead chan struct{} // the SDK started reading the response body
	checked  chan bool     // net/http's post-body read returned; true if it failed
	closed   chan struct{} // the connection was closed
	once     struct{ respRead, checked, closed sync.Once }
}

func newOrdering() *ordering {
	return &ordering{respRead: make(chan struct{}), checked: make(chan bool, 1), closed: make(chan struct{})}
}

func (o *ordering) arm() { o.mu.Lock(); o.armed = true; o.mu.Unlock() }

func (o *ordering) isArmed() bool { o.mu.Lock(); defer o.mu.Unlock(); return o.armed }

// wait blocks on ch, failing loudly instead of hanging if the expected
// event never comes.
func wait[T any](ch <-chan T) (T, bool) {
	select {
	case v := <-ch:
		return v, true
	case <-time.After(10 * time.Second):
		var zero T
		return zero, false
	}
}

// orderedConn holds the write that completes the request until the SDK
// reads the response, and reads at most 512 bytes at a time so the
// response body takes many reads.
type orderedConn struct {
	net.Conn
	o        *ordering
	written  []byte
	reqTotal int64 // header + body length once the header is parsed
	held     bool
}

func (c *orderedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if !c.o.isArmed() || c.held {
		return n, err
	}
	c.written = append(c.written, p[:n]...)
	if c.reqTotal == 0 {
		if i := bytes.Index(c.written, []byte("\r\n\r\n")); i >= 0 {
			cl := int64(0)
			for _, line := range bytes.Split(c.written[:i], []byte("\r\n")) {
				if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(bytes.TrimSpace(k), []byte("Content-Length")) {
					cl, _ = strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
				}
			}
			c.reqTotal = int64(i+4) + cl
		}
	}
	if c.reqTotal > 0 && int64(len(c.written)) >= c.reqTotal {
		c.held = true
		wait(c.o.respRead)
	}
	return n, err
}

func (c *orderedConn) Read(p []byte) (int, error) {
	if len(p) > 512 {
		p = p[:512]
	}
	return c.Conn.Read(p)
}

func (c *orderedConn) Close() error {
	c.o.once.closed.Do(func() { close(c.o.closed) })
	return c.Conn.Close()
}

// observingClient reports when net/http's post-body check returns and
// holds the first read of the response body until it has.
type observingClient struct {
	c *http.Client
	o *ordering
}

func (oc *observingClient) Do(req *http.Request) (*http.Response, error) {
	if oc.o.isArmed() && req.Body != nil {
		b := &observedBody{rc: req.Body, o: oc.o, limit: req.ContentLength}
		r := req.Clone(req.Context())
		if _, ok := req.Body.(io.WriterTo); ok {
			r.Body = observedWriterTo{b}
		} else {
			r.Body = b
		}
		req = r
	}
	resp, err := oc.c.Do(req)
	if err == nil && oc.o.isArmed() {
		resp.Body = &heldResponse{ReadCloser: resp.Body, o: oc.o}
	}
	return resp, err
}

type observedBody struct {
	rc    io.ReadCloser
	o     *ordering
	limit int64
	read  int64
}

func (b *observedBody) Read(p []byte) (int, error) {
	past := b.read >= b.limit
	n, err := b.rc.Read(p)
	b.read += int64(n)
	if past {
		b.o.once.checked.Do(func() { b.o.checked <- err != nil && err != io.EOF })
	}
	return n, err
}

func (b *observedBody) Close() error { return b.rc.Close() }

type observedWriterTo struct{ *observedBody }

func (b observedWriterTo) WriteTo(w io.Writer) (int64, error) {
	n, err := b.rc.(io.WriterTo).WriteTo(w)
	// WriteTo must not return io.EOF; net/http treats any error as fatal.
	b.o.once.checked.Do(func() { b.o.checked <- err != nil })
	return n, err
}

type heldResponse struct {
	io.ReadCloser
	o *ordering
}

func (h *heldResponse) Read(p []byte) (int, error) {
	h.o.once.respRead.Do(func() {
		close(h.o.respRead)
		if failed, ok := wait(h.o.checked); ok && failed {
			wait(h.o.closed)
		}
	})
	return h.ReadCloser.Read(p)
}

// TestGuardBodyOnce: guarding a guarded client returns it unchanged, so
// cfinv.New given cfinvtest's (already guarded) configuration does not
// stack a second wrapper.
func TestGuardBodyOnce(t *testing.T) {
	once := sdkhttp.GuardBody(&http.Client{})
	if twice := sdkhttp.GuardBody(once); twice != once {
		t.Errorf("GuardBody(GuardBody(c)) = %#v, want %#v", twice, once)
	}
}
