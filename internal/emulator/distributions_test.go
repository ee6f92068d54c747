package emulator_test

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/internal/emulator"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// cliConfig is the body `aws cloudfront create-distribution
// --origin-domain-name example-bucket.s3.amazonaws.com` sends (captured).
const cliConfig = `<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>cli-1795355567-931817</CallerReference><Origins><Quantity>1</Quantity><Items><Origin><Id>example-bucket.s3.amazonaws.com-1795355567-892926</Id><DomainName>example-bucket.s3.amazonaws.com</DomainName><OriginPath /><S3OriginConfig><OriginAccessIdentity /></S3OriginConfig></Origin></Items></Origins><DefaultCacheBehavior><TargetOriginId>example-bucket.s3.amazonaws.com-1795355567-892926</TargetOriginId><ForwardedValues><QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues><TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><MinTTL>0</MinTTL></DefaultCacheBehavior><Enabled>true</Enabled><Comment /></DistributionConfig>`

// cliConfigOut is cliConfig as the emulator stores and renders it: the
// elements the CLI sent, in its order, with empty elements written as
// start+end tags, plus the members CloudFront fills in when a config omits
// them (see withDefaults), each after its predecessor in the model's order.
var cliConfigOut = strings.NewReplacer(
	"<OriginPath />", "<OriginPath></OriginPath><CustomHeaders><Quantity>0</Quantity></CustomHeaders>",
	"<OriginAccessIdentity />", "<OriginAccessIdentity></OriginAccessIdentity>",
	"</S3OriginConfig>", "</S3OriginConfig><ConnectionAttempts>3</ConnectionAttempts><ConnectionTimeout>10</ConnectionTimeout><OriginShield><Enabled>false</Enabled></OriginShield><OriginAccessControlId></OriginAccessControlId>",
	"</TrustedSigners>", "</TrustedSigners><TrustedKeyGroups><Enabled>false</Enabled><Quantity>0</Quantity></TrustedKeyGroups>",
	"</ViewerProtocolPolicy>", "</ViewerProtocolPolicy><AllowedMethods><Quantity>2</Quantity><Items><Method>HEAD</Method><Method>GET</Method></Items><CachedMethods><Quantity>2</Quantity><Items><Method>HEAD</Method><Method>GET</Method></Items></CachedMethods></AllowedMethods>"+
		"<SmoothStreaming>false</SmoothStreaming><Compress>false</Compress><LambdaFunctionAssociations><Quantity>0</Quantity></LambdaFunctionAssociations><FunctionAssociations><Quantity>0</Quantity></FunctionAssociations><FieldLevelEncryptionId></FieldLevelEncryptionId>",
	"</MinTTL>", "</MinTTL><DefaultTTL>86400</DefaultTTL><MaxTTL>31536000</MaxTTL>",
	"<Comment />", "<Comment></Comment>",
	"</CallerReference>", "</CallerReference><Aliases><Quantity>0</Quantity></Aliases><DefaultRootObject></DefaultRootObject>",
	"</Origins>", "</Origins><OriginGroups><Quantity>0</Quantity></OriginGroups>",
	"</DefaultCacheBehavior>", "</DefaultCacheBehavior><CacheBehaviors><Quantity>0</Quantity></CacheBehaviors><CustomErrorResponses><Quantity>0</Quantity></CustomErrorResponses>",
	"</DistributionConfig>", "<Logging><Enabled>false</Enabled><IncludeCookies>false</IncludeCookies><Bucket></Bucket><Prefix></Prefix></Logging>"+
		"<PriceClass>PriceClass_All</PriceClass>"+
		"<ViewerCertificate><CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate><SSLSupportMethod>vip</SSLSupportMethod><MinimumProtocolVersion>TLSv1</MinimumProtocolVersion><CertificateSource>cloudfront</CertificateSource></ViewerCertificate>"+
		"<Restrictions><GeoRestriction><RestrictionType>none</RestrictionType><Quantity>0</Quantity></GeoRestriction></Restrictions>"+
		"<WebACLId></WebACLId><HttpVersion>http2</HttpVersion><IsIPV6Enabled>false</IsIPV6Enabled><ContinuousDeploymentPolicyId></ContinuousDeploymentPolicyId><Staging>false</Staging></DistributionConfig>",
).Replace(cliConfig)

