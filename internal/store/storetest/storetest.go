// Package storetest is the conformance suite every store.Store
// implementation must pass. An implementation's test calls Run with a
// function that opens a fresh, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// T0 is the base time of every test in the suite.
var T0 = time.Date(2026, 11, 22, 13, 52, 53, 442_000_000, time.UTC)

// Run runs every conformance test against stores made by open. open must
// return a new, empty store; Run closes it.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"DistributionRoundTrip", testDistributionRoundTrip},
		{"DistributionCallerReferenceUnique", testDistributionCallerReferenceUnique},
		{"ListDistributionsPages", testListDistributionsPages},
		{"UpdateDistribution", testUpdateDistribution},
		{"UpdateTags", testUpdateTags},
		{"DeleteDistribution", testDeleteDistribution},
		{"CreateInvalidation", testCreateInvalidation},
		{"CallerReferenceReplay", testCallerReferenceReplay},
		{"AdmitRefuses", testAdmitRefuses},
		{"AdmitSeesInProgress", testAdmitSeesInProgress},
		{"InvalidationNotFound", testInvalidationNotFound},
		{"ListInvalidationsPages", testListInvalidationsPages},
		{"ListInvalidationsStableOrder", testListInvalidationsStableOrder},
		{"CountInProgress", testCountInProgress},
		{"ReturnedCopies", testReturnedCopies},
		{"ConcurrentCreates", testConcurrentCreates},
		{"SameReferenceRace", testSameReferenceRace},
		{"KeyLimits", testKeyLimits},
		{"InvalidationSets", testInvalidationSets},
		{"Resources", testResources},
		{"Closed", testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			tt.fn(t, s)
		})
	}
}

func config(ref string) *distconfig.Node {
	return &distconfig.Node{Name: "DistributionConfig", Nodes: []*distconfig.Node{
		{Name: "CallerReference", Text: ref},
		{Name: "Comment", Text: "café <&>"},
		{Name: "Enabled", Text: "true"},
	}}
}

// NewDistribution returns a distribution record numbered n.
func NewDistribution(n int) *store.Distribution {
	id := fmt.Sprintf("E%013d", n)
	ref := fmt.Sprintf("ref-%d", n)
	return &store.Distribution{
		ID:               id,
		ARN:              "arn:aws:cloudfront::123456789012:distribution/" + id,
		DomainName:       fmt.Sprintf("d%013d.cloudfront.net", n),
		ETag:             fmt.Sprintf("ETAG%010d", n),
		Status:           store.StatusInProgress,
		LastModifiedTime: T0,
		DeployedAt:       T0.Add(time.Minute),
		CallerReference:  ref,
		Config:           config(ref),
		Tags:             []store.Tag{{Key: "Name", Value: fmt.Sprintf("dist %d", n)}, {Key: "empty", Value: ""}},
	}
}

func newInvalidation(distID string, n int, paths ...string) *store.Invalidation {
	return &store.Invalidation{
		DistributionID:  distID,
		ID:              fmt.Sprintf("I%013d", n),
		CallerReference: fmt.Sprintf("inv-ref-%d", n),
		Paths:           paths,
		CreateTime:      T0,
		CompleteAt:      T0.Add(10 * time.Second),
	}
}

func mustCreateDist(t *testing.T, s store.Store, n int) *store.Distribution {
	t.Helper()
	d := NewDistribution(n)
	if err := s.CreateDistribution(t.Context(), d); err != nil {
		t.Fatalf("CreateDistribution(%d): %v", n, err)
	}
	return d
}

func mustCreateInv(t *testing.T, s store.Store, inv *store.Invalidation) *store.Invalidation {
	t.Helper()
	got, created, err := s.CreateInvalidation(t.Context(), inv, inv.CreateTime, nil)
	if err != nil || !created {
		t.Fatalf("CreateInvalidation(%s) = created %v, %v; want created", inv.ID, created, err)
	}
	return got
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func distID(d *store.Distribution) string   { return d.ID }
func invID(inv *store.Invalidation) string  { return inv.ID }
func equalTimes() cmp.Option                { return cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }) }
func ctx(t *testing.T) context.Context      { return t.Context() }
func noAdmit(_ []*store.Invalidation) error { return nil }

