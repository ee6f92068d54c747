package cfinv

import (
	"bytes"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

const secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

// newEmulatorAPI starts the emulator on loopback and returns a Client
// built with New, as the CLI builds it, from environment credentials, on
// clock, with opts; and its SDK client for setting up.
func newEmulatorAPI(t *testing.T, clock *harness.Clock, debug *bytes.Buffer, opts ...Option) (*Client, *cloudfront.Client) {
	t.Helper()
	srv := httptest.NewServer(emulator.New(emulator.Options{Store: store.NewMem(), Now: clock.Now, CompletionDelay: 3 * time.Second}).Handler())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDCONTRACT")
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	t.Setenv("AWS_SESSION_TOKEN", "session-token-value")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_REGION", "")
	opts = append([]Option{WithClock(clock.Now, clock.Sleep)}, opts...)
	if debug != nil {
		opts = append(opts, WithDebugLog(debug))
	}
	return newTestClient(t, srv.URL, 1, opts...)
}

// createDistribution creates harness's minimal distribution, with aliases
// when given, and returns its ID.
func createDistribution(t *testing.T, api *cloudfront.Client, ref string, aliases ...string) string {
	t.Helper()
	var edit []func(*types.DistributionConfig)
	if len(aliases) > 0 {
		edit = append(edit, harness.Aliases(aliases...))
	}
	return harness.Distribution(t, api, ref, edit...)
}

func TestContractInvalidateWaitResume(t *testing.T) {
	clock := harness.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	var debug bytes.Buffer
	state := t.TempDir()
	c, api := newEmulatorAPI(t, clock, &debug, WithStateDir(state))
	dist := createDistribution(t, api, "contract", "www.example.com")

	batches := [][]string{{"/a", "/b"}, {"/img/*"}}
	req := Request{DistributionID: "www.example.com", Batches: batches, DeployID: "deploy-7", Timeout: time.Minute}
	var events []string
	req.Progress = func(e Event) { events = append(events, e.String()) }
	res, err := c.Invalidate(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.BilledPaths != 3 || len(res.Batches) != 2 {
		t.Fatalf("result %+v: want 2 batches, 3 billed paths", res)
	}
	target := Target{DistributionID: dist}
	for i, b := range res.Batches {
		if b.DistributionID != dist || b.Number != i+1 || b.ID == "" || b.Status != StatusInProgress || b.Resumed {
			t.Fatalf("batch %d: %+v, want a new InProgress invalidation of %s", i+1, b, dist)
		}
		if want := DeployReference(dist, batches[i], "deploy-7"); b.CallerReference != want {
			t.Errorf("batch %d reference %q, want %q", i+1, b.CallerReference, want)
		}
		if !strings.HasSuffix(b.Location, "/distribution/"+dist+"/invalidation/"+b.ID) {
			t.Errorf("Location %q does not name the invalidation", b.Location)
		}
		if diff := cmp.Diff(batches[i], b.Paths); diff != "" {
			t.Errorf("batch %d paths (-want +got):\n%s", i+1, diff)
		}
		target.IDs = append(target.IDs, b.ID)
	}
	if want := fmt.Sprintf("batch 2: created %s (1 path, reference %s)", target.IDs[1], res.Batches[1].CallerReference); !slices.Contains(events, want) {
		t.Errorf("events %q lack %q", events, want)
	}

	start := clock.Now()
	st, err := c.Wait(t.Context(), WaitRequest{Targets: []Target{target}, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 {
		t.Fatalf("Wait returned %+v, want 2 invalidations", st)
	}
	for _, b := range st {
		if b.DistributionID != dist || b.Status != StatusCompleted {
			t.Errorf("%+v, want Completed", b)
		}
	}
	if waited := clock.Now().Sub(start); waited < 3*time.Second || waited > 6*time.Second {
		t.Errorf("waited %s for a 3s completion delay, want within [3s, 6s]", waited)
	}

	// Re-run with the journal: nothing is sent again, nothing billed.
	again, err := c.Invalidate(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range again.Batches {
		if !b.Resumed || b.ID != target.IDs[i] || b.Status != StatusCompleted {
			t.Errorf("re-run batch %d: %+v, want resumed %s, Completed", i+1, b, target.IDs[i])
		}
	}
	if again.BilledPaths != 0 {
		t.Errorf("re-run billed %d paths, want 0", again.BilledPaths)
	}
	// The same reference with other paths is refused before it is sent.
	other := req
	other.Batches = [][]string{{"/a", "/c"}}
	other.CallerReference, other.DeployID = res.Batches[0].CallerReference, ""
	if _, err := c.Invalidate(t.Context(), other); !errors.Is(err, ErrBatchExists) || !strings.Contains(err.Error(), "added /c; removed /b") {
		t.Errorf("reference reused with other paths: %v, want ErrBatchExists naming /c and /b", err)
	}

	// Re-run without the journal (lost state dir): the caller reference
	// makes CloudFront return the same invalidations.
	c2, _ := newTestClient(t, c.endpoint, 1, WithClock(clock.Now, clock.Sleep))
	replay, err := c2.Invalidate(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range replay.Batches {
		if b.ID != target.IDs[i] {
			t.Errorf("replayed batch %d got %s, want %s", i+1, b.ID, target.IDs[i])
		}
	}
	list, err := c.List(t.Context(), dist, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list); n != 2 {
		t.Errorf("distribution has %d invalidations after three runs, want 2", n)
	}

	// Paths cleaned, batched and awaited in one call.
	done, err := c.Invalidate(t.Context(), Request{DistributionID: dist, Paths: []string{"index.html", "/img/*", "/img/x.png"}, Wait: true, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(done.Batches) != 1 || done.Batches[0].Status != StatusCompleted || !slices.Equal(done.Batches[0].Paths, []string{"/index.html", "/img/*"}) {
		t.Errorf("Invalidate with Wait: %+v, want one Completed batch of /index.html and /img/*, in that order", done.Batches)
	}

	log := debug.String()
	if !strings.Contains(log, "Authorization: REDACTED") || !strings.Contains(log, "<InvalidationBatch") {
		t.Errorf("debug log lacks the redacted request:\n%.2000s", log)
	}
	for _, secret := range []string{secretKey, "session-token-value", "AKIDCONTRACT"} {
		if strings.Contains(log, secret) {
			t.Errorf("debug log contains the secret %q", secret)
		}
	}
}

func TestContractErrors(t *testing.T) {
	clock := harness.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	c, api := newEmulatorAPI(t, clock, nil)
	dist := createDistribution(t, api, "errors", "www.example.com")

	tests := []struct {
		name string
		call func() error
		kind error
		code string // of the *APIError, "" for none
		msg  string
	}{
		{"unknown distribution", func() error {
			_, err := c.Invalidate(t.Context(), Request{DistributionID: "ENOSUCHDIST00", Paths: []string{"/a"}})
			return err
		}, ErrNotFound, "NoSuchDistribution", "create invalidation for ENOSUCHDIST00: NoSuchDistribution"},
		{"unknown invalidation", func() error {
			_, err := c.Wait(t.Context(), WaitRequest{Targets: []Target{{DistributionID: dist, IDs: []string{"INOSUCH"}}}})
			return err
		}, ErrNotFound, "NoSuchInvalidation", "wait for " + dist},
		{"unknown name", func() error {
			_, err := c.Invalidate(t.Context(), Request{DistributionID: "nowhere.example.org", Paths: []string{"/a"}})
			return err
		}, ErrNotFound, "", `resolve distribution: no distribution matches "nowhere.example.org"`},
		{"invalid path", func() error {
			_, err := c.Invalidate(t.Context(), Request{DistributionID: dist, Paths: []string{"/a*b"}})
			return err
		}, ErrInvalidPath, "", `invalid invalidation item "/a*b"`},
		{"invalid batch item", func() error {
			_, err := c.Invalidate(t.Context(), Request{DistributionID: dist, Batches: [][]string{{"a"}}})
			return err
		}, ErrInvalidPath, "", `invalid invalidation item "a"`},
		{"no paths", func() error {
			_, err := c.Invalidate(t.Context(), Request{DistributionID: dist})
			return err
		}, ErrInvalidInput, "", "no paths"},
		{"reference too long", func() error {
			_, err := c.Invalidate(t.Context(), Request{DistributionID: dist, Paths: []string{"/a"}, CallerReference: strings.Repeat("r", 129)})
			return err
		}, ErrInvalidInput, "", "is 129 characters; at most 128 are accepted"},
		{"not found on get", func() error { _, err := c.Get(t.Context(), dist, "INOSUCH"); return err }, ErrNotFound, "NoSuchInvalidation", "get invalidation for " + dist},
		{"not found on config", func() error { _, err := c.DistributionConfig(t.Context(), "ENOSUCHDIST00"); return err }, ErrNotFound, "NoSuchDistribution", "get distribution for ENOSUCHDIST00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %v, want one matching %v and containing %q", err, tt.kind, tt.msg)
			}
			var e *APIError
			if tt.code != "" && (!errors.As(err, &e) || e.Code != tt.code) {
				t.Errorf("error %#v, want an *APIError with code %q", err, tt.code)
			}
		})
	}

	// The same reference with other paths is refused by CloudFront.
	if _, err := c.Invalidate(t.Context(), Request{DistributionID: dist, Paths: []string{"/a"}, CallerReference: "same"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Invalidate(t.Context(), Request{DistributionID: dist, Paths: []string{"/b"}, CallerReference: "same"})
	if !errors.Is(err, ErrBatchExists) || !strings.Contains(err.Error(), `caller reference "same" is already used by a batch with other paths`) {
		t.Errorf("reused reference: %v, want ErrBatchExists", err)
	}
}
