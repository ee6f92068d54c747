package emulator_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cfinv/cfinv/internal/emulator"
)

// Real-time log configurations (issue 27), through the real SDK.

const (
	testStreamARN = "arn:aws:kinesis:us-east-1:123456789012:stream/cf-logs"
	testRoleARN   = "arn:aws:iam::123456789012:role/cf-logs-writer"
)

func kinesisEndPoint(stream, role string) []types.EndPoint {
	return []types.EndPoint{{StreamType: aws.String("Kinesis"),
		KinesisStreamConfig: &types.KinesisStreamConfig{StreamARN: aws.String(stream), RoleARN: aws.String(role)}}}
}

func createLogInput(name string, rate int64, fields ...string) *cloudfront.CreateRealtimeLogConfigInput {
	return &cloudfront.CreateRealtimeLogConfigInput{Name: aws.String(name), SamplingRate: aws.Int64(rate),
		Fields: fields, EndPoints: kinesisEndPoint(testStreamARN, testRoleARN)}
}

func (f *fixture) createLogConfig(name string) *types.RealtimeLogConfig {
	f.t.Helper()
	out, err := f.cf.CreateRealtimeLogConfig(f.t.Context(), createLogInput(name, 50, "timestamp", "c-ip", "sc-status"))
	if err != nil {
		f.t.Fatalf("CreateRealtimeLogConfig(%s): %v", name, err)
	}
	return out.RealtimeLogConfig
}

// setLogConfig updates distribution id so its default behaviour's
// RealtimeLogConfigArn is arn.
func (f *fixture) setLogConfig(id, arn string) error {
	f.t.Helper()
	cur, err := f.cf.GetDistributionConfig(f.t.Context(), &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if err != nil {
		f.t.Fatalf("GetDistributionConfig(%s): %v", id, err)
	}
	c := cur.DistributionConfig
	c.DefaultCacheBehavior.RealtimeLogConfigArn = aws.String(arn)
	_, err = f.cf.UpdateDistribution(f.t.Context(), &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: cur.ETag, DistributionConfig: c})
	return err
}

