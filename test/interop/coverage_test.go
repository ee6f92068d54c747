package interop

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// boto3Scripts are the scripts that report no list of the operations they
// call: TestBoto3CoversEveryOperation finds boto3's method names in their
// text.
var boto3Scripts = []string{"boto3_interop.py", "boto3_staging.py", "boto3_connection.py"}

// TestBoto3CoversEveryOperation: every operation of the CloudFront API
// model (internal/emulator/operations.go, generated from botocore's) is
// called by boto3 in this package's tests (issue 27: "boto3 for every
// operation"), so an operation added to the model needs a boto3 check to
// pass. The operations counted are those the scripts report calling
// (boto3ControlPlaneOps, boto3ResourceOps, boto3FeatureOps, each checked
// against the script's own report by its test) and the boto3 methods
// boto3Scripts name (called, passed to a helper that calls them, or
// paginated).
func TestBoto3CoversEveryOperation(t *testing.T) {
	t.Parallel()
	table, err := os.ReadFile(filepath.Join("..", "..", "internal", "emulator", "operations.go"))
	if err != nil {
		t.Fatal(err)
	}
	var model []string
	for _, m := range regexp.MustCompile(`\{"[A-Z]+", "[^"]+", "(\w+)"\}`).FindAllSubmatch(table, -1) {
		model = append(model, string(m[1]))
	}
	if len(model) < 167 {
		t.Fatalf("read %d operations from operations.go, want the model's 167 or more", len(model))
	}
	called := map[string]bool{}
	for _, ops := range [][]string{boto3ControlPlaneOps, boto3ResourceOps, boto3FeatureOps} {
		for _, op := range ops {
			called[op] = true
		}
	}
	var text strings.Builder
	for _, name := range boto3Scripts {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		text.Write(b)
	}
	for _, op := range model {
		if regexp.MustCompile(`\b` + botoName(op) + `\b`).MatchString(text.String()) {
			called[op] = true
		}
	}
	var missing []string
	for _, op := range model {
		if !called[op] {
			missing = append(missing, op)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%d operations of the model are called by no boto3 script: %s", len(missing), strings.Join(missing, ", "))
	}
}

var (
	botoSpecial  = regexp.MustCompile(`[A-Z]{2,}s$`)
	botoFirstCap = regexp.MustCompile(`(.)([A-Z][a-z]+)`)
	botoEndCap   = regexp.MustCompile(`([a-z0-9])([A-Z])`)
)

// botoName is boto3's method name for a CloudFront operation, as
// botocore's xform_name makes it: ListDistributionsByWebACLId becomes
// list_distributions_by_web_acl_id.
func botoName(op string) string {
	if m := botoSpecial.FindString(op); m != "" {
		op = op[:len(op)-len(m)] + "_" + strings.ToLower(m)
	}
	s := botoFirstCap.ReplaceAllString(op, `${1}_${2}`)
	return strings.ToLower(botoEndCap.ReplaceAllString(s, `${1}_${2}`))
}

func TestBotoName(t *testing.T) {
	tests := map[string]string{
		"ListDistributionsByWebACLId":          "list_distributions_by_web_acl_id",
		"GetCloudFrontOriginAccessIdentity":    "get_cloud_front_origin_access_identity",
		"CreateStreamingDistributionWithTags":  "create_streaming_distribution_with_tags",
		"AssociateDistributionTenantWebACL":    "associate_distribution_tenant_web_acl",
		"ListDistributionsByAnycastIpListId":   "list_distributions_by_anycast_ip_list_id",
		"VerifyDnsConfiguration":               "verify_dns_configuration",
		"GetFieldLevelEncryptionProfileConfig": "get_field_level_encryption_profile_config",
	}
	for op, want := range tests {
		if got := botoName(op); got != want {
			t.Errorf("botoName(%s) = %s, want %s", op, got, want)
		}
	}
}
