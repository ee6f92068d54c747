package emulator_test

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cfinv/cfinv/test/harness"
)

const indexRewrite = `function handler(event) {
    var request = event.request;
    if (request.uri.endsWith('/')) {
        request.uri += 'index.html';
    }
    console.log('rewrote to ' + request.uri);
    return request;
}`

func (f *fixture) createFunction(name, runtime, code string) *cloudfront.CreateFunctionOutput {
	f.t.Helper()
	out, err := f.cf.CreateFunction(f.t.Context(), &cloudfront.CreateFunctionInput{
		Name:           aws.String(name),
		FunctionConfig: &types.FunctionConfig{Comment: aws.String("test"), Runtime: types.FunctionRuntime(runtime)},
		FunctionCode:   []byte(code),
	})
	if err != nil {
		f.t.Fatalf("CreateFunction %s: %v", name, err)
	}
	return out
}

func TestFunctionLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	created := f.createFunction("rewrite", "cloudfront-js-1.0", indexRewrite)
	sum := created.FunctionSummary
	if got, want := aws.ToString(sum.FunctionMetadata.FunctionARN), "arn:aws:cloudfront::123456789012:function/rewrite"; got != want {
		t.Errorf("FunctionARN = %q, want %q", got, want)
	}
	if sum.FunctionMetadata.Stage != types.FunctionStageDevelopment || aws.ToString(sum.Status) != "UNPUBLISHED" {
		t.Errorf("stage, status = %s, %s; want DEVELOPMENT, UNPUBLISHED", sum.FunctionMetadata.Stage, aws.ToString(sum.Status))
	}
	devETag := aws.ToString(created.ETag)

	// The LIVE stage does not exist before PublishFunction.
	_, err := f.cf.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("rewrite"), Stage: types.FunctionStageLive})
	wantAPIErr(t, err, "NoSuchFunctionExists", 404)

	got, err := f.cf.GetFunction(ctx, &cloudfront.GetFunctionInput{Name: aws.String("rewrite")})
	if err != nil {
		t.Fatal(err)
	}
	if string(got.FunctionCode) != indexRewrite || aws.ToString(got.ETag) != devETag {
		t.Errorf("GetFunction = %q, ETag %q; want the code and %q", got.FunctionCode, aws.ToString(got.ETag), devETag)
	}
	// The code is not XML: boto3 found GetFunction answering text/xml.
	if ct := aws.ToString(got.ContentType); ct != "application/octet-stream" {
		t.Errorf("GetFunction ContentType = %q, want application/octet-stream", ct)
	}

	// TestFunction on DEVELOPMENT.
	test, err := f.cf.TestFunction(ctx, &cloudfront.TestFunctionInput{
		Name: aws.String("rewrite"), IfMatch: aws.String(devETag),
		EventObject: []byte(`{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"1.2.3.4"},"request":{"method":"GET","uri":"/about/","querystring":{},"headers":{},"cookies":{}}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	res := test.TestResult
	if want := `{"request":{"method":"GET","uri":"/about/index.html","querystring":{},"headers":{},"cookies":{}}}`; aws.ToString(res.FunctionOutput) != want {
		t.Errorf("FunctionOutput = %s, want %s", aws.ToString(res.FunctionOutput), want)
	}
	if diff := cmp.Diff([]string{"rewrote to /about/index.html"}, res.FunctionExecutionLogs); diff != "" {
		t.Errorf("FunctionExecutionLogs (-want +got):\n%s", diff)
	}
	if aws.ToString(res.FunctionErrorMessage) != "" || aws.ToString(res.ComputeUtilization) == "" {
		t.Errorf("FunctionErrorMessage = %q, ComputeUtilization = %q", aws.ToString(res.FunctionErrorMessage), aws.ToString(res.ComputeUtilization))
	}

	// Publish, then LIVE exists and lists.
	if _, err := f.cf.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("rewrite"), IfMatch: aws.String("wrong")}); err == nil {
		t.Fatal("PublishFunction with a wrong If-Match succeeded")
	} else {
		wantAPIErr(t, err, "PreconditionFailed", 412)
	}
	pub, err := f.cf.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("rewrite"), IfMatch: aws.String(devETag)})
	if err != nil {
		t.Fatal(err)
	}
	if pub.FunctionSummary.FunctionMetadata.Stage != types.FunctionStageLive || aws.ToString(pub.FunctionSummary.Status) != "UNASSOCIATED" {
		t.Errorf("after publish: stage %s, status %s; want LIVE, UNASSOCIATED", pub.FunctionSummary.FunctionMetadata.Stage, aws.ToString(pub.FunctionSummary.Status))
	}
	live, err := f.cf.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("rewrite"), Stage: types.FunctionStageLive})
	if err != nil {
		t.Fatal(err)
	}
	liveETag := aws.ToString(live.ETag)

	// Update DEVELOPMENT: LIVE keeps the published code.
	upd, err := f.cf.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{
		Name: aws.String("rewrite"), IfMatch: aws.String(devETag),
		FunctionConfig: &types.FunctionConfig{Comment: aws.String("v2"), Runtime: types.FunctionRuntimeCloudfrontJs20},
		FunctionCode:   []byte(`function handler(event) { const r = event.request; r.uri = '/v2'; return r; }`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(upd.ETag) == "" || aws.ToString(upd.ETag) == devETag {
		t.Errorf("UpdateFunction ETag = %q, want a new one", aws.ToString(upd.ETag))
	}
	liveCode, err := f.cf.GetFunction(ctx, &cloudfront.GetFunctionInput{Name: aws.String("rewrite"), Stage: types.FunctionStageLive})
	if err != nil {
		t.Fatal(err)
	}
	if string(liveCode.FunctionCode) != indexRewrite || aws.ToString(liveCode.ETag) != liveETag {
		t.Errorf("LIVE after update = %q (ETag %s), want the published code (ETag %s)", liveCode.FunctionCode, aws.ToString(liveCode.ETag), liveETag)
	}

	// ListFunctions: both stages, or one.
	for stage, want := range map[types.FunctionStage]int{"": 2, types.FunctionStageLive: 1, types.FunctionStageDevelopment: 1} {
		list, err := f.cf.ListFunctions(ctx, &cloudfront.ListFunctionsInput{Stage: stage})
		if err != nil {
			t.Fatal(err)
		}
		if n := aws.ToInt32(list.FunctionList.Quantity); n != int32(want) || len(list.FunctionList.Items) != want {
			t.Errorf("ListFunctions Stage=%q: %d items, want %d", stage, n, want)
		}
	}

	// Delete.
	_, err = f.cf.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: aws.String("rewrite"), IfMatch: aws.String(devETag)})
	wantAPIErr(t, err, "PreconditionFailed", 412)
	if _, err := f.cf.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: aws.String("rewrite"), IfMatch: upd.ETag}); err != nil {
		t.Fatal(err)
	}
	_, err = f.cf.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("rewrite")})
	wantAPIErr(t, err, "NoSuchFunctionExists", 404)
}

func TestCreateFunctionRefused(t *testing.T) {
	f := newFixture(t)
	f.createFunction("taken", "cloudfront-js-2.0", indexRewrite)
	tests := []struct {
		name, fn, runtime, code string
		wantCode                string
		wantStatus              int
		wantMsg                 string
	}{
		{"syntax error", "bad", "cloudfront-js-2.0", "function handler(event) { return event.request", "InvalidArgument", 400, "SyntaxError"},
		{"const in 1.0", "old", "cloudfront-js-1.0", "function handler(e) { const r = e.request; return r; }", "InvalidArgument", 400, "const"},
		{"too large", "big", "cloudfront-js-2.0", "//" + strings.Repeat("x", 10*1024), "FunctionSizeLimitExceeded", 413, "maximum allowed size"},
		{"bad name", "no spaces", "cloudfront-js-2.0", indexRewrite, "InvalidArgument", 400, "Name"},
		{"bad runtime", "rt", "nodejs20.x", indexRewrite, "InvalidArgument", 400, "Runtime"},
		{"name taken", "taken", "cloudfront-js-2.0", indexRewrite, "FunctionAlreadyExists", 409, "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cf.CreateFunction(t.Context(), &cloudfront.CreateFunctionInput{
				Name:           aws.String(tt.fn),
				FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntime(tt.runtime)},
				FunctionCode:   []byte(tt.code),
			})
			wantAPIErr(t, err, tt.wantCode, tt.wantStatus)
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestTestFunctionErrors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, code, wantMsg string
		wantLogs            []string
	}{
		{"throws", `function handler(e) { console.log('here'); throw new Error('nope'); }`, "Error: nope", []string{"here"}},
		{"endless loop", `function handler(e) { while (true) {} }`, "compute utilization", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.createFunction(strings.ReplaceAll(tt.name, " ", "-"), "cloudfront-js-1.0", tt.code)
			out, err := f.cf.TestFunction(t.Context(), &cloudfront.TestFunctionInput{
				Name: c.FunctionSummary.Name, IfMatch: c.ETag,
				EventObject: []byte(`{"version":"1.0","context":{"eventType":"viewer-request"},"request":{"method":"GET","uri":"/"}}`),
			})
			if err != nil {
				t.Fatal(err)
			}
			if msg := aws.ToString(out.TestResult.FunctionErrorMessage); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("FunctionErrorMessage = %q, want it to contain %q", msg, tt.wantMsg)
			}
			if diff := cmp.Diff(tt.wantLogs, out.TestResult.FunctionExecutionLogs, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("logs (-want +got):\n%s", diff)
			}
		})
	}
	_, err := f.cf.TestFunction(t.Context(), &cloudfront.TestFunctionInput{Name: aws.String("throws"), IfMatch: aws.String("E0"), EventObject: []byte(`{}`)})
	wantAPIErr(t, err, "PreconditionFailed", 412)
}

// TestFunctionAssociations: a distribution may name only a published
// function of the account, on a viewer event, and the function cannot be
// deleted while it is named.
func TestFunctionAssociations(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	c := f.createFunction("rewrite", "cloudfront-js-1.0", indexRewrite)
	arn := c.FunctionSummary.FunctionMetadata.FunctionARN
	withAssoc := func(ref, arn string, ev types.EventType) *types.DistributionConfig {
		cfg := sdkConfig(ref)
		cfg.DefaultCacheBehavior.FunctionAssociations = &types.FunctionAssociations{Quantity: aws.Int32(1),
			Items: []types.FunctionAssociation{{FunctionARN: aws.String(arn), EventType: ev}}}
		return cfg
	}
	tests := []struct {
		name     string
		cfg      *types.DistributionConfig
		wantCode string
	}{
		{"unpublished", withAssoc("a", aws.ToString(arn), types.EventTypeViewerRequest), "InvalidFunctionAssociation"},
		{"unknown function", withAssoc("b", "arn:aws:cloudfront::123456789012:function/nothing", types.EventTypeViewerRequest), "NoSuchFunctionExists"},
		{"other account", withAssoc("c", "arn:aws:cloudfront::999999999999:function/rewrite", types.EventTypeViewerRequest), "InvalidFunctionAssociation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: tt.cfg})
			if code, _ := apiErr(t, err); code != tt.wantCode {
				t.Errorf("code = %s, want %s (%v)", code, tt.wantCode, err)
			}
		})
	}
	if _, err := f.cf.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("rewrite"), IfMatch: c.ETag}); err != nil {
		t.Fatal(err)
	}
	_, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: withAssoc("d", aws.ToString(arn), types.EventTypeOriginRequest)})
	wantAPIErr(t, err, "InvalidFunctionAssociation", 400)
	if _, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: withAssoc("e", aws.ToString(arn), types.EventTypeViewerRequest)}); err != nil {
		t.Fatal(err)
	}
	d, err := f.cf.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("rewrite"), Stage: types.FunctionStageLive})
	if err != nil {
		t.Fatal(err)
	}
	if s := aws.ToString(d.FunctionSummary.Status); s != "DEPLOYED" {
		t.Errorf("status of an associated function = %s, want DEPLOYED", s)
	}
	_, err = f.cf.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: aws.String("rewrite"), IfMatch: c.ETag})
	wantAPIErr(t, err, "FunctionInUse", 409)
}

// TestFunctionAWSCLI drives the function operations with the AWS CLI.
func TestFunctionAWSCLI(t *testing.T) {
	awsBin, err := harness.LookPath("aws")
	if err != nil {
		t.Fatalf("the AWS CLI is not on PATH (%v): install the AWS CLI v1; this test needs it and never skips", err)
	}
	f := newFixture(t)
	dir := t.TempDir()
	code := filepath.Join(dir, "fn.js")
	if err := os.WriteFile(code, []byte(indexRewrite), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), awsBin, append(args, "--endpoint-url", f.srv.URL, "--output", "text")...)
		cmd.Env = []string{"AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "creds"),
			"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	etag := run("cloudfront", "create-function", "--name", "cli-rewrite",
		"--function-config", "Comment=from the CLI,Runtime=cloudfront-js-2.0",
		"--function-code", "fileb://"+code, "--query", "ETag")
	if etag == "" {
		t.Fatal("create-function printed no ETag")
	}
	ev := filepath.Join(dir, "event.json")
	if err := os.WriteFile(ev, []byte(`{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"1.2.3.4"},"request":{"method":"GET","uri":"/docs/","querystring":{},"headers":{},"cookies":{}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := run("cloudfront", "test-function", "--name", "cli-rewrite", "--if-match", etag,
		"--event-object", "fileb://"+ev, "--query", "TestResult.FunctionOutput")
	if !strings.Contains(out, `"uri":"/docs/index.html"`) {
		t.Errorf("test-function output = %s, want the rewritten URI", out)
	}
	status := run("cloudfront", "publish-function", "--name", "cli-rewrite", "--if-match", etag, "--query", "FunctionSummary.Status")
	if status != "UNASSOCIATED" {
		t.Errorf("publish-function status = %q, want UNASSOCIATED", status)
	}
	names := run("cloudfront", "list-functions", "--stage", "LIVE", "--query", "FunctionList.Items[].Name")
	if names != "cli-rewrite" {
		t.Errorf("list-functions --stage LIVE = %q, want cli-rewrite", names)
	}
}

// 120 concurrent CreateFunction against the quota of 100: exactly 100
// are created and 20 get TooManyFunctions (count and create under one
// lock).
func TestFunctionQuotaConcurrent(t *testing.T) {
	f := newFixture(t, withBolt(t))
	const n = 120
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := f.cf.CreateFunction(t.Context(), &cloudfront.CreateFunctionInput{
				Name:           aws.String("f" + itoa(int64(i))),
				FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs20},
				FunctionCode:   []byte(indexRewrite),
			})
			errs <- err
		}()
	}
	created, refused := 0, 0
	for range n {
		err := <-errs
		if err == nil {
			created++
			continue
		}
		if code, _ := apiErr(t, err); code != "TooManyFunctions" {
			t.Errorf("got %v, want TooManyFunctions", err)
		}
		refused++
	}
	if created != 100 || refused != 20 {
		t.Errorf("%d created, %d refused; want 100, 20", created, refused)
	}
}

