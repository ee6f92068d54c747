package emulator_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/test/harness"
)

// VPC origins (issue 27), through the real SDK.

const testALB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef"

func vpcEndpoint(name string) *types.VpcOriginEndpointConfig {
	return &types.VpcOriginEndpointConfig{
		Name: aws.String(name), Arn: aws.String(testALB),
		HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443),
		OriginProtocolPolicy: types.OriginProtocolPolicyHttpsOnly,
		OriginSslProtocols: &types.OriginSslProtocols{Quantity: aws.Int32(1),
			Items: []types.SslProtocol{types.SslProtocolTLSv12}},
	}
}

func (f *fixture) createVpcOrigin(name string) *cloudfront.CreateVpcOriginOutput {
	f.t.Helper()
	out, err := f.cf.CreateVpcOrigin(f.t.Context(), &cloudfront.CreateVpcOriginInput{VpcOriginEndpointConfig: vpcEndpoint(name)})
	if err != nil {
		f.t.Fatalf("CreateVpcOrigin(%s): %v", name, err)
	}
	return out
}

// setOrigin updates distribution id with edit applied to its first
// origin.
func (f *fixture) editDist(id string, edit func(c *types.DistributionConfig)) error {
	f.t.Helper()
	cur, err := f.cf.GetDistributionConfig(f.t.Context(), &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if err != nil {
		f.t.Fatalf("GetDistributionConfig(%s): %v", id, err)
	}
	edit(cur.DistributionConfig)
	_, err = f.cf.UpdateDistribution(f.t.Context(), &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: cur.ETag, DistributionConfig: cur.DistributionConfig})
	return err
}

func useVpcOrigin(id string) func(c *types.DistributionConfig) {
	return func(c *types.DistributionConfig) {
		o := &c.Origins.Items[0]
		o.CustomOriginConfig, o.S3OriginConfig = nil, nil
		o.VpcOriginConfig = &types.VpcOriginConfig{VpcOriginId: aws.String(id)}
	}
}

func TestVpcOrigins(t *testing.T) {
	for _, st := range []string{"mem", "bolt"} {
		t.Run(st, func(t *testing.T) {
			var edit []func(*emulator.Options)
			if st == "bolt" {
				edit = append(edit, withBolt(t))
			}
			f := newFixture(t, edit...)
			ctx := t.Context()
			created := f.createVpcOrigin("web")
			vo := created.VpcOrigin
			id := aws.ToString(vo.Id)
			ignore := cmpopts.IgnoreUnexported(types.VpcOriginEndpointConfig{}, types.OriginSslProtocols{})
			if diff := cmp.Diff(vpcEndpoint("web"), vo.VpcOriginEndpointConfig, ignore); diff != "" {
				t.Errorf("created config (-want +got):\n%s", diff)
			}
			if got, want := aws.ToString(vo.Arn), "arn:aws:cloudfront::123456789012:vpcorigin/"+id; got != want {
				t.Errorf("Arn: got %s, want %s", got, want)
			}
			if aws.ToString(vo.Status) != "Deploying" || aws.ToString(created.ETag) == "" || aws.ToString(created.Location) == "" {
				t.Errorf("created: Status %s, ETag %q, Location %q; want Deploying and both headers", aws.ToString(vo.Status), aws.ToString(created.ETag), aws.ToString(created.Location))
			}
			f.clock.Advance(delay)
			got, err := f.cf.GetVpcOrigin(ctx, &cloudfront.GetVpcOriginInput{Id: aws.String(id)})
			if err != nil {
				t.Fatalf("GetVpcOrigin: %v", err)
			}
			if aws.ToString(got.VpcOrigin.Status) != "Deployed" || aws.ToString(got.ETag) != aws.ToString(created.ETag) {
				t.Errorf("after the delay: Status %s ETag %s, want Deployed and the create's ETag", aws.ToString(got.VpcOrigin.Status), aws.ToString(got.ETag))
			}

			// List.
			f.createVpcOrigin("api")
			list, err := f.cf.ListVpcOrigins(ctx, &cloudfront.ListVpcOriginsInput{MaxItems: aws.Int32(1)})
			if err != nil {
				t.Fatalf("ListVpcOrigins: %v", err)
			}
			l := list.VpcOriginList
			if aws.ToInt32(l.Quantity) != 1 || !aws.ToBool(l.IsTruncated) || aws.ToString(l.Items[0].Id) != id ||
				aws.ToString(l.Items[0].OriginEndpointArn) != testALB || aws.ToString(l.Items[0].Name) != "web" {
				t.Errorf("ListVpcOrigins page 1: %+v", l)
			}

			// A distribution names it: the look-up finds it, delete is refused.
			dist := f.createDist("vpc-user")
			distID := aws.ToString(dist.Distribution.Id)
			if err := f.editDist(distID, useVpcOrigin(id)); err != nil {
				t.Fatalf("UpdateDistribution with VpcOriginConfig: %v", err)
			}
			ids, err := f.cf.ListDistributionsByVpcOriginId(ctx, &cloudfront.ListDistributionsByVpcOriginIdInput{VpcOriginId: aws.String(id)})
			if err != nil {
				t.Fatalf("ListDistributionsByVpcOriginId: %v", err)
			}
			if diff := cmp.Diff([]string{distID}, ids.DistributionIdList.Items); diff != "" {
				t.Errorf("ListDistributionsByVpcOriginId (-want +got):\n%s", diff)
			}

			// Update.
			upd := vpcEndpoint("web")
			upd.HTTPSPort = aws.Int32(8443)
			updated, err := f.cf.UpdateVpcOrigin(ctx, &cloudfront.UpdateVpcOriginInput{Id: aws.String(id), IfMatch: got.ETag, VpcOriginEndpointConfig: upd})
			if err != nil {
				t.Fatalf("UpdateVpcOrigin: %v", err)
			}
			if aws.ToInt32(updated.VpcOrigin.VpcOriginEndpointConfig.HTTPSPort) != 8443 || aws.ToString(updated.ETag) == aws.ToString(got.ETag) ||
				aws.ToString(updated.VpcOrigin.Status) != "Deploying" {
				t.Errorf("updated: %+v, ETag %s (was %s)", updated.VpcOrigin, aws.ToString(updated.ETag), aws.ToString(got.ETag))
			}
			_, err = f.cf.DeleteVpcOrigin(ctx, &cloudfront.DeleteVpcOriginInput{Id: aws.String(id), IfMatch: updated.ETag})
			wantAPIErr(t, err, "CannotDeleteEntityWhileInUse", http.StatusConflict)

			// Once no origin names it, it goes.
			if err := f.editDist(distID, func(c *types.DistributionConfig) {
				o := &c.Origins.Items[0]
				o.VpcOriginConfig = nil
				o.CustomOriginConfig = &types.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpsOnly}
			}); err != nil {
				t.Fatalf("UpdateDistribution without VpcOriginConfig: %v", err)
			}
			del, err := f.cf.DeleteVpcOrigin(ctx, &cloudfront.DeleteVpcOriginInput{Id: aws.String(id), IfMatch: updated.ETag})
			if err != nil {
				t.Fatalf("DeleteVpcOrigin: %v", err)
			}
			if aws.ToString(del.VpcOrigin.Id) != id || aws.ToString(del.VpcOrigin.Status) != "Deleting" {
				t.Errorf("DeleteVpcOrigin answered %+v, want the origin, Deleting", del.VpcOrigin)
			}
			_, err = f.cf.GetVpcOrigin(ctx, &cloudfront.GetVpcOriginInput{Id: aws.String(id)})
			wantAPIErr(t, err, "EntityNotFound", http.StatusNotFound)
		})
	}
}

