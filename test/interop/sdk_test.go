package interop

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBoto3 runs testdata/boto3_interop.py: paginators, the
// invalidation_completed waiter with a 1 s delay against a 2 s completion
// delay, CallerReference replay, error codes and the seven RTMP streaming
// distribution operations.
func TestBoto3(t *testing.T) {
	t.Parallel()
	py := need(t, "python3", "install Python 3 with boto3 (pip install boto3)")
	srv := startServe(t, "2s")
	env := clientEnv(t, srv.URL)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_interop.py"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, env, "", py, script)
	if code != 0 {
		t.Fatalf("boto3_interop.py: exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	var got struct {
		InvalidationPages int      `json:"invalidationPages"`
		DistributionPages int      `json:"distributionPages"`
		ReplayID          string   `json:"replayId"`
		Created           []string `json:"created"`
		WaitSeconds       float64  `json:"waitSeconds"`
	}
	decode(t, "boto3_interop.py", out, &got)
	if got.InvalidationPages != 3 || got.DistributionPages < 3 || len(got.Created) != 5 || got.ReplayID != got.Created[0] {
		t.Errorf("got %+v, want 3 invalidation pages, ≥3 distribution pages, replay of the first invalidation", got)
	}
	t.Logf("boto3: %s", out)
}

// TestJSSDK runs js/interop.mjs with the AWS SDK for JavaScript v3. The
// SDK is installed before the tests (`npm ci` in js, as .ci/run does): a
// test reaches no registry.
func TestJSSDK(t *testing.T) {
	t.Parallel()
	node := need(t, "node", "install Node.js 20 or newer")
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "client-cloudfront")); err != nil {
		t.Fatalf("%s has no node_modules/@aws-sdk/client-cloudfront: run `npm ci` there first (.ci/run does)", dir)
	}
	srv := startServe(t, "2s")
	env := clientEnv(t, srv.URL)
	out, errOut, code := run(t, env, dir, node, "interop.mjs")
	if code != 0 {
		t.Fatalf("interop.mjs: exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	var got struct {
		InvalidationPages int      `json:"invalidationPages"`
		WaitState         string   `json:"waitState"`
		Listed            []string `json:"listed"`
	}
	decode(t, "interop.mjs", out, &got)
	if got.InvalidationPages != 3 || got.WaitState != "SUCCESS" || len(got.Listed) != 5 {
		t.Errorf("got %+v, want 3 pages, 5 listed, waiter SUCCESS", got)
	}
	t.Logf("js-sdk: %s", out)
}