func testDistributionRoundTrip(t *testing.T, s store.Store) {
	want := NewDistribution(1)
	if err := s.CreateDistribution(ctx(t), want); err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	if want.Seq == 0 {
		t.Errorf("CreateDistribution did not assign Seq")
	}
	got, err := s.GetDistribution(ctx(t), want.ID)
	if err != nil {
		t.Fatalf("GetDistribution: %v", err)
	}
	if diff := cmp.Diff(want, got, equalTimes()); diff != "" {
		t.Errorf("GetDistribution mismatch (-want +got):\n%s", diff)
	}
	_, err = s.GetDistribution(ctx(t), "ENOPE")
	wantErr(t, "GetDistribution(unknown)", err, store.ErrNoDistribution)
}

func testDistributionCallerReferenceUnique(t *testing.T, s store.Store) {
	mustCreateDist(t, s, 1)
	dup := NewDistribution(2)
	dup.CallerReference = "ref-1"
	err := s.CreateDistribution(ctx(t), dup)
	wantErr(t, "CreateDistribution(same ref)", err, store.ErrDistributionExists)
	var ee *store.ExistsError
	if !errors.As(err, &ee) || ee.ID != NewDistribution(1).ID {
		t.Errorf("CreateDistribution(same ref) = %v, want an *ExistsError naming %s", err, NewDistribution(1).ID)
	}
	_, err = s.GetDistribution(ctx(t), dup.ID)
	wantErr(t, "GetDistribution(refused)", err, store.ErrNoDistribution)
	sameID := NewDistribution(1)
	sameID.CallerReference = "other"
	wantErr(t, "CreateDistribution(same id)", s.CreateDistribution(ctx(t), sameID), store.ErrDistributionExists)
}

func testListDistributionsPages(t *testing.T, s store.Store) {
	items, truncated, err := s.ListDistributions(ctx(t), "", 10)
	if err != nil || len(items) != 0 || truncated {
		t.Fatalf("empty ListDistributions = %d items, truncated %v, %v; want none", len(items), truncated, err)
	}
	// Create in an order that differs from ID order, to check creation order.
	for _, n := range []int{5, 3, 9, 1, 7} {
		mustCreateDist(t, s, n)
	}
	var pages [][]string
	marker := ""
	for {
		items, truncated, err := s.ListDistributions(ctx(t), marker, 2)
		if err != nil {
			t.Fatalf("ListDistributions(%q): %v", marker, err)
		}
		pages = append(pages, ids(items, distID))
		if !truncated {
			break
		}
		marker = items[len(items)-1].ID
	}
	want := [][]string{{"E0000000000005", "E0000000000003"}, {"E0000000000009", "E0000000000001"}, {"E0000000000007"}}
	if diff := cmp.Diff(want, pages); diff != "" {
		t.Errorf("pages mismatch (-want +got):\n%s", diff)
	}
	// A page that ends exactly at the last item is not truncated.
	items, truncated, err = s.ListDistributions(ctx(t), "E0000000000001", 1)
	if err != nil || truncated || len(items) != 1 {
		t.Errorf("last page = %v, truncated %v, %v; want 1 item, not truncated", ids(items, distID), truncated, err)
	}
	_, _, err = s.ListDistributions(ctx(t), "ENOPE", 2)
	wantErr(t, "ListDistributions(bad marker)", err, store.ErrBadMarker)
}