var (
	distIDPattern = regexp.MustCompile(`^E[A-Z0-9]{13}$`)
	domainPattern = regexp.MustCompile(`^d[a-z0-9]{13}\.cloudfront\.net$`)
	etagPattern   = regexp.MustCompile(`^[A-Z0-9]{13,14}$`)
)

func TestCreateDistributionFromCLIBody(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do("POST", "/2020-05-31/distribution", strings.NewReader(cliConfig))
	if resp.StatusCode != 201 {
		t.Fatalf("got %d %s, want 201", resp.StatusCode, body)
	}
	id := between(body, "<Id>", "</Id>")
	if !distIDPattern.MatchString(id) {
		t.Errorf("Id %q, want E + 13 of [A-Z0-9]", id)
	}
	if dn := between(body, "<DomainName>", "</DomainName>"); !domainPattern.MatchString(dn) {
		t.Errorf("DomainName %q, want d + 13 of [a-z0-9] + .cloudfront.net", dn)
	}
	if arn := between(body, "<ARN>", "</ARN>"); arn != "arn:aws:cloudfront::123456789012:distribution/"+id {
		t.Errorf("ARN = %q", arn)
	}
	if loc := resp.Header.Get("Location"); loc != f.srv.URL+"/2020-05-31/distribution/"+id {
		t.Errorf("Location = %q", loc)
	}
	etag := resp.Header.Get("ETag")
	if !etagPattern.MatchString(etag) {
		t.Errorf("ETag = %q", etag)
	}
	wantConfig := strings.Replace(cliConfigOut, ` xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"`, "", 1)
	if !strings.Contains(body, wantConfig) {
		t.Errorf("CreateDistribution does not return the config as sent plus CloudFront's defaults:\n got %s\nwant %s", body, wantConfig)
	}
	if !strings.Contains(body, "<Status>InProgress</Status>") || !strings.Contains(body, "<InProgressInvalidationBatches>0</InProgressInvalidationBatches>") {
		t.Errorf("missing Status/InProgressInvalidationBatches: %s", body)
	}

	resp, got := f.do("GET", "/2020-05-31/distribution/"+id+"/config", nil)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != etag {
		t.Fatalf("GetDistributionConfig: %d, ETag %q (want %q)", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}
	if want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + cliConfigOut; got != want {
		t.Errorf("GetDistributionConfig not as sent plus CloudFront's defaults:\n got %s\nwant %s", got, want)
	}

	// Deployed once the delay has passed, through the SDK this time.
	f.clock.Advance(delay)
	out, err := f.cf.GetDistribution(t.Context(), &cloudfront.GetDistributionInput{Id: &id})
	if err != nil {
		t.Fatalf("GetDistribution: %v", err)
	}
	if *out.Distribution.Status != "Deployed" || *out.ETag != etag {
		t.Errorf("GetDistribution: Status %q, ETag %q; want Deployed, %q", *out.Distribution.Status, *out.ETag, etag)
	}
	cfg := out.Distribution.DistributionConfig
	if *cfg.Origins.Items[0].Id != "example-bucket.s3.amazonaws.com-1795355567-892926" || cfg.DefaultCacheBehavior.TrustedSigners == nil || *cfg.DefaultCacheBehavior.TrustedSigners.Quantity != 0 {
		t.Errorf("config through the SDK lost fields: %+v", cfg)
	}
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

func TestDistributionSDKRoundTrip(t *testing.T) {
	f := newFixture(t)
	created := f.createDist("sdk-1")
	id := *created.Distribution.Id
	cfgOut, err := f.cf.GetDistributionConfig(t.Context(), &cloudfront.GetDistributionConfigInput{Id: &id})
	if err != nil {
		t.Fatalf("GetDistributionConfig: %v", err)
	}
	c := cfgOut.DistributionConfig
	if *c.CallerReference != "sdk-1" || *c.DefaultCacheBehavior.CachePolicyId != "658327ea-f89d-4fab-a63d-7e88639e58f6" || *c.Comment != "test distribution" {
		t.Errorf("config round trip lost fields: %+v", c)
	}

	// Update: disable, with the current ETag.
	c.Enabled = aws.Bool(false)
	c.Comment = aws.String("disabled")
	up, err := f.cf.UpdateDistribution(t.Context(), &cloudfront.UpdateDistributionInput{Id: &id, IfMatch: cfgOut.ETag, DistributionConfig: c})
	if err != nil {
		t.Fatalf("UpdateDistribution: %v", err)
	}
	if *up.ETag == *cfgOut.ETag || !etagPattern.MatchString(*up.ETag) {
		t.Errorf("ETag after update = %q (before %q), want a new one", *up.ETag, *cfgOut.ETag)
	}
	if *up.Distribution.DistributionConfig.Comment != "disabled" || *up.Distribution.Status != "InProgress" {
		t.Errorf("update result: Comment %q, Status %q", *up.Distribution.DistributionConfig.Comment, *up.Distribution.Status)
	}

	// Stale ETag.
	_, err = f.cf.UpdateDistribution(t.Context(), &cloudfront.UpdateDistributionInput{Id: &id, IfMatch: cfgOut.ETag, DistributionConfig: c})
	wantAPIErr(t, err, "PreconditionFailed", 412)
	_, err = f.cf.DeleteDistribution(t.Context(), &cloudfront.DeleteDistributionInput{Id: &id, IfMatch: cfgOut.ETag})
	wantAPIErr(t, err, "PreconditionFailed", 412)

	// Changing the CallerReference is refused.
	c.CallerReference = aws.String("other")
	_, err = f.cf.UpdateDistribution(t.Context(), &cloudfront.UpdateDistributionInput{Id: &id, IfMatch: up.ETag, DistributionConfig: c})
	wantAPIErr(t, err, "InvalidArgument", 400)

	if _, err := f.cf.DeleteDistribution(t.Context(), &cloudfront.DeleteDistributionInput{Id: &id, IfMatch: up.ETag}); err != nil {
		t.Fatalf("DeleteDistribution: %v", err)
	}
	_, err = f.cf.GetDistribution(t.Context(), &cloudfront.GetDistributionInput{Id: &id})
	wantAPIErr(t, err, "NoSuchDistribution", 404)
}

func TestDistributionErrors(t *testing.T) {
	f := newFixture(t)
	enabled := f.createDist("enabled")
	id := *enabled.Distribution.Id

	_, err := f.cf.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: sdkConfig("enabled")})
	wantAPIErr(t, err, "DistributionAlreadyExists", 409)

	_, err = f.cf.DeleteDistribution(t.Context(), &cloudfront.DeleteDistributionInput{Id: &id, IfMatch: enabled.ETag})
	wantAPIErr(t, err, "DistributionNotDisabled", 409)

	for _, op := range []func() error{
		func() error {
			_, err := f.cf.GetDistribution(t.Context(), &cloudfront.GetDistributionInput{Id: aws.String("ENOSUCH")})
			return err
		},
		func() error {
			_, err := f.cf.GetDistributionConfig(t.Context(), &cloudfront.GetDistributionConfigInput{Id: aws.String("ENOSUCH")})
			return err
		},
		func() error {
			_, err := f.cf.UpdateDistribution(t.Context(), &cloudfront.UpdateDistributionInput{Id: aws.String("ENOSUCH"), IfMatch: aws.String("X"), DistributionConfig: sdkConfig("x")})
			return err
		},
		func() error {
			_, err := f.cf.DeleteDistribution(t.Context(), &cloudfront.DeleteDistributionInput{Id: aws.String("ENOSUCH"), IfMatch: aws.String("X")})
			return err
		},
	} {
		wantAPIErr(t, op(), "NoSuchDistribution", 404)
	}

	bad := sdkConfig("no-origin")
	bad.DefaultCacheBehavior.TargetOriginId = aws.String("missing")
	_, err = f.cf.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: bad})
	wantAPIErr(t, err, "NoSuchOrigin", 404)

	inconsistent := sdkConfig("inconsistent")
	inconsistent.Origins.Quantity = aws.Int32(2)
	_, err = f.cf.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: inconsistent})
	wantAPIErr(t, err, "InconsistentQuantities", 400)

	aliases := sdkConfig("aliases")
	aliases.Aliases = &types.Aliases{Quantity: aws.Int32(0), Items: []string{"www.example.com"}}
	_, err = f.cf.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: aliases})
	wantAPIErr(t, err, "InconsistentQuantities", 400)

	// Missing If-Match cannot be sent through the SDK's validation.
	path := "/2020-05-31/distribution/" + id
	resp, body := f.do("DELETE", path, nil)
	wantRawErr(t, resp, body, "InvalidIfMatchVersion", 400, "If-Match")
	resp, body = f.do("PUT", path+"/config", strings.NewReader(cliConfig))
	wantRawErr(t, resp, body, "InvalidIfMatchVersion", 400, "If-Match")
}

