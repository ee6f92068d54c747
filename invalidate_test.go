package cfinv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/cfinv/cfinv/test/harness"
)

// TestInvalidateRequest runs Requests through the public API against the
// emulator on loopback: what is sent, what the Result and the events say.
func TestInvalidateRequest(t *testing.T) {
	many := make([]string, 3001)
	for i := range many {
		many[i] = fmt.Sprintf("/p%04d", i)
	}
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		stateDir string
		req      func(dist string) Request
		check    func(t *testing.T, dist string, res *Result, err error, events []Event)
		created  int // invalidations on the distribution afterwards
	}{
		{"dry run sends nothing", "", func(dist string) Request {
			return Request{DistributionID: "www.example.com", Paths: []string{"/b", "/a"}, DeployID: "d1", DryRun: true}
		}, func(t *testing.T, dist string, res *Result, err error, _ []Event) {
			if err != nil {
				t.Fatal(err)
			}
			want := []Batch{{DistributionID: dist, Number: 1, CallerReference: DeployReference(dist, []string{"/a", "/b"}, "d1"), Paths: []string{"/a", "/b"}}}
			if !slices.EqualFunc(want, res.Batches, func(a, b Batch) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) || res.BilledPaths != 2 {
				t.Errorf("dry run result %+v, want %+v and 2 billed paths", res, want)
			}
		}, 0},
		{"past 3000 paths: two batches, the second queued", "", func(dist string) Request {
			return Request{DistributionID: dist, Paths: many, CallerReference: "big", Timeout: time.Minute, Wait: true}
		}, func(t *testing.T, dist string, res *Result, err error, events []Event) {
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Batches) != 2 || len(res.Batches[0].Paths) != 3000 || res.Batches[1].CallerReference != "big-2" || res.BilledPaths != 3001 {
				t.Fatalf("result %+v, want batches of 3000 and 1 path, references big and big-2", res.Batches)
			}
			for _, b := range res.Batches {
				if b.Status != StatusCompleted {
					t.Errorf("batch %d is %s after Wait, want Completed", b.Number, b.Status)
				}
			}
			if !slices.ContainsFunc(events, func(e Event) bool { return e.Kind == EventQueued && e.Batch == 2 }) {
				t.Errorf("no EventQueued for batch 2 in %v", events)
			}
		}, 2},
		{"a journal that cannot be opened is an error with a deploy ID", notADir, func(dist string) Request {
			return Request{DistributionID: dist, Paths: []string{"/a"}, DeployID: "d1"}
		}, func(t *testing.T, dist string, res *Result, err error, _ []Event) {
			if err == nil || res != nil {
				t.Fatalf("got %+v, %v; want the journal's error", res, err)
			}
		}, 0},
		{"and a warning without", notADir, func(dist string) Request {
			return Request{DistributionID: dist, Paths: []string{"/a"}}
		}, func(t *testing.T, dist string, res *Result, err error, events []Event) {
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(events, func(e Event) bool { return e.Kind == EventNoJournal && e.Err != nil }) {
				t.Errorf("no EventNoJournal in %v", events)
			}
		}, 1},
		{"one of two distributions fails: partial", "", func(dist string) Request {
			return Request{DistributionID: dist, DistributionIDs: []string{"ENOSUCHDIST00"}, Paths: []string{"/a"}}
		}, func(t *testing.T, dist string, res *Result, err error, _ []Event) {
			var pe *PartialError
			if !errors.As(err, &pe) || !errors.Is(err, ErrPartial) || !errors.Is(err, ErrNotFound) {
				t.Fatalf("error %v, want a *PartialError matching ErrPartial and ErrNotFound", err)
			}
			if pe.DistributionID != "" || pe.Done != 1 || pe.Total != 2 || len(pe.Succeeded) != 1 || pe.Succeeded[0].DistributionID != dist {
				t.Errorf("partial error %+v, want 1 of 2 distributions, %s succeeded", pe, dist)
			}
			if want := "1 of 2 distributions failed: create invalidation for ENOSUCHDIST00: NoSuchDistribution"; err.Error()[:len(want)] != want {
				t.Errorf("message %q, want it to start %q", err, want)
			}
			if len(res.Batches) != 2 || res.Batches[0].ID == "" || res.Batches[1].ID != "" {
				t.Errorf("batches %+v, want the first created and the second not", res.Batches)
			}
		}, 1},
		{"partial, and the wait for the rest timed out", "", func(dist string) Request {
			return Request{DistributionID: dist, DistributionIDs: []string{"ENOSUCHDIST00"}, Paths: []string{"/a"}, Wait: true, Timeout: time.Second}
		}, func(t *testing.T, dist string, res *Result, err error, _ []Event) {
			var te *TimeoutError
			if !errors.Is(err, ErrPartial) || !errors.As(err, &te) || len(te.Pending) != 1 || te.Pending[0].DistributionID != dist {
				t.Fatalf("error %v, want ErrPartial joined to a *TimeoutError pending on %s", err, dist)
			}
			if res.Batches[0].Status != StatusInProgress {
				t.Errorf("batch %+v, want InProgress", res.Batches[0])
			}
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := harness.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
			var opts []Option
			if tt.stateDir != "" {
				opts = append(opts, WithStateDir(tt.stateDir))
			}
			c, api := newEmulatorAPI(t, clock, nil, opts...)
			dist := createDistribution(t, api, "request", "www.example.com")
			req := tt.req(dist)
			var events []Event
			req.Progress = func(e Event) { events = append(events, e) }
			res, err := c.Invalidate(t.Context(), req)
			tt.check(t, dist, res, err, events)
			list, lerr := api.ListInvalidations(t.Context(), &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist)})
			if lerr != nil {
				t.Fatal(lerr)
			}
			if n := len(list.InvalidationList.Items); n != tt.created {
				t.Errorf("%d invalidations created, want %d", n, tt.created)
			}
		})
	}
}
