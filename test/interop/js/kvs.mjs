// Drives the CloudFront KeyValueStore data plane of `cfinv serve` with the
// AWS SDK for JavaScript v3: @aws-sdk/client-cloudfront-keyvaluestore, which
// signs with SigV4A through the pure-JS @aws-sdk/signature-v4a (registered by
// importing it). Run by test/interop's TestJSSDKKeyValueStore with
// INTEROP_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set. Creates a
// store through the CloudFront client, runs every data-plane operation and
// prints one JSON object with what it saw; exits non-zero, with the reason on
// stderr, when a call fails that should not.
import "@aws-sdk/signature-v4a";
import http from "node:http";
import { CloudFrontClient, CreateKeyValueStoreCommand } from "@aws-sdk/client-cloudfront";
import {
  CloudFrontKeyValueStoreClient,
  DeleteKeyCommand,
  DescribeKeyValueStoreCommand,
  GetKeyCommand,
  ListKeysCommand,
  PutKeyCommand,
  UpdateKeysCommand,
  paginateListKeys,
} from "@aws-sdk/client-cloudfront-keyvaluestore";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const endpoint = process.env.INTEROP_ENDPOINT;
if (!endpoint) {
  console.error("INTEROP_ENDPOINT is not set");
  process.exit(2);
}
const credentials = {
  accessKeyId: process.env.AWS_ACCESS_KEY_ID,
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
};

// The endpoint rules send each request to ACCOUNT.HOST of the endpoint (the
// account of the store's ARN). The client is given the endpoint under the
// name "localhost" (a dotted-quad host with a label in front is no URL
// host), and every name resolves to serve's loopback address.
const served = new URL(endpoint);
const kvsEndpoint = `${served.protocol}//localhost:${served.port}`;
const resolved = [];
function lookup(hostname, options, callback) {
  resolved.push(hostname);
  const address = served.hostname.replace(/^\[|\]$/g, "");
  const family = address.includes(":") ? 6 : 4;
  if (options?.all) {
    callback(null, [{ address, family }]);
  } else {
    callback(null, address, family);
  }
}
function kvsClient(secretAccessKey) {
  return new CloudFrontKeyValueStoreClient({
    endpoint: kvsEndpoint,
    region: "us-east-1",
    credentials: { ...credentials, secretAccessKey },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ lookup }) }),
  });
}
const kvs = kvsClient(credentials.secretAccessKey);

function fail(msg) {
  console.error("js-sdk kvs: " + msg);
  process.exit(1);
}

// expectError runs promise, which must fail, and returns the error's name
// and HTTP status.
async function expectError(promise) {
  try {
    await promise;
  } catch (err) {
    return { name: err.name, status: err.$metadata?.httpStatusCode ?? 0 };
  }
  fail("call succeeded, want an error");
}

const out = { etags: [], sizes: {} };
const cf = new CloudFrontClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const created = await cf.send(
  new CreateKeyValueStoreCommand({ Name: "js-kvs-" + Date.now().toString(36), Comment: "interop js" }),
);
const KvsARN = created.KeyValueStore?.ARN;
if (!KvsARN) fail("CreateKeyValueStore returned no ARN");
out.kvsARN = KvsARN;

// sizes records a write's or a read's ItemCount and TotalSizeInBytes under
// name, and the write's ETag.
function record(name, r) {
  out.sizes[name] = { itemCount: r.ItemCount, totalSizeInBytes: r.TotalSizeInBytes };
  if (r.ETag !== undefined) out.etags.push(r.ETag);
}

const d0 = await kvs.send(new DescribeKeyValueStoreCommand({ KvsARN }));
record("describeEmpty", d0);
out.describe = { kvsARN: d0.KvsARN, status: d0.Status, created: d0.Created instanceof Date && !isNaN(d0.Created) };

let etag = d0.ETag;
for (const [Key, Value] of [
  ["e", "5"],
  ["a", "1"],
  ["d", "4"],
  ["c", "3"],
  ["b", "2"],
]) {
  const r = await kvs.send(new PutKeyCommand({ KvsARN, Key, Value, IfMatch: etag }));
  record("put " + Key, r);
  etag = r.ETag;
}
const stale = d0.ETag;

const g = await kvs.send(new GetKeyCommand({ KvsARN, Key: "c" }));
out.get = { key: g.Key, value: g.Value };
record("get c", g);

// ListKeys by hand (MaxResults, NextToken), then through the paginator.
out.listPages = [];
let NextToken;
do {
  const page = await kvs.send(new ListKeysCommand({ KvsARN, MaxResults: 2, NextToken }));
  out.listPages.push((page.Items ?? []).map((it) => it.Key + "=" + it.Value));
  NextToken = page.NextToken;
} while (NextToken);
out.paginatorPages = [];
for await (const page of paginateListKeys({ client: kvs, pageSize: 3 }, { KvsARN })) {
  out.paginatorPages.push((page.Items ?? []).map((it) => it.Key));
}

const del = await kvs.send(new DeleteKeyCommand({ KvsARN, Key: "e", IfMatch: etag }));
record("delete e", del);
etag = del.ETag;

const upd = await kvs.send(
  new UpdateKeysCommand({
    KvsARN,
    IfMatch: etag,
    Puts: [
      { Key: "a", Value: "one" },
      { Key: "f", Value: "6" },
    ],
    Deletes: [{ Key: "b" }, { Key: "d" }],
  }),
);
record("updateKeys", upd);
etag = upd.ETag;

const d1 = await kvs.send(new DescribeKeyValueStoreCommand({ KvsARN }));
record("describeLast", d1);
out.describeETagIsLastWrite = d1.ETag === etag;

out.errors = {
  staleIfMatch: await expectError(kvs.send(new PutKeyCommand({ KvsARN, Key: "z", Value: "26", IfMatch: stale }))),
  staleIfMatchUpdate: await expectError(
    kvs.send(new UpdateKeysCommand({ KvsARN, IfMatch: stale, Puts: [{ Key: "z", Value: "26" }] })),
  ),
  missingKey: await expectError(kvs.send(new GetKeyCommand({ KvsARN, Key: "e" }))),
  wrongSecret: await expectError(kvsClient("wrong-secret").send(new DescribeKeyValueStoreCommand({ KvsARN }))),
  wrongSecretWrite: await expectError(
    kvsClient("wrong-secret").send(new PutKeyCommand({ KvsARN, Key: "z", Value: "26", IfMatch: etag })),
  ),
};
out.etagAfterErrors = (await kvs.send(new DescribeKeyValueStoreCommand({ KvsARN }))).ETag;

// The host names the SDK sent to, as the endpoint rules made them.
out.hosts = [...new Set(resolved)];
console.log(JSON.stringify(out));