func testUpdateDistribution(t *testing.T, s store.Store) {
	orig := mustCreateDist(t, s, 1)
	boom := errors.New("boom")
	_, err := s.UpdateDistribution(ctx(t), orig.ID, func(d *store.Distribution) error {
		d.ETag = "CHANGED"
		return boom
	})
	if err != boom {
		t.Fatalf("UpdateDistribution with failing fn: got %v, want fn's error unchanged", err)
	}
	got, _ := s.GetDistribution(ctx(t), orig.ID)
	if got.ETag != orig.ETag {
		t.Errorf("failed update wrote ETag %q, want %q", got.ETag, orig.ETag)
	}
	upd, err := s.UpdateDistribution(ctx(t), orig.ID, func(d *store.Distribution) error {
		d.ETag = "NEWETAG"
		d.Config.Set("Comment", "updated")
		d.CallerReference = "ignored"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateDistribution: %v", err)
	}
	got, _ = s.GetDistribution(ctx(t), orig.ID)
	if diff := cmp.Diff(upd, got, equalTimes()); diff != "" {
		t.Errorf("stored differs from returned (-returned +stored):\n%s", diff)
	}
	if got.ETag != "NEWETAG" || got.Config.Value("Comment") != "updated" || got.CallerReference != orig.CallerReference {
		t.Errorf("after update got ETag %q, Comment %q, CallerReference %q; want NEWETAG, updated, %q",
			got.ETag, got.Config.Value("Comment"), got.CallerReference, orig.CallerReference)
	}
	_, err = s.UpdateDistribution(ctx(t), "ENOPE", func(*store.Distribution) error { return nil })
	wantErr(t, "UpdateDistribution(unknown)", err, store.ErrNoDistribution)
}

// testUpdateTags checks that tags written through UpdateDistribution are
// stored in order, with nothing else of the distribution changed, and that
// removing every tag is stored too.
func testUpdateTags(t *testing.T, s store.Store) {
	orig := mustCreateDist(t, s, 1)
	want := []store.Tag{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}, {Key: "ключ", Value: ""}}
	if _, err := s.UpdateDistribution(ctx(t), orig.ID, func(d *store.Distribution) error {
		d.Tags = append([]store.Tag(nil), want...)
		return nil
	}); err != nil {
		t.Fatalf("UpdateDistribution(tags): %v", err)
	}
	got, err := s.GetDistribution(ctx(t), orig.ID)
	if err != nil {
		t.Fatalf("GetDistribution: %v", err)
	}
	if diff := cmp.Diff(want, got.Tags); diff != "" {
		t.Errorf("stored tags mismatch (-want +got):\n%s", diff)
	}
	got.Tags = orig.Tags
	if diff := cmp.Diff(orig, got, equalTimes()); diff != "" {
		t.Errorf("updating tags changed more than the tags (-want +got):\n%s", diff)
	}
	if _, err := s.UpdateDistribution(ctx(t), orig.ID, func(d *store.Distribution) error {
		d.Tags = nil
		return nil
	}); err != nil {
		t.Fatalf("UpdateDistribution(no tags): %v", err)
	}
	if got, _ = s.GetDistribution(ctx(t), orig.ID); len(got.Tags) != 0 {
		t.Errorf("after removing every tag got %v, want none", got.Tags)
	}
}

func testDeleteDistribution(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	mustCreateDist(t, s, 2)
	mustCreateInv(t, s, newInvalidation(d.ID, 1, "/a"))
	refuse := errors.New("still enabled")
	if err := s.DeleteDistribution(ctx(t), d.ID, func(*store.Distribution) error { return refuse }); err != refuse {
		t.Fatalf("DeleteDistribution with refusing check: got %v, want the check's error", err)
	}
	if _, err := s.GetDistribution(ctx(t), d.ID); err != nil {
		t.Fatalf("refused delete removed the distribution: %v", err)
	}
	if err := s.DeleteDistribution(ctx(t), d.ID, nil); err != nil {
		t.Fatalf("DeleteDistribution: %v", err)
	}
	_, err := s.GetDistribution(ctx(t), d.ID)
	wantErr(t, "GetDistribution(deleted)", err, store.ErrNoDistribution)
	_, err = s.GetInvalidation(ctx(t), d.ID, "I0000000000001")
	wantErr(t, "GetInvalidation(of deleted)", err, store.ErrNoDistribution)
	wantErr(t, "DeleteDistribution(again)", s.DeleteDistribution(ctx(t), d.ID, nil), store.ErrNoDistribution)
	items, _, err := s.ListDistributions(ctx(t), "", 10)
	if err != nil {
		t.Fatalf("ListDistributions: %v", err)
	}
	if diff := cmp.Diff([]string{"E0000000000002"}, ids(items, distID)); diff != "" {
		t.Errorf("list after delete (-want +got):\n%s", diff)
	}
	// The CallerReference is free again.
	if err := s.CreateDistribution(ctx(t), NewDistribution(1)); err != nil {
		t.Errorf("re-create after delete: %v", err)
	}
}

