package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DescribeGroup says what each process in process group pgid is doing,
// one line per process: its PID, command, state (R running, S sleeping,
// D in uninterruptible I/O, T stopped, Z zombie), the kernel function it
// waits in, and its threads' states. Tests print it when a child process
// they started seems stuck, before they kill it, so the log shows whether
// it was stopped, waiting on I/O or running.
func DescribeGroup(pgid int) string {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var b strings.Builder
	for _, dir := range dirs {
		stat, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
		s := string(stat)
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) < 3 || fields[2] != strconv.Itoa(pgid) {
			continue
		}
		comm := s[strings.IndexByte(s, '(')+1 : end]
		wchan, _ := os.ReadFile(filepath.Join(dir, "wchan"))
		fmt.Fprintf(&b, "pid %s (%s) state %s ppid %s wchan %q threads [%s]\n",
			filepath.Base(dir), comm, fields[0], fields[1], wchan, threadStates(dir))
	}
	if b.Len() == 0 {
		return fmt.Sprintf("no process left in group %d\n", pgid)
	}
	return b.String()
}

// threadStates counts the states of a process's threads, e.g. "S:12 R:1".
func threadStates(dir string) string {
	tasks, _ := filepath.Glob(filepath.Join(dir, "task", "[0-9]*", "stat"))
	counts := map[string]int{}
	for _, t := range tasks {
		stat, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		s := string(stat)
		if end := strings.LastIndexByte(s, ')'); end >= 0 {
			if f := strings.Fields(s[end+1:]); len(f) > 0 {
				counts[f[0]]++
			}
		}
	}
	var parts []string
	for _, st := range []string{"R", "S", "D", "T", "t", "Z"} {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%s:%d", st, counts[st]))
		}
	}
	return strings.Join(parts, " ")
}
