"""Drive the configuration resources of `cfinv serve` with boto3, for
test/interop (issue 27): cache, origin request and response headers
policies, origin access controls and identities, public keys and key
groups with their ListDistributionsBy… look-ups, CreateDistributionWithTags,
UntagResource and DeleteDistribution, and the distribution tenant
operations with their invalidations. Every operation is called once at
least on its happy path, with its answer checked, and each documented error
of the model that the emulator answers is asked for once.

Run by the Go test with INTEROP_ENDPOINT, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY set. Prints one JSON object, {"called": [operations
that succeeded], "errors": {case: [code, HTTP status]}}, and exits 1, with
the reason on stderr, on the first wrong answer.
"""

import json
import os
import re
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(validate=True):
    return boto3.client(
        "cloudfront",
        endpoint_url=os.environ["INTEROP_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1}, parameter_validation=validate),
    )


cf = client()
# raw sends what boto3's parameter validation would refuse (a missing
# required member), to see the server's own answer.
raw = client(validate=False)

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
SIMPLE_CORS = "60669652-455b-4ae9-85a4-c4c02393f86c"
PEM = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA9FMmxH4aLtUtCrLI95kw
5EETj3gU1e6CQICU+UwkfTYwbw8X28GC+IyqtqzUdluACDk8Ah4Wy9KMZgedNvbx
5whr5Avm+gxr692ms/7kCEAACiWeDSwI3u8k9JG5Z1uBeGcFfeYG6zv87tKw2UFA
QLlGTMtblFnyZLVL+B5YSjj0NUD9XNarWZzzU0gsc3vqubYoUTOVDEB4YgtBgdpq
0zv+YNEyVt7KebyXFCfF/DYcveEygCG4rdLKTAr1ahyMpfuFRV0FOFube64fg+nT
AKtfGIkya1FHCLJ8I6MxNZW2TAYSaIgUniU/feG+0UYeynmVzOTgRgJeBmxmKcZd
OwIDAQAB
-----END PUBLIC KEY-----
"""
called = []
errors = {}


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


def record(case, e):
    check(case not in errors, "error case %s asked twice" % case)
    errors[case] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]


def refuse(case, op, client=None, **kwargs):
    """Calls op, which must fail, and records the error code and status."""
    try:
        getattr(client or cf, op)(**kwargs)
    except ClientError as e:
        record(case, e)
        return
    check(False, "%s (%s) succeeded, want an error" % (op, case))


def created(resp, what, path, ident):
    """Checks a Create answer: 201, an ETag, and a Location ending in
    path/ident (path None: the model's answer has no Location)."""
    check(status(resp) == 201, "%s status %r" % (what, status(resp)))
    check(resp.get("ETag"), "%s answered no ETag" % what)
    if path is None:
        return
    loc = resp.get("Location", "")
    check(loc.startswith(os.environ["INTEROP_ENDPOINT"]) and loc.endswith("/2020-05-31/%s/%s" % (path, ident)),
          "%s Location %r, want .../2020-05-31/%s/%s" % (what, loc, path, ident))


def custom_origin():
    return {"Id": "o1", "DomainName": "origin.example.com",
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}


def dist_config(ref, enabled=True, mode=None):
    c = {
        "CallerReference": ref,
        "Comment": ref,
        "Enabled": enabled,
        "Origins": {"Quantity": 1, "Items": [custom_origin()]},
        "DefaultCacheBehavior": {"TargetOriginId": "o1", "ViewerProtocolPolicy": "allow-all",
                                 "CachePolicyId": CACHING_OPTIMIZED},
    }
    if mode:
        c["ConnectionMode"] = mode
    return c


def update_config(dist_id, edit):
    cur = cf.get_distribution_config(Id=dist_id)
    c = cur["DistributionConfig"]
    edit(c)
    return cf.update_distribution(Id=dist_id, IfMatch=cur["ETag"], DistributionConfig=c)


def refuse_config(case, dist_id, edit):
    """An UpdateDistribution with the edit must fail: records its error."""
    try:
        update_config(dist_id, edit)
    except ClientError as e:
        record(case, e)
        return
    check(False, "UpdateDistribution (%s) succeeded, want an error" % case)


def s3_origin(c, oai="", oac=None):
    o = {"Id": "o1", "DomainName": "site.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": oai}}
    if oac is not None:
        o["OriginAccessControlId"] = oac
    c["Origins"] = {"Quantity": 1, "Items": [o]}


def plain_origin(c):
    c["Origins"] = {"Quantity": 1, "Items": [custom_origin()]}


def ids(items, key=None):
    return [i[key] if key else i for i in items or []]


# The three kinds of policies share their operations' shapes; each is
# described by the names of its calls and members and by its configs.
POLICY_KINDS = [
    {
        "case": "cache", "op": "cache_policy", "ops": "cache_policies", "elem": "CachePolicy",
        "member": "CachePolicyId", "managed": CACHING_OPTIMIZED,
        "config": lambda name, comment: {
            "Name": name, "Comment": comment, "MinTTL": 1, "DefaultTTL": 60, "MaxTTL": 3600,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": True,
                "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 1, "Items": ["Origin"]}},
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "none"},
            }},
        "edits": {
            "TooManyHeaders": lambda c: c["ParametersInCacheKeyAndForwardedToOrigin"].update(
                HeadersConfig={"HeaderBehavior": "whitelist", "Headers": names(11)}),
            "TooManyCookies": lambda c: c["ParametersInCacheKeyAndForwardedToOrigin"].update(
                CookiesConfig={"CookieBehavior": "whitelist", "Cookies": names(11)}),
            "TooManyQueryStrings": lambda c: c["ParametersInCacheKeyAndForwardedToOrigin"].update(
                QueryStringsConfig={"QueryStringBehavior": "whitelist", "QueryStrings": names(11)}),
            "BadTTLs": lambda c: c.update(MinTTL=120),
            "Inconsistent": lambda c: c["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"].update(Quantity=2),
        },
        "updated": lambda c: c["DefaultTTL"] == 120 and c["Comment"] == "changed",
        "change": lambda c: c.update(DefaultTTL=120, Comment="changed"),
    },
    {
        "case": "originRequest", "op": "origin_request_policy", "ops": "origin_request_policies",
        "elem": "OriginRequestPolicy", "member": "OriginRequestPolicyId", "managed": ALL_VIEWER,
        "config": lambda name, comment: {
            "Name": name, "Comment": comment,
            "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 1, "Items": ["Origin"]}},
            "CookiesConfig": {"CookieBehavior": "none"},
            "QueryStringsConfig": {"QueryStringBehavior": "all"},
        },
        "edits": {
            "TooManyHeaders": lambda c: c.update(HeadersConfig={"HeaderBehavior": "whitelist", "Headers": names(11)}),
            "TooManyCookies": lambda c: c.update(CookiesConfig={"CookieBehavior": "whitelist", "Cookies": names(11)}),
            "TooManyQueryStrings": lambda c: c.update(QueryStringsConfig={"QueryStringBehavior": "whitelist", "QueryStrings": names(11)}),
            "BadBehavior": lambda c: c["CookiesConfig"].update(CookieBehavior="some"),
            "Inconsistent": lambda c: c["HeadersConfig"]["Headers"].update(Quantity=2),
        },
        "updated": lambda c: c["CookiesConfig"]["CookieBehavior"] == "all" and c["Comment"] == "changed",
        "change": lambda c: c.update(CookiesConfig={"CookieBehavior": "all"}, Comment="changed"),
    },
    {
        "case": "responseHeaders", "op": "response_headers_policy", "ops": "response_headers_policies",
        "elem": "ResponseHeadersPolicy", "member": "ResponseHeadersPolicyId", "managed": SIMPLE_CORS,
        "config": lambda name, comment: {
            "Name": name, "Comment": comment,
            "CustomHeadersConfig": {"Quantity": 1, "Items": [{"Header": "X-Site", "Value": "one", "Override": True}]},
        },
        "edits": {
            "TooManyCustomHeaders": lambda c: c.update(CustomHeadersConfig={"Quantity": 11, "Items": [
                {"Header": "X-H%d" % i, "Value": "v", "Override": True} for i in range(11)]}),
            "TooManyRemoveHeaders": lambda c: c.update(RemoveHeadersConfig={"Quantity": 11, "Items": [
                {"Header": "X-R%d" % i} for i in range(11)]}),
            "TooLongCSP": lambda c: c.update(SecurityHeadersConfig={"ContentSecurityPolicy": {
                "Override": True, "ContentSecurityPolicy": "default-src 'self';" * 100}}),
            "BadFrameOption": lambda c: c.update(SecurityHeadersConfig={"FrameOptions": {"Override": True, "FrameOption": "ALLOW"}}),
            "Inconsistent": lambda c: c["CustomHeadersConfig"].update(Quantity=2),
        },
        "updated": lambda c: c["CustomHeadersConfig"]["Items"][0]["Value"] == "two" and c["Comment"] == "changed",
        "change": lambda c: (c["CustomHeadersConfig"]["Items"][0].update(Value="two"), c.update(Comment="changed")),
    },
]