func testCreateInvalidation(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	want := newInvalidation(d.ID, 1, "/index.html", "/img/*", "#tag")
	got, created, err := s.CreateInvalidation(ctx(t), want, T0, noAdmit)
	if err != nil || !created {
		t.Fatalf("CreateInvalidation = created %v, %v; want created", created, err)
	}
	if got.Seq == 0 || want.Seq != got.Seq {
		t.Errorf("Seq: returned %d, input updated to %d; want equal and non-zero", got.Seq, want.Seq)
	}
	if diff := cmp.Diff(want, got, equalTimes()); diff != "" {
		t.Errorf("returned (-want +got):\n%s", diff)
	}
	stored, err := s.GetInvalidation(ctx(t), d.ID, want.ID)
	if err != nil {
		t.Fatalf("GetInvalidation: %v", err)
	}
	if diff := cmp.Diff(want, stored, equalTimes()); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	_, _, err = s.CreateInvalidation(ctx(t), newInvalidation("ENOPE", 2, "/a"), T0, noAdmit)
	wantErr(t, "CreateInvalidation(unknown distribution)", err, store.ErrNoDistribution)
	sameID := newInvalidation(d.ID, 1, "/b")
	sameID.CallerReference = "other"
	_, _, err = s.CreateInvalidation(ctx(t), sameID, T0, noAdmit)
	wantErr(t, "CreateInvalidation(same id)", err, store.ErrInvalidationExists)
}

// testKeyLimits covers cfinv issue 10: a CallerReference over bbolt's key
// limit surfaced as an opaque error (503 from the emulator). Every store
// refuses an empty or oversized reference with ErrInvalidKey, stores
// nothing, and still accepts one of exactly MaxKeyBytes.
func testKeyLimits(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	for _, ref := range []string{"", strings.Repeat("r", store.MaxKeyBytes+1)} {
		dist := NewDistribution(2)
		dist.CallerReference = ref
		err := s.CreateDistribution(ctx(t), dist)
		wantErr(t, fmt.Sprintf("CreateDistribution(%d-byte reference)", len(ref)), err, store.ErrInvalidKey)
		var ke *store.KeyError
		if !errors.As(err, &ke) || ke.Len != len(ref) {
			t.Errorf("CreateDistribution(%d-byte reference): got %v, want a *KeyError with Len %d", len(ref), err, len(ref))
		}
		if _, err := s.GetDistribution(ctx(t), dist.ID); !errors.Is(err, store.ErrNoDistribution) {
			t.Errorf("refused distribution was stored: %v", err)
		}
		inv := newInvalidation(d.ID, 1, "/a")
		inv.CallerReference = ref
		_, _, err = s.CreateInvalidation(ctx(t), inv, T0, noAdmit)
		wantErr(t, fmt.Sprintf("CreateInvalidation(%d-byte reference)", len(ref)), err, store.ErrInvalidKey)
		if _, err := s.GetInvalidation(ctx(t), d.ID, inv.ID); !errors.Is(err, store.ErrNoInvalidation) {
			t.Errorf("refused invalidation was stored: %v", err)
		}
	}
	longest := strings.Repeat("r", store.MaxKeyBytes)
	dist := NewDistribution(3)
	dist.CallerReference = longest
	if err := s.CreateDistribution(ctx(t), dist); err != nil {
		t.Errorf("CreateDistribution(%d-byte reference): %v", len(longest), err)
	}
	inv := newInvalidation(d.ID, 3, "/a")
	inv.CallerReference = longest
	mustCreateInv(t, s, inv)
	// Lookups by oversized IDs are not errors, just misses.
	huge := strings.Repeat("E", 3*store.MaxKeyBytes)
	if _, err := s.GetDistribution(ctx(t), huge); !errors.Is(err, store.ErrNoDistribution) {
		t.Errorf("GetDistribution(huge ID): got %v, want ErrNoDistribution", err)
	}
	if _, err := s.GetInvalidation(ctx(t), d.ID, huge); !errors.Is(err, store.ErrNoInvalidation) {
		t.Errorf("GetInvalidation(huge ID): got %v, want ErrNoInvalidation", err)
	}
	if _, _, err := s.ListInvalidations(ctx(t), d.ID, huge, 10); !errors.Is(err, store.ErrBadMarker) {
		t.Errorf("ListInvalidations(huge marker): got %v, want ErrBadMarker", err)
	}
}

