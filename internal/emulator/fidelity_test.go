package emulator_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/emulator"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func withLog(buf *syncBuffer) func(*emulator.Options) {
	return func(o *emulator.Options) { o.Logger = slog.New(slog.NewTextHandler(buf, nil)) }
}

// TestNestedDefaults checks the members CloudFront fills in inside origins
// and behaviours, read back through the real SDK (issue 15 item 6).
func TestNestedDefaults(t *testing.T) {
	f := newFixture(t)
	c := sdkConfig("nested")
	c.Origins = &types.Origins{Quantity: aws.Int32(2), Items: []types.Origin{
		c.Origins.Items[0],
		{Id: aws.String("web"), DomainName: aws.String("www.example.org"), CustomOriginConfig: &types.CustomOriginConfig{
			HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpsOnly,
		}},
	}}
	c.CacheBehaviors = &types.CacheBehaviors{Quantity: aws.Int32(1), Items: []types.CacheBehavior{{
		PathPattern: aws.String("/api/*"), TargetOriginId: aws.String("web"), ViewerProtocolPolicy: types.ViewerProtocolPolicyHttpsOnly,
		CachePolicyId:  aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
		AllowedMethods: &types.AllowedMethods{Quantity: aws.Int32(3), Items: []types.Method{"GET", "HEAD", "OPTIONS"}},
	}}}
	if _, err := f.cf.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: c}); err != nil {
		t.Fatal(err)
	}
	list, err := f.cf.ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.cf.GetDistributionConfig(t.Context(), &cloudfront.GetDistributionConfigInput{Id: list.DistributionList.Items[0].Id})
	if err != nil {
		t.Fatal(err)
	}
	dc := got.DistributionConfig
	s3, web := dc.Origins.Items[0], dc.Origins.Items[1]
	co := web.CustomOriginConfig
	def, beh := dc.DefaultCacheBehavior, dc.CacheBehaviors.Items[0]
	tests := []struct {
		name      string
		got, want any
	}{
		{"origin CustomHeaders", aws.ToInt32(s3.CustomHeaders.Quantity), int32(0)},
		{"origin ConnectionAttempts", aws.ToInt32(s3.ConnectionAttempts), int32(3)},
		{"origin ConnectionTimeout", aws.ToInt32(s3.ConnectionTimeout), int32(10)},
		{"origin OriginShield", aws.ToBool(s3.OriginShield.Enabled), false},
		{"origin OriginAccessControlId", aws.ToString(s3.OriginAccessControlId), ""},
		{"custom OriginReadTimeout", aws.ToInt32(co.OriginReadTimeout), int32(30)},
		{"custom OriginKeepaliveTimeout", aws.ToInt32(co.OriginKeepaliveTimeout), int32(5)},
		{"custom OriginSslProtocols", strings.Join(sslItems(co.OriginSslProtocols), ","), "TLSv1,TLSv1.1,TLSv1.2"},
		{"default TrustedSigners", aws.ToInt32(def.TrustedSigners.Quantity), int32(0)},
		{"default TrustedKeyGroups", aws.ToBool(def.TrustedKeyGroups.Enabled), false},
		{"default AllowedMethods", methods(def.AllowedMethods.Items), "HEAD,GET"},
		{"default CachedMethods", methods(def.AllowedMethods.CachedMethods.Items), "HEAD,GET"},
		{"default SmoothStreaming", aws.ToBool(def.SmoothStreaming), false},
		{"default Compress", aws.ToBool(def.Compress), false},
		{"default LambdaFunctionAssociations", aws.ToInt32(def.LambdaFunctionAssociations.Quantity), int32(0)},
		{"default FunctionAssociations", aws.ToInt32(def.FunctionAssociations.Quantity), int32(0)},
		{"default FieldLevelEncryptionId", aws.ToString(def.FieldLevelEncryptionId), ""},
		{"behavior AllowedMethods as sent", methods(beh.AllowedMethods.Items), "GET,HEAD,OPTIONS"},
		{"behavior CachedMethods filled", methods(beh.AllowedMethods.CachedMethods.Items), "HEAD,GET"},
		{"behavior TrustedKeyGroups", aws.ToInt32(beh.TrustedKeyGroups.Quantity), int32(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func sslItems(p *types.OriginSslProtocols) []string {
	var out []string
	for _, s := range p.Items {
		out = append(out, string(s))
	}
	return out
}

func methods(ms []types.Method) string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m))
	}
	return strings.Join(out, ",")
}

// TestEmptyListsOmitItems checks that an empty list carries no Items
// element, in list answers and inside a stored config (item 7).
func TestEmptyListsOmitItems(t *testing.T) {
	f := newFixture(t)
	_, body := f.do("GET", "/2020-05-31/distribution", nil)
	if strings.Contains(body, "<Items") {
		t.Errorf("empty DistributionList has Items: %s", body)
	}
	id := *f.createDist("empty").Distribution.Id
	_, body = f.do("GET", "/2020-05-31/distribution/"+id+"/invalidation", nil)
	if strings.Contains(body, "<Items") {
		t.Errorf("empty InvalidationList has Items: %s", body)
	}
	withEmpty := strings.Replace(cliConfig, "</CallerReference>", "</CallerReference><Aliases><Quantity>0</Quantity><Items/></Aliases>", 1)
	resp, body := f.do("POST", "/2020-05-31/distribution", strings.NewReader(withEmpty))
	if resp.StatusCode != 201 || !strings.Contains(body, "<Aliases><Quantity>0</Quantity></Aliases>") {
		t.Errorf("config with an empty Aliases.Items: %d %s", resp.StatusCode, body)
	}
}

// TestFixedMessages checks CloudFront's fixed texts, with cfinv's detail
// in the log only (items 8 and 9).
func TestFixedMessages(t *testing.T) {
	var logs syncBuffer
	f := newFixture(t, withLog(&logs))
	first := *f.createDist("dup").Distribution.Id
	badS3 := strings.ReplaceAll(cliConfig, "<DomainName>example-bucket.s3.amazonaws.com</DomainName>", "<DomainName>https://example.org</DomainName>")
	tests := []struct {
		name, body, code, msg, detail string
		status                        int
	}{
		{"reused caller reference", strings.Replace(cliConfig, "cli-1795355567-931817", "dup", 1), "DistributionAlreadyExists",
			"<Message>The caller reference that you are using to create a distribution is associated with another distribution. Already exists: " + first + "</Message>", "", 409},
		{"unknown target origin", strings.Replace(cliConfig, "<TargetOriginId>example-bucket.s3.amazonaws.com-1795355567-892926</TargetOriginId>", "<TargetOriginId>nope</TargetOriginId>", 1),
			"NoSuchOrigin", "<Message>One or more of your origins or origin groups do not exist.</Message>", "names no origin", 404},
		{"S3 origin not an S3 endpoint", badS3, "InvalidArgument",
			"<Message>The parameter Origin DomainName does not refer to a valid S3 bucket.</Message>", "https://example.org", 400},
		{"wrong root", "<InvalidationBatch/>", "MalformedXML",
			"<Message>The XML you provided was not well-formed or did not validate against our published schema.</Message>", "want <DistributionConfig>", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.do("POST", "/2020-05-31/distribution", strings.NewReader(tt.body))
			wantRawErr(t, resp, body, tt.code, tt.status, tt.msg)
			if tt.detail != "" && !strings.Contains(logs.String(), tt.detail) {
				t.Errorf("log lacks the detail %q:\n%s", tt.detail, logs.String())
			}
		})
	}
}