func TestDistributionConfigValidation(t *testing.T) {
	f := newFixture(t)
	replace := func(old, new string) string { return strings.Replace(cliConfig, old, new, 1) }
	errorResponse := func(inner string) string {
		return replace("<Enabled>true</Enabled>", "<CustomErrorResponses><Quantity>1</Quantity><Items><CustomErrorResponse>"+inner+"</CustomErrorResponse></Items></CustomErrorResponses><Enabled>true</Enabled>")
	}
	tests := []struct {
		name, body, code, msg string
		status                int
	}{
		{"empty body", "", "MissingBody", "requires a body", 400},
		{"wrong root", "<InvalidationBatch/>", "MalformedXML", "did not validate against our published schema.", 400},
		{"no caller reference", replace("<CallerReference>cli-1795355567-931817</CallerReference>", ""), "InvalidArgument", "CallerReference is required", 400},
		{"no comment", replace("<Comment />", ""), "InvalidArgument", "Comment is required", 400},
		{"no enabled", replace("<Enabled>true</Enabled><Comment />", "<Comment />"), "InvalidArgument", "Enabled is required", 400},
		{"bad enabled", replace("<Enabled>true</Enabled>", "<Enabled>yes</Enabled>"), "InvalidArgument", "true or false", 400},
		{"no origins", replace("<Origins><Quantity>1</Quantity>", "<Origins><Quantity>0</Quantity>"), "InconsistentQuantities", "Origins (0)", 400},
		{"no origin items", replace("<Origins>", "<X>"), "MalformedXML", "", 400},
		{"origin without domain", replace("<DomainName>example-bucket.s3.amazonaws.com</DomainName>", ""), "InvalidArgument", "DomainName is required", 400},
		{"origin without id", replace("<Id>example-bucket.s3.amazonaws.com-1795355567-892926</Id>", ""), "InvalidArgument", "Id is required", 400},
		{"no target", replace("<TargetOriginId>example-bucket.s3.amazonaws.com-1795355567-892926</TargetOriginId>", ""), "InvalidArgument", "TargetOriginId is required", 400},
		{"no viewer policy", replace("<ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy>", ""), "InvalidArgument", "ViewerProtocolPolicy is required", 400},
		{"bad viewer policy", replace(">allow-all<", ">sometimes<"), "InvalidArgument", "ViewerProtocolPolicy", 400},
		{"error code not cached by CloudFront", errorResponse("<ErrorCode>418</ErrorCode>"), "InvalidErrorCode", "<Message>An invalid error code was specified.</Message>", 400},
		{"response code", errorResponse("<ErrorCode>404</ErrorCode><ResponsePagePath>/i.html</ResponsePagePath><ResponseCode>302</ResponseCode>"), "InvalidResponseCode", "<Message>A response code is not valid.</Message>", 400},
		{"relative page path", errorResponse("<ErrorCode>404</ErrorCode><ResponsePagePath>index.html</ResponsePagePath><ResponseCode>200</ResponseCode>"), "InvalidRelativePath", "does not begin with a slash", 400},
		{"response code without page", errorResponse("<ErrorCode>404</ErrorCode><ResponseCode>200</ResponseCode>"), "InvalidArgument", "needs a page", 400},
		{"trusted signers quantity", replace("<Enabled>false</Enabled><Quantity>0</Quantity>", "<Enabled>false</Enabled><Quantity>2</Quantity>"), "InconsistentQuantities", "TrustedSigners (2)", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "no origin items" {
				tt.body = strings.Replace(strings.Replace(cliConfig, "<Origins>", "<X>", 1), "</Origins>", "</X>", 1)
				tt.code, tt.msg = "InvalidArgument", "Origins.Items is required"
			}
			resp, body := f.do("POST", "/2020-05-31/distribution", strings.NewReader(tt.body))
			wantRawErr(t, resp, body, tt.code, tt.status, tt.msg)
		})
	}
}

