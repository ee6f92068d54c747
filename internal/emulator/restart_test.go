package emulator_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/cfinv/cfinv/test/harness"
)

// TestRestart writes through a server backed by bbolt, closes it, opens a
// new server on the same file, and checks that everything acknowledged is
// there and that in-progress deadlines still hold.
func TestRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	clk := harness.NewClock(t0)
	start := restartable(t, path, clk)

	cf, stop := start()
	f := &fixture{t: t, cf: cf}
	d := f.createDist("restart")
	dist := *d.Distribution.Id
	early := f.mustInvalidate(dist, "early", "/a")
	clk.Advance(30 * time.Second)
	late := f.mustInvalidate(dist, "late", "/b/*")
	stop()

	cf, stop = start()
	defer stop()
	f.cf = cf
	got, err := cf.GetDistribution(t.Context(), &cloudfront.GetDistributionInput{Id: &dist})
	if err != nil {
		t.Fatalf("GetDistribution after restart: %v", err)
	}
	if *got.ETag != *d.ETag || *got.Distribution.InProgressInvalidationBatches != 2 {
		t.Errorf("after restart: ETag %q (want %q), in progress %d (want 2)", *got.ETag, *d.ETag, *got.Distribution.InProgressInvalidationBatches)
	}
	status := func(id *string) string {
		g, err := cf.GetInvalidation(t.Context(), &cloudfront.GetInvalidationInput{DistributionId: &dist, Id: id})
		if err != nil {
			t.Fatalf("GetInvalidation after restart: %v", err)
		}
		return *g.Invalidation.Status
	}
	clk.Advance(30 * time.Second) // early's deadline
	if s1, s2 := status(early.Id), status(late.Id); s1 != "Completed" || s2 != "InProgress" {
		t.Errorf("at +60s: early %s, late %s; want Completed, InProgress", s1, s2)
	}
	// The CallerReference is still known: a replay returns the original.
	again := f.mustInvalidate(dist, "late", "/b/*")
	if *again.Id != *late.Id {
		t.Errorf("replay after restart made %s, want %s", *again.Id, *late.Id)
	}
	clk.Advance(30 * time.Second)
	if s := status(late.Id); s != "Completed" {
		t.Errorf("at +90s: late %s, want Completed", s)
	}
}
