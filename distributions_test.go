package cfinv

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// TestInProgressBatches reads CloudFront's own in-progress count of many
// distributions with GetDistribution, never more than maxConcurrentGets
// calls at once (issue 3).
func TestInProgressBatches(t *testing.T) {
	testCredentials(t)
	clock := harness.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	emu := emulator.New(emulator.Options{Store: store.NewMem(), Now: clock.Now, CompletionDelay: 3 * time.Second}).Handler()
	var mu sync.Mutex
	inFlight, peak, gets := 0, 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isGet := r.Method == http.MethodGet && strings.Count(strings.TrimPrefix(r.URL.Path, "/2020-05-31/distribution/"), "/") == 0 && strings.HasPrefix(r.URL.Path, "/2020-05-31/distribution/")
		if isGet {
			mu.Lock()
			inFlight++
			gets++
			peak = max(peak, inFlight)
			mu.Unlock()
			defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	_, api := newTestClient(t, srv.URL, 1)
	const n = 3 * maxConcurrentGets
	ids := make([]string, n)
	for i := range ids {
		ids[i] = createDistribution(t, api, fmt.Sprintf("many-%d", i))
	}
	create := func(dist, ref string) {
		t.Helper()
		if _, err := api.CreateInvalidation(t.Context(), cloudfrontCreate(dist, ref)); err != nil {
			t.Fatal(err)
		}
	}
	create(ids[0], "done")
	clock.Sleep(t.Context(), 5*time.Second) // ids[0]'s one completes
	create(ids[1], "a")
	create(ids[1], "b")
	create(ids[n-1], "c")

	c := &Client{api: api}
	got, err := c.InProgressBatches(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, n)
	want[1], want[n-1] = 2, 1
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("in progress (-want +got):\n%s", diff)
	}
	if gets != n || peak > maxConcurrentGets {
		t.Errorf("%d GetDistribution calls, at most %d at once; want %d, at most %d", gets, peak, n, maxConcurrentGets)
	}

	// An unknown distribution fails the whole listing with its error.
	_, err = c.InProgressBatches(t.Context(), append([]string{"ENOSUCHDIST00"}, ids...))
	var e *APIError
	if !errors.As(err, &e) || e.Code != "NoSuchDistribution" || e.DistributionID != "ENOSUCHDIST00" {
		t.Errorf("error = %v, want NoSuchDistribution for ENOSUCHDIST00", err)
	}
}

func cloudfrontCreate(dist, ref string) *cloudfront.CreateInvalidationInput {
	return &cloudfront.CreateInvalidationInput{DistributionId: aws.String(dist), InvalidationBatch: invBatch(ref, "/"+ref)}
}

// TestPathCounts learns the path counts of several invalidations, leaves
// out an unknown ID, and makes no call at all past maxPathCountIDs.
func TestPathCounts(t *testing.T) {
	clock := harness.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	c, api := newEmulatorAPI(t, clock, nil)
	dist := createDistribution(t, api, "counts")
	var ids []string
	for i, paths := range [][]string{{"/a"}, {"/b", "/c", "/d*"}} {
		out, err := api.CreateInvalidation(t.Context(), &cloudfront.CreateInvalidationInput{
			DistributionId: aws.String(dist),
			InvalidationBatch: &types.InvalidationBatch{
				CallerReference: aws.String(fmt.Sprint("ref-", i)),
				Paths:           &types.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(out.Invalidation.Id))
	}
	got := c.pathCounts(t.Context(), dist, append(ids, "INOSUCHINVALID"))
	if diff := cmp.Diff(map[string]int{ids[0]: 1, ids[1]: 3}, got); diff != "" {
		t.Errorf("PathCounts (-want +got):\n%s", diff)
	}
	many := make([]string, maxPathCountIDs+1)
	for i := range many {
		many[i] = ids[0]
	}
	if got := c.pathCounts(t.Context(), dist, many); len(got) != 0 {
		t.Errorf("PathCounts of %d IDs = %v, want none looked up", len(many), got)
	}
}
