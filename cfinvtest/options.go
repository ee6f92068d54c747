package cfinvtest

import (
	"log/slog"
	"time"
)

// DefaultCompletionDelay is how long an invalidation reads InProgress (and
// a new or updated distribution InProgress rather than Deployed) unless
// WithCompletionDelay says otherwise. It is not zero, so that a waiter
// really polls and a test can see InProgress, and it is short, so that a
// test that creates an invalidation and waits for it with a 20–50 ms poll
// takes a tenth of a second or so.
const DefaultCompletionDelay = 100 * time.Millisecond

// An Option configures a Server; pass options to NewServer or Start.
type Option func(*config)

type config struct {
	delay   time.Duration
	clock   *Clock
	s3      map[string]string
	memory  bool
	dataDir string
	logger  *slog.Logger

	accountID    string
	strictRegion bool
	readTimeout  time.Duration // for tests (export_test.go); 0: serve's
}

func newConfig(opts []Option) config {
	cfg := config{delay: DefaultCompletionDelay}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// WithCompletionDelay sets the time from creation until an invalidation
// reads Completed and a distribution Deployed (default
// DefaultCompletionDelay). Zero completes them at once. The delay is
// measured on the server's clock (see WithClock).
func WithCompletionDelay(d time.Duration) Option {
	return func(c *config) { c.delay = d }
}

// WithClock makes the API and the edge read time from clk instead of the
// real clock: invalidations complete, distributions deploy and cached
// objects expire as clk is advanced, and never otherwise. Request
// signatures are still checked against the real clock, since the AWS SDK
// signs with it.
func WithClock(clk *Clock) Option {
	return func(c *config) { c.clock = clk }
}

// WithS3Origin serves S3 bucket from directory dir at the edge: an origin
// whose DomainName is bucket.s3.amazonaws.com (or a regional or website
// endpoint of bucket) gets the files under dir, as `cfinv serve
// --s3-origin BUCKET=DIR` does. dir may also be an http:// or https:// URL
// of a server standing in for the bucket. A directory is also a read-only
// bucket of the S3 API. Repeat it for more buckets.
func WithS3Origin(bucket, dir string) Option {
	return func(c *config) {
		if c.s3 == nil {
			c.s3 = map[string]string{}
		}
		c.s3[bucket] = dir
	}
}

// WithMemoryStore keeps the server's state in memory instead of a bbolt
// file; it is lost on Close. It cannot be combined with WithDataDir.
func WithMemoryStore() Option {
	return func(c *config) { c.memory = true }
}

// WithDataDir keeps the server's state (a bbolt file) and its generated
// key pair in dir, created if needed, and leaves them there on Close, so
// that a server started later with the same dir has the same
// distributions, invalidations and key pair. Without it, NewServer uses
// t.TempDir and Start a temporary directory that Close removes.
func WithDataDir(dir string) Option {
	return func(c *config) { c.dataDir = dir }
}

// WithLogger sends the API's request log and the edge's fetch and purge
// log to logger. Without it nothing is logged.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) { c.logger = logger }
}

// WithAccountID sets the account ID of the distributions' ARNs, as `cfinv
// serve --account-id` does (default 123456789012).
func WithAccountID(id string) Option {
	return func(c *config) { c.accountID = id }
}

// WithStrictRegion makes the API accept only signatures scoped to
// us-east-1, as real CloudFront does and `cfinv serve --strict-region`
// does; the S3 API too (its buckets are in us-east-1), which answers
// another region as S3 does, with AuthorizationHeaderMalformed. AWSConfig
// and S3Config sign for us-east-1.
func WithStrictRegion() Option {
	return func(c *config) { c.strictRegion = true }
}
