//go:build unix

package edgecache

import (
	"net"
	"syscall"
	"testing"
)

// dialReadBuffer connects to addr with a receive buffer of n bytes, set
// before the connection is made: TCP fixes the largest window it will
// advertise (the window clamp) from the buffer at that moment, and a
// SetReadBuffer after the connect leaves it at the default's 64 KiB,
// which on loopback is one segment.
func dialReadBuffer(t *testing.T, addr string, n int) net.Conn {
	t.Helper()
	d := readBufferDialer(n)
	c, err := d.DialContext(t.Context(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readBufferDialer dials with a receive buffer of n bytes, set before the
// connect.
func readBufferDialer(n int) *net.Dialer {
	return &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		if cerr := rc.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
		}); cerr != nil {
			return cerr
		}
		return err
	}}
}
