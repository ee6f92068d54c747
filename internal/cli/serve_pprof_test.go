//go:build pprof

package cli

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestServePprofFlag checks the addresses --pprof-addr takes and refuses.
func TestServePprofFlag(t *testing.T) {
	tests := []struct {
		addr, err string
	}{
		{"127.0.0.1:6060", ""},
		{"[::1]:6060", ""},
		{"localhost:6060", ""},
		{":6060", `invalid --pprof-addr ":6060": profiles show the server's memory`},
		{"0.0.0.0:6060", `invalid --pprof-addr "0.0.0.0:6060": profiles show the server's memory`},
		{"192.0.2.1:6060", `invalid --pprof-addr "192.0.2.1:6060"`},
		{"127.0.0.1", `invalid --pprof-addr "127.0.0.1": want a loopback HOST:PORT`},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got, err := parseServe([]string{"--data-dir", "/d", "--pprof-addr", tt.addr}, nil)
			if tt.err == "" {
				if err != nil || got.PprofAddr != tt.addr {
					t.Fatalf("got %+v, %v; want PprofAddr %q", got, err, tt.addr)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("got error %v, want one containing %q", err, tt.err)
			}
			if code := exitCode(err); code != ExitUsage {
				t.Errorf("exit code %d, want %d", code, ExitUsage)
			}
		})
	}
}

// TestServePprof checks that --pprof-addr serves the runtime's profiles on
// loopback, and nothing of them on the API's address.
func TestServePprof(t *testing.T) {
	srv := startServe(t, &serveOptions{DataDir: t.TempDir(), PprofAddr: "127.0.0.1:0"})
	m := regexp.MustCompile(`profiles on (http://127\.0\.0\.1:\d+/debug/pprof/)`).FindStringSubmatch(srv.stderr.String())
	if m == nil {
		t.Fatalf("no profiles line in:\n%s", srv.stderr)
	}
	for _, tt := range []struct {
		url, want string
		status    int
	}{
		{m[1] + "goroutine?debug=1", "goroutine profile:", http.StatusOK},
		{m[1] + "heap?debug=1", "heap profile:", http.StatusOK},
		{srv.url + "/debug/pprof/goroutine?debug=1", "MissingAuthenticationToken", http.StatusForbidden},
	} {
		resp, err := http.Get(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
			t.Errorf("GET %s: %d %.200q, want %d with %q", tt.url, resp.StatusCode, body, tt.status, tt.want)
		}
	}
	if err := srv.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}
