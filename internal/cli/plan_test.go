package cli

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/cfinv/cfinv/plan"
	"github.com/google/go-cmp/cmp"
)

func TestPlanCmdParse(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		check   func(t *testing.T, o *planOptions)
		wantErr string
	}{
		{"defaults", "--changed c.txt", func(t *testing.T, o *planOptions) {
			if o.Strategy != plan.Optimal || o.Placement != plan.Anywhere || o.IndexForms != plan.AllIndexForms ||
				o.MaxPaths != 0 || o.MaxWildcards != 15 || o.FreePathsLeft != 1000 || o.DefaultRootObject != "index.html" {
				t.Errorf("defaults = %+v", o)
			}
		}, ""},
		{"all flags", "--dir public --manifest m --write-manifest --strategy exact --wildcards segment --index-forms slash " +
			"--max-paths 50 --max-wildcards 3 --free-paths-left 7 --output json --out p.json --origin-path /prod --include-new",
			func(t *testing.T, o *planOptions) {
				if o.Dir != "public" || o.Manifest != "m" || !o.WriteManifest || o.Strategy != plan.Exact || o.Placement != plan.Segment ||
					o.IndexForms != plan.FormSlash || o.MaxPaths != 50 || o.MaxWildcards != 3 || o.FreePathsLeft != 7 ||
					o.Output != "json" || o.Out != "p.json" || o.OriginPath != "/prod" || !o.IncludeNew {
					t.Errorf("options = %+v", o)
				}
			}, ""},
		{"no source", "", nil, "no change source"},
		{"dir without manifest", "--dir public", nil, "--dir and --manifest go together"},
		{"write without dir", "--changed c --write-manifest", nil, "--write-manifest needs --dir"},
		{"two stdin", "--changed - --all-objects -", nil, "only one of"},
		{"strategy", "--changed c --strategy cheap", nil, `unknown strategy "cheap": want optimal, exact or everything`},
		{"wildcards", "--changed c --wildcards dir", nil, `want any or segment`},
		{"forms", "--changed c --index-forms dir", nil, `unknown index form "dir"`},
		{"max paths", "--changed c --max-paths 5000", nil, "--max-paths 5000 is out of range: want 1 to 3000"},
		{"max wildcards", "--changed c --max-wildcards 16", nil, "--max-wildcards 16 is out of range: want 0 to 15"},
		{"output", "--changed c --output yaml", nil, `--output "yaml": want table, json or paths`},
		{"origin path", "--changed c --origin-path prod", nil, "must start with '/'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := TestIO()
			var got *planOptions
			cmd := newPlanCmd(&Deps{IO: ios, Getenv: func(string) string { return "" }, Now: time.Now}, func(o *planOptions) error {
				got = o
				return nil
			})
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if code := exitCode(err); code != ExitUsage {
					t.Errorf("exit code %d, want %d", code, ExitUsage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

// writeFiles writes name→content files under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func runPlan(t *testing.T, tty bool, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, in, out, errOut := TestIO()
	ios.IsStdoutTTY = tty
	in.WriteString(stdin)
	code = Main(context.Background(), append([]string{"plan"}, args...), ios, func(string) string { return "" })
	return out.String(), errOut.String(), code
}

func TestPlanRun(t *testing.T) {
	dir := t.TempDir()
	var all strings.Builder
	all.WriteString("index.html\nabout/index.html\ncss/site.css\n")
	for i := range 30 {
		all.WriteString("blog/p" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".html\n")
	}
	writeFiles(t, dir, map[string]string{
		"all.txt":     all.String(),
		"changed.txt": "index.html\nblog/paa.html\nblog/pba.html\nblog/pca.html\n",
		"sync.log":    "upload: ./index.html to s3://site/index.html\ndelete: s3://site/old.html\n",
	})
	at := func(name string) string { return filepath.Join(dir, name) }

	t.Run("paths when piped", func(t *testing.T) {
		out, errOut, code := runPlan(t, false, "", "--changed", at("changed.txt"), "--all-objects", at("all.txt"), "--max-paths", "3")
		if code != ExitOK {
			t.Fatalf("exit %d, stderr %s", code, errOut)
		}
		if want := "/\n/blog/p*\n/index.html\n"; out != want {
			t.Errorf("stdout = %q, want %q", out, want)
		}
		if !strings.Contains(errOut, "3 paths (1 wildcard) in 1 batch cover 5 URLs; 27 purged needlessly") {
			t.Errorf("stderr = %q, want the summary", errOut)
		}
	})
	t.Run("table on a terminal", func(t *testing.T) {
		out, _, code := runPlan(t, true, "", "--changed", at("changed.txt"), "--all-objects", at("all.txt"), "--max-paths", "3", "--wildcards", "segment")
		if code != ExitOK {
			t.Fatalf("exit %d", code)
		}
		for _, want := range []string{"PATH", "/blog/*      wildcard  3        27", "/index.html  exact     1        0"} {
			if !strings.Contains(out, want) {
				t.Errorf("table %q lacks %q", out, want)
			}
		}
	})
	t.Run("json and plan file from stdin sync log", func(t *testing.T) {
		planFile := at("plan.json")
		out, errOut, code := runPlan(t, false, readFile(t, at("sync.log")), "--s3-sync-log", "-", "--all-objects", at("all.txt"), "--output", "json", "--out", planFile)
		if code != ExitOK {
			t.Fatalf("exit %d, stderr %s", code, errOut)
		}
		f, err := plan.Decode("stdout", []byte(out))
		if err != nil {
			t.Fatalf("stdout is not a plan file: %v\n%s", err, out)
		}
		want := [][]string{{"/", "/index.html", "/old.html"}}
		if diff := cmp.Diff(want, f.Batches()); diff != "" {
			t.Errorf("batches mismatch (-want +got):\n%s", diff)
		}
		g, err := plan.ReadFile(planFile)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(f.Batches(), g.Batches()); diff != "" {
			t.Errorf("--out differs from --output json (-stdout +file):\n%s", diff)
		}
	})
	t.Run("no inventory plans exact", func(t *testing.T) {
		out, errOut, code := runPlan(t, false, "", "--changed", at("changed.txt"))
		if code != ExitOK || out != "/\n/blog/paa.html\n/blog/pba.html\n/blog/pca.html\n/index.html\n" {
			t.Errorf("exit %d stdout %q", code, out)
		}
		if !strings.Contains(errOut, "wildcards cannot be priced") {
			t.Errorf("stderr = %q, want the note", errOut)
		}
	})
	t.Run("no inventory over budget", func(t *testing.T) {
		_, errOut, code := runPlan(t, false, "", "--changed", at("changed.txt"), "--max-paths", "2")
		if code != ExitUsage || !strings.Contains(errOut, "Try: give --all-objects") {
			t.Errorf("exit %d stderr %q, want %d and a hint", code, errOut, ExitUsage)
		}
	})
	t.Run("budget infeasible", func(t *testing.T) {
		_, errOut, code := runPlan(t, false, "", "--changed", at("changed.txt"), "--all-objects", at("all.txt"), "--max-paths", "2", "--max-wildcards", "0")
		if code != ExitUsage || !strings.Contains(errOut, "cannot be covered with at most 2 paths and 0 wildcards") {
			t.Errorf("exit %d stderr %q", code, errOut)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, errOut, code := runPlan(t, false, "", "--changed", at("nope.txt"))
		if code != ExitUsage || !strings.Contains(errOut, "nope.txt") {
			t.Errorf("exit %d stderr %q", code, errOut)
		}
	})
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPlanRunManifest(t *testing.T) {
	root := t.TempDir()
	site := filepath.Join(root, "public")
	manifest := filepath.Join(root, "manifest")
	writeFiles(t, site, map[string]string{"index.html": "v1", "a/index.html": "a", "b.css": "b"})
	args := []string{"--dir", site, "--manifest", manifest, "--write-manifest"}

	_, errOut, code := runPlan(t, false, "", "--dir", site, "--manifest", manifest)
	if code != ExitUsage || !strings.Contains(errOut, "on the first deploy add --write-manifest") {
		t.Fatalf("without a manifest: exit %d stderr %q", code, errOut)
	}
	out, errOut, code := runPlan(t, false, "", args...)
	if code != ExitOK || out != "" || !strings.Contains(errOut, "every file counts as new") {
		t.Fatalf("first deploy: exit %d stdout %q stderr %q", code, out, errOut)
	}
	writeFiles(t, site, map[string]string{"a/index.html": "a2", "new.html": "n"})
	if err := os.Remove(filepath.Join(site, "b.css")); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runPlan(t, false, "", args...)
	if code != ExitOK {
		t.Fatalf("second deploy: exit %d stderr %q", code, errOut)
	}
	// /a* covers /a, /a/ and /a/index.html and nothing else: one path.
	if want := "/a*\n/b.css\n"; out != want {
		t.Errorf("second deploy stdout = %q, want %q", out, want)
	}
	out, errOut, code = runPlan(t, false, "", args...)
	if code != ExitOK || out != "" || !strings.Contains(errOut, "0 hashed") {
		t.Errorf("unchanged tree: exit %d stdout %q stderr %q", code, out, errOut)
	}
}

func TestPlanFromDistribution(t *testing.T) {
	url, _, _, _ := testEmulator(t, 0)
	api := sdkClient(t, url)
	origin := func(id, domain, path string) types.Origin {
		o := types.Origin{Id: aws.String(id), DomainName: aws.String(domain), OriginPath: aws.String(path)}
		if strings.HasSuffix(domain, ".s3.amazonaws.com") {
			o.S3OriginConfig = &types.S3OriginConfig{OriginAccessIdentity: aws.String("")}
		} else {
			o.CustomOriginConfig = &types.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpsOnly}
		}
		return o
	}
	behaviour := func(pattern, target string) types.CacheBehavior {
		return types.CacheBehavior{PathPattern: aws.String(pattern), TargetOriginId: aws.String(target), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")}
	}
	created, err := api.CreateDistribution(t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("plan-test"), Comment: aws.String(""), Enabled: aws.Bool(true), DefaultRootObject: aws.String("home.html"),
		Origins: &types.Origins{Quantity: aws.Int32(3), Items: []types.Origin{
			origin("site", "bucket.s3.amazonaws.com", "/prod"),
			origin("assets", "bucket.s3.amazonaws.com", "/assets"),
			origin("api", "api.example.com", ""),
		}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{TargetOriginId: aws.String("site"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")},
		CacheBehaviors: &types.CacheBehaviors{Quantity: aws.Int32(2), Items: []types.CacheBehavior{behaviour("static/*", "assets"), behaviour("/api/*", "api")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.Distribution.Id)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"changed.txt": "prod/home.html\nprod/blog/a.html\nassets/static/app.css\nassets/other/x.css\nprod/api/v1.json\nstaging/x.html\n"})
	changed := filepath.Join(dir, "changed.txt")
	tests := []struct {
		name       string
		args       []string
		want       string
		wantStderr []string
	}{
		{"origins and behaviours", nil, "/\n/blog/a.html\n/home.html\n/static/app.css\n", []string{
			`default behaviour: origin "site" (bucket.s3.amazonaws.com), origin path "/prod"`,
			`behaviour "static/*": same bucket, origin path "/assets"`,
			`behaviour "/api/*": origin "api" is another host`,
			`default root object "home.html", also purged as /`,
		}},
		{"explicit origin path wins", []string{"--origin-path", "/prod"}, "/\n/api/v1.json\n/blog/a.html\n/home.html\n", []string{
			`--origin-path "/prod" given`,
		}},
		{"explicit root object wins", []string{"--default-root-object", "index.html"}, "/blog/a.html\n/home.html\n/static/app.css\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--changed", changed, "--strategy", "exact", "--distribution-id", id, "--endpoint-url", url}, tt.args...)
			out, errOut, code := runPlan(t, false, "", args...)
			if code != ExitOK {
				t.Fatalf("exit %d, stderr %s", code, errOut)
			}
			if out != tt.want {
				t.Errorf("stdout = %q, want %q", out, tt.want)
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not contain %q", errOut, w)
				}
			}
		})
	}
	t.Run("unknown distribution", func(t *testing.T) {
		_, errOut, code := runPlan(t, false, "", "--changed", changed, "--distribution-id", "E000000000000", "--endpoint-url", url)
		if code != ExitNotFound {
			t.Errorf("exit %d, want %d; stderr %s", code, ExitNotFound, errOut)
		}
	})
}

func TestPlanLiteralStarKey(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"changed.txt": "img/a*b.png\nindex.html\n",
		"all.txt":     "img/a*b.png\nimg/a.png\nimg/c.png\nindex.html\n",
	})
	out, errOut, code := runPlan(t, false, "", "--changed", filepath.Join(dir, "changed.txt"), "--all-objects", filepath.Join(dir, "all.txt"),
		"--output", "json", "--index-document", "", "--default-root-object", "")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	for _, want := range []string{`"path": "/img/a*"`, `"note": "/img/a*b.png has a literal '*'`, `"path": "/index.html"`} {
		if !strings.Contains(out, want) {
			t.Errorf("plan %s does not contain %s", out, want)
		}
	}
}

// TestPlanFunctionsAndErrorPages: with --distribution-id, plan runs the
// behaviours' viewer-request functions to learn the URLs they cache, warns
// about one whose effect is unknown and about a changed error page, in
// text and in JSON (golden files plan-functions.txt and .json; issue 26
// item 3).
func TestPlanFunctionsAndErrorPages(t *testing.T) {
	url, _, _, _ := testEmulator(t, 0)
	api := sdkClient(t, url)
	ctx := t.Context()
	fn := func(name, code string) *string {
		t.Helper()
		created, err := api.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String(name), FunctionCode: []byte(code),
			FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs10}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := api.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String(name), IfMatch: created.ETag}); err != nil {
			t.Fatal(err)
		}
		return created.FunctionSummary.FunctionMetadata.FunctionARN
	}
	assoc := func(arn *string) *types.FunctionAssociations {
		return &types.FunctionAssociations{Quantity: aws.Int32(1), Items: []types.FunctionAssociation{{FunctionARN: arn, EventType: types.EventTypeViewerRequest}}}
	}
	rewrite := fn("index-rewrite", `function handler(event) {
	var r = event.request;
	if (r.uri.endsWith('/')) { r.uri += 'index.html'; } else if (!r.uri.includes('.')) { r.uri += '/index.html'; }
	return r;
}`)
	throws := fn("throws", `function handler(event) { throw new Error('boom'); }`)
	const cachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	created, err := api.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String("plan-functions"), Comment: aws.String(""), Enabled: aws.Bool(true),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{Id: aws.String("site"), DomainName: aws.String("site.s3.amazonaws.com"),
			OriginPath: aws.String(""), S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")}}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{TargetOriginId: aws.String("site"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String(cachingOptimized), FunctionAssociations: assoc(rewrite)},
		CacheBehaviors: &types.CacheBehaviors{Quantity: aws.Int32(1), Items: []types.CacheBehavior{{PathPattern: aws.String("/legacy*"), TargetOriginId: aws.String("site"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll, CachePolicyId: aws.String(cachingOptimized), FunctionAssociations: assoc(throws)}}},
		CustomErrorResponses: &types.CustomErrorResponses{Quantity: aws.Int32(1), Items: []types.CustomErrorResponse{
			{ErrorCode: aws.Int32(404), ResponsePagePath: aws.String("/404.html"), ResponseCode: aws.String("404")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.Distribution.Id)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"changed.txt": "about/index.html\nblog/index.html\nlegacy/index.html\n404.html\n"})
	z := newNormaliser(url)
	z.add(id)
	args := []string{"--changed", filepath.Join(dir, "changed.txt"), "--strategy", "exact", "--free-paths-left", "0", "--distribution-id", id, "--endpoint-url", url}

	out, errOut, code := runPlan(t, false, "", args...)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	golden(t, "plan-functions.txt", z.apply("stdout:\n"+out+"stderr:\n"+errOut))

	out, errOut, code = runPlan(t, false, "", append(args, "--output", "json")...)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	created2 := regexp.MustCompile(`"created": "[^"]*"`)
	golden(t, "plan-functions.json", created2.ReplaceAllString(out, `"created": "CREATED"`))
}
