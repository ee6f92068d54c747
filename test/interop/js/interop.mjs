// Drives `cfinv serve` with the AWS SDK for JavaScript v3. Run by
// test/interop's Go test with INTEROP_ENDPOINT, AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY set. Prints one JSON object with what it saw and
// exits non-zero, with the reason on stderr, on the first wrong answer.
import {
  CloudFrontClient,
  CreateDistributionCommand,
  CreateInvalidationCommand,
  GetDistributionCommand,
  GetInvalidationCommand,
  paginateListDistributions,
  paginateListInvalidations,
  waitUntilInvalidationCompleted,
} from "@aws-sdk/client-cloudfront";

const endpoint = process.env.INTEROP_ENDPOINT;
if (!endpoint) {
  console.error("INTEROP_ENDPOINT is not set");
  process.exit(2);
}
const credentials = {
  accessKeyId: process.env.AWS_ACCESS_KEY_ID,
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
};
const client = new CloudFrontClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });

function check(cond, msg) {
  if (!cond) {
    console.error("js-sdk: " + msg);
    process.exit(1);
  }
}

async function expectError(promise, code) {
  try {
    await promise;
  } catch (err) {
    check(err.name === code, `got error ${err.name} (${err.message}), want ${code}`);
    return err;
  }
  check(false, `call succeeded, want ${code}`);
}

const out = {};
const stamp = Date.now().toString(36);

const created = await client.send(
  new CreateDistributionCommand({
    DistributionConfig: {
      CallerReference: "js-" + stamp,
      Comment: "interop js",
      Enabled: true,
      Origins: {
        Quantity: 1,
        Items: [
          {
            Id: "origin-1",
            DomainName: "example.com",
            CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "http-only" },
          },
        ],
      },
      DefaultCacheBehavior: {
        TargetOriginId: "origin-1",
        ViewerProtocolPolicy: "allow-all",
        ForwardedValues: { QueryString: false, Cookies: { Forward: "none" } },
        MinTTL: 0,
      },
    },
  }),
);
const distId = created.Distribution?.Id;
check(distId, "CreateDistribution returned no Distribution.Id");
check(created.ETag, "CreateDistribution returned no ETag");
check(created.Location && created.Location.endsWith("/2020-05-31/distribution/" + distId), `Location ${created.Location}`);
out.distributionId = distId;

const got = await client.send(new GetDistributionCommand({ Id: distId }));
check(got.Distribution?.Id === distId, "GetDistribution returned another Id");
check(got.Distribution?.DistributionConfig?.Origins?.Items?.[0]?.DomainName === "example.com", "GetDistribution lost the origin");

const ids = [];
for (let i = 0; i < 5; i++) {
  const inv = await client.send(
    new CreateInvalidationCommand({
      DistributionId: distId,
      InvalidationBatch: { CallerReference: `js-${stamp}-${i}`, Paths: { Quantity: 2, Items: [`/js/${i}/*`, "/index.html"] } },
    }),
  );
  check(inv.Invalidation?.Status === "InProgress", `new invalidation status ${inv.Invalidation?.Status}, want InProgress`);
  check(inv.Location?.endsWith(`/distribution/${distId}/invalidation/${inv.Invalidation.Id}`), `Location ${inv.Location}`);
  check(inv.Invalidation.CreateTime instanceof Date && !isNaN(inv.Invalidation.CreateTime), "CreateTime is not a date");
  ids.push(inv.Invalidation.Id);
}
out.created = ids;

let pages = 0;
const listed = [];
for await (const page of paginateListInvalidations({ client, pageSize: 2 }, { DistributionId: distId })) {
  pages++;
  for (const s of page.InvalidationList?.Items ?? []) listed.push(s.Id);
}
out.invalidationPages = pages;
out.listed = listed;
check(pages === 3, `ListInvalidations took ${pages} pages of 2 for 5 items, want 3`);
check(JSON.stringify(listed) === JSON.stringify([...ids].reverse()), `listed ${listed}, want newest first ${[...ids].reverse()}`);

let distPages = 0;
let sawDist = false;
for await (const page of paginateListDistributions({ client, pageSize: 1 }, {})) {
  distPages++;
  for (const s of page.DistributionList?.Items ?? []) if (s.Id === distId) sawDist = true;
}
out.distributionPages = distPages;
check(sawDist, "paginated ListDistributions never returned the new distribution");

const t0 = Date.now();
const waited = await waitUntilInvalidationCompleted(
  { client, minDelay: 1, maxDelay: 1, maxWaitTime: 30 },
  { DistributionId: distId, Id: ids[4] },
);
out.waitState = waited.state;
out.waitSeconds = (Date.now() - t0) / 1000;
check(waited.state === "SUCCESS", `waiter state ${waited.state}`);
const done = await client.send(new GetInvalidationCommand({ DistributionId: distId, Id: ids[4] }));
check(done.Invalidation?.Status === "Completed", `status after waiting ${done.Invalidation?.Status}`);
check(JSON.stringify(done.Invalidation.InvalidationBatch.Paths.Items) === JSON.stringify(["/js/4/*", "/index.html"]), "paths changed");

await expectError(client.send(new GetInvalidationCommand({ DistributionId: "EDOESNOTEXIST1", Id: ids[0] })), "NoSuchDistribution");
await expectError(client.send(new GetInvalidationCommand({ DistributionId: distId, Id: "IDOESNOTEXIST1" })), "NoSuchInvalidation");
const bad = new CloudFrontClient({
  endpoint,
  region: "us-east-1",
  credentials: { ...credentials, secretAccessKey: "wrong-secret" },
  maxAttempts: 1,
});
const sigErr = await expectError(bad.send(new GetDistributionCommand({ Id: distId })), "SignatureDoesNotMatch");
check(sigErr.$metadata?.httpStatusCode === 403, `SignatureDoesNotMatch status ${sigErr.$metadata?.httpStatusCode}`);
out.errors = ["NoSuchDistribution", "NoSuchInvalidation", "SignatureDoesNotMatch"];

console.log(JSON.stringify(out));