// TestFunction runs functions that use the crypto and querystring
// modules and Buffer: a 2.0 function checking an HMAC-signed URL, and
// the same check in 1.0 through require.
func TestFunctionBuiltinModules(t *testing.T) {
	f := newFixture(t)
	const v2 = `import crypto from 'crypto';
import querystring from 'querystring';
function handler(event) {
    const req = event.request;
    const mac = crypto.createHmac('sha256', 'secret').update(req.uri).digest();
    const sig = req.querystring.sig ? req.querystring.sig.value : '';
    console.log(querystring.stringify({uri: req.uri, mac: mac.toString('base64url')}));
    if (!mac.equals(Buffer.from(sig, 'hex'))) {
        return {statusCode: 403, statusDescription: 'Forbidden'};
    }
    req.headers['x-uri-md5'] = {value: crypto.createHash('md5').update(req.uri).digest('hex')};
    return req;
}`
	const v1 = `var crypto = require('crypto');
function handler(event) {
    var req = event.request;
    var sig = req.querystring.sig ? req.querystring.sig.value : '';
    if (crypto.createHmac('sha256', 'secret').update(req.uri).digest('hex') !== sig) {
        return {statusCode: 403, statusDescription: 'Forbidden'};
    }
    return req;
}`
	// A signature of the right length that is not HMAC-SHA256("secret", "/a.txt").
	badSig := strings.Repeat("6c", 32)
	tests := []struct {
		name, runtime, code, sig string
		wantOutput               string
		wantLogs                 []string
	}{
		{"2.0 good signature", "cloudfront-js-2.0", v2, hmacHex(t, "secret", "/a.txt"),
			`"x-uri-md5":{"value":"` + md5Hex(t, "/a.txt") + `"}`,
			[]string{"uri=%2Fa.txt&mac=" + hmacB64URL(t, "secret", "/a.txt")}},
		{"2.0 bad signature", "cloudfront-js-2.0", v2, badSig, `"statusCode":403`,
			[]string{"uri=%2Fa.txt&mac=" + hmacB64URL(t, "secret", "/a.txt")}},
		{"1.0 good signature", "cloudfront-js-1.0", v1, hmacHex(t, "secret", "/a.txt"), `"uri":"/a.txt"`, nil},
		{"1.0 bad signature", "cloudfront-js-1.0", v1, "00", `"statusCode":403`, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.createFunction("signed"+itoa(int64(i)), tt.runtime, tt.code)
			out, err := f.cf.TestFunction(t.Context(), &cloudfront.TestFunctionInput{
				Name: c.FunctionSummary.Name, IfMatch: c.ETag,
				EventObject: []byte(`{"version":"1.0","context":{"eventType":"viewer-request"},"request":{"method":"GET","uri":"/a.txt","querystring":{"sig":{"value":"` + tt.sig + `"}}}}`),
			})
			if err != nil {
				t.Fatal(err)
			}
			if msg := aws.ToString(out.TestResult.FunctionErrorMessage); msg != "" {
				t.Fatalf("FunctionErrorMessage = %q", msg)
			}
			if got := aws.ToString(out.TestResult.FunctionOutput); !strings.Contains(got, tt.wantOutput) {
				t.Errorf("FunctionOutput = %s, want it to contain %s", got, tt.wantOutput)
			}
			if diff := cmp.Diff(tt.wantLogs, out.TestResult.FunctionExecutionLogs, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("logs (-want +got):\n%s", diff)
			}
		})
	}
}

func hmacHex(t *testing.T, key, msg string) string {
	t.Helper()
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func hmacB64URL(t *testing.T, key, msg string) string {
	t.Helper()
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func md5Hex(t *testing.T, s string) string {
	t.Helper()
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
