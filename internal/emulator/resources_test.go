package emulator_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfinv/cfinv/test/harness"
)

func oacConfig(name string) *types.OriginAccessControlConfig {
	return &types.OriginAccessControlConfig{
		Name:                          aws.String(name),
		OriginAccessControlOriginType: types.OriginAccessControlOriginTypesS3,
		SigningBehavior:               types.OriginAccessControlSigningBehaviorsAlways,
		SigningProtocol:               types.OriginAccessControlSigningProtocolsSigv4,
	}
}

// TestOriginAccessControls drives the six operations through the real
// SDK, with CloudFront's ETag rules, errors and the in-use check.
func TestOriginAccessControls(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	created, err := f.cf.CreateOriginAccessControl(ctx, &cloudfront.CreateOriginAccessControlInput{OriginAccessControlConfig: oacConfig("site")})
	if err != nil {
		t.Fatal(err)
	}
	id := *created.OriginAccessControl.Id
	if !distIDPattern.MatchString(id) || !etagPattern.MatchString(*created.ETag) || *created.Location != f.srv.URL+"/2020-05-31/origin-access-control/"+id {
		t.Errorf("Id %q, ETag %q, Location %q", id, *created.ETag, *created.Location)
	}
	if d := created.OriginAccessControl.OriginAccessControlConfig.Description; d == nil || *d != "" {
		t.Errorf("Description = %v, want the empty default", d)
	}
	_, err = f.cf.CreateOriginAccessControl(ctx, &cloudfront.CreateOriginAccessControlInput{OriginAccessControlConfig: oacConfig("site")})
	wantAPIErr(t, err, "OriginAccessControlAlreadyExists", 409)

	got, err := f.cf.GetOriginAccessControl(ctx, &cloudfront.GetOriginAccessControlInput{Id: &id})
	if err != nil || *got.ETag != *created.ETag || *got.OriginAccessControl.OriginAccessControlConfig.Name != "site" {
		t.Fatalf("GetOriginAccessControl = %+v, %v", got, err)
	}
	cfg, err := f.cf.GetOriginAccessControlConfig(ctx, &cloudfront.GetOriginAccessControlConfigInput{Id: &id})
	if err != nil || cfg.OriginAccessControlConfig.SigningBehavior != types.OriginAccessControlSigningBehaviorsAlways {
		t.Fatalf("GetOriginAccessControlConfig = %+v, %v", cfg, err)
	}
	list, err := f.cf.ListOriginAccessControls(ctx, &cloudfront.ListOriginAccessControlsInput{})
	if err != nil || *list.OriginAccessControlList.Quantity != 1 || *list.OriginAccessControlList.Items[0].Id != id {
		t.Fatalf("ListOriginAccessControls = %+v, %v", list, err)
	}

	tests := []struct {
		name, ifMatch, code string
		status              int
	}{
		{"no If-Match", "", "InvalidIfMatchVersion", 400},
		{"stale If-Match", "ESTALE", "PreconditionFailed", 412},
	}
	for _, tt := range tests {
		t.Run("update "+tt.name, func(t *testing.T) {
			in := &cloudfront.UpdateOriginAccessControlInput{Id: &id, OriginAccessControlConfig: oacConfig("site2")}
			if tt.ifMatch != "" {
				in.IfMatch = aws.String(tt.ifMatch)
			}
			_, err := f.cf.UpdateOriginAccessControl(ctx, in)
			wantAPIErr(t, err, tt.code, tt.status)
		})
		t.Run("delete "+tt.name, func(t *testing.T) {
			in := &cloudfront.DeleteOriginAccessControlInput{Id: &id}
			if tt.ifMatch != "" {
				in.IfMatch = aws.String(tt.ifMatch)
			}
			_, err := f.cf.DeleteOriginAccessControl(ctx, in)
			wantAPIErr(t, err, tt.code, tt.status)
		})
	}
	up, err := f.cf.UpdateOriginAccessControl(ctx, &cloudfront.UpdateOriginAccessControlInput{Id: &id, IfMatch: created.ETag, OriginAccessControlConfig: oacConfig("site2")})
	if err != nil || *up.ETag == *created.ETag || *up.OriginAccessControl.OriginAccessControlConfig.Name != "site2" {
		t.Fatalf("UpdateOriginAccessControl = %+v, %v", up, err)
	}
	_, err = f.cf.GetOriginAccessControl(ctx, &cloudfront.GetOriginAccessControlInput{Id: aws.String("ENOPE")})
	wantAPIErr(t, err, "NoSuchOriginAccessControl", 404)

	// A distribution's origin names it: unknown IDs and OAC+OAI are refused.
	withOAC := func(ref, oac, oai string) *types.DistributionConfig {
		c := sdkConfig(ref)
		c.Origins.Items[0].OriginAccessControlId = aws.String(oac)
		c.Origins.Items[0].S3OriginConfig.OriginAccessIdentity = aws.String(oai)
		return c
	}
	_, err = f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: withOAC("bad-oac", "ENOPE", "")})
	wantAPIErr(t, err, "InvalidOriginAccessControl", 400)
	_, err = f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: withOAC("both", id, "origin-access-identity/cloudfront/E1")})
	wantAPIErr(t, err, "IllegalOriginAccessConfiguration", 400)
	dist, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: withOAC("uses-oac", id, "")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.cf.DeleteOriginAccessControl(ctx, &cloudfront.DeleteOriginAccessControlInput{Id: &id, IfMatch: up.ETag})
	wantAPIErr(t, err, "OriginAccessControlInUse", 409)

	// Once no distribution uses it, it can go.
	c := sdkConfig("uses-oac")
	if _, err := f.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: dist.Distribution.Id, IfMatch: dist.ETag, DistributionConfig: c}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cf.DeleteOriginAccessControl(ctx, &cloudfront.DeleteOriginAccessControlInput{Id: &id, IfMatch: up.ETag}); err != nil {
		t.Fatalf("DeleteOriginAccessControl: %v", err)
	}
	_, err = f.cf.GetOriginAccessControlConfig(ctx, &cloudfront.GetOriginAccessControlConfigInput{Id: &id})
	wantAPIErr(t, err, "NoSuchOriginAccessControl", 404)
}

