"""Drive CloudFront Functions, key value stores (control plane), field-level
encryption, monitoring subscriptions and real-time log configurations of
`cfinv serve` with boto3, for test/interop (issue 27). Every operation is
called once at least, its answer checked (and every successful answer
against botocore's output shape), and each documented error the emulator
answers is provoked once, the account quotas last.

Run by the Go test with INTEROP_ENDPOINT, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY set, and serve started with the bucket kvs-import
(--s3-origin) holding redirects.json, twice.json (a key given twice) and
big.json (over 5 MB). Prints one JSON object, {"called": [operations that
succeeded], "errors": {case: [code, HTTP status]}}, and exits 1, with the
reason on stderr, on the first wrong answer.
"""

import json
import os
import sys
import xml.etree.ElementTree as ET

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

# An RSA public key (512 bits: the emulator checks the PEM, not the size).
PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAL2O0oLMwtDuUeX8p5cQzl4MxQcUJO0D
UAiNVfeoI1s5mvBc9xF0U6pTmwhdnU+Lw9vHnlgkeeWP4WfFwP3OqzUCAwEAAQ==
-----END PUBLIC KEY-----
"""
STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/cf-logs"
ROLE = "arn:aws:iam::123456789012:role/cf-logs"

REWRITE = b"""function handler(event) {
    var request = event.request;
    if (request.uri.endsWith('/')) {
        request.uri += 'index.html';
    }
    console.log('rewrote to ' + request.uri);
    return request;
}"""
REWRITE2 = REWRITE.replace(b"index.html", b"default.html")
BOOM = b"""function handler(event) {
    console.log('about to fail');
    throw new Error('boom');
}"""
KVS_REDIRECT = b"""import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
    const request = event.request;
    try {
        const to = await kvs.get(request.uri);
        return {statusCode: 302, statusDescription: 'Found', headers: {location: {value: to}}};
    } catch (e) {
        return request;
    }
}"""


def event(uri):
    """A viewer request for uri, as TestFunction's EventObject."""
    return json.dumps({"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "192.0.2.1"},
                       "request": {"method": "GET", "uri": uri, "querystring": {}, "headers": {}, "cookies": {}}}).encode()


called = []
errors = {}
shape_errors = []
checked_shapes = set()  # operations whose answers were checked


def xml_name(member, name):
    return member.serialization.get("name", name)


def conform(el, shape, path):
    """Lists where element el does not conform to botocore's shape: an
    element the model does not have, a required member missing, a scalar
    that does not parse as its type."""
    if shape.type_name == "structure":
        by_name = {xml_name(m, n): m for n, m in shape.members.items() if m.serialization.get("location") is None}
        seen = set()
        for child in el:
            name = child.tag.rsplit("}", 1)[-1]
            if name not in by_name:
                shape_errors.append("%s/%s: not in %s" % (path, name, shape.name))
                continue
            seen.add(name)
            conform(child, by_name[name], path + "/" + name)
        for req in shape.required_members:
            m = shape.members[req]
            if m.serialization.get("location") is None and xml_name(m, req) not in seen:
                shape_errors.append("%s: required %s missing" % (path, xml_name(m, req)))
    elif shape.type_name == "list":
        item = shape.member.serialization.get("name", "member")
        for child in el:
            name = child.tag.rsplit("}", 1)[-1]
            if name != item:
                shape_errors.append("%s/%s: list items of %s are %s" % (path, name, shape.name, item))
                continue
            conform(child, shape.member, path + "/" + name)
    else:
        if len(el):
            shape_errors.append("%s: scalar %s has elements" % (path, shape.name))
        text = (el.text or "").strip()
        try:
            if shape.type_name in ("integer", "long"):
                int(text)
            elif shape.type_name == "boolean" and text not in ("true", "false"):
                raise ValueError(text)
            elif shape.type_name == "string" and shape.enum and text not in shape.enum:
                raise ValueError(text)
        except ValueError:
            shape_errors.append("%s: %r is not a %s" % (path, text, shape.name))


def strict(operation_model, response_dict, **_):
    """Checks every successful answer against the operation's output shape
    in botocore's model, which boto3 itself does not: its headers (ETag,
    Location…) and every element of its XML body (boto3 ignores what it
    does not know)."""
    out = operation_model.output_shape
    if out is None or not 200 <= response_dict["status_code"] < 300:
        return
    for name, m in out.members.items():
        header = m.serialization.get("name", name)
        if m.serialization.get("location") == "header" and not response_dict["headers"].get(header):
            shape_errors.append("%s: header %s missing" % (operation_model.name, header))
    payload = out.serialization.get("payload")
    shape = out.members[payload] if payload else out
    body = response_dict.get("body") or b""
    if shape.type_name == "blob" or not isinstance(body, bytes):
        pass  # GetFunction: the code itself
    elif not body.strip():
        if payload or any(m.serialization.get("location") is None for m in out.members.values()):
            shape_errors.append("%s: empty body" % operation_model.name)
    else:
        conform(ET.fromstring(body), shape, operation_model.name)
    checked_shapes.add(operation_model.name)


cf.meta.events.register("before-parse.cloudfront.*", strict)


def check(cond, msg):
    if not cond:
        print("boto3: " + msg, file=sys.stderr)
        sys.exit(1)


