package distconfig

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// cliConfig is exactly what `aws cloudfront create-distribution
// --origin-domain-name example-bucket.s3.amazonaws.com` sends
// (reference/cloudfront-api.md §2.6).
const cliConfig = `<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>cli-1795355567-931817</CallerReference><Origins><Quantity>1</Quantity><Items><Origin><Id>example-bucket.s3.amazonaws.com-1795355567-892926</Id><DomainName>example-bucket.s3.amazonaws.com</DomainName><OriginPath /><S3OriginConfig><OriginAccessIdentity /></S3OriginConfig></Origin></Items></Origins><DefaultCacheBehavior><TargetOriginId>example-bucket.s3.amazonaws.com-1795355567-892926</TargetOriginId><ForwardedValues><QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues><TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><MinTTL>0</MinTTL></DefaultCacheBehavior><Enabled>true</Enabled><Comment /></DistributionConfig>`

// fullConfig has two origins, aliases, ordered behaviours, a cache policy
// and a CacheTagConfig, with element names from the botocore model.
const fullConfig = `<?xml version="1.0" encoding="UTF-8"?>
<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
  <CallerReference>ref-1</CallerReference>
  <Aliases><Quantity>2</Quantity><Items><CNAME>www.example.com</CNAME><CNAME>*.cdn.example.com</CNAME></Items></Aliases>
  <DefaultRootObject>index.html</DefaultRootObject>
  <Origins><Quantity>2</Quantity><Items>
    <Origin><Id>app</Id><DomainName>127.0.0.1</DomainName><OriginPath>/v1</OriginPath>
      <CustomHeaders><Quantity>1</Quantity><Items><OriginCustomHeader><HeaderName>X-Secret</HeaderName><HeaderValue>s3cr3t</HeaderValue></OriginCustomHeader></Items></CustomHeaders>
      <CustomOriginConfig><HTTPPort>8080</HTTPPort><HTTPSPort>8443</HTTPSPort><OriginProtocolPolicy>http-only</OriginProtocolPolicy></CustomOriginConfig></Origin>
    <Origin><Id>assets</Id><DomainName>my.assets.s3.eu-west-1.amazonaws.com</DomainName><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig></Origin>
  </Items></Origins>
  <DefaultCacheBehavior>
    <TargetOriginId>app</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>
    <AllowedMethods><Quantity>3</Quantity><Items><Method>GET</Method><Method>HEAD</Method><Method>OPTIONS</Method></Items>
      <CachedMethods><Quantity>2</Quantity><Items><Method>GET</Method><Method>HEAD</Method></Items></CachedMethods></AllowedMethods>
    <Compress>true</Compress>
    <ForwardedValues><QueryString>true</QueryString><Cookies><Forward>whitelist</Forward><WhitelistedNames><Quantity>1</Quantity><Items><Name>session</Name></Items></WhitelistedNames></Cookies>
      <Headers><Quantity>1</Quantity><Items><Name>Accept-Language</Name></Items></Headers>
      <QueryStringCacheKeys><Quantity>2</Quantity><Items><Name>v</Name><Name>lang</Name></Items></QueryStringCacheKeys></ForwardedValues>
    <MinTTL>5</MinTTL><DefaultTTL>60</DefaultTTL><MaxTTL>600</MaxTTL>
  </DefaultCacheBehavior>
  <CacheBehaviors><Quantity>2</Quantity><Items>
    <CacheBehavior><PathPattern>/static/*.css</PathPattern><TargetOriginId>assets</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId><Compress>true</Compress></CacheBehavior>
    <CacheBehavior><PathPattern>static/*</PathPattern><TargetOriginId>assets</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><CachePolicyId>4135ea2d-6df8-44a3-9df3-4b5a84be39ad</CachePolicyId></CacheBehavior>
  </Items></CacheBehaviors>
  <CustomErrorResponses><Quantity>4</Quantity><Items>
    <CustomErrorResponse><ErrorCode>404</ErrorCode><ResponsePagePath>/index.html</ResponsePagePath><ResponseCode>200</ResponseCode><ErrorCachingMinTTL>0</ErrorCachingMinTTL></CustomErrorResponse>
    <CustomErrorResponse><ErrorCode>503</ErrorCode><ResponsePagePath></ResponsePagePath><ResponseCode></ResponseCode><ErrorCachingMinTTL>60</ErrorCachingMinTTL></CustomErrorResponse>
    <CustomErrorResponse><ErrorCode>403</ErrorCode><ResponsePagePath>/403.html</ResponsePagePath><ErrorCachingMinTTL/></CustomErrorResponse>
    <CustomErrorResponse><ErrorCode>oops</ErrorCode></CustomErrorResponse>
  </Items></CustomErrorResponses>
  <Comment>full</Comment>
  <Enabled>false</Enabled>
  <CacheTagConfig><HeaderName>Edge-Cache-Tag</HeaderName></CacheTagConfig>
</DistributionConfig>`

