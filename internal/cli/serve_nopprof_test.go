//go:build !pprof

package cli

import (
	"strings"
	"testing"
)

// TestServeNoPprofFlag checks that a build without -tags pprof has no
// --pprof-addr (and none of net/http/pprof's weight).
func TestServeNoPprofFlag(t *testing.T) {
	_, err := parseServe([]string{"--data-dir", "/d", "--pprof-addr", "127.0.0.1:6060"}, nil)
	if err == nil || !strings.Contains(err.Error(), "unknown flag: --pprof-addr") {
		t.Fatalf("got %v, want unknown flag --pprof-addr", err)
	}
	if pprofHandler != nil {
		t.Error("pprofHandler is set without -tags pprof")
	}
}