def status(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


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


def refuse_without_if_match(case, op, **kwargs):
    """Calls op with no If-Match header at all (boto3 requires the
    parameter, so it is given and the header dropped before signing)."""
    def drop(request, **_):
        del request.headers["If-Match"]
    event_name = "before-sign.cloudfront." + cf.meta.method_to_api_mapping[op]
    cf.meta.events.register(event_name, drop)
    try:
        refuse(case, op, IfMatch="dropped", **kwargs)
    finally:
        cf.meta.events.unregister(event_name, drop)


def dist_config(ref):
    return {
        "CallerReference": ref,
        "Comment": ref,
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "o1", "DomainName": "origin.example.com",
                                              "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o1", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
    }


def update_behavior(dist_id, **members):
    """Sets (or, for None, removes) members of the default cache behaviour."""
    cur = cf.get_distribution_config(Id=dist_id)
    c = cur["DistributionConfig"]
    b = c["DefaultCacheBehavior"]
    for k, v in members.items():
        if v is None:
            b.pop(k, None)
        else:
            b[k] = v
    return cf.update_distribution(Id=dist_id, IfMatch=cur["ETag"], DistributionConfig=c)


def refuse_behavior(case, dist_id, **members):
    try:
        update_behavior(dist_id, **members)
    except ClientError as e:
        errors[case] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
        return
    check(False, "a behaviour with %r was accepted (%s)" % (members, case))


def fn_config(comment="", runtime="cloudfront-js-1.0", kvs_arns=()):
    c = {"Comment": comment, "Runtime": runtime}
    if kvs_arns:
        c["KeyValueStoreAssociations"] = {"Quantity": len(kvs_arns), "Items": [{"KeyValueStoreARN": a} for a in kvs_arns]}
    return c


def function_assoc(arn):
    return {"Quantity": 1, "Items": [{"FunctionARN": arn, "EventType": "viewer-request"}]}


def functions(dist_id):
    created = call("create_function", Name="rewrite", FunctionConfig=fn_config("index rewrite"), FunctionCode=REWRITE)
    s = created["FunctionSummary"]
    arn = s["FunctionMetadata"]["FunctionARN"]
    check(status(created) == 201, "CreateFunction status %r" % status(created))
    check(arn.startswith("arn:aws:cloudfront::") and arn.endswith(":function/rewrite"), "FunctionARN %r" % arn)
    check(created.get("Location", "").endswith("/2020-05-31/function/" + arn), "CreateFunction Location %r" % created.get("Location"))
    check(s["Name"] == "rewrite" and s["Status"] == "UNPUBLISHED" and s["FunctionMetadata"]["Stage"] == "DEVELOPMENT",
          "CreateFunction summary %r" % s)
    check(s["FunctionConfig"] == {"Comment": "index rewrite", "Runtime": "cloudfront-js-1.0"}, "FunctionConfig %r" % s["FunctionConfig"])
    dev1 = created["ETag"]
    check(dev1, "CreateFunction gave no ETag")

    refuse("fnNameTaken", "create_function", Name="rewrite", FunctionConfig=fn_config(), FunctionCode=REWRITE)
    refuse("fnBadName", "create_function", Name="bad name!", FunctionConfig=fn_config(), FunctionCode=REWRITE)
    refuse("fnBadRuntime", "create_function", Name="rt", FunctionConfig=fn_config(runtime="cloudfront-js-9.0"), FunctionCode=REWRITE)
    refuse("fnTooBig", "create_function", Name="big", FunctionConfig=fn_config(),
           FunctionCode=REWRITE + b"\n// " + b"x" * (10 * 1024))
    refuse("fnSyntaxError", "create_function", Name="broken", FunctionConfig=fn_config(),
           FunctionCode=b"function handler(event) { return event.request")
    refuse("fnConstInRuntime1", "create_function", Name="const1", FunctionConfig=fn_config(),
           FunctionCode=b"function handler(event) { const r = event.request; return r; }")
    refuse("fnUnknownImport", "create_function", Name="imports", FunctionConfig=fn_config(runtime="cloudfront-js-2.0"),
           FunctionCode=b"import fs from 'fs';\nfunction handler(event) { return event.request; }")

    d = call("describe_function", Name="rewrite")
    check(d["ETag"] == dev1 and d["FunctionSummary"]["FunctionMetadata"]["Stage"] == "DEVELOPMENT"
          and d["FunctionSummary"]["Status"] == "UNPUBLISHED", "DescribeFunction %r" % d)
    refuse("fnDescribeUnknown", "describe_function", Name="nosuch")
    refuse("fnDescribeUnpublished", "describe_function", Name="rewrite", Stage="LIVE")

    g = call("get_function", Name="rewrite")
    code = g["FunctionCode"].read() if hasattr(g["FunctionCode"], "read") else g["FunctionCode"]
    check(code == REWRITE and g["ETag"] == dev1, "GetFunction code %r, ETag %r" % (code[:40], g["ETag"]))
    check(g["ContentType"] == "application/octet-stream", "GetFunction ContentType %r" % g["ContentType"])
    refuse("fnGetUnknown", "get_function", Name="nosuch")
    refuse("fnGetBadStage", "get_function", Name="rewrite", Stage="STAGING")

    # TestFunction on DEVELOPMENT: the output, the log, the utilisation.
    t = call("test_function", Name="rewrite", IfMatch=dev1, EventObject=event("/about/"))["TestResult"]
    out = json.loads(t["FunctionOutput"])
    check(out["request"]["uri"] == "/about/index.html" and out["request"]["method"] == "GET", "FunctionOutput %r" % out)
    check(t["FunctionExecutionLogs"] == ["rewrote to /about/index.html"], "FunctionExecutionLogs %r" % t["FunctionExecutionLogs"])
    cu = t["ComputeUtilization"]
    check(cu.isdigit() and 0 <= int(cu) <= 100, "ComputeUtilization %r" % cu)
    check("FunctionErrorMessage" not in t, "FunctionErrorMessage %r" % t.get("FunctionErrorMessage"))
    check(t["FunctionSummary"]["Name"] == "rewrite" and t["FunctionSummary"]["FunctionMetadata"]["Stage"] == "DEVELOPMENT",
          "TestResult summary %r" % t["FunctionSummary"])
    refuse("fnTestStale", "test_function", Name="rewrite", IfMatch="ESTALE", EventObject=event("/"))
    refuse_without_if_match("fnTestNoIfMatch", "test_function", Name="rewrite", EventObject=event("/"))
    refuse("fnTestUnknown", "test_function", Name="nosuch", IfMatch=dev1, EventObject=event("/"))
    refuse("fnTestBadEvent", "test_function", Name="rewrite", IfMatch=dev1, EventObject=b"{not json")

    # A function that throws: the error and the log up to it.
    boom = call("create_function", Name="boom", FunctionConfig=fn_config(), FunctionCode=BOOM)
    t = call("test_function", Name="boom", IfMatch=boom["ETag"], EventObject=event("/"))["TestResult"]
    check(t.get("FunctionErrorMessage", "").startswith("Error: boom") and t["FunctionExecutionLogs"] == ["about to fail"],
          "TestFunction of a throwing function %r" % t)

    listed = call("list_functions")["FunctionList"]
    names = sorted((i["Name"], i["FunctionMetadata"]["Stage"]) for i in listed.get("Items", []))
    check(names == [("boom", "DEVELOPMENT"), ("rewrite", "DEVELOPMENT")] and listed["Quantity"] == 2, "ListFunctions %r" % listed)
    page = cf.list_functions(MaxItems="1")["FunctionList"]
    check(page["Quantity"] == 1 and page.get("NextMarker"), "ListFunctions MaxItems 1 %r" % page)
    rest = cf.list_functions(Marker=page["NextMarker"])["FunctionList"]
    check(rest["Quantity"] == 1 and rest["Items"][0]["Name"] != page["Items"][0]["Name"], "ListFunctions second page %r" % rest)
    refuse("fnListBadMarker", "list_functions", Marker="nosuch:DEVELOPMENT")

    # UpdateFunction: a new DEVELOPMENT ETag (sent in ETag and ETtag).
    upd = call("update_function", Name="rewrite", IfMatch=dev1, FunctionConfig=fn_config("default rewrite"), FunctionCode=REWRITE2)
    dev2 = upd["ETag"]
    check(dev2 and dev2 != dev1, "UpdateFunction ETag %r, was %r" % (dev2, dev1))
    check(upd["ResponseMetadata"]["HTTPHeaders"].get("etag") == dev2, "UpdateFunction ETag header %r" % upd["ResponseMetadata"]["HTTPHeaders"])
    check(upd["FunctionSummary"]["FunctionConfig"]["Comment"] == "default rewrite" and upd["FunctionSummary"]["Status"] == "UNPUBLISHED",
          "UpdateFunction summary %r" % upd["FunctionSummary"])
    code = cf.get_function(Name="rewrite")["FunctionCode"].read()
    check(code == REWRITE2, "GetFunction after the update %r" % code[:60])
    refuse("fnUpdateStale", "update_function", Name="rewrite", IfMatch=dev1, FunctionConfig=fn_config(), FunctionCode=REWRITE)
    refuse_without_if_match("fnUpdateNoIfMatch", "update_function", Name="rewrite", FunctionConfig=fn_config(), FunctionCode=REWRITE)
    refuse("fnUpdateUnknown", "update_function", Name="nosuch", IfMatch=dev2, FunctionConfig=fn_config(), FunctionCode=REWRITE)
    refuse("fnUpdateTooBig", "update_function", Name="rewrite", IfMatch=dev2, FunctionConfig=fn_config(),
           FunctionCode=REWRITE + b"\n// " + b"x" * (10 * 1024))
    refuse("fnUpdateSyntaxError", "update_function", Name="rewrite", IfMatch=dev2, FunctionConfig=fn_config(),
           FunctionCode=b"function handler(event) {")

    # An unpublished function cannot be associated.
    refuse_behavior("fnAssociateUnpublished", dist_id, FunctionAssociations=function_assoc(arn))
    refuse_behavior("fnAssociateUnknown", dist_id, FunctionAssociations=function_assoc(arn.replace("rewrite", "nosuch")))

    # PublishFunction: a LIVE stage with its own ETag; DEVELOPMENT keeps its.
    refuse("fnPublishStale", "publish_function", Name="rewrite", IfMatch=dev1)
    refuse_without_if_match("fnPublishNoIfMatch", "publish_function", Name="rewrite")
    refuse("fnPublishUnknown", "publish_function", Name="nosuch", IfMatch=dev2)
    pub = call("publish_function", Name="rewrite", IfMatch=dev2)["FunctionSummary"]
    check(pub["FunctionMetadata"]["Stage"] == "LIVE" and pub["Status"] == "UNASSOCIATED"
          and pub["FunctionConfig"]["Comment"] == "default rewrite", "PublishFunction %r" % pub)
    live = cf.describe_function(Name="rewrite", Stage="LIVE")
    dev = cf.describe_function(Name="rewrite", Stage="DEVELOPMENT")
    check(live["ETag"] and live["ETag"] != dev2 and dev["ETag"] == dev2, "ETags LIVE %r DEVELOPMENT %r (published %r)" % (live["ETag"], dev["ETag"], dev2))
    check(dev["FunctionSummary"]["Status"] == "UNASSOCIATED", "DEVELOPMENT status after publish %r" % dev["FunctionSummary"]["Status"])
    check(cf.get_function(Name="rewrite", Stage="LIVE")["FunctionCode"].read() == REWRITE2, "LIVE code")
    t = cf.test_function(Name="rewrite", IfMatch=live["ETag"], Stage="LIVE", EventObject=event("/docs/"))["TestResult"]
    check(json.loads(t["FunctionOutput"])["request"]["uri"] == "/docs/default.html" and t["FunctionSummary"]["FunctionMetadata"]["Stage"] == "LIVE",
          "TestFunction LIVE %r" % t)
    lives = cf.list_functions(Stage="LIVE")["FunctionList"]
    check([i["Name"] for i in lives.get("Items", [])] == ["rewrite"], "ListFunctions Stage LIVE %r" % lives)

    # Associated: DEPLOYED, and not deletable.
    update_behavior(dist_id, FunctionAssociations=function_assoc(arn))
    check(cf.describe_function(Name="rewrite", Stage="LIVE")["FunctionSummary"]["Status"] == "DEPLOYED", "LIVE status once associated")
    refuse("fnDeleteInUse", "delete_function", Name="rewrite", IfMatch=dev2)
    update_behavior(dist_id, FunctionAssociations={"Quantity": 0})

    refuse("fnDeleteStale", "delete_function", Name="rewrite", IfMatch=dev1)
    refuse_without_if_match("fnDeleteNoIfMatch", "delete_function", Name="rewrite")
    refuse("fnDeleteUnknown", "delete_function", Name="nosuch", IfMatch=dev2)
    gone = call("delete_function", Name="rewrite", IfMatch=live["ETag"])
    check(status(gone) == 204, "DeleteFunction status %r" % status(gone))
    refuse("fnDescribeUnknown", "describe_function", Name="rewrite")
    cf.delete_function(Name="boom", IfMatch=boom["ETag"])
    check(cf.list_functions()["FunctionList"]["Quantity"] == 0, "functions left after the deletes")


def key_value_stores():
    src = {"SourceType": "S3", "SourceARN": "arn:aws:s3:::kvs-import/redirects.json"}
    created = call("create_key_value_store", Name="redirects", Comment="old paths", ImportSource=src)
    k = created["KeyValueStore"]
    check(status(created) == 201 and created["ETag"], "CreateKeyValueStore status %r, ETag %r" % (status(created), created.get("ETag")))
    check(k["Name"] == "redirects" and k["Comment"] == "old paths" and k["Status"] == "READY" and k["Id"]
          and k["ARN"].endswith(":key-value-store/" + k["Id"]), "CreateKeyValueStore %r" % k)
    check(created.get("Location", "").endswith("/2020-05-31/key-value-store/" + k["ARN"]), "CreateKeyValueStore Location %r" % created.get("Location"))
    arn, etag1 = k["ARN"], created["ETag"]

    refuse("kvsNameTaken", "create_key_value_store", Name="redirects")
    refuse("kvsBadName", "create_key_value_store", Name="no spaces")
    refuse("kvsImportMissing", "create_key_value_store", Name="missing",
           ImportSource={"SourceType": "S3", "SourceARN": "arn:aws:s3:::kvs-import/nosuch.json"})
    refuse("kvsImportKeyTwice", "create_key_value_store", Name="twice",
           ImportSource={"SourceType": "S3", "SourceARN": "arn:aws:s3:::kvs-import/twice.json"})
    refuse("kvsImportTooBig", "create_key_value_store", Name="big",
           ImportSource={"SourceType": "S3", "SourceARN": "arn:aws:s3:::kvs-import/big.json"})

    d = call("describe_key_value_store", Name="redirects")
    check(d["ETag"] == etag1 and d["KeyValueStore"]["ARN"] == arn and d["KeyValueStore"]["Status"] == "READY", "DescribeKeyValueStore %r" % d)
    refuse("kvsDescribeUnknown", "describe_key_value_store", Name="nosuch")

    call("create_key_value_store", Name="spare")
    listed = call("list_key_value_stores")["KeyValueStoreList"]
    check(sorted(i["Name"] for i in listed.get("Items", [])) == ["redirects", "spare"] and listed["Quantity"] == 2, "ListKeyValueStores %r" % listed)
    ready = cf.list_key_value_stores(Status="READY")["KeyValueStoreList"]
    check(ready["Quantity"] == 2, "ListKeyValueStores Status READY %r" % ready)
    refuse("kvsListBadMarker", "list_key_value_stores", Marker="nosuch")

    upd = call("update_key_value_store", Name="redirects", Comment="moved pages", IfMatch=etag1)
    etag2 = upd["ETag"]
    check(etag2 and etag2 != etag1 and upd["KeyValueStore"]["Comment"] == "moved pages", "UpdateKeyValueStore %r" % upd)
    check(cf.describe_key_value_store(Name="redirects")["ETag"] == etag2, "Describe after the update")
    refuse("kvsUpdateStale", "update_key_value_store", Name="redirects", Comment="x", IfMatch=etag1)
    refuse_without_if_match("kvsUpdateNoIfMatch", "update_key_value_store", Name="redirects", Comment="x")
    refuse("kvsUpdateUnknown", "update_key_value_store", Name="nosuch", Comment="x", IfMatch=etag2)
    # The model's 128 characters: boto3 checks the length, so drop its check.
    cf_long = boto3.client("cloudfront", endpoint_url=os.environ["INTEROP_ENDPOINT"], region_name="us-east-1",
                           aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
                           config=Config(retries={"max_attempts": 1}, parameter_validation=False))
    try:
        cf_long.update_key_value_store(Name="redirects", Comment="c" * 129, IfMatch=etag2)
        check(False, "a 129-character comment was accepted")
    except ClientError as e:
        errors["kvsUpdateLongComment"] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]

    # A function associated with the store reads the imported keys.
    spare_arn = cf.describe_key_value_store(Name="spare")["KeyValueStore"]["ARN"]
    refuse("kvsFunctionUnknown", "create_function", Name="kvs-fn", FunctionCode=KVS_REDIRECT,
           FunctionConfig=fn_config(runtime="cloudfront-js-2.0", kvs_arns=[arn[:-4] + "0000"]))
    refuse("kvsFunctionTwo", "create_function", Name="kvs-fn", FunctionCode=KVS_REDIRECT,
           FunctionConfig=fn_config(runtime="cloudfront-js-2.0", kvs_arns=[arn, spare_arn]))
    fn = cf.create_function(Name="kvs-fn", FunctionCode=KVS_REDIRECT, FunctionConfig=fn_config(runtime="cloudfront-js-2.0", kvs_arns=[arn]))
    assoc = fn["FunctionSummary"]["FunctionConfig"]["KeyValueStoreAssociations"]
    check(assoc == {"Quantity": 1, "Items": [{"KeyValueStoreARN": arn}]}, "KeyValueStoreAssociations %r" % assoc)
    t = call("test_function", Name="kvs-fn", IfMatch=fn["ETag"], EventObject=event("/old"))["TestResult"]
    out = json.loads(t["FunctionOutput"])
    check(out["response"]["statusCode"] == 302 and out["response"]["headers"]["location"]["value"] == "/new",
          "TestFunction with the store %r (error %r)" % (out, t.get("FunctionErrorMessage")))
    t = cf.test_function(Name="kvs-fn", IfMatch=fn["ETag"], EventObject=event("/kept"))["TestResult"]
    check(json.loads(t["FunctionOutput"])["request"]["uri"] == "/kept", "TestFunction, key not in the store %r" % t)

    refuse("kvsDeleteInUse", "delete_key_value_store", Name="redirects", IfMatch=etag2)
    cf.update_function(Name="kvs-fn", IfMatch=fn["ETag"], FunctionCode=KVS_REDIRECT, FunctionConfig=fn_config(runtime="cloudfront-js-2.0"))
    refuse("kvsDeleteStale", "delete_key_value_store", Name="redirects", IfMatch=etag1)
    refuse_without_if_match("kvsDeleteNoIfMatch", "delete_key_value_store", Name="redirects")
    refuse("kvsDeleteUnknown", "delete_key_value_store", Name="nosuch", IfMatch=etag2)
    gone = call("delete_key_value_store", Name="redirects", IfMatch=etag2)
    check(status(gone) == 204, "DeleteKeyValueStore status %r" % status(gone))
    left = cf.list_key_value_stores()["KeyValueStoreList"]
    check([i["Name"] for i in left.get("Items", [])] == ["spare"], "stores left %r" % left)


