package integrations

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/test/harness"
)

// actVersion is the nektos/act release the tests run action.yml with.
const actVersion = "v0.2.89"

// actInstall is the command that installs act where actBinary looks
// (.ci/run runs it when act is missing).
const actInstall = `GOBIN="${XDG_CACHE_HOME:-$HOME/.cache}/cfinv-tools/act-` + actVersion + `" go install github.com/nektos/act@` + actVersion

// actBinary returns act, from the tool cache .ci/run installs it in, or
// fails the test with the command that installs it: a missing runner
// never skips this test.
func actBinary(t *testing.T) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("find the user cache directory for act: %v", err)
	}
	bin := filepath.Join(cache, "cfinv-tools", "act-"+actVersion, "act")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("act %s is required to run action.yml under a real runner implementation, and %s is missing (%v). Install it with:\n\t%s",
			actVersion, bin, err, actInstall)
	}
	return bin
}

// actWorkflow runs the action three times in one job, as a workflow
// would: a deploy to two distributions (an ID and an alias) of paths with
// spaces and shell metacharacters, the same deploy again in another order
// (a re-run: the same deploy-id buys nothing) and a deploy with the
// deploy-id the action's description recommends for invalidating on
// every attempt; a last step writes the steps' outputs to %[4]s, and
// notes there if shell code from an input ran. %[1]s is the distribution,
// %[2]s the alias, %[3]s the endpoint.
const actWorkflow = `on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      # act copies the local repository into the workspace instead.
      - uses: actions/checkout@v4
      - id: first
        uses: ./
        with:
          distribution-id: |
            %[1]s
            %[2]s
          paths: |
            /index.html
            /docs/getting started.html
              /img/*
            /q"$(touch pwned)"` + "`touch pwned2`" + `
          endpoint-url: %[3]s
      - id: again
        uses: ./
        with:
          distribution-id: %[1]s
          paths: |
            /q"$(touch pwned)"` + "`touch pwned2`" + `
            /img/*
            /index.html
            /docs/getting started.html
          endpoint-url: %[3]s
      - id: attempt
        uses: ./
        with:
          distribution-id: %[1]s
          paths: /index.html
          endpoint-url: %[3]s
          deploy-id: ${{ github.sha }}-${{ github.run_attempt }}
      - env:
          FIRST: ${{ steps.first.outputs.invalidation-ids }} ${{ steps.first.outputs.billed-paths }}
          AGAIN: ${{ steps.again.outputs.invalidation-ids }} ${{ steps.again.outputs.billed-paths }}
          ATTEMPT: ${{ steps.attempt.outputs.invalidation-ids }} ${{ steps.attempt.outputs.billed-paths }}
        run: |
          printf 'first %%s\nagain %%s\nattempt %%s\n' "$FIRST" "$AGAIN" "$ATTEMPT" > '%[4]s'
          if test -e pwned || test -e pwned2; then echo 'shell code ran' >> '%[4]s'; fi
`

