package cfinv

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cfinv/cfinv/internal/journal"
)

func apiErr(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: code + " message"}
}

func inv(id, status string, items []string, ref string) *types.Invalidation {
	return &types.Invalidation{
		Id: aws.String(id), Status: aws.String(status), CreateTime: aws.Time(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)),
		InvalidationBatch: &types.InvalidationBatch{CallerReference: aws.String(ref), Paths: &types.Paths{Quantity: aws.Int32(int32(len(items))), Items: items}},
	}
}

// creator answers CreateInvalidation with I1, I2… after the given errors,
// and records every caller reference it was sent.
func creator(errs ...error) (func(*cloudfront.CreateInvalidationInput) (*cloudfront.CreateInvalidationOutput, error), *[]string) {
	var refs []string
	n := 0
	return func(in *cloudfront.CreateInvalidationInput) (*cloudfront.CreateInvalidationOutput, error) {
		refs = append(refs, *in.InvalidationBatch.CallerReference)
		if len(errs) > 0 {
			err := errs[0]
			errs = errs[1:]
			return nil, err
		}
		n++
		id := fmt.Sprintf("I%d", n)
		return &cloudfront.CreateInvalidationOutput{
			Location:     aws.String("https://cloudfront.amazonaws.com/2020-05-31/distribution/" + *in.DistributionId + "/invalidation/" + id),
			Invalidation: inv(id, StatusInProgress, in.InvalidationBatch.Paths.Items, *in.InvalidationBatch.CallerReference),
		}, nil
	}, &refs
}

func TestInvalidateRetriesWithTheSameReference(t *testing.T) {
	tests := []struct {
		name     string
		errs     []error
		deadline time.Duration
		wantErr  string
		attempts int
	}{
		{name: "throttled then ok", errs: []error{apiErr("Throttling"), apiErr("ServiceUnavailable")}, deadline: time.Minute, attempts: 3},
		{name: "too many in progress then ok", errs: []error{apiErr("TooManyInvalidationsInProgress")}, deadline: time.Minute, attempts: 2},
		{name: "limit past deadline", errs: []error{apiErr("TooManyInvalidationsInProgress"), apiErr("TooManyInvalidationsInProgress"), apiErr("TooManyInvalidationsInProgress")}, deadline: 1500 * time.Millisecond, wantErr: "batch 1 still refused", attempts: 3}, // the last at the deadline
		{name: "client error is final", errs: []error{apiErr("InvalidArgument")}, deadline: time.Minute, wantErr: "InvalidArgument", attempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			create, refs := creator(tt.errs...)
			c := &Client{api: &fakeAPI{create: create}, nowFn: clock.Now, sleepFn: clock.Sleep}
			res, err := c.submitJob(t.Context(), job{DistributionID: "E1", Batches: [][]string{{"/a"}}, References: []string{"ref-1"}, Deadline: clock.Now().Add(tt.deadline)})
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if len(*refs) != tt.attempts {
				t.Errorf("attempts = %d, want %d", len(*refs), tt.attempts)
			}
			for _, r := range *refs {
				if r != "ref-1" {
					t.Errorf("a retry used reference %q, want ref-1", r)
				}
			}
			if tt.wantErr == "" && res.done() != 1 {
				t.Errorf("Done() = %d, want 1", res.done())
			}
		})
	}
}

func TestInvalidateLimitErrorClass(t *testing.T) {
	clock := newFakeClock()
	refusals := make([]error, 20)
	for i := range refusals {
		refusals[i] = apiErr("TooManyInvalidationsInProgress")
	}
	create, _ := creator(refusals...)
	c := &Client{api: &fakeAPI{create: create}, nowFn: clock.Now, sleepFn: clock.Sleep}
	_, err := c.submitJob(t.Context(), job{DistributionID: "E1", Batches: [][]string{{"/a"}}, References: []string{"r"}, Deadline: clock.Now().Add(time.Second)})
	var le *LimitError
	if !errors.As(err, &le) || !errors.Is(err, ErrLimit) {
		t.Fatalf("error = %#v, want *LimitError matching ErrLimit", err)
	}
}

