// Package cfinv invalidates Amazon CloudFront caches safely: it is the one
// place cfinv's invalidation behaviour lives, and the cfinv command is a
// thin user of it.
//
// A Client, built with New from an aws.Config, cleans and encodes paths as
// CloudFront requires (package cfpath), splits them into batches of at
// most 3000 paths and 15 wildcards, gives every batch one caller reference
// that every retry reuses (so a retry never bills twice), queues batches
// beyond CloudFront's in-progress limits, records submitted batches in a
// journal so a re-run of the same deploy resumes instead of paying again,
// and waits for completion:
//
//	cfg, err := config.LoadDefaultConfig(ctx)
//	…
//	c := cfinv.New(cfg, cfinv.WithStateDir(dir))
//	res, err := c.Invalidate(ctx, cfinv.Request{
//		DistributionID: "E2EXAMPLE", // or www.example.com
//		Paths:          []string{"/index.html", "/img/*"},
//		DeployID:       "release-42",
//		Wait:           true,
//		Timeout:        15 * time.Minute,
//	})
//
// Errors match the package's sentinels (ErrNotFound, ErrAccessDenied,
// ErrLimit, ErrTimeout, …) with errors.Is, and carry details in *APIError,
// *LimitError, *DeadlineError, *TimeoutError and *PartialError.
// Everything the Client reports is redacted: no secret key, session token,
// signature or Authorization value of its credentials appears in an error,
// an Event or the debug log, whatever a server echoes back.
package cfinv

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/smithy-go/logging"

	"github.com/cfinv/cfinv/internal/redact"
	"github.com/cfinv/cfinv/internal/sdkhttp"
)

// api is the part of the CloudFront SDK client cfinv calls, with the SDK's
// signatures, so tests can substitute a small fake.
type api interface {
	CreateInvalidation(ctx context.Context, in *cloudfront.CreateInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error)
	GetInvalidation(ctx context.Context, in *cloudfront.GetInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetInvalidationOutput, error)
	ListInvalidations(ctx context.Context, in *cloudfront.ListInvalidationsInput, optFns ...func(*cloudfront.Options)) (*cloudfront.ListInvalidationsOutput, error)
	ListDistributions(ctx context.Context, in *cloudfront.ListDistributionsInput, optFns ...func(*cloudfront.Options)) (*cloudfront.ListDistributionsOutput, error)
	GetDistribution(ctx context.Context, in *cloudfront.GetDistributionInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetDistributionOutput, error)
	GetFunction(ctx context.Context, in *cloudfront.GetFunctionInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetFunctionOutput, error)
	DescribeFunction(ctx context.Context, in *cloudfront.DescribeFunctionInput, optFns ...func(*cloudfront.Options)) (*cloudfront.DescribeFunctionOutput, error)
}

var _ api = (*cloudfront.Client)(nil)

// DefaultRegion signs requests when the aws.Config has no region:
// CloudFront is a global service signed for us-east-1.
const DefaultRegion = "us-east-1"

// defaultEndpoint is CloudFront's API endpoint in the aws partition.
const defaultEndpoint = "https://cloudfront.amazonaws.com"

// Retry defaults: the SDK's attempts per call and the longest delay
// between them. The overall deadline bounds the retries of a request.
const (
	defaultMaxAttempts = 5
	defaultMaxBackoff  = 20 * time.Second
)

// defaultAttemptTimeout bounds one HTTP attempt. CloudFront answers API
// calls in well under a second; 30 s leaves room for a slow network
// without letting one hung connection eat a deadline of a few minutes.
const defaultAttemptTimeout = 30 * time.Second

// Client runs invalidations on CloudFront. It is safe for concurrent use.
type Client struct {
	api      api
	stateDir string                                           // "" means no journal
	nowFn    func() time.Time                                 // nil means time.Now
	sleepFn  func(ctx context.Context, d time.Duration) error // nil means the real clock
	random   io.Reader                                        // nil means crypto/rand
	endpoint string                                           // base URL of the API, for Locations from the journal
	secrets  *redact.Set
	// tenant: api is a tenantAdapter and the "distribution" IDs the
	// client handles are distribution tenant IDs (see tenant.go).
	tenant bool
}

