package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"

	"github.com/cfinv/cfinv/internal/emulator"
	"github.com/cfinv/cfinv/internal/store"
	"github.com/cfinv/cfinv/test/harness"
)

// t0 is the injected clock's start.
var t0 = time.Date(2026, 11, 22, 13, 52, 53, 442_123_456, time.UTC)

// purgeCall is one call a recordingPurger saw.
type purgeCall struct {
	Dist  string
	Items []string
}

// recordingPurger records purges and can be made to fail or panic.
type recordingPurger struct {
	mu    sync.Mutex
	calls []purgeCall
	fail  error
	panic bool
}

func (p *recordingPurger) Purge(_ context.Context, dist string, items []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.panic {
		panic("purger exploded")
	}
	if p.fail != nil {
		return p.fail
	}
	p.calls = append(p.calls, purgeCall{dist, items})
	return nil
}

func (p *recordingPurger) Calls() []purgeCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]purgeCall(nil), p.calls...)
}

const delay = 3 * time.Second

type fixture struct {
	t      *testing.T
	clock  *harness.Clock
	store  store.Store
	purger *recordingPurger
	srv    *httptest.Server
	cf     *cloudfront.Client
}

// newFixture starts an emulator on a loopback httptest server with an
// in-memory store, an injected clock and a recording purger, and a real
// SDK client pointed at it. edit may change the options.
func newFixture(t *testing.T, edit ...func(*emulator.Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: harness.NewClock(t0), store: store.NewMem(), purger: &recordingPurger{}}
	opts := emulator.Options{Store: f.store, Now: f.clock.Now, CompletionDelay: delay, Purger: f.purger}
	for _, e := range edit {
		e(&opts)
	}
	f.store = opts.Store
	f.srv = httptest.NewServer(emulator.New(opts).Handler())
	t.Cleanup(f.srv.Close)
	f.cf = newClient(f.srv)
	return f
}

// withBolt backs a fixture with a bbolt file in t.TempDir() instead of the
// in-memory store, so a limit of bbolt's cannot hide behind Mem.
func withBolt(t *testing.T) func(*emulator.Options) {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return func(o *emulator.Options) { o.Store = st }
}

// newClient returns the real aws-sdk-go-v2 CloudFront client aimed at srv
// with static dummy credentials and no retries.
func newClient(srv *httptest.Server) *cloudfront.Client {
	return harness.SDK(srv.URL, harness.Credentials("AKIDTEST", "secret", ""), harness.HTTPClient(srv.Client()))
}

// apiErr returns the error code and HTTP status of an SDK error.
func apiErr(t *testing.T, err error) (string, int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want an API error")
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want a smithy.APIError", err)
	}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return ae.ErrorCode(), status
}

func wantAPIErr(t *testing.T, err error, code string, status int) {
	t.Helper()
	gotCode, gotStatus := apiErr(t, err)
	if gotCode != code || gotStatus != status {
		t.Fatalf("got error %s (HTTP %d), want %s (HTTP %d); full error: %v", gotCode, gotStatus, code, status, err)
	}
}

// sdkConfig is a minimal DistributionConfig as the Go SDK sends it.
func sdkConfig(ref string) *types.DistributionConfig {
	return &types.DistributionConfig{
		CallerReference: aws.String(ref),
		Comment:         aws.String("test distribution"),
		Enabled:         aws.Bool(true),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id:             aws.String("origin-1"),
			DomainName:     aws.String("example-bucket.s3.amazonaws.com"),
			S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId:       aws.String("origin-1"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId:        aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"),
		},
	}
}

// createDist creates a distribution through the SDK and returns it.
func (f *fixture) createDist(ref string) *cloudfront.CreateDistributionOutput {
	f.t.Helper()
	out, err := f.cf.CreateDistribution(f.t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: sdkConfig(ref)})
	if err != nil {
		f.t.Fatalf("CreateDistribution: %v", err)
	}
	return out
}

func batch(ref string, paths ...string) *types.InvalidationBatch {
	return &types.InvalidationBatch{
		CallerReference: aws.String(ref),
		Paths:           &types.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths},
	}
}

func (f *fixture) invalidate(dist, ref string, paths ...string) (*cloudfront.CreateInvalidationOutput, error) {
	return f.cf.CreateInvalidation(f.t.Context(), &cloudfront.CreateInvalidationInput{
		DistributionId:    aws.String(dist),
		InvalidationBatch: batch(ref, paths...),
	})
}

func (f *fixture) mustInvalidate(dist, ref string, paths ...string) *types.Invalidation {
	f.t.Helper()
	out, err := f.invalidate(dist, ref, paths...)
	if err != nil {
		f.t.Fatalf("CreateInvalidation(%s, %v): %v", ref, paths, err)
	}
	return out.Invalidation
}

// do sends a raw request and returns the response and its body.
func (f *fixture) do(method, path string, body io.Reader, header ...string) (*http.Response, string) {
	f.t.Helper()
	req, err := http.NewRequestWithContext(f.t.Context(), method, f.srv.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("read body: %v", err)
	}
	return resp, string(b)
}

// wantRawErr checks a raw response is the ErrorResponse for code/status
// and that the message contains msg.
func wantRawErr(t *testing.T, resp *http.Response, body, code string, status int, msg string) {
	t.Helper()
	if resp.StatusCode != status || !strings.Contains(body, "<Code>"+code+"</Code>") {
		t.Fatalf("got HTTP %d %s, want %d with code %s", resp.StatusCode, body, status, code)
	}
	if !strings.Contains(body, msg) {
		t.Errorf("message does not contain %q: %s", msg, body)
	}
	wantType := "Sender"
	if status >= 500 {
		wantType = "Receiver"
	}
	if !strings.Contains(body, "<Type>"+wantType+"</Type>") {
		t.Errorf("error type: got %s, want %s", body, wantType)
	}
}

func paths(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// restartable returns a function that starts a server on the bbolt file
// at path (completion delay one minute on clk) and returns a client of it
// and the function that stops it, so a test can restart on the same file.
func restartable(t *testing.T, path string, clk *harness.Clock) func() (*cloudfront.Client, func()) {
	return func() (*cloudfront.Client, func()) {
		st, err := store.OpenBolt(path)
		if err != nil {
			t.Fatalf("OpenBolt: %v", err)
		}
		srv := httptest.NewServer(emulator.New(emulator.Options{Store: st, Now: clk.Now, CompletionDelay: time.Minute}).Handler())
		return newClient(srv), func() { srv.Close(); _ = st.Close() }
	}
}
