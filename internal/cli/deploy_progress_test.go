package cli

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/deploy"
)

func TestDeployLine(t *testing.T) {
	for _, tc := range []struct {
		name    string
		s       deployStep
		elapsed time.Duration
		want    string
	}{
		{"scan started", deployStep{Step: deploy.StepScan, Total: 40}, 0, "scan: 0/40 files"},
		{"scan ETA from files", deployStep{Step: deploy.StepScan, Done: 10, Total: 40}, 2 * time.Second, "scan: 10/40 files, ETA 6.0s"},
		{"compare done", deployStep{Step: deploy.StepCompare, Done: 40, Total: 40}, 1500 * time.Millisecond, "compare: 40/40 objects, done in 1.5s"},
		{"upload rate and ETA from bytes", deployStep{Step: deploy.StepAssets, Done: 3, Total: 12, Bytes: 2_000_000, TotalBytes: 10_000_000}, 2 * time.Second,
			"upload assets: 3/12 objects, 2.0 MB/10.0 MB, 1.0 MB/s, ETA 8.0s"},
		{"upload nothing sent yet", deployStep{Step: deploy.StepEntries, Total: 2, TotalBytes: 2048}, time.Second, "upload entries: 0/2 objects, 0 B/2.0 kB"},
		{"upload long ETA", deployStep{Step: deploy.StepAssets, Done: 1, Total: 9, Bytes: 1_000_000, TotalBytes: 2_000_000_000}, 10 * time.Second,
			"upload assets: 1/9 objects, 1.0 MB/2.00 GB, 100.0 kB/s, ETA 5h33m"},
		{"upload done", deployStep{Step: deploy.StepAssets, Done: 2, Total: 2, Bytes: 900, TotalBytes: 900}, 65 * time.Second,
			"upload assets: 2/2 objects, 900 B/900 B, 13 B/s, done in 1m05s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := deployLine(tc.s, tc.elapsed); got != tc.want {
				t.Errorf("deployLine = %q, want %q", got, tc.want)
			}
		})
	}
}

// events is a deploy as Run reports it: the scan, the comparison (no
// start event), assets in two groups, entries, the invalidation's message
// and an empty deletion step.
var deployEvents = []deploy.Event{
	{Step: deploy.StepScan, Total: 3},
	{Step: deploy.StepScan, Key: "a.css", Done: 1, Total: 3},
	{Step: deploy.StepScan, Key: "b.js", Done: 2, Total: 3},
	{Step: deploy.StepScan, Key: "index.html", Done: 3, Total: 3},
	{Step: deploy.StepCompare, Key: "a.css", Done: 1, Total: 3},
	{Step: deploy.StepCompare, Key: "b.js", Done: 2, Total: 3},
	{Step: deploy.StepCompare, Key: "index.html", Done: 3, Total: 3},
	{Step: deploy.StepAssets, Total: 2, TotalBytes: 3000},
	{Step: deploy.StepAssets, Key: "b.js", Done: 1, Total: 2, Bytes: 1000, TotalBytes: 3000},
	{Step: deploy.StepAssets, Key: "a.css", Done: 2, Total: 2, Bytes: 3000, TotalBytes: 3000},
	{Step: deploy.StepEntries, Total: 1, TotalBytes: 500},
	{Step: deploy.StepEntries, Key: "index.html", Done: 1, Total: 1, Bytes: 500, TotalBytes: 500},
	{Step: deploy.StepInvalidate, Total: 1, Message: "E1: 1 paths for 1 URLs"},
	{Step: deploy.StepDelete},
}

// TestDeployProgressPlain: off a terminal, one line per step when it
// starts, and the messages; nothing for an empty step.
func TestDeployProgressPlain(t *testing.T) {
	var b bytes.Buffer
	p := newDeployProgress(&b, false, nil)
	for _, e := range deployEvents {
		p.event(e)
	}
	p.end()
	want := "scan: 3 files\n" +
		"compare: 3 objects\n" +
		"upload assets: 2 objects, 3.0 kB\n" +
		"upload entries: 1 object, 500 B\n" +
		"invalidate: E1: 1 paths for 1 URLs\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// TestDeployProgressLive: on a terminal the line is redrawn in place and
// each step's last state stays on its own line.
func TestDeployProgressLive(t *testing.T) {
	var b bytes.Buffer
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	p := newDeployProgress(&b, true, func() time.Time { return now })
	for _, e := range deployEvents {
		now = now.Add(time.Second)
		p.event(e)
	}
	p.end()
	want := "\r\x1b[Kscan: 0/3 files" +
		"\r\x1b[Kscan: 1/3 files, ETA 2.0s" +
		"\r\x1b[Kscan: 2/3 files, ETA 1.0s" +
		"\r\x1b[Kscan: 3/3 files, done in 3.0s" +
		"\r\x1b[Kscan: 3/3 files, done in 4.0s\n" +
		"\r\x1b[Kcompare: 1/3 objects" +
		"\r\x1b[Kcompare: 2/3 objects, ETA 0.5s" +
		"\r\x1b[Kcompare: 3/3 objects, done in 2.0s" +
		"\r\x1b[Kcompare: 3/3 objects, done in 3.0s\n" +
		"\r\x1b[Kupload assets: 0/2 objects, 0 B/3.0 kB" +
		"\r\x1b[Kupload assets: 1/2 objects, 1.0 kB/3.0 kB, 1.0 kB/s, ETA 2.0s" +
		"\r\x1b[Kupload assets: 2/2 objects, 3.0 kB/3.0 kB, 1.5 kB/s, done in 2.0s" +
		"\r\x1b[Kupload assets: 2/2 objects, 3.0 kB/3.0 kB, 1.0 kB/s, done in 3.0s\n" +
		"\r\x1b[Kupload entries: 0/1 objects, 0 B/500 B" +
		"\r\x1b[Kupload entries: 1/1 objects, 500 B/500 B, 500 B/s, done in 1.0s" +
		"\r\x1b[Kupload entries: 1/1 objects, 500 B/500 B, 250 B/s, done in 2.0s\n" +
		"invalidate: E1: 1 paths for 1 URLs\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}