func TestVpcOriginErrors(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	existing := f.createVpcOrigin("taken")
	id, etag := existing.VpcOrigin.Id, existing.ETag
	bad := func(edit func(c *types.VpcOriginEndpointConfig)) *types.VpcOriginEndpointConfig {
		c := vpcEndpoint("fresh")
		edit(c)
		return c
	}
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"name taken", func() error {
			_, err := f.cf.CreateVpcOrigin(ctx, &cloudfront.CreateVpcOriginInput{VpcOriginEndpointConfig: vpcEndpoint("taken")})
			return err
		}, "EntityAlreadyExists", http.StatusConflict},
		{"endpoint not a load balancer or instance", func() error {
			_, err := f.cf.CreateVpcOrigin(ctx, &cloudfront.CreateVpcOriginInput{VpcOriginEndpointConfig: bad(func(c *types.VpcOriginEndpointConfig) {
				c.Arn = aws.String("arn:aws:s3:::bucket")
			})})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"port out of range", func() error {
			_, err := f.cf.CreateVpcOrigin(ctx, &cloudfront.CreateVpcOriginInput{VpcOriginEndpointConfig: bad(func(c *types.VpcOriginEndpointConfig) {
				c.HTTPPort = aws.Int32(81)
			})})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"protocol policy not in the enum", func() error {
			_, err := f.cf.CreateVpcOrigin(ctx, &cloudfront.CreateVpcOriginInput{VpcOriginEndpointConfig: bad(func(c *types.VpcOriginEndpointConfig) {
				c.OriginProtocolPolicy = "ftp-only"
			})})
			return err
		}, "InvalidArgument", http.StatusBadRequest},
		{"quantity not the number of items", func() error {
			_, err := f.cf.CreateVpcOrigin(ctx, &cloudfront.CreateVpcOriginInput{VpcOriginEndpointConfig: bad(func(c *types.VpcOriginEndpointConfig) {
				c.OriginSslProtocols.Quantity = aws.Int32(2)
			})})
			return err
		}, "InconsistentQuantities", http.StatusBadRequest},
		{"bad tag", func() error {
			_, err := f.cf.CreateVpcOrigin(ctx, &cloudfront.CreateVpcOriginInput{VpcOriginEndpointConfig: vpcEndpoint("tagged"),
				Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("aws:reserved")}}}})
			return err
		}, "InvalidTagging", http.StatusBadRequest},
		{"get unknown", func() error {
			_, err := f.cf.GetVpcOrigin(ctx, &cloudfront.GetVpcOriginInput{Id: aws.String("vo_NOSUCH")})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"update with a stale If-Match", func() error {
			_, err := f.cf.UpdateVpcOrigin(ctx, &cloudfront.UpdateVpcOriginInput{Id: id, IfMatch: aws.String("ESTALE"), VpcOriginEndpointConfig: vpcEndpoint("taken")})
			return err
		}, "PreconditionFailed", http.StatusPreconditionFailed},
		{"update unknown", func() error {
			_, err := f.cf.UpdateVpcOrigin(ctx, &cloudfront.UpdateVpcOriginInput{Id: aws.String("vo_NOSUCH"), IfMatch: etag, VpcOriginEndpointConfig: vpcEndpoint("x")})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"delete with a stale If-Match", func() error {
			_, err := f.cf.DeleteVpcOrigin(ctx, &cloudfront.DeleteVpcOriginInput{Id: id, IfMatch: aws.String("ESTALE")})
			return err
		}, "PreconditionFailed", http.StatusPreconditionFailed},
		{"delete unknown", func() error {
			_, err := f.cf.DeleteVpcOrigin(ctx, &cloudfront.DeleteVpcOriginInput{Id: aws.String("vo_NOSUCH"), IfMatch: etag})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"look-up of an unknown VPC origin", func() error {
			_, err := f.cf.ListDistributionsByVpcOriginId(ctx, &cloudfront.ListDistributionsByVpcOriginIdInput{VpcOriginId: aws.String("vo_NOSUCH")})
			return err
		}, "EntityNotFound", http.StatusNotFound},
		{"distribution naming an unknown VPC origin", func() error {
			c := sdkConfig("unknown-vpc")
			useVpcOrigin("vo_NOSUCH")(c)
			_, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
			return err
		}, "EntityNotFound", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIErr(t, tt.call(), tt.code, tt.status)
		})
	}
	// The SDK checks If-Match before sending; a raw request without it.
	t.Run("update without If-Match", func(t *testing.T) {
		resp, body := f.do("PUT", "/2020-05-31/vpc-origin/"+aws.ToString(id), stringsReader(`<VpcOriginEndpointConfig/>`))
		wantRawErr(t, resp, body, "InvalidIfMatchVersion", http.StatusBadRequest, "If-Match")
	})
}

