package cfinv

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/journal"
	"github.com/cfinv/cfinv/test/harness"
)

// pathsN returns n distinct paths, /p/0 … /p/n-1.
func pathsN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("/p/%d", i)
	}
	return out
}

// shuffled returns a copy of paths in a fixed pseudo-random order.
func shuffled(paths []string) []string {
	out := slices.Clone(paths)
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// reversed returns a copy of paths in reverse order.
func reversed(paths []string) []string {
	out := slices.Clone(paths)
	slices.Reverse(out)
	return out
}

// TestDeployRerunIsTheSameSet pins the issue "the same deploy re-run with
// its paths in another order bills twice": with a deploy ID, the batches
// and their caller references depend on the set of paths alone (order,
// duplicates, covered paths and a tag's case do not count), so a re-run
// with the same set, on a fresh runner (no journal: CloudFront answers the
// references it knows) or on the same one (the journal resumes), creates
// nothing and fails nothing. Before, 3,500 reordered paths made 4
// invalidations, and 3,000 reordered ones exited with
// InvalidationBatchAlreadyExists.
func TestDeployRerunIsTheSameSet(t *testing.T) {
	tests := []struct {
		name          string
		first, second []string
		journal       bool // the re-run has the first run's journal
		want          int  // invalidations in all
	}{
		{name: "3500 paths shuffled, fresh runner", first: pathsN(3500), second: shuffled(pathsN(3500)), want: 2},
		{name: "3500 paths shuffled, same runner", first: pathsN(3500), second: shuffled(pathsN(3500)), journal: true, want: 2},
		{name: "3000 paths reversed, fresh runner", first: pathsN(3000), second: reversed(pathsN(3000)), want: 1},
		{name: "3000 paths reversed, same runner", first: pathsN(3000), second: reversed(pathsN(3000)), journal: true, want: 1},
		{name: "duplicates and covered paths added, fresh runner", first: []string{"/b", "/img/*", "/a"},
			second: []string{"/a", "/img/logo.png", "/a", "/img/*", "/b", "/img/x/*"}, want: 1},
		{name: "tag in another case, fresh runner", first: []string{"/a", "#Tag"}, second: []string{"#TAG", "/a"}, want: 1},
		{name: "tag in another case, same runner", first: []string{"/a", "#Tag"}, second: []string{"#TAG", "/a"}, journal: true, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := harness.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
			c, api := newEmulatorAPI(t, clock, nil, WithStateDir(t.TempDir()))
			dist := createDistribution(t, api, "rerun")
			req := Request{DistributionID: dist, Paths: tt.first, DeployID: "release-42", Timeout: time.Hour}
			first, err := c.Invalidate(t.Context(), req)
			if err != nil {
				t.Fatalf("first run: %v", err)
			}
			if !tt.journal {
				c.stateDir = ""
			}
			req.Paths = tt.second
			second, err := c.Invalidate(t.Context(), req)
			if err != nil {
				t.Fatalf("re-run: %v", err)
			}
			list, err := api.ListInvalidations(t.Context(), &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist)})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(list.InvalidationList.Items); n != tt.want {
				t.Errorf("%d invalidations in all, want %d", n, tt.want)
			}
			ids := func(r *Result) (out []string) {
				for _, b := range r.Batches {
					out = append(out, b.ID+" "+b.CallerReference)
				}
				return out
			}
			if a, b := ids(first), ids(second); !slices.Equal(a, b) {
				t.Errorf("re-run's batches %q, want the first run's %q", b, a)
			}
		})
	}
}

// TestPrepareSetKeepsGivenOrderWithoutDeployID checks that only a deploy's
// batches are sorted: without a deploy ID, paths go out in the order given
// (issue 11 item 8).
func TestPrepareSetKeepsGivenOrderWithoutDeployID(t *testing.T) {
	tests := []struct {
		name     string
		deployID string
		want     []string
	}{
		{"no deploy ID: as given", "", []string{"/z", "#Tag", "/a"}},
		{"deploy ID: the set's form", "d1", []string{"#tag", "/a", "/z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Request{DistributionID: "E1", Paths: []string{"/z", "#Tag", "/a"}, DeployID: tt.deployID}.check(func(Event) {})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !slices.Equal(got[0], tt.want) {
				t.Errorf("batches %q, want [%q]", got, tt.want)
			}
		})
	}
}

