package cfinv

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"
)

// listOf answers ListInvalidations with the statuses the func returns at
// each call, newest first, one page.
func listOf(statuses func(call int) map[string]string, order ...string) func(*cloudfront.ListInvalidationsInput) (*cloudfront.ListInvalidationsOutput, error) {
	call := 0
	return func(*cloudfront.ListInvalidationsInput) (*cloudfront.ListInvalidationsOutput, error) {
		call++
		st := statuses(call)
		var items []types.InvalidationSummary
		for _, id := range order {
			items = append(items, types.InvalidationSummary{Id: aws.String(id), Status: aws.String(st[id]), CreateTime: aws.Time(time.Time{})})
		}
		return &cloudfront.ListInvalidationsOutput{InvalidationList: &types.InvalidationList{Items: items, IsTruncated: aws.Bool(false), Quantity: aws.Int32(int32(len(items)))}}, nil
	}
}

func TestWaitPollsAtOnceThenBacksOff(t *testing.T) {
	clock := newFakeClock()
	start := clock.Now()
	// I2 completes after 0.5s, I1 after 2s.
	state := func(int) map[string]string {
		st := map[string]string{"I1": StatusInProgress, "I2": StatusInProgress}
		if clock.Now().Sub(start) >= 500*time.Millisecond {
			st["I2"] = StatusCompleted
		}
		if clock.Now().Sub(start) >= 2*time.Second {
			st["I1"] = StatusCompleted
		}
		return st
	}
	api := &fakeAPI{list: listOf(state, "I2", "I1"), get: func(in *cloudfront.GetInvalidationInput) (*cloudfront.GetInvalidationOutput, error) {
		return &cloudfront.GetInvalidationOutput{Invalidation: inv(*in.Id, state(0)[*in.Id], nil, "r")}, nil
	}}
	c := &Client{api: api, nowFn: clock.Now, sleepFn: clock.Sleep}
	var progress []Event
	got, err := c.wait(t.Context(), []Target{{DistributionID: "E1", IDs: []string{"I1", "I2"}}}, nil, waitOptions{
		MaxInterval: time.Second, Progress: func(p Event) { progress = append(progress, p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"E1/I1": StatusCompleted, "E1/I2": StatusCompleted}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	// Polls at 0, 0.2, 0.6, 1.4, 2.4s.
	wantSleeps := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second}
	if diff := cmp.Diff(wantSleeps, clock.sleeps); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	// Two pending: one List per poll; one pending: one Get.
	wantCalls := []string{"list", "list", "list", "get I1", "get I1"}
	if diff := cmp.Diff(wantCalls, api.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if progress[0].Elapsed != 0 {
		t.Errorf("first poll after %s, want at once", progress[0].Elapsed)
	}
	var changes []string
	for _, p := range progress {
		changes = append(changes, p.Changed...)
	}
	want := []string{"E1/I1: InProgress", "E1/I2: InProgress", "E1/I2: Completed", "E1/I1: Completed"}
	if diff := cmp.Diff(want, changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestWaitSurvivesTransientErrorsAndTimesOut(t *testing.T) {
	clock := newFakeClock()
	calls := 0
	api := &fakeAPI{get: func(in *cloudfront.GetInvalidationInput) (*cloudfront.GetInvalidationOutput, error) {
		calls++
		if calls%2 == 0 {
			return nil, apiErr("Throttling")
		}
		return &cloudfront.GetInvalidationOutput{Invalidation: inv(*in.Id, StatusInProgress, nil, "r")}, nil
	}}
	c := &Client{api: api, nowFn: clock.Now, sleepFn: clock.Sleep}
	transient := 0
	_, err := c.wait(t.Context(), []Target{{DistributionID: "E1", IDs: []string{"I1"}}}, nil, waitOptions{
		Deadline: clock.Now().Add(3 * time.Second),
		Progress: func(p Event) {
			if p.Err != nil {
				transient++
			}
		},
	})
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v, want *TimeoutError", err)
	}
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("%v does not match ErrTimeout", err)
	}
	if diff := cmp.Diff([]Target{{DistributionID: "E1", IDs: []string{"I1"}}}, te.Pending); diff != "" {
		t.Errorf("pending (-want +got):\n%s", diff)
	}
	if transient == 0 {
		t.Error("no transient error was reported through Progress")
	}
	if got := clock.Now().Sub(newFakeClock().Now()); got != 3*time.Second {
		t.Errorf("waited %s on the clock, want exactly the 3s deadline", got)
	}
}

func TestWaitEndsOnPermanentError(t *testing.T) {
	clock := newFakeClock()
	api := &fakeAPI{get: func(*cloudfront.GetInvalidationInput) (*cloudfront.GetInvalidationOutput, error) {
		return nil, apiErr("NoSuchInvalidation")
	}}
	c := &Client{api: api, nowFn: clock.Now, sleepFn: clock.Sleep}
	_, err := c.wait(t.Context(), []Target{{DistributionID: "E1", IDs: []string{"I9"}}}, nil, waitOptions{})
	var e *APIError
	if !errors.As(err, &e) || !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "NoSuchInvalidation") {
		t.Fatalf("error = %v, want an *APIError matching ErrNotFound", err)
	}
	if len(clock.sleeps) != 0 {
		t.Errorf("slept %v before failing, want no sleep", clock.sleeps)
	}
}

func TestWaitCountsPaths(t *testing.T) {
	tests := []struct {
		name   string
		target Target
		paths  map[string]int
		want   [][2]int // PathsDone, PathsTotal after each poll
	}{
		// Given counts; several IDs are polled with List, which carries none.
		{"given", Target{DistributionID: "E1", IDs: []string{"I1", "I2"}}, map[string]int{"E1/I1": 3, "E1/I2": 2}, [][2]int{{0, 5}, {2, 5}, {5, 5}}},
		// A single ID is read with Get, which gives its count.
		{"learnt", Target{DistributionID: "E1", IDs: []string{"I1"}}, nil, [][2]int{{0, 1}, {0, 1}, {1, 1}}},
		// I2 completes before it is ever read on its own: the total stays
		// unknown (0/0) rather than wrong.
		{"unknown", Target{DistributionID: "E1", IDs: []string{"I1", "I2"}}, nil, [][2]int{{0, 0}, {0, 0}, {0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			start := clock.Now()
			state := func(int) map[string]string {
				st := map[string]string{"I1": StatusInProgress, "I2": StatusInProgress}
				if clock.Now().Sub(start) >= 200*time.Millisecond {
					st["I2"] = StatusCompleted
				}
				if clock.Now().Sub(start) >= 600*time.Millisecond {
					st["I1"] = StatusCompleted
				}
				return st
			}
			api := &fakeAPI{list: listOf(state, "I2", "I1"), get: func(in *cloudfront.GetInvalidationInput) (*cloudfront.GetInvalidationOutput, error) {
				// I1 has one path here when it is read on its own.
				return &cloudfront.GetInvalidationOutput{Invalidation: inv(*in.Id, state(0)[*in.Id], []string{"/x"}, "r")}, nil
			}}
			c := &Client{api: api, nowFn: clock.Now, sleepFn: clock.Sleep}
			var got [][2]int
			if _, err := c.wait(t.Context(), []Target{tt.target}, tt.paths, waitOptions{Progress: func(p Event) {
				got = append(got, [2]int{p.PathsDone, p.PathsTotal})
			}}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("paths per poll (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWaitSchedule: 200 ms doubling to 1 s for the first two minutes,
// then doubling to 5 s (issue 3: detection within a second).
func TestWaitSchedule(t *testing.T) {
	clock := newFakeClock()
	api := &fakeAPI{get: func(in *cloudfront.GetInvalidationInput) (*cloudfront.GetInvalidationOutput, error) {
		return &cloudfront.GetInvalidationOutput{Invalidation: inv(*in.Id, StatusInProgress, nil, "r")}, nil
	}}
	c := &Client{api: api, nowFn: clock.Now, sleepFn: clock.Sleep}
	_, err := c.wait(t.Context(), []Target{{DistributionID: "E1", IDs: []string{"I1"}}}, nil, waitOptions{Deadline: clock.Now().Add(150 * time.Second)})
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v, want *TimeoutError", err)
	}
	var want []time.Duration
	elapsed := time.Duration(0)
	next := firstInterval
	for elapsed < 150*time.Second {
		d := min(next, 150*time.Second-elapsed)
		want = append(want, d)
		elapsed += d
		if elapsed < fastPhase0 {
			next = min(next*2, fastInterval)
		} else {
			next = min(next*2, maxInterval)
		}
	}
	if diff := cmp.Diff(want, clock.sleeps); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	// Spot-check the shape rather than only re-deriving it.
	if clock.sleeps[3] != time.Second || clock.sleeps[10] != time.Second || !slices.Contains(clock.sleeps, 2*time.Second) || !slices.Contains(clock.sleeps, 5*time.Second) {
		t.Errorf("sleeps %v: want 1 s steps in the first two minutes, then 2 s, 4 s and 5 s", clock.sleeps)
	}
}
