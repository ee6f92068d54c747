package cfinvtest_test

// Tests that cfinvtest's server behaves as `cfinv serve` does: both are
// assembled by internal/local (issue 29, item 1). Before, cfinvtest wired
// the parts itself and had drifted from serve in each of these.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/cfinv/cfinv/cfinvtest"
)

// TestWithAccountID: the distributions' ARNs carry the account ID given,
// as with serve --account-id.
func TestWithAccountID(t *testing.T) {
	srv := cfinvtest.NewServer(t, cfinvtest.WithAccountID("111122223333"))
	id := srv.NewDistribution(t, "site.s3.amazonaws.com")
	out, err := cloudfront.NewFromConfig(srv.AWSConfig()).GetDistribution(t.Context(), &cloudfront.GetDistributionInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(out.Distribution.ARN), "arn:aws:cloudfront::111122223333:distribution/"+id; got != want {
		t.Errorf("ARN = %q, want %q", got, want)
	}
}

// TestWithStrictRegion: a request signed for another region than
// us-east-1 is refused, by the CloudFront API and by the S3 API (S3's
// AuthorizationHeaderMalformed), as with serve --strict-region; without
// the option it is accepted.
func TestWithStrictRegion(t *testing.T) {
	tests := []struct {
		name    string
		opts    []cfinvtest.Option
		refused bool
	}{
		{"strict", []cfinvtest.Option{cfinvtest.WithStrictRegion()}, true},
		{"default", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cfinvtest.NewServer(t, tt.opts...)
			cfg := srv.AWSConfig()
			cfg.Region = "eu-west-1"
			_, err := cloudfront.NewFromConfig(cfg).ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{})
			var ae smithy.APIError
			if tt.refused && !errors.As(err, &ae) {
				t.Fatalf("signed for eu-west-1: got %v, want an API error", err)
			}
			if !tt.refused && err != nil {
				t.Fatalf("signed for eu-west-1: %v", err)
			}
			if _, err := cloudfront.NewFromConfig(srv.AWSConfig()).ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{}); err != nil {
				t.Errorf("signed for us-east-1: %v", err)
			}
			s3cfg := srv.S3Config()
			s3cfg.Region = "eu-west-1"
			_, err = s3.NewFromConfig(s3cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(t.Context(), &s3.ListBucketsInput{})
			if tt.refused && (!errors.As(err, &ae) || ae.ErrorCode() != "AuthorizationHeaderMalformed") {
				t.Errorf("S3 signed for eu-west-1: got %v, want AuthorizationHeaderMalformed", err)
			}
			if !tt.refused && err != nil {
				t.Errorf("S3 signed for eu-west-1: %v", err)
			}
		})
	}
}

// TestS3OriginIsABucket: a WithS3Origin directory is a read-only bucket of
// the S3 API too, as serve's --s3-origin directories are.
func TestS3OriginIsABucket(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("from the directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := cfinvtest.NewServer(t, cfinvtest.WithS3Origin("site", dir))
	s3c := s3.NewFromConfig(srv.S3Config(), func(o *s3.Options) { o.UsePathStyle = true })
	out, err := s3c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("index.html")})
	if err != nil {
		t.Fatalf("GetObject site/index.html: %v", err)
	}
	defer out.Body.Close()
	if b, _ := io.ReadAll(out.Body); string(b) != "from the directory" {
		t.Errorf("GetObject body = %q, want %q", b, "from the directory")
	}
}

// TestSlowBodyCutOff: a client trickling a request body to the API is cut
// off after the read timeout, as serve's are (cfinvtest had no limit).
func TestSlowBodyCutOff(t *testing.T) {
	srv := cfinvtest.NewServer(t, cfinvtest.WithReadTimeout(500*time.Millisecond))
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "POST /2020-05-31/distribution HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n<Distri"); err != nil {
		t.Fatal(err)
	}
	// The server closes the connection: reads end with EOF or a reset,
	// long before this (generous) deadline.
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the API kept a trickling request open for 30s; want it closed after its read timeout")
	}
}
