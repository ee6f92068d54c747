// Package awscf is cfinv's client for CloudFront invalidations: a narrow
// interface over the AWS SDK (API), its construction from the SDK's default
// credential chain (NewAPI), and the operations cfinv builds on it —
// Invalidate (idempotent caller references, a journal, scheduling around
// in-progress limits, retries) and Wait (adaptive polling). AWS errors are
// translated here into *Error values that carry an exit class and a hint.
package awscf

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/smithy-go/logging"
)

// API is the part of the CloudFront SDK client cfinv calls, with the SDK's
// signatures, so tests can substitute a small fake.
type API interface {
	CreateInvalidation(ctx context.Context, in *cloudfront.CreateInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error)
	GetInvalidation(ctx context.Context, in *cloudfront.GetInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetInvalidationOutput, error)
	ListInvalidations(ctx context.Context, in *cloudfront.ListInvalidationsInput, optFns ...func(*cloudfront.Options)) (*cloudfront.ListInvalidationsOutput, error)
	ListDistributions(ctx context.Context, in *cloudfront.ListDistributionsInput, optFns ...func(*cloudfront.Options)) (*cloudfront.ListDistributionsOutput, error)
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
	// MaxAttempts is the SDK's attempts per call (Throttling, 5xx and
	// connection errors are retried with the same body, hence the same
	// CallerReference). Zero means 5.
	MaxAttempts int
	// MaxBackoff caps the SDK's delay between attempts. Zero means 20s.
	MaxBackoff time.Duration
}

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
	attempts, backoff := cfg.MaxAttempts, cfg.MaxBackoff
	if attempts <= 0 {
		attempts = 5
	}
	if backoff <= 0 {
		backoff = 20 * time.Second
	}
	opts = append(opts, config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = backoff
			// The overall --timeout bounds retries; no client-wide quota.
			o.RateLimiter = ratelimit.None
		})
	}))
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, translate("load AWS configuration", "", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = DefaultRegion
	}
	return cloudfront.NewFromConfig(awsCfg, func(o *cloudfront.Options) {
		if cfg.EndpointURL != "" {
			o.BaseEndpoint = aws.String(cfg.EndpointURL)
		}
	}), nil
}

var secretHeaders = regexp.MustCompile(`(?im)^((?:Authorization|X-Amz-Security-Token|X-Amz-Signature|X-Amz-Credential)\s*:\s*)(.*?)(\r?)$`)

// Redact hides credentials in a logged request or response: the
// Authorization header, security tokens and presigning parameters.
func Redact(s string) string { return secretHeaders.ReplaceAllString(s, "${1}REDACTED${3}") }

func redactingLogger(w io.Writer) logging.Logger {
	return logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		fmt.Fprintf(w, "[%s] %s\n", c, Redact(fmt.Sprintf(format, v...)))
	})
}
