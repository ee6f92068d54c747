package interop

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBoto3ContinuousDeployment runs testdata/boto3_staging.py (issue 27):
// CopyDistribution, the continuous deployment policy operations and their
// errors, a primary naming its policy, and promotion, through boto3.
func TestBoto3ContinuousDeployment(t *testing.T) {
	t.Parallel()
	py := need(t, "python3", "install Python 3 with boto3 (pip install boto3)")
	srv := startServe(t, "0s")
	env := clientEnv(t, srv.URL)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_staging.py"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, env, "", py, script)
	if code != 0 {
		t.Fatalf("boto3_staging.py: exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	var got struct {
		Errors   map[string][2]any `json:"errors"`
		Listed   []string          `json:"listed"`
		Weight   float64           `json:"weight"`
		Promoted map[string]any    `json:"promoted"`
		Policy   string            `json:"policy"`
	}
	decode(t, "boto3_staging.py", out, &got)
	wantErrors := map[string][2]any{
		"copyWithoutStaging":  {"InvalidArgument", 400.0},
		"weightTooHigh":       {"InvalidArgument", 400.0},
		"headerWithoutPrefix": {"InvalidArgument", 400.0},
		"noSuchPolicy":        {"NoSuchContinuousDeploymentPolicy", 404.0},
		"secondPolicy":        {"StagingDistributionInUse", 409.0},
		"deleteInUse":         {"ContinuousDeploymentPolicyInUse", 409.0},
		"promoteOneETag":      {"InvalidIfMatchVersion", 400.0},
	}
	if diff := cmp.Diff(wantErrors, got.Errors); diff != "" {
		t.Errorf("error codes and statuses (-want +got):\n%s", diff)
	}
	wantPromoted := map[string]any{"comment": "v2", "policy": got.Policy, "staging": false, "policyEnabled": false}
	if diff := cmp.Diff(wantPromoted, got.Promoted); diff != "" || got.Weight != 0.1 || len(got.Listed) != 1 || got.Listed[0] != got.Policy {
		t.Errorf("promoted (-want +got):\n%s\nweight %v, listed %v", diff, got.Weight, got.Listed)
	}
}
