"""Drive issue 27's connection functions, connection groups, trust stores,
their look-ups, and aliases and domains in `cfinv serve` with boto3, for
test/interop: every operation at least once, and an error case of each.

Run by the Go test with INTEROP_ENDPOINT (the CloudFront API),
INTEROP_S3_ENDPOINT (the local S3 API), INTEROP_CA_BUNDLE (a PEM file of
two CA certificates), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set.
Prints one JSON object describing what it saw and exits 1, with the
reason on stderr, on the first wrong answer.
"""

import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

session = dict(
    region_name="us-east-1",
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    config=Config(retries={"max_attempts": 1}),
)
cf = boto3.client("cloudfront", endpoint_url=os.environ["INTEROP_ENDPOINT"], **session)
s3 = boto3.client("s3", endpoint_url=os.environ["INTEROP_S3_ENDPOINT"], **session)

CODE = b"""function connectionHandler(connection) {
    console.log('ip ' + connection.clientIp);
    if (connection.clientCertificate.certificates.leaf.serialNumber === '01:02') {
        connection.allow();
    } else {
        connection.deny();
    }
}"""
EVENT = b'{"clientIp":"203.0.113.7","clientCertificate":{"certificates":{"leaf":{"serialNumber":"01:02"}}}}'
FN_CONFIG = {"Comment": "mtls", "Runtime": "cloudfront-js-2.0"}
CERT = {"ACMCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555",
        "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"}


def check(cond, msg):
    if not cond:
        print("boto3: " + msg, file=sys.stderr)
        sys.exit(1)


