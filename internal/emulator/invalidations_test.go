package emulator_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/emulator"
)

var invIDPattern = regexp.MustCompile(`^I[A-Z0-9]{13}$`)

func TestCreateInvalidationLifecycle(t *testing.T) {
	f := newFixture(t)
	dist := *f.createDist("d1").Distribution.Id
	out, err := f.invalidate(dist, "ref-1", "/index.html", "/img/*", "#product:tv")
	if err != nil {
		t.Fatalf("CreateInvalidation: %v", err)
	}
	inv := out.Invalidation
	if !invIDPattern.MatchString(*inv.Id) {
		t.Errorf("Id = %q, want I + 13 of [A-Z0-9]", *inv.Id)
	}
	wantLoc := f.srv.URL + "/2020-05-31/distribution/" + dist + "/invalidation/" + *inv.Id
	if got := aws.ToString(out.Location); got != wantLoc {
		t.Errorf("Location = %q, want %q", got, wantLoc)
	}
	if *inv.Status != "InProgress" {
		t.Errorf("Status = %q, want InProgress", *inv.Status)
	}
	if want := t0.Truncate(time.Millisecond); !inv.CreateTime.Equal(want) {
		t.Errorf("CreateTime = %v, want %v (ms precision)", inv.CreateTime, want)
	}
	if diff := cmp.Diff([]string{"/index.html", "/img/*", "#product:tv"}, inv.InvalidationBatch.Paths.Items); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	if got := f.purger.Calls(); len(got) != 1 || got[0].Dist != dist || len(got[0].Items) != 3 {
		t.Errorf("purges before the 201 = %+v, want one for %s with 3 items", got, dist)
	}

	status := func() (string, int32) {
		t.Helper()
		g, err := f.cf.GetInvalidation(t.Context(), &cloudfront.GetInvalidationInput{DistributionId: &dist, Id: inv.Id})
		if err != nil {
			t.Fatalf("GetInvalidation: %v", err)
		}
		d, err := f.cf.GetDistribution(t.Context(), &cloudfront.GetDistributionInput{Id: &dist})
		if err != nil {
			t.Fatalf("GetDistribution: %v", err)
		}
		return *g.Invalidation.Status, *d.Distribution.InProgressInvalidationBatches
	}
	if s, n := status(); s != "InProgress" || n != 1 {
		t.Errorf("before the delay: status %s, InProgressInvalidationBatches %d; want InProgress, 1", s, n)
	}
	f.clock.Advance(delay - time.Millisecond)
	if s, _ := status(); s != "InProgress" {
		t.Errorf("1ms before the delay: status %s, want InProgress", s)
	}
	f.clock.Advance(time.Millisecond)
	if s, n := status(); s != "Completed" || n != 0 {
		t.Errorf("after the delay: status %s, InProgressInvalidationBatches %d; want Completed, 0", s, n)
	}
}

func TestInvalidationCompletedWaiter(t *testing.T) {
	f := newFixture(t, func(o *emulator.Options) { o.CompletionDelay = 0 })
	dist := *f.createDist("d1").Distribution.Id
	inv := f.mustInvalidate(dist, "ref", "/a")
	// The SDK's own waiter accepts our status string.
	w := cloudfront.NewInvalidationCompletedWaiter(f.cf, func(o *cloudfront.InvalidationCompletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, time.Millisecond
	})
	if err := w.Wait(t.Context(), &cloudfront.GetInvalidationInput{DistributionId: &dist, Id: inv.Id}, 5*time.Second); err != nil {
		t.Fatalf("InvalidationCompleted waiter: %v", err)
	}
}

