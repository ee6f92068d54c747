package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionOf pins issue 11 item 9: --version names the module version
// and the VCS revision of the build, and says "dev" only when the build
// carries neither.
func TestVersionOf(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name    string
		release string
		bi      *debug.BuildInfo
		want    string
	}{
		{"no build info", "", nil, "dev"},
		{"devel without vcs", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"go install module@version", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{"go build in a clone", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201120000-0123456789ab"}, Settings: vcs("false")}, "v0.0.0-20261201120000-0123456789ab, revision " + rev},
		{"dirty tree", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201120000-0123456789ab+dirty"}, Settings: vcs("true")}, "v0.0.0-20261201120000-0123456789ab+dirty, revision " + rev + " (modified)"},
		{"devel with vcs", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("false")}, "(devel), revision " + rev},
		{"release from ldflags wins", "v2.0.0", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("false")}, "v2.0.0, revision " + rev},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionOf(tt.release, tt.bi); got != tt.want {
				t.Errorf("versionOf(%q, …) = %q, want %q", tt.release, got, tt.want)
			}
		})
	}
}

// TestCompletionListed pins issue 11 item 9: completion is a listed
// command and prints a script for every shell.
func TestCompletionListed(t *testing.T) {
	ios, _, stdout, _ := TestIO()
	if code := Main(t.Context(), []string{"--help"}, ios, func(string) string { return "" }); code != ExitOK {
		t.Fatalf("cfinv --help: exit %d", code)
	}
	if !strings.Contains(stdout.String(), "completion") {
		t.Errorf("cfinv --help does not list completion:\n%s", stdout)
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		t.Run(shell, func(t *testing.T) {
			ios, _, stdout, stderr := TestIO()
			if code := Main(t.Context(), []string{"completion", shell}, ios, func(string) string { return "" }); code != ExitOK || !strings.Contains(stdout.String(), "cfinv") {
				t.Errorf("cfinv completion %s: exit %d, %d bytes of script, stderr %q", shell, code, stdout.Len(), stderr)
			}
		})
	}
}
