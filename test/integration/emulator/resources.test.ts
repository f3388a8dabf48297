import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ComputeManagementClient } from "@azure/arm-compute";
import type { EmulatorHandle } from "../../../src/emulator/index.js";
import { FAST, SUB, imageIdOf, startTest } from "./helpers.js";

describe("emulator resources through @azure/arm-compute", () => {
  let emulator: EmulatorHandle;
  let client: ComputeManagementClient;
  before(async () => {
    ({ emulator, client } = await startTest({ pageSize: 2 }));
  });
  after(async () => {
    await emulator.close();
  });

  it("gets a managed image with its disks, generation and state", async () => {
    const image = await client.images.get("rg-images", "linux-v2");
    assert.equal(image.id, imageIdOf("rg-images", "linux-v2"));
    assert.equal(image.location, "westeurope");
    assert.equal(image.hyperVGeneration, "V2");
    assert.equal(image.provisioningState, "Succeeded");
    assert.equal(image.storageProfile?.osDisk?.osType, "Linux");
    assert.equal(image.storageProfile?.osDisk?.osState, "Generalized");
    assert.equal(image.storageProfile?.osDisk?.diskSizeGB, 30);
    assert.deepEqual(image.storageProfile?.dataDisks?.map((d) => [d.lun, d.diskSizeGB]), [[0, 10]]);
    const old = await client.images.get("rg-images", "linux-old");
    assert.equal(old.hyperVGeneration, undefined);
  });

  it("lists images by resource group and subscription across pages", async () => {
    const before = emulator.stats().requests["GET Microsoft.Compute/images"] ?? 0;
    const byRg: string[] = [];
    for await (const image of client.images.listByResourceGroup("rg-images")) byRg.push(image.name!);
    assert.deepEqual(byRg, ["linux-v2", "linux-v2-b", "linux-old", "win-v1", "huge", "north"]);
    const bySub: string[] = [];
    for await (const image of client.images.list()) bySub.push(image.name!);
    assert.equal(bySub.length, 6);
    // 6 images at 2 per page: 3 pages each way.
    assert.equal((emulator.stats().requests["GET Microsoft.Compute/images"] ?? 0) - before, 6);
  });

  it("answers 404 ResourceNotFound for a missing image", async () => {
    await assert.rejects(client.images.get("rg-images", "nope"), (e: { statusCode?: number; code?: string }) => e.statusCode === 404 && e.code === "ResourceNotFound");
  });

  it("creates, reads, lists and deletes a gallery, definition and version", async () => {
    const gallery = await client.galleries.beginCreateOrUpdateAndWait("rg-gallery", "corpGallery", { location: "westeurope", description: "d" }, FAST);
    assert.equal(gallery.provisioningState, "Succeeded");
    assert.equal(gallery.identifier?.uniqueName, `${SUB}-CORPGALLERY`);
    const definition = await client.galleryImages.beginCreateOrUpdateAndWait(
      "rg-gallery",
      "corpGallery",
      "web",
      { location: "westeurope", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", identifier: { publisher: "corp", offer: "web", sku: "v2" } },
      FAST,
    );
    assert.equal(definition.architecture, "x64");
    assert.equal(definition.provisioningState, "Succeeded");
    const version = await client.galleryImageVersions.beginCreateOrUpdateAndWait(
      "rg-gallery",
      "corpGallery",
      "web",
      "1.0.0",
      {
        location: "westeurope",
        publishingProfile: { targetRegions: [{ name: "westeurope" }, { name: "northeurope", regionalReplicaCount: 2 }], replicaCount: 1 },
        storageProfile: { source: { id: imageIdOf("rg-images", "linux-v2") } },
      },
      FAST,
    );
    assert.equal(version.provisioningState, "Succeeded");
    assert.deepEqual(version.publishingProfile?.targetRegions?.map((t) => [t.name, t.regionalReplicaCount]), [["West Europe", 1], ["North Europe", 2]]);
    assert.equal(version.storageProfile?.osDiskImage?.sizeInGB, 30);
    assert.equal(version.storageProfile?.osDiskImage?.hostCaching, "ReadWrite");
    assert.deepEqual(version.storageProfile?.dataDiskImages?.map((d) => [d.lun, d.sizeInGB, d.hostCaching]), [[0, 10, "None"]]);
    const withStatus = await client.galleryImageVersions.get("rg-gallery", "corpGallery", "web", "1.0.0", { expand: "ReplicationStatus" });
    assert.equal(withStatus.replicationStatus?.aggregatedState, "Completed");
    assert.deepEqual(withStatus.replicationStatus?.summary?.map((s) => [s.region, s.state, s.progress]), [["West Europe", "Completed", 100], ["North Europe", "Completed", 100]]);

    const versions: string[] = [];
    for await (const v of client.galleryImageVersions.listByGalleryImage("rg-gallery", "corpGallery", "web")) versions.push(v.name!);
    assert.deepEqual(versions, ["1.0.0"]);
    const galleries: string[] = [];
    for await (const g of client.galleries.listByResourceGroup("rg-gallery")) galleries.push(g.name!);
    assert.deepEqual(galleries, ["corpGallery"]);

    // PATCH (the SDK's update): 200 Updating, then the merged resource.
    const patchedGallery = await client.galleries.update("rg-gallery", "corpGallery", { description: "patched", tags: { a: "1" } }, FAST).pollUntilDone();
    assert.equal(patchedGallery.description, "patched");
    assert.deepEqual(patchedGallery.tags, { a: "1" });
    const patchedDefinition = await client.galleryImages.update("rg-gallery", "corpGallery", "web", { description: "web images", osType: "Linux", osState: "Generalized", identifier: { publisher: "corp", offer: "web", sku: "v2" } }, FAST).pollUntilDone();
    assert.equal(patchedDefinition.description, "web images");
    assert.equal(patchedDefinition.hyperVGeneration, "V2");
    const patchedVersion = await client.galleryImageVersions.update("rg-gallery", "corpGallery", "web", "1.0.0", { publishingProfile: { excludeFromLatest: true } }, FAST).pollUntilDone();
    assert.equal(patchedVersion.publishingProfile?.excludeFromLatest, true);
    assert.deepEqual(patchedVersion.publishingProfile?.targetRegions?.map((t) => t.name), ["West Europe", "North Europe"]);
    assert.equal(patchedVersion.provisioningState, "Succeeded");

    await client.galleryImageVersions.beginDeleteAndWait("rg-gallery", "corpGallery", "web", "1.0.0", FAST);
    await client.galleryImages.beginDeleteAndWait("rg-gallery", "corpGallery", "web", FAST);
    await client.galleries.beginDeleteAndWait("rg-gallery", "corpGallery", FAST);
    await assert.rejects(client.galleries.get("rg-gallery", "corpGallery"), (e: { statusCode?: number }) => e.statusCode === 404);
    assert.equal(emulator.stats().creates[`/subscriptions/${SUB}/resourceGroups/rg-gallery/providers/Microsoft.Compute/galleries/corpGallery`], 1);
  });
});
