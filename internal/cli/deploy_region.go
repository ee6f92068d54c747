package cli

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// bucketRegion asks S3 which region bucket is in: HeadBucket's answer
// carries it in x-amz-bucket-region, with a 200 and also with the 301
// PermanentRedirect (or the 400 or 403) S3 answers a request sent to or
// signed for another region. The SDK returns no header of an error, so a
// middleware reads it off the raw response, as the SDK's own
// feature/s3/manager.GetBucketRegion does
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html).
// It returns "" when S3 does not say (the bucket is missing, the endpoint
// unreachable): the listing that follows then reports the error. One try,
// no retries.
func bucketRegion(ctx context.Context, c *s3.Client, bucket string) string {
	var found regionHeader
	_, _ = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}, func(o *s3.Options) {
		o.RetryMaxAttempts = 1
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Deserialize.Add(&found, middleware.After)
		})
	})
	return found.region
}

// regionHeader is the deserialize middleware of bucketRegion.
type regionHeader struct{ region string }

func (*regionHeader) ID() string { return "CfinvBucketRegion" }

func (h *regionHeader) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
		h.region = resp.Header.Get("X-Amz-Bucket-Region")
	}
	return out, md, err
}

// inBucketRegion returns c, or, when S3 says bucket is in another region
// than cfg's, a client like c for that region.
func inBucketRegion(ctx context.Context, c *s3.Client, cfg aws.Config, endpoint, bucket string) *s3.Client {
	r := bucketRegion(ctx, c, bucket)
	if r == "" || r == cfg.Region {
		return c
	}
	cfg.Region = r
	return newS3(cfg, endpoint)
}
