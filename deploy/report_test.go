package deploy_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/deploy"
)

// TestReportJSON pins the JSON of the report, byte for byte, of a first
// deploy (every file uploaded), a redeploy that changes a file and deletes
// another, and one that changes nothing (no uploads: null): the tables a
// deploy holds per file are kept small (issue 31) without changing what
// it reports. A dry run with Options.EachUpload before each is given the
// uploads the report lists.
func TestReportJSON(t *testing.T) {
	s := newSite(t, "cfinv")
	dir := t.TempDir()
	cfg, err := deploy.ParseConfig([]byte("routes:\n  - match: \"assets/**\"\n    gzip: true\n    headers: { Cache-Control: \"max-age=31536000\" }\n"), "test.yml")
	if err != nil {
		t.Fatal(err)
	}
	o := deploy.Options{Dir: dir, Config: cfg, DeployID: "pinned", Delete: true, DistributionIDs: []string{}}
	steps := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"first", map[string]string{"index.html": "<p>home", "about/index.html": "<p>about", "assets/app.js": "let a = 1", "style.css": "p{}"},
			`{"deploy_id":"pinned","bucket":"site","files":4,"uploads":[` +
				`{"key":"assets/app.js","size":33,"headers":{"Cache-Control":"max-age=31536000","Content-Encoding":"gzip","Content-Type":"text/javascript; charset=utf-8"},"reason":"new"},` +
				`{"key":"style.css","size":3,"headers":{"Content-Type":"text/css; charset=utf-8"},"reason":"new"},` +
				`{"key":"about/index.html","size":8,"headers":{"Content-Type":"text/html; charset=utf-8"},"reason":"new","entry":true},` +
				`{"key":"index.html","size":7,"headers":{"Content-Type":"text/html; charset=utf-8"},"reason":"new","entry":true}],` +
				`"uploaded":4,"unchanged":0,"files_read":4,"invalidations":null,"deleted":null,"clean_marker":"about/index.html"}`},
		{"change and delete", map[string]string{"index.html": "<p>home!", "about/index.html": "<p>about", "assets/app.js": "let a = 1"},
			`{"deploy_id":"pinned","bucket":"site","files":3,"uploads":[` +
				`{"key":"index.html","size":8,"headers":{"Content-Type":"text/html; charset=utf-8"},"reason":"changed","entry":true}],` +
				`"uploaded":1,"unchanged":2,"files_read":3,"invalidations":null,"deleted":["style.css"],"clean_marker":"about/index.html"}`},
		{"nothing", map[string]string{"index.html": "<p>home!", "about/index.html": "<p>about", "assets/app.js": "let a = 1"},
			`{"deploy_id":"pinned","bucket":"site","files":3,"uploads":null,` +
				`"uploaded":0,"unchanged":3,"files_read":3,"invalidations":null,"deleted":null,"clean_marker":"about/index.html","already_complete":true}`},
	}
	for _, step := range steps {
		writeTree(t, dir, step.files)
		// Options.EachUpload is given what Report.Uploads lists.
		var each []deploy.Upload
		dry := o
		dry.DryRun = true
		dry.EachUpload = func(u deploy.Upload) { each = append(each, u) }
		planned := s.mustRun(t, dry)
		rep := s.mustRun(t, o)
		if diff := cmp.Diff(rep.Uploads, each); diff != "" {
			t.Errorf("%s: uploads given to EachUpload (-report +given):\n%s", step.name, diff)
		}
		if planned.Uploads != nil || planned.Uploaded != len(each) {
			t.Errorf("%s: with EachUpload, Report.Uploads %v and Uploaded %d; want nil and %d", step.name, planned.Uploads, planned.Uploaded, len(each))
		}
		got, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(step.want, string(got)); diff != "" {
			t.Errorf("%s: report JSON (-want +got):\n%s", step.name, diff)
		}
	}
}
