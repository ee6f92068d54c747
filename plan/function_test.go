package plan_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv"
	"github.com/cfinv/cfinv/cfinvtest"
	"github.com/cfinv/cfinv/changes"
	"github.com/cfinv/cfinv/plan"
)

// The functions of the tests (issue 26 item 3), by name: runtime and code.
var testFunctions = []struct{ name, runtime, code string }{
	// The classic index rewrite for S3 sites.
	{"index-rewrite", cffunc1, `function handler(event) {
	var request = event.request;
	var uri = request.uri;
	if (uri.endsWith('/')) { request.uri += 'index.html'; }
	else if (!uri.includes('.')) { request.uri += '/index.html'; }
	return request;
}`},
	{"add-header", cffunc2, `async function handler(event) {
	const request = event.request;
	request.headers['x-site'] = {value: 'cfinv'};
	return request;
}`},
	{"by-language", cffunc1, `function handler(event) {
	var request = event.request;
	var lang = request.headers['accept-language'];
	if (lang && lang.value.indexOf('de') === 0) { request.uri = '/de' + request.uri; }
	return request;
}`},
	{"kvs-redirect", cffunc2, `import cf from 'cloudfront';
async function handler(event) {
	const request = event.request;
	try { request.uri = await cf.kvs().get(request.uri); } catch (e) {}
	return request;
}`},
	{"throws", cffunc1, `function handler(event) { throw new Error('boom'); }`},
	{"slash-redirect", cffunc1, `function handler(event) {
	var request = event.request;
	if (!request.uri.endsWith('/') && request.uri.indexOf('.') < 0) {
		return {statusCode: 301, statusDescription: 'Moved Permanently', headers: {location: {value: request.uri + '/'}}};
	}
	return request;
}`},
	// The index rewrite, except that it throws on /mixed-bad.
	{"mixed", cffunc1, `function handler(event) {
	var request = event.request;
	if (request.uri.indexOf('/mixed-bad') === 0) { throw new Error('bad'); }
	if (request.uri.endsWith('/')) { request.uri += 'index.html'; }
	else if (!request.uri.includes('.')) { request.uri += '/index.html'; }
	return request;
}`},
	{"adds-query", cffunc1, `function handler(event) {
	var request = event.request;
	request.querystring['v'] = {value: '1'};
	return request;
}`},
}

const (
	cffunc1 = string(types.FunctionRuntimeCloudfrontJs10)
	cffunc2 = string(types.FunctionRuntimeCloudfrontJs20)
)

// functionSite creates and publishes testFunctions on srv through the SDK
// and a distribution of the bucket "site" whose default behaviour runs
// index-rewrite, whose behaviour "/NAME*" runs function NAME for each of
// the others, and whose 404 and 403 answer /404.html. It returns the
// distribution's ID.
func functionSite(t *testing.T, srv *cfinvtest.Server) string {
	t.Helper()
	ctx := t.Context()
	api := cloudfront.NewFromConfig(srv.AWSConfig())
	arns := map[string]*string{}
	for _, f := range testFunctions {
		created, err := api.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String(f.name), FunctionCode: []byte(f.code),
			FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntime(f.runtime)}})
		if err != nil {
			t.Fatalf("create function %s: %v", f.name, err)
		}
		if _, err := api.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String(f.name), IfMatch: created.ETag}); err != nil {
			t.Fatalf("publish function %s: %v", f.name, err)
		}
		arns[f.name] = created.FunctionSummary.FunctionMetadata.FunctionARN
	}
	assoc := func(name string) *types.FunctionAssociations {
		return &types.FunctionAssociations{Quantity: aws.Int32(1), Items: []types.FunctionAssociation{{FunctionARN: arns[name], EventType: types.EventTypeViewerRequest}}}
	}
	const cachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	var behaviours []types.CacheBehavior
	for _, f := range testFunctions[1:] {
		behaviours = append(behaviours, types.CacheBehavior{PathPattern: aws.String("/" + f.name + "*"), TargetOriginId: aws.String("site"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll, CachePolicyId: aws.String(cachingOptimized), FunctionAssociations: assoc(f.name)})
	}
	created, err := api.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("functions"), Comment: aws.String(""), Enabled: aws.Bool(true), DefaultRootObject: aws.String("index.html"),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{Id: aws.String("site"), DomainName: aws.String("site.s3.amazonaws.com"),
			OriginPath: aws.String(""), S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")}}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{TargetOriginId: aws.String("site"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String(cachingOptimized), FunctionAssociations: assoc("index-rewrite")},
		CacheBehaviors: &types.CacheBehaviors{Quantity: aws.Int32(int32(len(behaviours))), Items: behaviours},
		CustomErrorResponses: &types.CustomErrorResponses{Quantity: aws.Int32(2), Items: []types.CustomErrorResponse{
			{ErrorCode: aws.Int32(404), ResponsePagePath: aws.String("/404.html"), ResponseCode: aws.String("404"), ErrorCachingMinTTL: aws.Int64(300)},
			{ErrorCode: aws.Int32(403), ResponsePagePath: aws.String("/404.html"), ResponseCode: aws.String("404")},
		}},
	}})
	if err != nil {
		t.Fatalf("create distribution: %v", err)
	}
	return aws.ToString(created.Distribution.Id)
}

