"""Drive the CloudFront KeyValueStore data plane of `cfinv serve` with boto3.

boto3 signs the service with SigV4A only through awscrt (the AWS Common
Runtime's C signer): the awscrt installed for this Python is used, else the
one of the directory INTEROP_AWSCRT_DIR (test/interop links Debian's
python3-awscrt package there). Run by TestBoto3KeyValueStore with
INTEROP_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set. Creates a
store through the CloudFront client, runs every data-plane operation and
prints one JSON object with what it saw, in the shape js/kvs.mjs prints;
exits 1, with the reason on stderr, when a call fails that should not, and 3
when awscrt cannot be imported.
"""

import json
import os
import socket
import sys
import uuid
from datetime import datetime
from urllib.parse import urlsplit

# botocore decides whether it has the CRT when it is imported.
try:
    import awscrt.auth  # noqa: F401
except ImportError:
    if os.environ.get("INTEROP_AWSCRT_DIR"):
        sys.path.append(os.environ["INTEROP_AWSCRT_DIR"])
    try:
        import awscrt.auth  # noqa: F401
    except ImportError as err:
        print(
            "boto3 kvs: boto3 signs cloudfront-keyvaluestore (SigV4A) only with awscrt, "
            "which this Python (%s %s) cannot import: %s; install Debian's python3-awscrt "
            "(apt-get install python3-awscrt; its module is built for Python 3.11) or "
            "pip install awscrt" % (sys.executable, sys.version.split()[0], err),
            file=sys.stderr,
        )
        sys.exit(3)

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

ENDPOINT = os.environ["INTEROP_ENDPOINT"]
KEY = os.environ["AWS_ACCESS_KEY_ID"]
SECRET = os.environ["AWS_SECRET_ACCESS_KEY"]

# The endpoint rules send each request to ACCOUNT.HOST of the endpoint (the
# account of the store's ARN). The client is given the endpoint under the
# name "localhost", and every name resolves to serve's loopback address.
SERVED = urlsplit(ENDPOINT)
KVS_ENDPOINT = "%s://localhost:%d" % (SERVED.scheme, SERVED.port)
RESOLVED = []
_getaddrinfo = socket.getaddrinfo


def _loopback_getaddrinfo(host, *args, **kwargs):
    if host != SERVED.hostname:
        RESOLVED.append(host)
    return _getaddrinfo(SERVED.hostname, *args, **kwargs)


socket.getaddrinfo = _loopback_getaddrinfo


def fail(msg):
    print("boto3 kvs: " + msg, file=sys.stderr)
    sys.exit(1)


def kvs_client(secret):
    return boto3.client(
        "cloudfront-keyvaluestore",
        endpoint_url=KVS_ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=KEY,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def expect_error(call, **kwargs):
    """Run call, which must fail; return the error's code and HTTP status."""
    try:
        call(**kwargs)
    except ClientError as err:
        return {
            "name": err.response["Error"]["Code"],
            "status": err.response["ResponseMetadata"]["HTTPStatusCode"],
        }
    fail("%s succeeded, want an error" % call.__name__)


kvs = kvs_client(SECRET)
bad = kvs_client("wrong-secret")
out = {"etags": [], "sizes": {}}


def record(name, r):
    """Record a write's or a read's ItemCount and TotalSizeInBytes, and its ETag."""
    out["sizes"][name] = {"itemCount": r["ItemCount"], "totalSizeInBytes": r["TotalSizeInBytes"]}
    if "ETag" in r:
        out["etags"].append(r["ETag"])


cf = boto3.client(
    "cloudfront",
    endpoint_url=ENDPOINT,
    region_name="us-east-1",
    aws_access_key_id=KEY,
    aws_secret_access_key=SECRET,
    config=Config(retries={"max_attempts": 1}),
)
arn = cf.create_key_value_store(Name="py-kvs-" + uuid.uuid4().hex[:8], Comment="interop boto3")["KeyValueStore"]["ARN"]
out["kvsARN"] = arn

d0 = kvs.describe_key_value_store(KvsARN=arn)
record("describeEmpty", d0)
out["describe"] = {"kvsARN": d0["KvsARN"], "status": d0["Status"], "created": isinstance(d0["Created"], datetime)}

etag = d0["ETag"]
for key, value in [("e", "5"), ("a", "1"), ("d", "4"), ("c", "3"), ("b", "2")]:
    r = kvs.put_key(KvsARN=arn, Key=key, Value=value, IfMatch=etag)
    record("put " + key, r)
    etag = r["ETag"]
stale = d0["ETag"]

g = kvs.get_key(KvsARN=arn, Key="c")
out["get"] = {"key": g["Key"], "value": g["Value"]}
record("get c", g)

# ListKeys by hand (MaxResults, NextToken), then through the paginator.
out["listPages"] = []
token = None
while True:
    page = kvs.list_keys(KvsARN=arn, MaxResults=2, **({"NextToken": token} if token else {}))
    out["listPages"].append(["%s=%s" % (it["Key"], it["Value"]) for it in page.get("Items", [])])
    token = page.get("NextToken")
    if not token:
        break
out["paginatorPages"] = [
    [it["Key"] for it in page.get("Items", [])]
    for page in kvs.get_paginator("list_keys").paginate(KvsARN=arn, PaginationConfig={"PageSize": 3})
]

r = kvs.delete_key(KvsARN=arn, Key="e", IfMatch=etag)
record("delete e", r)
etag = r["ETag"]

r = kvs.update_keys(
    KvsARN=arn,
    IfMatch=etag,
    Puts=[{"Key": "a", "Value": "one"}, {"Key": "f", "Value": "6"}],
    Deletes=[{"Key": "b"}, {"Key": "d"}],
)
record("updateKeys", r)
etag = r["ETag"]

d1 = kvs.describe_key_value_store(KvsARN=arn)
record("describeLast", d1)
out["describeETagIsLastWrite"] = d1["ETag"] == etag

out["errors"] = {
    "staleIfMatch": expect_error(kvs.put_key, KvsARN=arn, Key="z", Value="26", IfMatch=stale),
    "staleIfMatchUpdate": expect_error(kvs.update_keys, KvsARN=arn, IfMatch=stale, Puts=[{"Key": "z", "Value": "26"}]),
    "missingKey": expect_error(kvs.get_key, KvsARN=arn, Key="e"),
    "wrongSecret": expect_error(bad.describe_key_value_store, KvsARN=arn),
    "wrongSecretWrite": expect_error(bad.put_key, KvsARN=arn, Key="z", Value="26", IfMatch=etag),
}
out["etagAfterErrors"] = kvs.describe_key_value_store(KvsARN=arn)["ETag"]

# The host names boto3 sent to, as the endpoint rules made them.
out["hosts"] = sorted(set(RESOLVED))
print(json.dumps(out))