func testCallerReferenceReplay(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	first := mustCreateInv(t, s, newInvalidation(d.ID, 1, "/a"))
	again := newInvalidation(d.ID, 2, "/other")
	again.CallerReference = first.CallerReference
	admitted := false
	got, created, err := s.CreateInvalidation(ctx(t), again, T0.Add(time.Hour), func([]*store.Invalidation) error {
		admitted = true
		return nil
	})
	if err != nil || created {
		t.Fatalf("replay CreateInvalidation = created %v, %v; want existing, not created", created, err)
	}
	if admitted {
		t.Errorf("replay called admit")
	}
	if diff := cmp.Diff(first, got, equalTimes()); diff != "" {
		t.Errorf("replay returned (-first +got):\n%s", diff)
	}
	_, err = s.GetInvalidation(ctx(t), d.ID, again.ID)
	wantErr(t, "GetInvalidation(replayed id)", err, store.ErrNoInvalidation)
	// The same CallerReference on another distribution is independent.
	d2 := mustCreateDist(t, s, 2)
	other := newInvalidation(d2.ID, 3, "/a")
	other.CallerReference = first.CallerReference
	mustCreateInv(t, s, other)
}

func testAdmitRefuses(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	limit := errors.New("too many")
	inv := newInvalidation(d.ID, 1, "/a")
	_, created, err := s.CreateInvalidation(ctx(t), inv, T0, func([]*store.Invalidation) error { return limit })
	if err != limit || created {
		t.Fatalf("refused CreateInvalidation = created %v, %v; want admit's error", created, err)
	}
	_, err = s.GetInvalidation(ctx(t), d.ID, inv.ID)
	wantErr(t, "GetInvalidation(refused)", err, store.ErrNoInvalidation)
	// Nothing was written, so the CallerReference is still free.
	mustCreateInv(t, s, inv)
}

func testAdmitSeesInProgress(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	other := mustCreateDist(t, s, 2)
	early := newInvalidation(d.ID, 1, "/a")
	early.CompleteAt = T0.Add(5 * time.Second)
	late := newInvalidation(d.ID, 2, "/b/*")
	late.CompleteAt = T0.Add(20 * time.Second)
	mustCreateInv(t, s, early)
	mustCreateInv(t, s, late)
	mustCreateInv(t, s, newInvalidation(other.ID, 3, "/c"))
	for _, tc := range []struct {
		at   time.Duration
		want []string
	}{
		{0, []string{early.ID, late.ID}},
		{5 * time.Second, []string{late.ID}},
		{20 * time.Second, []string{}},
	} {
		var seen []string
		probe := newInvalidation(d.ID, 10+int(tc.at/time.Second), "/p")
		stop := errors.New("probe only")
		_, _, err := s.CreateInvalidation(ctx(t), probe, T0.Add(tc.at), func(running []*store.Invalidation) error {
			seen = ids(running, invID)
			return stop
		})
		if err != stop {
			t.Fatalf("at +%v: got error %v, want the probe's", tc.at, err)
		}
		if diff := cmp.Diff(tc.want, seen); diff != "" {
			t.Errorf("at +%v admit saw (-want +got):\n%s", tc.at, diff)
		}
	}
}

