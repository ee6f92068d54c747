package cli

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnreachableEndpointExitCode: a closed port fails at once with exit
// code 8, naming the endpoint and what to check (issue 3).
func TestUnreachableEndpointExitCode(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_REGION": "",
	} {
		t.Setenv(k, v)
	}
	tests := []struct {
		name string
		args []string
		op   string
	}{
		{"invalidate", []string{"invalidate", "--distribution-id", "E1234567", "--timeout", "10m", "/a"}, "create invalidation for E1234567"},
		{"invalidate --wait", []string{"invalidate", "--distribution-id", "E1234567", "--wait", "/a"}, "create invalidation for E1234567"},
		{"wait", []string{"wait", "--distribution-id", "E1234567", "I1"}, "wait for E1234567"},
		{"get", []string{"get", "--distribution-id", "E1234567", "I1"}, "get invalidation for E1234567"},
		{"list", []string{"list", "--distribution-id", "E1234567"}, "list invalidations for E1234567"},
		{"distributions", []string{"distributions"}, "list distributions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, stdout, stderr := TestIO()
			env := map[string]string{"XDG_STATE_HOME": t.TempDir()}
			code := Main(t.Context(), append(tt.args, "--endpoint-url", endpoint), ios, func(k string) string { return env[k] })
			if code != ExitUnreachable {
				t.Errorf("exit code %d, want %d\nstderr:\n%s", code, ExitUnreachable, stderr)
			}
			want := "Error: " + tt.op + ": cannot reach " + endpoint + ": connection refused\n" +
				"Try: is `cfinv serve` running at " + endpoint + "? Check --endpoint-url (or CFINV_ENDPOINT_URL)\n"
			if !strings.HasSuffix(stderr.String(), want) {
				t.Errorf("stderr:\n%s\nwant it to end with:\n%s", stderr, want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
}
