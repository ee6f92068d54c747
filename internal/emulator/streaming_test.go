package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// RTMP (streaming) distributions were discontinued on 31 December 2020:
// the account has none and cannot create one (streaming.go).

func sdkStreamingConfig(ref string) *types.StreamingDistributionConfig {
	return &types.StreamingDistributionConfig{
		CallerReference: aws.String(ref),
		Comment:         aws.String("rtmp"),
		Enabled:         aws.Bool(true),
		S3Origin:        &types.S3Origin{DomainName: aws.String("media.s3.amazonaws.com"), OriginAccessIdentity: aws.String("")},
		TrustedSigners:  &types.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)},
	}
}

// TestStreamingDistributionsThroughSDK: every streaming operation through
// the real SDK gets CloudFront's answer for an account without RTMP.
func TestStreamingDistributionsThroughSDK(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()

	_, err := f.cf.CreateStreamingDistribution(ctx, &cloudfront.CreateStreamingDistributionInput{
		StreamingDistributionConfig: sdkStreamingConfig("rtmp-1")})
	wantAPIErr(t, err, "AccessDenied", 403)
	if !strings.Contains(err.Error(), "discontinued on December 31, 2020") {
		t.Errorf("create: the error does not say why: %v", err)
	}
	_, err = f.cf.CreateStreamingDistributionWithTags(ctx, &cloudfront.CreateStreamingDistributionWithTagsInput{
		StreamingDistributionConfigWithTags: &types.StreamingDistributionConfigWithTags{
			StreamingDistributionConfig: sdkStreamingConfig("rtmp-2"),
			Tags:                        &types.Tags{Items: []types.Tag{{Key: aws.String("team"), Value: aws.String("media")}}},
		}})
	wantAPIErr(t, err, "AccessDenied", 403)

	list, err := f.cf.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{MaxItems: aws.Int32(10)})
	if err != nil {
		t.Fatalf("ListStreamingDistributions: %v", err)
	}
	if l := list.StreamingDistributionList; l == nil || aws.ToInt32(l.Quantity) != 0 || aws.ToBool(l.IsTruncated) ||
		aws.ToInt32(l.MaxItems) != 10 || len(l.Items) != 0 {
		t.Errorf("ListStreamingDistributions: got %+v, want an empty list of MaxItems 10", l)
	}
	_, err = f.cf.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{Marker: aws.String("EDFDVBD6EXAMPLE")})
	wantAPIErr(t, err, "InvalidArgument", 400)
	_, err = f.cf.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{MaxItems: aws.Int32(1001)})
	wantAPIErr(t, err, "InvalidArgument", 400)

	_, err = f.cf.GetStreamingDistribution(ctx, &cloudfront.GetStreamingDistributionInput{Id: aws.String("EDFDVBD6EXAMPLE")})
	wantAPIErr(t, err, "NoSuchStreamingDistribution", 404)
	_, err = f.cf.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: aws.String("EDFDVBD6EXAMPLE")})
	wantAPIErr(t, err, "NoSuchStreamingDistribution", 404)
	_, err = f.cf.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{Id: aws.String("EDFDVBD6EXAMPLE"),
		IfMatch: aws.String("E2QWRUHEXAMPLE"), StreamingDistributionConfig: sdkStreamingConfig("rtmp-1")})
	wantAPIErr(t, err, "NoSuchStreamingDistribution", 404)
	_, err = f.cf.DeleteStreamingDistribution(ctx, &cloudfront.DeleteStreamingDistributionInput{Id: aws.String("EDFDVBD6EXAMPLE"),
		IfMatch: aws.String("E2QWRUHEXAMPLE")})
	wantAPIErr(t, err, "NoSuchStreamingDistribution", 404)
}

// TestStreamingDistributionBodiesAreChecked: a create or update whose body
// is wrong is told what is wrong before it is refused.
func TestStreamingDistributionBodiesAreChecked(t *testing.T) {
	f := newFixture(t)
	const ok = `<S3Origin><DomainName>media.s3.amazonaws.com</DomainName><OriginAccessIdentity></OriginAccessIdentity></S3Origin>` +
		`<Comment>c</Comment><TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners><Enabled>true</Enabled>`
	config := func(inner string) string {
		return `<StreamingDistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">` + inner + `</StreamingDistributionConfig>`
	}
	tests := []struct {
		name, method, path, body string
		code                     string
		status                   int
		msg                      string
	}{
		{"empty body", "POST", "/2020-05-31/streaming-distribution", "", "MissingBody", 400, ""},
		{"not XML", "POST", "/2020-05-31/streaming-distribution", "<StreamingDistributionConfig>", "MalformedXML", 400, ""},
		{"wrong root", "POST", "/2020-05-31/streaming-distribution", "<DistributionConfig/>", "MalformedXML", 400, ""},
		{"no caller reference", "POST", "/2020-05-31/streaming-distribution", config(ok), "InvalidArgument", 400, "CallerReference"},
		{"quantities", "POST", "/2020-05-31/streaming-distribution",
			config(`<CallerReference>r</CallerReference>` + strings.Replace(ok, "<Quantity>0</Quantity>", "<Quantity>2</Quantity>", 1)),
			"InconsistentQuantities", 400, ""},
		{"price class", "POST", "/2020-05-31/streaming-distribution",
			config(`<CallerReference>r</CallerReference>` + ok + `<PriceClass>PriceClass_Cheap</PriceClass>`), "InvalidArgument", 400, "PriceClass_Cheap"},
		{"well formed", "POST", "/2020-05-31/streaming-distribution", config(`<CallerReference>r</CallerReference>` + ok),
			"AccessDenied", 403, "discontinued"},
		{"with tags, no tags", "POST", "/2020-05-31/streaming-distribution?WithTags",
			`<StreamingDistributionConfigWithTags>` + config(`<CallerReference>r</CallerReference>`+ok) + `</StreamingDistributionConfigWithTags>`,
			"InvalidArgument", 400, "Tags is required"},
		{"with tags, stray member", "POST", "/2020-05-31/streaming-distribution?WithTags",
			`<StreamingDistributionConfigWithTags><Extra/></StreamingDistributionConfigWithTags>`, "MalformedXML", 400, ""},
		{"update, bad body", "PUT", "/2020-05-31/streaming-distribution/EDFDVBD6EXAMPLE/config", config(ok), "InvalidArgument", 400, "CallerReference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.do(tt.method, tt.path, strings.NewReader(tt.body), "If-Match", "E2QWRUHEXAMPLE")
			wantRawErr(t, resp, body, tt.code, tt.status, tt.msg)
		})
	}
}