// TestVpcOriginTags: a VPC origin's ARN works with the tagging operations,
// and the tags given at creation are its first.
func TestVpcOriginTags(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	out, err := f.cf.CreateVpcOrigin(ctx, &cloudfront.CreateVpcOriginInput{VpcOriginEndpointConfig: vpcEndpoint("tagged"),
		Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.VpcOrigin.Arn
	if _, err := f.cf.TagResource(ctx, &cloudfront.TagResourceInput{Resource: arn,
		Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := f.cf.UntagResource(ctx, &cloudfront.UntagResourceInput{Resource: arn, TagKeys: &types.TagKeys{Items: []string{"team"}}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	tags, err := f.cf.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: arn})
	if err != nil {
		t.Fatalf("ListTagsForResource: %v", err)
	}
	want := []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}
	if diff := cmp.Diff(want, tags.Tags.Items, cmpopts.IgnoreUnexported(types.Tag{})); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	_, err = f.cf.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: aws.String("arn:aws:cloudfront::123456789012:vpcorigin/vo_NOSUCH")})
	wantAPIErr(t, err, "NoSuchResource", http.StatusNotFound)
}

func TestVpcOriginSurvivesRestart(t *testing.T) {
	start := restartable(t, t.TempDir()+"/state.db", harness.NewClock(t0))
	cf, stop := start()
	created, err := cf.CreateVpcOrigin(t.Context(), &cloudfront.CreateVpcOriginInput{VpcOriginEndpointConfig: vpcEndpoint("kept"),
		Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	cf, stop = start()
	defer stop()
	got, err := cf.GetVpcOrigin(t.Context(), &cloudfront.GetVpcOriginInput{Id: created.VpcOrigin.Id})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.ETag) != aws.ToString(created.ETag) || aws.ToString(got.VpcOrigin.VpcOriginEndpointConfig.Name) != "kept" {
		t.Errorf("after a restart: %+v, ETag %s; created ETag %s", got.VpcOrigin, aws.ToString(got.ETag), aws.ToString(created.ETag))
	}
	tags, err := cf.ListTagsForResource(t.Context(), &cloudfront.ListTagsForResourceInput{Resource: created.VpcOrigin.Arn})
	if err != nil || len(tags.Tags.Items) != 1 {
		t.Errorf("tags after a restart: %+v, %v", tags, err)
	}
}
