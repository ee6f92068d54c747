package local

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvs "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	kvstypes "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"

	"github.com/cfinv/cfinv/test/harness"
)

// redirectByKVS answers 301 to the URI a key value store maps the
// request's URI to, and passes other requests on.
const redirectByKVS = `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
    const request = event.request;
    if (await kvs.exists(request.uri)) {
        const to = await kvs.get(request.uri);
        return {statusCode: 301, statusDescription: 'Moved Permanently', headers: {location: {value: to}}};
    }
    return request;
}`

// TestEdgeFunctionReadsKeyValueStore: a redirect table in a key value
// store, written through the real KeyValueStore SDK client (SigV4A) and
// read by a viewer-request function at the edge; a key written after the
// function was published is seen by the next viewer request, as is a key
// deleted; TestFunction reads the same store (issue 26).
func TestEdgeFunctionReadsKeyValueStore(t *testing.T) {
	s := start(t, Options{Memory: true, APIAddr: "127.0.0.1:0", EdgeAddr: "127.0.0.1:0", Keys: map[string]string{"AKIDTEST": "secret"}})
	ctx := t.Context()
	cf := harness.SDK(s.URL, harness.Credentials("AKIDTEST", "secret", ""))
	data := harness.KVS(s.URL, "AKIDTEST", "secret")
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "origin %s", r.URL.Path)
	}))
	t.Cleanup(origin.Close)
	port, _ := strconv.Atoi(origin.URL[strings.LastIndex(origin.URL, ":")+1:])

	store, err := cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("redirects")})
	if err != nil {
		t.Fatal(err)
	}
	arn := store.KeyValueStore.ARN
	desc, err := data.DescribeKeyValueStore(ctx, &kvs.DescribeKeyValueStoreInput{KvsARN: arn})
	if err != nil {
		t.Fatalf("DescribeKeyValueStore (SigV4A through serve): %v", err)
	}
	put, err := data.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: arn, IfMatch: desc.ETag, Puts: []kvstypes.PutKeyRequestListItem{
		{Key: aws.String("/old"), Value: aws.String("/new")},
		{Key: aws.String("/blog"), Value: aws.String("https://blog.example.com/")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	fn, err := cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{
		Name: aws.String("redirects"), FunctionCode: []byte(redirectByKVS),
		FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs20,
			KeyValueStoreAssociations: &types.KeyValueStoreAssociations{Quantity: aws.Int32(1),
				Items: []types.KeyValueStoreAssociation{{KeyValueStoreARN: arn}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	test, err := cf.TestFunction(ctx, &cloudfront.TestFunctionInput{Name: aws.String("redirects"), IfMatch: fn.ETag,
		EventObject: []byte(`{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"1.2.3.4"},"request":{"method":"GET","uri":"/old","querystring":{},"headers":{},"cookies":{}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out := aws.ToString(test.TestResult.FunctionOutput); !strings.Contains(out, `"location":{"value":"/new"}`) {
		t.Errorf("TestFunction output = %s (error %q), want the redirect to /new", out, aws.ToString(test.TestResult.FunctionErrorMessage))
	}
	if _, err := cf.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("redirects"), IfMatch: fn.ETag}); err != nil {
		t.Fatal(err)
	}
	dist, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: harness.DistributionConfig("kvs", func(c *types.DistributionConfig) {
		c.Origins.Items[0] = types.Origin{Id: aws.String("o1"), DomainName: aws.String("127.0.0.1"),
			CustomOriginConfig: &types.CustomOriginConfig{HTTPPort: aws.Int32(int32(port)), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly}}
		c.DefaultCacheBehavior.FunctionAssociations = &types.FunctionAssociations{Quantity: aws.Int32(1), Items: []types.FunctionAssociation{{
			FunctionARN: fn.FunctionSummary.FunctionMetadata.FunctionARN, EventType: types.EventTypeViewerRequest}}}
	})})
	if err != nil {
		t.Fatal(err)
	}
	host := aws.ToString(dist.Distribution.DomainName)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) string {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.EdgeURL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if loc := resp.Header.Get("Location"); loc != "" {
			return strconv.Itoa(resp.StatusCode) + " " + loc
		}
		return strconv.Itoa(resp.StatusCode) + " " + string(b)
	}
	steps := []struct {
		name  string
		write func(etag *string) *string // a data-plane write before the request
		path  string
		want  string
	}{
		{name: "a key of the table", path: "/old", want: "301 /new"},
		{name: "another key", path: "/blog", want: "301 https://blog.example.com/"},
		{name: "not in the table", path: "/page", want: "200 origin /page"},
		{name: "a key put after publishing", path: "/page", want: "301 /page2", write: func(etag *string) *string {
			out, err := data.PutKey(ctx, &kvs.PutKeyInput{KvsARN: arn, Key: aws.String("/page"), Value: aws.String("/page2"), IfMatch: etag})
			if err != nil {
				t.Fatal(err)
			}
			return out.ETag
		}},
		{name: "a key deleted", path: "/old", want: "200 origin /old", write: func(etag *string) *string {
			out, err := data.DeleteKey(ctx, &kvs.DeleteKeyInput{KvsARN: arn, Key: aws.String("/old"), IfMatch: etag})
			if err != nil {
				t.Fatal(err)
			}
			return out.ETag
		}},
	}
	etag := put.ETag
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.write != nil {
				etag = st.write(etag)
			}
			if got := get(st.path); got != st.want {
				t.Errorf("GET %s = %q, want %q", st.path, got, st.want)
			}
		})
	}
}
