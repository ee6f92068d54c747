"""Drive `cfinv serve` with boto3, for test/interop.

Run by the Go test with INTEROP_ENDPOINT, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY set. Prints one JSON object describing what it saw
and exits 1, with the reason on stderr, on the first wrong answer.
"""

import json
import os
import sys
import time
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["INTEROP_ENDPOINT"]
KEY = os.environ["AWS_ACCESS_KEY_ID"]
SECRET = os.environ["AWS_SECRET_ACCESS_KEY"]
STAMP = uuid.uuid4().hex[:8]


def client(region="us-east-1", key=KEY, secret=SECRET):
    return boto3.client(
        "cloudfront",
        endpoint_url=ENDPOINT,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def check(cond, msg):
    if not cond:
        print("boto3: " + msg, file=sys.stderr)
        sys.exit(1)


def error_code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None


def create_distribution(cf, n):
    resp = cf.create_distribution(
        DistributionConfig={
            "CallerReference": f"boto3-{STAMP}-{n}",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [{"Id": "o1", "DomainName": "bucket.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "o1",
                "ViewerProtocolPolicy": "redirect-to-https",
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "MinTTL": 0,
            },
        }
    )
    check(resp["ResponseMetadata"]["HTTPStatusCode"] == 201, "CreateDistribution status %r" % resp["ResponseMetadata"]["HTTPStatusCode"])
    check(resp.get("ETag"), "CreateDistribution without ETag")
    return resp["Distribution"]["Id"]


def invalidate(cf, dist, ref, paths):
    return cf.create_invalidation(
        DistributionId=dist,
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": ref},
    )


def main():
    out = {}
    cf = client()
    dists = [create_distribution(cf, n) for n in range(3)]
    dist = dists[0]
    out["distributions"] = dists

    got = cf.get_distribution(Id=dist)
    check(got["Distribution"]["Id"] == dist, "GetDistribution returned another Id")
    check(got["Distribution"]["InProgressInvalidationBatches"] == 0, "fresh distribution has in-progress batches")

    # Paginators.
    ids = []
    for i in range(5):
        resp = invalidate(cf, dist, f"boto3-{STAMP}-{i}", [f"/b/{i}/*", "/index.html"])
        check(resp["Invalidation"]["Status"] == "InProgress", "new invalidation is %s" % resp["Invalidation"]["Status"])
        check(resp["Location"].endswith(f"/2020-05-31/distribution/{dist}/invalidation/{resp['Invalidation']['Id']}"), "Location " + resp["Location"])
        ids.append(resp["Invalidation"]["Id"])
    out["created"] = ids
    busy = cf.get_distribution(Id=dist)["Distribution"]["InProgressInvalidationBatches"]
    out["inProgressBatches"] = busy
    check(busy == 5, f"InProgressInvalidationBatches {busy}, want 5")

    pages = list(cf.get_paginator("list_invalidations").paginate(DistributionId=dist, PaginationConfig={"PageSize": 2}))
    listed = [s["Id"] for p in pages for s in p["InvalidationList"].get("Items", [])]
    out["invalidationPages"] = len(pages)
    check(len(pages) == 3, f"{len(pages)} pages of 2 for 5 invalidations, want 3")
    check(listed == ids[::-1], f"listed {listed}, want newest first {ids[::-1]}")
    check(pages[0]["InvalidationList"]["IsTruncated"] and not pages[-1]["InvalidationList"]["IsTruncated"], "IsTruncated wrong")

    dpages = list(cf.get_paginator("list_distributions").paginate(PaginationConfig={"PageSize": 1}))
    dlisted = [s["Id"] for p in dpages for s in p["DistributionList"].get("Items", [])]
    out["distributionPages"] = len(dpages)
    check(all(d in dlisted for d in dists), f"paginated ListDistributions {dlisted} misses some of {dists}")
    check(len(dlisted) == len(set(dlisted)), f"ListDistributions pages repeat items: {dlisted}")

    # CallerReference replay: same reference and paths gives back the same invalidation.
    again = invalidate(cf, dist, f"boto3-{STAMP}-0", ["/b/0/*", "/index.html"])
    out["replayId"] = again["Invalidation"]["Id"]
    check(again["Invalidation"]["Id"] == ids[0], f"replay gave {again['Invalidation']['Id']}, want {ids[0]}")
    code, status = error_code(invalidate, cf, dist, f"boto3-{STAMP}-0", ["/other"])
    out["reuseOtherPaths"] = [code, status]
    check(code in ("InvalidationBatchAlreadyExists", "InvalidArgument"), f"reused reference with other paths: {code}")

    # Waiter with a short delay: completion-delay is 2s on the server.
    t0 = time.monotonic()
    cf.get_waiter("invalidation_completed").wait(DistributionId=dist, Id=ids[4], WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    out["waitSeconds"] = round(time.monotonic() - t0, 2)
    check(cf.get_invalidation(DistributionId=dist, Id=ids[4])["Invalidation"]["Status"] == "Completed", "not Completed after waiting")

    # Error codes.
    errors = {}
    errors["unknownDistribution"] = error_code(cf.get_invalidation, DistributionId="EDOESNOTEXIST1", Id=ids[0])
    errors["unknownInvalidation"] = error_code(cf.get_invalidation, DistributionId=dist, Id="IDOESNOTEXIST1")
    errors["listUnknownDistribution"] = error_code(cf.list_invalidations, DistributionId="EDOESNOTEXIST1")
    errors["badPath"] = error_code(invalidate, cf, dist, f"boto3-{STAMP}-bad", ["noslash"])
    errors["inconsistentQuantities"] = error_code(
        cf.create_invalidation, DistributionId=dist,
        InvalidationBatch={"Paths": {"Quantity": 2, "Items": ["/a"]}, "CallerReference": f"boto3-{STAMP}-q"},
    )
    errors["wrongSecret"] = error_code(client(secret="wrong").get_distribution, Id=dist)
    errors["unknownKey"] = error_code(client(key="AKIAUNKNOWNUNKNOWN00").get_distribution, Id=dist)
    out["errors"] = errors
    want = {
        "unknownDistribution": ("NoSuchDistribution", 404),
        "unknownInvalidation": ("NoSuchInvalidation", 404),
        "listUnknownDistribution": ("NoSuchDistribution", 404),
        "badPath": ("InvalidArgument", 400),
        "inconsistentQuantities": ("InconsistentQuantities", 400),
        "wrongSecret": ("SignatureDoesNotMatch", 403),
        "unknownKey": ("InvalidClientTokenId", 403),
    }
    for k, w in want.items():
        check(tuple(errors[k]) == w, f"{k}: got {errors[k]}, want {w}")

    # A client configured for another region signs for it; the server accepts
    # that unless --strict-region is given.
    out["euWest1"] = client(region="eu-west-1").get_distribution(Id=dist)["Distribution"]["Id"] == dist
    check(out["euWest1"], "eu-west-1 client rejected")

    # RTMP streaming distributions, discontinued in 2020: none to list, none
    # to find, none to create (after the body is checked).
    listed = cf.list_streaming_distributions()["StreamingDistributionList"]
    check(listed["Quantity"] == 0 and not listed.get("Items"), f"ListStreamingDistributions: {listed}")
    rtmp = {
        "CallerReference": f"boto3-rtmp-{STAMP}",
        "S3Origin": {"DomainName": "media.s3.amazonaws.com", "OriginAccessIdentity": ""},
        "Comment": "",
        "TrustedSigners": {"Enabled": False, "Quantity": 0},
        "Enabled": True,
    }
    streaming = {
        "create": error_code(cf.create_streaming_distribution, StreamingDistributionConfig=rtmp),
        "createWithTags": error_code(cf.create_streaming_distribution_with_tags,
                                     StreamingDistributionConfigWithTags={"StreamingDistributionConfig": rtmp, "Tags": {"Items": []}}),
        "createBadQuantity": error_code(cf.create_streaming_distribution,
                                        StreamingDistributionConfig=dict(rtmp, TrustedSigners={"Enabled": False, "Quantity": 1})),
        "listBadMarker": error_code(cf.list_streaming_distributions, Marker="EDFDVBD6EXAMPLE"),
        "get": error_code(cf.get_streaming_distribution, Id="EDFDVBD6EXAMPLE"),
        "getConfig": error_code(cf.get_streaming_distribution_config, Id="EDFDVBD6EXAMPLE"),
        "update": error_code(cf.update_streaming_distribution, Id="EDFDVBD6EXAMPLE", IfMatch="E2QWRUHEXAMPLE",
                             StreamingDistributionConfig=rtmp),
        "delete": error_code(cf.delete_streaming_distribution, Id="EDFDVBD6EXAMPLE", IfMatch="E2QWRUHEXAMPLE"),
    }
    want = {
        "create": ("AccessDenied", 403),
        "createWithTags": ("AccessDenied", 403),
        "createBadQuantity": ("InconsistentQuantities", 400),
        "listBadMarker": ("InvalidArgument", 400),
        "get": ("NoSuchStreamingDistribution", 404),
        "getConfig": ("NoSuchStreamingDistribution", 404),
        "update": ("NoSuchStreamingDistribution", 404),
        "delete": ("NoSuchStreamingDistribution", 404),
    }
    for k, w in want.items():
        check(tuple(streaming[k]) == w, f"streaming {k}: got {streaming[k]}, want {w}")
    out["streaming"] = streaming

    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
