"""Check botocore's S3 region redirect against `cfinv serve --strict-region`.

Run by the Go test with INTEROP_ENDPOINT, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY set. A client configured for eu-west-1 gets S3's
400 AuthorizationHeaderMalformed naming us-east-1, signs again for
us-east-1 and succeeds; later calls on the bucket are signed for
us-east-1 at once. Prints "ok", or exits 1 with the reason on stderr.
"""

import os
import sys

import boto3


def client(region):
    return boto3.client(
        "s3",
        endpoint_url=os.environ["INTEROP_ENDPOINT"],
        region_name=region,
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    )


def check(cond, what):
    if not cond:
        print("boto3_s3_region: " + what, file=sys.stderr)
        sys.exit(1)


client("us-east-1").create_bucket(Bucket="region")

s3 = client("eu-west-1")
scopes = []


def record(request, **kwargs):
    auth = request.headers.get("Authorization", b"")
    if isinstance(auth, bytes):
        auth = auth.decode()
    scopes.append(auth.split("/")[2] if auth.count("/") >= 3 else auth)


s3.meta.events.register("before-send.s3", record)
s3.put_object(Bucket="region", Key="k", Body=b"signed again")
check(scopes == ["eu-west-1", "us-east-1"], "put_object was signed for %s, want eu-west-1 then us-east-1" % scopes)
scopes.clear()
body = s3.get_object(Bucket="region", Key="k")["Body"].read()
check(body == b"signed again", "get_object read %r" % body)
check(scopes == ["us-east-1"], "get_object was signed for %s, want us-east-1 at once" % scopes)
print("ok")
