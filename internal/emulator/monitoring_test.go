package emulator_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/emulator"
)

// Monitoring subscriptions (issue 27), through the real SDK.

func subscription(status types.RealtimeMetricsSubscriptionStatus) *types.MonitoringSubscription {
	return &types.MonitoringSubscription{RealtimeMetricsSubscriptionConfig: &types.RealtimeMetricsSubscriptionConfig{
		RealtimeMetricsSubscriptionStatus: status}}
}

// dropDist disables and deletes distribution id.
func (f *fixture) dropDist(id string) {
	f.t.Helper()
	ctx := f.t.Context()
	cur, err := f.cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if err != nil {
		f.t.Fatalf("GetDistributionConfig(%s): %v", id, err)
	}
	c := cur.DistributionConfig
	c.Enabled = aws.Bool(false)
	up, err := f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: cur.ETag, DistributionConfig: c})
	if err != nil {
		f.t.Fatalf("UpdateDistribution(%s): %v", id, err)
	}
	if _, err := f.cf.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(id), IfMatch: up.ETag}); err != nil {
		f.t.Fatalf("DeleteDistribution(%s): %v", id, err)
	}
}

func TestMonitoringSubscriptions(t *testing.T) {
	for _, st := range []string{"mem", "bolt"} {
		t.Run(st, func(t *testing.T) {
			var edit []func(*emulator.Options)
			if st == "bolt" {
				edit = append(edit, withBolt(t))
			}
			f := newFixture(t, edit...)
			ctx := t.Context()
			id := aws.ToString(f.createDist("ms").Distribution.Id)

			_, err := f.cf.GetMonitoringSubscription(ctx, &cloudfront.GetMonitoringSubscriptionInput{DistributionId: aws.String(id)})
			wantAPIErr(t, err, "NoSuchMonitoringSubscription", http.StatusNotFound)
			_, err = f.cf.DeleteMonitoringSubscription(ctx, &cloudfront.DeleteMonitoringSubscriptionInput{DistributionId: aws.String(id)})
			wantAPIErr(t, err, "NoSuchMonitoringSubscription", http.StatusNotFound)

			created, err := f.cf.CreateMonitoringSubscription(ctx, &cloudfront.CreateMonitoringSubscriptionInput{
				DistributionId: aws.String(id), MonitoringSubscription: subscription(types.RealtimeMetricsSubscriptionStatusEnabled)})
			if err != nil {
				t.Fatalf("CreateMonitoringSubscription: %v", err)
			}
			if diff := cmp.Diff(types.RealtimeMetricsSubscriptionStatusEnabled, created.MonitoringSubscription.RealtimeMetricsSubscriptionConfig.RealtimeMetricsSubscriptionStatus); diff != "" {
				t.Errorf("created status (-want +got):\n%s", diff)
			}
			// Create again replaces it, as the Terraform provider's
			// update relies on.
			if _, err := f.cf.CreateMonitoringSubscription(ctx, &cloudfront.CreateMonitoringSubscriptionInput{
				DistributionId: aws.String(id), MonitoringSubscription: subscription(types.RealtimeMetricsSubscriptionStatusDisabled)}); err != nil {
				t.Fatalf("CreateMonitoringSubscription again: %v", err)
			}
			got, err := f.cf.GetMonitoringSubscription(ctx, &cloudfront.GetMonitoringSubscriptionInput{DistributionId: aws.String(id)})
			if err != nil {
				t.Fatalf("GetMonitoringSubscription: %v", err)
			}
			if diff := cmp.Diff(types.RealtimeMetricsSubscriptionStatusDisabled, got.MonitoringSubscription.RealtimeMetricsSubscriptionConfig.RealtimeMetricsSubscriptionStatus); diff != "" {
				t.Errorf("status after the second create (-want +got):\n%s", diff)
			}
			if _, err := f.cf.DeleteMonitoringSubscription(ctx, &cloudfront.DeleteMonitoringSubscriptionInput{DistributionId: aws.String(id)}); err != nil {
				t.Fatalf("DeleteMonitoringSubscription: %v", err)
			}
			_, err = f.cf.GetMonitoringSubscription(ctx, &cloudfront.GetMonitoringSubscriptionInput{DistributionId: aws.String(id)})
			wantAPIErr(t, err, "NoSuchMonitoringSubscription", http.StatusNotFound)

			// The subscription goes with its distribution.
			if _, err := f.cf.CreateMonitoringSubscription(ctx, &cloudfront.CreateMonitoringSubscriptionInput{
				DistributionId: aws.String(id), MonitoringSubscription: subscription(types.RealtimeMetricsSubscriptionStatusEnabled)}); err != nil {
				t.Fatalf("CreateMonitoringSubscription: %v", err)
			}
			f.dropDist(id)
			left, err := f.store.ListResources(ctx, emulator.MonitoringSubscriptionKind)
			if err != nil || len(left) != 0 {
				t.Errorf("subscriptions left after DeleteDistribution: %d, %v; want none", len(left), err)
			}
		})
	}
}

