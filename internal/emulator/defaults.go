package emulator

import (
	"slices"
	"strconv"

	"github.com/cfinv/cfinv/internal/distconfig"
)

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

// Member orders of the model's nested shapes that withDefaults fills in.
var (
	originOrder = []string{
		"Id", "DomainName", "OriginPath", "CustomHeaders", "S3OriginConfig", "CustomOriginConfig",
		"VpcOriginConfig", "ConnectionAttempts", "ConnectionTimeout", "ResponseCompletionTimeout",
		"OriginShield", "OriginAccessControlId",
	}
	customOriginOrder = []string{
		"HTTPPort", "HTTPSPort", "OriginProtocolPolicy", "OriginSslProtocols", "OriginReadTimeout",
		"OriginKeepaliveTimeout", "IpAddressType", "OriginMtlsConfig",
	}
	behaviorOrder = []string{
		"PathPattern", "TargetOriginId", "TrustedSigners", "TrustedKeyGroups", "ViewerProtocolPolicy",
		"AllowedMethods", "SmoothStreaming", "Compress", "LambdaFunctionAssociations",
		"FunctionAssociations", "FieldLevelEncryptionId", "RealtimeLogConfigArn", "CachePolicyId",
		"OriginRequestPolicyId", "ResponseHeadersPolicyId", "GrpcConfig", "ForwardedValues",
		"MinTTL", "DefaultTTL", "MaxTTL",
	}
	allowedMethodsOrder = []string{"Quantity", "Items", "CachedMethods"}
)

// originDefault is what CloudFront returns for a member an Origin leaves
// out (the AWS CLI's documented create-distribution output).
func originDefault(name string) *distconfig.Node {
	switch name {
	case "OriginPath", "OriginAccessControlId":
		return leaf(name, "")
	case "CustomHeaders":
		return emptyList(name)
	case "ConnectionAttempts":
		return leaf(name, "3")
	case "ConnectionTimeout":
		return leaf(name, "10")
	case "OriginShield":
		return &distconfig.Node{Name: name, Nodes: []*distconfig.Node{leaf("Enabled", "false")}}
	}
	return nil
}

// customOriginDefault is what CloudFront returns for a member a
// CustomOriginConfig leaves out.
func customOriginDefault(name string) *distconfig.Node {
	switch name {
	case "OriginSslProtocols":
		return methodList(name, "SslProtocol", "TLSv1", "TLSv1.1", "TLSv1.2")
	case "OriginReadTimeout":
		return leaf(name, "30")
	case "OriginKeepaliveTimeout":
		return leaf(name, "5")
	}
	return nil
}

// behaviorDefault is what CloudFront returns for a member a cache
// behaviour leaves out. legacy behaviours (ForwardedValues) also get
// CloudFront's TTLs.
func behaviorDefault(legacy bool) func(string) *distconfig.Node {
	return func(name string) *distconfig.Node {
		switch name {
		case "TrustedSigners", "TrustedKeyGroups":
			return &distconfig.Node{Name: name, Nodes: []*distconfig.Node{leaf("Enabled", "false"), leaf("Quantity", "0")}}
		case "AllowedMethods":
			n := methodList(name, "Method", "HEAD", "GET")
			n.Append(methodList("CachedMethods", "Method", "HEAD", "GET"))
			return n
		case "SmoothStreaming", "Compress":
			return leaf(name, "false")
		case "LambdaFunctionAssociations", "FunctionAssociations":
			return emptyList(name)
		case "FieldLevelEncryptionId":
			return leaf(name, "")
		}
		if !legacy {
			return nil
		}
		switch name {
		case "MinTTL":
			return leaf(name, "0")
		case "DefaultTTL":
			return leaf(name, "86400")
		case "MaxTTL":
			return leaf(name, "31536000")
		}
		return nil
	}
}

// methodList builds a {Quantity, Items} list of text elements.
func methodList(name, item string, values ...string) *distconfig.Node {
	items := &distconfig.Node{Name: "Items"}
	for _, v := range values {
		items.Append(leaf(item, v))
	}
	return &distconfig.Node{Name: name, Nodes: []*distconfig.Node{leaf("Quantity", strconv.Itoa(len(values))), items}}
}

// withDefaults returns a copy of the validated config c with every member
// CloudFront fills in and c lacks added with its default, at the top level
// and inside every origin and cache behaviour (docs/emulator.md lists
// them). Members the client sent keep their order and content; each added
// member goes after the last present member that precedes it in the
// model's order. Empty lists lose their Items element, as CloudFront
// returns them.
func withDefaults(c *distconfig.Node) *distconfig.Node {
	out := c.Clone()
	fillDefaults(out, configOrder, configDefault)
	for _, o := range out.Find("Origins", "Items").All("Origin") {
		fillDefaults(o, originOrder, originDefault)
		if co := o.Child("CustomOriginConfig"); co != nil {
			fillDefaults(co, customOriginOrder, customOriginDefault)
		}
	}
	behaviors := append([]*distconfig.Node{out.Child("DefaultCacheBehavior")}, out.Find("CacheBehaviors", "Items").All("CacheBehavior")...)
	for _, b := range behaviors {
		if b == nil {
			continue
		}
		fillDefaults(b, behaviorOrder, behaviorDefault(b.Has("ForwardedValues")))
		if am := b.Child("AllowedMethods"); am != nil && !am.Has("CachedMethods") {
			fillDefaults(am, allowedMethodsOrder, func(name string) *distconfig.Node {
				if name == "CachedMethods" {
					return methodList(name, "Method", "HEAD", "GET")
				}
				return nil
			})
		}
	}
	dropEmptyItems(out)
	return out
}

// fillDefaults adds to n, in order's place, every member of order that n
// lacks and def has a default for.
func fillDefaults(n *distconfig.Node, order []string, def func(string) *distconfig.Node) {
	rank := make(map[string]int, len(order))
	for i, name := range order {
		rank[name] = i
	}
	for i, name := range order {
		if n.Has(name) {
			continue
		}
		d := def(name)
		if d == nil {
			continue
		}
		at := 0
		for j, c := range n.Nodes {
			if r, known := rank[c.Name]; known && r < i {
				at = j + 1
			}
		}
		n.Nodes = append(n.Nodes[:at], append([]*distconfig.Node{d}, n.Nodes[at:]...)...)
	}
}

// dropEmptyItems removes, anywhere under n, the Items element of a list
// whose Quantity is 0: CloudFront leaves it out, and clients test for its
// presence.
func dropEmptyItems(n *distconfig.Node) {
	if q := n.Child("Quantity"); q != nil && len(q.Nodes) == 0 && q.Text == "0" {
		if it := n.Child("Items"); it != nil && len(it.Nodes) == 0 {
			n.Nodes = slices.DeleteFunc(n.Nodes, func(c *distconfig.Node) bool { return c == it })
		}
	}
	for _, c := range n.Nodes {
		dropEmptyItems(c)
	}
}
