package interop

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/test/harness"
)

// kvsCall is an error a client saw: the exception's name and the HTTP
// status.
type kvsCall struct {
	Name   string `json:"name"`
	Status int    `json:"status"`
}

// kvsSize is an answer's ItemCount and TotalSizeInBytes.
type kvsSize struct {
	ItemCount        int `json:"itemCount"`
	TotalSizeInBytes int `json:"totalSizeInBytes"`
}

// TestJSSDKKeyValueStore runs js/kvs.mjs: the AWS SDK for JavaScript v3's
// CloudFront KeyValueStore client, signing with the pure-JS SigV4A of
// @aws-sdk/signature-v4a (an implementation independent of aws-sdk-go-v2's
// and of internal/sigv4's), runs every data-plane operation against serve
// on a store it created through the CloudFront client, and the writes are
// then read back through aws-sdk-go-v2. The SDK is installed before the
// tests (`npm ci` in js, as .ci/run does).
func TestJSSDKKeyValueStore(t *testing.T) {
	t.Parallel()
	node := need(t, "node", "install Node.js 20 or newer")
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"client-cloudfront-keyvaluestore", "signature-v4a"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", pkg)); err != nil {
			t.Fatalf("%s has no node_modules/@aws-sdk/%s: run `npm ci` there first (.ci/run does)", dir, pkg)
		}
	}
	srv := startServe(t, "0s")
	out, errOut, code := run(t, clientEnv(t, srv.URL), dir, node, "kvs.mjs")
	if code != 0 {
		t.Fatalf("kvs.mjs: exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	checkKVSRun(t, "kvs.mjs", srv.URL, out)
}

// checkKVSRun checks the JSON a data-plane script (js/kvs.mjs,
// testdata/boto3_kvs.py) printed, what, and reads its store back through
// aws-sdk-go-v2 from the serve at endpoint.
func checkKVSRun(t *testing.T, what, endpoint, out string) {
	t.Helper()
	var got struct {
		KvsARN   string `json:"kvsARN"`
		Describe struct {
			KvsARN  string `json:"kvsARN"`
			Status  string `json:"status"`
			Created bool   `json:"created"`
		} `json:"describe"`
		Sizes map[string]kvsSize `json:"sizes"`
		Get   struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"get"`
		ListPages               [][]string         `json:"listPages"`
		PaginatorPages          [][]string         `json:"paginatorPages"`
		DescribeETagIsLastWrite bool               `json:"describeETagIsLastWrite"`
		Errors                  map[string]kvsCall `json:"errors"`
		ETags                   []string           `json:"etags"`
		ETagAfterErrors         string             `json:"etagAfterErrors"`
		Hosts                   []string           `json:"hosts"`
	}
	decode(t, what, out, &got)
	t.Logf("%s: %s", what, out)

	if got.KvsARN == "" || got.Describe.KvsARN != got.KvsARN || got.Describe.Status != "READY" || !got.Describe.Created {
		t.Errorf("DescribeKeyValueStore: got %+v for store %q, want its ARN, READY and a creation date", got.Describe, got.KvsARN)
	}
	// Keys and values are one byte each until UpdateKeys sets a to "one".
	wantSizes := map[string]kvsSize{
		"describeEmpty": {0, 0},
		"put e":         {1, 2},
		"put a":         {2, 4},
		"put d":         {3, 6},
		"put c":         {4, 8},
		"put b":         {5, 10},
		"get c":         {5, 10},
		"delete e":      {4, 8},
		"updateKeys":    {3, 8}, // a=one c=3 f=6
		"describeLast":  {3, 8},
	}
	if diff := cmp.Diff(wantSizes, got.Sizes); diff != "" {
		t.Errorf("ItemCount and TotalSizeInBytes (-want +got):\n%s", diff)
	}
	if got.Get.Key != "c" || got.Get.Value != "3" {
		t.Errorf("GetKey c: got %+v, want c=3", got.Get)
	}
	if diff := cmp.Diff([][]string{{"a=1", "b=2"}, {"c=3", "d=4"}, {"e=5"}}, got.ListPages); diff != "" {
		t.Errorf("ListKeys with MaxResults 2 and NextToken (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"a", "b", "c"}, {"d", "e"}}, got.PaginatorPages); diff != "" {
		t.Errorf("the ListKeys paginator, page size 3 (-want +got):\n%s", diff)
	}
	wantErrors := map[string]kvsCall{
		"staleIfMatch":       {"ConflictException", 409},
		"staleIfMatchUpdate": {"ConflictException", 409},
		"missingKey":         {"ResourceNotFoundException", 404},
		"wrongSecret":        {"InvalidSignatureException", 403},
		"wrongSecretWrite":   {"InvalidSignatureException", 403},
	}
	if diff := cmp.Diff(wantErrors, got.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"123456789012.localhost"}, got.Hosts); diff != "" {
		t.Errorf("host names the endpoint rules sent to (-want +got):\n%s", diff)
	}

	// ETags: the first Describe's, one per write (five puts, a delete,
	// UpdateKeys), each new, then the last Describe's, which is the last
	// write's; the refused writes changed nothing.
	if len(got.ETags) != 9 {
		t.Fatalf("got %d ETags %q, want 9 (2 Describe, 7 writes)", len(got.ETags), got.ETags)
	}
	seen := map[string]bool{}
	for i, e := range got.ETags[:8] {
		if e == "" || seen[e] {
			t.Errorf("ETag %d %q is empty or was seen before: %q", i, e, got.ETags)
		}
		seen[e] = true
	}
	last := got.ETags[7]
	if !got.DescribeETagIsLastWrite || got.ETags[8] != last || got.ETagAfterErrors != last {
		t.Errorf("Describe's ETag %q, after the refused writes %q, want the last write's %q", got.ETags[8], got.ETagAfterErrors, last)
	}

	// The writes landed: aws-sdk-go-v2 reads the same store.
	kvs := harness.KVS(endpoint, testKeyID, testSecret)
	desc, err := kvs.DescribeKeyValueStore(t.Context(), &cloudfrontkeyvaluestore.DescribeKeyValueStoreInput{KvsARN: aws.String(got.KvsARN)})
	if err != nil {
		t.Fatalf("aws-sdk-go-v2 DescribeKeyValueStore: %v", err)
	}
	gotDesc := []any{aws.ToString(desc.ETag), aws.ToInt32(desc.ItemCount), aws.ToInt64(desc.TotalSizeInBytes)}
	if diff := cmp.Diff([]any{last, int32(3), int64(8)}, gotDesc); diff != "" {
		t.Errorf("aws-sdk-go-v2 DescribeKeyValueStore ETag, ItemCount, TotalSizeInBytes (-want +got):\n%s", diff)
	}
	list, err := kvs.ListKeys(t.Context(), &cloudfrontkeyvaluestore.ListKeysInput{KvsARN: aws.String(got.KvsARN)})
	if err != nil {
		t.Fatalf("aws-sdk-go-v2 ListKeys: %v", err)
	}
	items := map[string]string{}
	for _, it := range list.Items {
		items[aws.ToString(it.Key)] = aws.ToString(it.Value)
	}
	if diff := cmp.Diff(map[string]string{"a": "one", "c": "3", "f": "6"}, items); diff != "" {
		t.Errorf("aws-sdk-go-v2 ListKeys after the writes of %s (-want +got):\n%s", what, diff)
	}
}

// debianDistPackages is where Debian's python3-awscrt installs awscrt.
const debianDistPackages = "/usr/lib/python3/dist-packages"

// TestBoto3KeyValueStore runs testdata/boto3_kvs.py: boto3's CloudFront
// KeyValueStore client, signing with the SigV4A of awscrt (the AWS Common
// Runtime's C signer, a third implementation), runs the data-plane
// operations js/kvs.mjs runs and prints the same JSON, checked the same way.
// The script imports the awscrt of the Python that runs it, else Debian's
// python3-awscrt (.ci/run installs it), of which only the awscrt module is
// linked into a directory of its own (the rest of Debian's dist-packages
// would shadow the pyenv Python's packages); without either it fails.
func TestBoto3KeyValueStore(t *testing.T) {
	t.Parallel()
	py := need(t, "python3", "install Python 3 with boto3 (pip install boto3)")
	crt := t.TempDir()
	links, err := filepath.Glob(filepath.Join(debianDistPackages, "_awscrt.*.so"))
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range append(links, filepath.Join(debianDistPackages, "awscrt")) {
		if _, err := os.Stat(src); err != nil {
			continue // the script says what to install if it cannot import awscrt
		}
		if err := os.Symlink(src, filepath.Join(crt, filepath.Base(src))); err != nil {
			t.Fatal(err)
		}
	}
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_kvs.py"))
	if err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, "0s")
	out, errOut, code := run(t, append(clientEnv(t, srv.URL), "INTEROP_AWSCRT_DIR="+crt), "", py, script)
	if code != 0 {
		t.Fatalf("boto3_kvs.py: exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	checkKVSRun(t, "boto3_kvs.py", srv.URL, out)
}