// TestResourceValidation checks the model's rules on each kind's config:
// required members, enum values, quantities, the kinds' own limits.
func TestResourceValidation(t *testing.T) {
	f := newFixture(t)
	const oac = `<OriginAccessControlConfig><Name>n</Name><SigningProtocol>sigv4</SigningProtocol><SigningBehavior>always</SigningBehavior><OriginAccessControlOriginType>s3</OriginAccessControlOriginType></OriginAccessControlConfig>`
	tests := []struct {
		name, path, body, code string
		status                 int
	}{
		{"oac ok", "origin-access-control", oac, "", 201},
		{"oac missing member", "origin-access-control", `<OriginAccessControlConfig><Name>m</Name><SigningProtocol>sigv4</SigningProtocol><SigningBehavior>always</SigningBehavior></OriginAccessControlConfig>`, "InvalidArgument", 400},
		{"oac bad enum", "origin-access-control", `<OriginAccessControlConfig><Name>m</Name><SigningProtocol>sigv2</SigningProtocol><SigningBehavior>always</SigningBehavior><OriginAccessControlOriginType>s3</OriginAccessControlOriginType></OriginAccessControlConfig>`, "InvalidArgument", 400},
		{"oac unknown element", "origin-access-control", `<OriginAccessControlConfig><Name>m</Name><Bogus/></OriginAccessControlConfig>`, "MalformedXML", 400},
		{"oac wrong root", "origin-access-control", `<CachePolicyConfig/>`, "MalformedXML", 400},
		{"oac no body", "origin-access-control", ``, "MissingBody", 400},
		{"cache policy TTL order", "cache-policy", cachePolicyXML("ttl", 100, 10, 1000, ""), "InvalidArgument", 400},
		{"cache policy quantity", "cache-policy", `<CachePolicyConfig><Name>q</Name><MinTTL>0</MinTTL><ParametersInCacheKeyAndForwardedToOrigin><EnableAcceptEncodingGzip>false</EnableAcceptEncodingGzip><HeadersConfig><HeaderBehavior>whitelist</HeaderBehavior><Headers><Quantity>2</Quantity><Items><Name>a</Name></Items></Headers></HeadersConfig><CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig><QueryStringsConfig><QueryStringBehavior>none</QueryStringBehavior></QueryStringsConfig></ParametersInCacheKeyAndForwardedToOrigin></CachePolicyConfig>`, "InconsistentQuantities", 400},
		{"cache policy not a number", "cache-policy", cachePolicyXML("nan", 0, 0, 0, "<Comment>x</Comment>") + "", "", 201},
		{"cache policy managed name", "cache-policy", cachePolicyXML("Managed-CachingOptimized", 0, 0, 0, ""), "CachePolicyAlreadyExists", 409},
		{"origin request policy ok", "origin-request-policy", `<OriginRequestPolicyConfig><Name>o</Name><HeadersConfig><HeaderBehavior>allViewer</HeaderBehavior></HeadersConfig><CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig><QueryStringsConfig><QueryStringBehavior>all</QueryStringBehavior></QueryStringsConfig></OriginRequestPolicyConfig>`, "", 201},
		{"origin request policy missing", "origin-request-policy", `<OriginRequestPolicyConfig><Name>o2</Name></OriginRequestPolicyConfig>`, "InvalidArgument", 400},
		{"response headers policy bool", "response-headers-policy", `<ResponseHeadersPolicyConfig><Name>r</Name><CustomHeadersConfig><Quantity>1</Quantity><Items><ResponseHeadersPolicyCustomHeader><Header>X</Header><Value>v</Value><Override>maybe</Override></ResponseHeadersPolicyCustomHeader></Items></CustomHeadersConfig></ResponseHeadersPolicyConfig>`, "MalformedXML", 400},
		{"public key not PEM", "public-key", `<PublicKeyConfig><CallerReference>c</CallerReference><Name>k</Name><EncodedKey>https://example.org</EncodedKey></PublicKeyConfig>`, "InvalidArgument", 400},
		{"public key not RSA", "public-key", publicKeyXML("ec", ecdsaPEM(t)), "InvalidArgument", 400},
		{"key group unknown key", "key-group", `<KeyGroupConfig><Name>g</Name><Items><PublicKey>KNOPE</PublicKey></Items></KeyGroupConfig>`, "InvalidArgument", 400},
		{"key group no keys", "key-group", `<KeyGroupConfig><Name>g</Name><Items></Items></KeyGroupConfig>`, "InvalidArgument", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.do("POST", "/2020-05-31/"+tt.path, stringsReader(tt.body))
			if tt.code == "" {
				if resp.StatusCode != tt.status {
					t.Fatalf("got %d %s, want %d", resp.StatusCode, body, tt.status)
				}
				return
			}
			wantRawErr(t, resp, body, tt.code, tt.status, "")
		})
	}
}