func testInvalidationNotFound(t *testing.T, s store.Store) {
	d1 := mustCreateDist(t, s, 1)
	d2 := mustCreateDist(t, s, 2)
	inv := mustCreateInv(t, s, newInvalidation(d1.ID, 1, "/a"))
	_, err := s.GetInvalidation(ctx(t), d2.ID, inv.ID)
	wantErr(t, "GetInvalidation(other distribution's)", err, store.ErrNoInvalidation)
	_, err = s.GetInvalidation(ctx(t), d1.ID, "INOPE")
	wantErr(t, "GetInvalidation(unknown)", err, store.ErrNoInvalidation)
	_, err = s.GetInvalidation(ctx(t), "ENOPE", inv.ID)
	wantErr(t, "GetInvalidation(unknown distribution)", err, store.ErrNoDistribution)
	_, _, err = s.ListInvalidations(ctx(t), "ENOPE", "", 10)
	wantErr(t, "ListInvalidations(unknown distribution)", err, store.ErrNoDistribution)
	_, err = s.CountInProgress(ctx(t), "ENOPE", T0)
	wantErr(t, "CountInProgress(unknown distribution)", err, store.ErrNoDistribution)
}

func testListInvalidationsPages(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	items, truncated, err := s.ListInvalidations(ctx(t), d.ID, "", 10)
	if err != nil || len(items) != 0 || truncated {
		t.Fatalf("empty ListInvalidations = %d items, truncated %v, %v", len(items), truncated, err)
	}
	for i := 1; i <= 5; i++ {
		inv := newInvalidation(d.ID, i, "/a")
		inv.CreateTime = T0.Add(time.Duration(i) * time.Second)
		mustCreateInv(t, s, inv)
	}
	var pages [][]string
	marker := ""
	for {
		items, truncated, err := s.ListInvalidations(ctx(t), d.ID, marker, 2)
		if err != nil {
			t.Fatalf("ListInvalidations(%q): %v", marker, err)
		}
		pages = append(pages, ids(items, invID))
		if !truncated {
			break
		}
		marker = items[len(items)-1].ID
	}
	want := [][]string{{"I0000000000005", "I0000000000004"}, {"I0000000000003", "I0000000000002"}, {"I0000000000001"}}
	if diff := cmp.Diff(want, pages); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	items, truncated, err = s.ListInvalidations(ctx(t), d.ID, "", 5)
	if err != nil || truncated || len(items) != 5 {
		t.Errorf("exact page = %d items, truncated %v, %v; want 5, false", len(items), truncated, err)
	}
	_, _, err = s.ListInvalidations(ctx(t), d.ID, "INOPE", 2)
	wantErr(t, "ListInvalidations(bad marker)", err, store.ErrBadMarker)
}

func testListInvalidationsStableOrder(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	// Same CreateTime, IDs not in creation order: the sequence decides.
	for _, n := range []int{7, 2, 9, 4} {
		mustCreateInv(t, s, newInvalidation(d.ID, n, "/a"))
	}
	for range 3 {
		items, _, err := s.ListInvalidations(ctx(t), d.ID, "", 10)
		if err != nil {
			t.Fatalf("ListInvalidations: %v", err)
		}
		want := []string{"I0000000000004", "I0000000000009", "I0000000000002", "I0000000000007"}
		if diff := cmp.Diff(want, ids(items, invID)); diff != "" {
			t.Fatalf("order (-want +got):\n%s", diff)
		}
	}
}

func testCountInProgress(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	for i, done := range []time.Duration{5 * time.Second, 10 * time.Second, 10 * time.Second, 0} {
		inv := newInvalidation(d.ID, i+1, "/a")
		inv.CompleteAt = T0.Add(done)
		mustCreateInv(t, s, inv)
	}
	for _, tc := range []struct {
		at   time.Duration
		want int
	}{{0, 3}, {4 * time.Second, 3}, {5 * time.Second, 2}, {10 * time.Second, 0}, {time.Hour, 0}} {
		got, err := s.CountInProgress(ctx(t), d.ID, T0.Add(tc.at))
		if err != nil {
			t.Fatalf("CountInProgress: %v", err)
		}
		if got != tc.want {
			t.Errorf("CountInProgress at +%v = %d, want %d", tc.at, got, tc.want)
		}
	}
}

