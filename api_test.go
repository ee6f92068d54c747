package cfinv

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNewWithCABundle: AWS_CA_BUNDLE set (as on many corporate and CI
// machines) must not stop the client from being built and used. The SDK
// adds the bundle only to an *awshttp.BuildableClient, so New must keep
// that client (adding its attempt timeout) and wrap it in GuardBody after
// the configuration is loaded, not before.
func TestNewWithCABundle(t *testing.T) {
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	testCredentials(t)
	for _, tt := range []struct {
		bundle  string
		trusted bool
	}{{"", false}, {bundle, true}} {
		t.Setenv("AWS_CA_BUNDLE", tt.bundle)
		c, _ := newTestClient(t, srv.URL, 1)
		// The test server answers 404 to everything: any other error
		// than a certificate's means the TLS handshake succeeded.
		_, err := c.Get(t.Context(), "E1", "I1")
		if got := err != nil && !strings.Contains(err.Error(), "certificate"); got != tt.trusted {
			t.Errorf("AWS_CA_BUNDLE=%q: Get error %v; want the server trusted: %v", tt.bundle, err, tt.trusted)
		}
	}
}
