package emulator_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"
)

// tagList flattens SDK tags in their order, for comparison.
func tagList(tags *types.Tags) [][2]string {
	var out [][2]string
	for _, t := range tags.Items {
		out = append(out, [2]string{aws.ToString(t.Key), aws.ToString(t.Value)})
	}
	return out
}

func (f *fixture) tags(arn string) [][2]string {
	f.t.Helper()
	out, err := f.cf.ListTagsForResource(f.t.Context(), &cloudfront.ListTagsForResourceInput{Resource: aws.String(arn)})
	if err != nil {
		f.t.Fatalf("ListTagsForResource(%s): %v", arn, err)
	}
	return tagList(out.Tags)
}

func sdkTags(kv ...string) *types.Tags {
	t := &types.Tags{}
	for i := 0; i+1 < len(kv); i += 2 {
		t.Items = append(t.Items, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return t
}

// TestTagging walks CreateDistributionWithTags, ListTagsForResource,
// TagResource and UntagResource through the real SDK, and checks that
// tagging leaves the distribution's ETag alone.
func TestTagging(t *testing.T) {
	f := newFixture(t)
	created, err := f.cf.CreateDistributionWithTags(t.Context(), &cloudfront.CreateDistributionWithTagsInput{
		DistributionConfigWithTags: &types.DistributionConfigWithTags{
			DistributionConfig: sdkConfig("with-tags"),
			Tags:               sdkTags("Project", "cfinv", "Empty", ""),
		},
	})
	if err != nil {
		t.Fatalf("CreateDistributionWithTags: %v", err)
	}
	arn := aws.ToString(created.Distribution.ARN)
	if created.Location == nil || !strings.HasSuffix(*created.Location, "/2020-05-31/distribution/"+aws.ToString(created.Distribution.Id)) || created.ETag == nil {
		t.Errorf("CreateDistributionWithTags: Location %v, ETag %v; want both", aws.ToString(created.Location), aws.ToString(created.ETag))
	}
	if diff := cmp.Diff([][2]string{{"Project", "cfinv"}, {"Empty", ""}}, f.tags(arn)); diff != "" {
		t.Errorf("tags after create (-want +got):\n%s", diff)
	}

	if _, err := f.cf.TagResource(t.Context(), &cloudfront.TagResourceInput{Resource: aws.String(arn), Tags: sdkTags("Env", "prod", "Project", "cfinv-2")}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if diff := cmp.Diff([][2]string{{"Project", "cfinv-2"}, {"Empty", ""}, {"Env", "prod"}}, f.tags(arn)); diff != "" {
		t.Errorf("tags after TagResource (-want +got):\n%s", diff)
	}
	if _, err := f.cf.UntagResource(t.Context(), &cloudfront.UntagResourceInput{Resource: aws.String(arn), TagKeys: &types.TagKeys{Items: []string{"Empty", "Absent"}}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	if diff := cmp.Diff([][2]string{{"Project", "cfinv-2"}, {"Env", "prod"}}, f.tags(arn)); diff != "" {
		t.Errorf("tags after UntagResource (-want +got):\n%s", diff)
	}

	got, err := f.cf.GetDistribution(t.Context(), &cloudfront.GetDistributionInput{Id: created.Distribution.Id})
	if err != nil {
		t.Fatalf("GetDistribution: %v", err)
	}
	if aws.ToString(got.ETag) != aws.ToString(created.ETag) {
		t.Errorf("tagging changed the ETag from %s to %s", aws.ToString(created.ETag), aws.ToString(got.ETag))
	}

	// A distribution created without tags lists an empty Items.
	plain := f.createDist("plain")
	resp, body := f.do("GET", "/2020-05-31/tagging?Resource="+aws.ToString(plain.Distribution.ARN), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<Tags xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\"><Items></Items></Tags>") {
		t.Errorf("ListTagsForResource with no tags: HTTP %d %s", resp.StatusCode, body)
	}
}

// TestTaggingErrors checks the tagging operations' refusals: each leaves
// the stored tags as they were.
func TestTaggingErrors(t *testing.T) {
	f := newFixture(t)
	d := f.createDist("errs")
	arn := aws.ToString(d.Distribution.ARN)
	if _, err := f.cf.TagResource(t.Context(), &cloudfront.TagResourceInput{Resource: aws.String(arn), Tags: sdkTags("keep", "1")}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	many := make([]string, 0, 102)
	for i := range 51 {
		many = append(many, "k"+strings.Repeat("x", i), "")
	}
	tests := []struct {
		name     string
		resource string
		tags     *types.Tags
		code     string
		status   int
	}{
		{"unknown distribution", "arn:aws:cloudfront::123456789012:distribution/E000000000000", sdkTags("a", "b"), "NoSuchResource", 404},
		{"other account", "arn:aws:cloudfront::999999999999:distribution/" + aws.ToString(d.Distribution.Id), sdkTags("a", "b"), "NoSuchResource", 404},
		{"not an ARN", "E123", sdkTags("a", "b"), "InvalidArgument", 400},
		{"empty key", arn, sdkTags("", "b"), "InvalidTagging", 400},
		{"long key", arn, sdkTags(strings.Repeat("k", 129), "b"), "InvalidTagging", 400},
		{"long value", arn, sdkTags("k", strings.Repeat("v", 257)), "InvalidTagging", 400},
		{"bad character", arn, sdkTags("k", "a;b"), "InvalidTagging", 400},
		{"reserved prefix", arn, sdkTags("aws:created-by", "me"), "InvalidTagging", 400},
		{"duplicate key", arn, sdkTags("k", "1", "k", "2"), "InvalidTagging", 400},
		{"more than 50", arn, sdkTags(many...), "InvalidTagging", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cf.TagResource(t.Context(), &cloudfront.TagResourceInput{Resource: aws.String(tt.resource), Tags: tt.tags})
			wantAPIErr(t, err, tt.code, tt.status)
		})
	}
	// 50 stored tags plus one more is refused as a whole.
	t.Run("limit reached by merge", func(t *testing.T) {
		_, err := f.cf.TagResource(t.Context(), &cloudfront.TagResourceInput{Resource: aws.String(arn), Tags: sdkTags(many[2:]...)})
		wantAPIErr(t, err, "InvalidTagging", 400)
	})
	_, err := f.cf.UntagResource(t.Context(), &cloudfront.UntagResourceInput{Resource: aws.String(arn), TagKeys: &types.TagKeys{Items: []string{""}}})
	wantAPIErr(t, err, "InvalidTagging", 400)
	_, err = f.cf.ListTagsForResource(t.Context(), &cloudfront.ListTagsForResourceInput{Resource: aws.String("arn:aws:cloudfront::123456789012:distribution/E000000000000")})
	wantAPIErr(t, err, "NoSuchResource", 404)

	resp, body := f.do("POST", "/2020-05-31/tagging?Operation=Tag&Resource="+arn, strings.NewReader("<Tags><Items><Tag><Key>x"))
	wantRawErr(t, resp, body, "MalformedXML", 400, "")
	resp, body = f.do("POST", "/2020-05-31/distribution?WithTags", strings.NewReader("<DistributionConfigWithTags><Tags/></DistributionConfigWithTags>"))
	wantRawErr(t, resp, body, "InvalidArgument", 400, "DistributionConfigWithTags.DistributionConfig is required")

	if diff := cmp.Diff([][2]string{{"keep", "1"}}, f.tags(arn)); diff != "" {
		t.Errorf("refused requests changed the tags (-want +got):\n%s", diff)
	}
}