func TestRealtimeLogConfigs(t *testing.T) {
	for _, st := range []string{"mem", "bolt"} {
		t.Run(st, func(t *testing.T) {
			var edit []func(*emulator.Options)
			if st == "bolt" {
				edit = append(edit, withBolt(t))
			}
			f := newFixture(t, edit...)
			ctx := t.Context()
			created := f.createLogConfig("logs-a")
			want := &types.RealtimeLogConfig{
				ARN: aws.String("arn:aws:cloudfront::123456789012:realtime-log-config/logs-a"), Name: aws.String("logs-a"),
				SamplingRate: aws.Int64(50), Fields: []string{"timestamp", "c-ip", "sc-status"},
				EndPoints: kinesisEndPoint(testStreamARN, testRoleARN),
			}
			ignore := cmpopts.IgnoreUnexported(types.RealtimeLogConfig{}, types.EndPoint{}, types.KinesisStreamConfig{})
			if diff := cmp.Diff(want, created, ignore, cmpopts.IgnoreFields(types.RealtimeLogConfig{}, "ARN")); diff != "" {
				t.Errorf("created (-want +got):\n%s", diff)
			}
			arn := aws.ToString(created.ARN)

			byName, err := f.cf.GetRealtimeLogConfig(ctx, &cloudfront.GetRealtimeLogConfigInput{Name: aws.String("logs-a")})
			if err != nil {
				t.Fatalf("GetRealtimeLogConfig by name: %v", err)
			}
			byARN, err := f.cf.GetRealtimeLogConfig(ctx, &cloudfront.GetRealtimeLogConfigInput{ARN: aws.String(arn)})
			if err != nil {
				t.Fatalf("GetRealtimeLogConfig by ARN: %v", err)
			}
			if diff := cmp.Diff(created, byName.RealtimeLogConfig, ignore); diff != "" {
				t.Errorf("by name (-created +got):\n%s", diff)
			}
			if diff := cmp.Diff(created, byARN.RealtimeLogConfig, ignore); diff != "" {
				t.Errorf("by ARN (-created +got):\n%s", diff)
			}

			up, err := f.cf.UpdateRealtimeLogConfig(ctx, &cloudfront.UpdateRealtimeLogConfigInput{ARN: aws.String(arn),
				SamplingRate: aws.Int64(100), Fields: []string{"timestamp"}, EndPoints: kinesisEndPoint(testStreamARN, testRoleARN)})
			if err != nil {
				t.Fatalf("UpdateRealtimeLogConfig: %v", err)
			}
			if aws.ToInt64(up.RealtimeLogConfig.SamplingRate) != 100 || aws.ToString(up.RealtimeLogConfig.Name) != "logs-a" {
				t.Errorf("updated: %+v, want rate 100 and name logs-a", up.RealtimeLogConfig)
			}

			// List pages by MaxItems.
			f.createLogConfig("logs-b")
			f.createLogConfig("logs-c")
			var names []string
			marker := ""
			for pages := 0; ; pages++ {
				out, err := f.cf.ListRealtimeLogConfigs(ctx, &cloudfront.ListRealtimeLogConfigsInput{MaxItems: aws.Int32(2), Marker: aws.String(marker)})
				if err != nil {
					t.Fatalf("ListRealtimeLogConfigs: %v", err)
				}
				for _, c := range out.RealtimeLogConfigs.Items {
					names = append(names, aws.ToString(c.Name))
				}
				if !aws.ToBool(out.RealtimeLogConfigs.IsTruncated) || pages > 3 {
					break
				}
				marker = aws.ToString(out.RealtimeLogConfigs.NextMarker)
			}
			if diff := cmp.Diff([]string{"logs-a", "logs-b", "logs-c"}, names); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}

			// In use by a distribution's behaviour: not deleted.
			id := aws.ToString(f.createDist("rtl").Distribution.Id)
			if err := f.setLogConfig(id, arn); err != nil {
				t.Fatalf("UpdateDistribution with RealtimeLogConfigArn: %v", err)
			}
			_, err = f.cf.DeleteRealtimeLogConfig(ctx, &cloudfront.DeleteRealtimeLogConfigInput{Name: aws.String("logs-a")})
			wantAPIErr(t, err, "RealtimeLogConfigInUse", http.StatusBadRequest)
			for _, in := range []*cloudfront.ListDistributionsByRealtimeLogConfigInput{
				{RealtimeLogConfigName: aws.String("logs-a")}, {RealtimeLogConfigArn: aws.String(arn)},
			} {
				by, err := f.cf.ListDistributionsByRealtimeLogConfig(ctx, in)
				if err != nil {
					t.Fatalf("ListDistributionsByRealtimeLogConfig: %v", err)
				}
				if n := len(by.DistributionList.Items); n != 1 || aws.ToString(by.DistributionList.Items[0].Id) != id {
					t.Errorf("ListDistributionsByRealtimeLogConfig: %d items, want distribution %s", n, id)
				}
			}
			other, err := f.cf.ListDistributionsByRealtimeLogConfig(ctx, &cloudfront.ListDistributionsByRealtimeLogConfigInput{RealtimeLogConfigName: aws.String("logs-b")})
			if err != nil || aws.ToInt32(other.DistributionList.Quantity) != 0 {
				t.Errorf("ListDistributionsByRealtimeLogConfig(logs-b): %+v, %v; want an empty list", other, err)
			}
			if err := f.setLogConfig(id, ""); err != nil {
				t.Fatalf("UpdateDistribution without RealtimeLogConfigArn: %v", err)
			}
			if _, err := f.cf.DeleteRealtimeLogConfig(ctx, &cloudfront.DeleteRealtimeLogConfigInput{ARN: aws.String(arn)}); err != nil {
				t.Fatalf("DeleteRealtimeLogConfig: %v", err)
			}
			_, err = f.cf.GetRealtimeLogConfig(ctx, &cloudfront.GetRealtimeLogConfigInput{Name: aws.String("logs-a")})
			wantAPIErr(t, err, "NoSuchRealtimeLogConfig", http.StatusNotFound)
		})
	}
}

