package interop

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// indexRewrite is the function every S3 static site needs: a directory
// URL (/about/ or /about) is fetched and cached as its index.html.
const indexRewrite = `async function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri += 'index.html';
  } else if (!uri.split('/').pop().includes('.')) {
    request.uri += '/index.html';
  }
  return request;
}
`

// TestEdgeFunctionPurgedByPlan is issue 26's flow with real clients: the
// AWS CLI creates, tests and publishes an index-rewrite function and a
// distribution over a local directory that runs it on viewer request;
// curl through the edge gets /about/ and /about from the one cache entry
// the function makes (/about/index.html); after the file changes, `cfinv
// plan --distribution-id` names that one URL, `cfinv invalidate --wait`
// purges it, and curl gets the new copy under both URLs.
func TestEdgeFunctionPurgedByPlan(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	about := filepath.Join(site, "about", "index.html")
	for name, body := range map[string]string{"index.html": "home\n", "about/index.html": "about 1\n", "app.js": "js\n"} {
		p := filepath.Join(site, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := startServe(t, "1s", "--s3-origin", "site-bucket="+site)
	edge := srv.edgeURL(t)
	env := clientEnv(t, srv.URL)
	work := t.TempDir()
	code := filepath.Join(work, "index.js")
	if err := os.WriteFile(code, []byte(indexRewrite), 0o644); err != nil {
		t.Fatal(err)
	}

	var created struct {
		ETag            string
		FunctionSummary struct {
			FunctionMetadata struct{ FunctionARN, Stage string }
		}
	}
	decode(t, "create-function", mustAWS(t, env, srv, "create-function", "--name", "index-rewrite",
		"--function-config", "Comment=directory URLs,Runtime=cloudfront-js-2.0", "--function-code", "fileb://"+code), &created)
	arn := created.FunctionSummary.FunctionMetadata.FunctionARN
	if !strings.HasSuffix(arn, ":function/index-rewrite") || created.FunctionSummary.FunctionMetadata.Stage != "DEVELOPMENT" {
		t.Fatalf("create-function: %+v", created)
	}

	event := filepath.Join(work, "event.json")
	if err := os.WriteFile(event, []byte(`{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"198.51.100.7"},`+
		`"request":{"method":"GET","uri":"/about/","querystring":{},"headers":{},"cookies":{}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var tested struct {
		TestResult struct{ FunctionOutput, FunctionErrorMessage string }
	}
	decode(t, "test-function", mustAWS(t, env, srv, "test-function", "--name", "index-rewrite", "--if-match", created.ETag,
		"--event-object", "fileb://"+event), &tested)
	var output struct {
		Request struct{ URI string } `json:"request"`
	}
	if err := json.Unmarshal([]byte(tested.TestResult.FunctionOutput), &output); err != nil || output.Request.URI != "/about/index.html" {
		t.Fatalf("test-function: output %q (%v), error %q; want the request for /about/index.html",
			tested.TestResult.FunctionOutput, err, tested.TestResult.FunctionErrorMessage)
	}
	mustAWS(t, env, srv, "publish-function", "--name", "index-rewrite", "--if-match", created.ETag)

	config := `{"CallerReference":"fn-edge","Comment":"","Enabled":true,"DefaultRootObject":"index.html",` +
		`"Origins":{"Quantity":1,"Items":[{"Id":"site","DomainName":"site-bucket.s3.amazonaws.com","S3OriginConfig":{"OriginAccessIdentity":""}}]},` +
		`"DefaultCacheBehavior":{"TargetOriginId":"site","ViewerProtocolPolicy":"allow-all","CachePolicyId":"` + cachingOptimized + `",` +
		`"FunctionAssociations":{"Quantity":1,"Items":[{"FunctionARN":"` + arn + `","EventType":"viewer-request"}]}}}`
	var dist struct {
		Distribution struct{ Id, DomainName string }
	}
	decode(t, "create-distribution", mustAWS(t, env, srv, "create-distribution", "--distribution-config", config), &dist)
	domain := dist.Distribution.DomainName

	get := func(step, path, wantCache, wantBody string) {
		t.Helper()
		xcache, body := curlGet(t, edge+path, domain)
		if xcache != wantCache || body != wantBody {
			t.Fatalf("%s: GET %s: X-Cache %q, body %q; want %q, %q", step, path, xcache, body, wantCache, wantBody)
		}
	}
	get("first", "/about/", "Miss from cloudfront", "about 1\n")
	get("the same key without the slash", "/about", "Hit from cloudfront", "about 1\n")
	get("the same key as a file", "/about/index.html", "Hit from cloudfront", "about 1\n")
	if err := os.WriteFile(about, []byte("about 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	get("stale after the change", "/about/", "Hit from cloudfront", "about 1\n")

	// The planner runs the published function: one URL, not three.
	changed := filepath.Join(work, "changed.txt")
	all := filepath.Join(work, "all.txt")
	if err := os.WriteFile(changed, []byte("about/index.html\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(all, []byte("index.html\nabout/index.html\napp.js\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, exit := run(t, env, "", cfinvBinary(t), "plan", "--endpoint-url", srv.URL, "--distribution-id", dist.Distribution.Id,
		"--changed", changed, "--all-objects", all, "--output", "paths")
	paths := strings.Fields(out)
	if exit != 0 || !slices.Equal(paths, []string{"/about/index.html"}) {
		t.Fatalf("cfinv plan: exit %d, paths %q, want [/about/index.html]\nstderr:\n%s", exit, paths, errOut)
	}
	out, errOut, exit = run(t, env, "", cfinvBinary(t), "invalidate", "--endpoint-url", srv.URL, "--state-dir", t.TempDir(),
		"--distribution-id", domain, "--wait", paths[0])
	if exit != 0 || !strings.Contains(out, `"Status": "Completed"`) {
		t.Fatalf("cfinv invalidate --wait: exit %d\nstdout:\n%s\nstderr:\n%s", exit, out, errOut)
	}
	get("after the purge", "/about", "Miss from cloudfront", "about 2\n")
	get("the new copy under the other URL", "/about/", "Hit from cloudfront", "about 2\n")
}
