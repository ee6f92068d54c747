package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Continuous deployment (issue 27): continuous deployment policies, staging
// distributions (CopyDistribution, or CreateDistribution with Staging
// true), a primary distribution's ContinuousDeploymentPolicyId and the
// promotion of a staging config (UpdateDistributionWithStagingConfig). The
// edge routes a primary's requests to its staging distribution as the
// policy says (internal/edgecache/staging.go).
//
// CloudFront's rules, as documented:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/continuous-deployment.html
// and its quotas (20 policies per account, weight at most 15%, session
// idle TTL 300–3600 s):
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/continuous-deployment-quotas-considerations.html

// ContinuousDeploymentPolicyKind is the store kind of continuous
// deployment policies, for edgestore.
const ContinuousDeploymentPolicyKind = "continuous-deployment-policy"

// Limits of a continuous deployment policy's TrafficConfig (the model's
// documentation and the quotas page above).
const (
	maxContinuousDeploymentPolicies = 20
	maxStagingWeight                = 0.15
	minSessionTTL, maxSessionTTL    = 300, 3600
	// StagingHeaderPrefix starts every SingleHeaderConfig.Header.
	StagingHeaderPrefix = "aws-cf-cd-"
)

func init() {
	// The statuses are the model's (botocore service-2.json). They are
	// added here, with the operations, so the shared tables in errors.go
	// and routes.go stay untouched by this file's resource.
	for code, status := range map[string]int{
		"ContinuousDeploymentPolicyAlreadyExists": http.StatusConflict,
		"ContinuousDeploymentPolicyInUse":         http.StatusConflict,
		"NoSuchContinuousDeploymentPolicy":        http.StatusNotFound,
		"StagingDistributionInUse":                http.StatusConflict,
		"TooManyContinuousDeploymentPolicies":     http.StatusBadRequest,
	} {
		statusOf[code] = status
	}
	for _, op := range []string{
		"CreateContinuousDeploymentPolicy", "GetContinuousDeploymentPolicy",
		"GetContinuousDeploymentPolicyConfig", "ListContinuousDeploymentPolicies",
		"UpdateContinuousDeploymentPolicy", "DeleteContinuousDeploymentPolicy",
		"CopyDistribution", "UpdateDistributionWithStagingConfig",
	} {
		implemented[op] = true
	}
}

// continuousRoutes registers the policies' six operations, CopyDistribution
// and UpdateDistributionWithStagingConfig.
func (s *Server) continuousRoutes() {
	s.resourceRoutes(continuousDeploymentPolicies)
	s.mux.HandleFunc("POST /2020-05-31/distribution/{id}/copy", s.copyDistribution)
	s.mux.HandleFunc("PUT /2020-05-31/distribution/{id}/promote-staging-config", s.promoteStagingConfig)
}

// stagingDNSName is the one domain name a policy's
// StagingDistributionDnsNames holds, lower case: the store keeps it unique
// among policies, so a second policy for the same staging distribution is
// StagingDistributionInUse.
func stagingDNSName(c *distconfig.Node) string {
	names := c.Find("StagingDistributionDnsNames", "Items").All("DnsName")
	if len(names) != 1 {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(names[0].Text)), ".")
}

var continuousDeploymentPolicies = &resourceKind{
	kind:      ContinuousDeploymentPolicyKind,
	elem:      "ContinuousDeploymentPolicy",
	newID:     newRequestID,
	timeField: "LastModifiedTime",
	nameFunc:  stagingDNSName,
	quota:     maxContinuousDeploymentPolicies,
	quotaCode: "TooManyContinuousDeploymentPolicies",
	quotaMsg:  "You have reached the maximum number of continuous deployment policies for this Amazon Web Services account.",
	noSuch:    "NoSuchContinuousDeploymentPolicy",
	noSuchMsg: "The continuous deployment policy doesn't exist.",
	exists:    "StagingDistributionInUse",
	existsMsg: "A continuous deployment policy for this staging distribution already exists.",
	inUseCode: "ContinuousDeploymentPolicyInUse",
	// The message CloudFront answers, as the Terraform AWS provider's
	// acceptance tests quote it (continuous_deployment_policy_test.go).
	inUseMsg: "The specified continuous deployment policy is currently associated with a distribution.",
	check:    checkContinuousDeploymentPolicy,
	inUse: func(r *store.Resource, in store.Snapshot) (bool, error) {
		return anyDistribution(in, func(c *distconfig.Node) bool {
			return c.Value("ContinuousDeploymentPolicyId") == r.ID
		})
	},
	summary: func(_ *store.Resource, wire *distconfig.Node, _ string) *distconfig.Node {
		return &distconfig.Node{Name: "ContinuousDeploymentPolicySummary", Nodes: []*distconfig.Node{wire}}
	},
}

