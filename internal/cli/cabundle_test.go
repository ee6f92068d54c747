package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCABundleOnlyForTLS: AWS_CA_BUNDLE is left to the SDK only when the
// run may open a TLS connection (issue 16). A bundle that is not PEM shows
// which: the SDK refuses it at configuration time, so a run that loads it
// fails, and one that does not gets a client; the variable is set again
// afterwards.
func TestCABundleOnlyForTLS(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "not-pem.crt")
	if err := os.WriteFile(bad, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_REGION": "us-east-1",
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_CLOUDFRONT": "", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "",
		"AWS_CA_BUNDLE": bad,
	}
	tests := []struct {
		name     string
		flags    awsFlags
		env      map[string]string
		loadsPEM bool
	}{
		{"http endpoint flag, static keys", awsFlags{EndpointURL: "http://127.0.0.1:8655"}, nil, false},
		{"http endpoint from AWS_ENDPOINT_URL_CLOUDFRONT", awsFlags{}, map[string]string{"AWS_ENDPOINT_URL_CLOUDFRONT": "http://127.0.0.1:8655"}, false},
		{"http endpoint from AWS_ENDPOINT_URL", awsFlags{}, map[string]string{"AWS_ENDPOINT_URL": "HTTP://localhost:8655"}, false},
		{"https endpoint", awsFlags{EndpointURL: "https://127.0.0.1:8655"}, nil, true},
		{"CloudFront itself", awsFlags{}, nil, true},
		{"configured endpoints ignored", awsFlags{}, map[string]string{"AWS_ENDPOINT_URL_CLOUDFRONT": "http://127.0.0.1:8655", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, true},
		{"a profile (may assume a role over TLS)", awsFlags{EndpointURL: "http://127.0.0.1:8655", Profile: "default"}, nil, true},
		{"no static keys (may call a credentials endpoint)", awsFlags{EndpointURL: "http://127.0.0.1:8655"}, map[string]string{"AWS_SECRET_ACCESS_KEY": ""}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range base {
				t.Setenv(k, v)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.flags.Profile != "" {
				cfg := filepath.Join(t.TempDir(), "config")
				if err := os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("AWS_CONFIG_FILE", cfg)
			}
			_, err := tt.flags.newClient(&IO{})(context.Background())
			switch {
			case tt.loadsPEM && (err == nil || !strings.Contains(err.Error(), "CA bundle")):
				t.Errorf("newClient: %v; want the SDK's error about the CA bundle (it should have read AWS_CA_BUNDLE)", err)
			case !tt.loadsPEM && err != nil:
				t.Errorf("newClient: %v; want a client (AWS_CA_BUNDLE is not needed without TLS)", err)
			}
			if got := os.Getenv("AWS_CA_BUNDLE"); got != bad {
				t.Errorf("AWS_CA_BUNDLE after newClient = %q, want %q again", got, bad)
			}
		})
	}
}
