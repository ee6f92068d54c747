package local

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cfinv/cfinv/test/harness"
)

// TestS3OriginRegion: buckets created with the real SDK in us-east-1,
// us-west-2 and af-south-1 (launched after March 20, 2019), served
// through serve's edge by distributions whose S3 origin names the bucket's
// region, another region, or the legacy global endpoint, in each form
// CloudFront takes. The edge answers as CloudFront does when S3 at that
// endpoint answers: the object, 301 PermanentRedirect or 400
// IllegalLocationConstraintException. It used to serve the bucket
// whatever region the origin named.
func TestS3OriginRegion(t *testing.T) {
	s := start(t, Options{Memory: true, APIAddr: "127.0.0.1:0", EdgeAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0",
		Keys: map[string]string{"AKIDTEST": "secret"}})
	ctx := t.Context()
	buckets := map[string]string{"east-site": "", "west-site": "us-west-2", "cape-site": "af-south-1"}
	for bucket, lc := range buckets {
		region := lc
		if region == "" {
			region = "us-east-1"
		}
		c := s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(s.S3URL), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
		in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
		if lc != "" {
			in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(lc)}
		}
		if _, err := c.CreateBucket(ctx, in); err != nil {
			t.Fatalf("CreateBucket %s: %v", bucket, err)
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("index.html"),
			Body: strings.NewReader("<h1>" + bucket + "</h1>"), ContentType: aws.String("text/html")}); err != nil {
			t.Fatalf("PutObject %s: %v", bucket, err)
		}
	}
	cf := harness.SDK(s.URL, harness.Credentials("AKIDTEST", "secret", ""))
	oac, err := cf.CreateOriginAccessControl(ctx, &cloudfront.CreateOriginAccessControlInput{OriginAccessControlConfig: &cftypes.OriginAccessControlConfig{
		Name: aws.String("sites"), OriginAccessControlOriginType: cftypes.OriginAccessControlOriginTypesS3,
		SigningBehavior: cftypes.OriginAccessControlSigningBehaviorsAlways, SigningProtocol: cftypes.OriginAccessControlSigningProtocolsSigv4}})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, domain string
		oac          bool // the origin has an origin access control (requests signed for the endpoint's region)
		status       int
		code         string            // the XML error's Code; "" for the object
		header       map[string]string // "" means absent
		body         string            // a part of the body
	}{
		{name: "own region", domain: "west-site.s3.us-west-2.amazonaws.com", status: 200, body: "<h1>west-site</h1>"},
		{name: "own region, dash form", domain: "west-site.s3-us-west-2.amazonaws.com", status: 200, body: "<h1>west-site</h1>"},
		{name: "own region, dualstack", domain: "west-site.s3.dualstack.us-west-2.amazonaws.com", status: 200, body: "<h1>west-site</h1>"},
		{name: "global, us-west-2 bucket", domain: "west-site.s3.amazonaws.com", status: 200, body: "<h1>west-site</h1>"},
		{name: "global, us-east-1 bucket", domain: "east-site.s3.amazonaws.com", status: 200, body: "<h1>east-site</h1>"},
		{name: "us-east-1 regional", domain: "east-site.s3.us-east-1.amazonaws.com", status: 200, body: "<h1>east-site</h1>"},
		{name: "us-east-1 external-1", domain: "east-site.s3-external-1.amazonaws.com", status: 200, body: "<h1>east-site</h1>"},
		{name: "opt-in region, own endpoint", domain: "cape-site.s3.af-south-1.amazonaws.com", status: 200, body: "<h1>cape-site</h1>"},
		{name: "wrong region", domain: "west-site.s3.eu-west-1.amazonaws.com", status: 301, code: "PermanentRedirect",
			header: map[string]string{"X-Amz-Bucket-Region": "us-west-2", "Location": "", "X-Cache": "Miss from cloudfront"},
			body:   "<Endpoint>west-site.s3.us-west-2.amazonaws.com</Endpoint>"},
		{name: "wrong region, origin access control", domain: "west-site.s3.eu-west-1.amazonaws.com", oac: true, status: 301, code: "PermanentRedirect",
			header: map[string]string{"X-Amz-Bucket-Region": "us-west-2"}},
		{name: "own region, origin access control", domain: "west-site.s3.us-west-2.amazonaws.com", oac: true, status: 200, body: "<h1>west-site</h1>"},
		{name: "wrong region, dash form", domain: "west-site.s3-eu-west-1.amazonaws.com", status: 301, code: "PermanentRedirect",
			header: map[string]string{"X-Amz-Bucket-Region": "us-west-2"}},
		{name: "wrong region, dualstack", domain: "west-site.s3.dualstack.us-east-2.amazonaws.com", status: 301, code: "PermanentRedirect",
			header: map[string]string{"X-Amz-Bucket-Region": "us-west-2"}},
		{name: "us-east-1 bucket at another region", domain: "east-site.s3.us-west-2.amazonaws.com", status: 301, code: "PermanentRedirect",
			header: map[string]string{"X-Amz-Bucket-Region": "us-east-1"}, body: "<Endpoint>s3.amazonaws.com</Endpoint><Bucket>east-site</Bucket>"},
		{name: "opt-in bucket at the global endpoint", domain: "cape-site.s3.amazonaws.com", status: 400, code: "IllegalLocationConstraintException",
			header: map[string]string{"X-Cache": "Error from cloudfront"},
			body:   "The af-south-1 location constraint is incompatible for the region specific endpoint this request was sent to."},
		{name: "opt-in bucket at another region", domain: "cape-site.s3.eu-west-1.amazonaws.com", status: 400, code: "IllegalLocationConstraintException"},
		{name: "us-east-1 bucket at an opt-in region", domain: "east-site.s3.af-south-1.amazonaws.com", status: 400, code: "IllegalLocationConstraintException",
			body: "The unspecified location constraint is incompatible"},
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dist, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: harness.DistributionConfig(
				"region-"+string(rune('a'+i)), func(c *cftypes.DistributionConfig) {
					c.Origins.Items[0].DomainName = aws.String(tt.domain)
					if tt.oac {
						c.Origins.Items[0].OriginAccessControlId = oac.OriginAccessControl.Id
					}
				})})
			if err != nil {
				t.Fatalf("CreateDistribution with origin %s: %v", tt.domain, err)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.EdgeURL+"/index.html", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = aws.ToString(dist.Distribution.DomainName)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			body := string(b)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.body) {
				t.Fatalf("GET through %s = %d %q, want %d with %q", tt.domain, resp.StatusCode, body, tt.status, tt.body)
			}
			if tt.code != "" && !strings.Contains(body, "<Code>"+tt.code+"</Code>") {
				t.Errorf("body %q, want the XML error %s", body, tt.code)
			}
			for h, want := range tt.header {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
		})
	}
}