func testReturnedCopies(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	d.Config.Set("Comment", "mutated after create")
	got, _ := s.GetDistribution(ctx(t), d.ID)
	got.Config.Set("Comment", "mutated after get")
	got.ETag = "X"
	got.Tags[0].Value = "mutated after get"
	again, _ := s.GetDistribution(ctx(t), d.ID)
	if again.Config.Value("Comment") != "café <&>" || again.ETag != NewDistribution(1).ETag || again.Tags[0].Value != "dist 1" {
		t.Errorf("store shares memory with callers: Comment %q, ETag %q, tag %q", again.Config.Value("Comment"), again.ETag, again.Tags[0].Value)
	}
	inv := mustCreateInv(t, s, newInvalidation(d.ID, 1, "/a"))
	inv.Paths[0] = "/mutated"
	stored, _ := s.GetInvalidation(ctx(t), d.ID, inv.ID)
	if stored.Paths[0] != "/a" {
		t.Errorf("store shares invalidation paths with callers: %q", stored.Paths[0])
	}
}

func testConcurrentCreates(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	const workers, each = 4, 10
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
	)
	// Every worker sends the same CallerReferences: exactly one create
	// per reference wins, the rest replay it.
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				inv := newInvalidation(d.ID, 100*w+i, "/a")
				inv.CallerReference = fmt.Sprintf("shared-%d", i)
				_, ok, err := s.CreateInvalidation(context.Background(), inv, T0, noAdmit)
				if err != nil {
					t.Errorf("CreateInvalidation: %v", err)
					return
				}
				if ok {
					mu.Lock()
					created++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if created != each {
		t.Errorf("created %d invalidations, want %d", created, each)
	}
	items, _, err := s.ListInvalidations(ctx(t), d.ID, "", 1000)
	if err != nil || len(items) != each {
		t.Errorf("ListInvalidations = %d items, %v; want %d", len(items), err, each)
	}
}

// testSameReferenceRace starts 16 creates of one CallerReference at once,
// over and over, so that (in a store with group commit) several of them
// share a transaction: each round stores exactly one invalidation, and
// every create of the round returns that one.
func testSameReferenceRace(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	const workers, rounds = 16, 8
	for round := range rounds {
		type result struct {
			id      string
			created bool
		}
		results := make([]result, workers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				inv := newInvalidation(d.ID, 1000*round+w, "/a")
				inv.CallerReference = fmt.Sprintf("race-%d", round)
				<-start
				got, created, err := s.CreateInvalidation(context.Background(), inv, T0, noAdmit)
				if err != nil {
					t.Errorf("round %d worker %d: CreateInvalidation: %v", round, w, err)
					return
				}
				results[w] = result{got.ID, created}
			})
		}
		close(start)
		wg.Wait()
		var winner string
		for _, r := range results {
			if r.created {
				if winner != "" {
					t.Errorf("round %d: two creates of one CallerReference both stored: %s and %s", round, winner, r.id)
				}
				winner = r.id
			}
		}
		if winner == "" {
			t.Fatalf("round %d: no create stored the invalidation: %+v", round, results)
		}
		for w, r := range results {
			if r.id != winner {
				t.Errorf("round %d worker %d got %s, want the stored %s", round, w, r.id, winner)
			}
		}
	}
	items, _, err := s.ListInvalidations(ctx(t), d.ID, "", 1000)
	if err != nil || len(items) != rounds {
		t.Errorf("ListInvalidations = %d items, %v; want %d", len(items), err, rounds)
	}
	seen := map[uint64]bool{}
	for _, inv := range items {
		if seen[inv.Seq] {
			t.Errorf("Seq %d given twice", inv.Seq)
		}
		seen[inv.Seq] = true
	}
}

func testClosed(t *testing.T, s store.Store) {
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err := s.GetDistribution(ctx(t), "E1")
	wantErr(t, "GetDistribution after Close", err, store.ErrClosed)
	wantErr(t, "CreateDistribution after Close", s.CreateDistribution(ctx(t), NewDistribution(1)), store.ErrClosed)
}

