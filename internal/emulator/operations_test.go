package emulator

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/internal/store"
)

// notYetImplemented are the model's operations that still answer
// NotImplemented (docs/emulator.md, "Not implemented"). The list only
// shrinks: TestEveryOperationHasAHandler fails when an operation is
// missing from both implemented and this list, and when one on this list
// is implemented.
var notYetImplemented = []string{
	// Distribution tenants, the rest.
	"ListDistributionTenantsByCustomization", "AssociateDistributionTenantWebACL",
	"DisassociateDistributionTenantWebACL", "UpdateDomainAssociation",
	// Connection functions, connection groups, trust stores.
	"CreateConnectionFunction", "GetConnectionFunction", "DescribeConnectionFunction",
	"ListConnectionFunctions", "UpdateConnectionFunction", "DeleteConnectionFunction",
	"PublishConnectionFunction", "TestConnectionFunction",
	"CreateConnectionGroup", "GetConnectionGroup", "ListConnectionGroups", "UpdateConnectionGroup",
	"DeleteConnectionGroup", "GetConnectionGroupByRoutingEndpoint",
	"CreateTrustStore", "GetTrustStore", "ListTrustStores", "UpdateTrustStore", "DeleteTrustStore",
	// VPC origins and Anycast static IPs.
	"CreateVpcOrigin", "GetVpcOrigin", "ListVpcOrigins", "UpdateVpcOrigin", "DeleteVpcOrigin",
	"CreateAnycastIpList", "GetAnycastIpList", "ListAnycastIpLists", "UpdateAnycastIpList", "DeleteAnycastIpList",
	// Web ACLs, aliases and domains.
	"AssociateDistributionWebACL", "DisassociateDistributionWebACL", "AssociateAlias",
	"ListConflictingAliases", "ListDomainConflicts", "VerifyDnsConfiguration",
	// Look-ups of distributions by resources not served.
	"ListDistributionsByWebACLId", "ListDistributionsByVpcOriginId", "ListDistributionsByAnycastIpListId",
	"ListDistributionsByConnectionMode", "ListDistributionsByConnectionFunction",
	"ListDistributionsByOwnedResource", "ListDistributionsByTrustStore",
	// Resource policies and certificates.
	"GetResourcePolicy", "PutResourcePolicy", "DeleteResourcePolicy", "GetManagedCertificateDetails",
}

// TestEveryOperationHasAHandler holds the generated operation table
// (operations.go, from botocore's model) against what the server serves:
// every operation is either implemented, with a route of the server's own
// that a request of its method and URI reaches, or listed in
// notYetImplemented and answered NotImplemented with its name.
func TestEveryOperationHasAHandler(t *testing.T) {
	s := New(Options{Store: store.NewMem()})
	placeholder := regexp.MustCompile(`\{[A-Za-z]+\}`)
	seen := map[string]bool{}
	for _, op := range operations {
		seen[op.name] = true
		t.Run(op.name, func(t *testing.T) {
			uri := placeholder.ReplaceAllString(op.uri, "EXAMPLE1")
			r := httptest.NewRequest(op.method, uri, strings.NewReader(""))
			if got := operationOf(r); got != op.name {
				t.Fatalf("operationOf(%s %s) = %q, want %q", op.method, uri, got, op.name)
			}
			listed := slices.Contains(notYetImplemented, op.name)
			switch {
			case implemented[op.name] && listed:
				t.Fatalf("%s is implemented: take it off notYetImplemented and docs/emulator.md's \"Not implemented\"", op.name)
			case implemented[op.name]:
				if _, pattern := s.mux.Handler(r); pattern == "" || pattern == "/" {
					t.Fatalf("%s is marked implemented, but %s %s reaches no route of its own (pattern %q)", op.name, op.method, uri, pattern)
				}
			case listed:
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, r)
				if rec.Code != http.StatusNotImplemented || !strings.Contains(rec.Body.String(), op.name) {
					t.Fatalf("%s %s: got %d %s, want 501 NotImplemented naming %s", op.method, uri, rec.Code, rec.Body, op.name)
				}
			default:
				t.Fatalf("%s (%s %s) is neither implemented nor listed in notYetImplemented", op.name, op.method, op.uri)
			}
		})
	}
	for _, name := range notYetImplemented {
		if !seen[name] {
			t.Errorf("notYetImplemented names %s, which is not an operation of the model", name)
		}
	}
}