def names(n):
    return {"Quantity": n, "Items": ["n%d" % i for i in range(n)]}


def policies(k, dist_id):
    """Every operation of one kind of policy, and its look-up."""
    op, ops, elem, case, cfg_key = k["op"], k["ops"], k["elem"], k["case"], k["elem"] + "Config"

    def cfg(name="site", comment="first", edit=None):
        c = k["config"](name, comment)
        if edit:
            edit(c)
        return c

    resp = call("create_" + op, **{cfg_key: cfg()})
    pid = resp[elem]["Id"]
    created(resp, "Create" + elem, op.replace("_", "-"), pid)
    check(re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", pid), "%s ID %r is not a UUID" % (elem, pid))
    check(resp[elem][cfg_key]["Name"] == "site" and resp[elem].get("LastModifiedTime"), "Create%s answered %r" % (elem, resp[elem]))
    etag = resp["ETag"]
    refuse(case + "NameTaken", "create_" + op, **{cfg_key: cfg()})
    for suffix, edit in k["edits"].items():
        refuse(case + suffix, "create_" + op, **{cfg_key: cfg(name="bad", edit=edit)})

    got = call("get_" + op, Id=pid)
    check(got["ETag"] == etag and got[elem]["Id"] == pid and got[elem][cfg_key] == resp[elem][cfg_key],
          "Get%s answered %r" % (elem, got))
    refuse(case + "GetUnknown", "get_" + op, Id="00000000-0000-0000-0000-000000000000")
    conf = call("get_%s_config" % op, Id=pid)
    check(conf["ETag"] == etag and conf[cfg_key] == resp[elem][cfg_key], "Get%sConfig answered %r" % (elem, conf))
    refuse(case + "GetConfigUnknown", "get_%s_config" % op, Id="00000000-0000-0000-0000-000000000000")
    managed = getattr(cf, "get_" + op)(Id=k["managed"])
    check(managed[elem][cfg_key]["Name"].startswith("Managed-"), "managed %s %r" % (elem, managed[elem]))

    lst = call("list_" + ops, Type="custom")[elem + "List"]
    check(lst["Quantity"] == 1 and [(i["Type"], i[elem]["Id"]) for i in lst["Items"]] == [("custom", pid)],
          "List%s Type=custom %r" % (elem, lst))
    lst = getattr(cf, "list_" + ops)(Type="managed")[elem + "List"]
    check(k["managed"] in [i[elem]["Id"] for i in lst["Items"]] and all(i["Type"] == "managed" for i in lst["Items"]),
          "List%s Type=managed %r" % (elem, lst))
    every = getattr(cf, "list_" + ops)()[elem + "List"]
    check(pid in [i[elem]["Id"] for i in every["Items"]] and every["Quantity"] == lst["Quantity"] + 1,
          "List%s %r" % (elem, every))
    page = getattr(cf, "list_" + ops)(MaxItems="1")[elem + "List"]
    check(page["Quantity"] == 1 and page.get("NextMarker") == page["Items"][0][elem]["Id"], "List%s MaxItems=1 %r" % (elem, page))
    refuse(case + "ListBadType", "list_" + ops, Type="shared")
    refuse(case + "ListBadMarker", "list_" + ops, Marker="00000000-0000-0000-0000-000000000000")

    second = getattr(cf, "create_" + op)(**{cfg_key: cfg(name="other")})
    changed = cfg()
    k["change"](changed)
    upd = call("update_" + op, Id=pid, IfMatch=etag, **{cfg_key: changed})
    check(upd["ETag"] != etag and k["updated"](upd[elem][cfg_key]), "Update%s answered %r" % (elem, upd))
    check(getattr(cf, "get_" + op)(Id=pid)["ETag"] == upd["ETag"], "Get%s after the update: an old ETag" % elem)
    refuse(case + "UpdateStale", "update_" + op, Id=pid, IfMatch=etag, **{cfg_key: changed})
    refuse(case + "UpdateNoIfMatch", "update_" + op, Id=pid, **{cfg_key: changed})
    refuse(case + "UpdateUnknown", "update_" + op, Id="00000000-0000-0000-0000-000000000000", IfMatch=etag, **{cfg_key: changed})
    refuse(case + "UpdateManaged", "update_" + op, Id=k["managed"], IfMatch=managed["ETag"], **{cfg_key: changed})
    refuse(case + "UpdateNameTaken", "update_" + op, Id=pid, IfMatch=upd["ETag"], **{cfg_key: cfg(name="other")})
    refuse(case + "UpdateBad", "update_" + op, Id=pid, IfMatch=upd["ETag"],
           **{cfg_key: cfg(edit=list(k["edits"].values())[0])})
    etag = upd["ETag"]

    member = k["member"]

    def use(c):
        c["DefaultCacheBehavior"][member] = pid
    update_config(dist_id, use)
    by = call("list_distributions_by_" + op + "_id", **{member: pid})["DistributionIdList"]
    check(by["Quantity"] == 1 and by.get("Items") == [dist_id], "ListDistributionsBy%sId %r" % (elem, by))
    none = getattr(cf, "list_distributions_by_" + op + "_id")(**{member: second[elem]["Id"]})["DistributionIdList"]
    check(none["Quantity"] == 0 and not none.get("Items"), "ListDistributionsBy%sId of an unused policy %r" % (elem, none))
    refuse(case + "LookupUnknown", "list_distributions_by_" + op + "_id", **{member: "00000000-0000-0000-0000-000000000000"})
    refuse(case + "LookupBadMarker", "list_distributions_by_" + op + "_id", Marker="ENOSUCH", **{member: pid})

    refuse(case + "DeleteInUse", "delete_" + op, Id=pid, IfMatch=etag)
    refuse(case + "DeleteManaged", "delete_" + op, Id=k["managed"], IfMatch=managed["ETag"])
    refuse(case + "DeleteStale", "delete_" + op, Id=second[elem]["Id"], IfMatch=etag)
    refuse(case + "DeleteNoIfMatch", "delete_" + op, Id=second[elem]["Id"])
    refuse(case + "DeleteUnknown", "delete_" + op, Id="00000000-0000-0000-0000-000000000000", IfMatch=etag)
    refuse_config(case + "UnknownInDistribution", dist_id,
                  lambda c: c["DefaultCacheBehavior"].update({member: "00000000-0000-0000-0000-000000000000"}))

    def release(c):
        c["DefaultCacheBehavior"].pop(member)
        if member == "CachePolicyId":
            c["DefaultCacheBehavior"][member] = CACHING_OPTIMIZED
    update_config(dist_id, release)
    d = call("delete_" + op, Id=pid, IfMatch=etag)
    check(status(d) == 204, "Delete%s status %r" % (elem, status(d)))
    refuse(case + "GetDeleted", "get_" + op, Id=pid)


def origin_access_controls(dist_id):
    def cfg(name="site-oac", desc="the site bucket"):
        return {"Name": name, "Description": desc, "SigningProtocol": "sigv4", "SigningBehavior": "always",
                "OriginAccessControlOriginType": "s3"}
    resp = call("create_origin_access_control", OriginAccessControlConfig=cfg())
    oac = resp["OriginAccessControl"]["Id"]
    created(resp, "CreateOriginAccessControl", "origin-access-control", oac)
    check(re.fullmatch(r"E[A-Z0-9]{13}", oac), "origin access control ID %r" % oac)
    check(resp["OriginAccessControl"]["OriginAccessControlConfig"] == cfg(), "CreateOriginAccessControl answered %r" % resp)
    etag = resp["ETag"]
    refuse("oacNameTaken", "create_origin_access_control", OriginAccessControlConfig=cfg())
    refuse("oacNameTooLong", "create_origin_access_control", OriginAccessControlConfig=cfg(name="n" * 65))
    refuse("oacBadSigning", "create_origin_access_control", OriginAccessControlConfig=dict(cfg(name="x"), SigningBehavior="sometimes"))
    got = call("get_origin_access_control", Id=oac)
    check(got["ETag"] == etag and got["OriginAccessControl"] == resp["OriginAccessControl"], "GetOriginAccessControl %r" % got)
    refuse("oacGetUnknown", "get_origin_access_control", Id="ENOSUCH0000000")
    conf = call("get_origin_access_control_config", Id=oac)
    check(conf["ETag"] == etag and conf["OriginAccessControlConfig"] == cfg(), "GetOriginAccessControlConfig %r" % conf)
    refuse("oacGetConfigUnknown", "get_origin_access_control_config", Id="ENOSUCH0000000")
    other = cf.create_origin_access_control(OriginAccessControlConfig=cfg(name="other-oac"))["OriginAccessControl"]["Id"]
    lst = call("list_origin_access_controls")["OriginAccessControlList"]
    check([(i["Id"], i["Name"], i["Description"], i["SigningBehavior"]) for i in lst["Items"]] ==
          [(oac, "site-oac", "the site bucket", "always"), (other, "other-oac", "the site bucket", "always")] and
          lst["Quantity"] == 2 and lst["IsTruncated"] is False, "ListOriginAccessControls %r" % lst)
    page = cf.list_origin_access_controls(MaxItems="1")["OriginAccessControlList"]
    check(page["IsTruncated"] is True and page["NextMarker"] == oac, "ListOriginAccessControls MaxItems=1 %r" % page)
    rest = cf.list_origin_access_controls(Marker=page["NextMarker"])["OriginAccessControlList"]
    check(ids(rest.get("Items"), "Id") == [other], "ListOriginAccessControls after the marker %r" % rest)
    refuse("oacListBadMarker", "list_origin_access_controls", Marker="ENOSUCH0000000")

    upd = call("update_origin_access_control", Id=oac, IfMatch=etag, OriginAccessControlConfig=cfg(desc="changed"))
    check(upd["ETag"] != etag and upd["OriginAccessControl"]["OriginAccessControlConfig"]["Description"] == "changed",
          "UpdateOriginAccessControl %r" % upd)
    refuse("oacUpdateStale", "update_origin_access_control", Id=oac, IfMatch=etag, OriginAccessControlConfig=cfg())
    refuse("oacUpdateNoIfMatch", "update_origin_access_control", Id=oac, OriginAccessControlConfig=cfg())
    refuse("oacUpdateUnknown", "update_origin_access_control", Id="ENOSUCH0000000", IfMatch=etag, OriginAccessControlConfig=cfg())
    refuse("oacUpdateNameTaken", "update_origin_access_control", Id=oac, IfMatch=upd["ETag"], OriginAccessControlConfig=cfg(name="other-oac"))
    refuse("oacUpdateBad", "update_origin_access_control", Id=oac, IfMatch=upd["ETag"], OriginAccessControlConfig=cfg(name=""))
    etag = upd["ETag"]

    update_config(dist_id, lambda c: s3_origin(c, oac=oac))
    refuse("oacDeleteInUse", "delete_origin_access_control", Id=oac, IfMatch=etag)
    refuse_config("oacUnknownInDistribution", dist_id, lambda c: s3_origin(c, oac="ENOSUCH0000000"))
    return oac, etag


def public_keys_and_key_groups(dist_id):
    def key(name="site-key", comment="signing key", encoded=PEM, ref="key-1"):
        return {"CallerReference": ref, "Name": name, "EncodedKey": encoded, "Comment": comment}
    resp = call("create_public_key", PublicKeyConfig=key())
    pk = resp["PublicKey"]["Id"]
    created(resp, "CreatePublicKey", "public-key", pk)
    check(re.fullmatch(r"K[A-Z0-9]{13}", pk) and resp["PublicKey"].get("CreatedTime"), "CreatePublicKey answered %r" % resp["PublicKey"])
    check(resp["PublicKey"]["PublicKeyConfig"]["EncodedKey"].strip() == PEM.strip(), "CreatePublicKey EncodedKey %r" % resp["PublicKey"])
    etag = resp["ETag"]
    refuse("keyNameTaken", "create_public_key", PublicKeyConfig=key(ref="key-2"))
    refuse("keyNotPEM", "create_public_key", PublicKeyConfig=key(name="bad", ref="key-3", encoded="not a key"))
    got = call("get_public_key", Id=pk)
    check(got["ETag"] == etag and got["PublicKey"] == resp["PublicKey"], "GetPublicKey %r" % got)
    refuse("keyGetUnknown", "get_public_key", Id="KNOSUCH0000000")
    conf = call("get_public_key_config", Id=pk)
    check(conf["ETag"] == etag and conf["PublicKeyConfig"] == resp["PublicKey"]["PublicKeyConfig"], "GetPublicKeyConfig %r" % conf)
    refuse("keyGetConfigUnknown", "get_public_key_config", Id="KNOSUCH0000000")
    pk2 = cf.create_public_key(PublicKeyConfig=key(name="second-key", ref="key-4"))["PublicKey"]["Id"]
    lst = call("list_public_keys")["PublicKeyList"]
    check(lst["Quantity"] == 2 and [(i["Id"], i["Name"]) for i in lst["Items"]] == [(pk, "site-key"), (pk2, "second-key")],
          "ListPublicKeys %r" % lst)
    refuse("keyListBadMarker", "list_public_keys", Marker="KNOSUCH0000000")
    upd = call("update_public_key", Id=pk, IfMatch=etag, PublicKeyConfig=key(comment="rotated soon"))
    check(upd["ETag"] != etag and upd["PublicKey"]["PublicKeyConfig"]["Comment"] == "rotated soon", "UpdatePublicKey %r" % upd)
    refuse("keyUpdateImmutable", "update_public_key", Id=pk, IfMatch=upd["ETag"], PublicKeyConfig=key(ref="key-5"))
    refuse("keyUpdateStale", "update_public_key", Id=pk, IfMatch=etag, PublicKeyConfig=key())
    refuse("keyUpdateNoIfMatch", "update_public_key", Id=pk, PublicKeyConfig=key())
    refuse("keyUpdateUnknown", "update_public_key", Id="KNOSUCH0000000", IfMatch=etag, PublicKeyConfig=key())
    refuse("keyUpdateNotPEM", "update_public_key", Id=pk, IfMatch=upd["ETag"], PublicKeyConfig=key(encoded="not a key"))
    etag = upd["ETag"]

    def group(items, name="signers", comment="site signers"):
        return {"Name": name, "Items": items, "Comment": comment}
    resp = call("create_key_group", KeyGroupConfig=group([pk]))
    kg = resp["KeyGroup"]["Id"]
    created(resp, "CreateKeyGroup", "key-group", kg)
    check(resp["KeyGroup"]["KeyGroupConfig"]["Items"] == [pk] and resp["KeyGroup"].get("LastModifiedTime"), "CreateKeyGroup %r" % resp)
    kg_etag = resp["ETag"]
    refuse("keyGroupNameTaken", "create_key_group", KeyGroupConfig=group([pk]))
    refuse("keyGroupTooManyKeys", "create_key_group", KeyGroupConfig=group([pk] * 6, name="six"))
    refuse("keyGroupUnknownKey", "create_key_group", KeyGroupConfig=group(["KNOSUCH0000000"], name="ghost"))
    refuse("keyGroupNoKeys", "create_key_group", KeyGroupConfig=group([], name="empty"))
    got = call("get_key_group", Id=kg)
    check(got["ETag"] == kg_etag and got["KeyGroup"] == resp["KeyGroup"], "GetKeyGroup %r" % got)
    refuse("keyGroupGetUnknown", "get_key_group", Id="00000000-0000-0000-0000-000000000000")
    conf = call("get_key_group_config", Id=kg)
    check(conf["ETag"] == kg_etag and conf["KeyGroupConfig"] == group([pk]), "GetKeyGroupConfig %r" % conf)
    refuse("keyGroupGetConfigUnknown", "get_key_group_config", Id="00000000-0000-0000-0000-000000000000")
    lst = call("list_key_groups")["KeyGroupList"]
    check(lst["Quantity"] == 1 and [i["KeyGroup"]["Id"] for i in lst["Items"]] == [kg], "ListKeyGroups %r" % lst)
    refuse("keyGroupListBadMarker", "list_key_groups", Marker="00000000-0000-0000-0000-000000000000")
    other = cf.create_key_group(KeyGroupConfig=group([pk2], name="other-signers"))
    upd = call("update_key_group", Id=kg, IfMatch=kg_etag, KeyGroupConfig=group([pk, pk2]))
    check(upd["ETag"] != kg_etag and upd["KeyGroup"]["KeyGroupConfig"]["Items"] == [pk, pk2], "UpdateKeyGroup %r" % upd)
    refuse("keyGroupUpdateStale", "update_key_group", Id=kg, IfMatch=kg_etag, KeyGroupConfig=group([pk]))
    refuse("keyGroupUpdateNoIfMatch", "update_key_group", Id=kg, KeyGroupConfig=group([pk]))
    refuse("keyGroupUpdateUnknown", "update_key_group", Id="00000000-0000-0000-0000-000000000000", IfMatch=kg_etag,
           KeyGroupConfig=group([pk]))
    refuse("keyGroupUpdateNameTaken", "update_key_group", Id=kg, IfMatch=upd["ETag"], KeyGroupConfig=group([pk], name="other-signers"))
    refuse("keyGroupUpdateTooManyKeys", "update_key_group", Id=kg, IfMatch=upd["ETag"], KeyGroupConfig=group([pk] * 6))
    kg_etag = upd["ETag"]
    refuse("keyDeleteInUse", "delete_public_key", Id=pk2, IfMatch=cf.get_public_key(Id=pk2)["ETag"])

    def trust(c):
        c["DefaultCacheBehavior"]["TrustedKeyGroups"] = {"Enabled": True, "Quantity": 1, "Items": [kg]}
    update_config(dist_id, trust)
    by = call("list_distributions_by_key_group", KeyGroupId=kg)["DistributionIdList"]
    check(by["Quantity"] == 1 and by.get("Items") == [dist_id], "ListDistributionsByKeyGroup %r" % by)
    by = cf.list_distributions_by_key_group(KeyGroupId=other["KeyGroup"]["Id"])["DistributionIdList"]
    check(by["Quantity"] == 0, "ListDistributionsByKeyGroup of an unused group %r" % by)
    refuse("keyGroupLookupUnknown", "list_distributions_by_key_group", KeyGroupId="00000000-0000-0000-0000-000000000000")
    refuse("keyGroupLookupBadMarker", "list_distributions_by_key_group", KeyGroupId=kg, Marker="ENOSUCH")
    refuse("keyGroupDeleteInUse", "delete_key_group", Id=kg, IfMatch=kg_etag)
    refuse("keyGroupDeleteStale", "delete_key_group", Id=other["KeyGroup"]["Id"], IfMatch=kg_etag)
    refuse("keyGroupDeleteNoIfMatch", "delete_key_group", Id=other["KeyGroup"]["Id"])
    refuse("keyGroupDeleteUnknown", "delete_key_group", Id="00000000-0000-0000-0000-000000000000", IfMatch=kg_etag)
    refuse_config("keyGroupUnknownInDistribution", dist_id, lambda c: c["DefaultCacheBehavior"].update(
        TrustedKeyGroups={"Enabled": True, "Quantity": 1, "Items": ["00000000-0000-0000-0000-000000000000"]}))
    update_config(dist_id, lambda c: c["DefaultCacheBehavior"].pop("TrustedKeyGroups"))
    d = call("delete_key_group", Id=kg, IfMatch=kg_etag)
    check(status(d) == 204, "DeleteKeyGroup status %r" % status(d))
    refuse("keyGroupGetDeleted", "get_key_group", Id=kg)
    cf.delete_key_group(Id=other["KeyGroup"]["Id"], IfMatch=other["ETag"])

    refuse("keyDeleteStale", "delete_public_key", Id=pk, IfMatch="ESTALE")
    refuse("keyDeleteNoIfMatch", "delete_public_key", Id=pk)
    refuse("keyDeleteUnknown", "delete_public_key", Id="KNOSUCH0000000", IfMatch=etag)
    d = call("delete_public_key", Id=pk, IfMatch=etag)
    check(status(d) == 204, "DeletePublicKey status %r" % status(d))
    refuse("keyGetDeleted", "get_public_key", Id=pk)


def origin_access_identities(dist_id, oac, oac_etag):
    def cfg(ref="site-oai", comment="site bucket"):
        return {"CallerReference": ref, "Comment": comment}
    resp = call("create_cloud_front_origin_access_identity", CloudFrontOriginAccessIdentityConfig=cfg())
    ident = resp["CloudFrontOriginAccessIdentity"]
    oai = ident["Id"]
    created(resp, "CreateCloudFrontOriginAccessIdentity", "origin-access-identity/cloudfront", oai)
    check(re.fullmatch(r"E[A-Z0-9]{13}", oai) and re.fullmatch(r"[0-9a-f]{64}", ident["S3CanonicalUserId"]) and
          ident["CloudFrontOriginAccessIdentityConfig"] == cfg(), "CreateCloudFrontOriginAccessIdentity %r" % ident)
    etag = resp["ETag"]
    again = cf.create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig=cfg())
    check(again["CloudFrontOriginAccessIdentity"]["Id"] == oai and again["ETag"] == etag,
          "a repeated CreateCloudFrontOriginAccessIdentity answered %r" % again["CloudFrontOriginAccessIdentity"])
    refuse("oaiRefTaken", "create_cloud_front_origin_access_identity", CloudFrontOriginAccessIdentityConfig=cfg(comment="other"))
    refuse("oaiCommentTooLong", "create_cloud_front_origin_access_identity",
           CloudFrontOriginAccessIdentityConfig=cfg(ref="long", comment="c" * 129))
    refuse("oaiMissingBody", "create_cloud_front_origin_access_identity", client=raw)
    got = call("get_cloud_front_origin_access_identity", Id=oai)
    check(got["ETag"] == etag and got["CloudFrontOriginAccessIdentity"] == ident, "GetCloudFrontOriginAccessIdentity %r" % got)
    refuse("oaiGetUnknown", "get_cloud_front_origin_access_identity", Id="ENOSUCH0000000")
    conf = call("get_cloud_front_origin_access_identity_config", Id=oai)
    check(conf["ETag"] == etag and conf["CloudFrontOriginAccessIdentityConfig"] == cfg(), "GetCloudFrontOriginAccessIdentityConfig %r" % conf)
    refuse("oaiGetConfigUnknown", "get_cloud_front_origin_access_identity_config", Id="ENOSUCH0000000")
    lst = call("list_cloud_front_origin_access_identities")["CloudFrontOriginAccessIdentityList"]
    check(lst["Quantity"] == 1 and lst["IsTruncated"] is False and
          [(i["Id"], i["S3CanonicalUserId"], i["Comment"]) for i in lst["Items"]] == [(oai, ident["S3CanonicalUserId"], "site bucket")],
          "ListCloudFrontOriginAccessIdentities %r" % lst)
    refuse("oaiListBadMarker", "list_cloud_front_origin_access_identities", Marker="ENOSUCH0000000")

    upd = call("update_cloud_front_origin_access_identity", Id=oai, IfMatch=etag, CloudFrontOriginAccessIdentityConfig=cfg(comment="renamed"))
    check(upd["ETag"] != etag and upd["CloudFrontOriginAccessIdentity"]["CloudFrontOriginAccessIdentityConfig"]["Comment"] == "renamed" and
          upd["CloudFrontOriginAccessIdentity"]["S3CanonicalUserId"] == ident["S3CanonicalUserId"],
          "UpdateCloudFrontOriginAccessIdentity %r" % upd)
    refuse("oaiUpdateStale", "update_cloud_front_origin_access_identity", Id=oai, IfMatch=etag, CloudFrontOriginAccessIdentityConfig=cfg())
    refuse("oaiUpdateNoIfMatch", "update_cloud_front_origin_access_identity", Id=oai, CloudFrontOriginAccessIdentityConfig=cfg())
    refuse("oaiUpdateUnknown", "update_cloud_front_origin_access_identity", Id="ENOSUCH0000000", IfMatch=etag,
           CloudFrontOriginAccessIdentityConfig=cfg())
    refuse("oaiUpdateCallerReference", "update_cloud_front_origin_access_identity", Id=oai, IfMatch=upd["ETag"],
           CloudFrontOriginAccessIdentityConfig=cfg(ref="another"))
    refuse("oaiUpdateMissingBody", "update_cloud_front_origin_access_identity", client=raw, Id=oai, IfMatch=upd["ETag"])
    etag = upd["ETag"]

    # The distribution's S3 origin has the origin access control: naming
    # the identity too is refused, then the identity replaces it.
    refuse_config("oaiWithOAC", dist_id, lambda c: s3_origin(c, oai="origin-access-identity/cloudfront/" + oai, oac=oac))
    update_config(dist_id, lambda c: s3_origin(c, oai="origin-access-identity/cloudfront/" + oai))
    d = call("delete_origin_access_control", Id=oac, IfMatch=oac_etag)
    check(status(d) == 204, "DeleteOriginAccessControl status %r" % status(d))
    refuse("oacGetDeleted", "get_origin_access_control", Id=oac)
    refuse("oacDeleteStale", "delete_origin_access_control", Id=cf.list_origin_access_controls()["OriginAccessControlList"]["Items"][0]["Id"],
           IfMatch=oac_etag)
    refuse("oacDeleteNoIfMatch", "delete_origin_access_control", Id=oac)
    refuse("oacDeleteUnknown", "delete_origin_access_control", Id=oac, IfMatch=oac_etag)

    refuse("oaiDeleteInUse", "delete_cloud_front_origin_access_identity", Id=oai, IfMatch=etag)
    refuse_config("oaiUnknownInDistribution", dist_id, lambda c: s3_origin(c, oai="origin-access-identity/cloudfront/ENOSUCH0000000"))
    update_config(dist_id, plain_origin)
    refuse("oaiDeleteStale", "delete_cloud_front_origin_access_identity", Id=oai, IfMatch="ESTALE")
    refuse("oaiDeleteNoIfMatch", "delete_cloud_front_origin_access_identity", Id=oai)
    refuse("oaiDeleteUnknown", "delete_cloud_front_origin_access_identity", Id="ENOSUCH0000000", IfMatch=etag)
    d = call("delete_cloud_front_origin_access_identity", Id=oai, IfMatch=etag)
    check(status(d) == 204, "DeleteCloudFrontOriginAccessIdentity status %r" % status(d))
    refuse("oaiGetDeleted", "get_cloud_front_origin_access_identity", Id=oai)

    # CloudFront's quota: 100 identities an account.
    for i in range(100):
        cf.create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig=cfg(ref="quota-%03d" % i))
    refuse("oaiQuota", "create_cloud_front_origin_access_identity", CloudFrontOriginAccessIdentityConfig=cfg(ref="quota-100"))