func TestInvalidatePartialFailure(t *testing.T) {
	clock := newFakeClock()
	n := 0
	create := func(in *cloudfront.CreateInvalidationInput) (*cloudfront.CreateInvalidationOutput, error) {
		n++
		if n == 2 {
			return nil, apiErr("AccessDenied")
		}
		return &cloudfront.CreateInvalidationOutput{Invalidation: inv("I1", StatusCompleted, in.InvalidationBatch.Paths.Items, "r")}, nil
	}
	c := &Client{api: &fakeAPI{create: create}, nowFn: clock.Now, sleepFn: clock.Sleep}
	res, err := c.submitJob(t.Context(), job{DistributionID: "E1", Batches: [][]string{{"/a"}, {"/b"}, {"/c"}}, References: []string{"r1", "r2", "r3"}})
	var pe *PartialError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v, want *PartialError", err)
	}
	if pe.Done != 1 || pe.Total != 3 || !errors.Is(err, ErrPartial) || len(pe.Succeeded) != 1 || pe.Succeeded[0].Paths[0] != "/a" {
		t.Errorf("got done %d of %d, succeeded %+v, want 1 of 3 matching ErrPartial, /a succeeded", pe.Done, pe.Total, pe.Succeeded)
	}
	var ae *APIError
	if !errors.As(err, &ae) || !errors.Is(err, ErrAccessDenied) {
		t.Errorf("the cause is not the translated AccessDenied: %v", err)
	}
	if len(res.Batches) != 3 || res.Batches[2].Invalidation != nil {
		t.Errorf("result batches = %+v, want 3 with the last not submitted", res.Batches)
	}
}

