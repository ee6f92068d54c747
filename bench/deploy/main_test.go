package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStatCPU(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    time.Duration
		wantErr string
	}{
		{
			name: "moto_server",
			stat: "26038 (moto_server) S 1 26035 25547 0 -1 4194304 12095 6511 19 2 60 21 15 18 20 0 1 0 6237974 61947904 13382",
			want: 810 * time.Millisecond, // 60 + 21 ticks; its children's 15 + 18 not counted
		},
		{
			name: "command name with spaces and parentheses",
			stat: "7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 300 2 0 0 20 0 1 0",
			want: 3020 * time.Millisecond,
		},
		{
			name:    "no command name",
			stat:    "7 a R 1 7 7 0 -1 0 0 0 0 0 300 2",
			wantErr: "no ')'",
		},
		{
			name:    "truncated before stime",
			stat:    "7 (a) R 1 7 7 0 -1 0 0 0 0 0 300",
			wantErr: "12 fields after the command name",
		},
		{
			name:    "utime not a number",
			stat:    "7 (a) R 1 7 7 0 -1 0 0 0 0 0 x 2 0 0",
			wantErr: `utime or stime "x"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := statCPU([]byte(tt.stat))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("statCPU(%q) = %v, %v; want an error containing %q", tt.stat, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("statCPU(%q) = %v, %v; want %v", tt.stat, got, err, tt.want)
			}
		})
	}
}

// TestProcCPUMatchesRusage reads this process's CPU time from /proc
// between two getrusage calls: the kernel adds up the same times for both,
// so procCPU lies between them, give or take one clock tick of rounding.
func TestProcCPUMatchesRusage(t *testing.T) {
	self := func() time.Duration {
		t.Helper()
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	// Enough CPU that a wrong field (the children's times, a fault count)
	// cannot pass.
	x := 0
	for self() < 100*time.Millisecond {
		for i := range 1_000_000 {
			x ^= i * i
		}
	}
	_ = x
	before := self()
	got, err := procCPU(os.Getpid())
	after := self()
	if err != nil {
		t.Fatal(err)
	}
	if got < before-2*clockTick || got > after+2*clockTick {
		t.Errorf("procCPU(self) = %v; getrusage before %v, after %v", got, before, after)
	}
}
