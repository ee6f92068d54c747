package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsNameTheProblem covers issue errors 8: each error says what is
// wrong and what to do, with the right exit code, and nothing of the SDK's
// own logging comes first.
func TestErrorsNameTheProblem(t *testing.T) {
	home := t.TempDir()
	cfgFile, credFile := filepath.Join(home, "config"), filepath.Join(home, "credentials")
	if err := os.WriteFile(cfgFile, []byte("[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credFile, []byte("[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// An instance metadata service on loopback that has no role: the
	// SDK warns "falling back to IMDSv1" on its 404 to the token request.
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }))
	t.Cleanup(imds.Close)
	site := t.TempDir()
	for _, f := range []string{"img/a.png", "img/b.png"} {
		if err := os.MkdirAll(filepath.Join(site, filepath.Dir(f)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(site, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string // for the SDK (process environment)
		code    int
		want    []string // in stderr, the SDK's log included
		notWant []string
	}{
		{"--profile that does not exist", []string{"invalidate", "--distribution-id", "E1ABCDEFGH", "--endpoint-url", "http://127.0.0.1:9", "--profile", "nosuch", "/a"},
			nil, ExitUsage,
			[]string{`--profile "nosuch": no such profile in ` + cfgFile + " or " + credFile, "Try: profiles defined there: ci, default, dev; give one of them with --profile"},
			[]string{"failed to get shared config profile"}},
		{"AWS_PROFILE that does not exist", []string{"invalidate", "--distribution-id", "E1ABCDEFGH", "--endpoint-url", "http://127.0.0.1:9", "/a"},
			map[string]string{"AWS_PROFILE": "nosuch"}, ExitUsage,
			[]string{`AWS_PROFILE "nosuch": no such profile`, "give one of them with AWS_PROFILE"}, nil},
		{"missing credentials", []string{"invalidate", "--distribution-id", "E1ABCDEFGH", "--endpoint-url", "http://127.0.0.1:9", "/a"},
			map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_CONFIG_FILE": filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "none"),
				"AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.URL}, ExitAuth,
			[]string{"no AWS credentials found in the SDK's default chain", "Try: set AWS_PROFILE or --profile"},
			[]string{"WARN", "falling back to IMDSv1", "failed to refresh cached credentials"}},
		{"serve on a port out of range", []string{"serve", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:99999", "--edge-addr", ""}, nil, ExitUsage,
			[]string{"Try: give --addr as HOST:PORT with a port from 0 to 65535"}, []string{"stop the process"}},
		{"serve on an address of no interface", []string{"serve", "--data-dir", t.TempDir(), "--addr", "192.0.2.1:8655", "--edge-addr", ""}, nil, ExitFailure,
			[]string{"Try: no network interface of this machine has the address of 192.0.2.1:8655"}, []string{"stop the process"}},
		{"serve with an empty --data-dir", []string{"serve", "--data-dir", "", "--addr", "127.0.0.1:0", "--edge-addr", ""}, nil, ExitUsage,
			[]string{`--data-dir "" is empty: give a directory`}, nil},
		{"shell-expanded wildcard", []string{"invalidate", "--distribution-id", "E1ABCDEFGH", "--dry-run", "img/a.png", "img/b.png"}, nil, ExitOK,
			[]string{`Warning: "img/a.png" names a local file: did your shell expand a wildcard? Quote it: '/img/*'`}, []string{"'/*'"}},
	}
	t.Chdir(site)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The SDK reads the process environment; cfinv reads
			// the same variables through Main's getenv.
			env := map[string]string{
				"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
				"AWS_CONFIG_FILE": cfgFile, "AWS_SHARED_CREDENTIALS_FILE": credFile, "AWS_EC2_METADATA_DISABLED": "true",
				"AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.URL, "AWS_REGION": "", "AWS_ENDPOINT_URL_CLOUDFRONT": "", "AWS_ENDPOINT_URL": "",
			}
			for k, v := range tt.env {
				env[k] = v
			}
			for k, v := range env {
				t.Setenv(k, v)
			}
			env["XDG_STATE_HOME"] = t.TempDir()
			ios, _, stdout, stderr := TestIO()
			sdkLog := captureStderr(t, func() {
				if code := Main(t.Context(), tt.args, ios, func(k string) string { return env[k] }); code != tt.code {
					t.Errorf("exit code %d, want %d\nstdout:\n%s", code, tt.code, stdout)
				}
			})
			all := sdkLog + stderr.String()
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("stderr:\n%s\nwant it to contain %q", all, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(all, w) {
					t.Errorf("stderr:\n%s\nwant it not to contain %q", all, w)
				}
			}
		})
	}
}

// captureStderr runs fn with the process's stderr (where the SDK's default
// logger writes) going to a file, and returns what was written there.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = f
	defer func() { os.Stderr = saved }()
	fn()
	os.Stderr = saved
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGlobGuess(t *testing.T) {
	tests := []struct {
		names []string
		want  string
	}{
		{[]string{"index.html"}, "'/*'"},
		{[]string{"index.html", "img/a.png"}, "'/*'"},
		{[]string{"img/a.png", "img/b.png"}, "'/img/*'"},
		{[]string{"a/b/c.png", "a/b/d/e.png"}, "'/a/b/*'"},
		{[]string{"a/b/c.png", "a/x/e.png"}, "'/a/*'"},
	}
	for _, tt := range tests {
		if got := globGuess(tt.names); got != tt.want {
			t.Errorf("globGuess(%q) = %s, want %s", tt.names, got, tt.want)
		}
	}
}