func TestInvalidateQueuesBeyondWildcardBudget(t *testing.T) {
	clock := newFakeClock()
	wild := func(prefix string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("/%s%02d/*", prefix, i))
		}
		return out
	}
	create, _ := creator()
	gets := 0
	api := &fakeAPI{create: create, get: func(in *cloudfront.GetInvalidationInput) (*cloudfront.GetInvalidationOutput, error) {
		gets++
		status := StatusInProgress
		if gets >= 3 {
			status = StatusCompleted
		}
		return &cloudfront.GetInvalidationOutput{Invalidation: inv(*in.Id, status, nil, "r")}, nil
	}}
	var events []string
	c := &Client{api: api, nowFn: clock.Now, sleepFn: clock.Sleep}
	res, err := c.submitJob(t.Context(), job{
		DistributionID: "E1", Batches: [][]string{wild("a", 10), wild("b", 10)}, References: []string{"r1", "r2"},
		Deadline: clock.Now().Add(time.Minute),
		Event:    func(e Event) { events = append(events, e.String()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"create", "get I1", "get I1", "get I1", "create"}
	if diff := cmp.Diff(want, api.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if res.done() != 2 {
		t.Errorf("Done() = %d, want 2", res.done())
	}
	if !strings.Contains(strings.Join(events, "\n"), "batch 2: queued until earlier batches complete") {
		t.Errorf("events %q do not say batch 2 was queued", events)
	}
}

func TestInvalidateResumesFromJournal(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	clock := newFakeClock()
	batches := [][]string{{"/a"}, {"/b"}}
	refs := []string{DeployReference("E1", batches[0], "d1"), DeployReference("E1", batches[1], "d1")}

	// First run: the second batch fails for good.
	create, _ := creator()
	first := &fakeAPI{create: func(in *cloudfront.CreateInvalidationInput) (*cloudfront.CreateInvalidationOutput, error) {
		if in.InvalidationBatch.Paths.Items[0] == "/b" {
			return nil, apiErr("AccessDenied")
		}
		return create(in)
	}}
	c := &Client{api: first, nowFn: clock.Now, sleepFn: clock.Sleep}
	if _, err := c.submitJob(t.Context(), job{DistributionID: "E1", Batches: batches, References: refs, DeployID: "d1", Journal: j}); err == nil {
		t.Fatal("first run succeeded, want the partial failure")
	}

	// Second run: only the second batch is sent.
	create2, sent := creator()
	second := &fakeAPI{create: create2, get: func(in *cloudfront.GetInvalidationInput) (*cloudfront.GetInvalidationOutput, error) {
		return &cloudfront.GetInvalidationOutput{Invalidation: inv(*in.Id, StatusCompleted, batches[0], refs[0])}, nil
	}}
	c.api = second
	res, err := c.submitJob(t.Context(), job{DistributionID: "E1", Batches: batches, References: refs, DeployID: "d1", Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{refs[1]}, *sent); diff != "" {
		t.Errorf("references sent on re-run (-want +got):\n%s", diff)
	}
	if !res.Batches[0].Resumed || res.Batches[1].Resumed {
		t.Errorf("Resumed = %v, %v; want true, false", res.Batches[0].Resumed, res.Batches[1].Resumed)
	}
}

func TestReferences(t *testing.T) {
	b := [][]string{{"/a", "/b"}, {"/c"}}
	c := &Client{nowFn: newFakeClock().Now, random: bytes.NewReader(bytes.Repeat([]byte{0xab}, 20))}
	deploy, err := c.references("E1", b, "v42", "")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := c.references("E1", b, "v42", "")
	if diff := cmp.Diff(deploy, again); diff != "" {
		t.Errorf("deploy references not stable (-first +second):\n%s", diff)
	}
	for _, other := range []string{DeployReference("E2", b[0], "v42"), DeployReference("E1", b[0], "v43"), DeployReference("E1", []string{"/a"}, "v42")} {
		if other == deploy[0] {
			t.Errorf("distinct inputs share reference %s", other)
		}
	}
	if a, b := DeployReference("E1", []string{"#Tag", "/a"}, "v42"), DeployReference("E1", []string{"/a", "#tag"}, "v42"); a != b {
		t.Errorf("a tag in another case gives another reference: %s, %s", a, b)
	}
	if !strings.HasPrefix(deploy[0], "cfinv-") || len(deploy[0]) != 46 {
		t.Errorf("deploy reference %q: want cfinv- and 40 hex digits", deploy[0])
	}
	user, _ := c.references("E1", b, "", "mine")
	if diff := cmp.Diff([]string{"mine", "mine-2"}, user); diff != "" {
		t.Errorf("user references (-want +got):\n%s", diff)
	}
	random, _ := c.references("E1", b, "", "")
	if want := "cfinv-1777636800-abababababababababab"; random[0] != want || random[1] != want {
		t.Errorf("random references = %q, want %q twice (same fake random source)", random, want)
	}
}

func TestTranslate(t *testing.T) {
	tests := []struct {
		op, code string
		kind     error
		msg      string
	}{
		{"create invalidation", "AccessDenied", ErrAccessDenied, "permission cloudfront:CreateInvalidation is missing"},
		{"get invalidation", "AccessDenied", ErrAccessDenied, "cloudfront:GetInvalidation"},
		{"create invalidation", "NoSuchDistribution", ErrNotFound, "NoSuchDistribution"},
		{"get invalidation", "NoSuchInvalidation", ErrNotFound, "NoSuchInvalidation"},
		{"create invalidation", "InvalidArgument", ErrInvalidInput, "InvalidArgument"},
		{"create invalidation", "InvalidationBatchAlreadyExists", ErrBatchExists, "InvalidationBatchAlreadyExists"},
		{"create invalidation", "SignatureDoesNotMatch", ErrCredentials, "SignatureDoesNotMatch"},
		{"create invalidation", "ExpiredToken", ErrCredentials, "ExpiredToken"},
		{"create invalidation", "TooManyInvalidationsInProgress", ErrLimit, "TooMany"},
		{"create invalidation", "InternalError", nil, "InternalError"},
	}
	sentinels := []error{ErrInvalidPath, ErrInvalidInput, ErrBatchExists, ErrCredentials, ErrAccessDenied, ErrNotFound, ErrUnreachable, ErrLimit, ErrTimeout, ErrPartial}
	for _, tt := range tests {
		t.Run(tt.op+"/"+tt.code, func(t *testing.T) {
			raw := apiErr(tt.code)
			err := translate(tt.op, "E1", raw, nil)
			var e *APIError
			if !errors.As(err, &e) || e.Op != tt.op || e.DistributionID != "E1" || e.Code != tt.code {
				t.Fatalf("translate gave %#v, want an *APIError with Op, DistributionID and Code", err)
			}
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.kind) {
					t.Errorf("errors.Is(err, %v) = %v, want %v", s, got, s == tt.kind)
				}
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), tt.op+" for E1: ") {
				t.Errorf("message %q, want %q prefix and %q", err, tt.op, tt.msg)
			}
			if !errors.Is(err, raw) {
				t.Error("the SDK error is not wrapped")
			}
		})
	}
	if err := translate("x", "", errors.New("operation error CloudFront: CreateInvalidation, get identity: get credentials: failed to refresh cached credentials"), nil); !errors.Is(err, ErrCredentials) {
		t.Errorf("missing credentials: %v, want ErrCredentials", err)
	}
}

func TestInvalidateReferenceReuse(t *testing.T) {
	clock := newFakeClock()
	reuse := &smithy.GenericAPIError{Code: "InvalidArgument", Message: "Your request contains a caller reference that was used for a previous invalidation batch for the same distribution."}
	create, _ := creator(reuse)
	c := &Client{api: &fakeAPI{create: create}, nowFn: clock.Now, sleepFn: clock.Sleep}
	_, err := c.submitJob(t.Context(), job{DistributionID: "E1", Batches: [][]string{{"/a"}}, References: []string{"r"}})
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "caller reference that was used") {
		t.Errorf("error %v: want ErrInvalidInput with CloudFront's message", err)
	}
}

