package interop

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBoto3Resources runs testdata/boto3_resources.py (issue 27): every
// operation of cache, origin request and response headers policies,
// origin access controls and identities, public keys and key groups, their
// ListDistributionsBy… look-ups, CreateDistributionWithTags, UntagResource,
// DeleteDistribution and the distribution tenant operations, each with
// the documented errors the emulator answers, through boto3.
func TestBoto3Resources(t *testing.T) {
	t.Parallel()
	py := need(t, "python3", "install Python 3 with boto3 (pip install boto3)")
	srv := startServe(t, "0s")
	env := clientEnv(t, srv.URL)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_resources.py"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, env, "", py, script)
	if code != 0 {
		t.Fatalf("boto3_resources.py: exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	var got struct {
		Called []string          `json:"called"`
		Errors map[string][2]any `json:"errors"`
	}
	decode(t, "boto3_resources.py", out, &got)
	if diff := cmp.Diff(boto3ResourceOps, got.Called); diff != "" {
		t.Errorf("operations called (-want +got):\n%s", diff)
	}
	wantErrors := map[string][2]any{
		// Cache policies.
		"cacheBadTTLs":               {"InvalidArgument", 400.0},
		"cacheDeleteInUse":           {"CachePolicyInUse", 409.0},
		"cacheDeleteManaged":         {"IllegalDelete", 400.0},
		"cacheDeleteNoIfMatch":       {"InvalidIfMatchVersion", 400.0},
		"cacheDeleteStale":           {"PreconditionFailed", 412.0},
		"cacheDeleteUnknown":         {"NoSuchCachePolicy", 404.0},
		"cacheGetConfigUnknown":      {"NoSuchCachePolicy", 404.0},
		"cacheGetDeleted":            {"NoSuchCachePolicy", 404.0},
		"cacheGetUnknown":            {"NoSuchCachePolicy", 404.0},
		"cacheInconsistent":          {"InconsistentQuantities", 400.0},
		"cacheListBadMarker":         {"InvalidArgument", 400.0},
		"cacheListBadType":           {"InvalidArgument", 400.0},
		"cacheLookupBadMarker":       {"InvalidArgument", 400.0},
		"cacheLookupUnknown":         {"NoSuchCachePolicy", 404.0},
		"cacheNameTaken":             {"CachePolicyAlreadyExists", 409.0},
		"cacheTooManyCookies":        {"TooManyCookiesInCachePolicy", 400.0},
		"cacheTooManyHeaders":        {"TooManyHeadersInCachePolicy", 400.0},
		"cacheTooManyQueryStrings":   {"TooManyQueryStringsInCachePolicy", 400.0},
		"cacheUnknownInDistribution": {"NoSuchCachePolicy", 404.0},
		"cacheUpdateBad":             {"TooManyHeadersInCachePolicy", 400.0},
		"cacheUpdateManaged":         {"IllegalUpdate", 400.0},
		"cacheUpdateNameTaken":       {"CachePolicyAlreadyExists", 409.0},
		"cacheUpdateNoIfMatch":       {"InvalidIfMatchVersion", 400.0},
		"cacheUpdateStale":           {"PreconditionFailed", 412.0},
		"cacheUpdateUnknown":         {"NoSuchCachePolicy", 404.0},
		// Origin request policies.
		"originRequestBadBehavior":           {"InvalidArgument", 400.0},
		"originRequestDeleteInUse":           {"OriginRequestPolicyInUse", 409.0},
		"originRequestDeleteManaged":         {"IllegalDelete", 400.0},
		"originRequestDeleteNoIfMatch":       {"InvalidIfMatchVersion", 400.0},
		"originRequestDeleteStale":           {"PreconditionFailed", 412.0},
		"originRequestDeleteUnknown":         {"NoSuchOriginRequestPolicy", 404.0},
		"originRequestGetConfigUnknown":      {"NoSuchOriginRequestPolicy", 404.0},
		"originRequestGetDeleted":            {"NoSuchOriginRequestPolicy", 404.0},
		"originRequestGetUnknown":            {"NoSuchOriginRequestPolicy", 404.0},
		"originRequestInconsistent":          {"InconsistentQuantities", 400.0},
		"originRequestListBadMarker":         {"InvalidArgument", 400.0},
		"originRequestListBadType":           {"InvalidArgument", 400.0},
		"originRequestLookupBadMarker":       {"InvalidArgument", 400.0},
		"originRequestLookupUnknown":         {"NoSuchOriginRequestPolicy", 404.0},
		"originRequestNameTaken":             {"OriginRequestPolicyAlreadyExists", 409.0},
		"originRequestTooManyCookies":        {"TooManyCookiesInOriginRequestPolicy", 400.0},
		"originRequestTooManyHeaders":        {"TooManyHeadersInOriginRequestPolicy", 400.0},
		"originRequestTooManyQueryStrings":   {"TooManyQueryStringsInOriginRequestPolicy", 400.0},
		"originRequestUnknownInDistribution": {"NoSuchOriginRequestPolicy", 404.0},
		"originRequestUpdateBad":             {"TooManyHeadersInOriginRequestPolicy", 400.0},
		"originRequestUpdateManaged":         {"IllegalUpdate", 400.0},
		"originRequestUpdateNameTaken":       {"OriginRequestPolicyAlreadyExists", 409.0},
		"originRequestUpdateNoIfMatch":       {"InvalidIfMatchVersion", 400.0},
		"originRequestUpdateStale":           {"PreconditionFailed", 412.0},
		"originRequestUpdateUnknown":         {"NoSuchOriginRequestPolicy", 404.0},
		// Response headers policies.
		"responseHeadersBadFrameOption":        {"InvalidArgument", 400.0},
		"responseHeadersDeleteInUse":           {"ResponseHeadersPolicyInUse", 409.0},
		"responseHeadersDeleteManaged":         {"IllegalDelete", 400.0},
		"responseHeadersDeleteNoIfMatch":       {"InvalidIfMatchVersion", 400.0},
		"responseHeadersDeleteStale":           {"PreconditionFailed", 412.0},
		"responseHeadersDeleteUnknown":         {"NoSuchResponseHeadersPolicy", 404.0},
		"responseHeadersGetConfigUnknown":      {"NoSuchResponseHeadersPolicy", 404.0},
		"responseHeadersGetDeleted":            {"NoSuchResponseHeadersPolicy", 404.0},
		"responseHeadersGetUnknown":            {"NoSuchResponseHeadersPolicy", 404.0},
		"responseHeadersInconsistent":          {"InconsistentQuantities", 400.0},
		"responseHeadersListBadMarker":         {"InvalidArgument", 400.0},
		"responseHeadersListBadType":           {"InvalidArgument", 400.0},
		"responseHeadersLookupBadMarker":       {"InvalidArgument", 400.0},
		"responseHeadersLookupUnknown":         {"NoSuchResponseHeadersPolicy", 404.0},
		"responseHeadersNameTaken":             {"ResponseHeadersPolicyAlreadyExists", 409.0},
		"responseHeadersTooLongCSP":            {"TooLongCSPInResponseHeadersPolicy", 400.0},
		"responseHeadersTooManyCustomHeaders":  {"TooManyCustomHeadersInResponseHeadersPolicy", 400.0},
		"responseHeadersTooManyRemoveHeaders":  {"TooManyRemoveHeadersInResponseHeadersPolicy", 400.0},
		"responseHeadersUnknownInDistribution": {"NoSuchResponseHeadersPolicy", 404.0},
		"responseHeadersUpdateBad":             {"TooManyCustomHeadersInResponseHeadersPolicy", 400.0},
		"responseHeadersUpdateManaged":         {"IllegalUpdate", 400.0},
		"responseHeadersUpdateNameTaken":       {"ResponseHeadersPolicyAlreadyExists", 409.0},
		"responseHeadersUpdateNoIfMatch":       {"InvalidIfMatchVersion", 400.0},
		"responseHeadersUpdateStale":           {"PreconditionFailed", 412.0},
		"responseHeadersUpdateUnknown":         {"NoSuchResponseHeadersPolicy", 404.0},
		// Origin access controls.
		"oacBadSigning":            {"InvalidArgument", 400.0},
		"oacDeleteInUse":           {"OriginAccessControlInUse", 409.0},
		"oacDeleteNoIfMatch":       {"InvalidIfMatchVersion", 400.0},
		"oacDeleteStale":           {"PreconditionFailed", 412.0},
		"oacDeleteUnknown":         {"NoSuchOriginAccessControl", 404.0},
		"oacGetConfigUnknown":      {"NoSuchOriginAccessControl", 404.0},
		"oacGetDeleted":            {"NoSuchOriginAccessControl", 404.0},
		"oacGetUnknown":            {"NoSuchOriginAccessControl", 404.0},
		"oacListBadMarker":         {"InvalidArgument", 400.0},
		"oacNameTaken":             {"OriginAccessControlAlreadyExists", 409.0},
		"oacNameTooLong":           {"InvalidArgument", 400.0},
		"oacUnknownInDistribution": {"InvalidOriginAccessControl", 400.0},
		"oacUpdateBad":             {"InvalidArgument", 400.0},
		"oacUpdateNameTaken":       {"OriginAccessControlAlreadyExists", 409.0},
		"oacUpdateNoIfMatch":       {"InvalidIfMatchVersion", 400.0},
		"oacUpdateStale":           {"PreconditionFailed", 412.0},
		"oacUpdateUnknown":         {"NoSuchOriginAccessControl", 404.0},
		// Public keys and key groups.
		"keyDeleteInUse":                {"PublicKeyInUse", 409.0},
		"keyDeleteNoIfMatch":            {"InvalidIfMatchVersion", 400.0},
		"keyDeleteStale":                {"PreconditionFailed", 412.0},
		"keyDeleteUnknown":              {"NoSuchPublicKey", 404.0},
		"keyGetConfigUnknown":           {"NoSuchPublicKey", 404.0},
		"keyGetDeleted":                 {"NoSuchPublicKey", 404.0},
		"keyGetUnknown":                 {"NoSuchPublicKey", 404.0},
		"keyGroupDeleteInUse":           {"ResourceInUse", 409.0},
		"keyGroupDeleteNoIfMatch":       {"InvalidIfMatchVersion", 400.0},
		"keyGroupDeleteStale":           {"PreconditionFailed", 412.0},
		"keyGroupDeleteUnknown":         {"NoSuchResource", 404.0},
		"keyGroupGetConfigUnknown":      {"NoSuchResource", 404.0},
		"keyGroupGetDeleted":            {"NoSuchResource", 404.0},
		"keyGroupGetUnknown":            {"NoSuchResource", 404.0},
		"keyGroupListBadMarker":         {"InvalidArgument", 400.0},
		"keyGroupLookupBadMarker":       {"InvalidArgument", 400.0},
		"keyGroupLookupUnknown":         {"NoSuchResource", 404.0},
		"keyGroupNameTaken":             {"KeyGroupAlreadyExists", 409.0},
		"keyGroupNoKeys":                {"InvalidArgument", 400.0},
		"keyGroupTooManyKeys":           {"TooManyPublicKeysInKeyGroup", 400.0},
		"keyGroupUnknownInDistribution": {"TrustedKeyGroupDoesNotExist", 400.0},
		"keyGroupUnknownKey":            {"InvalidArgument", 400.0},
		"keyGroupUpdateNameTaken":       {"KeyGroupAlreadyExists", 409.0},
		"keyGroupUpdateNoIfMatch":       {"InvalidIfMatchVersion", 400.0},
		"keyGroupUpdateStale":           {"PreconditionFailed", 412.0},
		"keyGroupUpdateTooManyKeys":     {"TooManyPublicKeysInKeyGroup", 400.0},
		"keyGroupUpdateUnknown":         {"NoSuchResource", 404.0},
		"keyListBadMarker":              {"InvalidArgument", 400.0},
		"keyNameTaken":                  {"PublicKeyAlreadyExists", 409.0},
		"keyNotPEM":                     {"InvalidArgument", 400.0},
		"keyUpdateImmutable":            {"CannotChangeImmutablePublicKeyFields", 400.0},
		"keyUpdateNoIfMatch":            {"InvalidIfMatchVersion", 400.0},
		"keyUpdateNotPEM":               {"InvalidArgument", 400.0},
		"keyUpdateStale":                {"PreconditionFailed", 412.0},
		"keyUpdateUnknown":              {"NoSuchPublicKey", 404.0},
		// Origin access identities.
		"oaiCommentTooLong":        {"InvalidArgument", 400.0},
		"oaiDeleteInUse":           {"CloudFrontOriginAccessIdentityInUse", 409.0},
		"oaiDeleteNoIfMatch":       {"InvalidIfMatchVersion", 400.0},
		"oaiDeleteStale":           {"PreconditionFailed", 412.0},
		"oaiDeleteUnknown":         {"NoSuchCloudFrontOriginAccessIdentity", 404.0},
		"oaiGetConfigUnknown":      {"NoSuchCloudFrontOriginAccessIdentity", 404.0},
		"oaiGetDeleted":            {"NoSuchCloudFrontOriginAccessIdentity", 404.0},
		"oaiGetUnknown":            {"NoSuchCloudFrontOriginAccessIdentity", 404.0},
		"oaiListBadMarker":         {"InvalidArgument", 400.0},
		"oaiMissingBody":           {"MissingBody", 400.0},
		"oaiQuota":                 {"TooManyCloudFrontOriginAccessIdentities", 400.0},
		"oaiRefTaken":              {"CloudFrontOriginAccessIdentityAlreadyExists", 409.0},
		"oaiUnknownInDistribution": {"InvalidOriginAccessIdentity", 400.0},
		"oaiUpdateCallerReference": {"IllegalUpdate", 400.0},
		"oaiUpdateMissingBody":     {"MissingBody", 400.0},
		"oaiUpdateNoIfMatch":       {"InvalidIfMatchVersion", 400.0},
		"oaiUpdateStale":           {"PreconditionFailed", 412.0},
		"oaiUpdateUnknown":         {"NoSuchCloudFrontOriginAccessIdentity", 404.0},
		"oaiWithOAC":               {"IllegalOriginAccessConfiguration", 400.0},
		// CreateDistributionWithTags, UntagResource, DeleteDistribution.
		"deleteEnabled":                {"DistributionNotDisabled", 409.0},
		"deleteNoIfMatch":              {"InvalidIfMatchVersion", 400.0},
		"deleteStale":                  {"PreconditionFailed", 412.0},
		"deleteUnknown":                {"NoSuchDistribution", 404.0},
		"deleteWithTenants":            {"ResourceInUse", 409.0},
		"getDeleted":                   {"NoSuchDistribution", 404.0},
		"tagsOfDeleted":                {"NoSuchResource", 404.0},
		"untagNotAnArn":                {"InvalidArgument", 400.0},
		"untagReservedKey":             {"InvalidTagging", 400.0},
		"untagUnknown":                 {"NoSuchResource", 404.0},
		"withTagsBadConfig":            {"InvalidArgument", 400.0},
		"withTagsCallerReferenceTaken": {"DistributionAlreadyExists", 409.0},
		"withTagsReservedKey":          {"InvalidTagging", 400.0},
		"withTagsUnknownPolicy":        {"NoSuchCachePolicy", 404.0},
		// Distribution tenants and their invalidations.
		"tenantBadName":                 {"InvalidArgument", 400.0},
		"tenantBadTag":                  {"InvalidTagging", 400.0},
		"tenantByDomainUnknown":         {"EntityNotFound", 404.0},
		"tenantDeleteEnabled":           {"ResourceNotDisabled", 409.0},
		"tenantDeleteNoIfMatch":         {"InvalidIfMatchVersion", 400.0},
		"tenantDeleteStale":             {"PreconditionFailed", 412.0},
		"tenantDeleteUnknown":           {"EntityNotFound", 404.0},
		"tenantDomainTaken":             {"CNAMEAlreadyExists", 409.0},
		"tenantGetDeleted":              {"EntityNotFound", 404.0},
		"tenantGetCreatedWithBadTag":    {"EntityNotFound", 404.0},
		"tenantGetInvUnknown":           {"NoSuchInvalidation", 404.0},
		"tenantGetInvUnknownTenant":     {"EntityNotFound", 404.0},
		"tenantGetUnknown":              {"EntityNotFound", 404.0},
		"tenantInvBadPath":              {"InvalidArgument", 400.0},
		"tenantInvInconsistent":         {"InconsistentQuantities", 400.0},
		"tenantInvMissingBody":          {"MissingBody", 400.0},
		"tenantInvTooLarge":             {"BatchTooLarge", 413.0},
		"tenantInvTooManyWildcards":     {"TooManyInvalidationsInProgress", 400.0},
		"tenantInvUnknown":              {"EntityNotFound", 404.0},
		"tenantListBadMarker":           {"InvalidArgument", 400.0},
		"tenantListInvBadMarker":        {"InvalidArgument", 400.0},
		"tenantListInvDeleted":          {"EntityNotFound", 404.0},
		"tenantListInvUnknownTenant":    {"EntityNotFound", 404.0},
		"tenantListUnknownDistribution": {"EntityNotFound", 404.0},
		"tenantNameTaken":               {"EntityAlreadyExists", 409.0},
		"tenantNoDistribution":          {"EntityNotFound", 404.0},
		"tenantNotMultiTenant":          {"InvalidArgument", 400.0},
		"tenantTooManyDomains":          {"InvalidArgument", 400.0},
		"tenantUpdateDomainTaken":       {"CNAMEAlreadyExists", 409.0},
		"tenantUpdateNoIfMatch":         {"InvalidIfMatchVersion", 400.0},
		"tenantUpdateNotMultiTenant":    {"InvalidArgument", 400.0},
		"tenantUpdateStale":             {"PreconditionFailed", 412.0},
		"tenantUpdateTooManyDomains":    {"InvalidArgument", 400.0},
		"tenantUpdateUnknown":           {"EntityNotFound", 404.0},
	}
	if diff := cmp.Diff(wantErrors, got.Errors); diff != "" {
		t.Errorf("error codes and statuses (-want +got):\n%s", diff)
	}
}

// boto3ResourceOps are the operations the script calls and reports, sorted
// (TestBoto3CoversEveryOperation counts them).
var boto3ResourceOps = []string{
	"CreateCachePolicy", "CreateCloudFrontOriginAccessIdentity", "CreateDistributionTenant",
	"CreateDistributionWithTags", "CreateInvalidationForDistributionTenant", "CreateKeyGroup",
	"CreateOriginAccessControl", "CreateOriginRequestPolicy", "CreatePublicKey", "CreateResponseHeadersPolicy",
	"DeleteCachePolicy", "DeleteCloudFrontOriginAccessIdentity", "DeleteDistribution",
	"DeleteDistributionTenant", "DeleteKeyGroup", "DeleteOriginAccessControl", "DeleteOriginRequestPolicy",
	"DeletePublicKey", "DeleteResponseHeadersPolicy", "GetCachePolicy", "GetCachePolicyConfig",
	"GetCloudFrontOriginAccessIdentity", "GetCloudFrontOriginAccessIdentityConfig", "GetDistributionTenant",
	"GetDistributionTenantByDomain", "GetInvalidationForDistributionTenant", "GetKeyGroup", "GetKeyGroupConfig",
	"GetOriginAccessControl", "GetOriginAccessControlConfig", "GetOriginRequestPolicy",
	"GetOriginRequestPolicyConfig", "GetPublicKey", "GetPublicKeyConfig", "GetResponseHeadersPolicy",
	"GetResponseHeadersPolicyConfig", "ListCachePolicies", "ListCloudFrontOriginAccessIdentities",
	"ListDistributionTenants", "ListDistributionsByCachePolicyId", "ListDistributionsByKeyGroup",
	"ListDistributionsByOriginRequestPolicyId", "ListDistributionsByResponseHeadersPolicyId",
	"ListInvalidationsForDistributionTenant", "ListKeyGroups", "ListOriginAccessControls",
	"ListOriginRequestPolicies", "ListPublicKeys", "ListResponseHeadersPolicies", "UntagResource",
	"UpdateCachePolicy", "UpdateCloudFrontOriginAccessIdentity", "UpdateDistributionTenant", "UpdateKeyGroup",
	"UpdateOriginAccessControl", "UpdateOriginRequestPolicy", "UpdatePublicKey", "UpdateResponseHeadersPolicy",
}
