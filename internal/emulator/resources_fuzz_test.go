package emulator

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// TestManagedPoliciesValidate checks the managed policies against the
// model's shapes, as a custom policy with the same config would be.
func TestManagedPoliciesValidate(t *testing.T) {
	for _, k := range resourceKinds {
		for _, m := range k.managedResources() {
			t.Run(m.Name, func(t *testing.T) {
				if aerr := validateShape(m.Config, k.configElem(), k.configElem()); aerr != nil {
					t.Errorf("%s: %v (%s)", m.ID, aerr, aerr.Detail)
				}
				if aerr := checkQuantities(m.Config, k.configElem()); aerr != nil {
					t.Errorf("%s: %v", m.ID, aerr)
				}
			})
		}
	}
}

var resourceSeeds = []string{
	`<OriginAccessControlConfig><Name>n</Name><SigningProtocol>sigv4</SigningProtocol><SigningBehavior>always</SigningBehavior><OriginAccessControlOriginType>s3</OriginAccessControlOriginType></OriginAccessControlConfig>`,
	`<CachePolicyConfig><Name>c</Name><MinTTL>0</MinTTL><ParametersInCacheKeyAndForwardedToOrigin><EnableAcceptEncodingGzip>true</EnableAcceptEncodingGzip><HeadersConfig><HeaderBehavior>whitelist</HeaderBehavior><Headers><Quantity>1</Quantity><Items><Name>X</Name></Items></Headers></HeadersConfig><CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig><QueryStringsConfig><QueryStringBehavior>all</QueryStringBehavior></QueryStringsConfig></ParametersInCacheKeyAndForwardedToOrigin></CachePolicyConfig>`,
	`<OriginRequestPolicyConfig><Name>o</Name><HeadersConfig><HeaderBehavior>allViewer</HeaderBehavior></HeadersConfig><CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig><QueryStringsConfig><QueryStringBehavior>all</QueryStringBehavior></QueryStringsConfig></OriginRequestPolicyConfig>`,
	`<ResponseHeadersPolicyConfig><Name>r</Name><CustomHeadersConfig><Quantity>1</Quantity><Items><ResponseHeadersPolicyCustomHeader><Header>X</Header><Value>v</Value><Override>true</Override></ResponseHeadersPolicyCustomHeader></Items></CustomHeadersConfig></ResponseHeadersPolicyConfig>`,
	`<PublicKeyConfig><CallerReference>c</CallerReference><Name>k</Name><EncodedKey>-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAL2O0oLMwtDuUeX8p5cQzl4MxQcUJO0D
UAiNVfeoI1s5mvBc9xF0U6pTmwhdnU+Lw9vHnlgkeeWP4WfFwP3OqzUCAwEAAQ==
-----END PUBLIC KEY-----</EncodedKey></PublicKeyConfig>`,
	`<KeyGroupConfig><Name>g</Name><Items><PublicKey>K1</PublicKey></Items></KeyGroupConfig>`,
	`<CachePolicyConfig><Name>c</Name><MinTTL>x</MinTTL><Bogus/></CachePolicyConfig>`,
	`<CloudFrontOriginAccessIdentityConfig><CallerReference>r</CallerReference><Comment>c</Comment></CloudFrontOriginAccessIdentityConfig>`,
}

// FuzzResourceConfig checks that no body sent to any resource kind's
// Create or Update gives a 5xx or a panic, on either store.
func FuzzResourceConfig(f *testing.F) {
	for _, s := range resourceSeeds {
		for k := range resourceKinds {
			f.Add(s, uint8(k), false)
			f.Add(s, uint8(k), true)
		}
	}
	bolt, err := store.OpenBolt(filepath.Join(f.TempDir(), "state.db"))
	if err != nil {
		f.Fatalf("OpenBolt: %v", err)
	}
	f.Cleanup(func() { _ = bolt.Close() })
	handlers := map[string]http.Handler{"mem": New(Options{Store: store.NewMem()}).Handler(), "bolt": New(Options{Store: bolt}).Handler()}
	f.Fuzz(func(t *testing.T, body string, kind uint8, update bool) {
		k := resourceKinds[int(kind)%len(resourceKinds)]
		for name, h := range handlers {
			req := httptest.NewRequest("POST", "/2020-05-31/"+k.urlPath(), strings.NewReader(body))
			if update {
				path := "/2020-05-31/" + k.urlPath() + "/X1"
				if k.updateAtConfig {
					path += "/config"
				}
				req = httptest.NewRequest("PUT", path, strings.NewReader(body))
				req.Header.Set("If-Match", "E1")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s store, %s: HTTP %d for body %q: %s", name, k.kind, rec.Code, truncate(body, 200), rec.Body)
			}
		}
	})
}

// FuzzParseRSAPublicKey checks the EncodedKey parser never panics and
// accepts only RSA keys.
func FuzzParseRSAPublicKey(f *testing.F) {
	f.Add("")
	f.Add("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
	f.Add(distconfig.Namespace)
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := parseRSAPublicKey(s); err == nil && (k == nil || k.N == nil) {
			t.Fatalf("accepted %q without a key", s)
		}
	})
}