def profile_config(name, ref, key_id, patterns=("card-*",), comment="", entities=1, quantity=None, provider="pay"):
    ents = [{"PublicKeyId": key_id, "ProviderId": provider,
             "FieldPatterns": {"Quantity": len(patterns), "Items": list(patterns)}} for _ in range(entities)]
    return {"Name": name, "CallerReference": ref, "Comment": comment,
            "EncryptionEntities": {"Quantity": len(ents) if quantity is None else quantity, "Items": ents}}


def fle_config(ref, profile_id, comment="", query_args=None, content_types=None, quantity=None):
    qa = query_args if query_args is not None else [{"QueryArg": "pay", "ProfileId": profile_id}]
    ct = content_types if content_types is not None else [
        {"Format": "URLEncoded", "ProfileId": profile_id, "ContentType": "application/x-www-form-urlencoded"}]
    return {"CallerReference": ref, "Comment": comment,
            "QueryArgProfileConfig": {"ForwardWhenQueryArgProfileIsUnknown": False,
                                      "QueryArgProfiles": {"Quantity": len(qa) if quantity is None else quantity, "Items": qa}},
            "ContentTypeProfileConfig": {"ForwardWhenContentTypeIsUnknown": True,
                                         "ContentTypeProfiles": {"Quantity": len(ct), "Items": ct}}}