func TestMonitoringSubscriptionErrors(t *testing.T) {
	f := newFixture(t)
	id := aws.ToString(f.createDist("ms-err").Distribution.Id)
	for _, tc := range []struct {
		name   string
		do     func() error
		code   string
		status int
	}{
		{"create on no distribution", func() error {
			_, err := f.cf.CreateMonitoringSubscription(t.Context(), &cloudfront.CreateMonitoringSubscriptionInput{
				DistributionId: aws.String("E0000000000000"), MonitoringSubscription: subscription(types.RealtimeMetricsSubscriptionStatusEnabled)})
			return err
		}, "NoSuchDistribution", http.StatusNotFound},
		{"get on no distribution", func() error {
			_, err := f.cf.GetMonitoringSubscription(t.Context(), &cloudfront.GetMonitoringSubscriptionInput{DistributionId: aws.String("E0000000000000")})
			return err
		}, "NoSuchDistribution", http.StatusNotFound},
		{"delete on no distribution", func() error {
			_, err := f.cf.DeleteMonitoringSubscription(t.Context(), &cloudfront.DeleteMonitoringSubscriptionInput{DistributionId: aws.String("E0000000000000")})
			return err
		}, "NoSuchDistribution", http.StatusNotFound},
		{"status not in the enum", func() error {
			_, err := f.cf.CreateMonitoringSubscription(t.Context(), &cloudfront.CreateMonitoringSubscriptionInput{
				DistributionId: aws.String(id), MonitoringSubscription: subscription("On")})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"no config", func() error {
			_, err := f.cf.CreateMonitoringSubscription(t.Context(), &cloudfront.CreateMonitoringSubscriptionInput{
				DistributionId: aws.String(id), MonitoringSubscription: &types.MonitoringSubscription{}})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIErr(t, tc.do(), tc.code, tc.status)
		})
	}
	t.Run("unknown element", func(t *testing.T) {
		resp, body := f.do("POST", "/2020-05-31/distributions/"+id+"/monitoring-subscription",
			stringsReader(`<MonitoringSubscription xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Bogus/></MonitoringSubscription>`))
		wantRawErr(t, resp, body, "MalformedXML", http.StatusBadRequest, "not well-formed")
	})
	// The SDK refuses this one before sending it.
	t.Run("config without status", func(t *testing.T) {
		resp, body := f.do("POST", "/2020-05-31/distributions/"+id+"/monitoring-subscription",
			stringsReader(`<MonitoringSubscription xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><RealtimeMetricsSubscriptionConfig/></MonitoringSubscription>`))
		wantRawErr(t, resp, body, "InvalidArgument", http.StatusBadRequest, "RealtimeMetricsSubscriptionStatus")
	})
	t.Run("no body", func(t *testing.T) {
		resp, body := f.do("POST", "/2020-05-31/distributions/"+id+"/monitoring-subscription", nil)
		wantRawErr(t, resp, body, "MissingBody", http.StatusBadRequest, "requires a body")
	})
}
