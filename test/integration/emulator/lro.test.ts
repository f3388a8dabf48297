import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EmulatorHandle } from "../../../src/emulator/index.js";
import { SUB, arm, imageIdOf, quietFaults, startTest } from "./helpers.js";

const base = `/subscriptions/${SUB}/resourceGroups/rg-gallery/providers/Microsoft.Compute/galleries`;
const CAPS = new RegExp(`^https://127\\.0\\.0\\.1:\\d+/subscriptions/${SUB}/providers/Microsoft\\.Compute/locations/westeurope/capsOperations/[0-9a-f-]{36}\\?api-version=`);

async function waitDone(emulator: EmulatorHandle, url: string): Promise<any> {
  for (;;) {
    const res = await arm(emulator, "GET", url);
    assert.equal(res.status, 200);
    if (res.body.status !== "InProgress") return res.body;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("emulator long-running operations as recorded", () => {
  let emulator: EmulatorHandle;
  before(async () => {
    const faults = quietFaults();
    // ×6000 with a 120-minute base: a version replicates in ~1.2 s real, long enough to watch it.
    ({ emulator } = await startTest({ faults: { ...faults, replication: { ...faults.replication, baseMinutes: 120 } } }));
  });
  after(async () => {
    await emulator.close();
  });

  it("answers a create with 201, Azure-AsyncOperation, no Location, and Creating", async () => {
    const res = await arm(emulator, "PUT", `${base}/lroGallery?api-version=2025-03-03`, { location: "westeurope" });
    assert.equal(res.status, 201);
    assert.match(String(res.headers["azure-asyncoperation"]), CAPS);
    assert.equal(res.headers["location"], undefined);
    assert.equal(res.headers["retry-after"], undefined);
    assert.equal(res.body.properties.provisioningState, "Creating");
    assert.deepEqual(Object.keys(res.body), ["name", "id", "type", "location", "properties"]);
    const done = await waitDone(emulator, String(res.headers["azure-asyncoperation"]));
    assert.deepEqual(Object.keys(done), ["startTime", "endTime", "status", "name"]);
    assert.equal(done.status, "Succeeded");
    assert.match(done.startTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);
  });

  it("normalises a definition per api-version: x64 always, V2 + TrustedLaunchSupported from 2025-03-03", async () => {
    const body = { location: "westeurope", properties: { osType: "Linux", osState: "Generalized", identifier: { publisher: "p", offer: "o", sku: "old" } } };
    const old = await arm(emulator, "PUT", `${base}/lroGallery/images/old?api-version=2021-10-01`, body);
    assert.equal(old.status, 201);
    assert.equal(old.body.properties.architecture, "x64");
    assert.equal(old.body.properties.hyperVGeneration, "V1");
    assert.equal(old.body.properties.features, undefined);
    const modern = await arm(emulator, "PUT", `${base}/lroGallery/images/modern?api-version=2025-03-03`, { ...body, properties: { ...body.properties, identifier: { publisher: "p", offer: "o", sku: "new" } } });
    assert.equal(modern.body.properties.hyperVGeneration, "V2");
    assert.deepEqual(modern.body.properties.features, [{ name: "SecurityType", value: "TrustedLaunchSupported" }]);
    await waitDone(emulator, String(modern.headers["azure-asyncoperation"]));
  });

  it("replicates a version region by region, then shows the finished disks", async () => {
    const path = `${base}/lroGallery/images/modern/versions/1.0.0`;
    const body = {
      location: "westeurope",
      properties: {
        publishingProfile: { replicaCount: 1, targetRegions: [{ name: "westeurope" }, { name: "northeurope" }, { name: "eastus2" }] },
        storageProfile: { source: { id: imageIdOf("rg-images", "linux-v2") } },
      },
    };
    const created = await arm(emulator, "PUT", `${path}?api-version=2024-03-03`, body);
    assert.equal(created.status, 201);
    const profile = created.body.properties.publishingProfile;
    assert.deepEqual(profile.targetRegions.map((t: any) => [t.name, t.regionalReplicaCount, t.storageAccountType]), [
      ["West Europe", 1, "Standard_LRS"],
      ["North Europe", 1, "Standard_LRS"],
      ["East US 2", 1, "Standard_LRS"],
    ]);
    assert.equal(profile.excludeFromLatest, false);
    assert.equal(profile.storageAccountType, "Standard_LRS");
    assert.ok(profile.publishedDate);
    assert.deepEqual(created.body.properties.safetyProfile, { reportedForPolicyViolation: false, allowDeletionOfReplicatedLocations: false });
    assert.equal(created.body.properties.storageProfile.osDiskImage, undefined);
    const seen = new Set<string>();
    let progressSeen = false;
    for (;;) {
      const res = await arm(emulator, "GET", `${path}?api-version=2024-03-03&$expand=ReplicationStatus`);
      const status = res.body.properties.replicationStatus;
      seen.add(`${res.body.properties.provisioningState}/${status.aggregatedState}`);
      if (status.summary.some((s: any) => s.state === "Replicating" && s.progress > 0 && s.progress < 100)) progressSeen = true;
      if (res.body.properties.provisioningState !== "Creating") {
        assert.equal(res.body.properties.provisioningState, "Succeeded");
        assert.equal(status.aggregatedState, "Completed");
        assert.deepEqual(status.summary.map((s: any) => [s.region, s.state, s.progress, s.details]), [
          ["West Europe", "Completed", 100, ""],
          ["North Europe", "Completed", 100, ""],
          ["East US 2", "Completed", 100, ""],
        ]);
        assert.deepEqual(res.body.properties.storageProfile.osDiskImage, { sizeInGB: 30, hostCaching: "ReadWrite", source: {} });
        assert.deepEqual(res.body.properties.storageProfile.dataDiskImages, [{ lun: 0, sizeInGB: 10, hostCaching: "None" }]);
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(seen.has("Creating/InProgress"), [...seen].join());
    assert.ok(progressSeen, "a region was seen part-way");
    const op = await waitDone(emulator, String(created.headers["azure-asyncoperation"]));
    assert.equal(op.status, "Succeeded");
    // The simulated duration stays within the model's bounds for a small image in three regions.
    const minutes = (Date.parse(op.endTime) - Date.parse(op.startTime)) / 60_000;
    assert.ok(minutes >= 120 && minutes < 140, `${minutes} simulated minutes`);
  });

  it("answers an update with 200 Updating, and a delete with 202, Azure-AsyncOperation and a monitor Location", async () => {
    const path = `${base}/lroGallery/images/modern/versions/1.0.0`;
    const updated = await arm(emulator, "PUT", `${path}?api-version=2024-03-03`, {
      location: "westeurope",
      // Dropping replicated regions needs allowDeletionOfReplicatedLocations (safety.test.ts).
      properties: {
        publishingProfile: { replicaCount: 2, targetRegions: [{ name: "westus2", regionalReplicaCount: 1 }, { name: "westeurope" }] },
        safetyProfile: { allowDeletionOfReplicatedLocations: true },
      },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.properties.provisioningState, "Updating");
    assert.deepEqual(updated.body.properties.publishingProfile.targetRegions.map((t: any) => [t.name, t.regionalReplicaCount]), [["West US 2", 1], ["West Europe", 2]]);
    assert.equal(updated.body.properties.validationsProfile, undefined);
    await waitDone(emulator, String(updated.headers["azure-asyncoperation"]));
    const deleted = await arm(emulator, "DELETE", `${path}?api-version=2024-03-03`);
    assert.equal(deleted.status, 202);
    assert.equal(deleted.body, undefined);
    assert.match(String(deleted.headers["azure-asyncoperation"]), CAPS);
    assert.match(String(deleted.headers["location"]), /capsOperations\/[0-9a-f-]{36}\?monitor=true&api-version=2024-03-03/);
    await waitDone(emulator, String(deleted.headers["azure-asyncoperation"]));
    // The Location (monitor) URL answers as the finished delete would have: 200, no body.
    const monitor = await arm(emulator, "GET", String(deleted.headers["location"]));
    assert.equal(monitor.status, 200);
    assert.equal((await arm(emulator, "GET", `${path}?api-version=2024-03-03`)).status, 404);
    assert.equal((await arm(emulator, "DELETE", `${path}?api-version=2024-03-03`)).status, 204);
  });

  it("defaults storage by api-version: Standard_LRS before 2025-03-03, PreferStandard_ZRS from it", async () => {
    const body = (image: string) => ({
      location: "westeurope",
      properties: { publishingProfile: { targetRegions: [{ name: "westeurope" }, { name: "ukwest" }] }, storageProfile: { source: { id: imageIdOf("rg-images", image) } } },
    });
    const modern = await arm(emulator, "PUT", `${base}/lroGallery/images/modern/versions/2.0.0?api-version=2025-03-03`, body("linux-v2-b"));
    assert.equal(modern.status, 201);
    assert.equal(modern.body.properties.publishingProfile.storageAccountStrategy, "PreferStandard_ZRS");
    assert.equal(modern.body.properties.publishingProfile.storageAccountType, undefined);
    // West Europe has availability zones, UK West does not.
    assert.deepEqual(modern.body.properties.publishingProfile.targetRegions.map((t: any) => t.storageAccountType), ["Standard_ZRS", "Standard_LRS"]);
  });

  it("requires a known api-version, with ARM's errors", async () => {
    const missing = await arm(emulator, "GET", `${base}/lroGallery`);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, "MissingApiVersionParameter");
    const unknown = await arm(emulator, "GET", `${base}/lroGallery?api-version=2024-07-01`);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, "InvalidApiVersionParameter");
    const images = await arm(emulator, "GET", `/subscriptions/${SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/images/linux-v2?api-version=2025-03-03`);
    assert.equal(images.body.error.code, "InvalidApiVersionParameter");
  });

  it("treats paths case-insensitively and collapses double slashes", async () => {
    const res = await arm(emulator, "GET", `/SUBSCRIPTIONS/${SUB}/resourcegroups/RG-GALLERY//providers/microsoft.compute/GALLERIES/LROGALLERY?api-version=2025-03-03`);
    assert.equal(res.status, 200);
    assert.equal(res.body.name, "lroGallery");
  });
});

describe("emulator subscriptions", () => {
  it("answers 404 SubscriptionNotFound for a subscription the seed does not hold", async () => {
    const { emulator } = await startTest();
    try {
      const res = await arm(emulator, "GET", "/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Compute/images?api-version=2024-07-01");
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, "SubscriptionNotFound");
    } finally {
      await emulator.close();
    }
  });
});

describe("emulator resource groups", () => {
  it("answers the resource group GET the az CLI makes, as recorded", async () => {
    const { emulator } = await startTest();
    try {
      const res = await arm(emulator, "GET", `/subscriptions/${SUB}/resourcegroups/rg-gallery?api-version=2024-11-01`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        id: `/subscriptions/${SUB}/resourceGroups/rg-gallery`,
        name: "rg-gallery",
        type: "Microsoft.Resources/resourceGroups",
        location: "westeurope",
        properties: { provisioningState: "Succeeded" },
      });
      const missing = await arm(emulator, "GET", `/subscriptions/${SUB}/resourcegroups/nope?api-version=2024-11-01`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, "ResourceGroupNotFound");
    } finally {
      await emulator.close();
    }
  });
});
