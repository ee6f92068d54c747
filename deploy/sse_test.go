package deploy_test

import (
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cfinv/cfinv/deploy"
)

// encryptByDefault sets the bucket's default encryption to SSE-KMS (the
// account's aws/s3 key, a bucket key): every object deploy writes then has
// an ETag that is not the MD5 of its bytes.
func encryptByDefault(t *testing.T, s *site) {
	t.Helper()
	if _, err := s.s3.PutBucketEncryption(t.Context(), &s3.PutBucketEncryptionInput{Bucket: aws.String(s.bucket),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms},
			BucketKeyEnabled:                   aws.Bool(true),
		}}}}); err != nil {
		t.Fatal(err)
	}
}

// TestRedeploySSEKMS: in a bucket whose default encryption is SSE-KMS, a
// redeploy of unchanged files uploads nothing and invalidates nothing
// (before: every file uploaded again and its URLs invalidated, on every
// deploy, because an SSE-KMS ETag is not the file's MD5); a changed file,
// of the same size or not, is uploaded and invalidated alone.
func TestRedeploySSEKMS(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *site) {
		encryptByDefault(t, s)
		dir := filepath.Join(t.TempDir(), "public")
		writeTree(t, dir, v1)
		s.mustRun(t, deploy.Options{Dir: dir})
		for _, step := range []struct {
			name  string
			edits map[string]string
			want  map[string]deploy.Reason
			paths []string
		}{
			{name: "unchanged", want: map[string]deploy.Reason{}},
			{name: "unchanged again (under the clean marker)", want: map[string]deploy.Reason{}},
			{name: "one file changed, same size", edits: map[string]string{"js/app.js": "console.log(2)"},
				want: map[string]deploy.Reason{"js/app.js": deploy.ReasonChanged}, paths: []string{"/js/app.js"}},
			{name: "one file changed, another size", edits: map[string]string{"js/app.js": "console.log(2)", "css/app.css": "body{color:red}"},
				want: map[string]deploy.Reason{"css/app.css": deploy.ReasonChanged}, paths: []string{"/css/app.css"}},
		} {
			before := len(s.invalidations(t))
			writeTree(t, dir, with(v1, step.edits))
			rep := s.mustRun(t, deploy.Options{Dir: dir})
			if diff := cmp.Diff(step.want, uploaded(rep)); diff != "" {
				t.Errorf("%s: uploads (-want +got):\n%s", step.name, diff)
			}
			var got [][]string
			if all := s.invalidations(t); len(all) > before {
				got = all[before:]
			}
			var want [][]string
			if step.paths != nil {
				want = [][]string{step.paths}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: invalidations (-want +got):\n%s", step.name, diff)
			}
		}
	})
}
