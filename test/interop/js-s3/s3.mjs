// Drives the S3 API of `cfinv serve` with the AWS SDK for JavaScript v3,
// for test/interop: with its default checksums (CRC32 on PutObject), a
// multipart upload, listing, ranges and errors. Run with
// INTEROP_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set.
// Prints "ok", or exits 1 with the reason on stderr.
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, DeleteObjectsCommand, DeleteBucketCommand, CreateMultipartUploadCommand,
  UploadPartCommand, CompleteMultipartUploadCommand, GetBucketLocationCommand,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";

const s3 = new S3Client({
  endpoint: process.env.INTEROP_ENDPOINT,
  region: "us-east-1",
  forcePathStyle: true,
  maxAttempts: 1,
});

function check(cond, what) {
  if (!cond) {
    console.error("js s3: " + what);
    process.exit(1);
  }
}

async function codeOf(p) {
  try { await p; } catch (e) { return e.name || e.Code; }
  return null;
}

await s3.send(new CreateBucketCommand({ Bucket: "jsbucket" }));
// S3's legacy rule: re-creating your bucket in us-east-1 succeeds; in any other region it is BucketAlreadyOwnedByYou.
check(await codeOf(s3.send(new CreateBucketCommand({ Bucket: "jsbucket" }))) === null, "second CreateBucket in us-east-1");
const eu = { Bucket: "jsbucket-eu", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } };
await s3.send(new CreateBucketCommand(eu));
check(await codeOf(s3.send(new CreateBucketCommand(eu))) === "BucketAlreadyOwnedByYou", "second CreateBucket in eu-west-1");
const loc = await s3.send(new GetBucketLocationCommand({ Bucket: "jsbucket-eu" }));
check(loc.LocationConstraint === "eu-west-1", "GetBucketLocation of jsbucket-eu: " + loc.LocationConstraint);
await s3.send(new DeleteBucketCommand({ Bucket: "jsbucket-eu" }));

const body = Buffer.alloc(100000, "j");
const put = await s3.send(new PutObjectCommand({
  Bucket: "jsbucket", Key: "dir/page.html", Body: body, ContentType: "text/html", CacheControl: "max-age=42",
}));
check(put.ETag === `"${createHash("md5").update(body).digest("hex")}"`, "PutObject ETag " + put.ETag);
check(put.ChecksumCRC32 !== undefined || put.ChecksumCRC64NVME !== undefined, "PutObject returned no default checksum: " + JSON.stringify(put));

const get = await s3.send(new GetObjectCommand({ Bucket: "jsbucket", Key: "dir/page.html", ChecksumMode: "ENABLED" }));
const got = Buffer.from(await get.Body.transformToByteArray());
check(got.equals(body), "GetObject body");
check(get.CacheControl === "max-age=42" && get.ContentType === "text/html", "stored headers " + get.CacheControl + " " + get.ContentType);

const rng = await s3.send(new GetObjectCommand({ Bucket: "jsbucket", Key: "dir/page.html", Range: "bytes=0-4" }));
check((await rng.Body.transformToString()) === "jjjjj" && rng.ContentRange === "bytes 0-4/100000", "range");
check(await codeOf(s3.send(new HeadObjectCommand({ Bucket: "jsbucket", Key: "missing" }))) === "NotFound", "HeadObject of a missing key");

const part = Buffer.alloc(5 * 1024 * 1024, "p");
const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: "jsbucket", Key: "big.bin" }));
const p1 = await s3.send(new UploadPartCommand({ Bucket: "jsbucket", Key: "big.bin", UploadId: mp.UploadId, PartNumber: 1, Body: part }));
const p2 = await s3.send(new UploadPartCommand({ Bucket: "jsbucket", Key: "big.bin", UploadId: mp.UploadId, PartNumber: 2, Body: Buffer.from("tail") }));
const done = await s3.send(new CompleteMultipartUploadCommand({
  Bucket: "jsbucket", Key: "big.bin", UploadId: mp.UploadId,
  MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] },
}));
check(done.ETag.endsWith('-2"'), "multipart ETag " + done.ETag);

const list = await s3.send(new ListObjectsV2Command({ Bucket: "jsbucket", Delimiter: "/" }));
check(JSON.stringify((list.Contents || []).map((o) => o.Key)) === '["big.bin"]', "ListObjectsV2 keys");
check(JSON.stringify((list.CommonPrefixes || []).map((p) => p.Prefix)) === '["dir/"]', "ListObjectsV2 prefixes");

await s3.send(new DeleteObjectsCommand({ Bucket: "jsbucket", Delete: { Objects: [{ Key: "dir/page.html" }, { Key: "big.bin" }] } }));
await s3.send(new DeleteBucketCommand({ Bucket: "jsbucket" }));
console.log("ok");