// runAct commits action.yml and files (path → body) to a fresh
// repository and runs its workflow .github/workflows/deploy.yml under act
// with env added to the job's environment: on the host (-P
// ubuntu-latest=-self-hosted: no Docker) and offline (see
// TestActionUnderAct), with the cfinv of binDir on PATH. It returns act's
// log, the commit's SHA and act's error.
func runAct(t *testing.T, binDir string, env []string, files map[string]string) (log, sha string, err error) {
	t.Helper()
	act := actBinary(t)
	root := t.TempDir()
	repo, home, cache := filepath.Join(root, "repo"), filepath.Join(root, "home"), filepath.Join(root, "act-cache")
	for _, d := range []string{filepath.Join(repo, ".github", "workflows"), home, cache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	action, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	files = maps.Clone(files)
	files["action.yml"] = string(action)
	for name, body := range files {
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env = append(baseEnv(home, binDir), append([]string{
		"ACT_DISABLE_VERSION_CHECK=1", // act asks its project's server for notices otherwise
		"HTTP_PROXY=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9", "ALL_PROXY=http://127.0.0.1:9",
		"http_proxy=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9", "all_proxy=http://127.0.0.1:9",
		"NO_PROXY=127.0.0.1,::1,localhost", "no_proxy=127.0.0.1,::1,localhost",
		"GOPROXY=off", "DOCKER_HOST=",
		"GIT_AUTHOR_NAME=cfinv test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=cfinv test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1"}, env...)...)
	// Each command's limit ends a hang; time it waits for a CPU is not
	// charged (harness.Limit).
	run := func(name string, args ...string) (string, error) {
		lim, ctx := harness.NewLimit(t.Context(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir, cmd.Env = repo, env
		out, err := harness.CombinedOutputWithin(cmd, lim)
		return string(out), err
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "deploy"}} {
		if out, err := run("git", args...); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	sha, err = run("git", "rev-parse", "HEAD")
	if err != nil {
		t.Fatalf("git rev-parse: %v\n%s", err, sha)
	}
	log, err = run(act, "push", "-W", ".github/workflows/deploy.yml",
		"-P", "ubuntu-latest=-self-hosted", "--action-offline-mode", "--no-cache-server",
		"--action-cache-path", cache, "--container-daemon-socket", "-")
	return log, strings.TrimSpace(sha), err
}

// TestActionUnderAct runs action.yml under nektos/act, a runner
// implementation that loads the action as GitHub's runner does, on the
// host (-P ubuntu-latest=-self-hosted: no Docker) and offline: the
// action is the local ./, act's checkout copies the repository, the
// version check is off, every proxy variable points at a closed
// loopback port and GOPROXY is off. Traced with strace, act's one socket
// to another host is a UDP connect to 8.8.8.8:80 by which it learns its
// outbound address: that sends no packet. The action finds the cfinv
// built from this tree on PATH and installs nothing.
//
// It checks the invalidations, the outputs, the job summary and the
// grouped wait, then runs the same commit again on a fresh runner (a new
// HOME: no journal), which buys nothing.
//
// Regression test: action.yml's deploy-id description held an expression,
// which the runner evaluates when it loads the action, where no github
// context exists, and refuses ("Unrecognized named-value: 'github'"; act:
// "expressions are not allowed here"); the stand-in runner of the other
// tests cannot see it.
func TestActionUnderAct(t *testing.T) {
	s := startSite(t)
	outputs := filepath.Join(t.TempDir(), "outputs.txt")
	files := map[string]string{
		".github/workflows/deploy.yml": fmt.Sprintf(actWorkflow, s.dist, "www.example.com", s.url, outputs),
	}
	log, sha, err := runAct(t, s.binDir, commitDate, files)
	if err != nil {
		t.Fatalf("act: %v\n%s", err, log)
	}
	if n := strings.Count(log, "installing nothing"); n != 3 {
		t.Errorf("the install step said %q %d times, want 3 (cfinv on PATH, nothing installed):\n%s", "installing nothing", n, log)
	}
	invs := s.invalidations(t)
	// With a deploy ID (the action always has one) a batch is the sorted
	// set of its paths, so a reordered re-run makes the same batch.
	wantPaths := [][]string{{"/docs/getting%20started.html", "/img/*", "/index.html", "/q%22$(touch%20pwned)%22%60touch%20pwned2%60"}, {"/index.html"}}
	if len(invs) != 2 || !slices.Equal(invs[0].Paths, wantPaths[0]) || !slices.Equal(invs[1].Paths, wantPaths[1]) {
		t.Fatalf("server has %+v, want two invalidations, of %q and %q (the re-run buys nothing)\n%s", invs, wantPaths[0], wantPaths[1], log)
	}
	got, err := os.ReadFile(outputs)
	if err != nil {
		t.Fatalf("the workflow wrote no outputs: %v\n%s", err, log)
	}
	want := fmt.Sprintf("first %s 4\nagain %s 0\nattempt %s 1\n", invs[0].ID, invs[0].ID, invs[1].ID)
	if string(got) != want {
		t.Errorf("step outputs:\n%s\nwant:\n%s\nact's log:\n%s", got, want, log)
	}
	// The deploy-ids: the commit SHA (the default, github.sha), then the
	// SHA and the attempt.
	for i, id := range []string{sha, sha + "-1"} {
		if got, want := invs[i].CallerReference, cfinv.DeployReference(s.dist, invs[i].Paths, id); got != want {
			t.Errorf("invalidation %d: caller reference %q, want %q, that of deploy-id %s", i, got, want, id)
		}
	}
	// The job summary (act logs each step's) and the grouped wait.
	for _, want := range []string{
		"| " + s.dist + " | " + invs[0].ID + " | 4: `/docs/getting%20started.html` `/img/*` `/index.html` `/q%22$(touch%20pwned)%22%60touch%20pwned2%60` | Completed | 4 |",
		"**4 paths billed**",
		"| " + s.dist + " | " + invs[0].ID + " | 4: `/docs/getting%20started.html` `/img/*` `/index.html` `/q%22$(touch%20pwned)%22%60touch%20pwned2%60` | Completed (earlier run, not billed again) | 0 |",
		"**0 paths billed**",
		"::group::cfinv: waiting for 1 invalidation",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("act's log lacks %q:\n%s", want, log)
		}
	}

	// "Re-run job" on a fresh runner (act starts with a new HOME, so no
	// journal): the same commit, so the same deploy-ids, buys nothing.
	log2, sha2, err := runAct(t, s.binDir, commitDate, files)
	if err != nil {
		t.Fatalf("act, re-run: %v\n%s", err, log2)
	}
	if sha2 != sha {
		t.Fatalf("the re-run's commit is %s, the first run's %s: want the same", sha2, sha)
	}
	if n := len(s.invalidations(t)); n != 2 {
		t.Errorf("re-run on a fresh runner: the server has %d invalidations, want still 2\n%s", n, log2)
	}
	got, err = os.ReadFile(outputs)
	if err != nil {
		t.Fatal(err)
	}
	if ids := strings.Fields(string(got)); len(ids) < 9 || ids[1] != invs[0].ID || ids[4] != invs[0].ID || ids[7] != invs[1].ID {
		t.Errorf("re-run on a fresh runner, step outputs:\n%s\nwant the first run's invalidations %s, %s, %s", got, invs[0].ID, invs[0].ID, invs[1].ID)
	}
}

// commitDate fixes the dates of runAct's commit, so that the same files
// make the same commit (SHA) in a second run, as "Re-run job" checks out.
var commitDate = []string{"GIT_AUTHOR_DATE=2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z"}
