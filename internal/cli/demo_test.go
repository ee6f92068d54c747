package cli

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemo runs the demo and checks what each step showed: the order of
// the uploads, the invalidation of the second deploy, version 2 served
// after it, and nothing done by the third.
func TestDemo(t *testing.T) {
	ios, _, out, errOut := TestIO()
	opts := &demoOptions{IO: ios, Getenv: func(string) string { return "" }, Now: time.Now, DataDir: t.TempDir()}
	if err := demoRun(t.Context(), opts); err != nil {
		t.Fatalf("demoRun: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	got := out.String()
	for _, tt := range []struct {
		name string
		want *regexp.Regexp
	}{
		{"bucket and S3 origin", regexp.MustCompile(`(?m)^2\. CreateDistribution .* origin site\.s3\.amazonaws\.com$`)},
		{"the command a user types", regexp.MustCompile(`(?m)^   cfinv deploy \S+ s3://site --s3-endpoint-url http://127\.0\.0\.1:\d+ --endpoint-url http://127\.0\.0\.1:\d+ --distribution-id E[0-9A-Z]{13} --deploy-id build-1$`)},
		{"v1: new objects, no invalidation", regexp.MustCompile(`(?s)uploaded assets/site\.css \(\d+ bytes, new\).*uploaded index\.html \(\d+ bytes, new\).*: nothing to invalidate\n.*2 new objects.*no invalidation\n`)},
		{"v1 served: Miss then Hit", regexp.MustCompile(`(?m)^4\. GET / then /index\.html +200 Miss version 1, then 200 Hit version 1$`)},
		{"v1 css served", regexp.MustCompile(`(?m)^5\. GET /assets/site\.css twice +200 Miss version 1, then 200 Hit version 1$`)},
		{"v2: the css stored before the html", regexp.MustCompile(`(?s)--deploy-id build-2\n   \| scan: 2 files\n   \| compare: 2 objects\n   \| upload assets: 1 object, [0-9.]+ k?B\n   \| upload entries: 1 object, [0-9.]+ k?B\n.*uploaded assets/site\.css \(\d+ bytes, changed\).*\n   \| uploaded index\.html \(\d+ bytes, changed\)`)},
		{"v2: the paths invalidated", regexp.MustCompile(`(?m)^   \| invalidated E[0-9A-Z]+: 1 path for 3 URLs in 1 batch.*\n   \|   /\*\n`)},
		{"v2: waited for Completed", regexp.MustCompile(`(?m)^   invalidation I[0-9A-Z]{13} of /\* is Completed: cfinv deploy waited for it`)},
		{"v2 served: Miss then Hit", regexp.MustCompile(`(?m)^7\. GET / then /index\.html +200 Miss version 2, then 200 Hit version 2$`)},
		{"v2 css served", regexp.MustCompile(`(?m)^8\. GET /assets/site\.css twice +200 Miss version 2, then 200 Hit version 2$`)},
		{"third deploy: nothing", regexp.MustCompile(`(?s)--deploy-id build-3\n.*: nothing to invalidate\n   \| deploy build-3: 2 files, 0 objects uploaded, 2 unchanged, 0 objects deleted\n   0 uploads, no invalidation\n`)},
		{"passed", regexp.MustCompile(`(?m)^Demo passed`)},
	} {
		if !tt.want.MatchString(got) {
			t.Errorf("%s: output does not match %s:\n%s", tt.name, tt.want, got)
		}
	}
	if strings.Contains(got, "UNEXPECTED") {
		t.Errorf("a step failed:\n%s", got)
	}
	checkREADMEDemo(t, got)
}

// TestParseDemoDeploy: the demo reads cfinv deploy's output to check each
// run; an entry uploaded before the assets' step is caught.
func TestParseDemoDeploy(t *testing.T) {
	tests := []struct {
		name      string
		out       string
		wantOrder bool
		wantPaths int
		wantID    string
	}{
		{name: "assets first", out: "scan: 2 objects\nupload assets: 1 object\nupload entries: 1 object\ninvalidated E1: 1 path for 1 URL in 1 batch, estimated $0.000 (I0EB8ROOAMH6L3)\n  /index.html\n",
			wantOrder: true, wantPaths: 1, wantID: "I0EB8ROOAMH6L3"},
		{name: "entries first", out: "upload entries: 1 object\nupload assets: 1 object\n"},
		{name: "no entries step", out: "upload assets: 1 object\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := parseDemoDeploy(tt.out)
			if d.assetsBeforeEntries != tt.wantOrder || len(d.paths) != tt.wantPaths || d.invalidation != tt.wantID {
				t.Errorf("parseDemoDeploy = order %v, paths %q, ID %q; want %v, %d paths, %q", d.assetsBeforeEntries, d.paths, d.invalidation, tt.wantOrder, tt.wantPaths, tt.wantID)
			}
		})
	}
}