// TestReusedReferenceSaysAlreadyThere pins the issue "a reused
// CallerReference answered with the existing invalidation still prints
// batch 1: created": a re-run on a fresh runner (no journal) is answered
// with the invalidation of the first run, and says so.
func TestReusedReferenceSaysAlreadyThere(t *testing.T) {
	clock := harness.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	c, api := newEmulatorAPI(t, clock, nil)
	dist := createDistribution(t, api, "again")
	var events []Event
	req := Request{DistributionID: dist, Paths: []string{"/a", "/b"}, DeployID: "release-7", Progress: func(e Event) { events = append(events, e) }}
	first, err := c.Invalidate(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Kind != EventCreated {
		t.Fatalf("first run's events %v, want one EventCreated", events)
	}
	if err := clock.Sleep(t.Context(), time.Minute); err != nil {
		t.Fatal(err)
	}
	events = nil
	if _, err := c.Invalidate(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	b := first.Batches[0]
	want := fmt.Sprintf("batch 1: already there as %s (created 2026-05-01T12:00:00Z for an earlier request with reference %s); not created or billed again", b.ID, b.CallerReference)
	if len(events) != 1 || events[0].Kind != EventAlreadyCreated || events[0].String() != want {
		var got []string
		for _, e := range events {
			got = append(got, e.String())
		}
		t.Errorf("re-run's events %q, want [%q]", got, want)
	}
	if strings.Contains(fmt.Sprint(events), "created "+b.ID) {
		t.Errorf("re-run says it created %s", b.ID)
	}
}

// TestDamagedJournalIsReported: a line of the journal that is neither an
// entry nor torn is reported as a warning naming the file and the line,
// not skipped in silence, and the run goes on (the caller reference still
// keeps CloudFront from billing twice).
func TestDamagedJournalIsReported(t *testing.T) {
	clock := harness.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	state := t.TempDir()
	old := `{"time":"2026-05-01T12:00:00Z","distribution":"E1","reference":"r","id":"I1","items":1,"state":"created"}` + "\nthis line is damaged\n"
	if err := os.WriteFile(filepath.Join(state, journal.FileName), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	c, api := newEmulatorAPI(t, clock, nil, WithStateDir(state))
	dist := createDistribution(t, api, "damaged")
	var warnings []string
	req := Request{DistributionID: dist, Paths: []string{"/a"}, DeployID: "d1", Progress: func(e Event) {
		if e.Kind == EventWarning {
			warnings = append(warnings, e.String())
		}
	}}
	if _, err := c.Invalidate(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	want := "journal " + filepath.Join(state, journal.FileName) + " is damaged: line 2 is not an entry (not imported; the file is kept as "
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], want) {
		t.Errorf("warnings %q, want one starting %q", warnings, want)
	}

	// The batch's own file damaged: reported, and the entry beside the
	// damage still resumes the batch.
	files, err := filepath.Glob(filepath.Join(state, journal.DirName, "*", "*.jsonl"))
	if err != nil || len(files) != 2 { // r of the import, and this run's batch
		t.Fatalf("journal files %q (%v), want 2", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, append(b, "{}\n"...), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	warnings = nil
	res, err := c.Invalidate(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "batch 1: journal ") || !strings.Contains(warnings[0], "is damaged: line 3 is not an entry") {
		t.Errorf("warnings %q, want one naming line 3 of batch 1's file", warnings)
	}
	if !res.Batches[0].Resumed {
		t.Errorf("batch %+v not resumed from the entry beside the damage", res.Batches[0])
	}
}

// TestAlreadyCreated: only an invalidation created before the batch's
// first attempt (by more than the rounding margin) is taken for one of an
// earlier request; its status says nothing, since an emulator with no
// completion delay completes a new invalidation at once.
func TestAlreadyCreated(t *testing.T) {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		status  string
		created *time.Time
		want    bool
	}{
		{"new, in progress", StatusInProgress, aws.Time(start), false},
		{"new, completed at once", StatusCompleted, aws.Time(start.Add(time.Millisecond)), false},
		{"within the margin", StatusInProgress, aws.Time(start.Add(-time.Second)), false},
		{"a minute before", StatusInProgress, aws.Time(start.Add(-time.Minute)), true},
		{"a day before, completed", StatusCompleted, aws.Time(start.Add(-24 * time.Hour)), true},
		{"no create time", StatusCompleted, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := &cloudfront.CreateInvalidationOutput{Invalidation: &types.Invalidation{Id: aws.String("I1"), Status: aws.String(tt.status), CreateTime: tt.created}}
			if got := (&Client{}).alreadyCreated(out, start); got != tt.want {
				t.Errorf("alreadyCreated = %v, want %v", got, tt.want)
			}
		})
	}
}