// testInvalidationSets: a set made by CreateInvalidationSet (a
// distribution tenant's) takes invalidations as a distribution's does,
// with its own references, limits and order, apart from every other set;
// making it twice keeps it; deleting it takes its invalidations; a
// distribution's set cannot be deleted so.
func testInvalidationSets(t *testing.T, s store.Store) {
	d := mustCreateDist(t, s, 1)
	const a, b = "dt_A", "dt_B"
	_, _, err := s.CreateInvalidation(ctx(t), newInvalidation(a, 1, "/a"), T0, noAdmit)
	wantErr(t, "CreateInvalidation before the set exists", err, store.ErrNoDistribution)
	for _, owner := range []string{a, b, a, d.ID} {
		if err := s.CreateInvalidationSet(ctx(t), owner); err != nil {
			t.Fatalf("CreateInvalidationSet(%s): %v", owner, err)
		}
	}
	wantErr(t, "CreateInvalidationSet of an empty owner", s.CreateInvalidationSet(ctx(t), ""), store.ErrInvalidKey)
	first := mustCreateInv(t, s, newInvalidation(a, 1, "/a/*"))
	mustCreateInv(t, s, newInvalidation(a, 2, "/b/*"))
	// The same reference in another set, and in the distribution's, is
	// a new invalidation there.
	mustCreateInv(t, s, newInvalidation(b, 3, "/a/*"))
	inD := newInvalidation(d.ID, 4, "/a/*")
	inD.CallerReference = first.CallerReference
	mustCreateInv(t, s, inD)
	again := newInvalidation(a, 5, "/other")
	again.CallerReference = first.CallerReference
	got, created, err := s.CreateInvalidation(ctx(t), again, T0, noAdmit)
	if err != nil || created || got.ID != first.ID {
		t.Fatalf("replaying %s in its set = %v created %v, %v; want %s replayed", first.CallerReference, got, created, err, first.ID)
	}
	var seen []string
	admit := func(running []*store.Invalidation) error {
		seen = ids(running, invID)
		return nil
	}
	if _, _, err := s.CreateInvalidation(ctx(t), newInvalidation(a, 6, "/c"), T0, admit); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"I0000000000001", "I0000000000002"}, seen); diff != "" {
		t.Errorf("admit saw in progress in %s (-want +got):\n%s", a, diff)
	}
	list, _, err := s.ListInvalidations(ctx(t), a, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"I0000000000006", "I0000000000002", "I0000000000001"}, ids(list, invID)); diff != "" {
		t.Errorf("ListInvalidations(%s) (-want +got):\n%s", a, diff)
	}
	if n, err := s.CountInProgress(ctx(t), a, T0); n != 3 || err != nil {
		t.Errorf("CountInProgress(%s) = %d, %v; want 3", a, n, err)
	}
	_, err = s.GetInvalidation(ctx(t), b, first.ID)
	wantErr(t, "GetInvalidation of another set's ID", err, store.ErrNoInvalidation)
	if g, err := s.GetInvalidation(ctx(t), a, first.ID); err != nil || g.DistributionID != a {
		t.Errorf("GetInvalidation(%s, %s) = %+v, %v", a, first.ID, g, err)
	}

	if err := s.DeleteInvalidationSet(ctx(t), a); err != nil {
		t.Fatalf("DeleteInvalidationSet(%s): %v", a, err)
	}
	_, err = s.GetInvalidation(ctx(t), a, first.ID)
	wantErr(t, "GetInvalidation in a deleted set", err, store.ErrNoDistribution)
	wantErr(t, "DeleteInvalidationSet twice", s.DeleteInvalidationSet(ctx(t), a), store.ErrNoDistribution)
	wantErr(t, "DeleteInvalidationSet of a distribution", s.DeleteInvalidationSet(ctx(t), d.ID), store.ErrNoDistribution)
	if n, err := s.CountInProgress(ctx(t), b, T0); n != 1 || err != nil {
		t.Errorf("CountInProgress(%s) after deleting %s = %d, %v; want 1", b, a, n, err)
	}
	if n, err := s.CountInProgress(ctx(t), d.ID, T0); n != 1 || err != nil {
		t.Errorf("CountInProgress(%s) after deleting %s = %d, %v; want 1", d.ID, a, n, err)
	}
	// Made again, the set starts empty.
	if err := s.CreateInvalidationSet(ctx(t), a); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountInProgress(ctx(t), a, T0); n != 0 || err != nil {
		t.Errorf("CountInProgress(%s) made again = %d, %v; want 0", a, n, err)
	}
}
