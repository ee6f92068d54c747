package deploy_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfinv/cfinv/deploy"
	"github.com/cfinv/cfinv/plan"
)

// TestInvalidationBudgets: a deploy plans its invalidations with the
// budgets of `cfinv plan` (wildcards allowed, up to CloudFront's 15), and
// checks them before its first upload. Before, it allowed no wildcard, so
// a deploy that changed more URLs than its path budget (1,474 URLs of 600
// pages at 60,000 files in bench/deploy) uploaded everything and then
// failed at the invalidation, leaving the changed pages cached.
func TestInvalidationBudgets(t *testing.T) {
	pages := map[string]string{"index.html": "home"}
	changed := map[string]string{}
	for i := range 40 {
		k := fmt.Sprintf("blog/p%02d/index.html", i)
		pages[k] = "v1 " + k
		changed[k] = "v2 " + k
	}
	cases := []struct {
		name      string
		opts      deploy.Options
		wantErr   bool // a *plan.BudgetError, before any upload
		wantPaths int  // most paths in the invalidation
	}{
		{name: "more URLs than paths: wildcards cover them", opts: deploy.Options{MaxPaths: 20}, wantPaths: 20},
		{name: "budgets no plan meets: nothing is written", opts: deploy.Options{MaxPaths: 20, MaxWildcards: -1}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, s *site) {
				dir := filepath.Join(t.TempDir(), "public")
				writeTree(t, dir, pages)
				s.mustRun(t, deploy.Options{Dir: dir})
				writeTree(t, dir, with(pages, changed))
				var r requests
				o := tc.opts
				o.Dir = dir
				rep, err := s.run(t, s.counted(s.endpoint, &r), o)
				invs := s.invalidations(t)
				if tc.wantErr {
					var be *plan.BudgetError
					if !errors.As(err, &be) {
						t.Fatalf("deploy: error %v, want a *plan.BudgetError", err)
					}
					if n := r.get("PutObject"); n != 0 || len(invs) != 0 {
						t.Errorf("after the budget error: %d PutObject, invalidations %v; want none", n, invs)
					}
					return
				}
				if err != nil {
					t.Fatalf("deploy: %v", err)
				}
				if len(rep.Uploads) != len(changed) || len(invs) != 1 {
					t.Fatalf("deploy: %d uploads, invalidations %v; want %d and one", len(rep.Uploads), invs, len(changed))
				}
				paths := invs[0]
				wild := 0
				for _, p := range paths {
					if strings.HasSuffix(p, "*") {
						wild++
					}
				}
				if len(paths) > tc.wantPaths || wild == 0 || wild > plan.DefaultMaxWildcards {
					t.Errorf("invalidation paths %v: %d paths, %d wildcards; want at most %d paths, 1 to %d wildcards", paths, len(paths), wild, tc.wantPaths, plan.DefaultMaxWildcards)
				}
			})
		})
	}
}

// TestUnreadableDistributionWritesNothing: the distributions are read
// while the directory is scanned and the bucket listed, before the first
// write: one that cannot be read stops the deploy with nothing uploaded.
// Before, every object was uploaded and the deploy failed after them.
func TestUnreadableDistributionWritesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		var r requests
		_, err := s.run(t, s.counted(s.endpoint, &r), deploy.Options{Dir: dir, DistributionIDs: []string{"ENOSUCHDIST0000"}})
		if err == nil || !strings.Contains(err.Error(), "ENOSUCHDIST0000") {
			t.Fatalf("deploy to an unknown distribution: error %v, want one naming it", err)
		}
		if n := r.get("PutObject"); n != 0 {
			t.Errorf("%d PutObject before the error, want none", n)
		}
		if ks := keys(t, s); len(ks) != 0 {
			t.Errorf("the bucket holds %v, want nothing", ks)
		}
	})
}
