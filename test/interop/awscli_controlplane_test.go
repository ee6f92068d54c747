package interop

import (
	"strings"
	"testing"
)

// TestAWSCLIControlPlane drives a representative set of the control-plane
// operations of issue 27 through the AWS CLI: a VPC origin's life, an
// Anycast IP list, a web ACL association and a resource policy's
// absence, each answer decoded as the CLI prints it.
func TestAWSCLIControlPlane(t *testing.T) {
	t.Parallel()
	srv := startServe(t, "0s")
	env := clientEnv(t, srv.URL)

	var vo struct {
		ETag      string
		Location  string
		VpcOrigin struct{ Id, Arn, Status string }
	}
	endpoint := `Name=web,Arn=arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef,HTTPPort=80,HTTPSPort=443,OriginProtocolPolicy=https-only`
	decode(t, "create-vpc-origin", mustAWS(t, env, srv, "create-vpc-origin", "--vpc-origin-endpoint-config", endpoint), &vo)
	if vo.VpcOrigin.Id == "" || vo.ETag == "" || !strings.HasSuffix(vo.Location, "/2020-05-31/vpc-origin/"+vo.VpcOrigin.Id) {
		t.Fatalf("create-vpc-origin: %+v", vo)
	}
	var got struct {
		ETag      string
		VpcOrigin struct{ Status string }
	}
	decode(t, "get-vpc-origin", mustAWS(t, env, srv, "get-vpc-origin", "--id", vo.VpcOrigin.Id), &got)
	if got.ETag != vo.ETag || got.VpcOrigin.Status != "Deployed" {
		t.Errorf("get-vpc-origin: %+v, want ETag %s, Deployed (completion delay 0s)", got, vo.ETag)
	}
	_, errOut, code := awsCLI(t, env, srv, "delete-vpc-origin", "--id", vo.VpcOrigin.Id, "--if-match", "ESTALE")
	if code == 0 || !strings.Contains(errOut, "PreconditionFailed") {
		t.Errorf("delete-vpc-origin with a stale If-Match: exit %d, stderr %s; want PreconditionFailed", code, errOut)
	}
	mustAWS(t, env, srv, "delete-vpc-origin", "--id", vo.VpcOrigin.Id, "--if-match", vo.ETag)

	var list struct {
		AnycastIpList struct {
			Id         string
			AnycastIps []string
		}
	}
	decode(t, "create-anycast-ip-list", mustAWS(t, env, srv, "create-anycast-ip-list", "--name", "allow", "--ip-count", "3"), &list)
	if list.AnycastIpList.Id == "" || len(list.AnycastIpList.AnycastIps) != 3 {
		t.Errorf("create-anycast-ip-list: %+v", list)
	}
	var lists struct {
		AnycastIpLists struct {
			Items []struct{ Id string }
		}
	}
	decode(t, "list-anycast-ip-lists", mustAWS(t, env, srv, "list-anycast-ip-lists"), &lists)
	if len(lists.AnycastIpLists.Items) != 1 || lists.AnycastIpLists.Items[0].Id != list.AnycastIpList.Id {
		t.Errorf("list-anycast-ip-lists: %+v", lists)
	}

	var dist struct{ Distribution struct{ Id string } }
	decode(t, "create-distribution", mustAWS(t, env, srv, "create-distribution", "--origin-domain-name", "origin.example.com"), &dist)
	const acl = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/a1b2c3d4-5678-90ab-cdef-111111111111"
	var assoc struct{ Id, WebACLArn, ETag string }
	decode(t, "associate-distribution-web-acl", mustAWS(t, env, srv, "associate-distribution-web-acl", "--id", dist.Distribution.Id, "--web-acl-arn", acl), &assoc)
	if assoc.Id != dist.Distribution.Id || assoc.WebACLArn != acl || assoc.ETag == "" {
		t.Errorf("associate-distribution-web-acl: %+v", assoc)
	}
	var by struct {
		DistributionList struct {
			Items []struct{ Id, WebACLId string }
		}
	}
	decode(t, "list-distributions-by-web-acl-id", mustAWS(t, env, srv, "list-distributions-by-web-acl-id", "--web-acl-id", acl), &by)
	if len(by.DistributionList.Items) != 1 || by.DistributionList.Items[0].WebACLId != acl {
		t.Errorf("list-distributions-by-web-acl-id: %+v", by)
	}

	_, errOut, code = awsCLI(t, env, srv, "get-resource-policy", "--resource-arn", vo.VpcOrigin.Arn)
	if code == 0 || !strings.Contains(errOut, "EntityNotFound") {
		t.Errorf("get-resource-policy of a deleted VPC origin: exit %d, stderr %s; want EntityNotFound", code, errOut)
	}
}