// mapperOf builds the Mapper of distribution id as "cfinv plan
// --distribution-id" does, with the functions fetched through get.
func mapperOf(t *testing.T, client *cfinv.Client, id string, get plan.FunctionSource) *plan.Mapper {
	t.Helper()
	cfg, err := client.DistributionConfig(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	routes, _, err := plan.DistributionRoutes(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.LoadFunctions(t.Context(), routes, get); err != nil {
		t.Fatal(err)
	}
	return &plan.Mapper{Routes: routes, IndexDocument: "index.html", DefaultRootObject: aws.ToString(cfg.DefaultRootObject),
		ErrorPages: plan.DistributionErrorPages(cfg)}
}

// TestFunctionsDecideCachedURLs: a changed page is purged under the URLs
// its behaviour's viewer-request function caches it under when the
// function's effect is known, and in every form, with a warning naming the
// function and behaviour, when it is not (issue 26 item 3).
func TestFunctionsDecideCachedURLs(t *testing.T) {
	srv := cfinvtest.NewServer(t, cfinvtest.WithMemoryStore())
	id := functionSite(t, srv)
	client := cfinv.New(srv.AWSConfig())
	forms := func(dir string) []string { return []string{"/" + dir + "/", "/" + dir, "/" + dir + "/index.html"} }
	tests := []struct {
		name     string
		keys     []string
		want     []string
		function string // the function warned about, if any
		why      string // part of the warning
	}{
		{"index rewrite: one path per page", []string{"about/index.html"}, []string{"/about/index.html"}, "", ""},
		{"index rewrite: the root", []string{"index.html"}, []string{"/index.html"}, "", ""},
		{"index rewrite: a file", []string{"css/app.css"}, []string{"/css/app.css"}, "", ""},
		{"header only: URIs unchanged", []string{"add-header/index.html"}, forms("add-header"), "", ""},
		{"depends on a header", []string{"by-language/index.html"}, forms("by-language"), "by-language", "depending on the viewer"},
		{"reads a key value store", []string{"kvs-redirect/index.html"}, forms("kvs-redirect"), "kvs-redirect", "key value store"},
		{"throws", []string{"throws/index.html"}, forms("throws"), "throws", "Error: boom"},
		{"returns a response", []string{"slash-redirect/index.html"}, forms("slash-redirect"), "slash-redirect", "response of its own (status 301)"},
		{"unknown part way: every URL of the function in every form", []string{"mixed-ok/index.html", "mixed-bad/index.html"},
			append(forms("mixed-ok"), forms("mixed-bad")...), "mixed", "Error: bad"},
		{"adds a query string", []string{"adds-query/index.html"}, forms("adds-query"), "adds-query", `query-string parameter "v"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mapperOf(t, client, id, client.Function)
			in := m.Input(changes.Set{Modified: tt.keys}, nil)
			if diff := cmp.Diff(tt.want, in.Purge); diff != "" {
				t.Errorf("URLs to purge (-want +got):\n%s", diff)
			}
			if tt.function == "" {
				if len(in.Warnings) != 0 {
					t.Errorf("warnings %+v, want none", in.Warnings)
				}
				return
			}
			if len(in.Warnings) != 1 {
				t.Fatalf("warnings %+v, want one about %s", in.Warnings, tt.function)
			}
			w := in.Warnings[0]
			want := plan.Warning{Kind: plan.WarnFunction, Function: tt.function, Behaviors: []string{"/" + tt.function + "*"}, Message: w.Message}
			if diff := cmp.Diff(want, w); diff != "" {
				t.Errorf("warning (-want +got):\n%s", diff)
			}
			for _, part := range []string{fmt.Sprintf("function %q on behaviour \"/%s*\"", tt.function, tt.function), tt.why, "safe forms"} {
				if !strings.Contains(w.Message, part) {
					t.Errorf("warning %q does not say %q", w.Message, part)
				}
			}
		})
	}
}

// TestFunctionCodeDenied: without cloudfront:GetFunction the plan cannot
// know what the functions do: it says so, naming the permission, and
// purges every form.
func TestFunctionCodeDenied(t *testing.T) {
	srv := cfinvtest.NewServer(t, cfinvtest.WithMemoryStore())
	id := functionSite(t, srv)
	client := cfinv.New(srv.AWSConfig())
	denied := func(ctx context.Context, name string) (string, []byte, error) {
		return "", nil, fmt.Errorf("function %s: get function: permission cloudfront:GetFunction is missing: %w", name, cfinv.ErrAccessDenied)
	}
	m := mapperOf(t, client, id, denied)
	in := m.Input(changes.Set{Modified: []string{"about/index.html"}}, nil)
	if diff := cmp.Diff([]string{"/about/", "/about", "/about/index.html"}, in.Purge); diff != "" {
		t.Errorf("URLs to purge (-want +got):\n%s", diff)
	}
	if len(in.Warnings) != 1 || in.Warnings[0].Function != "index-rewrite" || !strings.Contains(in.Warnings[0].Message, "cloudfront:GetFunction") ||
		!strings.Contains(in.Warnings[0].Message, "the default behaviour") {
		t.Errorf("warnings %+v, want one naming index-rewrite on the default behaviour and cloudfront:GetFunction", in.Warnings)
	}
	if _, _, err := client.Function(t.Context(), "no-such-function"); !errors.Is(err, cfinv.ErrNotFound) {
		t.Errorf("Function(no-such-function) = %v, want ErrNotFound", err)
	}
}

// TestErrorPageChanged: a changed error page is purged under its own path,
// and the plan warns that the copies cached under the URLs that failed
// are not cleared by it, naming the fix.
func TestErrorPageChanged(t *testing.T) {
	srv := cfinvtest.NewServer(t, cfinvtest.WithMemoryStore())
	id := functionSite(t, srv)
	client := cfinv.New(srv.AWSConfig())
	m := mapperOf(t, client, id, client.Function)
	in := m.Input(changes.Set{Modified: []string{"404.html", "about/index.html"}}, nil)
	p, err := plan.Build(in, plan.Options{Strategy: plan.Exact})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"/404.html", "/about/index.html"}, p.Paths()); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	if len(p.Warnings) != 1 {
		t.Fatalf("warnings %+v, want one about /404.html", p.Warnings)
	}
	w := p.Warnings[0]
	if w.Kind != plan.WarnErrorPage || w.Path != "/404.html" {
		t.Errorf("warning %+v, want kind %s for /404.html", w, plan.WarnErrorPage)
	}
	for _, part := range []string{"error page for 404, 403", "ErrorCachingMinTTL 300 s", "invalidate /*", "lower ErrorCachingMinTTL"} {
		if !strings.Contains(w.Message, part) {
			t.Errorf("warning %q does not say %q", w.Message, part)
		}
	}
	// Nothing changed there: no warning.
	in = m.Input(changes.Set{Modified: []string{"about/index.html"}}, nil)
	if len(in.Warnings) != 0 {
		t.Errorf("warnings %+v for a change that is not an error page, want none", in.Warnings)
	}
}

// TestIndexRewriteBills100Paths: a 100-page site changed in full, planned
// path by path, costs one path per page with the index rewrite instead of
// three (the figure in docs/architecture.md).
func TestIndexRewriteBills100Paths(t *testing.T) {
	srv := cfinvtest.NewServer(t, cfinvtest.WithMemoryStore())
	id := functionSite(t, srv)
	client := cfinv.New(srv.AWSConfig())
	var keys []string
	for i := range 100 {
		keys = append(keys, fmt.Sprintf("page-%03d/index.html", i))
	}
	for _, tt := range []struct {
		name  string
		get   plan.FunctionSource
		paths int
	}{
		{"function known", client.Function, 100},
		{"function unknown", func(context.Context, string) (string, []byte, error) {
			return "", nil, cfinv.ErrAccessDenied
		}, 300},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := mapperOf(t, client, id, tt.get)
			p, err := plan.Build(m.Input(changes.Set{Modified: keys}, keys), plan.Options{Strategy: plan.Exact, FreePathsLeft: 0})
			if err != nil {
				t.Fatal(err)
			}
			if p.BilledPaths != tt.paths {
				t.Errorf("billed paths %d, want %d", p.BilledPaths, tt.paths)
			}
		})
	}
}