// checkContinuousDeploymentPolicy applies CloudFront's rules to a
// ContinuousDeploymentPolicyConfig the model's shape check has passed: one
// staging distribution's domain name, and a TrafficConfig within its
// limits.
func checkContinuousDeploymentPolicy(ctx context.Context, s *Server, c *distconfig.Node, _ *store.Resource) *apiError {
	const what = "ContinuousDeploymentPolicyConfig"
	if n := len(c.Find("StagingDistributionDnsNames", "Items").All("DnsName")); n != 1 {
		return errorf("InvalidArgument", "%s.StagingDistributionDnsNames holds %d domain names; it must hold exactly one, the staging distribution's (e.g. d111111abcdef8.cloudfront.net).", what, n)
	}
	dns := stagingDNSName(c)
	d, err := s.distributionByDomain(ctx, dns)
	if err != nil {
		return internalError(err)
	}
	switch {
	case d == nil:
		return errorf("InvalidArgument", "%s.StagingDistributionDnsNames names %q, which is the domain name of no distribution; name a staging distribution's (see CopyDistribution).", what, truncate(dns, 100))
	case d.Config.Value("Staging") != "true":
		return errorf("InvalidArgument", "%s.StagingDistributionDnsNames names %q, the domain name of distribution %s, which is not a staging distribution (its Staging is false); create one with CopyDistribution.", what, truncate(dns, 100), d.ID)
	}
	tc := c.Child("TrafficConfig")
	if tc == nil {
		return nil
	}
	weight, header := tc.Child("SingleWeightConfig"), tc.Child("SingleHeaderConfig")
	switch typ := tc.Value("Type"); typ {
	case "SingleWeight":
		if header != nil {
			return errorf("InvalidArgument", "%s.TrafficConfig of Type SingleWeight holds a SingleHeaderConfig; give only a SingleWeightConfig.", what)
		}
		if weight == nil {
			return errorf("InvalidArgument", "%s.TrafficConfig of Type SingleWeight needs a SingleWeightConfig.", what)
		}
		return checkSingleWeight(what+".TrafficConfig.SingleWeightConfig", weight)
	case "SingleHeader":
		if weight != nil {
			return errorf("InvalidArgument", "%s.TrafficConfig of Type SingleHeader holds a SingleWeightConfig; give only a SingleHeaderConfig.", what)
		}
		if header == nil {
			return errorf("InvalidArgument", "%s.TrafficConfig of Type SingleHeader needs a SingleHeaderConfig.", what)
		}
		name, value := strings.TrimSpace(header.Value("Header")), header.Value("Value")
		if !strings.HasPrefix(strings.ToLower(name), StagingHeaderPrefix) || len(name) == len(StagingHeaderPrefix) || !validHeaderName(name) {
			return errorf("InvalidArgument", "%s.TrafficConfig.SingleHeaderConfig.Header %q is not a header name starting with %q (e.g. %sstaging).", what, truncate(name, 100), StagingHeaderPrefix, StagingHeaderPrefix)
		}
		if value == "" {
			return errorf("InvalidArgument", "%s.TrafficConfig.SingleHeaderConfig.Value must not be empty: it is the header value that sends a request to the staging distribution.", what)
		}
	}
	return nil
}

// checkSingleWeight checks a ContinuousDeploymentSingleWeightConfig: a
// Weight from 0 to 0.15 and, when given, a SessionStickinessConfig whose
// TTLs are 300–3600 seconds with IdleTTL ≤ MaximumTTL.
func checkSingleWeight(what string, n *distconfig.Node) *apiError {
	ws := strings.TrimSpace(n.Value("Weight"))
	w, err := strconv.ParseFloat(ws, 64)
	if err != nil {
		return fixed("MalformedXML", "%s.Weight %q is not a number", what, truncate(ws, 40))
	}
	if !(w >= 0 && w <= maxStagingWeight) {
		return errorf("InvalidArgument", "%s.Weight %s is out of range; the weight is a fraction of traffic from 0 to %g (15%%).", what, truncate(ws, 40), maxStagingWeight)
	}
	sc := n.Child("SessionStickinessConfig")
	if sc == nil {
		return nil
	}
	idle, _ := strconv.Atoi(sc.Value("IdleTTL")) // integers: the shape check passed
	max, _ := strconv.Atoi(sc.Value("MaximumTTL"))
	for _, v := range []struct {
		name string
		ttl  int
	}{{"IdleTTL", idle}, {"MaximumTTL", max}} {
		if v.ttl < minSessionTTL || v.ttl > maxSessionTTL {
			return errorf("InvalidArgument", "%s.SessionStickinessConfig.%s %d is out of range; allowed values are %d–%d seconds.", what, v.name, v.ttl, minSessionTTL, maxSessionTTL)
		}
	}
	if idle > max {
		return errorf("InvalidArgument", "%s.SessionStickinessConfig.IdleTTL %d is greater than MaximumTTL %d; it must be less than or equal to it.", what, idle, max)
	}
	return nil
}

// validHeaderName reports whether name is an HTTP field name (RFC 9110
// token).
func validHeaderName(name string) bool {
	for _, c := range []byte(name) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return name != ""
}

// internalError wraps a store error for a check that answers *apiError: it
// is answered as writeError answers any store error.
func internalError(err error) *apiError {
	e := errorf("ServiceUnavailable", "CloudFront encountered an internal error. Please try again.")
	e.Detail = err.Error()
	return e
}

// allDistributions lists every distribution in the store.
func (s *Server) allDistributions(ctx context.Context) ([]*store.Distribution, error) {
	var out []*store.Distribution
	marker := ""
	for {
		items, truncated, err := s.store.ListDistributions(ctx, marker, 1000)
		if err != nil {
			return nil, fmt.Errorf("list distributions: %w", err)
		}
		out = append(out, items...)
		if !truncated || len(items) == 0 {
			return out, nil
		}
		marker = items[len(items)-1].ID
	}
}

// distributionByDomain returns the distribution whose DomainName is dns
// (any case), or nil.
func (s *Server) distributionByDomain(ctx context.Context, dns string) (*store.Distribution, error) {
	all, err := s.allDistributions(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range all {
		if strings.EqualFold(d.DomainName, dns) {
			return d, nil
		}
	}
	return nil, nil
}

// policyOf returns the continuous deployment policy id, or nil when there
// is none.
func (s *Server) policyOf(ctx context.Context, id string) (*store.Resource, error) {
	p, err := s.store.GetResource(ctx, continuousDeploymentPolicies.kind, id)
	if errors.Is(err, store.ErrNoResource) {
		return nil, nil
	}
	return p, err
}
