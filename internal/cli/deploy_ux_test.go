package cli

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestDeployQuery: --query applies to the report's JSON, as for the other
// commands; a bad one is refused before anything is written.
func TestDeployQuery(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		wantOut  string
		wantCode int
		wantErr  string
	}{
		{name: "json", args: []string{"--deploy-id", "q1", "--output", "json", "--query", "deploy_id"}, wantOut: "\"q1\"\n"},
		{name: "json list", args: []string{"--output", "json", "--query", "uploads[].key"}, wantOut: "[\n    \"app.css\",\n    \"index.html\"\n]\n"},
		{name: "text", args: []string{"--query", "[files, unchanged]"}, wantOut: "2\t0\n"},
		{name: "invalid", args: []string{"--query", "uploads[", "--output", "json"}, wantCode: ExitUsage, wantErr: `invalid --query "uploads["`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newDeploySite(t)
			s.write(t, map[string]string{"index.html": "<h1>1</h1>", "app.css": "a{}"})
			out, errOut, code := s.run(t, tc.args...)
			if code != tc.wantCode || out != tc.wantOut || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s\nwant exit %d, stdout %q, stderr with %q", code, out, errOut, tc.wantCode, tc.wantOut, tc.wantErr)
			}
			if tc.wantCode != 0 {
				list, err := s.s3.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String("site")})
				if err != nil || len(list.Contents) != 0 {
					t.Errorf("a refused --query wrote %d objects (%v), want none", len(list.Contents), err)
				}
			}
		})
	}
}
