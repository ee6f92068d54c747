package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestValidateBeforeHook is issue 29 item 4: every command checks its flags
// in RunE, before the runF test hook and before any client is built, so a
// bad --query, --output, refused global option, --ca-bundle, skeleton value
// or mutually exclusive path input is refused with a usage error and
// nothing runs.
func TestValidateBeforeHook(t *testing.T) {
	hooked := func(d *Deps, called *bool) []*cobra.Command {
		set := func() error { *called = true; return nil }
		return []*cobra.Command{
			newInvalidateCmd(d, func(*invalidateOptions) error { return set() }),
			newCreateTenantInvalidationCmd(d, func(*invalidateOptions) error { return set() }),
			newGetCmd(d, func(*getOptions) error { return set() }),
			newGetTenantInvalidationCmd(d, func(*getOptions) error { return set() }),
			newListCmd(d, func(*listOptions) error { return set() }),
			newWaitCmd(d, func(*waitOptions) error { return set() }),
			newDistributionsCmd(d, func(*distributionsOptions) error { return set() }),
		}
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"invalidate, bad --query", []string{"invalidate", "--distribution-id", "E1", "--query", "[", "/a"}, `invalid --query "["`},
		{"create-invalidation, batch and paths", []string{"create-invalidation", "--distribution-id", "E1", "--invalidation-batch", "Paths={Quantity=1,Items=[/a]},CallerReference=x", "/b"}, "--invalidation-batch and the path argument \"/b\" are mutually exclusive"},
		{"invalidate, bad skeleton", []string{"invalidate", "--generate-cli-skeleton=yaml"}, `invalid --generate-cli-skeleton "yaml"`},
		{"invalidate, refused option", []string{"invalidate", "--distribution-id", "E1", "--no-cli-pager", "/a"}, "--no-cli-pager is an AWS CLI option cfinv does not take"},
		{"invalidate, missing --ca-bundle", []string{"invalidate", "--distribution-id", "E1", "--ca-bundle", "/nonexistent/ca.pem", "/a"}, `--ca-bundle "/nonexistent/ca.pem"`},
		{"tenant invalidation, bad --query", []string{"create-invalidation-for-distribution-tenant", "--id", "dt_1", "--invalidation-batch", "Paths={Quantity=1,Items=[/a]},CallerReference=x", "--query", "["}, `invalid --query "["`},
		{"get, bad --query", []string{"get", "--distribution-id", "E1", "I1", "--query", "["}, `invalid --query "["`},
		{"tenant get, bad --query", []string{"get-invalidation-for-distribution-tenant", "--distribution-tenant-id", "dt_1", "--id", "I1", "--query", "["}, `invalid --query "["`},
		{"list, bad --query", []string{"list", "--distribution-id", "E1", "--query", "["}, `invalid --query "["`},
		{"wait, bad --query", []string{"wait", "--distribution-id", "E1", "I1", "--query", "["}, `invalid --query "["`},
		{"distributions, bad --query", []string{"distributions", "--query", "["}, `invalid --query "["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := TestIO()
			d := &Deps{IO: ios, Getenv: func(string) string { return "" }, Now: time.Now}
			root := NewRootCmd(d)
			var called bool
			for _, c := range hooked(d, &called) {
				for _, old := range root.Commands() {
					if old.Name() == c.Name() {
						root.RemoveCommand(old)
					}
				}
				root.AddCommand(c)
			}
			root.SetArgs(tt.args)
			err := root.Execute()
			if called {
				t.Errorf("runF ran with %q", tt.args)
			}
			if exitCode(err) != ExitUsage || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v (exit %d), want a usage error containing %q", err, exitCode(err), tt.want)
			}
		})
	}
}