def field_level_encryption(dist_id):
    key = cf.create_public_key(PublicKeyConfig={"CallerReference": "fle-key", "Name": "fle-key", "EncodedKey": PUBLIC_KEY})
    key_id = key["PublicKey"]["Id"]

    # Profiles.
    p = call("create_field_level_encryption_profile",
             FieldLevelEncryptionProfileConfig=profile_config("cards", "p-1", key_id, comment="card numbers"))
    prof = p["FieldLevelEncryptionProfile"]
    pid, petag1 = prof["Id"], p["ETag"]
    check(status(p) == 201 and petag1, "CreateFieldLevelEncryptionProfile status %r, ETag %r" % (status(p), p.get("ETag")))
    check(p.get("Location", "").endswith("/2020-05-31/field-level-encryption-profile/" + pid), "profile Location %r" % p.get("Location"))
    pc = prof["FieldLevelEncryptionProfileConfig"]
    check(pc["Name"] == "cards" and pc["Comment"] == "card numbers"
          and pc["EncryptionEntities"]["Items"][0] == {"PublicKeyId": key_id, "ProviderId": "pay",
                                                       "FieldPatterns": {"Quantity": 1, "Items": ["card-*"]}}, "profile config %r" % pc)
    refuse("fleProfileNameTaken", "create_field_level_encryption_profile",
           FieldLevelEncryptionProfileConfig=profile_config("cards", "p-2", key_id))
    refuse("fleProfileNoKey", "create_field_level_encryption_profile",
           FieldLevelEncryptionProfileConfig=profile_config("nokey", "p-3", "KNOSUCHKEY0000"))
    refuse("fleProfileQuantities", "create_field_level_encryption_profile",
           FieldLevelEncryptionProfileConfig=profile_config("qty", "p-4", key_id, quantity=2))
    refuse("fleProfileTooManyPatterns", "create_field_level_encryption_profile",
           FieldLevelEncryptionProfileConfig=profile_config("many", "p-5", key_id, patterns=["f%d" % i for i in range(11)]))
    refuse("fleProfileTooManyEntities", "create_field_level_encryption_profile",
           FieldLevelEncryptionProfileConfig=profile_config("ents", "p-6", key_id, entities=11))
    refuse("fleProfileNoProvider", "create_field_level_encryption_profile",
           FieldLevelEncryptionProfileConfig=profile_config("noprov", "p-7", key_id, provider=""))

    g = call("get_field_level_encryption_profile", Id=pid)
    check(g["ETag"] == petag1 and g["FieldLevelEncryptionProfile"]["Id"] == pid
          and g["FieldLevelEncryptionProfile"]["FieldLevelEncryptionProfileConfig"] == pc, "GetFieldLevelEncryptionProfile %r" % g)
    gc = call("get_field_level_encryption_profile_config", Id=pid)
    check(gc["ETag"] == petag1 and gc["FieldLevelEncryptionProfileConfig"] == pc, "GetFieldLevelEncryptionProfileConfig %r" % gc)
    refuse("fleProfileGetUnknown", "get_field_level_encryption_profile", Id="PNOSUCH")
    refuse("fleProfileGetConfigUnknown", "get_field_level_encryption_profile_config", Id="PNOSUCH")

    other = cf.create_field_level_encryption_profile(FieldLevelEncryptionProfileConfig=profile_config("emails", "p-8", key_id, patterns=["email"]))
    oid = other["FieldLevelEncryptionProfile"]["Id"]
    listed = call("list_field_level_encryption_profiles")["FieldLevelEncryptionProfileList"]
    items = listed.get("Items", [])
    check(listed["Quantity"] == 2 and sorted((i["Id"], i["Name"]) for i in items) == sorted([(pid, "cards"), (oid, "emails")]),
          "ListFieldLevelEncryptionProfiles %r" % listed)
    check(all(i["EncryptionEntities"]["Quantity"] == 1 for i in items), "profile summaries %r" % items)
    refuse("fleProfileListBadMarker", "list_field_level_encryption_profiles", Marker="PNOSUCH")

    u = call("update_field_level_encryption_profile", Id=pid, IfMatch=petag1,
             FieldLevelEncryptionProfileConfig=profile_config("cards", "p-1", key_id, patterns=("card-*", "cvv"), comment="cards and cvv"))
    petag2 = u["ETag"]
    uc = u["FieldLevelEncryptionProfile"]["FieldLevelEncryptionProfileConfig"]
    check(petag2 and petag2 != petag1 and uc["Comment"] == "cards and cvv"
          and uc["EncryptionEntities"]["Items"][0]["FieldPatterns"]["Items"] == ["card-*", "cvv"], "UpdateFieldLevelEncryptionProfile %r" % u)
    refuse("fleProfileUpdateStale", "update_field_level_encryption_profile", Id=pid, IfMatch=petag1,
           FieldLevelEncryptionProfileConfig=profile_config("cards", "p-1", key_id))
    refuse_without_if_match("fleProfileUpdateNoIfMatch", "update_field_level_encryption_profile", Id=pid,
                            FieldLevelEncryptionProfileConfig=profile_config("cards", "p-1", key_id))
    refuse("fleProfileUpdateUnknown", "update_field_level_encryption_profile", Id="PNOSUCH", IfMatch=petag2,
           FieldLevelEncryptionProfileConfig=profile_config("cards", "p-1", key_id))
    refuse("fleProfileUpdateNameTaken", "update_field_level_encryption_profile", Id=pid, IfMatch=petag2,
           FieldLevelEncryptionProfileConfig=profile_config("emails", "p-1", key_id))
    refuse("fleProfileUpdateNoKey", "update_field_level_encryption_profile", Id=pid, IfMatch=petag2,
           FieldLevelEncryptionProfileConfig=profile_config("cards", "p-1", "KNOSUCHKEY0000"))

    # Configurations.
    c = call("create_field_level_encryption_config", FieldLevelEncryptionConfig=fle_config("c-1", pid, comment="checkout"))
    fle = c["FieldLevelEncryption"]
    cid, cetag1 = fle["Id"], c["ETag"]
    check(status(c) == 201 and cetag1, "CreateFieldLevelEncryptionConfig status %r, ETag %r" % (status(c), c.get("ETag")))
    check(c.get("Location", "").endswith("/2020-05-31/field-level-encryption/" + cid), "config Location %r" % c.get("Location"))
    cc = fle["FieldLevelEncryptionConfig"]
    check(cc["CallerReference"] == "c-1" and cc["Comment"] == "checkout"
          and cc["QueryArgProfileConfig"]["QueryArgProfiles"]["Items"] == [{"QueryArg": "pay", "ProfileId": pid}]
          and cc["ContentTypeProfileConfig"]["ContentTypeProfiles"]["Items"][0]["ProfileId"] == pid, "config %r" % cc)
    refuse("fleConfigRefTaken", "create_field_level_encryption_config", FieldLevelEncryptionConfig=fle_config("c-1", pid))
    refuse("fleConfigNoProfile", "create_field_level_encryption_config", FieldLevelEncryptionConfig=fle_config("c-2", "PNOSUCH"))
    refuse("fleConfigQueryArgEmpty", "create_field_level_encryption_config",
           FieldLevelEncryptionConfig=fle_config("c-3", pid, query_args=[{"QueryArg": "pay", "ProfileId": ""}]))
    refuse("fleConfigTooManyQueryArgs", "create_field_level_encryption_config",
           FieldLevelEncryptionConfig=fle_config("c-4", pid, query_args=[{"QueryArg": "a%d" % i, "ProfileId": pid} for i in range(11)]))
    refuse("fleConfigTooManyTypes", "create_field_level_encryption_config",
           FieldLevelEncryptionConfig=fle_config("c-5", pid, content_types=[
               {"Format": "URLEncoded", "ProfileId": pid, "ContentType": "application/x-www-form-urlencoded"}] * 11))
    refuse("fleConfigContentType", "create_field_level_encryption_config",
           FieldLevelEncryptionConfig=fle_config("c-6", pid, content_types=[{"Format": "URLEncoded", "ProfileId": pid, "ContentType": "text/plain"}]))
    refuse("fleConfigQuantities", "create_field_level_encryption_config", FieldLevelEncryptionConfig=fle_config("c-7", pid, quantity=3))

    g = call("get_field_level_encryption", Id=cid)
    check(g["ETag"] == cetag1 and g["FieldLevelEncryption"]["Id"] == cid and g["FieldLevelEncryption"]["FieldLevelEncryptionConfig"] == cc,
          "GetFieldLevelEncryption %r" % g)
    gc = call("get_field_level_encryption_config", Id=cid)
    check(gc["ETag"] == cetag1 and gc["FieldLevelEncryptionConfig"] == cc, "GetFieldLevelEncryptionConfig %r" % gc)
    refuse("fleConfigGetUnknown", "get_field_level_encryption", Id="CNOSUCH")
    refuse("fleConfigGetConfigUnknown", "get_field_level_encryption_config", Id="CNOSUCH")

    listed = call("list_field_level_encryption_configs")["FieldLevelEncryptionList"]
    check(listed["Quantity"] == 1 and [i["Id"] for i in listed.get("Items", [])] == [cid]
          and listed["Items"][0]["Comment"] == "checkout", "ListFieldLevelEncryptionConfigs %r" % listed)
    refuse("fleConfigListBadMarker", "list_field_level_encryption_configs", Marker="CNOSUCH")

    u = call("update_field_level_encryption_config", Id=cid, IfMatch=cetag1,
             FieldLevelEncryptionConfig=fle_config("c-1", pid, comment="checkout v2", query_args=[{"QueryArg": "card", "ProfileId": oid}]))
    cetag2 = u["ETag"]
    uc = u["FieldLevelEncryption"]["FieldLevelEncryptionConfig"]
    check(cetag2 and cetag2 != cetag1 and uc["Comment"] == "checkout v2"
          and uc["QueryArgProfileConfig"]["QueryArgProfiles"]["Items"] == [{"QueryArg": "card", "ProfileId": oid}],
          "UpdateFieldLevelEncryptionConfig %r" % u)
    refuse("fleConfigUpdateStale", "update_field_level_encryption_config", Id=cid, IfMatch=cetag1, FieldLevelEncryptionConfig=fle_config("c-1", pid))
    refuse_without_if_match("fleConfigUpdateNoIfMatch", "update_field_level_encryption_config", Id=cid,
                            FieldLevelEncryptionConfig=fle_config("c-1", pid))
    refuse("fleConfigUpdateUnknown", "update_field_level_encryption_config", Id="CNOSUCH", IfMatch=cetag2,
           FieldLevelEncryptionConfig=fle_config("c-1", pid))
    refuse("fleConfigUpdateNoProfile", "update_field_level_encryption_config", Id=cid, IfMatch=cetag2,
           FieldLevelEncryptionConfig=fle_config("c-1", "PNOSUCH"))

    # What is in use cannot go: the key (a profile), the profiles (the
    # configuration), the configuration (a cache behaviour).
    refuse("fleKeyInUse", "delete_public_key", Id=key_id, IfMatch=key["ETag"])
    refuse("fleProfileDeleteInUse", "delete_field_level_encryption_profile", Id=oid, IfMatch=other["ETag"])
    refuse_behavior("fleConfigUnknownInBehavior", dist_id, FieldLevelEncryptionId="CNOSUCH")
    update_behavior(dist_id, FieldLevelEncryptionId=cid)
    refuse("fleConfigDeleteInUse", "delete_field_level_encryption_config", Id=cid, IfMatch=cetag2)
    update_behavior(dist_id, FieldLevelEncryptionId="")

    refuse("fleConfigDeleteStale", "delete_field_level_encryption_config", Id=cid, IfMatch=cetag1)
    refuse_without_if_match("fleConfigDeleteNoIfMatch", "delete_field_level_encryption_config", Id=cid)
    refuse("fleConfigDeleteUnknown", "delete_field_level_encryption_config", Id="CNOSUCH", IfMatch=cetag2)
    gone = call("delete_field_level_encryption_config", Id=cid, IfMatch=cetag2)
    check(status(gone) == 204, "DeleteFieldLevelEncryptionConfig status %r" % status(gone))
    refuse("fleConfigGetUnknown", "get_field_level_encryption", Id=cid)

    refuse("fleProfileDeleteStale", "delete_field_level_encryption_profile", Id=pid, IfMatch=petag1)
    refuse_without_if_match("fleProfileDeleteNoIfMatch", "delete_field_level_encryption_profile", Id=pid)
    refuse("fleProfileDeleteUnknown", "delete_field_level_encryption_profile", Id="PNOSUCH", IfMatch=petag2)
    gone = call("delete_field_level_encryption_profile", Id=pid, IfMatch=petag2)
    check(status(gone) == 204, "DeleteFieldLevelEncryptionProfile status %r" % status(gone))
    cf.delete_field_level_encryption_profile(Id=oid, IfMatch=other["ETag"])
    check(cf.list_field_level_encryption_profiles()["FieldLevelEncryptionProfileList"]["Quantity"] == 0, "profiles left")
    cf.delete_public_key(Id=key_id, IfMatch=key["ETag"])