func mustView(t *testing.T, doc string) Config {
	t.Helper()
	n, err := Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return View(n)
}

func TestViewCLIConfig(t *testing.T) {
	c := mustView(t, cliConfig)
	if !c.Enabled() {
		t.Errorf("Enabled() = false, want true")
	}
	if got := c.Aliases(); len(got) != 0 {
		t.Errorf("Aliases() = %q, want none", got)
	}
	if got := c.DefaultRootObject(); got != "" {
		t.Errorf("DefaultRootObject() = %q, want empty", got)
	}
	if got := c.CacheTagHeader(); got != "" {
		t.Errorf("CacheTagHeader() = %q, want empty", got)
	}
	wantOrigins := []Origin{{
		ID:             "example-bucket.s3.amazonaws.com-1795355567-892926",
		DomainName:     "example-bucket.s3.amazonaws.com",
		HTTPPort:       80,
		HTTPSPort:      443,
		ProtocolPolicy: "match-viewer",
		S3:             true,
	}}
	if diff := cmp.Diff(wantOrigins, c.Origins()); diff != "" {
		t.Errorf("Origins() mismatch (-want +got):\n%s", diff)
	}
	wantDefault := Behavior{
		PathPattern:          "*",
		TargetOriginID:       "example-bucket.s3.amazonaws.com-1795355567-892926",
		ViewerProtocolPolicy: "allow-all",
		AllowedMethods:       []string{"HEAD", "GET"},
		CachedMethods:        []string{"HEAD", "GET"},
		Legacy:               true,
		MinTTL:               0,
		DefaultTTL:           86400,
		MaxTTL:               31536000,
		ForwardCookies:       "none",
	}
	if diff := cmp.Diff(wantDefault, c.DefaultCacheBehavior()); diff != "" {
		t.Errorf("DefaultCacheBehavior() mismatch (-want +got):\n%s", diff)
	}
	if got := c.CacheBehaviors(); len(got) != 0 {
		t.Errorf("CacheBehaviors() = %v, want none", got)
	}
}

func TestViewFullConfig(t *testing.T) {
	c := mustView(t, fullConfig)
	if c.Enabled() {
		t.Errorf("Enabled() = true, want false")
	}
	if diff := cmp.Diff([]string{"www.example.com", "*.cdn.example.com"}, c.Aliases()); diff != "" {
		t.Errorf("Aliases() mismatch (-want +got):\n%s", diff)
	}
	if got, want := c.DefaultRootObject(), "index.html"; got != want {
		t.Errorf("DefaultRootObject() = %q, want %q", got, want)
	}
	if got, want := c.CacheTagHeader(), "Edge-Cache-Tag"; got != want {
		t.Errorf("CacheTagHeader() = %q, want %q", got, want)
	}
	if got, want := c.Comment(), "full"; got != want {
		t.Errorf("Comment() = %q, want %q", got, want)
	}
	wantOrigins := []Origin{
		{ID: "app", DomainName: "127.0.0.1", OriginPath: "/v1", HTTPPort: 8080, HTTPSPort: 8443, ProtocolPolicy: "http-only",
			CustomHeaders: [][2]string{{"X-Secret", "s3cr3t"}}},
		{ID: "assets", DomainName: "my.assets.s3.eu-west-1.amazonaws.com", HTTPPort: 80, HTTPSPort: 443, ProtocolPolicy: "match-viewer", S3: true},
	}
	if diff := cmp.Diff(wantOrigins, c.Origins()); diff != "" {
		t.Errorf("Origins() mismatch (-want +got):\n%s", diff)
	}
	if o, ok := c.Origin("assets"); !ok || o.DomainName != "my.assets.s3.eu-west-1.amazonaws.com" {
		t.Errorf("Origin(assets) = %+v, %v; want the S3 origin", o, ok)
	}
	if _, ok := c.Origin("nope"); ok {
		t.Errorf("Origin(nope) found, want not found")
	}
	wantDefault := Behavior{
		PathPattern: "*", TargetOriginID: "app", ViewerProtocolPolicy: "redirect-to-https",
		AllowedMethods: []string{"GET", "HEAD", "OPTIONS"}, CachedMethods: []string{"GET", "HEAD"},
		Compress: true, Legacy: true, MinTTL: 5, DefaultTTL: 60, MaxTTL: 600,
		ForwardQueryString: true, QueryStringCacheKeys: []string{"v", "lang"},
		ForwardHeaders: []string{"Accept-Language"}, ForwardCookies: "whitelist", CookieNames: []string{"session"},
	}
	if diff := cmp.Diff(wantDefault, c.DefaultCacheBehavior()); diff != "" {
		t.Errorf("DefaultCacheBehavior() mismatch (-want +got):\n%s", diff)
	}
	wantErrors := map[int]ErrorResponse{
		404: {ErrorCode: 404, ResponsePagePath: "/index.html", ResponseCode: 200, MinTTL: 0},
		503: {ErrorCode: 503, MinTTL: 60},
		403: {ErrorCode: 403, ResponsePagePath: "/403.html", MinTTL: -1},
	}
	if diff := cmp.Diff(wantErrors, c.CustomErrorResponses()); diff != "" {
		t.Errorf("CustomErrorResponses() mismatch (-want +got):\n%s", diff)
	}
	bs := c.CacheBehaviors()
	if len(bs) != 2 {
		t.Fatalf("len(CacheBehaviors()) = %d, want 2", len(bs))
	}
	if bs[0].CachePolicyID != "658327ea-f89d-4fab-a63d-7e88639e58f6" || bs[0].Legacy || !bs[0].Compress {
		t.Errorf("CacheBehaviors()[0] = %+v, want CachingOptimized, not legacy, compressed", bs[0])
	}
	for _, tc := range []struct{ path, wantPattern string }{
		{"/static/site.css", "/static/*.css"},
		{"/static/a/b.css", "/static/*.css"},
		{"/static/logo.png", "static/*"},
		{"/Static/site.css", "*"},
		{"/index.html", "*"},
	} {
		if got := c.BehaviorFor(tc.path).PathPattern; got != tc.wantPattern {
			t.Errorf("BehaviorFor(%q).PathPattern = %q, want %q", tc.path, got, tc.wantPattern)
		}
	}
}

