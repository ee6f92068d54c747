package emulator

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/internal/store"
)

// connectionTargets are the write and POST-list operations of issue 27's
// resources that read a body.
var connectionTargets = []struct{ method, path string }{
	{"POST", "/2020-05-31/connection-function"},
	{"PUT", "/2020-05-31/connection-function/X1"},
	{"POST", "/2020-05-31/connection-function/X1/test"},
	{"POST", "/2020-05-31/connection-functions"},
	{"POST", "/2020-05-31/connection-group"},
	{"PUT", "/2020-05-31/connection-group/X1"},
	{"POST", "/2020-05-31/connection-groups"},
	{"POST", "/2020-05-31/trust-store"},
	{"PUT", "/2020-05-31/trust-store/X1"},
	{"POST", "/2020-05-31/trust-stores"},
	{"POST", "/2020-05-31/domain-conflicts"},
	{"POST", "/2020-05-31/verify-dns-configuration"},
}

var connectionSeeds = []string{
	"",
	`<CreateConnectionFunctionRequest><Name>f</Name><ConnectionFunctionConfig><Comment>c</Comment><Runtime>cloudfront-js-2.0</Runtime></ConnectionFunctionConfig><ConnectionFunctionCode>ZnVuY3Rpb24gY29ubmVjdGlvbkhhbmRsZXIoYykgeyBjLmFsbG93KCk7IH0=</ConnectionFunctionCode></CreateConnectionFunctionRequest>`,
	`<TestConnectionFunctionRequest><ConnectionObject>e30=</ConnectionObject></TestConnectionFunctionRequest>`,
	`<ListConnectionFunctionsRequest><MaxItems>1</MaxItems><Stage>LIVE</Stage></ListConnectionFunctionsRequest>`,
	`<CreateConnectionGroupRequest><Name>g</Name><Ipv6Enabled>false</Ipv6Enabled><Tags><Items><Tag><Key>k</Key></Tag></Items></Tags></CreateConnectionGroupRequest>`,
	`<UpdateConnectionGroupRequest><Enabled>maybe</Enabled></UpdateConnectionGroupRequest>`,
	`<ListConnectionGroupsRequest><AssociationFilter><AnycastIpListId>a</AnycastIpListId></AssociationFilter></ListConnectionGroupsRequest>`,
	`<CreateTrustStoreRequest><Name>t</Name><CaCertificatesBundleSource><CaCertificatesBundleS3Location><Bucket>b</Bucket><Key>k</Key><Region>us-east-1</Region></CaCertificatesBundleS3Location></CaCertificatesBundleSource></CreateTrustStoreRequest>`,
	`<CaCertificatesBundleSource><CaCertificatesBundleS3Location><Bucket>b</Bucket></CaCertificatesBundleS3Location></CaCertificatesBundleSource>`,
	`<ListDomainConflictsRequest><Domain>*.example.com</Domain><DomainControlValidationResource><DistributionId>E1</DistributionId></DomainControlValidationResource><Marker>-1</Marker></ListDomainConflictsRequest>`,
	`<VerifyDnsConfigurationRequest><Identifier>dt_1</Identifier><Domain>x</Domain></VerifyDnsConfigurationRequest>`,
}

// FuzzConnectionResources checks that no body sent to issue 27's
// operations gives a 5xx or a panic, on either store.
func FuzzConnectionResources(f *testing.F) {
	for _, s := range connectionSeeds {
		for i := range connectionTargets {
			f.Add(s, uint8(i))
		}
	}
	bolt, err := store.OpenBolt(filepath.Join(f.TempDir(), "state.db"))
	if err != nil {
		f.Fatalf("OpenBolt: %v", err)
	}
	f.Cleanup(func() { _ = bolt.Close() })
	handlers := map[string]*Server{"mem": New(Options{Store: store.NewMem()}), "bolt": New(Options{Store: bolt})}
	f.Fuzz(func(t *testing.T, body string, target uint8) {
		tg := connectionTargets[int(target)%len(connectionTargets)]
		for name, s := range handlers {
			req := httptest.NewRequest(tg.method, tg.path, strings.NewReader(body))
			req.Header.Set("If-Match", "E1")
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s store, %s %s: HTTP %d for body %q: %s", name, tg.method, tg.path, rec.Code, truncate(body, 200), rec.Body)
			}
		}
	})
}
