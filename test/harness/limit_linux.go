package harness

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// readDelays adds to into the run-queue delay of every thread of the
// processes in the process groups groups and of the processes pids.
func readDelays(groups, pids []int, into map[taskID]time.Duration) {
	procs := slices.Clone(pids)
	if len(groups) > 0 {
		dirs, _ := filepath.Glob("/proc/[0-9]*")
		for _, dir := range dirs {
			pid, err := strconv.Atoi(filepath.Base(dir))
			if err != nil {
				continue
			}
			if pg := processGroup(dir); pg > 0 && slices.Contains(groups, pg) {
				procs = append(procs, pid)
			}
		}
	}
	for _, pid := range procs {
		tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "[0-9]*"))
		for _, task := range tasks {
			tid, err := strconv.Atoi(filepath.Base(task))
			if err != nil {
				continue
			}
			if d, ok := runQueueDelay(task); ok {
				into[taskID{pid, tid}] = d
			}
		}
	}
}

// processGroup reads the process group of the process at dir (/proc/PID),
// or 0.
func processGroup(dir string) int {
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return 0
	}
	// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
	s := string(stat)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 3 {
		return 0
	}
	pg, _ := strconv.Atoi(f[2])
	return pg
}

// runQueueDelay reads how long the thread at dir (/proc/PID/task/TID) has
// waited on a run queue: schedstat's second field, in nanoseconds.
func runQueueDelay(dir string) (time.Duration, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "schedstat"))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	ns, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(ns), true
}
