"""Sign and send requests with botocore, for the sigv4 package's tests.

Reads one JSON object on stdin:
  {"endpoint": "http://127.0.0.1:PORT", "time": "20261122T135253Z",
   "raw": [{"method", "path", "query", "headers", "body", "access_key",
            "secret", "token", "region", "service"}, ...],
   "client": {"access_key", "secret", "region", "dist_ids": [...]}}

Every "raw" request is signed with botocore.auth.SigV4Auth on an
AWSRequest and sent with botocore's own HTTP session. "client" drives a
real boto3 CloudFront client (GetInvalidation, ListInvalidations,
CreateInvalidation) for each distribution ID, so botocore serialises and
escapes the URI itself. Prints a JSON list of {"status": int} or
{"error": code} results in order; the Go test reads the server side.
"""

import datetime
import json
import sys

import boto3
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.httpsession import URLLib3Session


def main():
    spec = json.load(sys.stdin)
    fixed = datetime.datetime.strptime(spec["time"], "%Y%m%dT%H%M%SZ")
    # botocore reads the clock through this module-level name.
    botocore.auth.get_current_datetime = lambda *a, **k: fixed
    session = URLLib3Session()
    out = []
    for r in spec.get("raw", []):
        url = spec["endpoint"] + r["path"]
        if r.get("query"):
            url += "?" + r["query"]
        req = AWSRequest(method=r["method"], url=url, data=r.get("body", "").encode(), headers=r.get("headers", {}))
        creds = Credentials(r["access_key"], r["secret"], r.get("token") or None)
        botocore.auth.SigV4Auth(creds, r.get("service", "cloudfront"), r.get("region", "us-east-1")).add_auth(req)
        resp = session.send(req.prepare())
        out.append({"status": resp.status_code})
    c = spec.get("client")
    if c:
        client = boto3.client(
            "cloudfront",
            endpoint_url=spec["endpoint"],
            region_name=c["region"],
            aws_access_key_id=c["access_key"],
            aws_secret_access_key=c["secret"],
            config=Config(retries={"max_attempts": 1}),
        )
        for d in c["dist_ids"]:
            calls = [
                lambda: client.get_invalidation(DistributionId=d, Id="I" + d),
                lambda: client.list_invalidations(DistributionId=d, Marker="m a+b/c", MaxItems="2"),
                lambda: client.create_invalidation(
                    DistributionId=d,
                    InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/a b"]}, "CallerReference": "ref"},
                ),
            ]
            for call in calls:
                try:
                    call()
                    out.append({"status": 200})
                except ClientError as e:
                    out.append({"error": e.response["Error"]["Code"]})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