func TestViewNil(t *testing.T) {
	c := View(nil)
	if c.Enabled() || c.Aliases() != nil || c.Origins() != nil || c.CacheBehaviors() != nil || len(c.CustomErrorResponses()) != 0 {
		t.Errorf("nil view returned data")
	}
	if got := c.DefaultCacheBehavior(); got.DefaultTTL != 86400 || got.MaxTTL != 31536000 || got.PathPattern != "*" {
		t.Errorf("nil DefaultCacheBehavior() = %+v, want CloudFront defaults", got)
	}
}

func TestS3Bucket(t *testing.T) {
	tests := []struct {
		domain, bucket string
		ok             bool
	}{
		{"example-bucket.s3.amazonaws.com", "example-bucket", true},
		{"my.assets.s3.eu-west-1.amazonaws.com", "my.assets", true},
		{"b.s3-eu-west-1.amazonaws.com", "b", true},
		{"Site.s3-website-us-east-1.amazonaws.com", "Site", true},
		{"site.s3-website.eu-central-1.amazonaws.com", "site", true},
		{"b.s3.cn-north-1.amazonaws.com.cn", "b", true},
		{"s3.amazonaws.com", "", false},
		{"example.com", "", false},
		{"127.0.0.1", "", false},
		{"elb.us-east-1.elb.amazonaws.com", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.domain, func(t *testing.T) {
			b, ok := S3Bucket(tc.domain)
			if b != tc.bucket || ok != tc.ok {
				t.Errorf("S3Bucket(%q) = %q, %v; want %q, %v", tc.domain, b, ok, tc.bucket, tc.ok)
			}
		})
	}
}

// FuzzViews parses arbitrary bytes and reads every view: no input may
// make a view panic.
func FuzzViews(f *testing.F) {
	f.Add([]byte(cliConfig))
	f.Add([]byte(fullConfig))
	f.Add([]byte(`<DistributionConfig><DefaultCacheBehavior><MinTTL>x</MinTTL></DefaultCacheBehavior></DistributionConfig>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		c := View(n)
		_ = c.Enabled()
		_ = c.Aliases()
		_ = c.DefaultRootObject()
		_ = c.CacheTagHeader()
		for _, o := range c.Origins() {
			_, _ = S3Bucket(o.DomainName)
		}
		for _, b := range append(c.CacheBehaviors(), c.DefaultCacheBehavior()) {
			_ = b.Matches("/a/b.css")
			_ = b.Matches(b.TargetOriginID)
		}
		_ = c.BehaviorFor("/")
	})
}