func TestListDistributions(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for _, ref := range []string{"a", "b", "c", "d", "e"} {
		ids = append(ids, *f.createDist(ref).Distribution.Id)
	}
	var got []string
	p := cloudfront.NewListDistributionsPaginator(f.cf, &cloudfront.ListDistributionsInput{MaxItems: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListDistributions: %v", err)
		}
		pages++
		l := out.DistributionList
		if int(*l.Quantity) != len(l.Items) || *l.MaxItems != 2 {
			t.Errorf("page %d: Quantity %d for %d items, MaxItems %d", pages, *l.Quantity, len(l.Items), *l.MaxItems)
		}
		for _, s := range l.Items {
			got = append(got, *s.Id)
			if s.Aliases == nil || s.Restrictions == nil || s.ViewerCertificate == nil || s.PriceClass == "" || s.HttpVersion == "" || s.Staging == nil || s.IsIPV6Enabled == nil || s.WebACLId == nil {
				t.Errorf("summary %s lacks required members: %+v", *s.Id, s)
			}
		}
	}
	if pages != 3 || strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Errorf("pages %d, ids %v; want 3 pages, creation order %v", pages, got, ids)
	}

	resp, body := f.do("GET", "/2020-05-31/distribution?MaxItems=2&Marker="+ids[3], nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "<Marker>"+ids[3]+"</Marker><MaxItems>2</MaxItems><IsTruncated>false</IsTruncated><Quantity>1</Quantity>") || strings.Contains(body, "NextMarker") {
		t.Errorf("last page: %d %s", resp.StatusCode, body)
	}
	// All 19 members the model requires, in order.
	members := []string{"Id", "ARN", "Status", "LastModifiedTime", "DomainName", "Aliases", "Origins", "DefaultCacheBehavior", "CacheBehaviors",
		"CustomErrorResponses", "Comment", "PriceClass", "Enabled", "ViewerCertificate", "Restrictions", "WebACLId", "HttpVersion", "IsIPV6Enabled", "Staging"}
	last := 0
	for _, m := range members {
		// Nested members (an origin's Enabled, say) come earlier; look
		// for each summary member after the previous one.
		i := strings.Index(body[last:], "<"+m+">")
		if i >= 0 {
			i += last
		}
		if i < last {
			t.Errorf("summary member %s missing or out of order in %s", m, body)
			break
		}
		last = i
	}

	_, err := f.cf.ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{Marker: aws.String("ENOSUCH")})
	wantAPIErr(t, err, "InvalidArgument", 400)
	_, err = f.cf.ListDistributions(t.Context(), &cloudfront.ListDistributionsInput{MaxItems: aws.Int32(1001)})
	wantAPIErr(t, err, "InvalidArgument", 400)
}