func cachePolicyXML(name string, min, def, max int64, extra string) string {
	ttl := ""
	if def != 0 || max != 0 {
		ttl = "<DefaultTTL>" + itoa(def) + "</DefaultTTL><MaxTTL>" + itoa(max) + "</MaxTTL>"
	}
	return `<CachePolicyConfig>` + extra + `<Name>` + name + `</Name>` + ttl + `<MinTTL>` + itoa(min) + `</MinTTL><ParametersInCacheKeyAndForwardedToOrigin><EnableAcceptEncodingGzip>true</EnableAcceptEncodingGzip><HeadersConfig><HeaderBehavior>none</HeaderBehavior></HeadersConfig><CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig><QueryStringsConfig><QueryStringBehavior>none</QueryStringBehavior></QueryStringsConfig></ParametersInCacheKeyAndForwardedToOrigin></CachePolicyConfig>`
}

func publicKeyXML(name, pemText string) string {
	return `<PublicKeyConfig><CallerReference>` + name + `</CallerReference><Name>` + name + `</Name><EncodedKey>` + pemText + `</EncodedKey></PublicKeyConfig>`
}

func rsaPEM(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func ecdsaPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// TestPolicies covers the three policy kinds: managed ones listed with
// their real IDs, custom CRUD, a distribution naming an unknown policy,
// and the in-use check.
func TestPolicies(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	managed, err := f.cf.ListCachePolicies(ctx, &cloudfront.ListCachePoliciesInput{Type: types.CachePolicyTypeManaged})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]types.CachePolicy{}
	for _, s := range managed.CachePolicyList.Items {
		if s.Type != types.CachePolicyTypeManaged {
			t.Errorf("managed list holds Type %s", s.Type)
		}
		byName[*s.CachePolicy.CachePolicyConfig.Name] = *s.CachePolicy
	}
	for name, id := range map[string]string{
		"Managed-CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
		"Managed-CachingDisabled":  "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
	} {
		if p, ok := byName[name]; !ok || *p.Id != id {
			t.Errorf("managed %s = %+v, want ID %s", name, p.Id, id)
		}
	}
	if p := byName["Managed-CachingOptimized"].CachePolicyConfig; *p.MinTTL != 1 || *p.DefaultTTL != 86400 || !*p.ParametersInCacheKeyAndForwardedToOrigin.EnableAcceptEncodingGzip {
		t.Errorf("CachingOptimized config = %+v", p)
	}
	orp, err := f.cf.ListOriginRequestPolicies(ctx, &cloudfront.ListOriginRequestPoliciesInput{Type: types.OriginRequestPolicyTypeManaged})
	if err != nil || *orp.OriginRequestPolicyList.Quantity != 8 {
		t.Errorf("managed origin request policies = %v, %v; want 8", orp, err)
	}
	rhp, err := f.cf.ListResponseHeadersPolicies(ctx, &cloudfront.ListResponseHeadersPoliciesInput{Type: types.ResponseHeadersPolicyTypeManaged})
	if err != nil || *rhp.ResponseHeadersPolicyList.Quantity != 5 {
		t.Errorf("managed response headers policies = %v, %v; want 5", rhp, err)
	}
	_, err = f.cf.DeleteCachePolicy(ctx, &cloudfront.DeleteCachePolicyInput{Id: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"), IfMatch: aws.String("x")})
	wantAPIErr(t, err, "IllegalDelete", 400)

	created, err := f.cf.CreateCachePolicy(ctx, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: &types.CachePolicyConfig{
		Name: aws.String("site"), MinTTL: aws.Int64(0),
		ParametersInCacheKeyAndForwardedToOrigin: &types.ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: aws.Bool(true),
			HeadersConfig:            &types.CachePolicyHeadersConfig{HeaderBehavior: types.CachePolicyHeaderBehaviorNone},
			CookiesConfig:            &types.CachePolicyCookiesConfig{CookieBehavior: types.CachePolicyCookieBehaviorNone},
			QueryStringsConfig: &types.CachePolicyQueryStringsConfig{QueryStringBehavior: types.CachePolicyQueryStringBehaviorWhitelist,
				QueryStrings: &types.QueryStringNames{Quantity: aws.Int32(1), Items: []string{"v"}}},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	id := *created.CachePolicy.Id
	if !uuidPattern.MatchString(id) || *created.CachePolicy.CachePolicyConfig.DefaultTTL != 86400 || *created.CachePolicy.CachePolicyConfig.MaxTTL != 31536000 {
		t.Errorf("created %s with TTLs %v/%v, want a UUID and 86400/31536000", id, created.CachePolicy.CachePolicyConfig.DefaultTTL, created.CachePolicy.CachePolicyConfig.MaxTTL)
	}
	custom, err := f.cf.ListCachePolicies(ctx, &cloudfront.ListCachePoliciesInput{Type: types.CachePolicyTypeCustom})
	if err != nil || *custom.CachePolicyList.Quantity != 1 || *custom.CachePolicyList.Items[0].CachePolicy.Id != id {
		t.Errorf("custom list = %+v, %v", custom, err)
	}

	c := sdkConfig("bad-policy")
	c.DefaultCacheBehavior.CachePolicyId = aws.String("00000000-0000-4000-8000-000000000000")
	_, err = f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
	wantAPIErr(t, err, "NoSuchCachePolicy", 404)
	c = sdkConfig("bad-rhp")
	c.DefaultCacheBehavior.ResponseHeadersPolicyId = aws.String("00000000-0000-4000-8000-000000000000")
	_, err = f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
	wantAPIErr(t, err, "NoSuchResponseHeadersPolicy", 404)
	c = sdkConfig("bad-orp")
	c.DefaultCacheBehavior.OriginRequestPolicyId = aws.String("00000000-0000-4000-8000-000000000000")
	_, err = f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
	wantAPIErr(t, err, "NoSuchOriginRequestPolicy", 404)

	c = sdkConfig("uses-policy")
	c.DefaultCacheBehavior.CachePolicyId = &id
	c.DefaultCacheBehavior.ResponseHeadersPolicyId = aws.String("67f7725c-6f97-4210-82d7-5512b31e9d03")
	if _, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c}); err != nil {
		t.Fatal(err)
	}
	_, err = f.cf.DeleteCachePolicy(ctx, &cloudfront.DeleteCachePolicyInput{Id: &id, IfMatch: created.ETag})
	wantAPIErr(t, err, "CachePolicyInUse", 409)

	cfg := created.CachePolicy.CachePolicyConfig
	cfg.Comment = aws.String("changed")
	up, err := f.cf.UpdateCachePolicy(ctx, &cloudfront.UpdateCachePolicyInput{Id: &id, IfMatch: created.ETag, CachePolicyConfig: cfg})
	if err != nil || *up.CachePolicy.CachePolicyConfig.Comment != "changed" || *up.ETag == *created.ETag {
		t.Fatalf("UpdateCachePolicy = %+v, %v", up, err)
	}
	_, err = f.cf.UpdateCachePolicy(ctx, &cloudfront.UpdateCachePolicyInput{Id: &id, IfMatch: created.ETag, CachePolicyConfig: cfg})
	wantAPIErr(t, err, "PreconditionFailed", 412)
	_, err = f.cf.GetCachePolicyConfig(ctx, &cloudfront.GetCachePolicyConfigInput{Id: aws.String("nope")})
	wantAPIErr(t, err, "NoSuchCachePolicy", 404)
}

// TestKeys covers public keys and key groups: PEM checks, PublicKeyInUse,
// TrustedKeyGroups on a behaviour and ResourceInUse.
func TestKeys(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	pk, err := f.cf.CreatePublicKey(ctx, &cloudfront.CreatePublicKeyInput{PublicKeyConfig: &types.PublicKeyConfig{
		CallerReference: aws.String("k1"), Name: aws.String("k1"), EncodedKey: aws.String(rsaPEM(t)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	keyID := *pk.PublicKey.Id
	if !regexp.MustCompile(`^K[A-Z0-9]{13}$`).MatchString(keyID) || pk.PublicKey.CreatedTime == nil {
		t.Errorf("public key Id %q, CreatedTime %v", keyID, pk.PublicKey.CreatedTime)
	}
	changed := *pk.PublicKey.PublicKeyConfig
	changed.EncodedKey = aws.String(rsaPEM(t))
	_, err = f.cf.UpdatePublicKey(ctx, &cloudfront.UpdatePublicKeyInput{Id: &keyID, IfMatch: pk.ETag, PublicKeyConfig: &changed})
	wantAPIErr(t, err, "CannotChangeImmutablePublicKeyFields", 400)

	kg, err := f.cf.CreateKeyGroup(ctx, &cloudfront.CreateKeyGroupInput{KeyGroupConfig: &types.KeyGroupConfig{Name: aws.String("g"), Items: []string{keyID}}})
	if err != nil {
		t.Fatal(err)
	}
	groupID := *kg.KeyGroup.Id
	_, err = f.cf.DeletePublicKey(ctx, &cloudfront.DeletePublicKeyInput{Id: &keyID, IfMatch: pk.ETag})
	wantAPIErr(t, err, "PublicKeyInUse", 409)

	signed := func(ref, group string) *types.DistributionConfig {
		c := sdkConfig(ref)
		c.DefaultCacheBehavior.TrustedKeyGroups = &types.TrustedKeyGroups{Enabled: aws.Bool(true), Quantity: aws.Int32(1), Items: []string{group}}
		return c
	}
	_, err = f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: signed("bad-group", "00000000-0000-4000-8000-000000000000")})
	wantAPIErr(t, err, "TrustedKeyGroupDoesNotExist", 400)
	if _, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: signed("signed", groupID)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.cf.DeleteKeyGroup(ctx, &cloudfront.DeleteKeyGroupInput{Id: &groupID, IfMatch: kg.ETag})
	wantAPIErr(t, err, "ResourceInUse", 409)
	_, err = f.cf.GetKeyGroup(ctx, &cloudfront.GetKeyGroupInput{Id: aws.String("nope")})
	wantAPIErr(t, err, "NoSuchResource", 404)

	byGroup, err := f.cf.ListDistributionsByKeyGroup(ctx, &cloudfront.ListDistributionsByKeyGroupInput{KeyGroupId: &groupID})
	if err != nil || *byGroup.DistributionIdList.Quantity != 1 {
		t.Errorf("ListDistributionsByKeyGroup = %+v, %v; want the signed distribution", byGroup, err)
	}
	keys, err := f.cf.ListPublicKeys(ctx, &cloudfront.ListPublicKeysInput{})
	if err != nil || *keys.PublicKeyList.Quantity != 1 || *keys.PublicKeyList.Items[0].Id != keyID {
		t.Errorf("ListPublicKeys = %+v, %v", keys, err)
	}
	groups, err := f.cf.ListKeyGroups(ctx, &cloudfront.ListKeyGroupsInput{})
	if err != nil || *groups.KeyGroupList.Quantity != 1 || *groups.KeyGroupList.Items[0].KeyGroup.Id != groupID {
		t.Errorf("ListKeyGroups = %+v, %v", groups, err)
	}
}

// TestResourcesRestart checks that resources and their ETags survive a
// restart on the same bbolt file.
func TestResourcesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	clk := harness.NewClock(t0)
	start := restartable(t, path, clk)
	cf, stop := start()
	oac, err := cf.CreateOriginAccessControl(t.Context(), &cloudfront.CreateOriginAccessControlInput{OriginAccessControlConfig: oacConfig("kept")})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	cf, stop = start()
	defer stop()
	got, err := cf.GetOriginAccessControl(t.Context(), &cloudfront.GetOriginAccessControlInput{Id: oac.OriginAccessControl.Id})
	if err != nil || *got.ETag != *oac.ETag || *got.OriginAccessControl.OriginAccessControlConfig.Name != "kept" {
		t.Fatalf("after restart: %+v, %v", got, err)
	}
	_, err = cf.CreateOriginAccessControl(t.Context(), &cloudfront.CreateOriginAccessControlInput{OriginAccessControlConfig: oacConfig("kept")})
	wantAPIErr(t, err, "OriginAccessControlAlreadyExists", 409)
}

// TestDistributionLookups checks the ListDistributionsBy… look-ups of the
// resources served: which distributions use a policy or trust a key group.
func TestDistributionLookups(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	const optimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	var ids []string
	for _, ref := range []string{"a", "b"} {
		ids = append(ids, *f.createDist(ref).Distribution.Id)
	}
	other := sdkConfig("c")
	other.DefaultCacheBehavior.CachePolicyId = aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad")
	other.DefaultCacheBehavior.ResponseHeadersPolicyId = aws.String("67f7725c-6f97-4210-82d7-5512b31e9d03")
	c, err := f.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: other})
	if err != nil {
		t.Fatal(err)
	}

	first, err := f.cf.ListDistributionsByCachePolicyId(ctx, &cloudfront.ListDistributionsByCachePolicyIdInput{CachePolicyId: aws.String(optimized), MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	l := first.DistributionIdList
	if *l.Quantity != 1 || l.Items[0] != ids[0] || !*l.IsTruncated || *l.NextMarker != ids[0] {
		t.Errorf("first page = %+v, want %s and a NextMarker", l, ids[0])
	}
	second, err := f.cf.ListDistributionsByCachePolicyId(ctx, &cloudfront.ListDistributionsByCachePolicyIdInput{CachePolicyId: aws.String(optimized), Marker: l.NextMarker})
	if err != nil || *second.DistributionIdList.Quantity != 1 || second.DistributionIdList.Items[0] != ids[1] || *second.DistributionIdList.IsTruncated {
		t.Errorf("second page = %+v, %v; want %s, the last", second, err, ids[1])
	}
	byHeaders, err := f.cf.ListDistributionsByResponseHeadersPolicyId(ctx, &cloudfront.ListDistributionsByResponseHeadersPolicyIdInput{ResponseHeadersPolicyId: aws.String("67f7725c-6f97-4210-82d7-5512b31e9d03")})
	if err != nil || *byHeaders.DistributionIdList.Quantity != 1 || byHeaders.DistributionIdList.Items[0] != *c.Distribution.Id {
		t.Errorf("by response headers policy = %+v, %v", byHeaders, err)
	}
	none, err := f.cf.ListDistributionsByOriginRequestPolicyId(ctx, &cloudfront.ListDistributionsByOriginRequestPolicyIdInput{OriginRequestPolicyId: aws.String("216adef6-5c7f-47e4-b989-5492eafa07d3")})
	if err != nil || *none.DistributionIdList.Quantity != 0 || none.DistributionIdList.Items != nil {
		t.Errorf("by an unused origin request policy = %+v, %v; want an empty list", none, err)
	}
	_, err = f.cf.ListDistributionsByCachePolicyId(ctx, &cloudfront.ListDistributionsByCachePolicyIdInput{CachePolicyId: aws.String("nope")})
	wantAPIErr(t, err, "NoSuchCachePolicy", 404)
	_, err = f.cf.ListDistributionsByKeyGroup(ctx, &cloudfront.ListDistributionsByKeyGroupInput{KeyGroupId: aws.String("nope")})
	wantAPIErr(t, err, "NoSuchResource", 404)
}
