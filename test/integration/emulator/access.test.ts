import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ComputeManagementClient } from "@azure/arm-compute";
import { startEmulator } from "../../../src/emulator/index.js";
import type { EmulatorHandle } from "../../../src/emulator/index.js";
import type { RestLike } from "./helpers.js";
import { FAST, SUB, arm, clientFor, imageIdOf, refused, smallSeed } from "./helpers.js";

/** Starts an emulator on a faults file written exactly as a user writes it. */
async function startWithFaults(yaml: string): Promise<{ emulator: EmulatorHandle; client: ComputeManagementClient }> {
  const dir = await mkdtemp(join(tmpdir(), "acg-access-"));
  const path = join(dir, "faults.yaml");
  await writeFile(path, `throttling: none\n${yaml}`);
  const emulator = await startEmulator({ seed: smallSeed(), faults: path, timeScale: 6000, port: 0 });
  return { emulator, client: clientFor(emulator) };
}

const rgScope = (rg: string): string => `/subscriptions/${SUB}/resourceGroups/${rg}`;
const totalRequests = (e: EmulatorHandle): number => Object.values(e.stats().requests).reduce((a, b) => a + b, 0);

describe("emulator access denials (faults file access.deny)", () => {
  let emulator: EmulatorHandle;
  let client: ComputeManagementClient;
  before(async () => {
    ({ emulator, client } = await startWithFaults(
      [
        "access:",
        "  deny:",
        `    - scope: ${rgScope("RG-GALLERY").replace("resourceGroups", "resourcegroups")}/providers/Microsoft.Compute/galleries/locked`,
        "      actions: [write]",
        `    - scope: ${rgScope("rg-images")}/providers/Microsoft.Compute/images/linux-old`,
        "      actions: [read, delete]",
        `    - scope: ${rgScope("rg-gal")}`,
        "      actions: [read, write, delete]",
        "",
      ].join("\n"),
    ));
  });
  after(async () => {
    await emulator.close();
  });

  it("refuses a write at or under the denied scope with ARM's 403 AuthorizationFailed, case-insensitively", async () => {
    const before = totalRequests(emulator);
    const error = await refused(client.galleries.beginCreateOrUpdateAndWait("rg-gallery", "locked", { location: "westeurope" }, FAST), 403, "AuthorizationFailed");
    const scope = `${rgScope("rg-gallery")}/providers/Microsoft.Compute/galleries/locked`;
    assert.equal(
      error.message,
      `The client '00000000-0000-0000-0000-000000000000' with object id '00000000-0000-0000-0000-000000000000' does not have authorization to perform action 'Microsoft.Compute/galleries/write' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
    const stats = emulator.stats();
    assert.equal(totalRequests(emulator), before + 1, "the refused request is counted once (403 is not retried)");
    assert.deepEqual(stats.ruleViolations, []);
    assert.equal(stats.faultsInjected, 0);
    assert.deepEqual(stats.creates, {});
    await refused(client.galleries.get("rg-gallery", "locked"), 404, "ResourceNotFound");
  });

  it("allows other actions on the denied scope and writes beside it (segment-aligned: rg-gal does not cover rg-gallery)", async () => {
    const gallery = await client.galleries.beginCreateOrUpdateAndWait("rg-gallery", "open", { location: "westeurope" }, FAST);
    assert.equal(gallery.provisioningState, "Succeeded");
    const image = await client.images.get("rg-images", "linux-v2");
    assert.equal(image.name, "linux-v2");
  });

  it("names the resource type and the action: versions/write under a denied gallery, images/read and images/delete", async () => {
    const version = await arm(emulator, "PUT", `${rgScope("rg-gallery")}/providers/Microsoft.Compute/galleries/locked/images/d/versions/1.0.0?api-version=2025-03-03`, {
      location: "westeurope",
      properties: { storageProfile: { source: { id: imageIdOf("rg-images", "linux-v2") } } },
    });
    assert.equal(version.status, 403);
    assert.match(version.body.error.message, /perform action 'Microsoft\.Compute\/galleries\/images\/versions\/write' over scope '[^']+\/galleries\/locked\/images\/d\/versions\/1\.0\.0'/);
    const read = await refused(client.images.get("rg-images", "linux-old"), 403, "AuthorizationFailed");
    assert.match(read.message, /'Microsoft\.Compute\/images\/read'/);
    const del = await refused(client.images.beginDeleteAndWait("rg-images", "linux-old", FAST), 403, "AuthorizationFailed");
    assert.match(del.message, /'Microsoft\.Compute\/images\/delete'/);
  });

  it("names the principal of a token that carries one", async () => {
    const payload = Buffer.from(JSON.stringify({ appid: "11111111-2222-3333-4444-555555555555", oid: "99999999-8888-7777-6666-555555555555" })).toString("base64url");
    const answer = await arm(emulator, "PUT", `${rgScope("rg-gallery")}/providers/Microsoft.Compute/galleries/locked?api-version=2025-03-03`, { location: "westeurope" }, {
      authorization: `Bearer e30.${payload}.sig`,
    });
    assert.equal(answer.status, 403);
    assert.match(answer.body.error.message, /^The client '11111111-2222-3333-4444-555555555555' with object id '99999999-8888-7777-6666-555555555555' does not/);
  });
});

describe("emulator access denials: reads, and operation status URLs", () => {
  let emulator: EmulatorHandle;
  before(async () => {
    ({ emulator } = await startWithFaults(`access:\n  deny:\n    - scope: /subscriptions/${SUB}\n      actions: [read]\n`));
  });
  after(async () => {
    await emulator.close();
  });

  it("denies every read in the subscription, the resource group's too, but never an operation's status", async () => {
    const base = `${rgScope("rg-gallery")}/providers/Microsoft.Compute/galleries/g1`;
    const put = await arm(emulator, "PUT", `${base}?api-version=2025-03-03`, { location: "westeurope" });
    assert.equal(put.status, 201);
    const status = await arm(emulator, "GET", String(put.headers["azure-asyncoperation"]));
    assert.equal(status.status, 200);
    assert.ok(["InProgress", "Succeeded"].includes(status.body.status), JSON.stringify(status.body));
    const get = await arm(emulator, "GET", `${base}?api-version=2025-03-03`);
    assert.equal(get.status, 403);
    assert.match(get.body.error.message, /'Microsoft\.Compute\/galleries\/read' over scope '[^']+\/galleries\/g1'/);
    const rg = await arm(emulator, "GET", `${rgScope("rg-gallery")}?api-version=2021-04-01`);
    assert.equal(rg.status, 403);
    assert.match(rg.body.error.message, /'Microsoft\.Resources\/subscriptions\/resourceGroups\/read'/);
    const list = await clientFor(emulator).galleries.list().next().catch((error: unknown) => error as RestLike);
    assert.equal((list as RestLike).statusCode, 403);
  });
});

describe("emulator management locks (faults file locks)", () => {
  let emulator: EmulatorHandle;
  let client: ComputeManagementClient;
  const galleryScope = `${rgScope("rg-gallery")}/providers/Microsoft.Compute/galleries/frozen`;
  before(async () => {
    // A ReadOnly lock refuses the gallery's own creation, so the locked gallery comes from the seed.
    const seed = smallSeed();
    seed.subscriptions[0]!.resourceGroups![1]!.galleries = [{ name: "frozen", location: "westeurope", definitions: [{ name: "d", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", publisher: "p", offer: "o", sku: "s" }] }];
    const dir = await mkdtemp(join(tmpdir(), "acg-locks-"));
    const path = join(dir, "faults.yaml");
    await writeFile(
      path,
      ["throttling: none", "locks:", `  - scope: ${rgScope("rg-images")}/`, "    level: CanNotDelete", `  - scope: ${galleryScope}`, "    level: ReadOnly", "access:", "  deny:", `    - scope: ${rgScope("rg-images")}/providers/Microsoft.Compute/images/win-v1`, "      actions: [delete]", ""].join("\n"),
    );
    emulator = await startEmulator({ seed, faults: path, timeScale: 6000, port: 0 });
    client = clientFor(emulator);
  });
  after(async () => {
    await emulator.close();
  });

  it("CanNotDelete refuses a DELETE under the locked scope with 409 ScopeLocked and leaves the resource", async () => {
    const error = await refused(client.images.beginDeleteAndWait("rg-images", "linux-v2", FAST), 409, "ScopeLocked");
    assert.equal(
      error.message,
      `The scope '${rgScope("rg-images")}/providers/Microsoft.Compute/images/linux-v2' cannot perform delete operation because following scope(s) are locked: '${rgScope("rg-images")}'. Please remove the lock and try again.`,
    );
    assert.equal((await client.images.get("rg-images", "linux-v2")).provisioningState, "Succeeded");
    assert.deepEqual(emulator.stats().ruleViolations, []);
    assert.equal(emulator.stats().faultsInjected, 0);
  });

  it("a denial is answered before a lock (ARM authorises first)", async () => {
    await refused(client.images.beginDeleteAndWait("rg-images", "win-v1", FAST), 403, "AuthorizationFailed");
  });

  it("ReadOnly refuses PUT, PATCH and DELETE on and under the scope as a write operation; reads and siblings still work", async () => {
    const put = await refused(client.galleries.beginCreateOrUpdateAndWait("rg-gallery", "frozen", { location: "westeurope", description: "x" }, FAST), 409, "ScopeLocked");
    assert.match(put.message, /^The scope '[^']+\/galleries\/frozen' cannot perform write operation because following scope\(s\) are locked: '[^']+\/galleries\/frozen'\./);
    await refused(client.galleries.beginUpdateAndWait("rg-gallery", "frozen", { description: "x" }, FAST), 409, "ScopeLocked");
    const version = await refused(
      client.galleryImageVersions.beginCreateOrUpdateAndWait("rg-gallery", "frozen", "d", "1.0.0", { location: "westeurope", storageProfile: { source: { id: imageIdOf("rg-images", "linux-v2") } } }, FAST),
      409,
      "ScopeLocked",
    );
    assert.match(version.message, /^The scope '[^']+\/galleries\/frozen\/images\/d\/versions\/1\.0\.0' cannot perform write operation/);
    const del = await refused(client.galleryImages.beginDeleteAndWait("rg-gallery", "frozen", "d", FAST), 409, "ScopeLocked");
    assert.match(del.message, /cannot perform delete operation/);
    assert.equal((await client.galleryImages.get("rg-gallery", "frozen", "d")).provisioningState, "Succeeded");
    const sibling = await client.galleries.beginCreateOrUpdateAndWait("rg-gallery", "frozen2", { location: "westeurope" }, FAST);
    assert.equal(sibling.provisioningState, "Succeeded");
  });
});