def distributions():
    """CreateDistributionWithTags, UntagResource and DeleteDistribution."""
    tags = {"Items": [{"Key": "team", "Value": "web"}, {"Key": "env", "Value": "test"}, {"Key": "cost", "Value": "42"}]}
    resp = call("create_distribution_with_tags", DistributionConfigWithTags={"DistributionConfig": dist_config("boto3-tags"), "Tags": tags})
    d = resp["Distribution"]
    created(resp, "CreateDistributionWithTags", "distribution", d["Id"])
    check(d["DistributionConfig"]["CallerReference"] == "boto3-tags" and d["ARN"].endswith(":distribution/" + d["Id"]) and
          d["Status"] in ("InProgress", "Deployed"), "CreateDistributionWithTags %r" % d)
    have = cf.list_tags_for_resource(Resource=d["ARN"])["Tags"]["Items"]
    check(have == tags["Items"], "tags after CreateDistributionWithTags %r" % have)
    refuse("withTagsCallerReferenceTaken", "create_distribution_with_tags",
           DistributionConfigWithTags={"DistributionConfig": dist_config("boto3-tags"), "Tags": tags})
    refuse("withTagsReservedKey", "create_distribution_with_tags",
           DistributionConfigWithTags={"DistributionConfig": dist_config("boto3-aws"), "Tags": {"Items": [{"Key": "aws:x", "Value": "y"}]}})
    refuse("withTagsBadConfig", "create_distribution_with_tags",
           DistributionConfigWithTags={"DistributionConfig": dict(dist_config("boto3-bad"), Comment="c" * 129), "Tags": tags})
    refuse("withTagsUnknownPolicy", "create_distribution_with_tags", DistributionConfigWithTags={
        "DistributionConfig": dict(dist_config("boto3-nopolicy"), DefaultCacheBehavior={
            "TargetOriginId": "o1", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": "00000000-0000-0000-0000-000000000000"}),
        "Tags": tags})

    u = call("untag_resource", Resource=d["ARN"], TagKeys={"Items": ["env", "cost", "absent"]})
    check(status(u) == 204, "UntagResource status %r" % status(u))
    have = cf.list_tags_for_resource(Resource=d["ARN"])["Tags"]["Items"]
    check(have == [{"Key": "team", "Value": "web"}], "tags after UntagResource %r" % have)
    refuse("untagUnknown", "untag_resource", Resource=d["ARN"][:-len(d["Id"])] + "ENOSUCH", TagKeys={"Items": ["team"]})
    refuse("untagNotAnArn", "untag_resource", Resource="my-distribution", TagKeys={"Items": ["team"]})
    refuse("untagReservedKey", "untag_resource", Resource=d["ARN"], TagKeys={"Items": ["aws:team"]})

    refuse("deleteEnabled", "delete_distribution", Id=d["Id"], IfMatch=resp["ETag"])
    off = update_config(d["Id"], lambda c: c.update(Enabled=False))
    refuse("deleteStale", "delete_distribution", Id=d["Id"], IfMatch=resp["ETag"])
    refuse("deleteNoIfMatch", "delete_distribution", Id=d["Id"])
    refuse("deleteUnknown", "delete_distribution", Id="ENOSUCH0000000", IfMatch=off["ETag"])
    gone = call("delete_distribution", Id=d["Id"], IfMatch=off["ETag"])
    check(status(gone) == 204, "DeleteDistribution status %r" % status(gone))
    refuse("getDeleted", "get_distribution", Id=d["Id"])
    refuse("tagsOfDeleted", "list_tags_for_resource", Resource=d["ARN"])


def tenants():
    mt = cf.create_distribution(DistributionConfig=dist_config("boto3-mt", mode="tenant-only"))
    mt_id = mt["Distribution"]["Id"]
    plain = cf.create_distribution(DistributionConfig=dist_config("boto3-plain"))["Distribution"]["Id"]

    resp = call("create_distribution_tenant", DistributionId=mt_id, Name="tenant-one",
                Domains=[{"Domain": "one.example.com"}], Tags={"Items": [{"Key": "tier", "Value": "gold"}]})
    t = resp["DistributionTenant"]
    tid = t["Id"]
    created(resp, "CreateDistributionTenant", None, tid)
    check(t["DistributionId"] == mt_id and t["Name"] == "tenant-one" and t["Arn"].endswith(":distribution-tenant/" + tid) and
          t["Domains"] == [{"Domain": "one.example.com", "Status": "active"}] and t["Enabled"] is True and
          t["Tags"]["Items"] == [{"Key": "tier", "Value": "gold"}], "CreateDistributionTenant %r" % t)
    etag = resp["ETag"]
    refuse("tenantNoDistribution", "create_distribution_tenant", DistributionId="ENOSUCH0000000", Name="tenant-x",
           Domains=[{"Domain": "x.example.com"}])
    refuse("tenantNotMultiTenant", "create_distribution_tenant", DistributionId=plain, Name="tenant-x", Domains=[{"Domain": "x.example.com"}])
    refuse("tenantBadName", "create_distribution_tenant", DistributionId=mt_id, Name="-x-", Domains=[{"Domain": "x.example.com"}])
    refuse("tenantNameTaken", "create_distribution_tenant", DistributionId=mt_id, Name="tenant-one", Domains=[{"Domain": "x.example.com"}])
    refuse("tenantDomainTaken", "create_distribution_tenant", DistributionId=mt_id, Name="tenant-x", Domains=[{"Domain": "ONE.example.com"}])
    refuse("tenantTooManyDomains", "create_distribution_tenant", DistributionId=mt_id, Name="tenant-x",
           Domains=[{"Domain": "d%d.example.com" % i} for i in range(6)])
    refuse("tenantBadTag", "create_distribution_tenant", DistributionId=mt_id, Name="tenant-x", Domains=[{"Domain": "x.example.com"}],
           Tags={"Items": [{"Key": "aws:tier", "Value": "gold"}]})
    refuse("tenantGetCreatedWithBadTag", "get_distribution_tenant", Identifier="tenant-x")
    two = cf.create_distribution_tenant(DistributionId=mt_id, Name="tenant-two", Domains=[{"Domain": "two.example.com"}])
    tid2 = two["DistributionTenant"]["Id"]

    for ident in (tid, "tenant-one", t["Arn"]):
        got = call("get_distribution_tenant", Identifier=ident)
        check(got["ETag"] == etag and got["DistributionTenant"] == t, "GetDistributionTenant %s: %r" % (ident, got))
    refuse("tenantGetUnknown", "get_distribution_tenant", Identifier="dt_NOSUCH")
    got = call("get_distribution_tenant_by_domain", Domain="one.example.com")
    check(got["DistributionTenant"]["Id"] == tid and got["ETag"] == etag, "GetDistributionTenantByDomain %r" % got)
    refuse("tenantByDomainUnknown", "get_distribution_tenant_by_domain", Domain="nobody.example.com")

    lst = call("list_distribution_tenants", AssociationFilter={"DistributionId": mt_id})
    check([(s["Id"], s["Name"], s["ETag"]) for s in lst["DistributionTenantList"]] ==
          [(tid, "tenant-one", etag), (tid2, "tenant-two", two["ETag"])] and
          "NextMarker" not in lst, "ListDistributionTenants %r" % lst)
    page = cf.list_distribution_tenants(MaxItems=1)
    check(ids(page["DistributionTenantList"], "Id") == [tid] and page.get("NextMarker") == tid, "ListDistributionTenants MaxItems=1 %r" % page)
    rest = cf.list_distribution_tenants(Marker=page["NextMarker"])
    check(ids(rest["DistributionTenantList"], "Id") == [tid2], "ListDistributionTenants after the marker %r" % rest)
    refuse("tenantListUnknownDistribution", "list_distribution_tenants", AssociationFilter={"DistributionId": "ENOSUCH0000000"})
    refuse("tenantListBadMarker", "list_distribution_tenants", Marker="dt_NOSUCH")

    upd = call("update_distribution_tenant", Id=tid, IfMatch=etag, Domains=[{"Domain": "one.example.com"}, {"Domain": "www.one.example.com"}])
    u = upd["DistributionTenant"]
    check(upd["ETag"] != etag and [x["Domain"] for x in u["Domains"]] == ["one.example.com", "www.one.example.com"] and
          u["Name"] == "tenant-one" and u["Tags"] == t["Tags"], "UpdateDistributionTenant %r" % upd)
    check(cf.get_distribution_tenant_by_domain(Domain="www.one.example.com")["DistributionTenant"]["Id"] == tid,
          "the tenant's new domain does not find it")
    refuse("tenantUpdateStale", "update_distribution_tenant", Id=tid, IfMatch=etag, Enabled=False)
    refuse("tenantUpdateNoIfMatch", "update_distribution_tenant", client=raw, Id=tid, Enabled=False)
    refuse("tenantUpdateUnknown", "update_distribution_tenant", Id="dt_NOSUCH", IfMatch=etag, Enabled=False)
    refuse("tenantUpdateDomainTaken", "update_distribution_tenant", Id=tid2, IfMatch=two["ETag"], Domains=[{"Domain": "www.one.example.com"}])
    refuse("tenantUpdateTooManyDomains", "update_distribution_tenant", Id=tid, IfMatch=upd["ETag"],
           Domains=[{"Domain": "d%d.example.com" % i} for i in range(6)])
    refuse("tenantUpdateNotMultiTenant", "update_distribution_tenant", Id=tid, IfMatch=upd["ETag"], DistributionId=plain)
    etag = upd["ETag"]

    batch = {"Paths": {"Quantity": 2, "Items": ["/index.html", "/img/*"]}, "CallerReference": "tenant-inv-1"}
    inv = call("create_invalidation_for_distribution_tenant", Id=tid, InvalidationBatch=batch)
    iid = inv["Invalidation"]["Id"]
    check(status(inv) == 201 and inv["Location"].endswith("/2020-05-31/distribution-tenant/%s/invalidation/%s" % (tid, iid)) and
          inv["Invalidation"]["InvalidationBatch"] == batch, "CreateInvalidationForDistributionTenant %r" % inv)
    again = cf.create_invalidation_for_distribution_tenant(Id=tid, InvalidationBatch=batch)
    check(again["Invalidation"]["Id"] == iid, "a repeated CallerReference made invalidation %r, want %s" % (again["Invalidation"]["Id"], iid))
    inv2 = cf.create_invalidation_for_distribution_tenant(Id=tid, InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/about.html"]}, "CallerReference": "tenant-inv-2"})["Invalidation"]["Id"]
    refuse("tenantInvUnknown", "create_invalidation_for_distribution_tenant", Id="dt_NOSUCH", InvalidationBatch=batch)
    refuse("tenantInvBadPath", "create_invalidation_for_distribution_tenant", Id=tid, InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["index.html"]}, "CallerReference": "bad-path"})
    refuse("tenantInvInconsistent", "create_invalidation_for_distribution_tenant", Id=tid, InvalidationBatch={
        "Paths": {"Quantity": 3, "Items": ["/a"]}, "CallerReference": "inconsistent"})
    refuse("tenantInvTooLarge", "create_invalidation_for_distribution_tenant", Id=tid, InvalidationBatch={
        "Paths": {"Quantity": 3001, "Items": ["/p%d" % i for i in range(3001)]}, "CallerReference": "too-large"})
    refuse("tenantInvTooManyWildcards", "create_invalidation_for_distribution_tenant", Id=tid, InvalidationBatch={
        "Paths": {"Quantity": 16, "Items": ["/w%d/*" % i for i in range(16)]}, "CallerReference": "wildcards"})
    refuse("tenantInvMissingBody", "create_invalidation_for_distribution_tenant", client=raw, Id=tid)

    got = call("get_invalidation_for_distribution_tenant", DistributionTenantId=tid, Id=iid)["Invalidation"]
    check(got["Id"] == iid and got["InvalidationBatch"] == batch and got["Status"] in ("InProgress", "Completed"),
          "GetInvalidationForDistributionTenant %r" % got)
    refuse("tenantGetInvUnknownTenant", "get_invalidation_for_distribution_tenant", DistributionTenantId="dt_NOSUCH", Id=iid)
    refuse("tenantGetInvUnknown", "get_invalidation_for_distribution_tenant", DistributionTenantId=tid2, Id=iid)
    lst = call("list_invalidations_for_distribution_tenant", Id=tid)["InvalidationList"]
    check(lst["Quantity"] == 2 and sorted(ids(lst.get("Items"), "Id")) == sorted([iid, inv2]) and lst["IsTruncated"] is False,
          "ListInvalidationsForDistributionTenant %r" % lst)
    empty = cf.list_invalidations_for_distribution_tenant(Id=tid2)["InvalidationList"]
    check(empty["Quantity"] == 0 and not empty.get("Items"), "a tenant without invalidations lists %r" % empty)
    refuse("tenantListInvUnknownTenant", "list_invalidations_for_distribution_tenant", Id="dt_NOSUCH")
    refuse("tenantListInvBadMarker", "list_invalidations_for_distribution_tenant", Id=tid, Marker="INOSUCH")

    # A distribution with tenants cannot be deleted.
    off = update_config(mt_id, lambda c: c.update(Enabled=False))
    refuse("deleteWithTenants", "delete_distribution", Id=mt_id, IfMatch=off["ETag"])

    refuse("tenantDeleteEnabled", "delete_distribution_tenant", Id=tid, IfMatch=etag)
    dis = cf.update_distribution_tenant(Id=tid, IfMatch=etag, Enabled=False)
    check(dis["DistributionTenant"]["Enabled"] is False and
          [x["Domain"] for x in dis["DistributionTenant"]["Domains"]] == ["one.example.com", "www.one.example.com"],
          "disabling the tenant answered %r" % dis["DistributionTenant"])
    refuse("tenantDeleteStale", "delete_distribution_tenant", Id=tid, IfMatch=etag)
    refuse("tenantDeleteNoIfMatch", "delete_distribution_tenant", client=raw, Id=tid)
    refuse("tenantDeleteUnknown", "delete_distribution_tenant", Id="dt_NOSUCH", IfMatch=dis["ETag"])
    gone = call("delete_distribution_tenant", Id=tid, IfMatch=dis["ETag"])
    check(status(gone) == 204, "DeleteDistributionTenant status %r" % status(gone))
    refuse("tenantGetDeleted", "get_distribution_tenant", Identifier=tid)
    refuse("tenantListInvDeleted", "list_invalidations_for_distribution_tenant", Id=tid)
    dis2 = cf.update_distribution_tenant(Id=tid2, IfMatch=two["ETag"], Enabled=False)
    cf.delete_distribution_tenant(Id=tid2, IfMatch=dis2["ETag"])
    cf.delete_distribution(Id=mt_id, IfMatch=off["ETag"])


def main():
    dist_id = cf.create_distribution(DistributionConfig=dist_config("boto3-resources"))["Distribution"]["Id"]
    for k in POLICY_KINDS:
        policies(k, dist_id)
    oac, oac_etag = origin_access_controls(dist_id)
    public_keys_and_key_groups(dist_id)
    origin_access_identities(dist_id, oac, oac_etag)
    distributions()
    tenants()
    print(json.dumps({"called": sorted(set(called)), "errors": errors}))


main()
