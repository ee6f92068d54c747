//go:build !unix

package harness

import "syscall"

// Without process groups the test binary kills only the processes it
// started itself, in its cleanups: nothing is there to outlive a panic.
const groupsSupported = false

func groupAttr(bool) *syscall.SysProcAttr { return &syscall.SysProcAttr{} }

func isGroupLeader(*syscall.SysProcAttr) bool { return false }

func killGroup(int) {}
