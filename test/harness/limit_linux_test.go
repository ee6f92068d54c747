//go:build linux

package harness

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// spinHelperEnv makes this test binary, run as a child by
// TestLimitDoesNotChargeWaitingForACPU, spin instead of running tests.
const spinHelperEnv = "CFINV_HARNESS_SPIN_HELPER"

// spinCPU is the CPU time the spinning child uses.
const spinCPU = 300 * time.Millisecond

// TestMain runs the spinning child when asked (no test runs then), else
// the tests.
func TestMain(m *testing.M) {
	if os.Getenv(spinHelperEnv) == "1" {
		if err := spin(spinCPU); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// spin uses cpu of CPU time (its own clock, so the work is the same
// however loaded the machine is) and returns.
func spin(cpu time.Duration) error {
	for {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return fmt.Errorf("getrusage: %w", err)
		}
		if time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) >= cpu {
			return nil
		}
		for i := 0; i < 1_000_000; i++ {
			runtime.KeepAlive(i)
		}
	}
}

// TestLimitDoesNotChargeWaitingForACPU pins a child that needs spinCPU of
// CPU time to one CPU together with seven processes that spin forever, so
// the child gets about an eighth of the CPU: its wall time passes its
// limit while its charged time stays near its CPU time, and it ends on its
// own. A wall-clock limit would have killed it.
func TestLimitDoesNotChargeWaitingForACPU(t *testing.T) {
	if _, err := exec.LookPath("taskset"); err != nil {
		t.Fatal("taskset (util-linux) pins the processes of this test to one CPU: install util-linux")
	}
	cpu := "0"
	for range 7 {
		hog := exec.Command("taskset", "-c", cpu, "sh", "-c", "while :; do :; done")
		if err := StartProcess(hog); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { Reap(hog); _ = hog.Wait() })
	}
	const limit = time.Second
	l, ctx := NewLimit(t.Context(), limit)
	cmd := exec.CommandContext(ctx, "taskset", "-c", cpu, os.Args[0])
	// A -race binary sleeps a second before it exits (GORACE's
	// atexit_sleep_ms): asleep, that second would be charged in full.
	cmd.Env = append(os.Environ(), spinHelperEnv+"=1", "GOMAXPROCS=1", "GORACE=atexit_sleep_ms=0")
	out, err := CombinedOutputWithin(cmd, l)
	if err != nil {
		t.Fatalf("the spinning child: %v\n%s", err, out)
	}
	t.Logf("the child needed %v of CPU: %s", spinCPU, l)
	if w := l.wallSoFar(); w <= limit {
		t.Fatalf("the child took %v of wall time, within its %v limit: the hogs did not contend, so this run shows nothing", w, limit)
	}
}