def error_code(fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None


def status(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def dist_config(ref, aliases=(), **extra):
    c = {
        "CallerReference": ref,
        "Comment": ref,
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "o1", "DomainName": "origin.example.com",
                                              "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o1", "ViewerProtocolPolicy": "allow-all",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        "Aliases": {"Quantity": len(aliases), "Items": list(aliases)},
        "ViewerCertificate": CERT,
    }
    c.update(extra)
    return c


def connection_functions(out, errors):
    created = cf.create_connection_function(Name="device-check", ConnectionFunctionConfig=FN_CONFIG, ConnectionFunctionCode=CODE,
                                            Tags={"Items": [{"Key": "team", "Value": "edge"}]})
    check(status(created) == 201 and created.get("ETag") and created.get("Location"), "CreateConnectionFunction: %r" % created["ResponseMetadata"])
    summary = created["ConnectionFunctionSummary"]
    fid, etag = summary["Id"], created["ETag"]
    errors["createConnectionFunctionTaken"] = error_code(cf.create_connection_function, Name="device-check",
                                                         ConnectionFunctionConfig=FN_CONFIG, ConnectionFunctionCode=CODE)
    errors["createConnectionFunctionBadCode"] = error_code(cf.create_connection_function, Name="broken",
                                                           ConnectionFunctionConfig=FN_CONFIG, ConnectionFunctionCode=b"function connectionHandler( {")
    described = cf.describe_connection_function(Identifier="device-check")
    check(described["ETag"] == etag and described["ConnectionFunctionSummary"]["Status"] == "UNPUBLISHED", "DescribeConnectionFunction: %r" % described)
    errors["describeConnectionFunctionUnknown"] = error_code(cf.describe_connection_function, Identifier="NOSUCHFUNCTION")
    got = cf.get_connection_function(Identifier=fid)
    check(got["ConnectionFunctionCode"].read() == CODE, "GetConnectionFunction returned other code")
    errors["getConnectionFunctionLiveUnpublished"] = error_code(cf.get_connection_function, Identifier=fid, Stage="LIVE")
    tested = cf.test_connection_function(Id=fid, IfMatch=etag, ConnectionObject=EVENT)["ConnectionFunctionTestResult"]
    out["testOutput"] = tested["ConnectionFunctionOutput"]
    out["testLogs"] = tested.get("ConnectionFunctionExecutionLogs", [])
    errors["testConnectionFunctionStale"] = error_code(cf.test_connection_function, Id=fid, IfMatch="ESTALE", ConnectionObject=EVENT)
    updated = cf.update_connection_function(Id=fid, IfMatch=etag, ConnectionFunctionConfig={"Comment": "v2", "Runtime": "cloudfront-js-2.0"},
                                            ConnectionFunctionCode=CODE)
    etag = updated["ETag"]
    errors["updateConnectionFunctionStale"] = error_code(cf.update_connection_function, Id=fid, IfMatch="ESTALE",
                                                         ConnectionFunctionConfig=FN_CONFIG, ConnectionFunctionCode=CODE)
    published = cf.publish_connection_function(Id=fid, IfMatch=etag)
    check(published["ConnectionFunctionSummary"]["Stage"] == "LIVE", "PublishConnectionFunction: %r" % published)
    errors["publishConnectionFunctionStale"] = error_code(cf.publish_connection_function, Id=fid, IfMatch="ESTALE")
    listed = cf.list_connection_functions(Stage="LIVE")
    out["listedFunctions"] = [f["Name"] for f in listed.get("ConnectionFunctions", [])]
    errors["listConnectionFunctionsBadMarker"] = error_code(cf.list_connection_functions, Marker="nope")
    tags = cf.list_tags_for_resource(Resource=summary["ConnectionFunctionArn"])["Tags"]["Items"]
    check(tags == [{"Key": "team", "Value": "edge"}], "tags of the connection function: %r" % tags)
    return fid, etag


def connection_groups(out, errors):
    created = cf.create_connection_group(Name="group-a", Enabled=True, Tags={"Items": [{"Key": "team", "Value": "edge"}]})
    check(status(created) == 201 and created.get("ETag"), "CreateConnectionGroup: %r" % created["ResponseMetadata"])
    group = created["ConnectionGroup"]
    gid, etag = group["Id"], created["ETag"]
    out["groupDefaults"] = {"ipv6": group["Ipv6Enabled"], "enabled": group["Enabled"], "status": group["Status"], "isDefault": group["IsDefault"]}
    errors["createConnectionGroupTaken"] = error_code(cf.create_connection_group, Name="group-a")
    got = cf.get_connection_group(Identifier=group["Arn"])
    check(got["ConnectionGroup"]["Id"] == gid and got["ETag"] == etag, "GetConnectionGroup: %r" % got)
    errors["getConnectionGroupUnknown"] = error_code(cf.get_connection_group, Identifier="cg_NOPE")
    by_ep = cf.get_connection_group_by_routing_endpoint(RoutingEndpoint=group["RoutingEndpoint"])
    check(by_ep["ConnectionGroup"]["Id"] == gid, "GetConnectionGroupByRoutingEndpoint: %r" % by_ep)
    errors["getConnectionGroupByRoutingEndpointUnknown"] = error_code(cf.get_connection_group_by_routing_endpoint, RoutingEndpoint="dnope.cloudfront.net")
    listed = cf.list_connection_groups()
    out["listedGroups"] = [g["Name"] for g in listed.get("ConnectionGroups", [])]
    errors["listConnectionGroupsBadMarker"] = error_code(cf.list_connection_groups, Marker="cg_NOPE")
    errors["deleteConnectionGroupEnabled"] = error_code(cf.delete_connection_group, Id=gid, IfMatch=etag)
    errors["updateConnectionGroupStale"] = error_code(cf.update_connection_group, Id=gid, IfMatch="ESTALE", Enabled=False)
    updated = cf.update_connection_group(Id=gid, IfMatch=etag, Enabled=False)
    check(updated["ConnectionGroup"]["Enabled"] is False, "UpdateConnectionGroup: %r" % updated)
    cf.tag_resource(Resource=group["Arn"], Tags={"Items": [{"Key": "env", "Value": "test"}]})
    out["groupTags"] = len(cf.list_tags_for_resource(Resource=group["Arn"])["Tags"]["Items"])
    deleted = cf.delete_connection_group(Id=gid, IfMatch=updated["ETag"])
    check(status(deleted) == 204, "DeleteConnectionGroup: %r" % deleted["ResponseMetadata"])


def trust_stores(out, errors):
    with open(os.environ["INTEROP_CA_BUNDLE"], "rb") as f:
        s3.create_bucket(Bucket="certs")
        s3.put_object(Bucket="certs", Key="ca.pem", Body=f.read())
    source = {"CaCertificatesBundleS3Location": {"Bucket": "certs", "Key": "ca.pem", "Region": "us-east-1"}}
    created = cf.create_trust_store(Name="devices", CaCertificatesBundleSource=source)
    check(status(created) == 201 and created.get("ETag"), "CreateTrustStore: %r" % created["ResponseMetadata"])
    ts = created["TrustStore"]
    out["trustStore"] = {"status": ts["Status"], "certificates": ts["NumberOfCaCertificates"]}
    errors["createTrustStoreTaken"] = error_code(cf.create_trust_store, Name="devices", CaCertificatesBundleSource=source)
    got = cf.get_trust_store(Identifier=ts["Id"])
    check(got["ETag"] == created["ETag"], "GetTrustStore: %r" % got)
    errors["getTrustStoreUnknown"] = error_code(cf.get_trust_store, Identifier="ts_NOPE")
    listed = cf.list_trust_stores()
    out["listedTrustStores"] = [t["Name"] for t in listed.get("TrustStoreList", [])]
    errors["listTrustStoresBadMarker"] = error_code(cf.list_trust_stores, Marker="ts_NOPE")
    missing = {"CaCertificatesBundleS3Location": {"Bucket": "certs", "Key": "missing.pem", "Region": "us-east-1"}}
    updated = cf.update_trust_store(Id=ts["Id"], IfMatch=created["ETag"], CaCertificatesBundleSource=missing)
    out["trustStoreMissingBundle"] = updated["TrustStore"]["Status"]
    errors["updateTrustStoreStale"] = error_code(cf.update_trust_store, Id=ts["Id"], IfMatch="ESTALE", CaCertificatesBundleSource=source)
    updated = cf.update_trust_store(Id=ts["Id"], IfMatch=updated["ETag"], CaCertificatesBundleSource=source)
    return ts["Id"], updated["ETag"]


def lookups_and_deletes(out, errors, fid, fetag, tsid, tsetag):
    d = cf.create_distribution(DistributionConfig=dist_config(
        "mtls", ConnectionFunctionAssociation={"Id": fid},
        ViewerMtlsConfig={"Mode": "required", "TrustStoreConfig": {"TrustStoreId": tsid}}))
    did = d["Distribution"]["Id"]
    by_mode = cf.list_distributions_by_connection_mode(ConnectionMode="direct")["DistributionList"]
    out["byMode"] = [i["Id"] for i in by_mode.get("Items", [])] == [did]
    errors["byModeBad"] = error_code(cf.list_distributions_by_connection_mode, ConnectionMode="anycast")
    by_fn = cf.list_distributions_by_connection_function(ConnectionFunctionIdentifier="device-check")["DistributionList"]
    out["byFunction"] = [i["Id"] for i in by_fn.get("Items", [])] == [did]
    errors["byFunctionUnknown"] = error_code(cf.list_distributions_by_connection_function, ConnectionFunctionIdentifier="nope")
    by_ts = cf.list_distributions_by_trust_store(TrustStoreIdentifier=tsid)["DistributionList"]
    out["byTrustStore"] = [i["Id"] for i in by_ts.get("Items", [])] == [did]
    errors["byTrustStoreUnknown"] = error_code(cf.list_distributions_by_trust_store, TrustStoreIdentifier="ts_NOPE")
    errors["deleteConnectionFunctionInUse"] = error_code(cf.delete_connection_function, Id=fid, IfMatch=fetag)
    errors["deleteTrustStoreInUse"] = error_code(cf.delete_trust_store, Id=tsid, IfMatch=tsetag)

    cur = cf.get_distribution_config(Id=did)
    c = cur["DistributionConfig"]
    c.pop("ConnectionFunctionAssociation", None)
    c.pop("ViewerMtlsConfig", None)
    cf.update_distribution(Id=did, IfMatch=cur["ETag"], DistributionConfig=c)
    check(status(cf.delete_connection_function(Id=fid, IfMatch=fetag)) == 204, "DeleteConnectionFunction")
    errors["deleteConnectionFunctionUnknown"] = error_code(cf.delete_connection_function, Id=fid, IfMatch=fetag)
    check(status(cf.delete_trust_store(Id=tsid, IfMatch=tsetag)) == 204, "DeleteTrustStore")
    errors["deleteTrustStoreUnknown"] = error_code(cf.delete_trust_store, Id=tsid, IfMatch=tsetag)


def aliases_and_domains(out, errors):
    src = cf.create_distribution(DistributionConfig=dist_config("alias-src", ["www.example.com"]))["Distribution"]["Id"]
    dst = cf.create_distribution(DistributionConfig=dist_config("alias-dst", ["*.example.com"]))["Distribution"]["Id"]
    conflicts = cf.list_conflicting_aliases(DistributionId=src, Alias="www.example.com")["ConflictingAliasesList"]
    out["conflicting"] = [i["Alias"] for i in conflicts.get("Items", [])]
    errors["listConflictingAliasesUnknown"] = error_code(cf.list_conflicting_aliases, DistributionId="ENOSUCHDIST", Alias="www.example.com")
    moved = cf.associate_alias(TargetDistributionId=dst, Alias="www.example.com")
    check(status(moved) == 200, "AssociateAlias: %r" % moved["ResponseMetadata"])
    out["movedTo"] = cf.get_distribution_config(Id=dst)["DistributionConfig"]["Aliases"]["Items"]
    errors["associateAliasUnknown"] = error_code(cf.associate_alias, TargetDistributionId="ENOSUCHDIST", Alias="www.example.com")
    domains = cf.list_domain_conflicts(Domain="www.example.com", DomainControlValidationResource={"DistributionId": src})
    out["domainConflicts"] = [(c["Domain"], c["ResourceType"]) for c in domains.get("DomainConflicts", [])]
    errors["listDomainConflictsUnknown"] = error_code(cf.list_domain_conflicts, Domain="www.example.com",
                                                      DomainControlValidationResource={"DistributionTenantId": "dt_NOPE"})

    multi = cf.create_distribution(DistributionConfig=dist_config("multi", ConnectionMode="tenant-only"))
    tenant = cf.create_distribution_tenant(DistributionId=multi["Distribution"]["Id"], Name="tenant-dns",
                                           Domains=[{"Domain": "shop.example.net"}])["DistributionTenant"]
    dns = cf.verify_dns_configuration(Identifier=tenant["Id"])
    out["dns"] = [(c["Domain"], c["Status"]) for c in dns.get("DnsConfigurationList", [])]
    errors["verifyDnsConfigurationUnknown"] = error_code(cf.verify_dns_configuration, Identifier="dt_NOPE")


def main():
    out, errors = {}, {}
    fid, fetag = connection_functions(out, errors)
    connection_groups(out, errors)
    tsid, tsetag = trust_stores(out, errors)
    lookups_and_deletes(out, errors, fid, fetag, tsid, tsetag)
    aliases_and_domains(out, errors)
    out["errors"] = errors
    print(json.dumps(out))


main()
