package emulator

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
)

//go:generate sh -c "python3 gen_operations.py > operations.go && gofmt -w operations.go"

// implemented names the operations the emulator serves. Every other
// operation of the API is answered NotImplemented with its name.
var implemented = map[string]bool{
	"CreateDistribution":    true,
	"GetDistribution":       true,
	"GetDistributionConfig": true,
	"ListDistributions":     true,
	"UpdateDistribution":    true,
	"DeleteDistribution":    true,
	"CreateInvalidation":    true,
	"GetInvalidation":       true,
	"ListInvalidations":     true,

	"CreateDistributionWithTags": true,
	"ListTagsForResource":        true,
	"TagResource":                true,
	"UntagResource":              true,

	// Issue 15: origin access controls, policies, public keys, key groups.
	"CreateOriginAccessControl":      true,
	"GetOriginAccessControl":         true,
	"GetOriginAccessControlConfig":   true,
	"ListOriginAccessControls":       true,
	"UpdateOriginAccessControl":      true,
	"DeleteOriginAccessControl":      true,
	"CreateCachePolicy":              true,
	"GetCachePolicy":                 true,
	"GetCachePolicyConfig":           true,
	"ListCachePolicies":              true,
	"UpdateCachePolicy":              true,
	"DeleteCachePolicy":              true,
	"CreateOriginRequestPolicy":      true,
	"GetOriginRequestPolicy":         true,
	"GetOriginRequestPolicyConfig":   true,
	"ListOriginRequestPolicies":      true,
	"UpdateOriginRequestPolicy":      true,
	"DeleteOriginRequestPolicy":      true,
	"CreateResponseHeadersPolicy":    true,
	"GetResponseHeadersPolicy":       true,
	"GetResponseHeadersPolicyConfig": true,
	"ListResponseHeadersPolicies":    true,
	"UpdateResponseHeadersPolicy":    true,
	"DeleteResponseHeadersPolicy":    true,
	"CreatePublicKey":                true,
	"GetPublicKey":                   true,
	"GetPublicKeyConfig":             true,
	"ListPublicKeys":                 true,
	"UpdatePublicKey":                true,
	"DeletePublicKey":                true,
	"CreateKeyGroup":                 true,
	"GetKeyGroup":                    true,
	"GetKeyGroupConfig":              true,
	"ListKeyGroups":                  true,
	"UpdateKeyGroup":                 true,
	"DeleteKeyGroup":                 true,

	"ListDistributionsByCachePolicyId":           true,
	"ListDistributionsByOriginRequestPolicyId":   true,
	"ListDistributionsByResponseHeadersPolicyId": true,
	"ListDistributionsByKeyGroup":                true,

	// Origin access identities (issue 27).
	"CreateCloudFrontOriginAccessIdentity":    true,
	"GetCloudFrontOriginAccessIdentity":       true,
	"GetCloudFrontOriginAccessIdentityConfig": true,
	"ListCloudFrontOriginAccessIdentities":    true,
	"UpdateCloudFrontOriginAccessIdentity":    true,
	"DeleteCloudFrontOriginAccessIdentity":    true,

	// Distribution tenants (issue 11 item 7, issue 15 item 4).
	"CreateDistributionTenant":                true,
	"GetDistributionTenant":                   true,
	"GetDistributionTenantByDomain":           true,
	"ListDistributionTenants":                 true,
	"UpdateDistributionTenant":                true,
	"DeleteDistributionTenant":                true,
	"CreateInvalidationForDistributionTenant": true,
	"GetInvalidationForDistributionTenant":    true,
	"ListInvalidationsForDistributionTenant":  true,

	// CloudFront Functions (issue 26).
	"CreateFunction":   true,
	"DescribeFunction": true,
	"GetFunction":      true,
	"ListFunctions":    true,
	"UpdateFunction":   true,
	"DeleteFunction":   true,
	"PublishFunction":  true,
	"TestFunction":     true,

	// CloudFront KeyValueStore (issue 26; the data plane is kvsdata.go).
	"CreateKeyValueStore":   true,
	"DescribeKeyValueStore": true,
	"ListKeyValueStores":    true,
	"UpdateKeyValueStore":   true,
	"DeleteKeyValueStore":   true,

	// VPC origins (issue 27; control plane only).
	"CreateVpcOrigin":                true,
	"GetVpcOrigin":                   true,
	"ListVpcOrigins":                 true,
	"UpdateVpcOrigin":                true,
	"DeleteVpcOrigin":                true,
	"ListDistributionsByVpcOriginId": true,

	// Anycast static IP lists (issue 27; control plane only).
	"CreateAnycastIpList":                true,
	"GetAnycastIpList":                   true,
	"ListAnycastIpLists":                 true,
	"UpdateAnycastIpList":                true,
	"DeleteAnycastIpList":                true,
	"ListDistributionsByAnycastIpListId": true,

	// Web ACL association (issue 27; control plane only).
	"AssociateDistributionWebACL":          true,
	"DisassociateDistributionWebACL":       true,
	"AssociateDistributionTenantWebACL":    true,
	"DisassociateDistributionTenantWebACL": true,
	"ListDistributionsByWebACLId":          true,

	// Resource policies, owned-resource look-up, the rest of the tenant
	// operations (issue 27).
	"GetResourcePolicy":                      true,
	"PutResourcePolicy":                      true,
	"DeleteResourcePolicy":                   true,
	"ListDistributionsByOwnedResource":       true,
	"GetManagedCertificateDetails":           true,
	"ListDistributionTenantsByCustomization": true,
	"UpdateDomainAssociation":                true,
	// Connection functions (issue 27).
	"CreateConnectionFunction":   true,
	"DescribeConnectionFunction": true,
	"GetConnectionFunction":      true,
	"ListConnectionFunctions":    true,
	"UpdateConnectionFunction":   true,
	"DeleteConnectionFunction":   true,
	"PublishConnectionFunction":  true,
	"TestConnectionFunction":     true,

	// Connection groups and trust stores (issue 27).
	"CreateConnectionGroup":               true,
	"GetConnectionGroup":                  true,
	"GetConnectionGroupByRoutingEndpoint": true,
	"ListConnectionGroups":                true,
	"UpdateConnectionGroup":               true,
	"DeleteConnectionGroup":               true,
	"CreateTrustStore":                    true,
	"GetTrustStore":                       true,
	"ListTrustStores":                     true,
	"UpdateTrustStore":                    true,
	"DeleteTrustStore":                    true,

	// Look-ups by connection mode, connection function, trust store
	// (issue 27).
	"ListDistributionsByConnectionMode":     true,
	"ListDistributionsByConnectionFunction": true,
	"ListDistributionsByTrustStore":         true,

	// Aliases and domains (issue 27).
	"AssociateAlias":         true,
	"ListConflictingAliases": true,
	"ListDomainConflicts":    true,
	"VerifyDnsConfiguration": true,
}

