package interop

import (
	"regexp"
	"strings"
	"testing"
)

// TestAWSCLIOriginAccessIdentity is the AWS CLI's round trip of an origin
// access identity against cfinv serve: create, get, list, update, a
// distribution naming it (delete refused while it does), delete.
func TestAWSCLIOriginAccessIdentity(t *testing.T) {
	t.Parallel()
	srv := startServe(t, "0s")
	env := clientEnv(t, srv.URL)

	type identity struct {
		Id, S3CanonicalUserId                string
		CloudFrontOriginAccessIdentityConfig struct{ CallerReference, Comment string }
	}
	var created struct {
		Location, ETag                 string
		CloudFrontOriginAccessIdentity identity
	}
	decode(t, "create-cloud-front-origin-access-identity", mustAWS(t, env, srv, "create-cloud-front-origin-access-identity",
		"--cloud-front-origin-access-identity-config", "CallerReference=cli-oai,Comment=site bucket"), &created)
	id := created.CloudFrontOriginAccessIdentity.Id
	if !regexp.MustCompile(`^E[A-Z0-9]{13}$`).MatchString(id) || created.ETag == "" ||
		!strings.HasSuffix(created.Location, "/2020-05-31/origin-access-identity/cloudfront/"+id) ||
		!regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(created.CloudFrontOriginAccessIdentity.S3CanonicalUserId) {
		t.Fatalf("create: got %+v", created)
	}

	var got struct {
		ETag                           string
		CloudFrontOriginAccessIdentity identity
	}
	decode(t, "get-cloud-front-origin-access-identity", mustAWS(t, env, srv, "get-cloud-front-origin-access-identity", "--id", id), &got)
	if got.ETag != created.ETag || got.CloudFrontOriginAccessIdentity != created.CloudFrontOriginAccessIdentity {
		t.Errorf("get: got %+v, want %+v", got, created)
	}

	// The CLI pages through the list itself and leaves Quantity out.
	var list struct {
		CloudFrontOriginAccessIdentityList struct {
			Items []struct{ Id, Comment string }
		}
	}
	decode(t, "list-cloud-front-origin-access-identities", mustAWS(t, env, srv, "list-cloud-front-origin-access-identities"), &list)
	if l := list.CloudFrontOriginAccessIdentityList; len(l.Items) != 1 || l.Items[0].Id != id || l.Items[0].Comment != "site bucket" {
		t.Errorf("list: got %+v", l)
	}

	var updated struct {
		ETag                           string
		CloudFrontOriginAccessIdentity identity
	}
	decode(t, "update-cloud-front-origin-access-identity", mustAWS(t, env, srv, "update-cloud-front-origin-access-identity",
		"--id", id, "--if-match", created.ETag, "--cloud-front-origin-access-identity-config", "CallerReference=cli-oai,Comment=renamed"), &updated)
	if updated.ETag == created.ETag || updated.CloudFrontOriginAccessIdentity.CloudFrontOriginAccessIdentityConfig.Comment != "renamed" {
		t.Errorf("update: got %+v", updated)
	}

	// A distribution naming it keeps it from being deleted.
	var dist struct {
		ETag         string
		Distribution struct{ Id string }
	}
	config := func(oai string) string {
		return `{"CallerReference":"cli-oai-dist","Comment":"","Enabled":true,` +
			`"Origins":{"Quantity":1,"Items":[{"Id":"o1","DomainName":"site.s3.amazonaws.com","S3OriginConfig":{"OriginAccessIdentity":"` + oai + `"}}]},` +
			`"DefaultCacheBehavior":{"TargetOriginId":"o1","ViewerProtocolPolicy":"allow-all","CachePolicyId":"658327ea-f89d-4fab-a63d-7e88639e58f6"}}`
	}
	decode(t, "create-distribution", mustAWS(t, env, srv, "create-distribution", "--distribution-config", config("origin-access-identity/cloudfront/"+id)), &dist)
	_, errOut, code := awsCLI(t, env, srv, "delete-cloud-front-origin-access-identity", "--id", id, "--if-match", updated.ETag)
	if code == 0 || !strings.Contains(errOut, "CloudFrontOriginAccessIdentityInUse") {
		t.Fatalf("delete while in use: exit %d, stderr %s; want CloudFrontOriginAccessIdentityInUse", code, errOut)
	}
	mustAWS(t, env, srv, "update-distribution", "--id", dist.Distribution.Id, "--if-match", dist.ETag, "--distribution-config", config(""))
	mustAWS(t, env, srv, "delete-cloud-front-origin-access-identity", "--id", id, "--if-match", updated.ETag)
	_, errOut, code = awsCLI(t, env, srv, "get-cloud-front-origin-access-identity", "--id", id)
	if code == 0 || !strings.Contains(errOut, "NoSuchCloudFrontOriginAccessIdentity") {
		t.Errorf("get after delete: exit %d, stderr %s; want NoSuchCloudFrontOriginAccessIdentity", code, errOut)
	}
}