def monitoring(dist_id):
    def sub(state):
        return {"RealtimeMetricsSubscriptionConfig": {"RealtimeMetricsSubscriptionStatus": state}}
    c = call("create_monitoring_subscription", DistributionId=dist_id, MonitoringSubscription=sub("Enabled"))
    check(status(c) == 200 and c["MonitoringSubscription"] == sub("Enabled"), "CreateMonitoringSubscription %r" % c)
    refuse("monCreateUnknownDist", "create_monitoring_subscription", DistributionId="ENOSUCH", MonitoringSubscription=sub("Enabled"))
    refuse("monCreateBadStatus", "create_monitoring_subscription", DistributionId=dist_id, MonitoringSubscription=sub("On"))
    g = call("get_monitoring_subscription", DistributionId=dist_id)
    check(g["MonitoringSubscription"] == sub("Enabled"), "GetMonitoringSubscription %r" % g)
    # A second create replaces it (the Terraform provider updates so).
    cf.create_monitoring_subscription(DistributionId=dist_id, MonitoringSubscription=sub("Disabled"))
    g = cf.get_monitoring_subscription(DistributionId=dist_id)
    check(g["MonitoringSubscription"] == sub("Disabled"), "GetMonitoringSubscription after the second create %r" % g)
    refuse("monGetUnknownDist", "get_monitoring_subscription", DistributionId="ENOSUCH")
    refuse("monDeleteUnknownDist", "delete_monitoring_subscription", DistributionId="ENOSUCH")
    d = call("delete_monitoring_subscription", DistributionId=dist_id)
    check(status(d) == 200, "DeleteMonitoringSubscription status %r" % status(d))
    refuse("monGetNone", "get_monitoring_subscription", DistributionId=dist_id)
    refuse("monDeleteNone", "delete_monitoring_subscription", DistributionId=dist_id)