func (s *Server) routes() {
	const v = "/2020-05-31"
	s.mux.HandleFunc("POST "+v+"/distribution", s.createDistribution)
	s.mux.HandleFunc("GET "+v+"/distribution", s.listDistributions)
	s.mux.HandleFunc("GET "+v+"/distribution/{id}", s.getDistribution)
	s.mux.HandleFunc("GET "+v+"/distribution/{id}/config", s.getDistributionConfig)
	s.mux.HandleFunc("PUT "+v+"/distribution/{id}/config", s.updateDistribution)
	s.mux.HandleFunc("DELETE "+v+"/distribution/{id}", s.deleteDistribution)
	s.mux.HandleFunc("POST "+v+"/distribution/{id}/invalidation", s.createInvalidation)
	s.mux.HandleFunc("GET "+v+"/distribution/{id}/invalidation", s.listInvalidations)
	s.mux.HandleFunc("GET "+v+"/distribution/{id}/invalidation/{invID}", s.getInvalidation)
	s.mux.HandleFunc("GET "+v+"/tagging", s.listTagsForResource)
	s.mux.HandleFunc("POST "+v+"/tagging", s.tagging)
	// Issue 15: origin access controls, policies, public keys, key groups.
	for _, k := range resourceKinds {
		s.resourceRoutes(k)
	}
	s.lookupRoutes()
	s.continuousRoutes()
	s.monitoringRoutes()
	s.realtimeLogRoutes()
	s.fleRoutes()
	s.tenantRoutes()
	s.functionRoutes()
	s.kvsRoutes()
	s.streamingRoutes()
	s.webACLRoutes()
	s.resourcePolicyRoutes()
	s.tenantExtraRoutes()
	s.connectionFunctionRoutes()
	s.connectionGroupRoutes()
	s.connectionLookupRoutes()
	s.domainRoutes()
	for _, k := range entityKinds {
		s.entityRoutes(k)
	}
	s.mux.HandleFunc("/", s.notImplemented)
}

