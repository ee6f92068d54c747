"""Drive the control-plane-only resources of `cfinv serve` with boto3, for
test/interop (issue 27): VPC origins, Anycast static IP lists, web ACL
association, resource policies and the rest of the distribution tenant
operations. Every operation is called once at least, and each once with a
request CloudFront refuses.

Run by the Go test with INTEROP_ENDPOINT, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY set. Prints one JSON object, {"called": [operations
that succeeded], "errors": {case: [code, HTTP status]}}, and exits 1, with
the reason on stderr, on the first wrong answer.
"""

import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

cf = boto3.client(
    "cloudfront",
    endpoint_url=os.environ["INTEROP_ENDPOINT"],
    region_name="us-east-1",
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    config=Config(retries={"max_attempts": 1}),
)

ALB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef"
WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/a1b2c3d4-5678-90ab-cdef-111111111111"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"},
                                                              "Action": "cloudfront:UpdateDistribution", "Resource": "*"}]})
called = []
errors = {}


def check(cond, msg):
    if not cond:
        print("boto3: " + msg, file=sys.stderr)
        sys.exit(1)


def call(op, **kwargs):
    """Calls op (a boto3 method name), which must succeed, and records it."""
    resp = getattr(cf, op)(**kwargs)
    called.append(cf.meta.method_to_api_mapping[op])
    return resp


def refuse(case, op, **kwargs):
    """Calls op, which must fail, and records the error code and status."""
    try:
        getattr(cf, op)(**kwargs)
    except ClientError as e:
        errors[case] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
        return
    check(False, "%s (%s) succeeded, want an error" % (op, case))


