package deploy_test

import (
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/deploy"
)

// indexRewrite is the classic viewer-request function of S3 sites:
// /about/ and /about are fetched and cached as /about/index.html.
const indexRewrite = `function handler(event) {
	var request = event.request;
	var uri = request.uri;
	if (uri.endsWith('/')) { request.uri += 'index.html'; }
	else if (!uri.includes('.')) { request.uri += '/index.html'; }
	return request;
}`

// associate creates and publishes a cloudfront-js-1.0 function through the
// SDK and runs it on viewer-request of the site's default behaviour.
func (s *site) associate(t *testing.T, name, code string) {
	t.Helper()
	ctx := t.Context()
	api := cloudfront.NewFromConfig(s.srv.AWSConfig())
	fn, err := api.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String(name), FunctionCode: []byte(code),
		FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs10}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String(name), IfMatch: fn.ETag}); err != nil {
		t.Fatal(err)
	}
	got, err := api.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(s.dist)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := got.DistributionConfig
	cfg.DefaultCacheBehavior.FunctionAssociations = &types.FunctionAssociations{Quantity: aws.Int32(1), Items: []types.FunctionAssociation{{
		FunctionARN: fn.FunctionSummary.FunctionMetadata.FunctionARN, EventType: types.EventTypeViewerRequest}}}
	if _, err := api.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(s.dist), IfMatch: got.ETag, DistributionConfig: cfg}); err != nil {
		t.Fatal(err)
	}
}

// TestIndexRewritePurgedThroughTheEdge: behind the index rewrite a changed
// page is purged under the one URL the edge caches it under, and viewers
// then get the new copy through every URL the function rewrites
// (issue 26 item 3).
func TestIndexRewritePurgedThroughTheEdge(t *testing.T) {
	s := newSite(t, "cfinv")
	s.associate(t, "index-rewrite", indexRewrite)
	dir := filepath.Join(t.TempDir(), "public")
	site := with(v1, map[string]string{"about/index.html": "about v1"})
	writeTree(t, dir, site)
	s.mustRun(t, deploy.Options{Dir: dir})

	get := func(path, wantBody, wantXCache string) {
		t.Helper()
		r, err := s.srv.EdgeGet(t.Context(), s.dist, path)
		if err != nil {
			t.Fatal(err)
		}
		if r.StatusCode != 200 || r.Body != wantBody || r.XCache != wantXCache {
			t.Errorf("GET %s = %d %q (%s), want 200 %q (%s)", path, r.StatusCode, r.Body, r.XCache, wantBody, wantXCache)
		}
	}
	get("/about/", "about v1", "Miss from cloudfront")
	get("/about", "about v1", "Hit from cloudfront") // the same cache key: /about/index.html

	writeTree(t, dir, with(site, map[string]string{"about/index.html": "about v2"}))
	rep := s.mustRun(t, deploy.Options{Dir: dir})
	if len(rep.Invalidations) != 1 {
		t.Fatalf("invalidations %+v, want one", rep.Invalidations)
	}
	if diff := cmp.Diff([]string{"/about/index.html"}, rep.Invalidations[0].Paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	if len(rep.Invalidations[0].Warnings) != 0 {
		t.Errorf("warnings %+v, want none", rep.Invalidations[0].Warnings)
	}
	get("/about/", "about v2", "Miss from cloudfront")
	get("/about", "about v2", "Hit from cloudfront")
	get("/about/index.html", "about v2", "Hit from cloudfront")
}
