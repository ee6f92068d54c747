package cli

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/test/harness"
)

// TestAWSGolden runs the cases of testdata/awscli/cases.txt with cfinv
// against the emulator and compares stdout with what the real AWS CLI v1
// printed for them against cfinv serve (testdata/awscli/generate.sh
// writes the .out files), IDs, times, NextTokens and the port normalised
// to placeholders of the same length (issue 11 item 1).
func TestAWSGolden(t *testing.T) {
	url, clock, _, dist := testEmulator(t, time.Hour)
	code, out, stderr := mainIn(t, url, "create-invalidation", "--distribution-id", dist, "--state-dir", t.TempDir(),
		"--invalidation-batch", "Paths={Quantity=3,Items=[/index.html,/img/*,/caf%C3%A9.html]},CallerReference=golden-0", "--query", "Invalidation.Id", "--output", "text")
	if code != ExitOK {
		t.Fatalf("create-invalidation: exit %d: %s", code, stderr)
	}
	inv := strings.TrimSpace(out)
	tenant, tinv := goldenTenant(t, url)

	f, err := os.Open(filepath.Join("testdata", "awscli", "cases.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, args, _ := strings.Cut(line, "\t")
		args = strings.NewReplacer("$DIST", dist, "$INV", inv, "$TENANT", tenant, "$TINV", tinv).Replace(args)
		t.Run(name, func(t *testing.T) {
			clock.Advance(time.Second) // invalidations created in order, as in real time
			argv := strings.Fields(args)
			if strings.HasPrefix(argv[0], "create-invalidation") && !strings.Contains(args, "--generate-cli-skeleton") {
				argv = append(argv, "--state-dir", t.TempDir())
			}
			code, got, stderr := mainIn(t, url, argv...)
			if code != ExitOK {
				t.Fatalf("cfinv %s: exit %d: %s", args, code, stderr)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "awscli", name+".out"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(normaliseAWS(string(want)), normaliseAWS(got)); diff != "" {
				t.Errorf("cfinv %s (-aws +cfinv):\n%s\ncfinv printed:\n%s\nRegenerate the AWS CLI's side with testdata/awscli/generate.sh.", args, diff, got)
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

var (
	awsIDs   = regexp.MustCompile(`\b[EI][A-Z0-9]{13}\b|\bdt_[A-Z0-9]{27}\b|\beyJ[A-Za-z0-9+/]*={0,2}`)
	awsTimes = regexp.MustCompile(`\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\b`)
	awsPort  = regexp.MustCompile(`127\.0\.0\.1:\d+`)
)

// normaliseAWS replaces the values a run chooses with placeholders of the
// same length, numbered in order of appearance (inside NextTokens too,
// which carry a Marker), so that tables keep their widths.
func normaliseAWS(s string) string {
	seen := map[string]string{}
	var id func(string) string
	id = func(m string) string {
		if strings.HasPrefix(m, "eyJ") {
			raw, err := base64.StdEncoding.DecodeString(m)
			if err != nil {
				return m
			}
			return base64.StdEncoding.EncodeToString([]byte(awsIDs.ReplaceAllStringFunc(string(raw), id)))
		}
		if r, ok := seen[m]; ok {
			return r
		}
		r := fmt.Sprintf("%c%013d", m[0], len(seen)+1)
		if strings.HasPrefix(m, "dt_") {
			r = fmt.Sprintf("dt_%027d", len(seen)+1)
		}
		seen[m] = r
		return r
	}
	s = awsIDs.ReplaceAllStringFunc(s, id)
	s = awsTimes.ReplaceAllString(s, "2000-01-01T00:00:00.000Z")
	return awsPort.ReplaceAllStringFunc(s, func(m string) string { return "127.0.0.1:" + strings.Repeat("0", len(m)-len("127.0.0.1:")) })
}

// goldenTenant creates what generate.sh creates for the tenant cases: a
// multi-tenant distribution, a tenant of it and one invalidation of the
// tenant; it returns the tenant's and the invalidation's IDs.
func goldenTenant(t *testing.T, url string) (tenant, inv string) {
	t.Helper()
	api := sdkClient(t, url)
	mt := harness.Distribution(t, api, "golden-mt", func(c *types.DistributionConfig) { c.ConnectionMode = types.ConnectionModeTenantOnly })
	out, err := api.CreateDistributionTenant(t.Context(), &cloudfront.CreateDistributionTenantInput{
		DistributionId: aws.String(mt), Name: aws.String("golden-tenant"),
		Domains: []types.DomainItem{{Domain: aws.String("tenant.example.com")}},
	})
	if err != nil {
		t.Fatalf("CreateDistributionTenant: %v", err)
	}
	tenant = *out.DistributionTenant.Id
	code, stdout, stderr := mainIn(t, url, "create-invalidation-for-distribution-tenant", "--id", tenant, "--state-dir", t.TempDir(),
		"--invalidation-batch", "Paths={Quantity=2,Items=[/index.html,/img/*]},CallerReference=golden-t0", "--query", "Invalidation.Id", "--output", "text")
	if code != ExitOK {
		t.Fatalf("create-invalidation-for-distribution-tenant: exit %d: %s", code, stderr)
	}
	return tenant, strings.TrimSpace(stdout)
}
