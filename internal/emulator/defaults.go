package emulator

import "github.com/cfinv/cfinv/internal/distconfig"

// configOrder is the order of DistributionConfig's members in the botocore
// model (and CloudFront's schema).
var configOrder = []string{
	"CallerReference", "Aliases", "DefaultRootObject", "Origins", "OriginGroups",
	"DefaultCacheBehavior", "CacheBehaviors", "CustomErrorResponses", "Comment",
	"Logging", "PriceClass", "Enabled", "ViewerCertificate", "Restrictions",
	"WebACLId", "HttpVersion", "IsIPV6Enabled", "ContinuousDeploymentPolicyId",
	"Staging", "AnycastIpListId", "TenantConfig", "ConnectionMode",
	"ViewerMtlsConfig", "ConnectionFunctionAssociation", "CacheTagConfig",
}

// configRank is each member's index in configOrder.
var configRank = func() map[string]int {
	m := make(map[string]int, len(configOrder))
	for i, name := range configOrder {
		m[name] = i
	}
	return m
}()

// configDefault returns the member CloudFront stores and returns when a
// DistributionConfig omits it, or nil when CloudFront leaves it out too.
// CloudFront's GetDistribution and GetDistributionConfig answers always
// carry these members, and clients rely on that: the Terraform AWS
// provider reads OriginGroups.Quantity without a nil check.
func configDefault(name string) *distconfig.Node {
	switch name {
	case "Aliases", "OriginGroups", "CacheBehaviors", "CustomErrorResponses":
		return emptyList(name)
	case "DefaultRootObject", "WebACLId", "ContinuousDeploymentPolicyId":
		return leaf(name, "")
	case "Logging":
		return &distconfig.Node{Name: name, Nodes: []*distconfig.Node{
			leaf("Enabled", "false"), leaf("IncludeCookies", "false"), leaf("Bucket", ""), leaf("Prefix", ""),
		}}
	case "PriceClass":
		return leaf(name, "PriceClass_All")
	case "ViewerCertificate":
		return &distconfig.Node{Name: name, Nodes: []*distconfig.Node{
			leaf("CloudFrontDefaultCertificate", "true"),
			leaf("SSLSupportMethod", "vip"),
			leaf("MinimumProtocolVersion", "TLSv1"),
			leaf("CertificateSource", "cloudfront"),
		}}
	case "Restrictions":
		return &distconfig.Node{Name: name, Nodes: []*distconfig.Node{
			{Name: "GeoRestriction", Nodes: []*distconfig.Node{leaf("RestrictionType", "none"), leaf("Quantity", "0")}},
		}}
	case "HttpVersion":
		return leaf(name, "http2")
	case "IsIPV6Enabled", "Staging":
		return leaf(name, "false")
	}
	return nil
}

// withDefaults returns a copy of the validated config c with every member
// that configDefault knows and c lacks added with its default. Members the
// client sent keep their order and content; each added member goes after
// the last present member that precedes it in the model's order.
func withDefaults(c *distconfig.Node) *distconfig.Node {
	out := c.Clone()
	for i, name := range configOrder {
		if out.Has(name) {
			continue
		}
		def := configDefault(name)
		if def == nil {
			continue
		}
		at := 0
		for j, n := range out.Nodes {
			if r, known := configRank[n.Name]; known && r < i {
				at = j + 1
			}
		}
		out.Nodes = append(out.Nodes[:at], append([]*distconfig.Node{def}, out.Nodes[at:]...)...)
	}
	return out
}
