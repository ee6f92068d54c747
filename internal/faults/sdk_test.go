package faults_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/faults"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// TestSDKAgainstEmulator puts the injector in front of the real emulator
// and drives it with the real SDK client: the SDK must read each refusal
// as the error CloudFront would send, and its retries of a lost response
// (same body, same CallerReference) must not create a second invalidation.
func TestSDKAgainstEmulator(t *testing.T) {
	tests := []struct {
		kind     faults.Kind
		wantCode string // with one attempt
		// wantFaults is 1 + the SDK's attempts with four allowed: it
		// retries all but TooManyInvalidationsInProgress, which is
		// cfinv's to schedule around.
		wantFaults int64
	}{
		{faults.KindUnavailable, "ServiceUnavailable", 5},
		{faults.KindThrottle, "Throttling", 5},
		{faults.KindLimit, "TooManyInvalidationsInProgress", 2},
		{faults.KindReset, "", 5},
		{faults.KindLostResponse, "", 5},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			st := store.NewMem()
			api := emulator.New(emulator.Options{Store: st, CompletionDelay: time.Hour})
			plain := httptest.NewServer(api.Handler())
			defer plain.Close()
			direct := harness.SDK(plain.URL)
			dist, err := harness.CreateDistribution(t.Context(), direct, "sdk-"+string(tt.kind))
			if err != nil {
				t.Fatal(err)
			}
			in := faults.New(api.Handler(), faults.Config{Rate: 1, Kinds: []faults.Kind{tt.kind}})
			faulty := httptest.NewServer(in)
			defer faulty.Close()
			input := &cloudfront.CreateInvalidationInput{DistributionId: aws.String(dist), InvalidationBatch: &types.InvalidationBatch{
				CallerReference: aws.String("ref-1"), Paths: &types.Paths{Quantity: aws.Int32(1), Items: []string{"/a"}}}}

			// One attempt: the fault reaches the caller as CloudFront's error.
			_, err = harness.SDK(faulty.URL).CreateInvalidation(t.Context(), input)
			var ae smithy.APIError
			switch {
			case err == nil:
				t.Fatal("got success through a rate-1 injector")
			case tt.wantCode != "" && (!errors.As(err, &ae) || ae.ErrorCode() != tt.wantCode):
				t.Fatalf("got %v, want API error %s", err, tt.wantCode)
			case tt.wantCode == "" && errors.As(err, &ae):
				t.Fatalf("got API error %v, want a connection error", err)
			}

			// Four attempts, all faulted: still one invalidation at most,
			// and exactly one when the fault lets the server act.
			_, _ = harness.SDK(faulty.URL, harness.Attempts(4)).CreateInvalidation(t.Context(), input)
			invs, err := harness.Snapshot(t.Context(), direct, []string{dist})
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if tt.kind.Acts() {
				want = 1
			}
			if len(invs) != want {
				t.Errorf("got %d invalidations after every attempt was faulted, want %d", len(invs), want)
			}
			if got := in.Stats().Faults[tt.kind]; got != tt.wantFaults {
				t.Errorf("got %d %s faults, want %d", got, tt.kind, tt.wantFaults)
			}
		})
	}
}
