package emulator_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/emulator"
)

// TestClientValueLimits covers cfinv issue 10: a CallerReference over
// bbolt's 32 KiB key limit was answered 503 ServiceUnavailable, which
// clients retry until their deadline. Every client-chosen value with a
// limit gets a 4xx naming the limit, on the bbolt store as on Mem.
func TestClientValueLimits(t *testing.T) {
	stores := map[string]func(t *testing.T) func(*emulator.Options){
		"mem":  func(*testing.T) func(*emulator.Options) { return func(*emulator.Options) {} },
		"bolt": withBolt,
	}
	for name, backing := range stores {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, backing(t))
			dist := *f.createDist("limits").Distribution.Id
			huge := strings.Repeat("r", 40_000)
			wantLimit := func(t *testing.T, err error, code, limit string) {
				t.Helper()
				wantAPIErr(t, err, code, http.StatusBadRequest)
				if !strings.Contains(err.Error(), limit) {
					t.Errorf("message does not name the limit %s: %v", limit, err)
				}
			}

			_, err := f.invalidate(dist, huge, "/a")
			wantLimit(t, err, "InvalidArgument", "128 characters")
			_, err = f.invalidate(dist, strings.Repeat("r", 129), "/a")
			wantLimit(t, err, "InvalidArgument", "128 characters")
			f.mustInvalidate(dist, strings.Repeat("r", 128), "/a")

			create := func(edit func(c *types.DistributionConfig)) error {
				c := sdkConfig("limits-" + t.Name())
				edit(c)
				_, err := f.cf.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: c})
				return err
			}
			wantLimit(t, create(func(c *types.DistributionConfig) { c.CallerReference = aws.String(huge) }), "InvalidArgument", "128 characters")
			wantLimit(t, create(func(c *types.DistributionConfig) { c.Comment = aws.String(strings.Repeat("c", 129)) }), "InvalidArgument", "128 characters")
			aliases := func(n, size int) func(c *types.DistributionConfig) {
				return func(c *types.DistributionConfig) {
					c.Aliases = &types.Aliases{Quantity: aws.Int32(int32(n))}
					for i := range n {
						name := fmt.Sprintf("%03d.example.com", i)
						c.Aliases.Items = append(c.Aliases.Items, strings.Repeat("a", size-len(name))+name)
					}
				}
			}
			wantLimit(t, create(aliases(101, 20)), "TooManyDistributionCNAMEs", "Your request contains more CNAMEs than are allowed per distribution.")
			wantLimit(t, create(aliases(1, 254)), "InvalidArgument", "253")
			wantLimit(t, create(func(c *types.DistributionConfig) {
				o := c.Origins.Items[0]
				c.Origins = &types.Origins{Quantity: aws.Int32(101)}
				for i := range 101 {
					o.Id = aws.String("origin-" + strings.Repeat("x", i))
					if i == 0 {
						o.Id = aws.String("origin-1")
					}
					c.Origins.Items = append(c.Origins.Items, o)
				}
			}), "TooManyOrigins", "You cannot create more origins for the distribution.")
			if err := create(func(c *types.DistributionConfig) {
				c.Comment = aws.String(strings.Repeat("é", 128))
				aliases(100, 253)(c)
			}); err != nil {
				t.Errorf("CreateDistribution at every limit: %v", err)
			}

			// IDs the client names: path segments, Marker, tagging ARNs.
			_, err = f.cf.GetDistribution(t.Context(), &cloudfront.GetDistributionInput{Id: aws.String(huge)})
			wantLimit(t, err, "InvalidArgument", "128 bytes")
			_, err = f.invalidate(huge, "ref", "/a")
			wantLimit(t, err, "InvalidArgument", "128 bytes")
			_, err = f.cf.GetInvalidation(t.Context(), &cloudfront.GetInvalidationInput{DistributionId: &dist, Id: aws.String(huge)})
			wantLimit(t, err, "InvalidArgument", "128 bytes")
			_, err = f.cf.ListInvalidations(t.Context(), &cloudfront.ListInvalidationsInput{DistributionId: &dist, Marker: aws.String(huge)})
			wantLimit(t, err, "InvalidArgument", "128 bytes")
			_, err = f.cf.ListTagsForResource(t.Context(), &cloudfront.ListTagsForResourceInput{Resource: aws.String("arn:aws:cloudfront::123456789012:distribution/" + huge)})
			wantLimit(t, err, "InvalidArgument", "128 bytes")
			resp, body := f.do("GET", "/2020-05-31/distribution/"+url.PathEscape(huge)+"/config", nil)
			wantRawErr(t, resp, body, "InvalidArgument", http.StatusBadRequest, "128 bytes")
		})
	}
}
