"""Drive continuous deployment in `cfinv serve` with boto3, for test/interop
(issue 27): CopyDistribution, the policy's six operations and their errors,
attaching the policy, promotion.

Run by the Go test with INTEROP_ENDPOINT, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY set. Prints one JSON object describing what it saw
and exits 1, with the reason on stderr, on the first wrong answer.
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


def policy(dns, traffic, enabled=True):
    return {
        "StagingDistributionDnsNames": {"Quantity": 1, "Items": [dns]},
        "Enabled": enabled,
        "TrafficConfig": traffic,
    }


HEADER = {"Type": "SingleHeader", "SingleHeaderConfig": {"Header": "aws-cf-cd-test", "Value": "green"}}


def main():
    out = {}
    primary = cf.create_distribution(
        DistributionConfig={
            "CallerReference": "boto3-primary",
            "Comment": "v1",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "o1", "DomainName": "blue.example.com",
                                                  "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "o1", "ViewerProtocolPolicy": "allow-all",
                                     "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        }
    )
    pid = primary["Distribution"]["Id"]
    staging = cf.copy_distribution(PrimaryDistributionId=pid, CallerReference="boto3-staging", Staging=True, IfMatch=primary["ETag"])
    check(staging["ResponseMetadata"]["HTTPStatusCode"] == 201, "CopyDistribution status %r" % staging["ResponseMetadata"]["HTTPStatusCode"])
    check(staging["Distribution"]["DistributionConfig"]["Staging"] is True, "the copy is not a staging distribution")
    sid, dns = staging["Distribution"]["Id"], staging["Distribution"]["DomainName"]

    out["errors"] = {
        "copyWithoutStaging": error_code(cf.copy_distribution, PrimaryDistributionId=pid, CallerReference="x"),
        "weightTooHigh": error_code(cf.create_continuous_deployment_policy, ContinuousDeploymentPolicyConfig=policy(
            dns, {"Type": "SingleWeight", "SingleWeightConfig": {"Weight": 0.5}})),
        "headerWithoutPrefix": error_code(cf.create_continuous_deployment_policy, ContinuousDeploymentPolicyConfig=policy(
            dns, {"Type": "SingleHeader", "SingleHeaderConfig": {"Header": "x-test", "Value": "1"}})),
        "noSuchPolicy": error_code(cf.get_continuous_deployment_policy, Id="00000000-0000-4000-8000-000000000000"),
    }
    created = cf.create_continuous_deployment_policy(ContinuousDeploymentPolicyConfig=policy(dns, HEADER))
    check(created["ResponseMetadata"]["HTTPStatusCode"] == 201 and created.get("ETag") and created.get("Location"), "CreateContinuousDeploymentPolicy: %r" % created["ResponseMetadata"])
    pol = created["ContinuousDeploymentPolicy"]["Id"]
    out["errors"]["secondPolicy"] = error_code(cf.create_continuous_deployment_policy, ContinuousDeploymentPolicyConfig=policy(dns, HEADER))
    cfg = cf.get_continuous_deployment_policy_config(Id=pol)
    check(cfg["ContinuousDeploymentPolicyConfig"]["TrafficConfig"]["SingleHeaderConfig"]["Value"] == "green", "GetContinuousDeploymentPolicyConfig: %r" % cfg)
    listed = cf.list_continuous_deployment_policies()["ContinuousDeploymentPolicyList"]
    out["listed"] = [i["ContinuousDeploymentPolicy"]["Id"] for i in listed.get("Items", [])]
    weighted = policy(dns, {"Type": "SingleWeight", "SingleWeightConfig": {"Weight": 0.1, "SessionStickinessConfig": {"IdleTTL": 300, "MaximumTTL": 600}}})
    updated = cf.update_continuous_deployment_policy(Id=pol, IfMatch=cfg["ETag"], ContinuousDeploymentPolicyConfig=weighted)
    out["weight"] = updated["ContinuousDeploymentPolicy"]["ContinuousDeploymentPolicyConfig"]["TrafficConfig"]["SingleWeightConfig"]["Weight"]

    cur = cf.get_distribution_config(Id=pid)
    c = cur["DistributionConfig"]
    c["ContinuousDeploymentPolicyId"] = pol
    attached = cf.update_distribution(Id=pid, IfMatch=cur["ETag"], DistributionConfig=c)
    out["errors"]["deleteInUse"] = error_code(cf.delete_continuous_deployment_policy, Id=pol, IfMatch=updated["ETag"])

    scur = cf.get_distribution_config(Id=sid)
    s = scur["DistributionConfig"]
    s["Comment"] = "v2"
    supd = cf.update_distribution(Id=sid, IfMatch=scur["ETag"], DistributionConfig=s)
    out["errors"]["promoteOneETag"] = error_code(cf.update_distribution_with_staging_config, Id=pid, StagingDistributionId=sid, IfMatch=attached["ETag"])
    promoted = cf.update_distribution_with_staging_config(Id=pid, StagingDistributionId=sid, IfMatch=attached["ETag"] + ", " + supd["ETag"])
    pc = promoted["Distribution"]["DistributionConfig"]
    out["promoted"] = {"comment": pc["Comment"], "policy": pc["ContinuousDeploymentPolicyId"], "staging": pc["Staging"],
                       "policyEnabled": cf.get_continuous_deployment_policy(Id=pol)["ContinuousDeploymentPolicy"]["ContinuousDeploymentPolicyConfig"]["Enabled"]}
    out["policy"] = pol
    print(json.dumps(out))


main()