type options struct {
	stateDir       string
	now            func() time.Time
	sleep          func(ctx context.Context, d time.Duration) error
	random         io.Reader
	endpoint       string
	debug          io.Writer
	maxBackoff     time.Duration
	attemptTimeout time.Duration
}

// Option configures a Client.
type Option func(*options)

// WithStateDir keeps the journal of submitted batches in dir (created when
// needed): a request whose batches the journal shows as created by an
// earlier run, with the same caller references, is resumed rather than
// sent again. Without it there is no journal.
func WithStateDir(dir string) Option { return func(o *options) { o.stateDir = dir } }

// WithClock replaces the real clock: now tells the time, and sleep waits
// for d or until ctx ends (returning ctx.Err()); a nil func keeps the real
// one. Deadlines (Request.Timeout, WaitRequest.Timeout) and every delay
// between polls and retries are measured on it; calls in flight are still
// bounded on the real clock.
func WithClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(o *options) { o.now, o.sleep = now, sleep }
}

// WithRandom sets the source of random caller references (those of
// requests with neither DeployID nor CallerReference); the default is
// crypto/rand.
func WithRandom(r io.Reader) Option { return func(o *options) { o.random = r } }

// WithEndpoint sends the API calls to url (for example a local cfinv
// serve, http://127.0.0.1:8655) instead of CloudFront's endpoint; it
// overrides cfg.BaseEndpoint.
func WithEndpoint(url string) Option { return func(o *options) { o.endpoint = url } }

// WithDebugLog writes every request and response, bodies and retries
// included, to w, with Authorization values, security tokens, signatures
// and the credentials' secrets redacted. Entries do not interleave.
func WithDebugLog(w io.Writer) Option { return func(o *options) { o.debug = w } }

// WithRetryBackoff caps the SDK's delay between the attempts of one call
// (default 20s). The number of attempts is cfg.RetryMaxAttempts (default
// 5).
func WithRetryBackoff(max time.Duration) Option { return func(o *options) { o.maxBackoff = max } }

// WithAttemptTimeout bounds one HTTP attempt, from dialling to the end of
// the response body (default 30s), so a server that accepts and never
// answers costs one attempt rather than the whole deadline. It applies
// when cfg.HTTPClient is the SDK's (an *awshttp.BuildableClient, as
// config.LoadDefaultConfig makes) without a timeout of its own.
func WithAttemptTimeout(d time.Duration) Option { return func(o *options) { o.attemptTimeout = d } }