def endpoints(stream=STREAM):
    return [{"StreamType": "Kinesis", "KinesisStreamConfig": {"RoleARN": ROLE, "StreamARN": stream}}]


def realtime_logs(dist_id, other_dist_id):
    c = call("create_realtime_log_config", Name="edge-logs", SamplingRate=10, Fields=["timestamp", "c-ip", "sc-status"], EndPoints=endpoints())
    r = c["RealtimeLogConfig"]
    arn = r["ARN"]
    check(status(c) == 201, "CreateRealtimeLogConfig status %r" % status(c))
    check(arn.startswith("arn:aws:cloudfront::") and arn.endswith(":realtime-log-config/edge-logs"), "ARN %r" % arn)
    check(r["Name"] == "edge-logs" and r["SamplingRate"] == 10 and r["Fields"] == ["timestamp", "c-ip", "sc-status"]
          and r["EndPoints"] == endpoints(), "CreateRealtimeLogConfig %r" % r)
    refuse("rtlNameTaken", "create_realtime_log_config", Name="edge-logs", SamplingRate=5, Fields=["timestamp"], EndPoints=endpoints())
    refuse("rtlBadRate", "create_realtime_log_config", Name="rate", SamplingRate=0, Fields=["timestamp"], EndPoints=endpoints())
    refuse("rtlBadField", "create_realtime_log_config", Name="fields", SamplingRate=5, Fields=["timestamp", "timestamp"], EndPoints=endpoints())
    refuse("rtlBadStream", "create_realtime_log_config", Name="stream", SamplingRate=5, Fields=["timestamp"],
           EndPoints=endpoints(stream="arn:aws:s3:::not-a-stream"))

    g = call("get_realtime_log_config", Name="edge-logs")
    check(g["RealtimeLogConfig"] == r, "GetRealtimeLogConfig by name %r" % g)
    check(cf.get_realtime_log_config(ARN=arn)["RealtimeLogConfig"] == r, "GetRealtimeLogConfig by ARN")
    check(cf.get_realtime_log_config(Name="edge-logs", ARN=arn)["RealtimeLogConfig"] == r, "GetRealtimeLogConfig by both")
    refuse("rtlGetUnknown", "get_realtime_log_config", Name="nosuch")
    refuse("rtlGetOtherAccount", "get_realtime_log_config", ARN="arn:aws:cloudfront::111122223333:realtime-log-config/edge-logs")
    refuse("rtlGetMismatch", "get_realtime_log_config", Name="other", ARN=arn)
    refuse("rtlGetNoName", "get_realtime_log_config", Name="")
    refuse("rtlGetNoBody", "get_realtime_log_config")

    cf.create_realtime_log_config(Name="unused", SamplingRate=100, Fields=["timestamp"], EndPoints=endpoints())
    listed = call("list_realtime_log_configs")["RealtimeLogConfigs"]
    check([i["Name"] for i in listed.get("Items", [])] == ["edge-logs", "unused"] and listed["IsTruncated"] is False,
          "ListRealtimeLogConfigs %r" % listed)
    page = cf.list_realtime_log_configs(MaxItems="1")["RealtimeLogConfigs"]
    check(page["IsTruncated"] is True and page["NextMarker"] == "edge-logs", "ListRealtimeLogConfigs MaxItems 1 %r" % page)
    rest = cf.list_realtime_log_configs(Marker=page["NextMarker"])["RealtimeLogConfigs"]
    check([i["Name"] for i in rest.get("Items", [])] == ["unused"], "ListRealtimeLogConfigs second page %r" % rest)
    refuse("rtlListBadMarker", "list_realtime_log_configs", Marker="nosuch")

    u = call("update_realtime_log_config", Name="edge-logs", SamplingRate=50, Fields=["timestamp", "cs-uri-stem"], EndPoints=endpoints())
    check(u["RealtimeLogConfig"]["SamplingRate"] == 50 and u["RealtimeLogConfig"]["Fields"] == ["timestamp", "cs-uri-stem"]
          and u["RealtimeLogConfig"]["ARN"] == arn, "UpdateRealtimeLogConfig %r" % u)
    check(cf.get_realtime_log_config(ARN=arn)["RealtimeLogConfig"]["SamplingRate"] == 50, "Get after the update")
    refuse("rtlUpdateUnknown", "update_realtime_log_config", Name="nosuch", SamplingRate=5, Fields=["timestamp"], EndPoints=endpoints())
    refuse("rtlUpdateBadRate", "update_realtime_log_config", ARN=arn, SamplingRate=101, Fields=["timestamp"], EndPoints=endpoints())

    # A behaviour names the configuration: the look-up names the distribution.
    refuse_behavior("rtlDistUnknown", dist_id, RealtimeLogConfigArn=arn.replace("edge-logs", "nosuch"))
    refuse_behavior("rtlDistOtherOwner", dist_id, RealtimeLogConfigArn="arn:aws:cloudfront::111122223333:realtime-log-config/edge-logs")
    update_behavior(dist_id, RealtimeLogConfigArn=arn)
    by = call("list_distributions_by_realtime_log_config", RealtimeLogConfigName="edge-logs")["DistributionList"]
    check([d["Id"] for d in by.get("Items", [])] == [dist_id] and by["Quantity"] == 1, "ListDistributionsByRealtimeLogConfig %r" % by)
    check(by["Items"][0]["DefaultCacheBehavior"].get("RealtimeLogConfigArn") == arn, "the summary's behaviour %r" % by["Items"][0]["DefaultCacheBehavior"])
    by = cf.list_distributions_by_realtime_log_config(RealtimeLogConfigArn=arn)["DistributionList"]
    check([d["Id"] for d in by.get("Items", [])] == [dist_id], "…ByRealtimeLogConfig by ARN %r" % by)
    none = cf.list_distributions_by_realtime_log_config(RealtimeLogConfigName="unused")["DistributionList"]
    check(none["Quantity"] == 0 and not none.get("Items"), "…ByRealtimeLogConfig of an unused config %r" % none)
    check(other_dist_id not in [d["Id"] for d in by.get("Items", [])], "the other distribution listed")
    refuse("rtlLookupNoName", "list_distributions_by_realtime_log_config", RealtimeLogConfigName="")
    refuse("rtlLookupNoBody", "list_distributions_by_realtime_log_config")

    refuse("rtlDeleteInUse", "delete_realtime_log_config", Name="edge-logs")
    update_behavior(dist_id, RealtimeLogConfigArn=None)
    refuse("rtlDeleteUnknown", "delete_realtime_log_config", Name="nosuch")
    gone = call("delete_realtime_log_config", ARN=arn)
    check(status(gone) == 204, "DeleteRealtimeLogConfig status %r" % status(gone))
    refuse("rtlGetUnknown", "get_realtime_log_config", Name="edge-logs")
    cf.delete_realtime_log_config(Name="unused")
    check(not cf.list_realtime_log_configs()["RealtimeLogConfigs"].get("Items"), "configs left")


