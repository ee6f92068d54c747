package edgestore_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/edgecache"
	"github.com/cfinv/cfinv/internal/edgestore"
	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// versionedOrigin serves every path with its version and counts fetches.
type versionedOrigin struct {
	mu      sync.Mutex
	version int
	hits    map[string]int
}

func (o *versionedOrigin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.hits[r.URL.Path]++
	v := o.version
	o.mu.Unlock()
	fmt.Fprintf(w, "%s v%d", r.URL.Path, v)
}

func (o *versionedOrigin) count(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[path]
}

// TestEdgeRunsPublishedFunction: the classic index rewrite, created and
// published through the API and associated with a distribution's default
// behaviour, runs at the edge: GET /about/ serves /about/index.html and
// caches it under that URI, and an invalidation of /about/index.html
// (through the API, purging the edge) gives viewers of /about/ the new
// copy (issue 26).
func TestEdgeRunsPublishedFunction(t *testing.T) {
	st := store.NewMem()
	clk := harness.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	edge := &edgecache.Proxy{Distributions: edgestore.Distributions(st), Now: clk.Now}
	api := httptest.NewServer(emulator.New(emulator.Options{Store: st, Now: clk.Now, Purger: edge}).Handler())
	t.Cleanup(api.Close)
	edgeSrv := httptest.NewServer(edge)
	t.Cleanup(edgeSrv.Close)
	org := &versionedOrigin{version: 1, hits: map[string]int{}}
	originSrv := httptest.NewServer(org)
	t.Cleanup(originSrv.Close)
	port, _ := strconv.Atoi(originSrv.URL[len("http://127.0.0.1:"):])
	cf := harness.SDK(api.URL, harness.HTTPClient(api.Client()))
	ctx := t.Context()

	fn, err := cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{
		Name:           aws.String("index-rewrite"),
		FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs10},
		FunctionCode: []byte(`function handler(event) {
			var request = event.request;
			if (request.uri.endsWith('/')) { request.uri += 'index.html'; }
			return request;
		}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cf.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("index-rewrite"), IfMatch: fn.ETag}); err != nil {
		t.Fatal(err)
	}
	dist, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("functions"), Comment: aws.String(""), Enabled: aws.Bool(true),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("app"), DomainName: aws.String("127.0.0.1"),
			CustomOriginConfig: &types.CustomOriginConfig{HTTPPort: aws.Int32(int32(port)), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId: aws.String("app"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"), // managed CachingOptimized
			FunctionAssociations: &types.FunctionAssociations{Quantity: aws.Int32(1), Items: []types.FunctionAssociation{{
				FunctionARN: fn.FunctionSummary.FunctionMetadata.FunctionARN, EventType: types.EventTypeViewerRequest,
			}}},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	edge.RefreshDistributions()
	host := aws.ToString(dist.Distribution.DomainName)
	get := func(path string) (string, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, edgeSrv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := edgeSrv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d %s", path, resp.StatusCode, b)
		}
		return string(b), resp.Header.Get("X-Cache")
	}
	steps := []struct{ path, wantBody, wantXCache string }{
		{"/about/", "/about/index.html v1", "Miss from cloudfront"},
		{"/about/", "/about/index.html v1", "Hit from cloudfront"},
		{"/about/index.html", "/about/index.html v1", "Hit from cloudfront"},
	}
	for _, s := range steps {
		if body, xc := get(s.path); body != s.wantBody || xc != s.wantXCache {
			t.Errorf("GET %s = %q, %s; want %q, %s", s.path, body, xc, s.wantBody, s.wantXCache)
		}
	}
	org.mu.Lock()
	org.version = 2
	org.mu.Unlock()
	if _, err := cf.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{DistributionId: dist.Distribution.Id,
		InvalidationBatch: &types.InvalidationBatch{CallerReference: aws.String("about"),
			Paths: &types.Paths{Quantity: aws.Int32(1), Items: []string{"/about/index.html"}}}}); err != nil {
		t.Fatal(err)
	}
	if body, xc := get("/about/"); body != "/about/index.html v2" || xc != "Miss from cloudfront" {
		t.Errorf("after invalidating /about/index.html, GET /about/ = %q, %s; want the new copy, a miss", body, xc)
	}
	if n := org.count("/about/"); n != 0 {
		t.Errorf("the origin was asked for /about/ %d times, want 0", n)
	}
	if n := org.count("/about/index.html"); n != 2 {
		t.Errorf("the origin was asked for /about/index.html %d times, want 2", n)
	}
}
