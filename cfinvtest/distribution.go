package cfinvtest

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// cachingOptimized is the ID of CloudFront's managed cache policy
// CachingOptimized (TTLs: default one day, minimum 1 s, maximum one
// year), the policy of the distributions CreateDistribution makes.
const cachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"

// CreateDistribution creates an enabled distribution with the one origin
// origin and returns its ID. origin is either
//
//   - an S3 bucket's domain name ("my-site.s3.amazonaws.com", or a
//     regional or website endpoint of the bucket), which the edge serves
//     from what WithS3Origin maps the bucket to; or
//   - the URL of an HTTP server ("http://127.0.0.1:8080", an
//     httptest.Server's URL), a custom origin reached with the URL's scheme
//     and port, its path (if any) the origin path.
//
// Every request goes to that origin under the managed CachingOptimized
// cache policy, over HTTP or HTTPS as the viewer asks. Each call creates a
// new distribution, through the API as a client would. For any other
// configuration, call CreateDistribution on
// cloudfront.NewFromConfig(s.AWSConfig()).
func (s *Server) CreateDistribution(ctx context.Context, origin string) (string, error) {
	o, err := originOf(origin)
	if err != nil {
		return "", fmt.Errorf("create distribution: %w", err)
	}
	api := cloudfront.NewFromConfig(s.AWSConfig())
	out, err := api.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String(fmt.Sprintf("cfinvtest-%d", s.distributions.Add(1))),
		Comment:         aws.String("cfinvtest: " + origin),
		Enabled:         aws.Bool(true),
		Origins:         &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{o}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId:       o.Id,
			ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId:        aws.String(cachingOptimized),
		},
	}})
	if err != nil {
		return "", fmt.Errorf("create distribution: %w", err)
	}
	return aws.ToString(out.Distribution.Id), nil
}

// NewDistribution is CreateDistribution for a test: it creates a
// distribution whose one origin is origin and returns its ID, and ends
// the test with t.Fatal if it cannot.
func (s *Server) NewDistribution(t testing.TB, origin string) string {
	t.Helper()
	id, err := s.CreateDistribution(t.Context(), origin)
	if err != nil {
		t.Fatalf("cfinvtest: %v", err)
	}
	return id
}

// originOf is the origin CreateDistribution makes of origin.
func originOf(origin string) (types.Origin, error) {
	if _, ok := distconfig.S3Bucket(origin); ok {
		return types.Origin{
			Id:             aws.String("s3"),
			DomainName:     aws.String(origin),
			S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")},
		}, nil
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return types.Origin{}, fmt.Errorf("origin %q is neither an S3 bucket's domain name (my-site.s3.amazonaws.com) nor an http:// or https:// URL such as http://127.0.0.1:8080", origin)
	}
	httpPort, httpsPort, policy := 80, 443, types.OriginProtocolPolicyHttpOnly
	port := &httpPort
	if u.Scheme == "https" {
		port, policy = &httpsPort, types.OriginProtocolPolicyHttpsOnly
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return types.Origin{}, fmt.Errorf("origin %q: port %q is not between 1 and 65535", origin, p)
		}
		*port = n
	}
	return types.Origin{
		Id:         aws.String("custom"),
		DomainName: aws.String(u.Hostname()),
		OriginPath: aws.String(strings.TrimSuffix(u.Path, "/")),
		CustomOriginConfig: &types.CustomOriginConfig{
			HTTPPort:             aws.Int32(int32(httpPort)),
			HTTPSPort:            aws.Int32(int32(httpsPort)),
			OriginProtocolPolicy: policy,
		},
	}, nil
}