def quotas():
    """Reaches each account quota the model has an error for."""
    have = len(cf.list_functions(Stage="DEVELOPMENT")["FunctionList"].get("Items", []))
    for i in range(100 - have):
        cf.create_function(Name="quota-%d" % i, FunctionConfig=fn_config(), FunctionCode=REWRITE)
    refuse("fnTooMany", "create_function", Name="one-more", FunctionConfig=fn_config(), FunctionCode=REWRITE)
    check(len(cf.list_functions(Stage="DEVELOPMENT")["FunctionList"].get("Items", [])) == 100, "functions past the quota")

    have = cf.list_key_value_stores()["KeyValueStoreList"]["Quantity"]
    for i in range(50 - have):
        cf.create_key_value_store(Name="quota-%d" % i)
    refuse("kvsTooMany", "create_key_value_store", Name="one-more")

    key_id = cf.create_public_key(PublicKeyConfig={"CallerReference": "quota-key", "Name": "quota-key", "EncodedKey": PUBLIC_KEY})["PublicKey"]["Id"]
    pids = [cf.create_field_level_encryption_profile(FieldLevelEncryptionProfileConfig=profile_config("quota-%d" % i, "qp-%d" % i, key_id))
            ["FieldLevelEncryptionProfile"]["Id"] for i in range(10)]
    refuse("fleTooManyProfiles", "create_field_level_encryption_profile",
           FieldLevelEncryptionProfileConfig=profile_config("one-more", "qp-more", key_id))
    for i in range(10):
        cf.create_field_level_encryption_config(FieldLevelEncryptionConfig=fle_config("qc-%d" % i, pids[i]))
    refuse("fleTooManyConfigs", "create_field_level_encryption_config", FieldLevelEncryptionConfig=fle_config("qc-more", pids[0]))

    for i in range(150):
        cf.create_realtime_log_config(Name="quota-%d" % i, SamplingRate=1, Fields=["timestamp"], EndPoints=endpoints())
    refuse("rtlTooMany", "create_realtime_log_config", Name="one-more", SamplingRate=1, Fields=["timestamp"], EndPoints=endpoints())


def main():
    dist_id = cf.create_distribution(DistributionConfig=dist_config("boto3-features"))["Distribution"]["Id"]
    other_id = cf.create_distribution(DistributionConfig=dist_config("boto3-features-other"))["Distribution"]["Id"]
    functions(dist_id)
    key_value_stores()
    field_level_encryption(dist_id)
    monitoring(dist_id)
    realtime_logs(dist_id, other_id)
    quotas()
    unchecked = {op for op in called if cf.meta.service_model.operation_model(op).output_shape is not None} - checked_shapes
    check(not unchecked, "answers not checked against the model: %s" % sorted(unchecked))
    check(not shape_errors, "answers that are not the model's shape:\n  " + "\n  ".join(shape_errors))
    print(json.dumps({"called": sorted(set(called)), "errors": errors}))


main()
