//go:build unix && !linux

package harness

import "syscall"

const groupsSupported = true

// groupAttr puts a child in a process group of its own. Only Linux has a
// parent-death signal: elsewhere the watchdog alone kills the group when
// the test binary exits.
func groupAttr(bool) *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func isGroupLeader(a *syscall.SysProcAttr) bool { return a.Setpgid && a.Pgid == 0 }

func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }
