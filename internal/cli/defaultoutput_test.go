package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDefaultOutput pins issue 28 item 4: an AWS-named command with no
// --output prints in the format AWS_DEFAULT_OUTPUT names, else the
// profile's output setting in the shared config file, else JSON, as the
// AWS CLI does; cfinv ignored both and always printed JSON. A bad value is
// refused before anything is sent, naming where it came from.
func TestDefaultOutput(t *testing.T) {
	url, _, _, dist := testEmulator(t, 0)
	code, out, stderr := mainIn(t, url, "create-invalidation", "--distribution-id", dist, "--paths", "/a", "--state-dir", t.TempDir(), "--query", "Invalidation.Id", "--output", "text")
	if code != ExitOK {
		t.Fatalf("create-invalidation: exit %d: %s", code, stderr)
	}
	id := strings.TrimSpace(out)
	config := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(config, []byte(`# shared config
[default]
region = us-east-1
Output = text

[profile tabled]
aws_access_key_id = AKIDTEST
aws_secret_access_key = secret
output: table
[profile plain]
s3 =
  max_concurrent_requests = 20
output = json
[profile bad]
output = yaml
`), 0o600); err != nil {
		t.Fatal(err)
	}
	noConfig := filepath.Join(t.TempDir(), "none")
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[default]\noutput = text\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	get := []string{"get-invalidation", "--distribution-id", dist, "--id", id, "--query", "Invalidation.Status"}
	const (
		asJSON = "\"Completed\"\n"
		asText = "Completed\n"
		// The AWS CLI v1's table of a scalar query result: the title
		// alone (seen byte for byte with aws-cli 1.45.11).
		asTable = "-----------------\n|GetInvalidation|\n+---------------+\n"
	)
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		code    int
		want    string
		wantErr string
	}{
		{"nothing set: json", map[string]string{"AWS_CONFIG_FILE": noConfig}, nil, ExitOK, asJSON, ""},
		{"AWS_DEFAULT_OUTPUT", map[string]string{"AWS_CONFIG_FILE": noConfig, "AWS_DEFAULT_OUTPUT": "text"}, nil, ExitOK, asText, ""},
		{"default profile's output", map[string]string{"AWS_CONFIG_FILE": config}, nil, ExitOK, asText, ""},
		{"AWS_DEFAULT_OUTPUT over the profile", map[string]string{"AWS_CONFIG_FILE": config, "AWS_DEFAULT_OUTPUT": "json"}, nil, ExitOK, asJSON, ""},
		{"--output over AWS_DEFAULT_OUTPUT", map[string]string{"AWS_CONFIG_FILE": config, "AWS_DEFAULT_OUTPUT": "text"}, []string{"--output", "json"}, ExitOK, asJSON, ""},
		{"--profile's output", map[string]string{"AWS_CONFIG_FILE": config}, []string{"--profile", "tabled"}, ExitOK, asTable, ""},
		{"AWS_PROFILE's output", map[string]string{"AWS_CONFIG_FILE": config, "AWS_PROFILE": "plain"}, nil, ExitOK, asJSON, ""},
		{"~/.aws/config", map[string]string{"HOME": home}, nil, ExitOK, asText, ""},
		{"bad AWS_DEFAULT_OUTPUT", map[string]string{"AWS_CONFIG_FILE": noConfig, "AWS_DEFAULT_OUTPUT": "yaml"}, nil, ExitUsage, "", `invalid AWS_DEFAULT_OUTPUT "yaml": want json, text or table`},
		{"bad profile output", map[string]string{"AWS_CONFIG_FILE": config, "AWS_PROFILE": "bad"}, nil, ExitUsage, "", `invalid output "yaml" in profile "bad" of ` + config + `: want json, text or table`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, stdout, stderr := TestIO()
			getenv := func(k string) string { return tt.env[k] }
			code := Main(t.Context(), append(append(append([]string{}, get...), tt.args...), "--endpoint-url", url), ios, getenv)
			if code != tt.code || stdout.String() != tt.want || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q and %q", code, stdout, stderr, tt.code, tt.want, tt.wantErr)
			}
		})
	}

	// cfinv's own commands keep their default; a bad value in the
	// environment costs nothing: no invalidation is created.
	t.Run("create-invalidation refuses a bad value before sending", func(t *testing.T) {
		ios, _, stdout, stderr := TestIO()
		getenv := func(k string) string { return map[string]string{"AWS_DEFAULT_OUTPUT": "yaml"}[k] }
		code := Main(t.Context(), []string{"create-invalidation", "--distribution-id", dist, "--paths", "/b", "--state-dir", t.TempDir(), "--endpoint-url", url}, ios, getenv)
		if code != ExitUsage || stdout.Len() != 0 {
			t.Errorf("exit %d, stdout %q, stderr %q; want %d and nothing printed", code, stdout, stderr, ExitUsage)
		}
		_, out, _ := mainIn(t, url, "list-invalidations", "--distribution-id", dist, "--query", "length(InvalidationList.Items)", "--output", "text")
		if out != "1\n" {
			t.Errorf("%s invalidations after the refused create, want 1", strings.TrimSpace(out))
		}
	})
	t.Run("cfinv get keeps its own default", func(t *testing.T) {
		ios, _, stdout, stderr := TestIO()
		getenv := func(k string) string { return map[string]string{"AWS_DEFAULT_OUTPUT": "text"}[k] }
		code := Main(t.Context(), []string{"get", "--distribution-id", dist, id, "--query", "Invalidation.Status", "--endpoint-url", url}, ios, getenv)
		if code != ExitOK || stdout.String() != asJSON {
			t.Errorf("exit %d, stdout %q, stderr %q; want 0 and %q", code, stdout, stderr, asJSON)
		}
	})
}
