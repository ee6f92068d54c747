package cfinv

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/journal"
	"github.com/cfinv/cfinv/internal/store"
)

// sharedClock is one manual clock for the emulator and the client: the
// client's Sleep moves the emulator's time forward.
type sharedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *sharedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *sharedClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return nil
}

const secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

// newEmulatorAPI starts the emulator on loopback and returns an SDK client
// built by NewAPI, as the CLI builds it, from environment credentials.
func newEmulatorAPI(t *testing.T, clock *sharedClock, debug *bytes.Buffer) *cloudfront.Client {
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
	cfg := Config{EndpointURL: srv.URL, MaxAttempts: 1}
	if debug != nil {
		cfg.Debug = debug
	}
	api, err := NewAPI(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func createDistribution(t *testing.T, api *cloudfront.Client, ref string, aliases ...string) string {
	t.Helper()
	cfg := &types.DistributionConfig{
		CallerReference: aws.String(ref), Comment: aws.String(""), Enabled: aws.Bool(true),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("o1"), DomainName: aws.String("bucket.s3.amazonaws.com"),
			S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId: aws.String("o1"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"),
		},
	}
	if len(aliases) > 0 {
		cfg.Aliases = &types.Aliases{Quantity: aws.Int32(int32(len(aliases))), Items: aliases}
	}
	out, err := api.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	return *out.Distribution.Id
}

func TestContractInvalidateWaitResume(t *testing.T) {
	clock := &sharedClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	var debug bytes.Buffer
	api := newEmulatorAPI(t, clock, &debug)
	dist := createDistribution(t, api, "contract", "www.example.com")

	j, err := journal.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c := &Client{API: api, Journal: j, Now: clock.Now, Sleep: clock.Sleep}
	batches := [][]string{{"/a", "/b"}, {"/img/*"}}
	refs, err := c.References(dist, batches, "deploy-7", "")
	if err != nil {
		t.Fatal(err)
	}
	job := Job{DistributionID: dist, Batches: batches, References: refs, DeployID: "deploy-7", Deadline: clock.Now().Add(time.Minute)}
	res, err := c.Invalidate(t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	var targets Target
	targets.DistributionID = dist
	for i, b := range res.Batches {
		if b.Invalidation == nil || *b.Invalidation.Status != StatusInProgress {
			t.Fatalf("batch %d: %+v, want an InProgress invalidation", i+1, b)
		}
		if got := *b.Invalidation.InvalidationBatch.CallerReference; got != refs[i] {
			t.Errorf("batch %d reference %q, want %q", i+1, got, refs[i])
		}
		if !strings.HasSuffix(b.Location, "/distribution/"+dist+"/invalidation/"+*b.Invalidation.Id) {
			t.Errorf("Location %q does not name the invalidation", b.Location)
		}
		targets.IDs = append(targets.IDs, *b.Invalidation.Id)
	}

	start := clock.Now()
	st, err := c.Wait(t.Context(), []Target{targets}, WaitOptions{Deadline: clock.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range targets.IDs {
		if st[dist+"/"+id] != StatusCompleted {
			t.Errorf("%s: %s, want Completed", id, st[dist+"/"+id])
		}
	}
	if waited := clock.Now().Sub(start); waited < 3*time.Second || waited > 6*time.Second {
		t.Errorf("waited %s for a 3s completion delay, want within [3s, 6s]", waited)
	}

	// Re-run with the journal: nothing is sent again.
	again, err := c.Invalidate(t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range again.Batches {
		if !b.Resumed || *b.Invalidation.Id != targets.IDs[i] {
			t.Errorf("re-run batch %d: resumed %v id %s, want resumed %s", i+1, b.Resumed, *b.Invalidation.Id, targets.IDs[i])
		}
	}
	// Re-run without the journal (lost state dir): the caller reference
	// makes CloudFront return the same invalidations.
	c2 := &Client{API: api, Now: clock.Now, Sleep: clock.Sleep}
	replay, err := c2.Invalidate(t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range replay.Batches {
		if *b.Invalidation.Id != targets.IDs[i] {
			t.Errorf("replayed batch %d got %s, want %s", i+1, *b.Invalidation.Id, targets.IDs[i])
		}
	}
	list, err := api.ListInvalidations(t.Context(), &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.InvalidationList.Items); n != 2 {
		t.Errorf("distribution has %d invalidations after three runs, want 2", n)
	}

	// Resolution by alias through ListDistributions.
	dists, err := c.Distributions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ids, err := Resolve(dists, "www.example.com"); err != nil || len(ids) != 1 || ids[0] != dist {
		t.Errorf("Resolve(www.example.com) = %v, %v; want [%s]", ids, err, dist)
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
	clock := &sharedClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	api := newEmulatorAPI(t, clock, nil)
	dist := createDistribution(t, api, "errors")
	c := &Client{API: api, Now: clock.Now, Sleep: clock.Sleep}

	_, err := c.Invalidate(t.Context(), Job{DistributionID: "ENOSUCHDIST00", Batches: [][]string{{"/a"}}, References: []string{"r"}})
	var e *Error
	if !errors.As(err, &e) || e.Code != "NoSuchDistribution" || e.ExitClass() != "not-found" {
		t.Errorf("unknown distribution: %v, want a not-found NoSuchDistribution", err)
	}

	_, err = c.Wait(t.Context(), []Target{{DistributionID: dist, IDs: []string{"INOSUCH"}}}, WaitOptions{})
	if !errors.As(err, &e) || e.Code != "NoSuchInvalidation" {
		t.Errorf("unknown invalidation: %v, want NoSuchInvalidation", err)
	}

	// The same reference with other paths is refused, with a hint.
	if _, err := c.Invalidate(t.Context(), Job{DistributionID: dist, Batches: [][]string{{"/a"}}, References: []string{"same"}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Invalidate(t.Context(), Job{DistributionID: dist, Batches: [][]string{{"/b"}}, References: []string{"same"}})
	if !errors.As(err, &e) || e.ExitClass() != "usage" || !strings.Contains(e.Hint(), "--deploy-id") {
		t.Errorf("reused reference: %v, want a usage error with a hint", err)
	}
}