func TestResolve(t *testing.T) {
	dists := []Distribution{
		{ID: "E1", DomainName: "d111.cloudfront.net", Aliases: []string{"www.example.com"}},
		{ID: "E2", DomainName: "d222.cloudfront.net", Aliases: []string{"*.example.com"}},
		{ID: "E3", DomainName: "d333.cloudfront.net", Aliases: []string{"WWW.example.com"}},
	}
	tests := []struct {
		name string
		want []string
		err  bool
	}{
		{"www.example.com", []string{"E1", "E3"}, false},
		{"d222.cloudfront.net", []string{"E2"}, false},
		{"img.example.com.", []string{"E2"}, false},
		{"a.b.example.com", nil, true},
		{"example.com", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := match(dists, tt.name)
			if (err != nil) != tt.err {
				t.Fatalf("match(%q) error = %v, want error %v", tt.name, err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("match(%q) (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

func TestLooksLikeID(t *testing.T) {
	for s, want := range map[string]bool{"E1U5RQF7T870K0": true, "EDFDVBD6EXAMPLE": true, "www.example.com": false, "e1u5rqf7t870k0": false, "E1": false} {
		if got := LooksLikeID(s); got != want {
			t.Errorf("LooksLikeID(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestInvalidateUsesTheWholeDeadline covers issue 10, item 5: with
// --timeout 5s and another invalidation in progress until 3s, cfinv gave up
// after 2.1s because the next backoff step would have passed the deadline.
// The last sleep is now cut to end at the deadline, with one more try
// there.
func TestInvalidateUsesTheWholeDeadline(t *testing.T) {
	tests := []struct {
		name      string
		clearsAt  time.Duration // refused with TooManyInvalidationsInProgress before this
		deadline  time.Duration
		wantErr   bool
		wantAfter time.Duration // created, or given up, no earlier than this
	}{
		{"room at 3s of 5s", 3 * time.Second, 5 * time.Second, false, 3 * time.Second},
		{"room exactly at the deadline", 5 * time.Second, 5 * time.Second, false, 5 * time.Second},
		{"room only after the deadline", 6 * time.Second, 5 * time.Second, true, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 50 { // the backoff is jittered: try many sequences
				clock := newFakeClock()
				start := clock.Now()
				create, _ := creator()
				var last time.Duration
				api := &fakeAPI{create: func(in *cloudfront.CreateInvalidationInput) (*cloudfront.CreateInvalidationOutput, error) {
					last = clock.Now().Sub(start)
					if last < tt.clearsAt {
						return nil, apiErr("TooManyInvalidationsInProgress")
					}
					return create(in)
				}}
				c := &Client{api: api, nowFn: clock.Now, sleepFn: clock.Sleep}
				_, err := c.submitJob(t.Context(), job{DistributionID: "E1", Batches: [][]string{make([]string, 3000)}, References: []string{"r"}, Deadline: start.Add(tt.deadline)})
				var le *LimitError
				if tt.wantErr != (err != nil) || (tt.wantErr && !errors.As(err, &le)) {
					t.Fatalf("got error %v after %s (sleeps %v), want error=%v", err, last, clock.sleeps, tt.wantErr)
				}
				if last < tt.wantAfter || last > tt.deadline {
					t.Fatalf("last try at %s, want it from %s to the deadline %s (sleeps %v)", last, tt.wantAfter, tt.deadline, clock.sleeps)
				}
				if le != nil && le.Waited != tt.deadline {
					t.Fatalf("LimitError.Waited = %s, want the whole %s", le.Waited, tt.deadline)
				}
			}
		})
	}
}

// TestJournalComparesTheWholeBatch covers issue 10, item 1: a caller
// reference the journal knows, given with other paths, was answered from
// the journal ("not sent again") and the new paths were never
// invalidated. It must fail as CloudFront's InvalidationBatchAlreadyExists
// does; the same batch (in any order) still resumes, with the Location of
// the endpoint in use.
func TestJournalComparesTheWholeBatch(t *testing.T) {
	tests := []struct {
		name      string
		entry     journal.Entry // created entry for E1/R, invalidation I1
		server    []string      // paths of I1 in GetInvalidation; nil: none returned
		items     []string      // the batch given now
		wantErr   []string      // substrings; nil: resumed
		wantCalls []string
	}{
		{name: "other paths, recorded in the journal", entry: journal.Entry{Items: 1, Paths: []string{"/first"}}, server: []string{"/first"},
			items: []string{"/second"}, wantErr: []string{`InvalidationBatchAlreadyExists: caller reference "R" was already used for invalidation I1 with other paths (added /second; removed /first)`}, wantCalls: nil},
		{name: "many other paths", entry: journal.Entry{Items: 1, Paths: []string{"/a"}}, server: []string{"/a"},
			items: []string{"/a", "/b", "/c", "/d", "/e"}, wantErr: []string{"added /b, /c, /d and 1 more)"}, wantCalls: nil},
		{name: "old entry without paths, CloudFront's record differs", entry: journal.Entry{Items: 1}, server: []string{"/first"},
			items: []string{"/second"}, wantErr: []string{"(added /second; removed /first)"}, wantCalls: []string{"get I1"}},
		{name: "old entry without paths or record, other count", entry: journal.Entry{Items: 1}, server: nil,
			items: []string{"/a", "/b"}, wantErr: []string{"(1 path then, 2 now)"}, wantCalls: []string{"get I1"}},
		{name: "old entry without paths or record, same count", entry: journal.Entry{Items: 1}, server: nil,
			items: []string{"/a"}, wantCalls: []string{"get I1"}},
		{name: "same batch in another order", entry: journal.Entry{Items: 2, Paths: []string{"/b", "/a"}}, server: []string{"/b", "/a"},
			items: []string{"/a", "/b"}, wantCalls: []string{"get I1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := journal.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			e := tt.entry
			e.DistributionID, e.CallerReference, e.InvalidationID, e.State = "E1", "R", "I1", journal.StateCreated
			if err := j.Append(e); err != nil {
				t.Fatal(err)
			}
			api := &fakeAPI{get: func(in *cloudfront.GetInvalidationInput) (*cloudfront.GetInvalidationOutput, error) {
				i := inv("I1", StatusCompleted, tt.server, "R")
				if tt.server == nil {
					i.InvalidationBatch.Paths = nil
				}
				return &cloudfront.GetInvalidationOutput{Invalidation: i}, nil
			}}
			c := &Client{api: api, endpoint: "http://127.0.0.1:8655/"}
			res, err := c.submitJob(t.Context(), job{DistributionID: "E1", Batches: [][]string{tt.items}, References: []string{"R"}, Journal: j})
			if diff := cmp.Diff(tt.wantCalls, api.calls, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				b := res.Batches[0]
				if want := "http://127.0.0.1:8655/2020-05-31/distribution/E1/invalidation/I1"; !b.Resumed || b.Location != want {
					t.Errorf("got Resumed %v Location %q, want true %q", b.Resumed, b.Location, want)
				}
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) || !errors.Is(err, ErrBatchExists) || ae.Code != "InvalidationBatchAlreadyExists" {
				t.Fatalf("got error %v, want an *APIError InvalidationBatchAlreadyExists matching ErrBatchExists", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
