package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDropInTenantSideBySide runs the AWS CLI's distribution tenant
// invalidation commands and cfinv's against one cfinv serve (issue 11
// item 7): the AWS CLI sets up a tenant-only distribution and a tenant,
// then create- and get-invalidation-for-distribution-tenant print the
// same stdout in every format, with and without --query, and both tools
// fail on an unknown tenant.
func TestDropInTenantSideBySide(t *testing.T) {
	t.Parallel()
	sb := newSideBySide(t, "1h")
	aws, cfinv, same := sb.aws, sb.cfinv, sb.same

	cfg := filepath.Join(t.TempDir(), "mt.json")
	if err := os.WriteFile(cfg, []byte(`{"CallerReference":"mt","Comment":"","Enabled":true,"ConnectionMode":"tenant-only",
		"Origins":{"Quantity":1,"Items":[{"Id":"o1","DomainName":"site.s3.amazonaws.com","S3OriginConfig":{"OriginAccessIdentity":""}}]},
		"DefaultCacheBehavior":{"TargetOriginId":"o1","ViewerProtocolPolicy":"allow-all","CachePolicyId":"658327ea-f89d-4fab-a63d-7e88639e58f6"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := aws("create-distribution", "--distribution-config", "file://"+cfg, "--query", "Distribution.Id", "--output", "text")
	if code != 0 {
		t.Fatalf("create-distribution: exit %d: %s", code, errOut)
	}
	mt := strings.TrimSpace(out)
	out, errOut, code = aws("create-distribution-tenant", "--distribution-id", mt, "--name", "interop-tenant",
		"--domains", "Domain=tenant.example.com", "--query", "DistributionTenant.Id", "--output", "text")
	if code != 0 {
		t.Fatalf("create-distribution-tenant: exit %d: %s", code, errOut)
	}
	tenant := strings.TrimSpace(out)
	out, errOut, code = aws("create-invalidation-for-distribution-tenant", "--id", tenant, "--invalidation-batch",
		"Paths={Quantity=2,Items=[/index.html,/img/*]},CallerReference=first", "--query", "Invalidation.Id", "--output", "text")
	if code != 0 {
		t.Fatalf("create-invalidation-for-distribution-tenant: exit %d: %s", code, errOut)
	}
	inv := strings.TrimSpace(out)

	formats := []string{"json", "text", "table"}
	withQuery := func(args []string, format, query string) []string {
		args = append(append([]string{}, args...), "--output", format)
		if query != "" {
			args = append(args, "--query", query)
		}
		return args
	}
	t.Run("create-invalidation-for-distribution-tenant", func(t *testing.T) {
		n := 0
		for _, q := range []string{"", "Invalidation.Id", "Invalidation.InvalidationBatch", "Location"} {
			for _, f := range formats {
				n++
				t.Run(f+" "+q, func(t *testing.T) {
					batch := func(who string) []string {
						return []string{"create-invalidation-for-distribution-tenant", "--id", tenant, "--invalidation-batch",
							fmt.Sprintf("Paths={Quantity=2,Items=[/index.html,/a%%20b.html]},CallerReference=ref-%s-%04d", who, n)}
					}
					same(t, normaliseCreated, withQuery(batch("aws"), f, q), withQuery(batch("cfi"), f, q))
				})
			}
		}
	})
	t.Run("get-invalidation-for-distribution-tenant", func(t *testing.T) {
		for _, q := range []string{"", "Invalidation.Status", "Invalidation.InvalidationBatch.Paths.Items", "Invalidation.{S:Status,I:Id}"} {
			for _, f := range formats {
				t.Run(f+" "+q, func(t *testing.T) {
					args := withQuery([]string{"get-invalidation-for-distribution-tenant", "--distribution-tenant-id", tenant, "--id", inv}, f, q)
					same(t, func(s string) string { return s }, args, args)
				})
			}
		}
	})
	t.Run("unknown tenant", func(t *testing.T) {
		args := []string{"get-invalidation-for-distribution-tenant", "--distribution-tenant-id", "dt_NOSUCH", "--id", inv}
		_, awsErr, awsCode := aws(args...)
		_, cfinvErr, cfinvCode := cfinv(args...)
		if awsCode == 0 || cfinvCode != 4 || !strings.Contains(awsErr, "EntityNotFound") || !strings.Contains(cfinvErr, "EntityNotFound") {
			t.Errorf("aws exit %d (%q), cfinv exit %d (%q); want both to fail with EntityNotFound, cfinv with 4", awsCode, awsErr, cfinvCode, cfinvErr)
		}
	})
}