// route is one entry of operations, split once: the URI's segments and the
// query parameter (and value) the operation is told apart by.
type route struct {
	method, name       string
	segments           []string
	queryKey, queryVal string
	hasQuery, hasVal   bool
}

// routeTable is operations as routes, built on first use.
var routeTable = sync.OnceValue(func() []route {
	out := make([]route, len(operations))
	for i, op := range operations {
		uri, query, hasQuery := strings.Cut(op.uri, "?")
		key, val, hasVal := strings.Cut(query, "=")
		out[i] = route{method: op.method, name: op.name, segments: strings.Split(uri, "/"),
			queryKey: key, queryVal: val, hasQuery: hasQuery, hasVal: hasVal}
	}
	return out
})

// operationOf returns the name of the CloudFront operation r calls, or ""
// when r matches none.
func operationOf(r *http.Request) string {
	path := strings.Split(strings.TrimSuffix(r.URL.Path, "/"), "/")
	var q url.Values // parsed only for an operation told apart by its query
	routes := routeTable()
	for i := range routes {
		rt := &routes[i]
		// The length first: most routes are out before any query is
		// parsed.
		if rt.method != r.Method || len(rt.segments) != len(path) {
			continue
		}
		if rt.hasQuery {
			if q == nil {
				q = r.URL.Query()
			}
			if !q.Has(rt.queryKey) || (rt.hasVal && q.Get(rt.queryKey) != rt.queryVal) {
				continue
			}
		}
		if matchSegments(rt.segments, path) {
			return rt.name
		}
	}
	return ""
}

func matchSegments(pattern, path []string) bool {
	if len(pattern) != len(path) {
		return false
	}
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if path[i] == "" {
				return false
			}
			continue
		}
		if p != path[i] {
			return false
		}
	}
	return true
}

// unimplemented returns the NotImplemented error for r when r calls an
// operation the emulator does not serve, else nil.
func unimplemented(r *http.Request) *apiError { return unimplementedOp(operationOf(r), r) }

// unimplementedOp is unimplemented for a request whose operation (from
// operationOf) is op.
func unimplementedOp(op string, r *http.Request) *apiError {
	if op == "" || implemented[op] {
		return nil
	}
	return errorf("NotImplemented", "cfinv serve does not implement %s (%s %s); see docs/emulator.md for the supported operations.", op, r.Method, r.URL.Path)
}

func (s *Server) notImplemented(w http.ResponseWriter, r *http.Request) {
	if err := unimplemented(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeError(w, r, errorf("NotImplemented", "%s %s is not an operation of the CloudFront API 2020-05-31 that cfinv serve implements; see docs/emulator.md.", r.Method, r.URL.Path))
}