func TestNotImplemented(t *testing.T) {
	f := newFixture(t)
	tests := []struct{ method, path, op string }{
		{"POST", "/2020-05-31/distribution-tenants-by-customization", "ListDistributionTenantsByCustomization"},
		{"PUT", "/2020-05-31/distribution-tenant/DT1/associate-web-acl", "AssociateDistributionTenantWebACL"},
		{"POST", "/2020-05-31/streaming-distribution?WithTags", "CreateStreamingDistributionWithTags"},
		{"GET", "/2020-05-31/streaming-distribution", "ListStreamingDistributions"},
		{"POST", "/2020-05-31/tagging?Operation=Retag&Resource=arn", ""},
		{"GET", "/2020-05-31/vpc-origin/abc", "GetVpcOrigin"},
		{"GET", "/2020-05-31/managed-certificate/abc", "GetManagedCertificateDetails"},
		{"PATCH", "/2020-05-31/distribution", ""},
		{"GET", "/nothing/here", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := f.do(tt.method, tt.path, strings.NewReader("<x/>"))
			wantRawErr(t, resp, body, "NotImplemented", 501, tt.op)
		})
	}
	_, err := f.cf.ListDistributionsByWebACLId(t.Context(), &cloudfront.ListDistributionsByWebACLIdInput{WebACLId: aws.String("w")})
	wantAPIErr(t, err, "NotImplemented", 501)
}

// codedErr mimics *sigv4.Error.
type codedErr struct{ code string }

func (e codedErr) Error() string     { return "signature check failed: " + e.code }
func (e codedErr) ErrorCode() string { return e.code }
func (e codedErr) HTTPStatus() int   { return 403 }

