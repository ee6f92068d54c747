package cfinv

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestNewAPIWithCABundle: AWS_CA_BUNDLE set (as on many corporate and CI
// machines) must not stop the client from being built. The SDK adds the
// bundle only to an *awshttp.BuildableClient, so GuardBody must wrap the
// client after the configuration is loaded, not before.
func TestNewAPIWithCABundle(t *testing.T) {
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	testCredentials(t)
	for _, bundleEnv := range []string{"", bundle} {
		t.Setenv("AWS_CA_BUNDLE", bundleEnv)
		if _, err := NewAPI(t.Context(), Config{EndpointURL: srv.URL}); err != nil {
			t.Errorf("NewAPI with AWS_CA_BUNDLE=%q: %v", bundleEnv, err)
		}
	}
}
