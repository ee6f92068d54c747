package interop

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDropInSideBySide runs the AWS CLI v1 and cfinv side by side against
// one cfinv serve, for create-invalidation, get-invalidation and
// list-invalidations, in every output format, with and without --query, and
// for list-invalidations with the AWS CLI's pagination options; stdout must
// be the same byte for byte once the values each run chooses anew (IDs,
// times, caller references) are normalised (issue 11 items 1, 2 and 5).
func TestDropInSideBySide(t *testing.T) {
	t.Parallel()
	sb := newSideBySide(t, "1h")
	aws, cfinv, same := sb.aws, sb.cfinv, sb.same
	raw := func(s string) string { return s }

	out, errOut, code := aws("create-distribution", "--origin-domain-name", "site.s3.amazonaws.com", "--query", "Distribution.Id", "--output", "text")
	if code != 0 {
		t.Fatalf("create-distribution: exit %d: %s", code, errOut)
	}
	dist := strings.TrimSpace(out)
	out, _, _ = aws("create-distribution", "--origin-domain-name", "empty.s3.amazonaws.com", "--query", "Distribution.Id", "--output", "text")
	empty := strings.TrimSpace(out)
	for i := range 5 {
		if _, errOut, code := aws("create-invalidation", "--distribution-id", dist, "--paths", fmt.Sprintf("/page/%d.html", i), "/index.html"); code != 0 {
			t.Fatalf("create-invalidation: exit %d: %s", code, errOut)
		}
	}
	out, _, _ = aws("list-invalidations", "--distribution-id", dist, "--query", "InvalidationList.Items[-1].Id", "--output", "text")
	inv := strings.TrimSpace(out)

	formats := []string{"json", "text", "table"}
	withQuery := func(args []string, format, query string) []string {
		args = append(append([]string{}, args...), "--output", format)
		if query != "" {
			args = append(args, "--query", query)
		}
		return args
	}

	t.Run("create-invalidation", func(t *testing.T) {
		n := 0
		for _, q := range []string{"", "Invalidation.Id", "Invalidation.InvalidationBatch", "Invalidation.{S:Status,I:Id}", "Location", "length(Invalidation.InvalidationBatch.Paths.Items)"} {
			for _, f := range formats {
				n++
				t.Run(f+" "+q, func(t *testing.T) {
					batch := func(who string) []string {
						return []string{"create-invalidation", "--distribution-id", dist, "--invalidation-batch",
							fmt.Sprintf("Paths={Quantity=2,Items=[/index.html,/a%%20b.html]},CallerReference=ref-%s-%04d", who, n)}
					}
					same(t, normaliseCreated, withQuery(batch("aws"), f, q), withQuery(batch("cfi"), f, q))
				})
			}
		}
		// --paths: both tools make up a cli-<seconds>-<random> reference,
		// whose length varies, so tables are left out.
		for _, f := range []string{"json", "text"} {
			t.Run("--paths "+f, func(t *testing.T) {
				args := []string{"create-invalidation", "--distribution-id", dist, "--paths", "/z.html", "/y.html", "--output", f}
				same(t, normaliseCreated, args, args)
			})
		}
	})

	t.Run("get-invalidation", func(t *testing.T) {
		for _, q := range []string{"", "Invalidation.Status", "Invalidation.InvalidationBatch.Paths.Items", "Invalidation.{C:CreateTime,I:Id}", "Invalidation.{Status:Status,Id:Id}", "Invalidation.[Id, InvalidationBatch.Paths.Quantity]"} {
			for _, f := range formats {
				t.Run(f+" "+q, func(t *testing.T) {
					args := withQuery([]string{"get-invalidation", "--distribution-id", dist, "--id", inv}, f, q)
					same(t, raw, args, args)
				})
			}
		}
	})

	t.Run("list-invalidations", func(t *testing.T) {
		for _, pages := range [][]string{nil, {"--max-items", "2"}, {"--max-items", "3", "--page-size", "2"}, {"--page-size", "2"}, {"--no-paginate"}, {"--no-paginate", "--max-items", "2"}} {
			for _, q := range []string{"", "InvalidationList.Items[].Id", "NextToken"} {
				for _, f := range formats {
					t.Run(strings.Join(pages, " ")+" "+f+" "+q, func(t *testing.T) {
						args := withQuery(append([]string{"list-invalidations", "--distribution-id", dist}, pages...), f, q)
						same(t, raw, args, args)
					})
				}
			}
		}
		for _, f := range formats {
			t.Run("empty "+f, func(t *testing.T) {
				args := []string{"list-invalidations", "--distribution-id", empty, "--output", f}
				same(t, raw, args, args)
			})
		}
	})

	t.Run("tokens are interchangeable", func(t *testing.T) {
		first := []string{"list-invalidations", "--distribution-id", dist, "--max-items", "3", "--page-size", "2", "--query", "NextToken", "--output", "json"}
		awsTok, _, _ := aws(first...)
		cfinvTok, _, _ := cfinv(first...)
		if awsTok != cfinvTok || !strings.HasPrefix(awsTok, `"eyJ`) {
			t.Fatalf("NextToken: aws %q, cfinv %q; want the same botocore token", awsTok, cfinvTok)
		}
		tok := strings.Trim(strings.TrimSpace(awsTok), `"`)
		for _, f := range formats {
			t.Run(f, func(t *testing.T) {
				args := []string{"list-invalidations", "--distribution-id", dist, "--starting-token", tok, "--page-size", "2", "--output", f}
				same(t, raw, args, args)
			})
		}
	})

	t.Run("generate-cli-skeleton", func(t *testing.T) {
		for _, c := range [][]string{
			{"create-invalidation", "--distribution-id", dist, "--invalidation-batch", "Paths={Quantity=1,Items=[/a]},CallerReference=x"},
			{"get-invalidation", "--distribution-id", dist, "--id", inv},
			{"list-invalidations", "--distribution-id", dist},
		} {
			for _, which := range []string{"input", "output"} {
				t.Run(c[0]+" "+which, func(t *testing.T) {
					args := append(append([]string{}, c...), "--generate-cli-skeleton", which)
					same(t, raw, args, args)
				})
			}
		}
	})
}

