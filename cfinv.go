// Package cfinv is the client for CloudFront invalidations: a narrow
// interface over the AWS SDK (API), its construction from the SDK's default
// credential chain (NewAPI), and the operations cfinv builds on it —
// Invalidate (idempotent caller references, a journal, scheduling around
// in-progress limits, retries) and Wait (adaptive polling). AWS errors are
// translated here into *Error values that carry an exit class and a hint.
package cfinv

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/smithy-go/logging"

	"github.com/cfinv/cfinv/internal/sdkhttp"
)

// API is the part of the CloudFront SDK client cfinv calls, with the SDK's
// signatures, so tests can substitute a small fake.
type API interface {
	CreateInvalidation(ctx context.Context, in *cloudfront.CreateInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error)
	GetInvalidation(ctx context.Context, in *cloudfront.GetInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetInvalidationOutput, error)
	ListInvalidations(ctx context.Context, in *cloudfront.ListInvalidationsInput, optFns ...func(*cloudfront.Options)) (*cloudfront.ListInvalidationsOutput, error)
	ListDistributions(ctx context.Context, in *cloudfront.ListDistributionsInput, optFns ...func(*cloudfront.Options)) (*cloudfront.ListDistributionsOutput, error)
	GetDistribution(ctx context.Context, in *cloudfront.GetDistributionInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetDistributionOutput, error)
}

var _ API = (*cloudfront.Client)(nil)

// DefaultRegion signs requests when no region is configured: CloudFront is
// a global service signed for us-east-1.
const DefaultRegion = "us-east-1"

// Config selects credentials and the endpoint. Credentials themselves
// always come from the SDK's default chain (environment, shared files, SSO,
// web identity, instance roles); there is deliberately no field for them.
type Config struct {
	Profile     string // shared config profile; "" uses the chain's default
	Region      string // signing region; "" uses the chain's, else us-east-1
	EndpointURL string // BaseEndpoint override, e.g. a local cfinv serve
	// Debug, when not nil, receives every request and response with
	// Authorization, security tokens and signatures redacted.
	Debug io.Writer
	// MaxAttempts is the SDK's attempts per call (Throttling, 5xx,
	// connection resets and attempts that timed out are retried with the
	// same body, hence the same CallerReference). An endpoint that refuses
	// the connection or does not resolve is not retried: see
	// ErrUnreachable. Zero means 5.
	MaxAttempts int
	// MaxBackoff caps the SDK's delay between attempts. Zero means 20s.
	MaxBackoff time.Duration
	// AttemptTimeout bounds one HTTP attempt, from dialling to the end of
	// the response body, so a server that accepts and never answers costs
	// one attempt rather than the whole deadline. Zero means
	// DefaultAttemptTimeout.
	AttemptTimeout time.Duration
}

// DefaultAttemptTimeout bounds one HTTP attempt. CloudFront answers API
// calls in well under a second; 30 s leaves room for a slow network
// without letting one hung connection eat a --timeout of a few minutes.
const DefaultAttemptTimeout = 30 * time.Second

// NewAPI builds an SDK client from cfg.
func NewAPI(ctx context.Context, cfg Config) (*cloudfront.Client, error) {
	var opts []func(*config.LoadOptions) error
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Debug != nil {
		opts = append(opts,
			config.WithClientLogMode(aws.LogRequestWithBody|aws.LogResponseWithBody|aws.LogRetries),
			config.WithLogger(redactingLogger(cfg.Debug)))
	}
	attempts, backoff, perAttempt := cfg.MaxAttempts, cfg.MaxBackoff, cfg.AttemptTimeout
	if attempts <= 0 {
		attempts = 5
	}
	if backoff <= 0 {
		backoff = 20 * time.Second
	}
	if perAttempt <= 0 {
		perAttempt = DefaultAttemptTimeout
	}
	opts = append(opts, config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = backoff
			// The overall --timeout bounds retries; no client-wide quota.
			o.RateLimiter = ratelimit.None
			// The SDK retries refused connections (a service "may not
			// yet be running on the port"); for cfinv that is almost
			// always a wrong --endpoint-url or a stopped cfinv serve, so
			// fail at once with a message naming the endpoint.
			o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				if _, _, ok := unreachable(err); ok {
					return aws.FalseTernary
				}
				return aws.UnknownTernary
			})}, o.Retryables...)
		})
	}), config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(perAttempt)))
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, translate("load AWS configuration", "", err)
	}
	// Every secret key and session token the SDK signs with is redacted
	// from whatever cfinv prints, whatever a server echoes back.
	if awsCfg.Credentials != nil {
		inner := awsCfg.Credentials
		awsCfg.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
			c, err := inner.Retrieve(ctx)
			if err == nil {
				AddSecrets(c.SecretAccessKey, c.SessionToken)
			}
			return c, err
		}))
	}
	// Wrapped only now: with AWS_CA_BUNDLE (or ca_bundle in the profile)
	// the SDK adds the bundle to the client it is given, and accepts
	// nothing but an *awshttp.BuildableClient for that.
	awsCfg.HTTPClient = sdkhttp.GuardBody(awsCfg.HTTPClient)
	if awsCfg.Region == "" {
		awsCfg.Region = DefaultRegion
	}
	return cloudfront.NewFromConfig(awsCfg, func(o *cloudfront.Options) {
		if cfg.EndpointURL != "" {
			o.BaseEndpoint = aws.String(cfg.EndpointURL)
		}
	}), nil
}

// redactingLogger writes one entry at a time: calls run concurrently
// (InProgressBatches) and their entries must not interleave.
func redactingLogger(w io.Writer) logging.Logger {
	var mu sync.Mutex
	return logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		line := fmt.Sprintf("[%s] %s\n", c, Redact(fmt.Sprintf(format, v...)))
		mu.Lock()
		defer mu.Unlock()
		io.WriteString(w, line)
	})
}

// EndpointOf returns the base URL api sends its calls to: its BaseEndpoint
// (--endpoint-url, AWS_ENDPOINT_URL_CLOUDFRONT, …) when set, else the
// endpoint the SDK resolves for its region.
func EndpointOf(ctx context.Context, api *cloudfront.Client) string {
	o := api.Options()
	if o.BaseEndpoint != nil && *o.BaseEndpoint != "" {
		return *o.BaseEndpoint
	}
	ep, err := cloudfront.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, cloudfront.EndpointParameters{Region: aws.String(o.Region), UseFIPS: aws.Bool(false)})
	if err != nil {
		return DefaultEndpoint
	}
	return ep.URI.String()
}
