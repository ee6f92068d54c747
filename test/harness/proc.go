package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"sync"
)

// A test binary that go test kills on its -timeout panics and exits: no
// t.Cleanup runs, so every process a test started would keep running (a
// `cfinv serve` and a terraform-provider-aws were found an hour after such
// a run). StartProcess ties a process, and whatever it starts in turn, to
// the test binary's life in two ways:
//
//   - on Linux the process gets a parent-death signal (SIGKILL). The kernel
//     sends it when the thread that started the child exits, not the
//     process, so every child is started from one goroutine locked to its
//     thread for good: that thread ends only with the test binary;
//   - it runs in a process group of its own, registered with a watchdog: a
//     bash process that reads the registrations on a pipe and, when the
//     pipe reaches end of file (the test binary exited, however it did),
//     kills every group still registered. That reaches the grandchildren
//     (terraform's provider plugins, the processes a script starts), which
//     a parent-death signal does not.
//
// Reap kills the group and takes it off the watchdog's list once the test
// is done with the process; Run, Output and CombinedOutput do it
// themselves.

var (
	spawnOnce sync.Once
	spawn     chan func()

	watchOnce sync.Once
	watchMu   sync.Mutex
	watchIn   io.WriteCloser
	watchErr  error
)

// watchdogScript keeps a set of process group IDs: "+ID" adds one, "-ID"
// removes it. At end of input it kills the groups left. It ignores the
// signals a terminal's Ctrl-C or a hang-up sends, so that it outlives the
// test binary when the user interrupts go test.
const watchdogScript = `trap '' INT TERM HUP
declare -A groups
while read -r line; do
  case $line in
    +*) groups[${line#+}]=1 ;;
    -*) unset "groups[${line#-}]" ;;
  esac
done
for g in "${!groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
exit 0`

// startWatchdog starts the watchdog once per test binary.
func startWatchdog() error {
	watchOnce.Do(func() {
		if !groupsSupported {
			return
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-c", watchdogScript)
		cmd.SysProcAttr = groupAttr(false)
		in, err := cmd.StdinPipe()
		if err != nil {
			watchErr = fmt.Errorf("start the process watchdog: %w", err)
			return
		}
		if err := cmd.Start(); err != nil {
			watchErr = fmt.Errorf("start the process watchdog: %w", err)
			return
		}
		// Reaped when it exits, after the test binary: never waited for.
		go func() { _ = cmd.Wait() }()
		watchIn = in
	})
	return watchErr
}

func tellWatchdog(op byte, pgid int) {
	watchMu.Lock()
	defer watchMu.Unlock()
	if watchIn != nil {
		_, _ = fmt.Fprintf(watchIn, "%c%d\n", op, pgid)
	}
}

// startOnLockedThread runs cmd.Start on the one goroutine locked to its OS
// thread for the life of the test binary (see the parent-death signal
// above).
func startOnLockedThread(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawn = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the process
			for f := range spawn {
				f()
			}
		}()
	})
	done := make(chan error, 1)
	spawn <- func() { done <- cmd.Start() }
	return <-done
}

// StartProcess starts cmd in a process group of its own that is killed
// when the test binary exits, however it exits (a -timeout panic, a
// SIGKILL, os.Exit): see the package's notes above. cmd.SysProcAttr must
// be nil; StartProcess sets it. After cmd.Wait, call Reap.
func StartProcess(cmd *exec.Cmd) error {
	if cmd.SysProcAttr != nil {
		return errors.New("start process: SysProcAttr is already set; StartProcess sets it")
	}
	if err := startWatchdog(); err != nil {
		return err
	}
	cmd.SysProcAttr = groupAttr(true)
	if err := startOnLockedThread(cmd); err != nil {
		return err
	}
	tellWatchdog('+', cmd.Process.Pid)
	return nil
}

// Reap kills what is left of cmd's process group (the processes cmd
// started and left behind) and takes the group off the watchdog's list.
// Call it after cmd.Wait returned; it is a no-op for a cmd StartProcess
// did not start.
func Reap(cmd *exec.Cmd) {
	if cmd.Process == nil || cmd.SysProcAttr == nil || !isGroupLeader(cmd.SysProcAttr) {
		return
	}
	killGroup(cmd.Process.Pid)
	tellWatchdog('-', cmd.Process.Pid)
}

// Run is cmd.Run through StartProcess, then Reap.
func Run(cmd *exec.Cmd) error {
	if err := StartProcess(cmd); err != nil {
		return err
	}
	defer Reap(cmd)
	return cmd.Wait()
}

// Output is cmd.Output through StartProcess, then Reap. Like cmd.Output,
// it returns stderr in the *exec.ExitError when cmd.Stderr is nil.
func Output(cmd *exec.Cmd) ([]byte, error) {
	if cmd.Stdout != nil {
		return nil, errors.New("output: Stdout already set")
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	captureErr := cmd.Stderr == nil
	if captureErr {
		cmd.Stderr = &stderr
	}
	err := Run(cmd)
	if ee, ok := err.(*exec.ExitError); ok && captureErr {
		ee.Stderr = stderr.Bytes()
	}
	return stdout.Bytes(), err
}

// CombinedOutput is cmd.CombinedOutput through StartProcess, then Reap.
func CombinedOutput(cmd *exec.Cmd) ([]byte, error) {
	if cmd.Stdout != nil || cmd.Stderr != nil {
		return nil, errors.New("combined output: Stdout or Stderr already set")
	}
	var b Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := Run(cmd)
	return []byte(b.String()), err
}
