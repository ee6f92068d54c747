// Package integrations tests the deploy integrations shipped with cfinv:
// the GitHub Action (action.yml), the Octopus Deploy step template
// (integrations/octopus) and the GitLab CI/CD component
// (integrations/gitlab). Each is run as its host would run it, as far as
// that can be done here: its scripts, with the inputs the host would
// substitute, by bash, against a real `cfinv serve` on 127.0.0.1 and the
// cfinv binary built from this tree.
package integrations

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// repoRoot is the module root, where action.yml is.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// site is a running `cfinv serve` with one distribution (alias
// www.example.com) and the cfinv binary that serves it.
type site struct {
	bin    string // the cfinv binary
	binDir string // a directory holding only cfinv, for PATH
	url    string
	dist   string
	srv    *harness.Server
	s3     string // serve's S3 API (startSiteS3), else empty
}

func startSite(t *testing.T, serveArgs ...string) *site {
	t.Helper()
	bin := harness.Binary(t)
	home := t.TempDir()
	srv := harness.StartServe(t, bin, t.TempDir(), harness.Env(home), append([]string{"--addr", "127.0.0.1:0", "--completion-delay", "0"}, serveArgs...)...)
	dist := harness.Distribution(t, harness.SDK(srv.URL), "integrations", harness.Aliases("www.example.com"))
	binDir := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(binDir, "cfinv")); err != nil {
		t.Fatal(err)
	}
	return &site{bin: bin, binDir: binDir, url: srv.URL, dist: dist, srv: srv}
}

// invalidations lists what the server recorded, oldest first.
func (s *site) invalidations(t *testing.T) []harness.Invalidation {
	t.Helper()
	got, err := harness.Snapshot(context.Background(), harness.SDK(s.url), []string{s.dist})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// baseEnv is the environment of a script run by a CI host: harness.Env
// (the harness credentials, HOME under home, no AWS config files) without
// any variable of a CI system this test may itself run in, and PATH
// without any cfinv but the one in binDir ("" for none).
func baseEnv(home, binDir string) []string {
	var env []string
	for _, kv := range harness.Env(home) {
		name, value, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "GITHUB_"), strings.HasPrefix(name, "RUNNER_"),
			strings.HasPrefix(name, "CI_"), name == "CI", name == "GITLAB_CI":
			continue
		case name == "PATH":
			var dirs []string
			if binDir != "" {
				dirs = append(dirs, binDir)
			}
			for d := range strings.SplitSeq(value, string(os.PathListSeparator)) {
				if _, err := os.Stat(filepath.Join(d, "cfinv")); err == nil || d == "" {
					continue // another cfinv: not the one under test
				}
				dirs = append(dirs, d)
			}
			kv = "PATH=" + strings.Join(dirs, string(os.PathListSeparator))
		}
		env = append(env, kv)
	}
	return env
}

// runBash runs script with bash as CI hosts do (no profile or rc files,
// -e and pipefail) in dir, and returns its combined output and exit code.
func runBash(t *testing.T, dir, script string, env []string) (string, int) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "script.sh")
	if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", f)
	cmd.Dir, cmd.Env = dir, env
	out, err := harness.CombinedOutput(cmd)
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run bash: %v", err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

// filesUnder lists the files and directories under dir, relative to it.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var got []string
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

// readOutputs parses a $GITHUB_OUTPUT-style file: name=value lines and
// name<<DELIMITER … DELIMITER blocks.
func readOutputs(t *testing.T, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if k, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(k, "=") {
			var vals []string
			for sc.Scan() && sc.Text() != delim {
				vals = append(vals, sc.Text())
			}
			out[k] = strings.Join(vals, "\n")
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
