package sigv4

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/test/harness"
)

// runBotocore runs testdata/botocore_sign.py with spec on stdin and returns
// its JSON results. It fails the test when python3 or botocore is missing.
func runBotocore(t *testing.T, spec any) []map[string]any {
	t.Helper()
	py, err := harness.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 not found (%v): the botocore signing tests need python3 with boto3 installed (pip install boto3)", err)
	}
	in, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), py, "testdata/botocore_sign.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore_sign.py: %v\n%s\n(the test needs python3 with boto3: pip install boto3)", err, stderr.String())
	}
	var res []map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("decode botocore_sign.py output %q: %v", out, err)
	}
	return res
}

// TestBotocoreSigner has botocore's SigV4Auth sign raw requests and a real
// boto3 CloudFront client make calls, all over loopback, and checks the
// verifier's decision for each.
func TestBotocoreSigner(t *testing.T) {
	v := testVerifier()
	srv, rec := newRecorder(t, v)
	type raw struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Query   string            `json:"query,omitempty"`
		Headers map[string]string `json:"headers,omitempty"`
		Body    string            `json:"body,omitempty"`
		Key     string            `json:"access_key"`
		Secret  string            `json:"secret"`
		Token   string            `json:"token,omitempty"`
		Region  string            `json:"region"`
		Service string            `json:"service"`
	}
	ok := func(r raw) raw {
		r.Key, r.Secret, r.Region, r.Service = testKeyID, testSecret, "us-east-1", "cloudfront"
		if r.Method == "" {
			r.Method = "GET"
		}
		return r
	}
	cases := []struct {
		name string
		req  raw
		want string
	}{
		{"post with body", ok(raw{Method: "POST", Path: "/2020-05-31/distribution/E1/invalidation",
			Body: `<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths><CallerReference>x</CallerReference></InvalidationBatch>`}), ""},
		{"query", ok(raw{Path: "/2020-05-31/distribution/E1/invalidation", Query: "MaxItems=2&Marker=a%20b%2Bc%2F%C3%A9"}), ""},
		{"escaped path", ok(raw{Path: "/2020-05-31/distribution/E%20A%2Bb%2F%C3%A9%25/invalidation"}), ""},
		{"dot segments and double slash", ok(raw{Path: "/2020-05-31//distribution/./E1/x/../invalidation"}), ""},
		{"session token", func() raw { r := ok(raw{Path: "/2020-05-31/distribution"}); r.Token = "FQoGZXIvYXdzEXAMPLE"; return r }(), ""},
		{"extra header", ok(raw{Path: "/2020-05-31/distribution", Headers: map[string]string{"X-Amz-Meta-Note": "  a   b "}}), ""},
		{"eu-west-1 scope", func() raw { r := ok(raw{Path: "/2020-05-31/distribution"}); r.Region = "eu-west-1"; return r }(), ""},
		{"wrong secret", func() raw { r := ok(raw{Path: "/2020-05-31/distribution"}); r.Secret = "nope"; return r }(), CodeSignatureDoesNotMatch},
		{"wrong service", func() raw { r := ok(raw{Path: "/2020-05-31/distribution"}); r.Service = "s3"; return r }(), CodeSignatureDoesNotMatch},
		{"unknown key", func() raw { r := ok(raw{Path: "/2020-05-31/distribution"}); r.Key = "AKIAOTHER"; return r }(), CodeInvalidClientTokenID},
	}
	spec := map[string]any{"endpoint": srv.URL, "time": testNow.Format(timeFormat)}
	var raws []raw
	for _, c := range cases {
		raws = append(raws, c.req)
	}
	spec["raw"] = raws
	// IDs with characters the SDK must escape in the URI.
	distIDs := []string{"EDFDVBD6EXAMPLE", "E 1+2/é%~"}
	spec["client"] = map[string]any{"access_key": testKeyID, "secret": testSecret, "region": "us-east-1", "dist_ids": distIDs}
	out := runBotocore(t, spec)
	got := rec.take(t)
	if len(got) != len(out) || len(out) != len(cases)+3*len(distIDs) {
		t.Fatalf("server saw %d requests, script reported %d, want %d", len(got), len(out), len(cases)+3*len(distIDs))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code := codeOf(got[i].err); code != c.want {
				t.Errorf("got code %q, want %q (path %s, error %v)", code, c.want, got[i].path, got[i].err)
			}
		})
	}
	t.Run("boto3 client", func(t *testing.T) {
		var codes []string
		for i := len(cases); i < len(got); i++ {
			if got[i].err != nil {
				t.Errorf("request %s: %v", got[i].path, got[i].err)
			}
			codes = append(codes, out[i]["error"].(string))
		}
		want := strings.Fields(strings.Repeat("NoSuchInvalidation ", 3*len(distIDs)))
		if diff := cmp.Diff(want, codes); diff != "" {
			t.Errorf("boto3 error codes (-want +got):\n%s", diff)
		}
		// botocore escapes the ID in the path; check it really did.
		if !strings.Contains(got[len(got)-1].path, "E%201%2B2%2F%C3%A9%25~") {
			t.Errorf("got path %q, want the escaped ID E%%201%%2B2%%2F%%C3%%A9%%25~", got[len(got)-1].path)
		}
	})
}
