package edgecache

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// TestS3EndpointOf: every S3 origin DomainName the emulator accepts maps
// to the endpoint it names: the global one, a region's (dot, dash,
// dualstack, FIPS and s3-external-1 forms), or one whose region rules are
// not emulated (website, accelerate).
func TestS3EndpointOf(t *testing.T) {
	tests := []struct {
		name, domain string
		want         s3Endpoint
	}{
		{name: "global", domain: "site.s3.amazonaws.com", want: s3Endpoint{checked: true, suffix: ".amazonaws.com"}},
		{name: "global, trailing dot", domain: "site.s3.amazonaws.com.", want: s3Endpoint{checked: true, suffix: ".amazonaws.com"}},
		{name: "regional", domain: "site.s3.eu-west-1.amazonaws.com", want: s3Endpoint{checked: true, region: "eu-west-1", suffix: ".amazonaws.com"}},
		{name: "regional, upper case", domain: "Site.S3.EU-WEST-1.amazonaws.com", want: s3Endpoint{checked: true, region: "eu-west-1", suffix: ".amazonaws.com"}},
		{name: "bucket with dots and an s3 label", domain: "a.s3.b.s3.us-west-2.amazonaws.com", want: s3Endpoint{checked: true, region: "us-west-2", suffix: ".amazonaws.com"}},
		{name: "legacy dash", domain: "site.s3-us-west-2.amazonaws.com", want: s3Endpoint{checked: true, region: "us-west-2", suffix: ".amazonaws.com"}},
		{name: "dualstack", domain: "site.s3.dualstack.ap-southeast-2.amazonaws.com", want: s3Endpoint{checked: true, region: "ap-southeast-2", suffix: ".amazonaws.com"}},
		{name: "fips dualstack", domain: "site.s3-fips.dualstack.us-gov-west-1.amazonaws.com", want: s3Endpoint{checked: true, region: "us-gov-west-1", suffix: ".amazonaws.com"}},
		{name: "external-1", domain: "site.s3-external-1.amazonaws.com", want: s3Endpoint{checked: true, region: "us-east-1", suffix: ".amazonaws.com"}},
		{name: "china", domain: "site.s3.cn-north-1.amazonaws.com.cn", want: s3Endpoint{checked: true, region: "cn-north-1", suffix: ".amazonaws.com.cn"}},
		{name: "china has no global endpoint", domain: "site.s3.amazonaws.com.cn"},
		{name: "website dash", domain: "site.s3-website-us-east-1.amazonaws.com"},
		{name: "website dot", domain: "site.s3-website.eu-central-1.amazonaws.com"},
		{name: "accelerate", domain: "site.s3-accelerate.amazonaws.com"},
		{name: "not a region", domain: "site.s3.example.amazonaws.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket, ok := distconfig.S3Bucket(tt.domain)
			if !ok {
				t.Fatalf("distconfig.S3Bucket(%q) refuses it; the emulator would too", tt.domain)
			}
			got := s3EndpointOf(tt.domain, bucket)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(s3Endpoint{})); diff != "" {
				t.Errorf("s3EndpointOf(%q) (-want +got):\n%s", tt.domain, diff)
			}
		})
	}
}
