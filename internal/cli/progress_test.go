package cli

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv"
)

func TestReportProgress(t *testing.T) {
	tests := []struct {
		name string
		live bool
		p    cfinv.Event
		want string
	}{
		{"live with paths", true, cfinv.Event{Kind: cfinv.EventWaitProgress, Elapsed: 12340 * time.Millisecond, Done: 1, Total: 3, PathsDone: 3000, PathsTotal: 4500},
			"\r\x1b[Kwaiting 12.3s: 1/3 batches, 3000/4500 paths completed"},
		{"live without path counts", true, cfinv.Event{Kind: cfinv.EventWaitProgress, Elapsed: time.Second, Done: 0, Total: 2, Err: errors.New("503")},
			"\r\x1b[Kwaiting 1s: 0/2 batches completed (retrying after an error)"},
		{"plain: one line per change", false, cfinv.Event{Kind: cfinv.EventWaitProgress, Elapsed: 2 * time.Second, Done: 1, Total: 2, PathsDone: 2, PathsTotal: 5,
			Changed: []string{"E1/I1: Completed"}},
			"2s E1/I1: Completed (1/2 completed), 2/5 paths done\n"},
		{"plain: nothing changed", false, cfinv.Event{Kind: cfinv.EventWaitProgress, Elapsed: 3 * time.Second, Done: 1, Total: 2}, ""},
		{"plain: error", false, cfinv.Event{Kind: cfinv.EventWaitProgress, Elapsed: 0, Total: 1, Changed: []string{"E1/I1: InProgress"}, Err: errors.New("Throttling")},
			"0s E1/I1: InProgress (0/1 completed)\n0s poll failed, will retry: Throttling\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			reportProgress(&b, tt.live, tt.p)
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}
