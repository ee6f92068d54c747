package cli

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// BenchmarkInvalidateCommand is one `cfinv invalidate --distribution-id D
// /a /b` in-process, against the emulator on loopback: what a run costs
// after the process has started (flags, configuration, journal, the
// signed round trip, output). bench/client measures whole processes.
func BenchmarkInvalidateCommand(b *testing.B) {
	srv := httptest.NewServer(emulator.New(emulator.Options{Store: store.NewMem()}).Handler())
	defer srv.Close()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": filepath.Join(b.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(b.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_REGION": "us-east-1",
	} {
		b.Setenv(k, v)
	}
	dist, err := harness.CreateDistribution(b.Context(), harness.SDK(srv.URL), "bench-cli")
	if err != nil {
		b.Fatal(err)
	}
	state := b.TempDir()
	env := map[string]string{"XDG_STATE_HOME": state}
	args := []string{"invalidate", "--endpoint-url", srv.URL, "--distribution-id", dist, "/a", "/b"}
	for b.Loop() {
		// A journal of one earlier run, not of every earlier iteration.
		_ = os.RemoveAll(filepath.Join(state, "cfinv", "journal"))
		ios, _, _, errOut := TestIO()
		if code := Main(b.Context(), args, ios, func(k string) string { return env[k] }); code != 0 {
			b.Fatalf("exit %d: %s", code, errOut)
		}
	}
}
