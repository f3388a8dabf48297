import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FaultsConfig } from "../../../src/emulator/faults-types.js";
import { FAST, SUB, arm, imageIdOf, quietFaults, startTest } from "./helpers.js";

function failing(rate: number): FaultsConfig {
  const faults = quietFaults();
  return { ...faults, replication: { ...faults.replication, regionFailureRate: rate } };
}

describe("emulator replication failures", () => {
  it("fails the operation with the multi-region message, keeps the version Failed until an update replicates again", async () => {
    const { emulator, client } = await startTest({ faults: failing(1) });
    try {
      await client.galleries.beginCreateOrUpdateAndWait("rg-gallery", "g", { location: "westeurope" }, FAST);
      await client.galleryImages.beginCreateOrUpdateAndWait(
        "rg-gallery", "g", "d",
        { location: "westeurope", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", identifier: { publisher: "p", offer: "o", sku: "s" } },
        FAST,
      );
      const body = {
        location: "westeurope",
        publishingProfile: { targetRegions: [{ name: "westeurope" }, { name: "northeurope" }] },
        storageProfile: { source: { id: imageIdOf("rg-images", "linux-v2") } },
      };
      const poller = await client.galleryImageVersions.beginCreateOrUpdate("rg-gallery", "g", "d", "1.0.0", body, FAST);
      await assert.rejects(poller.pollUntilDone(), (e: Error) =>
        e.message.includes("Gallery replication jobs failed in one or more regions. The failing regions' details are as follows: '{region:westeurope, detail:Failed with internal server error.}, {region:northeurope, detail:Failed with internal server error.}'"),
      );
      const failed = await client.galleryImageVersions.get("rg-gallery", "g", "d", "1.0.0", { expand: "ReplicationStatus" });
      assert.equal(failed.provisioningState, "Failed");
      assert.equal(failed.replicationStatus?.aggregatedState, "Failed");
      assert.deepEqual(failed.replicationStatus?.summary?.map((s) => s.state), ["Failed", "Failed"]);
      // Regional failures are injected faults, not broken rules.
      assert.deepEqual(emulator.stats().ruleViolations, []);
      // Still Failed later: nothing heals it but an update or a delete.
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await client.galleryImageVersions.get("rg-gallery", "g", "d", "1.0.0")).provisioningState, "Failed");
      // An update (PUT on the existing version) starts a new replication: 200 Updating, then Failed again here.
      const path = `/subscriptions/${SUB}/resourceGroups/rg-gallery/providers/Microsoft.Compute/galleries/g/images/d/versions/1.0.0?api-version=2024-03-03`;
      const update = await arm(emulator, "PUT", path, { location: "westeurope", properties: { publishingProfile: { targetRegions: [{ name: "westeurope" }] }, storageProfile: {} } });
      assert.equal(update.status, 200);
      assert.equal(update.body.properties.provisioningState, "Updating");
      assert.deepEqual(update.body.properties.publishingProfile.targetRegions.map((t: { name: string }) => t.name), ["West Europe"]);
    } finally {
      await emulator.close();
    }
  });

  it("a version failed on a mismatch is deleted, and a later update adds regions", async () => {
    // Same seed of faults, but this emulator's regions do not fail: the update is what fixes the version.
    const { emulator, client } = await startTest({ faults: failing(0) });
    try {
      await client.galleries.beginCreateOrUpdateAndWait("rg-gallery", "g", { location: "westeurope" }, FAST);
      await client.galleryImages.beginCreateOrUpdateAndWait(
        "rg-gallery", "g", "d",
        { location: "westeurope", osType: "Linux", osState: "Generalized", hyperVGeneration: "V1", identifier: { publisher: "p", offer: "o", sku: "s" } },
        FAST,
      );
      const body = { location: "westeurope", storageProfile: { source: { id: imageIdOf("rg-images", "linux-v2") } } };
      // A V2 image under a V1 definition: the operation fails with Conflict…
      await assert.rejects(client.galleryImageVersions.beginCreateOrUpdateAndWait("rg-gallery", "g", "d", "1.0.0", body, FAST), /Conflict/);
      // …and the failed version can be deleted, after which the image feeds a matching definition.
      await client.galleryImageVersions.beginDeleteAndWait("rg-gallery", "g", "d", "1.0.0", FAST);
      await client.galleryImages.beginCreateOrUpdateAndWait(
        "rg-gallery", "g", "d2",
        { location: "westeurope", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", identifier: { publisher: "p", offer: "o", sku: "s2" } },
        FAST,
      );
      const ok = await client.galleryImageVersions.beginCreateOrUpdateAndWait("rg-gallery", "g", "d2", "1.0.0", body, FAST);
      assert.equal(ok.provisioningState, "Succeeded");
      const again = await client.galleryImageVersions.beginCreateOrUpdateAndWait(
        "rg-gallery", "g", "d2", "1.0.0",
        { location: "westeurope", publishingProfile: { targetRegions: [{ name: "westeurope" }, { name: "francecentral" }] }, storageProfile: {} },
        FAST,
      );
      assert.equal(again.provisioningState, "Succeeded");
      assert.deepEqual(again.publishingProfile?.targetRegions?.map((t) => t.name), ["West Europe", "France Central"]);
    } finally {
      await emulator.close();
    }
  });
});
