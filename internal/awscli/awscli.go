// Package awscli is cfinv's emulation of the AWS CLI v1 for CloudFront
// invalidations: its output formatters (json, text and table, byte for
// byte as "aws cloudfront …" prints them), --query (JMESPath, keeping the
// order of the members the AWS CLI prints), its inputs (the shorthand and
// JSON of --invalidation-batch, --cli-input-json, --generate-cli-skeleton)
// and its pagination (--max-items, --page-size, --starting-token and the
// NextToken botocore encodes), so that an "aws cloudfront" command line
// works with "cfinv" in its place and either tool resumes the other's
// listing.
//
// The package knows nothing of cobra commands or of the cfinv client's
// options; internal/cli wires it to its commands. Bad input is a
// *UsageError naming the flag and what it accepts.
package awscli

import "fmt"

// Output formats of --output.
const (
	JSON  = "json"
	Text  = "text"
	Table = "table"
)

// UsageError is input the AWS CLI would refuse: a bad flag value or
// document. Its message names the flag and what would be accepted.
type UsageError struct{ Err error }

// Error returns the message.
func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *UsageError) Unwrap() error { return e.Err }

// usageErrorf builds a UsageError.
func usageErrorf(format string, a ...any) error {
	return &UsageError{Err: fmt.Errorf(format, a...)}
}
