package interop

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBoto3ControlPlane runs testdata/boto3_controlplane.py (issue 27):
// every operation of VPC origins, Anycast static IP lists, web ACL
// association, resource policies and the rest of the tenant operations,
// each also with a request CloudFront refuses, through boto3.
func TestBoto3ControlPlane(t *testing.T) {
	t.Parallel()
	py := need(t, "python3", "install Python 3 with boto3 (pip install boto3)")
	srv := startServe(t, "0s")
	env := clientEnv(t, srv.URL)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_controlplane.py"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, env, "", py, script)
	if code != 0 {
		t.Fatalf("boto3_controlplane.py: exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	var got struct {
		Called []string          `json:"called"`
		Errors map[string][2]any `json:"errors"`
	}
	decode(t, "boto3_controlplane.py", out, &got)
	if diff := cmp.Diff(boto3ControlPlaneOps, got.Called); diff != "" {
		t.Errorf("operations called (-want +got):\n%s", diff)
	}
	wantErrors := map[string][2]any{
		"vpcNameTaken":               {"EntityAlreadyExists", 409.0},
		"vpcGetUnknown":              {"EntityNotFound", 404.0},
		"vpcListBadMarker":           {"InvalidArgument", 400.0},
		"vpcUpdateStale":             {"PreconditionFailed", 412.0},
		"vpcLookupUnknown":           {"EntityNotFound", 404.0},
		"vpcDeleteInUse":             {"CannotDeleteEntityWhileInUse", 409.0},
		"vpcUnknownInDistribution":   {"EntityNotFound", 404.0},
		"anycastBadCount":            {"InvalidArgument", 400.0},
		"anycastGetUnknown":          {"EntityNotFound", 404.0},
		"anycastListBadMarker":       {"InvalidArgument", 400.0},
		"anycastUpdateStale":         {"PreconditionFailed", 412.0},
		"anycastLookupUnknown":       {"EntityNotFound", 404.0},
		"anycastDeleteInUse":         {"CannotDeleteEntityWhileInUse", 409.0},
		"wafNotAnArn":                {"InvalidArgument", 400.0},
		"wafLookupBadId":             {"InvalidWebACLId", 400.0},
		"wafDisassociateUnknown":     {"EntityNotFound", 404.0},
		"wafTenantUnknown":           {"EntityNotFound", 404.0},
		"byCustomizationNoFilter":    {"InvalidArgument", 400.0},
		"wafTenantDisassociateStale": {"PreconditionFailed", 412.0},
		"policyOnDistribution":       {"UnsupportedOperation", 400.0},
		"ownedUnknown":               {"EntityNotFound", 404.0},
		"policyGetNone":              {"EntityNotFound", 404.0},
		"policyDeleteNone":           {"EntityNotFound", 404.0},
		"certNone":                   {"EntityNotFound", 404.0},
		"domainSourceEnabled":        {"IllegalUpdate", 400.0},
	}
	if diff := cmp.Diff(wantErrors, got.Errors); diff != "" {
		t.Errorf("error codes and statuses (-want +got):\n%s", diff)
	}
}

// boto3ControlPlaneOps are the operations the script calls and reports, sorted
// (TestBoto3CoversEveryOperation counts them).
var boto3ControlPlaneOps = []string{
	"AssociateDistributionTenantWebACL", "AssociateDistributionWebACL",
	"CreateAnycastIpList", "CreateVpcOrigin",
	"DeleteAnycastIpList", "DeleteResourcePolicy", "DeleteVpcOrigin",
	"DisassociateDistributionTenantWebACL", "DisassociateDistributionWebACL",
	"GetAnycastIpList", "GetManagedCertificateDetails", "GetResourcePolicy", "GetVpcOrigin",
	"ListAnycastIpLists", "ListDistributionTenantsByCustomization",
	"ListDistributionsByAnycastIpListId", "ListDistributionsByOwnedResource",
	"ListDistributionsByVpcOriginId", "ListDistributionsByWebACLId", "ListVpcOrigins",
	"PutResourcePolicy", "UpdateAnycastIpList", "UpdateDomainAssociation", "UpdateVpcOrigin",
}
