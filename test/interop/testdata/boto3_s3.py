"""Drive the S3 API of `cfinv serve` with boto3, for test/interop.

Run by the Go test with INTEROP_ENDPOINT, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY set. Prints "ok", or exits 1 with the reason on
stderr at the first wrong answer.
"""

import hashlib
import io
import os
import sys

import boto3
from botocore.exceptions import ClientError

s3 = boto3.client(
    "s3",
    endpoint_url=os.environ["INTEROP_ENDPOINT"],
    region_name="us-east-1",
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
)


def check(cond, what):
    if not cond:
        print("boto3_s3: " + what, file=sys.stderr)
        sys.exit(1)


def code_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


s3.create_bucket(Bucket="boto")
# S3's legacy rule: re-creating your bucket in us-east-1 succeeds; in any
# other region it is BucketAlreadyOwnedByYou.
check(code_of(lambda: s3.create_bucket(Bucket="boto")) is None, "second create_bucket in us-east-1")
eu = {"LocationConstraint": "eu-west-1"}
s3.create_bucket(Bucket="boto-eu", CreateBucketConfiguration=eu)
check(code_of(lambda: s3.create_bucket(Bucket="boto-eu", CreateBucketConfiguration=eu)) == "BucketAlreadyOwnedByYou",
      "second create_bucket in eu-west-1")
loc = s3.get_bucket_location(Bucket="boto-eu")["LocationConstraint"]
check(loc == "eu-west-1", "get_bucket_location of boto-eu: %r" % loc)
check(s3.get_bucket_location(Bucket="boto")["LocationConstraint"] is None, "get_bucket_location of boto")
check(code_of(lambda: s3.create_bucket(Bucket="boto-bad", CreateBucketConfiguration={"LocationConstraint": "us-east-1"}))
      == "InvalidLocationConstraint", "create_bucket with LocationConstraint us-east-1")
s3.delete_bucket(Bucket="boto-eu")
check(code_of(lambda: s3.head_object(Bucket="nope-bucket", Key="k")) in ("404", "NoSuchBucket"), "head_object in a missing bucket")

body = b"x" * 70000
put = s3.put_object(Bucket="boto", Key="a/b.txt", Body=body, ContentType="text/plain",
                    CacheControl="max-age=7", ContentEncoding="identity", Metadata={"k": "v"},
                    ChecksumAlgorithm="SHA256")
check(put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest(), "put_object ETag " + put["ETag"])
check("ChecksumSHA256" in put, "put_object returned no ChecksumSHA256")
got = s3.get_object(Bucket="boto", Key="a/b.txt", ChecksumMode="ENABLED")
check(got["Body"].read() == body, "get_object body")
check(got["CacheControl"] == "max-age=7" and got["ContentType"] == "text/plain", "stored headers %r" % got["ResponseMetadata"]["HTTPHeaders"])
check(got["Metadata"] == {"k": "v"}, "metadata %r" % got["Metadata"])
check(put.get("ServerSideEncryption") == "AES256" and got.get("ServerSideEncryption") == "AES256",
      "SSE-S3 by default: put %r, get %r" % (put.get("ServerSideEncryption"), got.get("ServerSideEncryption")))

# Server-side encryption: SSE-KMS's ETag is not the MD5; bad values and SSE-C are refused.
kms = s3.put_object(Bucket="boto", Key="kms.txt", Body=body, ServerSideEncryption="aws:kms", BucketKeyEnabled=True)
check(kms["ServerSideEncryption"] == "aws:kms" and kms["SSEKMSKeyId"].startswith("arn:aws:kms:us-east-1:")
      and kms.get("BucketKeyEnabled") is True, "put_object aws:kms %r" % kms["ResponseMetadata"]["HTTPHeaders"])
check(kms["ETag"] != '"%s"' % hashlib.md5(body).hexdigest(), "an SSE-KMS ETag is the MD5 " + kms["ETag"])
kh = s3.head_object(Bucket="boto", Key="kms.txt")
check(kh["ETag"] == kms["ETag"] and kh["SSEKMSKeyId"] == kms["SSEKMSKeyId"], "head_object of the SSE-KMS object %r" % kh)
check(code_of(lambda: s3.put_object(Bucket="boto", Key="bad", Body=b"x", ServerSideEncryption="AES128")) == "InvalidArgument",
      "put_object with ServerSideEncryption AES128")
check(code_of(lambda: s3.put_object(Bucket="boto", Key="bad", Body=b"x", SSECustomerAlgorithm="AES256",
                                    SSECustomerKey=b"k" * 32)) == "NotImplemented", "put_object with SSE-C")
check(s3.get_bucket_encryption(Bucket="boto")["ServerSideEncryptionConfiguration"]["Rules"][0]
      ["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", "get_bucket_encryption by default")

rng = s3.get_object(Bucket="boto", Key="a/b.txt", Range="bytes=-10")
check(rng["Body"].read() == b"x" * 10 and rng["ContentRange"] == "bytes 69990-69999/70000", "suffix range")
check(code_of(lambda: s3.get_object(Bucket="boto", Key="a/b.txt", Range="bytes=80000-")) == "InvalidRange", "unsatisfiable range")
check(code_of(lambda: s3.get_object(Bucket="boto", Key="a/b.txt", IfMatch='"0"')) == "PreconditionFailed", "If-Match")
check(code_of(lambda: s3.get_object(Bucket="boto", Key="missing")) == "NoSuchKey", "NoSuchKey")

# upload_fileobj: multipart above the 8 MiB threshold.
big = os.urandom(9 * 1024 * 1024)
s3.upload_fileobj(io.BytesIO(big), "boto", "big.bin")
head = s3.head_object(Bucket="boto", Key="big.bin")
check(head["ContentLength"] == len(big) and head["ETag"].endswith('-2"'), "multipart head %r" % head["ETag"])
out = io.BytesIO()
s3.download_fileobj("boto", "big.bin", out)
check(out.getvalue() == big, "multipart round trip")

pages = s3.get_paginator("list_objects_v2").paginate(Bucket="boto", PaginationConfig={"PageSize": 1})
keys = [o["Key"] for p in pages for o in p.get("Contents", [])]
check(keys == ["a/b.txt", "big.bin", "kms.txt"], "paginated keys %r" % keys)
v1 = s3.list_objects(Bucket="boto", Delimiter="/")
check([p["Prefix"] for p in v1.get("CommonPrefixes", [])] == ["a/"], "v1 delimiter")

res = s3.delete_objects(Bucket="boto", Delete={"Objects": [{"Key": "a/b.txt"}, {"Key": "big.bin"}, {"Key": "kms.txt"}]})
check(len(res.get("Deleted", [])) == 3, "delete_objects %r" % res)
s3.delete_bucket(Bucket="boto")
print("ok")