func TestRealtimeLogConfigErrors(t *testing.T) {
	f := newFixture(t)
	f.createLogConfig("taken")
	id := aws.ToString(f.createDist("rtl-err").Distribution.Id)
	create := func(edit func(*cloudfront.CreateRealtimeLogConfigInput)) func() error {
		return func() error {
			in := createLogInput("new", 10, "timestamp")
			edit(in)
			_, err := f.cf.CreateRealtimeLogConfig(t.Context(), in)
			return err
		}
	}
	for _, tc := range []struct {
		name   string
		do     func() error
		code   string
		status int
	}{
		{"name taken", create(func(in *cloudfront.CreateRealtimeLogConfigInput) { in.Name = aws.String("taken") }), "RealtimeLogConfigAlreadyExists", http.StatusConflict},
		{"sampling rate 0", create(func(in *cloudfront.CreateRealtimeLogConfigInput) { in.SamplingRate = aws.Int64(0) }), "InvalidArgument", http.StatusBadRequest},
		{"sampling rate 101", create(func(in *cloudfront.CreateRealtimeLogConfigInput) { in.SamplingRate = aws.Int64(101) }), "InvalidArgument", http.StatusBadRequest},
		{"no fields", create(func(in *cloudfront.CreateRealtimeLogConfigInput) { in.Fields = []string{} }), "InvalidArgument", http.StatusBadRequest},
		{"field twice", create(func(in *cloudfront.CreateRealtimeLogConfigInput) { in.Fields = []string{"c-ip", "c-ip"} }), "InvalidArgument", http.StatusBadRequest},
		{"field not a name", create(func(in *cloudfront.CreateRealtimeLogConfigInput) { in.Fields = []string{"C IP"} }), "InvalidArgument", http.StatusBadRequest},
		{"no endpoints", create(func(in *cloudfront.CreateRealtimeLogConfigInput) { in.EndPoints = []types.EndPoint{} }), "InvalidArgument", http.StatusBadRequest},
		{"stream type Firehose", create(func(in *cloudfront.CreateRealtimeLogConfigInput) { in.EndPoints[0].StreamType = aws.String("Firehose") }), "InvalidArgument", http.StatusBadRequest},
		{"no kinesis config", create(func(in *cloudfront.CreateRealtimeLogConfigInput) { in.EndPoints[0].KinesisStreamConfig = nil }), "InvalidArgument", http.StatusBadRequest},
		{"stream ARN of S3", create(func(in *cloudfront.CreateRealtimeLogConfigInput) {
			in.EndPoints = kinesisEndPoint("arn:aws:s3:::bucket", testRoleARN)
		}), "InvalidArgument", http.StatusBadRequest},
		{"role ARN of a user", create(func(in *cloudfront.CreateRealtimeLogConfigInput) {
			in.EndPoints = kinesisEndPoint(testStreamARN, "arn:aws:iam::123456789012:user/bob")
		}), "InvalidArgument", http.StatusBadRequest},
		{"name with a slash", create(func(in *cloudfront.CreateRealtimeLogConfigInput) { in.Name = aws.String("a/b") }), "InvalidArgument", http.StatusBadRequest},
		{"get unknown name", func() error {
			_, err := f.cf.GetRealtimeLogConfig(t.Context(), &cloudfront.GetRealtimeLogConfigInput{Name: aws.String("nope")})
			return err
		}, "NoSuchRealtimeLogConfig", http.StatusNotFound},
		{"get unknown ARN", func() error {
			_, err := f.cf.GetRealtimeLogConfig(t.Context(), &cloudfront.GetRealtimeLogConfigInput{ARN: aws.String("arn:aws:cloudfront::123456789012:realtime-log-config/nope")})
			return err
		}, "NoSuchRealtimeLogConfig", http.StatusNotFound},
		{"get another account's ARN", func() error {
			_, err := f.cf.GetRealtimeLogConfig(t.Context(), &cloudfront.GetRealtimeLogConfigInput{ARN: aws.String("arn:aws:cloudfront::999999999999:realtime-log-config/taken")})
			return err
		}, "NoSuchRealtimeLogConfig", http.StatusNotFound},
		{"get with neither", func() error {
			_, err := f.cf.GetRealtimeLogConfig(t.Context(), &cloudfront.GetRealtimeLogConfigInput{})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"get with a malformed ARN", func() error {
			_, err := f.cf.GetRealtimeLogConfig(t.Context(), &cloudfront.GetRealtimeLogConfigInput{ARN: aws.String("taken")})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"name and ARN disagree", func() error {
			_, err := f.cf.GetRealtimeLogConfig(t.Context(), &cloudfront.GetRealtimeLogConfigInput{Name: aws.String("other"),
				ARN: aws.String("arn:aws:cloudfront::123456789012:realtime-log-config/taken")})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"update unknown", func() error {
			_, err := f.cf.UpdateRealtimeLogConfig(t.Context(), &cloudfront.UpdateRealtimeLogConfigInput{Name: aws.String("nope"),
				SamplingRate: aws.Int64(5), Fields: []string{"timestamp"}, EndPoints: kinesisEndPoint(testStreamARN, testRoleARN)})
			return err
		}, "NoSuchRealtimeLogConfig", http.StatusNotFound},
		{"update without fields", func() error {
			_, err := f.cf.UpdateRealtimeLogConfig(t.Context(), &cloudfront.UpdateRealtimeLogConfigInput{Name: aws.String("taken"),
				SamplingRate: aws.Int64(5), EndPoints: kinesisEndPoint(testStreamARN, testRoleARN)})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"update rate 200", func() error {
			_, err := f.cf.UpdateRealtimeLogConfig(t.Context(), &cloudfront.UpdateRealtimeLogConfigInput{Name: aws.String("taken"),
				SamplingRate: aws.Int64(200), Fields: []string{"timestamp"}, EndPoints: kinesisEndPoint(testStreamARN, testRoleARN)})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"delete unknown", func() error {
			_, err := f.cf.DeleteRealtimeLogConfig(t.Context(), &cloudfront.DeleteRealtimeLogConfigInput{Name: aws.String("nope")})
			return err
		}, "NoSuchRealtimeLogConfig", http.StatusNotFound},
		{"distributions by neither name nor ARN", func() error {
			_, err := f.cf.ListDistributionsByRealtimeLogConfig(t.Context(), &cloudfront.ListDistributionsByRealtimeLogConfigInput{})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"distributions by MaxItems 0", func() error {
			_, err := f.cf.ListDistributionsByRealtimeLogConfig(t.Context(), &cloudfront.ListDistributionsByRealtimeLogConfigInput{
				RealtimeLogConfigName: aws.String("taken"), MaxItems: aws.Int32(0)})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"list with an unknown marker", func() error {
			_, err := f.cf.ListRealtimeLogConfigs(t.Context(), &cloudfront.ListRealtimeLogConfigsInput{Marker: aws.String("nope")})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"distribution naming an unknown config", func() error {
			return f.setLogConfig(id, "arn:aws:cloudfront::123456789012:realtime-log-config/nope")
		}, "NoSuchRealtimeLogConfig", http.StatusNotFound},
		{"distribution naming another account's config", func() error {
			return f.setLogConfig(id, "arn:aws:cloudfront::999999999999:realtime-log-config/taken")
		}, "RealtimeLogConfigOwnerMismatch", http.StatusUnauthorized},
		{"distribution naming no ARN", func() error {
			return f.setLogConfig(id, "taken")
		}, "InvalidArgument", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIErr(t, tc.do(), tc.code, tc.status)
		})
	}
	t.Run("nothing created by a refused create", func(t *testing.T) {
		out, err := f.cf.ListRealtimeLogConfigs(t.Context(), &cloudfront.ListRealtimeLogConfigsInput{})
		if err != nil || len(out.RealtimeLogConfigs.Items) != 1 {
			t.Fatalf("ListRealtimeLogConfigs: %+v, %v; want only \"taken\"", out, err)
		}
	})
}

func TestRealtimeLogConfigQuota(t *testing.T) {
	f := newFixture(t)
	for i := range 150 {
		if _, err := f.cf.CreateRealtimeLogConfig(t.Context(), createLogInput(fmt.Sprintf("logs-%d", i), 1, "timestamp")); err != nil {
			t.Fatalf("CreateRealtimeLogConfig %d: %v", i, err)
		}
	}
	_, err := f.cf.CreateRealtimeLogConfig(t.Context(), createLogInput("one-more", 1, "timestamp"))
	wantAPIErr(t, err, "TooManyRealtimeLogConfigs", http.StatusBadRequest)
}