// New returns a Client that calls CloudFront with cfg: its credentials,
// region (DefaultRegion when empty), HTTP client and endpoint. Credentials
// come only from cfg, typically config.LoadDefaultConfig's default chain.
//
// New installs cfinv's retry policy: cfg.RetryMaxAttempts attempts per
// call (5 when zero) for throttling, server errors, connection resets and
// attempts that timed out, all with the same request body, hence the same
// caller reference; an endpoint that refuses the connection or does not
// resolve is not retried (ErrUnreachable). It replaces cfg.Retryer.
func New(cfg aws.Config, opts ...Option) *Client {
	o := options{maxBackoff: defaultMaxBackoff, attemptTimeout: defaultAttemptTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	c := &Client{stateDir: o.stateDir, nowFn: o.now, sleepFn: o.sleep, random: o.random, secrets: &redact.Set{}}
	cfg = cfg.Copy()
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	attempts := cfg.RetryMaxAttempts
	if attempts <= 0 {
		attempts = defaultMaxAttempts
	}
	backoff := o.maxBackoff
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = attempts
			so.MaxBackoff = backoff
			// The request's deadline bounds retries; no client-wide quota.
			so.RateLimiter = ratelimit.None
			// The SDK retries refused connections (a service "may not
			// yet be running on the port"); for cfinv that is almost
			// always a wrong endpoint or a stopped cfinv serve, so fail
			// at once with a message naming the endpoint.
			so.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				if _, _, ok := unreachable(err); ok {
					return aws.FalseTernary
				}
				// A certificate that does not verify will not verify
				// on the next attempt either.
				var cve *tls.CertificateVerificationError
				if errors.As(err, &cve) {
					return aws.FalseTernary
				}
				return aws.UnknownTernary
			})}, so.Retryables...)
		})
	}
	switch hc := cfg.HTTPClient.(type) {
	case nil:
		cfg.HTTPClient = awshttp.NewBuildableClient().WithTimeout(o.attemptTimeout)
	case *awshttp.BuildableClient:
		if hc.GetTimeout() == 0 {
			cfg.HTTPClient = hc.WithTimeout(o.attemptTimeout)
		}
	}
	// Every SDK client goes through GuardBody: see its doc for the
	// smithy-go/net/http race it prevents.
	cfg.HTTPClient = sdkhttp.GuardBody(cfg.HTTPClient)
	if o.debug != nil {
		cfg.ClientLogMode = aws.LogRequestWithBody | aws.LogResponseWithBody | aws.LogRetries
		cfg.Logger = redactingLogger(o.debug, c.secrets)
	}
	// Every secret key and session token the SDK signs with is redacted
	// from whatever the client reports, whatever a server echoes back.
	if inner := cfg.Credentials; inner != nil {
		cfg.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
			cr, err := inner.Retrieve(ctx)
			if err == nil {
				c.secrets.Add(cr.SecretAccessKey, cr.SessionToken)
			}
			return cr, err
		}))
	}
	cf := cloudfront.NewFromConfig(cfg, func(co *cloudfront.Options) {
		if o.endpoint != "" {
			co.BaseEndpoint = aws.String(o.endpoint)
		}
	})
	c.api, c.endpoint = cf, endpointOf(cf)
	return c
}

func (c *Client) now() time.Time {
	if c.nowFn != nil {
		return c.nowFn()
	}
	return time.Now()
}

// sleep waits for d, or until ctx ends with ctx.Err().
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.sleepFn != nil {
		return c.sleepFn(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// redactingLogger writes one entry at a time: calls run concurrently
// (InProgressBatches) and their entries must not interleave.
func redactingLogger(w io.Writer, secrets *redact.Set) logging.Logger {
	var mu sync.Mutex
	return logging.LoggerFunc(func(cl logging.Classification, format string, v ...any) {
		line := fmt.Sprintf("[%s] %s\n", cl, secrets.Redact(fmt.Sprintf(format, v...)))
		mu.Lock()
		defer mu.Unlock()
		io.WriteString(w, line)
	})
}

// endpointOf returns the base URL cf sends its calls to: its BaseEndpoint
// when set, else the endpoint the SDK resolves for its region.
func endpointOf(cf *cloudfront.Client) string {
	o := cf.Options()
	if o.BaseEndpoint != nil && *o.BaseEndpoint != "" {
		return *o.BaseEndpoint
	}
	ep, err := cloudfront.NewDefaultEndpointResolverV2().ResolveEndpoint(context.Background(), cloudfront.EndpointParameters{Region: aws.String(o.Region), UseFIPS: aws.Bool(false)})
	if err != nil {
		return defaultEndpoint
	}
	return ep.URI.String()
}

// location is the URL of invalidation id on the endpoint in use.
func (c *Client) location(dist, id string) string {
	base := strings.TrimSuffix(c.endpoint, "/")
	if base == "" {
		base = defaultEndpoint
	}
	if c.tenant {
		return base + "/2020-05-31/distribution-tenant/" + dist + "/invalidation/" + id
	}
	return base + "/2020-05-31/distribution/" + dist + "/invalidation/" + id
}

// translate is the package's translate with c's secrets.
func (c *Client) translate(op, dist string, err error) error {
	return translate(op, dist, err, c.secrets)
}