var (
	createdID   = regexp.MustCompile(`\bI[A-Z0-9]{13}\b`)
	createdTime = regexp.MustCompile(`\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\b`)
	createdRef  = regexp.MustCompile(`\bref-(aws|cfi)-|\bcli-\d+-\d+\b`)
)

// normaliseCreated replaces what differs between two create-invalidation
// runs with placeholders of the same length: the invalidation's ID, its
// creation time and the tool in the caller reference (ref-aws-N, ref-cfi-N;
// the AWS CLI's cli-SECONDS-RANDOM).
func normaliseCreated(s string) string {
	s = createdID.ReplaceAllString(s, "IXXXXXXXXXXXXX")
	s = createdTime.ReplaceAllString(s, "2000-01-01T00:00:00.000Z")
	return createdRef.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "cli-") {
			return "cli-REF"
		}
		return "ref-xxx-"
	})
}

// TestDropInWait runs "aws cloudfront wait invalidation-completed" and
// "cfinv wait invalidation-completed" side by side (issue 11 item 3): both
// print nothing once the invalidation is Completed, and both fail on an
// invalidation that does not exist (the AWS CLI with 255, cfinv with its
// own 4, naming the ID).
func TestDropInWait(t *testing.T) {
	t.Parallel()
	sb := newSideBySide(t, "0s")
	aws, cfinv := sb.aws, sb.cfinv
	out, errOut, code := aws("create-distribution", "--origin-domain-name", "site.s3.amazonaws.com", "--query", "Distribution.Id", "--output", "text")
	if code != 0 {
		t.Fatalf("create-distribution: exit %d: %s", code, errOut)
	}
	dist := strings.TrimSpace(out)
	out, errOut, code = aws("create-invalidation", "--distribution-id", dist, "--paths", "/index.html", "--query", "Invalidation.Id", "--output", "text")
	if code != 0 {
		t.Fatalf("create-invalidation: exit %d: %s", code, errOut)
	}
	inv := strings.TrimSpace(out)
	args := []string{"wait", "invalidation-completed", "--distribution-id", dist, "--id", inv}
	awsOut, awsErr, awsCode := aws(args...)
	cfinvOut, cfinvErr, cfinvCode := cfinv(args...)
	if awsCode != 0 || cfinvCode != 0 || awsOut != "" || cfinvOut != "" {
		t.Errorf("completed: aws exit %d stdout %q (stderr %q), cfinv exit %d stdout %q (stderr %q); want 0 and nothing from both", awsCode, awsOut, awsErr, cfinvCode, cfinvOut, cfinvErr)
	}
	missing := []string{"wait", "invalidation-completed", "--distribution-id", dist, "--id", "INOSUCH0000001"}
	_, _, awsCode = aws(missing...)
	_, cfinvErr, cfinvCode = cfinv(missing...)
	if awsCode != 255 || cfinvCode != 4 || !strings.Contains(cfinvErr, "invalidation INOSUCH0000001 does not exist") {
		t.Errorf("missing: aws exit %d, cfinv exit %d (stderr %q); want 255 and 4 naming the ID", awsCode, cfinvCode, cfinvErr)
	}
}

// sideBySide runs the AWS CLI v1 and cfinv against one cfinv serve (with
// the given completion delay), each with the clients' environment; cfinv
// keeps its journal in a state directory of its own.
type sideBySide struct {
	t                *testing.T
	url              string
	env, cfinvEnv    []string
	awsBin, cfinvBin string
}

func newSideBySide(t *testing.T, completionDelay string) *sideBySide {
	t.Helper()
	srv := startServe(t, completionDelay)
	env := clientEnv(t, srv.URL)
	return &sideBySide{
		t: t, url: srv.URL, env: env,
		cfinvEnv: append(append([]string{}, env...), "XDG_STATE_HOME="+filepath.Join(t.TempDir(), "state")),
		awsBin:   need(t, "aws", "install the AWS CLI v1 (pip install awscli)"),
		cfinvBin: cfinvBinary(t),
	}
}

// aws runs "aws --endpoint-url URL cloudfront args…".
func (s *sideBySide) aws(args ...string) (string, string, int) {
	return run(s.t, s.env, "", s.awsBin, append([]string{"--endpoint-url", s.url, "cloudfront"}, args...)...)
}

// cfinv runs "cfinv args… --endpoint-url URL".
func (s *sideBySide) cfinv(args ...string) (string, string, int) {
	return run(s.t, s.cfinvEnv, "", s.cfinvBin, append(args, "--endpoint-url", s.url)...)
}

// same runs both and compares their stdout (after norm) and whether they
// failed.
func (s *sideBySide) same(t *testing.T, norm func(string) string, awsArgs, cfinvArgs []string) {
	t.Helper()
	wantOut, wantErr, wantCode := s.aws(awsArgs...)
	gotOut, gotErr, gotCode := s.cfinv(cfinvArgs...)
	if (wantCode == 0) != (gotCode == 0) {
		t.Fatalf("aws exit %d (stderr %q), cfinv exit %d (stderr %q)", wantCode, wantErr, gotCode, gotErr)
	}
	if diff := cmp.Diff(norm(wantOut), norm(gotOut)); diff != "" {
		t.Errorf("stdout differs (-aws +cfinv):\n%s\naws:\n%s\ncfinv:\n%s", diff, wantOut, gotOut)
	}
}
