package cli

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
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
			_, err := tt.flags.newClient(&IO{}, os.Getenv)(context.Background())
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

// TestLoadConfigLeavesTheEnvironment is issue 29 item 4: a load that
// keeps AWS_CA_BUNDLE from the SDK (noTLS) used to unset it in the process
// for the time of the load, so a load running at the same time without
// noTLS (another client in the same process) could miss the bundle and
// fail to verify its TLS server. Now the environment is never changed:
// during a noTLS load the variable is still set, and concurrent TLS loads
// all trust the bundle's server.
func TestLoadConfigLeavesTheEnvironment(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "us-east-1", "AWS_CA_BUNDLE": bundle,
	} {
		t.Setenv(k, v)
	}
	seen := ""
	probe := func(*config.LoadOptions) error {
		seen = os.Getenv("AWS_CA_BUNDLE")
		return nil
	}
	if _, err := loadConfig(t.Context(), true, awshttp.NewBuildableClient(), probe); err != nil {
		t.Fatal(err)
	}
	if seen != bundle {
		t.Errorf("AWS_CA_BUNDLE during a noTLS load = %q, want %q: the load changed the process environment", seen, bundle)
	}

	// TLS loads at the same time as noTLS loads: each must trust the
	// bundle's server.
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		noTLS := i%2 == 0
		wg.Go(func() {
			cfg, err := loadConfig(t.Context(), noTLS, awshttp.NewBuildableClient())
			if err != nil {
				errs <- err
				return
			}
			if noTLS {
				return
			}
			if cfg.HTTPClient == nil { // the SDK's, had it not read AWS_CA_BUNDLE
				errs <- errors.New("a TLS load did not read AWS_CA_BUNDLE")
				return
			}
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
			resp, err := cfg.HTTPClient.Do(req)
			if err != nil {
				errs <- fmt.Errorf("TLS load's client: %w", err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestNewClientReadsTheInjectedEnvironment is issue 29 item 4: the shared
// config files and the "no such profile" error come from Main's getenv,
// not from the process environment.
func TestNewClientReadsTheInjectedEnvironment(t *testing.T) {
	dir := t.TempDir()
	cfgFile, credFile := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	if err := os.WriteFile(cfgFile, []byte("[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credFile, []byte("[ci]\naws_access_key_id = AKIDTEST\naws_secret_access_key = secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The process environment names other files, which do not exist.
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true", "AWS_CA_BUNDLE": "",
	} {
		t.Setenv(k, v)
	}
	env := map[string]string{"AWS_CONFIG_FILE": cfgFile, "AWS_SHARED_CREDENTIALS_FILE": credFile}
	f := &awsFlags{EndpointURL: "http://127.0.0.1:9", Profile: "nosuch"}
	_, err := f.newClient(&IO{}, func(k string) string { return env[k] })(t.Context())
	var ee *ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("newClient: %v, want the usage error of a missing profile", err)
	}
	want := `--profile "nosuch": no such profile in ` + cfgFile + " or " + credFile
	if err.Error() != want || ee.Hint != "profiles defined there: ci, default, dev; give one of them with --profile" {
		t.Errorf("newClient: %q, hint %q; want %q listing the profiles of the injected files", err, ee.Hint, want)
	}
}
