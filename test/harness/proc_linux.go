package harness

import "syscall"

const groupsSupported = true

// groupAttr puts a child in a process group of its own; with dieWithParent
// it also gets SIGKILL when the thread that started it exits.
func groupAttr(dieWithParent bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if dieWithParent {
		a.Pdeathsig = syscall.SIGKILL
	}
	return a
}

func isGroupLeader(a *syscall.SysProcAttr) bool { return a.Setpgid && a.Pgid == 0 }

func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }
