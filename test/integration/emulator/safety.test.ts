import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ComputeManagementClient, GalleryImageVersion } from "@azure/arm-compute";
import type { EmulatorHandle } from "../../../src/emulator/index.js";
import { FAST, imageIdOf, refused, startTest } from "./helpers.js";

const rg = "rg-gallery";
const g = "safety";
const d = "lin";

function version(image: string, regions: string[], extra: Partial<GalleryImageVersion> = {}): GalleryImageVersion {
  return {
    location: "westeurope",
    ...extra,
    publishingProfile: { targetRegions: regions.map((name) => ({ name })), ...extra.publishingProfile },
    storageProfile: { source: { id: imageIdOf("rg-images", image) } },
  };
}

describe("emulator version safety profile", () => {
  let emulator: EmulatorHandle;
  let client: ComputeManagementClient;
  const violations = (): string[] => emulator.stats().ruleViolations.map((v) => `${v.code} ${v.resourceId.split("/").pop()}`);
  before(async () => {
    ({ emulator, client } = await startTest());
    await client.galleries.beginCreateOrUpdateAndWait(rg, g, { location: "westeurope" }, FAST);
    await client.galleryImages.beginCreateOrUpdateAndWait(rg, g, d, { location: "westeurope", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", identifier: { publisher: "p", offer: "o", sku: "s" } }, FAST);
  });
  after(async () => {
    await emulator.close();
  });

  it("refuses an update that drops a replicated region while allowDeletionOfReplicatedLocations is false (the default)", async () => {
    const created = await client.galleryImageVersions.beginCreateOrUpdateAndWait(rg, g, d, "1.0.0", version("linux-v2", ["westeurope", "northeurope"]), FAST);
    assert.equal(created.provisioningState, "Succeeded");
    assert.equal(created.safetyProfile?.allowDeletionOfReplicatedLocations, false);
    const error = await refused(client.galleryImageVersions.beginCreateOrUpdateAndWait(rg, g, d, "1.0.0", version("linux-v2", ["westeurope"]), FAST), 400, "InvalidParameter");
    assert.match(error.message, /^Removing replicated locations is not allowed because allowDeletionOfReplicatedLocations is false .*'northeurope'/);
    assert.deepEqual(violations(), ["InvalidParameter 1.0.0"]);
    await refused(client.galleryImageVersions.beginUpdateAndWait(rg, g, d, "1.0.0", { publishingProfile: { targetRegions: [{ name: "westeurope" }] } }, FAST), 400, "InvalidParameter");
    const after = await client.galleryImageVersions.get(rg, g, d, "1.0.0", { expand: "ReplicationStatus" });
    assert.deepEqual(after.publishingProfile?.targetRegions?.map((t) => t.name), ["West Europe", "North Europe"]);
    assert.equal(after.replicationStatus?.summary?.length, 2);
    // Adding a region is no removal.
    const grown = await client.galleryImageVersions.beginCreateOrUpdateAndWait(rg, g, d, "1.0.0", version("linux-v2", ["westeurope", "northeurope", "eastus"]), FAST);
    assert.equal(grown.provisioningState, "Succeeded");
  });

  it("removes the region when the update allows it (in the same request) or the version already did", async () => {
    const allowed = await client.galleryImageVersions.beginCreateOrUpdateAndWait(
      rg,
      g,
      d,
      "1.0.0",
      version("linux-v2", ["westeurope"], { safetyProfile: { allowDeletionOfReplicatedLocations: true } }),
      FAST,
    );
    assert.equal(allowed.provisioningState, "Succeeded");
    assert.deepEqual(allowed.publishingProfile?.targetRegions?.map((t) => t.name), ["West Europe"]);
    const status = await client.galleryImageVersions.get(rg, g, d, "1.0.0", { expand: "ReplicationStatus" });
    assert.deepEqual(status.replicationStatus?.summary?.map((s) => s.region), ["West Europe"]);

    await client.galleryImageVersions.beginCreateOrUpdateAndWait(rg, g, d, "1.0.1", version("linux-v2-b", ["westeurope", "northeurope"], { safetyProfile: { allowDeletionOfReplicatedLocations: true } }), FAST);
    const patched = await client.galleryImageVersions.beginUpdateAndWait(rg, g, d, "1.0.1", { publishingProfile: { targetRegions: [{ name: "westeurope" }] } }, FAST);
    assert.deepEqual(patched.publishingProfile?.targetRegions?.map((t) => t.name), ["West Europe"]);
    assert.deepEqual(violations(), ["InvalidParameter 1.0.0", "InvalidParameter 1.0.0"], "allowed removals are no violations");
  });

  it("refuses to delete a version blocked before its end of life with 409 DeleteGalleryImageVersionBlockedBeforeEndOfLife", async () => {
    const eol = new Date(emulator.clock.now() + 365 * 86_400_000);
    await client.galleryImageVersions.beginCreateOrUpdateAndWait(
      rg,
      g,
      d,
      "2.0.0",
      version("linux-v2", ["westeurope"], { publishingProfile: { endOfLifeDate: eol }, safetyProfile: { blockDeletionBeforeEndOfLife: true } }),
      FAST,
    );
    const before = violations().length;
    const error = await refused(client.galleryImageVersions.beginDeleteAndWait(rg, g, d, "2.0.0", FAST), 409, "DeleteGalleryImageVersionBlockedBeforeEndOfLife");
    assert.equal(error.message, "Deletion of Gallery image version is not allowed because the image is enabled for blockDeletionBeforeEndOfLife and its endOfLifeDate has not reached yet");
    assert.deepEqual(violations().slice(before), ["DeleteGalleryImageVersionBlockedBeforeEndOfLife 2.0.0"]);
    assert.equal((await client.galleryImageVersions.get(rg, g, d, "2.0.0")).provisioningState, "Succeeded");
  });

  it("deletes once the end of life has passed, and when the block is off", async () => {
    // 40 simulated minutes ahead: the version's replication (about 8) ends first; at ×6000 that is 0.4 s real.
    const eol = emulator.clock.now() + 40 * 60_000;
    await client.galleryImageVersions.beginCreateOrUpdateAndWait(
      rg,
      g,
      d,
      "3.0.0",
      version("linux-v2-b", ["westeurope"], { publishingProfile: { endOfLifeDate: new Date(eol) }, safetyProfile: { blockDeletionBeforeEndOfLife: true } }),
      FAST,
    );
    while (emulator.clock.now() <= eol + 1000) await new Promise((resolve) => setTimeout(resolve, 20));
    await client.galleryImageVersions.beginDeleteAndWait(rg, g, d, "3.0.0", FAST);
    await refused(client.galleryImageVersions.get(rg, g, d, "3.0.0"), 404, "ResourceNotFound");

    await client.galleryImageVersions.beginCreateOrUpdateAndWait(
      rg,
      g,
      d,
      "3.0.1",
      version("linux-v2", ["westeurope"], { publishingProfile: { endOfLifeDate: new Date(emulator.clock.now() + 365 * 86_400_000) }, safetyProfile: { blockDeletionBeforeEndOfLife: false } }),
      FAST,
    );
    await client.galleryImageVersions.beginDeleteAndWait(rg, g, d, "3.0.1", FAST);
    await refused(client.galleryImageVersions.get(rg, g, d, "3.0.1"), 404, "ResourceNotFound");
  });
});