func TestCallerReference(t *testing.T) {
	f := newFixture(t)
	dist := *f.createDist("d1").Distribution.Id
	first := f.mustInvalidate(dist, "same", "/a", "/b")

	again, err := f.invalidate(dist, "same", "/a", "/b")
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if *again.Invalidation.Id != *first.Id {
		t.Errorf("replay returned %s, want the existing %s", *again.Invalidation.Id, *first.Id)
	}
	if n := len(f.purger.Calls()); n != 1 {
		t.Errorf("replay purged again: %d purges, want 1", n)
	}

	_, err = f.invalidate(dist, "same", "/b", "/a")
	wantAPIErr(t, err, "InvalidationBatchAlreadyExists", 409)
	_, err = f.invalidate(dist, "same", "/a")
	wantAPIErr(t, err, "InvalidationBatchAlreadyExists", 409)

	list, err := f.cf.ListInvalidations(t.Context(), &cloudfront.ListInvalidationsInput{DistributionId: &dist})
	if err != nil {
		t.Fatalf("ListInvalidations: %v", err)
	}
	if *list.InvalidationList.Quantity != 1 {
		t.Errorf("invalidations after replays = %d, want 1", *list.InvalidationList.Quantity)
	}
	// Another distribution may use the same reference.
	other := *f.createDist("d2").Distribution.Id
	if inv := f.mustInvalidate(other, "same", "/c"); *inv.Id == *first.Id {
		t.Errorf("other distribution got the same invalidation")
	}
}

func TestCreateInvalidationErrors(t *testing.T) {
	f := newFixture(t)
	dist := *f.createDist("d1").Distribution.Id
	long := "/" + strings.Repeat("a", 4000)
	tests := []struct {
		name   string
		dist   string
		batch  *types.InvalidationBatch
		code   string
		status int
	}{
		{"unknown distribution", "ENOSUCHDIST000", batch("r", "/a"), "NoSuchDistribution", 404},
		{"no leading slash", dist, batch("r", "index.html"), "InvalidArgument", 400},
		{"wildcard not last", dist, batch("r", "/a*b"), "InvalidArgument", 400},
		{"path too long", dist, batch("r", long), "InvalidArgument", 400},
		{"bad tag", dist, batch("r", "#a,b"), "InvalidArgument", 400},
		{"empty batch", dist, batch("r"), "InvalidArgument", 400},
		{"empty caller reference", dist, batch("", "/a"), "InvalidArgument", 400},
		{"quantity too high", dist, &types.InvalidationBatch{CallerReference: aws.String("r"),
			Paths: &types.Paths{Quantity: aws.Int32(2), Items: []string{"/a"}}}, "InconsistentQuantities", 400},
		{"3001 paths", dist, batch("r", paths("/p", 3001)...), "BatchTooLarge", 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cf.CreateInvalidation(t.Context(), &cloudfront.CreateInvalidationInput{DistributionId: &tt.dist, InvalidationBatch: tt.batch})
			wantAPIErr(t, err, tt.code, tt.status)
		})
	}
	if n := len(f.purger.Calls()); n != 0 {
		t.Errorf("refused batches purged %d times, want 0", n)
	}
	// 3000 paths is allowed.
	f.mustInvalidate(dist, "max", paths("/p", 3000)...)
}

func TestInvalidArgumentNamesTheItem(t *testing.T) {
	f := newFixture(t)
	dist := *f.createDist("d1").Distribution.Id
	_, err := f.invalidate(dist, "r", "/ok", "no-slash")
	wantAPIErr(t, err, "InvalidArgument", 400)
	if !strings.Contains(err.Error(), `item 2 "no-slash"`) {
		t.Errorf("message does not name the item: %v", err)
	}
}

func TestInProgressLimits(t *testing.T) {
	tests := []struct {
		name   string
		before [][]string // batches already running
		next   []string
		ok     bool
	}{
		{"3000 files in one batch", nil, paths("/f", 3000), true},
		{"3000 files across batches", [][]string{paths("/a", 2000)}, paths("/b", 1000), true},
		{"3001 files across batches", [][]string{paths("/a", 2000)}, paths("/b", 1001), false},
		{"tags count as files", [][]string{paths("/a", 2999)}, []string{"#t1", "#t2"}, false},
		{"15 wildcards", [][]string{wild("/w", 10)}, wild("/x", 5), true},
		{"16 wildcards", [][]string{wild("/w", 10)}, wild("/x", 6), false},
		{"16 wildcards in one batch", nil, wild("/w", 16), false},
		{"wildcards apart from files", [][]string{paths("/a", 3000)}, wild("/w", 15), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			dist := *f.createDist("d").Distribution.Id
			for i, b := range tt.before {
				f.mustInvalidate(dist, fmt.Sprint("before-", i), b...)
			}
			_, err := f.invalidate(dist, "next", tt.next...)
			if tt.ok {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				return
			}
			wantAPIErr(t, err, "TooManyInvalidationsInProgress", 400)
			// Once the running batches complete, the same batch fits
			// (unless it alone is over a limit).
			f.clock.Advance(delay)
			_, err = f.invalidate(dist, "next", tt.next...)
			if len(tt.before) > 0 && err != nil {
				t.Errorf("after completion: got %v, want accepted", err)
			}
		})
	}
}

