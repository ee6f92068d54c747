package interop

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// awsCLI runs `aws --endpoint-url URL --output json cloudfront ARGS…`.
func awsCLI(t *testing.T, env []string, srv *server, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	aws := need(t, "aws", "install the AWS CLI v1 (pip install awscli)")
	full := append([]string{"--endpoint-url", srv.URL, "--output", "json", "cloudfront"}, args...)
	return run(t, env, "", aws, full...)
}

// mustAWS runs the CLI and fails unless it exits 0.
func mustAWS(t *testing.T, env []string, srv *server, args ...string) string {
	t.Helper()
	out, errOut, code := awsCLI(t, env, srv, args...)
	if code != 0 {
		t.Fatalf("aws cloudfront %s: exit %d\nstderr:\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func TestAWSCLI(t *testing.T) {
	t.Parallel()
	srv := startServe(t, "2s")
	env := clientEnv(t, srv.URL)

	var created struct {
		Location     string
		ETag         string
		Distribution struct {
			Id, Status, DomainName string
		}
	}
	decode(t, "create-distribution", mustAWS(t, env, srv, "create-distribution", "--origin-domain-name", "example-bucket.s3.amazonaws.com"), &created)
	dist := created.Distribution.Id
	if dist == "" || created.ETag == "" || !strings.HasSuffix(created.Location, "/2020-05-31/distribution/"+dist) {
		t.Fatalf("create-distribution: got Id %q ETag %q Location %q, want all set", dist, created.ETag, created.Location)
	}

	t.Run("get-distribution", func(t *testing.T) {
		var got struct {
			ETag         string
			Distribution struct {
				Id                 string
				DistributionConfig struct {
					Origins struct {
						Items []struct{ DomainName string }
					}
				}
			}
		}
		decode(t, "get-distribution", mustAWS(t, env, srv, "get-distribution", "--id", dist), &got)
		if got.Distribution.Id != dist || got.ETag != created.ETag {
			t.Errorf("got Id %q ETag %q, want %q %q", got.Distribution.Id, got.ETag, dist, created.ETag)
		}
		if o := got.Distribution.DistributionConfig.Origins.Items; len(o) != 1 || o[0].DomainName != "example-bucket.s3.amazonaws.com" {
			t.Errorf("got origins %+v, want the one origin the CLI sent", o)
		}
	})

	t.Run("list-distributions", func(t *testing.T) {
		var got struct {
			DistributionList struct {
				Items []struct{ Id string }
			}
		}
		decode(t, "list-distributions", mustAWS(t, env, srv, "list-distributions"), &got)
		var ids []string
		for _, it := range got.DistributionList.Items {
			ids = append(ids, it.Id)
		}
		if !slices.Contains(ids, dist) {
			t.Errorf("got distributions %v, want %s among them", ids, dist)
		}
	})

	var invIDs []string
	t.Run("create-invalidation", func(t *testing.T) {
		for i := range 3 {
			var got struct {
				Location     string
				Invalidation struct {
					Id, Status        string
					InvalidationBatch struct {
						Paths struct {
							Quantity int
							Items    []string
						}
						CallerReference string
					}
				}
			}
			path := fmt.Sprintf("/cli/%d/*", i)
			decode(t, "create-invalidation", mustAWS(t, env, srv, "create-invalidation", "--distribution-id", dist, "--paths", path, "/index.html"), &got)
			inv := got.Invalidation
			if inv.Status != "InProgress" || inv.InvalidationBatch.Paths.Quantity != 2 ||
				!slices.Equal(inv.InvalidationBatch.Paths.Items, []string{path, "/index.html"}) ||
				!strings.HasPrefix(inv.InvalidationBatch.CallerReference, "cli-") {
				t.Errorf("got %+v, want InProgress with the two paths and the CLI's caller reference", inv)
			}
			if !strings.HasSuffix(got.Location, "/2020-05-31/distribution/"+dist+"/invalidation/"+inv.Id) {
				t.Errorf("got Location %q", got.Location)
			}
			invIDs = append(invIDs, inv.Id)
		}
	})
	if len(invIDs) != 3 {
		t.Fatalf("created %d invalidations, want 3", len(invIDs))
	}

	t.Run("get-invalidation", func(t *testing.T) {
		var got struct {
			Invalidation struct{ Id, Status, CreateTime string }
		}
		decode(t, "get-invalidation", mustAWS(t, env, srv, "get-invalidation", "--distribution-id", dist, "--id", invIDs[0]), &got)
		if got.Invalidation.Id != invIDs[0] || got.Invalidation.CreateTime == "" {
			t.Errorf("got %+v, want Id %s with a CreateTime", got.Invalidation, invIDs[0])
		}
		if s := got.Invalidation.Status; s != "InProgress" && s != "Completed" {
			t.Errorf("got status %q, want InProgress or Completed", s)
		}
	})

	t.Run("list-invalidations paginated", func(t *testing.T) {
		// --page-size 1 makes the CLI follow NextMarker through three pages.
		var got struct {
			InvalidationList struct {
				Items []struct{ Id, Status string }
			}
		}
		decode(t, "list-invalidations", mustAWS(t, env, srv, "list-invalidations", "--distribution-id", dist, "--page-size", "1"), &got)
		var ids []string
		for _, it := range got.InvalidationList.Items {
			ids = append(ids, it.Id)
		}
		want := []string{invIDs[2], invIDs[1], invIDs[0]}
		if !slices.Equal(ids, want) {
			t.Errorf("got %v, want newest first %v", ids, want)
		}
		// --max-items 2 stops early and hands back a NextToken.
		var page struct {
			InvalidationList struct{ Items []struct{ Id string } }
			NextToken        string
		}
		decode(t, "list-invalidations --max-items", mustAWS(t, env, srv, "list-invalidations", "--distribution-id", dist, "--page-size", "1", "--max-items", "2"), &page)
		if len(page.InvalidationList.Items) != 2 || page.NextToken == "" {
			t.Errorf("got %d items and NextToken %q, want 2 and a token", len(page.InvalidationList.Items), page.NextToken)
		}
	})

	t.Run("NoSuchDistribution", func(t *testing.T) {
		_, errOut, code := awsCLI(t, env, srv, "get-invalidation", "--distribution-id", "EDOESNOTEXIST1", "--id", invIDs[0])
		if code != 255 || !strings.Contains(errOut, "(NoSuchDistribution)") {
			t.Errorf("got exit %d, stderr %q; want 255 and (NoSuchDistribution)", code, errOut)
		}
	})

	t.Run("NoSuchInvalidation", func(t *testing.T) {
		_, errOut, code := awsCLI(t, env, srv, "get-invalidation", "--distribution-id", dist, "--id", "IDOESNOTEXIST1")
		if code != 255 || !strings.Contains(errOut, "(NoSuchInvalidation)") {
			t.Errorf("got exit %d, stderr %q; want 255 and (NoSuchInvalidation)", code, errOut)
		}
	})

	t.Run("wrong secret", func(t *testing.T) {
		bad := append(slices.Clone(env), "AWS_SECRET_ACCESS_KEY=not-the-secret")
		_, errOut, code := awsCLI(t, bad, srv, "list-invalidations", "--distribution-id", dist)
		if code != 255 || !strings.Contains(errOut, "(SignatureDoesNotMatch)") {
			t.Errorf("got exit %d, stderr %q; want 255 and (SignatureDoesNotMatch)", code, errOut)
		}
	})

	t.Run("unknown key", func(t *testing.T) {
		bad := append(slices.Clone(env), "AWS_ACCESS_KEY_ID=AKIAUNKNOWNUNKNOWN00")
		_, errOut, code := awsCLI(t, bad, srv, "get-distribution", "--id", dist)
		if code != 255 || !strings.Contains(errOut, "(InvalidClientTokenId)") {
			t.Errorf("got exit %d, stderr %q; want 255 and (InvalidClientTokenId)", code, errOut)
		}
	})

	t.Run("bad path", func(t *testing.T) {
		_, errOut, code := awsCLI(t, env, srv, "create-invalidation", "--distribution-id", dist, "--paths", "noslash")
		if code != 255 || !strings.Contains(errOut, "(InvalidArgument)") {
			t.Errorf("got exit %d, stderr %q; want 255 and (InvalidArgument)", code, errOut)
		}
	})
}

// TestAWSCLIWait runs `aws cloudfront wait invalidation-completed` against a
// server whose invalidations complete at once: the waiter's first
// GetInvalidation sees Completed and it exits 0 without sleeping its 20 s.
func TestAWSCLIWait(t *testing.T) {
	t.Parallel()
	srv := startServe(t, "0s")
	env := clientEnv(t, srv.URL)
	var created struct{ Distribution struct{ Id string } }
	decode(t, "create-distribution", mustAWS(t, env, srv, "create-distribution", "--origin-domain-name", "origin.example.com"), &created)
	dist := created.Distribution.Id
	var inv struct{ Invalidation struct{ Id string } }
	decode(t, "create-invalidation", mustAWS(t, env, srv, "create-invalidation", "--distribution-id", dist, "--paths", "/*"), &inv)
	out, errOut, code := awsCLI(t, env, srv, "wait", "invalidation-completed", "--distribution-id", dist, "--id", inv.Invalidation.Id)
	if code != 0 {
		t.Fatalf("wait invalidation-completed: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	var got struct{ Invalidation struct{ Status string } }
	decode(t, "get-invalidation", mustAWS(t, env, srv, "get-invalidation", "--distribution-id", dist, "--id", inv.Invalidation.Id), &got)
	if got.Invalidation.Status != "Completed" {
		t.Errorf("got status %q after waiting, want Completed", got.Invalidation.Status)
	}
}

// TestAWSCLIStrictRegion checks --strict-region: a CLI configured for
// eu-west-1 (which, given --endpoint-url, signs for eu-west-1) is refused
// the way real CloudFront refuses it, and us-east-1 still works.
func TestAWSCLIStrictRegion(t *testing.T) {
	t.Parallel()
	srv := startServe(t, "0s", "--strict-region")
	env := clientEnv(t, srv.URL)
	mustAWS(t, env, srv, "list-distributions")
	eu := append(slices.Clone(env), "AWS_DEFAULT_REGION=eu-west-1", "AWS_REGION=eu-west-1")
	_, errOut, code := awsCLI(t, eu, srv, "list-distributions")
	if code != 255 || !strings.Contains(errOut, "(SignatureDoesNotMatch)") || !strings.Contains(errOut, "Credential should be scoped to a valid region, not 'eu-west-1'.") {
		t.Errorf("got exit %d, stderr %q; want 255, SignatureDoesNotMatch and the region message", code, errOut)
	}
}
