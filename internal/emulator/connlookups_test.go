package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"
)

// TestConnectionLookups covers issue 27's look-ups: distributions by
// connection mode (none set is direct), by connection function (Id, name
// or ARN) and by trust store (Id, name or ARN), as DistributionSummary lists
// that carry the members selected on, with paging and the errors.
func TestConnectionLookups(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	fn := f.createConnectionFunction("lookup-fn", serialCheck)
	fnID := aws.ToString(fn.ConnectionFunctionSummary.Id)
	ts, err := f.cf.CreateTrustStore(ctx, &cloudfront.CreateTrustStoreInput{Name: aws.String("lookup-ts"), CaCertificatesBundleSource: bundleAt("ca.pem")})
	if err != nil {
		t.Fatal(err)
	}
	tsID := aws.ToString(ts.TrustStore.Id)

	plain := aws.ToString(f.createDist("plain").Distribution.Id)
	multi := f.createMultiTenant("multi")
	cfg := sdkConfig("mtls")
	cfg.ViewerMtlsConfig = &types.ViewerMtlsConfig{Mode: types.ViewerMtlsModeRequired, TrustStoreConfig: &types.TrustStoreConfig{TrustStoreId: aws.String(tsID)}}
	cfg.ConnectionFunctionAssociation = &types.ConnectionFunctionAssociation{Id: aws.String(fnID)}
	d, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	mtls := aws.ToString(d.Distribution.Id)
	ids := func(l *types.DistributionList) []string {
		var out []string
		for _, s := range l.Items {
			out = append(out, aws.ToString(s.Id))
		}
		return out
	}
	tests := []struct {
		name string
		call func() (*types.DistributionList, error)
		want []string
	}{
		{"mode direct", func() (*types.DistributionList, error) {
			out, err := f.cf.ListDistributionsByConnectionMode(ctx, &cloudfront.ListDistributionsByConnectionModeInput{ConnectionMode: types.ConnectionModeDirect})
			if err != nil {
				return nil, err
			}
			return out.DistributionList, nil
		}, []string{plain, mtls}},
		{"mode tenant-only", func() (*types.DistributionList, error) {
			out, err := f.cf.ListDistributionsByConnectionMode(ctx, &cloudfront.ListDistributionsByConnectionModeInput{ConnectionMode: types.ConnectionModeTenantOnly})
			if err != nil {
				return nil, err
			}
			return out.DistributionList, nil
		}, []string{multi}},
		{"mode direct, one per page", func() (*types.DistributionList, error) {
			out, err := f.cf.ListDistributionsByConnectionMode(ctx, &cloudfront.ListDistributionsByConnectionModeInput{ConnectionMode: types.ConnectionModeDirect,
				Marker: aws.String(plain), MaxItems: aws.Int32(1)})
			if err != nil {
				return nil, err
			}
			return out.DistributionList, nil
		}, []string{mtls}},
		{"connection function by name", func() (*types.DistributionList, error) {
			out, err := f.cf.ListDistributionsByConnectionFunction(ctx, &cloudfront.ListDistributionsByConnectionFunctionInput{ConnectionFunctionIdentifier: aws.String("lookup-fn")})
			if err != nil {
				return nil, err
			}
			return out.DistributionList, nil
		}, []string{mtls}},
		{"connection function by ARN", func() (*types.DistributionList, error) {
			out, err := f.cf.ListDistributionsByConnectionFunction(ctx, &cloudfront.ListDistributionsByConnectionFunctionInput{ConnectionFunctionIdentifier: fn.ConnectionFunctionSummary.ConnectionFunctionArn})
			if err != nil {
				return nil, err
			}
			return out.DistributionList, nil
		}, []string{mtls}},
		{"trust store by name", func() (*types.DistributionList, error) {
			out, err := f.cf.ListDistributionsByTrustStore(ctx, &cloudfront.ListDistributionsByTrustStoreInput{TrustStoreIdentifier: aws.String("lookup-ts")})
			if err != nil {
				return nil, err
			}
			return out.DistributionList, nil
		}, []string{mtls}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := tt.call()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(l)); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			if int(aws.ToInt32(l.Quantity)) != len(tt.want) {
				t.Errorf("Quantity = %d, want %d", aws.ToInt32(l.Quantity), len(tt.want))
			}
		})
	}
	// The summary carries the members the look-ups select on.
	out, err := f.cf.ListDistributionsByTrustStore(ctx, &cloudfront.ListDistributionsByTrustStoreInput{TrustStoreIdentifier: aws.String(tsID)})
	if err != nil {
		t.Fatal(err)
	}
	s := out.DistributionList.Items[0]
	if s.ViewerMtlsConfig == nil || aws.ToString(s.ViewerMtlsConfig.TrustStoreConfig.TrustStoreId) != tsID ||
		s.ConnectionFunctionAssociation == nil || aws.ToString(s.ConnectionFunctionAssociation.Id) != fnID {
		t.Errorf("summary = ViewerMtlsConfig %+v, ConnectionFunctionAssociation %+v", s.ViewerMtlsConfig, s.ConnectionFunctionAssociation)
	}

	errs := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"bad mode", func() error {
			_, err := f.cf.ListDistributionsByConnectionMode(ctx, &cloudfront.ListDistributionsByConnectionModeInput{ConnectionMode: "anycast"})
			return err
		}, "InvalidArgument", 400},
		{"bad marker", func() error {
			_, err := f.cf.ListDistributionsByConnectionMode(ctx, &cloudfront.ListDistributionsByConnectionModeInput{ConnectionMode: types.ConnectionModeDirect, Marker: aws.String("ENOPE")})
			return err
		}, "InvalidArgument", 400},
		{"unknown connection function", func() error {
			_, err := f.cf.ListDistributionsByConnectionFunction(ctx, &cloudfront.ListDistributionsByConnectionFunctionInput{ConnectionFunctionIdentifier: aws.String("nope")})
			return err
		}, "EntityNotFound", 404},
		{"unknown trust store", func() error {
			_, err := f.cf.ListDistributionsByTrustStore(ctx, &cloudfront.ListDistributionsByTrustStoreInput{TrustStoreIdentifier: aws.String("ts_NOPE")})
			return err
		}, "EntityNotFound", 404},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIErr(t, tt.call(), tt.code, tt.status)
		})
	}
}