type authFunc func(r *http.Request, body []byte) error

func (f authFunc) Authenticate(r *http.Request, body []byte) error { return f(r, body) }

func TestAuthenticator(t *testing.T) {
	var seenBody []byte
	var result error
	f := newFixture(t, func(o *emulator.Options) {
		o.Auth = authFunc(func(r *http.Request, body []byte) error {
			seenBody = body
			if r.Header.Get("Authorization") == "" {
				return codedErr{"MissingAuthenticationToken"}
			}
			return result
		})
	})
	dist := *f.createDist("d").Distribution.Id
	f.mustInvalidate(dist, "r", "/a")
	if !bytes.Contains(seenBody, []byte("<Path>/a</Path>")) {
		t.Errorf("Authenticate did not get the body: %q", seenBody)
	}
	result = codedErr{"SignatureDoesNotMatch"}
	_, err := f.invalidate(dist, "r2", "/a")
	wantAPIErr(t, err, "SignatureDoesNotMatch", 403)
	result = errors.New("nope")
	_, err = f.invalidate(dist, "r3", "/a")
	wantAPIErr(t, err, "AccessDenied", 403)
	resp, body := f.do("GET", "/2020-05-31/distribution", nil)
	wantRawErr(t, resp, body, "MissingAuthenticationToken", 403, "")
	// Authentication comes before routing: no operation is revealed.
	resp, body = f.do("GET", "/2020-05-31/cache-policy", nil)
	wantRawErr(t, resp, body, "MissingAuthenticationToken", 403, "")
}

func TestRequestLog(t *testing.T) {
	var buf bytes.Buffer
	f := newFixture(t, func(o *emulator.Options) { o.Logger = slog.New(slog.NewTextHandler(&buf, nil)) })
	f.do("GET", "/2020-05-31/distribution/ENOSUCH", nil, "Authorization", "AWS4-HMAC-SHA256 Credential=AKIDSECRETLOOKING/x, Signature=deadbeef")
	line := buf.String()
	for _, want := range []string{"method=GET", "path=/2020-05-31/distribution/ENOSUCH", "status=404", "code=NoSuchDistribution", "duration=", "request_id="} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %q: %s", want, line)
		}
	}
	if strings.Contains(line, "deadbeef") || strings.Contains(line, "AKIDSECRETLOOKING") {
		t.Errorf("log line leaks the Authorization header: %s", line)
	}
	if n := strings.Count(line, "\n"); n != 1 {
		t.Errorf("got %d log lines, want 1", n)
	}
}

// ids matches generated identifiers so golden files are stable.
var ids = regexp.MustCompile(`\b(E[A-Z0-9]{13}|I[A-Z0-9]{13}|d[a-z0-9]{13}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b`)

func golden(t *testing.T, name, got string) {
	t.Helper()
	got = ids.ReplaceAllStringFunc(got, func(s string) string {
		if strings.Contains(s, "-") {
			return "UUID" // also one that starts with 'd'
		}
		switch s[0] {
		case 'E':
			return "E_ID"
		case 'I':
			return "I_ID"
		case 'd':
			return "D_DOMAIN"
		}
		return "UUID"
	})
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden:\n got %s\nwant %s", name, got, want)
	}
}

func TestGolden(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do("POST", "/2020-05-31/distribution", strings.NewReader(cliConfig))
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	golden(t, "create-distribution.xml", body)
	dist := between(body, "<Id>", "</Id>")
	_, body = f.do("POST", "/2020-05-31/distribution/"+dist+"/invalidation", strings.NewReader(
		`<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>cli-1795355573-873377</CallerReference><Paths><Quantity>2</Quantity><Items><Path>/index.html</Path><Path>/img/*</Path></Items></Paths></InvalidationBatch>`))
	golden(t, "create-invalidation.xml", body)
	_, body = f.do("GET", "/2020-05-31/distribution/"+dist+"/invalidation?MaxItems=1", nil)
	golden(t, "list-invalidations.xml", body)
	_, body = f.do("GET", "/2020-05-31/distribution/"+dist+"/invalidation/INOSUCH", nil)
	golden(t, "error-no-such-invalidation.xml", body)
	_, body = f.do("GET", "/2020-05-31/distribution", nil)
	golden(t, "list-distributions.xml", body)
}
