//go:build !unix

package edgecache

import (
	"net"
	"testing"
)

// dialReadBuffer connects to addr with a receive buffer of n bytes (set
// after the connect: the window it gives is the system's).
func dialReadBuffer(t *testing.T, addr string, n int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).SetReadBuffer(n)
	return c
}

// readBufferDialer dials with the system's receive buffer.
func readBufferDialer(int) *net.Dialer { return &net.Dialer{} }