func wild(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d/*", prefix, i)
	}
	return out
}

func TestGetInvalidationErrors(t *testing.T) {
	f := newFixture(t)
	d1 := *f.createDist("d1").Distribution.Id
	d2 := *f.createDist("d2").Distribution.Id
	inv := f.mustInvalidate(d1, "r", "/a")
	tests := []struct {
		name, dist, id, code string
	}{
		{"unknown distribution", "ENOSUCHDIST000", *inv.Id, "NoSuchDistribution"},
		{"unknown invalidation", d1, "INOSUCH", "NoSuchInvalidation"},
		{"another distribution's", d2, *inv.Id, "NoSuchInvalidation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cf.GetInvalidation(t.Context(), &cloudfront.GetInvalidationInput{DistributionId: &tt.dist, Id: &tt.id})
			wantAPIErr(t, err, tt.code, 404)
		})
	}
}

func TestListInvalidations(t *testing.T) {
	f := newFixture(t)
	dist := *f.createDist("d1").Distribution.Id
	var ids []string
	for i := range 5 {
		ids = append(ids, *f.mustInvalidate(dist, fmt.Sprint("r", i), "/a").Id)
		f.clock.Advance(time.Second)
	}
	// Newest first. The clock is now t0+5s and the delay 3s, so the three
	// created at t0, t0+1s and t0+2s have completed.
	want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}

	var got []string
	var marker *string
	for page := 0; ; page++ {
		out, err := f.cf.ListInvalidations(t.Context(), &cloudfront.ListInvalidationsInput{DistributionId: &dist, MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatalf("ListInvalidations: %v", err)
		}
		l := out.InvalidationList
		if aws.ToString(l.Marker) != aws.ToString(marker) || *l.MaxItems != 2 || int(*l.Quantity) != len(l.Items) {
			t.Errorf("page %d: Marker %q (sent %q), MaxItems %d, Quantity %d for %d items",
				page, aws.ToString(l.Marker), aws.ToString(marker), *l.MaxItems, *l.Quantity, len(l.Items))
		}
		for _, it := range l.Items {
			got = append(got, *it.Id)
		}
		if !*l.IsTruncated {
			if l.NextMarker != nil {
				t.Errorf("last page has NextMarker %q", *l.NextMarker)
			}
			break
		}
		if *l.NextMarker != *l.Items[len(l.Items)-1].Id {
			t.Errorf("NextMarker %q is not the last item %q", *l.NextMarker, *l.Items[len(l.Items)-1].Id)
		}
		marker = l.NextMarker
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}

	// The SDK paginator walks the same pages.
	p := cloudfront.NewListInvalidationsPaginator(f.cf, &cloudfront.ListInvalidationsInput{DistributionId: &dist, MaxItems: aws.Int32(3)})
	var statuses []string
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("paginator: %v", err)
		}
		for _, it := range out.InvalidationList.Items {
			statuses = append(statuses, *it.Status)
		}
	}
	if diff := cmp.Diff([]string{"InProgress", "InProgress", "Completed", "Completed", "Completed"}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestListInvalidationsErrors(t *testing.T) {
	f := newFixture(t)
	dist := *f.createDist("d1").Distribution.Id
	f.mustInvalidate(dist, "r", "/a")
	tests := []struct {
		name   string
		dist   string
		max    *int32
		marker *string
		code   string
		status int
	}{
		{"unknown distribution", "ENOSUCHDIST000", nil, nil, "NoSuchDistribution", 404},
		{"MaxItems 0", dist, aws.Int32(0), nil, "InvalidArgument", 400},
		{"MaxItems 1001", dist, aws.Int32(1001), nil, "InvalidArgument", 400},
		{"unknown marker", dist, nil, aws.String("INOSUCH"), "InvalidArgument", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cf.ListInvalidations(t.Context(), &cloudfront.ListInvalidationsInput{DistributionId: &tt.dist, MaxItems: tt.max, Marker: tt.marker})
			wantAPIErr(t, err, tt.code, tt.status)
		})
	}
	resp, body := f.do("GET", "/2020-05-31/distribution/"+dist+"/invalidation?MaxItems=abc", nil)
	wantRawErr(t, resp, body, "InvalidArgument", 400, "MaxItems")
	resp, body = f.do("GET", "/2020-05-31/distribution/"+dist+"/invalidation", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "<Marker></Marker><MaxItems>100</MaxItems><IsTruncated>false</IsTruncated><Quantity>1</Quantity>") {
		t.Errorf("default list: got %d %s, want empty Marker, MaxItems 100", resp.StatusCode, body)
	}
}

func TestCreateInvalidationRawBodies(t *testing.T) {
	f := newFixture(t)
	dist := *f.createDist("d1").Distribution.Id
	path := "/2020-05-31/distribution/" + dist + "/invalidation"
	const ns = `xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"`
	tests := []struct {
		name   string
		body   string
		code   string
		status int
		msg    string
	}{
		{"empty body", "", "MissingBody", 400, "requires a body"},
		{"whitespace body", " \n", "MissingBody", 400, "requires a body"},
		{"malformed", `<InvalidationBatch><oops`, "MalformedXML", 400, "not well-formed"},
		{"not XML", `{"Paths":[]}`, "MalformedXML", 400, "not well-formed"},
		{"wrong root", `<DistributionConfig ` + ns + `/>`, "MalformedXML", 400, "<Message>The XML you provided was not well-formed or did not validate against our published schema.</Message>"},
		{"DTD", `<!DOCTYPE x [<!ENTITY a "b">]><InvalidationBatch/>`, "MalformedXML", 400, "not well-formed"},
		{"quantity mismatch", `<InvalidationBatch><CallerReference>r</CallerReference><Paths><Quantity>1</Quantity><Items><Path>/a</Path><Path>/b</Path></Items></Paths></InvalidationBatch>`,
			"InconsistentQuantities", 400, "The specified quantity of Paths (1) does not match the actual quantity supplied (2)."},
		{"quantity not a number", `<InvalidationBatch><CallerReference>r</CallerReference><Paths><Quantity>x</Quantity></Paths></InvalidationBatch>`,
			"MalformedXML", 400, "<Message>The XML you provided was not well-formed or did not validate against our published schema.</Message>"},
		{"no paths", `<InvalidationBatch><CallerReference>r</CallerReference></InvalidationBatch>`, "InvalidArgument", 400, "Paths is required"},
		{"no caller reference", `<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths></InvalidationBatch>`,
			"InvalidArgument", 400, "CallerReference is required"},
		{"non-Path item", `<InvalidationBatch><CallerReference>r</CallerReference><Paths><Quantity>1</Quantity><Items><Foo>/a</Foo></Items></Paths></InvalidationBatch>`,
			"MalformedXML", 400, "<Message>The XML you provided was not well-formed or did not validate against our published schema.</Message>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.do("POST", path, strings.NewReader(tt.body))
			wantRawErr(t, resp, body, tt.code, tt.status, tt.msg)
		})
	}

	t.Run("any element order, no content type, namespace optional", func(t *testing.T) {
		body := `<InvalidationBatch ` + ns + `><Paths><Items><Path>/x</Path></Items><Quantity>1</Quantity></Paths><CallerReference>order</CallerReference></InvalidationBatch>`
		resp, got := f.do("POST", path, strings.NewReader(body))
		if resp.StatusCode != 201 || !strings.Contains(got, "<Path>/x</Path>") {
			t.Fatalf("got %d %s, want 201", resp.StatusCode, got)
		}
		resp, got = f.do("POST", path, strings.NewReader(`<InvalidationBatch><CallerReference>nons</CallerReference><Paths><Quantity>1</Quantity><Items><Path>/y</Path></Items></Paths></InvalidationBatch>`))
		if resp.StatusCode != 201 {
			t.Fatalf("without namespace: got %d %s, want 201", resp.StatusCode, got)
		}
	})
	t.Run("XML escaping round-trips", func(t *testing.T) {
		body := `<InvalidationBatch><CallerReference>esc</CallerReference><Paths><Quantity>1</Quantity><Items><Path>/a&amp;b&lt;c&gt;.html</Path></Items></Paths></InvalidationBatch>`
		resp, got := f.do("POST", path, strings.NewReader(body))
		if resp.StatusCode != 201 || !strings.Contains(got, "<Path>/a&amp;b&lt;c&gt;.html</Path>") {
			t.Fatalf("got %d %s", resp.StatusCode, got)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t, func(o *emulator.Options) { o.MaxBodyBytes = 1000 })
	dist := *f.createDist("d1").Distribution.Id
	path := "/2020-05-31/distribution/" + dist + "/invalidation"
	big := `<InvalidationBatch><CallerReference>r</CallerReference><Paths><Quantity>1</Quantity><Items><Path>/` + strings.Repeat("a", 2000) + `</Path></Items></Paths></InvalidationBatch>`

	resp, body := f.do("POST", path, strings.NewReader(big))
	wantRawErr(t, resp, body, "BatchTooLarge", 413, "limit of 1000 bytes")

	// A chunked body (no Content-Length) is cut off at the limit too.
	resp, body = f.do("POST", path, struct{ *strings.Reader }{strings.NewReader(big)})
	wantRawErr(t, resp, body, "BatchTooLarge", 413, "limit of 1000 bytes")

	resp, body = f.do("PUT", "/2020-05-31/distribution/"+dist+"/config", strings.NewReader(strings.Repeat(" ", 2000)), "If-Match", "x")
	wantRawErr(t, resp, body, "RequestEntityTooLarge", 413, "limit")
}

func TestPurgeFailure(t *testing.T) {
	f := newFixture(t)
	dist := *f.createDist("d1").Distribution.Id
	f.purger.fail = errors.New("cache unreachable")
	_, err := f.invalidate(dist, "r", "/a")
	wantAPIErr(t, err, "ServiceUnavailable", 503)
	list, err := f.cf.ListInvalidations(t.Context(), &cloudfront.ListInvalidationsInput{DistributionId: &dist})
	if err != nil || *list.InvalidationList.Quantity != 0 {
		t.Fatalf("after a failed purge: %v, %d invalidations; want none stored", err, *list.InvalidationList.Quantity)
	}
	// The client's retry with the same reference succeeds once the cache is back.
	f.purger.fail = nil
	f.mustInvalidate(dist, "r", "/a")
	if n := len(f.purger.Calls()); n != 1 {
		t.Errorf("purges = %d, want 1", n)
	}
}

func TestPanicBecomesInternalFailure(t *testing.T) {
	f := newFixture(t)
	dist := *f.createDist("d1").Distribution.Id
	f.purger.panic = true
	_, err := f.invalidate(dist, "r", "/a")
	wantAPIErr(t, err, "InternalFailure", 500)
	// The server still works.
	f.purger.panic = false
	f.mustInvalidate(dist, "r2", "/a")
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestResponseHeaders(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do("GET", "/2020-05-31/distribution/ENOSUCH/invalidation/INOSUCH", nil)
	id := resp.Header.Get("x-amzn-RequestId")
	if !uuidPattern.MatchString(id) {
		t.Errorf("x-amzn-RequestId = %q, want a UUID", id)
	}
	if !strings.Contains(body, "<RequestId>"+id+"</RequestId>") {
		t.Errorf("body RequestId differs from the header %s: %s", id, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type = %q, want text/xml", ct)
	}
	resp2, _ := f.do("GET", "/2020-05-31/distribution", nil)
	if id2 := resp2.Header.Get("x-amzn-RequestId"); !uuidPattern.MatchString(id2) || id2 == id {
		t.Errorf("second request id %q: want a new UUID", id2)
	}
}