def dist_config(ref, enabled=True, aliases=(), mode=None):
    c = {
        "CallerReference": ref,
        "Comment": ref,
        "Enabled": enabled,
        "Origins": {"Quantity": 1, "Items": [{"Id": "o1", "DomainName": "origin.example.com",
                                              "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o1", "ViewerProtocolPolicy": "allow-all",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
    }
    if aliases:
        c["Aliases"] = {"Quantity": len(aliases), "Items": list(aliases)}
    if mode:
        c["ConnectionMode"] = mode
    return c


def update_config(dist_id, edit):
    cur = cf.get_distribution_config(Id=dist_id)
    c = cur["DistributionConfig"]
    edit(c)
    return cf.update_distribution(Id=dist_id, IfMatch=cur["ETag"], DistributionConfig=c)


def vpc_endpoint(name, https_port=443):
    return {"Name": name, "Arn": ALB, "HTTPPort": 80, "HTTPSPort": https_port, "OriginProtocolPolicy": "https-only",
            "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]}}


def vpc_origins(dist_id):
    vo = call("create_vpc_origin", VpcOriginEndpointConfig=vpc_endpoint("web"),
              Tags={"Items": [{"Key": "team", "Value": "web"}]})
    check(vo["ResponseMetadata"]["HTTPStatusCode"] == 202, "CreateVpcOrigin status %r" % vo["ResponseMetadata"]["HTTPStatusCode"])
    vid, arn = vo["VpcOrigin"]["Id"], vo["VpcOrigin"]["Arn"]
    refuse("vpcNameTaken", "create_vpc_origin", VpcOriginEndpointConfig=vpc_endpoint("web"))
    got = call("get_vpc_origin", Id=vid)
    refuse("vpcGetUnknown", "get_vpc_origin", Id="vo_NOSUCH")
    listed = call("list_vpc_origins")
    check([s["Id"] for s in listed["VpcOriginList"].get("Items", [])] == [vid], "ListVpcOrigins %r" % listed["VpcOriginList"])
    refuse("vpcListBadMarker", "list_vpc_origins", Marker="vo_NOSUCH")
    upd = call("update_vpc_origin", Id=vid, IfMatch=got["ETag"], VpcOriginEndpointConfig=vpc_endpoint("web", 8443))
    check(upd["VpcOrigin"]["VpcOriginEndpointConfig"]["HTTPSPort"] == 8443, "UpdateVpcOrigin kept the port")
    refuse("vpcUpdateStale", "update_vpc_origin", Id=vid, IfMatch=got["ETag"], VpcOriginEndpointConfig=vpc_endpoint("web"))

    def use(c):
        o = c["Origins"]["Items"][0]
        o.pop("CustomOriginConfig", None)
        o["VpcOriginConfig"] = {"VpcOriginId": vid}
    update_config(dist_id, use)
    by = call("list_distributions_by_vpc_origin_id", VpcOriginId=vid)
    check(by["DistributionIdList"].get("Items") == [dist_id], "ListDistributionsByVpcOriginId %r" % by["DistributionIdList"])
    refuse("vpcLookupUnknown", "list_distributions_by_vpc_origin_id", VpcOriginId="vo_NOSUCH")
    refuse("vpcDeleteInUse", "delete_vpc_origin", Id=vid, IfMatch=upd["ETag"])

    def unknown(c):
        c["Origins"]["Items"][0]["VpcOriginConfig"] = {"VpcOriginId": "vo_NOSUCH"}
    try:
        update_config(dist_id, unknown)
        check(False, "a distribution naming an unknown VPC origin was accepted")
    except ClientError as e:
        errors["vpcUnknownInDistribution"] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]

    tags = cf.list_tags_for_resource(Resource=arn)["Tags"].get("Items", [])
    check(tags == [{"Key": "team", "Value": "web"}], "VPC origin tags %r" % tags)
    return vid, arn, upd["ETag"]


def anycast(dist_id):
    al = call("create_anycast_ip_list", Name="allow-list", IpCount=3)
    check(len(al["AnycastIpList"]["AnycastIps"]) == 3, "AnycastIps %r" % al["AnycastIpList"]["AnycastIps"])
    aid = al["AnycastIpList"]["Id"]
    refuse("anycastBadCount", "create_anycast_ip_list", Name="four", IpCount=4)
    got = call("get_anycast_ip_list", Id=aid)
    refuse("anycastGetUnknown", "get_anycast_ip_list", Id="aip_NOSUCH")
    listed = call("list_anycast_ip_lists")
    check([s["Id"] for s in listed["AnycastIpLists"].get("Items", [])] == [aid], "ListAnycastIpLists %r" % listed["AnycastIpLists"])
    refuse("anycastListBadMarker", "list_anycast_ip_lists", Marker="aip_NOSUCH")
    upd = call("update_anycast_ip_list", Id=aid, IfMatch=got["ETag"], IpAddressType="dualstack")
    check(len(upd["AnycastIpList"]["AnycastIps"]) == 6, "dualstack AnycastIps %r" % upd["AnycastIpList"]["AnycastIps"])
    refuse("anycastUpdateStale", "update_anycast_ip_list", Id=aid, IfMatch=got["ETag"], IpAddressType="ipv4")
    update_config(dist_id, lambda c: c.update(AnycastIpListId=aid))
    by = call("list_distributions_by_anycast_ip_list_id", AnycastIpListId=aid)
    check([d["Id"] for d in by["DistributionList"].get("Items", [])] == [dist_id], "ListDistributionsByAnycastIpListId %r" % by["DistributionList"])
    refuse("anycastLookupUnknown", "list_distributions_by_anycast_ip_list_id", AnycastIpListId="aip_NOSUCH")
    refuse("anycastDeleteInUse", "delete_anycast_ip_list", Id=aid, IfMatch=upd["ETag"])
    update_config(dist_id, lambda c: c.update(AnycastIpListId=""))
    call("delete_anycast_ip_list", Id=aid, IfMatch=upd["ETag"])


def web_acls(dist_id, tenant_id):
    a = call("associate_distribution_web_acl", Id=dist_id, WebACLArn=WEB_ACL)
    check(a["WebACLArn"] == WEB_ACL and a["Id"] == dist_id and a.get("ETag"), "AssociateDistributionWebACL %r" % a)
    refuse("wafNotAnArn", "associate_distribution_web_acl", Id=dist_id, WebACLArn="my-acl")
    by = call("list_distributions_by_web_acl_id", WebACLId=WEB_ACL)
    check([d["Id"] for d in by["DistributionList"].get("Items", [])] == [dist_id], "ListDistributionsByWebACLId %r" % by["DistributionList"])
    refuse("wafLookupBadId", "list_distributions_by_web_acl_id", WebACLId="not-an-acl")
    call("disassociate_distribution_web_acl", Id=dist_id, IfMatch=a["ETag"])
    refuse("wafDisassociateUnknown", "disassociate_distribution_web_acl", Id="ENOSUCH")
    ta = call("associate_distribution_tenant_web_acl", Id=tenant_id, WebACLArn=WEB_ACL)
    refuse("wafTenantUnknown", "associate_distribution_tenant_web_acl", Id="dt_NOSUCH", WebACLArn=WEB_ACL)
    by = call("list_distribution_tenants_by_customization", WebACLArn=WEB_ACL)
    check([t["Id"] for t in by["DistributionTenantList"]] == [tenant_id], "ListDistributionTenantsByCustomization %r" % by)
    refuse("byCustomizationNoFilter", "list_distribution_tenants_by_customization")
    refuse("wafTenantDisassociateStale", "disassociate_distribution_tenant_web_acl", Id=tenant_id, IfMatch="ESTALE")
    call("disassociate_distribution_tenant_web_acl", Id=tenant_id, IfMatch=ta["ETag"])


def policies(vid, arn, dist_arn, dist_id):
    call("put_resource_policy", ResourceArn=arn, PolicyDocument=POLICY)
    refuse("policyOnDistribution", "put_resource_policy", ResourceArn=dist_arn, PolicyDocument=POLICY)
    got = call("get_resource_policy", ResourceArn=arn)
    check(got["PolicyDocument"] == POLICY, "GetResourcePolicy %r" % got)
    owned = call("list_distributions_by_owned_resource", ResourceArn=arn)
    items = owned["DistributionList"].get("Items", [])
    check([i["DistributionId"] for i in items] == [dist_id], "ListDistributionsByOwnedResource %r" % owned["DistributionList"])
    refuse("ownedUnknown", "list_distributions_by_owned_resource", ResourceArn="arn:aws:cloudfront::123456789012:vpcorigin/vo_NOSUCH")
    call("delete_resource_policy", ResourceArn=arn)
    refuse("policyGetNone", "get_resource_policy", ResourceArn=arn)
    refuse("policyDeleteNone", "delete_resource_policy", ResourceArn=arn)


def main():
    d = cf.create_distribution(DistributionConfig=dist_config("boto3-cp"))
    dist_id, dist_arn = d["Distribution"]["Id"], d["Distribution"]["ARN"]
    vid, arn, vetag = vpc_origins(dist_id)
    anycast(dist_id)
    policies(vid, arn, dist_arn, dist_id)

    # The VPC origin goes once no origin names it.
    def back(c):
        o = c["Origins"]["Items"][0]
        o.pop("VpcOriginConfig", None)
        o["CustomOriginConfig"] = {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}
    update_config(dist_id, back)
    deleted = call("delete_vpc_origin", Id=vid, IfMatch=vetag)
    check(deleted["VpcOrigin"]["Id"] == vid, "DeleteVpcOrigin answered %r" % deleted.get("VpcOrigin"))

    mt = cf.create_distribution(DistributionConfig=dist_config("boto3-mt", mode="tenant-only"))["Distribution"]["Id"]
    tenant = cf.create_distribution_tenant(DistributionId=mt, Name="tenant-cp", Domains=[{"Domain": "t.example.com"}],
                                           ManagedCertificateRequest={"ValidationTokenHost": "cloudfront"})
    tenant_id = tenant["DistributionTenant"]["Id"]
    web_acls(dist_id, tenant_id)
    cert = call("get_managed_certificate_details", Identifier=tenant_id)
    check(cert["ManagedCertificateDetails"]["ValidationTokenHost"] == "cloudfront", "GetManagedCertificateDetails %r" % cert)
    plain = cf.create_distribution_tenant(DistributionId=mt, Name="tenant-plain", Domains=[{"Domain": "p.example.com"}])
    refuse("certNone", "get_managed_certificate_details", Identifier=plain["DistributionTenant"]["Id"])

    cf.create_distribution(DistributionConfig=dist_config("boto3-src", enabled=False, aliases=["www.example.com"]))
    cf.create_distribution(DistributionConfig=dist_config("boto3-live", aliases=["live.example.com"]))
    moved = call("update_domain_association", Domain="www.example.com", TargetResource={"DistributionTenantId": tenant_id})
    check(moved["ResourceId"] == tenant_id and moved.get("ETag"), "UpdateDomainAssociation %r" % moved)
    refuse("domainSourceEnabled", "update_domain_association", Domain="live.example.com", TargetResource={"DistributionId": dist_id})

    print(json.dumps({"called": sorted(set(called)), "errors": errors}))


main()
