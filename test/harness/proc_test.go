//go:build linux

package harness

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// orphanHelperEnv makes TestOrphanHelper, run as a child test binary,
// start its processes and wait to be killed.
const orphanHelperEnv = "CFINV_HARNESS_ORPHAN_HELPER"

// TestOrphanHelper is not a test of its own: TestStartProcessDiesWithTestBinary
// runs it in a child test binary. It starts bash, which starts a sleep in
// the background (a grandchild, as terraform's provider plugins are) and
// becomes a sleep itself (the child); it prints both PIDs and blocks.
func TestOrphanHelper(t *testing.T) {
	if os.Getenv(orphanHelperEnv) != "1" {
		t.Skip("run by TestStartProcessDiesWithTestBinary")
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-c", `sleep 1000 & echo "grandchild $!"; exec sleep 1000`)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := StartProcess(cmd); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("child %d %s", cmd.Process.Pid, line)
	if os.Getenv(orphanHelperEnv+"_PANIC") == "1" {
		// What go test's -timeout does: testing's alarm panics on a
		// goroutine of its own, so the process exits and no cleanup runs.
		// Done here at once rather than with a short -test.timeout, which a
		// loaded machine could reach before the PIDs are printed.
		go func() { panic("test timed out (simulated)") }()
	}
	select {} // until killed, or until the panic ends the process
}

// TestStartProcessDiesWithTestBinary checks that a process StartProcess
// started, and the process that one started, are gone once the test binary
// dies without running its cleanups: killed by SIGKILL, or by go test's
// -timeout panic (issue: a timed-out test/interop left `cfinv serve` and
// terraform-provider-aws running for an hour).
func TestStartProcessDiesWithTestBinary(t *testing.T) {
	tests := []struct {
		name  string
		panic bool // the helper panics as go test's -timeout makes it
		kill  bool // SIGKILL the helper once it printed its PIDs
	}{
		{name: "SIGKILL", kill: true},
		{name: "timeout panic", panic: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			helper := exec.Command(os.Args[0], "-test.run=^TestOrphanHelper$", "-test.timeout=10m")
			helper.Env = append(os.Environ(), orphanHelperEnv+"=1")
			if tt.panic {
				helper.Env = append(helper.Env, orphanHelperEnv+"_PANIC=1")
			}
			out, err := helper.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := StartProcess(helper); err != nil {
				t.Fatal(err)
			}
			defer Reap(helper)
			var child, grandchild int
			line, err := bufio.NewReader(out).ReadString('\n')
			if _, serr := fmt.Sscanf(line, "child %d grandchild %d", &child, &grandchild); err != nil || serr != nil {
				t.Fatalf("helper printed %q (%v, %v), want its PIDs", line, err, serr)
			}
			// Should the test fail, the sleeps must not outlive it either.
			t.Cleanup(func() {
				for _, pid := range []int{child, grandchild} {
					if alive(pid) {
						_ = syscall.Kill(pid, syscall.SIGKILL)
					}
				}
			})
			if tt.kill {
				if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
			}
			err = helper.Wait()
			t.Logf("helper exited: %v", err)
			// The kernel and the helper's watchdog kill the sleeps
			// asynchronously: wait for it, with a bound far above the few
			// milliseconds it takes.
			for _, p := range []struct {
				what string
				pid  int
			}{{"child", child}, {"grandchild", grandchild}} {
				deadline := time.Now().Add(time.Minute)
				for alive(p.pid) && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				if alive(p.pid) {
					t.Errorf("the helper's %s (PID %d) still runs a minute after the helper died", p.what, p.pid)
				}
			}
		})
	}
}

// alive reports whether pid is a process that has not exited (a zombie
// waiting for its parent to reap it has exited).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, ok := strings.Cut(string(stat), ") ")
	return ok && !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

func TestDescribeGroup(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := StartProcess(cmd); err != nil {
		t.Fatal(err)
	}
	// The child may not have exec'd sleep yet: its command is then still
	// the test binary's, but its PID and group are right from the start.
	got := DescribeGroup(cmd.Process.Pid)
	Reap(cmd)
	_ = cmd.Wait()
	if want := fmt.Sprintf("pid %d (", cmd.Process.Pid); !strings.Contains(got, want) {
		t.Fatalf("DescribeGroup(%d) = %q, want a line starting %q", cmd.Process.Pid, got, want)
	}
	if got := DescribeGroup(cmd.Process.Pid); !strings.HasPrefix(got, "no process left") {
		t.Fatalf("after Reap: DescribeGroup = %q, want no process left", got)
	}
}
