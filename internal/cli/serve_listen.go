package cli

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/cfinv/cfinv/internal/local"
)

// listenError explains a failure to listen on the address of flag (--addr
// or --edge-addr): most often an earlier cfinv serve, or another program,
// still holds the default port 8655 or 8656.
func listenError(flag, addr string, err error) error {
	hint := "stop the process that holds " + addr + " (an earlier cfinv serve?), or pass another " + flag + " HOST:PORT (" + flag + " 127.0.0.1:0 picks a free port)"
	code := ExitFailure
	switch {
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		// Not a busy port: no interface of this machine has the address.
		hint = "no network interface of this machine has the address of " + addr + ": listen on 127.0.0.1, on 0.0.0.0 for every interface, or on an address `ip addr` lists"
	case errors.Is(err, syscall.EACCES):
		hint = "ports below 1024 need privileges: pass a port from 1024 to 65535, e.g. " + flag + " 127.0.0.1:8655"
	case !errors.Is(err, syscall.EADDRINUSE):
		if _, port, serr := net.SplitHostPort(addr); serr != nil || !validPort(port) {
			// A malformed address or port is a usage error.
			code = ExitUsage
			hint = "give " + flag + " as HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.1:8655 (port 0 picks a free one)"
		}
	}
	if flag == "--edge-addr" {
		hint += `, or --edge-addr "" to run without the edge`
	}
	return &ExitError{Code: code, Err: fmt.Errorf("listen on %s %s: %w", flag, addr, err), Hint: hint}
}

// validPort reports whether port is a number from 0 to 65535 (or a
// service name, which the system resolves).
func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	if err != nil {
		return port != "" && !strings.ContainsAny(port, "0123456789")
	}
	return n >= 0 && n <= 65535
}

// isLoopback reports whether a listening address only accepts connections
// from this machine.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// serveStartError turns local.Start's errors about the flags' values into
// usage errors that name the flag.
func serveStartError(err error) error {
	var le *local.ListenError
	if errors.As(err, &le) {
		flag := map[string]string{"api": "--addr", "edge": "--edge-addr", "s3": "--s3-addr"}[le.Part]
		return listenError(flag, le.Addr, le.Err)
	}
	var oe *local.S3OriginError
	if errors.As(err, &oe) {
		return &FlagError{Err: fmt.Errorf("invalid --s3-origin %s=%s: %w (the data directory holds a bucket by that name: pick another name or another --data-dir)", oe.Bucket, oe.Dir, oe.Err)}
	}
	return err
}
