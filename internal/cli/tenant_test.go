package cli

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cfinv/cfinv/internal/awscli"
)

// TestTenantCommands runs the distribution tenant forms of the commands
// end to end against the emulator: cfinv invalidate
// --distribution-tenant-id with --wait, and the AWS-named create and get.
func TestTenantCommands(t *testing.T) {
	// No completion delay: mainIn runs on the real clock.
	url, _, _, _ := testEmulator(t, 0)
	tenant, first := goldenTenant(t, url)

	code, out, stderr := mainIn(t, url, "invalidate", "--distribution-tenant-id", tenant, "--state-dir", t.TempDir(),
		"--wait", "--timeout", "1m", "--output", "json", "/index.html", "img/*")
	if code != ExitOK {
		t.Fatalf("invalidate --distribution-tenant-id: exit %d: %s", code, stderr)
	}
	var created struct {
		Location     string
		Invalidation struct{ Id, Status string }
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if created.Invalidation.Status != "Completed" || !strings.Contains(created.Location, "/distribution-tenant/"+tenant+"/invalidation/"+created.Invalidation.Id) {
		t.Errorf("invalidate printed %s", out)
	}

	code, out, stderr = mainIn(t, url, "get-invalidation-for-distribution-tenant", "--distribution-tenant-id", tenant, "--id", first, "--query", "Invalidation.Status", "--output", "text")
	if code != ExitOK || out != "Completed\n" {
		t.Errorf("get-invalidation-for-distribution-tenant: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, out, stderr = mainIn(t, url, "wait", "--distribution-tenant-id", tenant, first, created.Invalidation.Id, "--output", "text")
	if code != ExitOK || strings.Count(out, tenant+"\t") != 2 || strings.Count(out, "\tCompleted\n") != 2 {
		t.Errorf("wait --distribution-tenant-id: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// TestTenantWaitTimeout checks that a tenant wait that times out exits 5
// and prints the cfinv wait command that resumes it, naming the tenant.
func TestTenantWaitTimeout(t *testing.T) {
	url, clock, client, _ := testEmulator(t, time.Hour)
	tenant, _ := goldenTenant(t, url)
	ios, _, stdout, stderr := TestIO()
	opts := &invalidateOptions{IO: ios, Now: clock.Now, Client: client, Tenant: tenant, Items: []string{"/a"}, Wait: true, Timeout: time.Minute, StateDir: t.TempDir()}
	err := invalidateRun(t.Context(), opts)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitTimeout {
		t.Fatalf("got %v, want an ExitError with code %d", err, ExitTimeout)
	}
	if want := "cfinv wait --distribution-tenant-id " + tenant + " "; !strings.HasPrefix(ee.Hint, want) || !strings.Contains(stderr.String(), want) {
		t.Errorf("hint %q, stderr %q: want %q", ee.Hint, stderr, want)
	}
	if !strings.Contains(stdout.String(), "InProgress") {
		t.Errorf("stdout %q: want the InProgress invalidation", stdout)
	}
}

// TestTenantCommandErrors checks the exit codes and messages of bad
// tenant input; the usage errors come before anything is sent.
func TestTenantCommandErrors(t *testing.T) {
	url, _, _, dist := testEmulator(t, 0)
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"tenant and distribution", []string{"invalidate", "--distribution-tenant-id", "dt_1", "--distribution-id", dist, "/a"}, ExitUsage,
			"give --distribution-id or --distribution-tenant-id dt_1, not both"},
		{"bad tenant ID", []string{"invalidate", "--distribution-tenant-id", "dt/1", "/a"}, ExitUsage,
			`invalidate: distribution tenant ID "dt/1" is invalid: want 1 to 128 letters, digits, '_' and '-', as in dt_2ABC`},
		{"create without --id", []string{"create-invalidation-for-distribution-tenant", "--invalidation-batch", "Paths={Quantity=1,Items=[/a]},CallerReference=x"}, ExitUsage,
			"give --id, the distribution tenant's ID (dt_…)"},
		{"create without a batch", []string{"create-invalidation-for-distribution-tenant", "--id", "dt_1"}, ExitUsage,
			"give --invalidation-batch"},
		{"create, unknown tenant", []string{"create-invalidation-for-distribution-tenant", "--id", "dt_NOSUCH", "--invalidation-batch", "Paths={Quantity=1,Items=[/a]},CallerReference=x"}, ExitNotFound,
			"EntityNotFound"},
		{"get without --id", []string{"get-invalidation-for-distribution-tenant", "--distribution-tenant-id", "dt_1"}, ExitUsage,
			"give --distribution-tenant-id and --id"},
		{"get, unknown tenant", []string{"get-invalidation-for-distribution-tenant", "--distribution-tenant-id", "dt_NOSUCH", "--id", "I1"}, ExitNotFound,
			"EntityNotFound"},
		{"list without --id", []string{"list-invalidations-for-distribution-tenant"}, ExitUsage,
			"give --id, the distribution tenant's ID (dt_…)"},
		{"list, bad tenant ID", []string{"list-invalidations-for-distribution-tenant", "--id", "dt/1"}, ExitUsage,
			`distribution tenant ID "dt/1" is invalid`},
		{"list, unknown tenant", []string{"list-invalidations-for-distribution-tenant", "--id", "dt_NOSUCH"}, ExitNotFound,
			"EntityNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(tt.args, "--state-dir", t.TempDir())
			if strings.HasPrefix(tt.args[0], "get") || strings.HasPrefix(tt.args[0], "list") {
				args = tt.args
			}
			code, out, stderr := mainIn(t, url, args...)
			if code != tt.code || !strings.Contains(stderr, tt.msg) || out != "" {
				t.Errorf("exit %d (want %d), stdout %q, stderr %q (want it to contain %q)", code, tt.code, out, stderr, tt.msg)
			}
		})
	}
}

// TestTenantParse checks what the tenant flags put in the options.
func TestTenantParse(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(o *invalidateOptions) bool
	}{
		{"invalidate", []string{"invalidate", "--distribution-tenant-id", "dt_1", "/a"}, func(o *invalidateOptions) bool {
			return o.Tenant == "dt_1" && len(o.Items) == 1 && !o.AWSOutput
		}},
		{"create-invalidation-for-distribution-tenant", []string{"create-invalidation-for-distribution-tenant", "--id", "dt_1", "--invalidation-batch", "x", "--wait"}, func(o *invalidateOptions) bool {
			return o.Tenant == "dt_1" && o.InvalidationBatch == "x" && o.Wait && o.AWSOutput && o.AWSOp == awscli.OpCreateInvalidationForDistributionTenant
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := TestIO()
			d := &Deps{IO: ios, Getenv: func(string) string { return "" }, Now: time.Now}
			var got *invalidateOptions
			capture := func(o *invalidateOptions) error { got = o; return nil }
			cmd := newInvalidateCmd(d, capture)
			if tt.args[0] != "invalidate" {
				cmd = newCreateTenantInvalidationCmd(d, capture)
			}
			cmd.SetArgs(tt.args[1:])
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if got == nil || !tt.want(got) {
				t.Errorf("options %+v", got)
			}
		})
	}
}
