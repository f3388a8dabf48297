import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ComputeManagementClient, GalleryImageVersion } from "@azure/arm-compute";
import type { EmulatorHandle } from "../../../src/emulator/index.js";
import { FAST, SUB, arm, imageIdOf, quietFaults, refused, startTest } from "./helpers.js";

/** The wire form of a version body (the SDK moves the fields under `properties`). */
function rawVersion(image: string): unknown {
  const { location, ...properties } = versionBody(image);
  return { location, properties };
}

function versionBody(image: string, regions: string[] = ["westeurope"], location = "westeurope"): GalleryImageVersion {
  return {
    location,
    publishingProfile: { targetRegions: regions.map((name) => ({ name })) },
    storageProfile: { source: { id: imageIdOf("rg-images", image) } },
  };
}

describe("emulator service rules", () => {
  let emulator: EmulatorHandle;
  let client: ComputeManagementClient;
  const rg = "rg-gallery";
  const base = `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Compute`;
  const g = "rules";
  before(async () => {
    // Replication takes 30+ simulated minutes (3 s real at ×600), so a version stays "replicating" while the test looks.
    const faults = quietFaults();
    ({ emulator, client } = await startTest({
      timeScale: 600,
      faults: { ...faults, replication: { ...faults.replication, baseMinutes: 30 } },
      limits: { galleries: 2 },
    }));
    await client.galleries.beginCreateOrUpdateAndWait(rg, g, { location: "westeurope" }, FAST);
    const def = (name: string, osType: "Linux" | "Windows", hyperVGeneration: "V1" | "V2", osState: "Generalized" | "Specialized" = "Generalized") =>
      client.galleryImages.beginCreateOrUpdateAndWait(rg, g, name, { location: "westeurope", osType, osState, hyperVGeneration, identifier: { publisher: "corp", offer: name, sku: "1" } }, FAST);
    await def("lin2", "Linux", "V2");
    await def("lin1", "Linux", "V1");
    await def("win1", "Windows", "V1");
    await def("spec", "Linux", "V2", "Specialized");
  });
  after(async () => {
    await emulator.close();
  });

  it("refuses a version name that is not Major.Minor.Patch", async () => {
    await refused(client.galleryImageVersions.beginCreateOrUpdate(rg, g, "lin2", "1.0", versionBody("linux-v2")), 400, "InvalidParameter");
    const raw = await arm(emulator, "PUT", `${base}/galleries/${g}/images/lin2/versions/1.0.2147483648?api-version=2025-03-03`, rawVersion("linux-v2"));
    assert.equal(raw.status, 400);
    assert.equal(raw.body.error.code, "InvalidParameter");
    assert.equal(raw.body.error.target, "galleryImageVersionName");
    assert.match(raw.body.error.message, /Major\(int\)\.Minor\(int\)\.Patch\(int\)/);
  });

  it("refuses bad gallery and definition names", async () => {
    const raw = await arm(emulator, "PUT", `${base}/galleries/has-dash?api-version=2025-03-03`, { location: "westeurope" });
    assert.equal(raw.status, 400);
    assert.equal(raw.body.error.target, "galleryName");
    await refused(
      client.galleryImages.beginCreateOrUpdate(rg, g, "bad_", { location: "westeurope", osType: "Linux", osState: "Generalized", identifier: { publisher: "p", offer: "o", sku: "s" } }),
      400,
      "InvalidParameter",
    );
  });

  it("refuses children of a missing parent with 404 ParentResourceNotFound", async () => {
    await refused(client.galleryImageVersions.beginCreateOrUpdate(rg, g, "missing", "1.0.0", versionBody("linux-v2")), 404, "ParentResourceNotFound");
    await refused(
      client.galleryImages.beginCreateOrUpdate(rg, "noGallery", "d", { location: "westeurope", osType: "Linux", osState: "Generalized", identifier: { publisher: "p", offer: "o", sku: "s" } }),
      404,
      "ParentResourceNotFound",
    );
  });

  it("refuses a gallery in a resource group that does not exist", async () => {
    await refused(client.galleries.beginCreateOrUpdate("rg-nowhere", "g1", { location: "westeurope" }), 404, "ResourceGroupNotFound");
  });

  it("refuses a missing source, and a source outside the version's region", async () => {
    for (const image of ["does-not-exist", "north"]) {
      const raw = await arm(emulator, "PUT", `${base}/galleries/${g}/images/lin2/versions/2.0.0?api-version=2024-03-03`, rawVersion(image));
      assert.equal(raw.status, 400);
      assert.equal(raw.body.error.code, "InvalidParameter");
      assert.equal(raw.body.error.target, "properties.storageProfile.source.id");
      assert.match(raw.body.error.message, /is not found. Please check source exists, and is in the same region/);
    }
  });

  it("refuses targets without the version's region, duplicates and unknown regions", async () => {
    const e = await refused(client.galleryImageVersions.beginCreateOrUpdate(rg, g, "lin2", "3.0.0", versionBody("linux-v2", ["northeurope"])), 400, "InvalidParameter");
    assert.match(e.message, /must contain the location of image version/);
    const d = await refused(client.galleryImageVersions.beginCreateOrUpdate(rg, g, "lin2", "3.0.1", versionBody("linux-v2", ["westeurope", "West Europe"])), 400, "InvalidParameter");
    assert.match(d.message, /Duplicate regions/);
    await refused(client.galleryImageVersions.beginCreateOrUpdate(rg, g, "lin2", "3.0.2", versionBody("linux-v2", ["westeurope", "atlantis"])), 400, "LocationNotAvailableForResourceType");
    await refused(client.galleries.beginCreateOrUpdate(rg, "g2", { location: "moonbase" }), 400, "LocationNotAvailableForResourceType");
  });

  it("fails the operation with Conflict on OS type, OS state and Hyper-V generation mismatches", async () => {
    const cases: [string, string, RegExp][] = [
      ["lin2", "win-v1", /different OS type \['Windows'\]/],
      ["spec", "linux-v2", /OS State in the parent gallery image \(Specialized\) is not Generalized/],
      ["lin2", "linux-old", /different Hypervisor generation \['V1'\] than the parent gallery image Hypervisor generation \['V2'\]/],
      ["lin1", "linux-v2-b", /different Hypervisor generation \['V2'\]/],
    ];
    for (const [definition, image, message] of cases) {
      const poller = await client.galleryImageVersions.beginCreateOrUpdate(rg, g, definition, "4.0.0", versionBody(image), FAST);
      await assert.rejects(poller.pollUntilDone(), (e: Error) => /Conflict/.test(e.message) && message.test(e.message));
      const v = await client.galleryImageVersions.get(rg, g, definition, "4.0.0");
      assert.equal(v.provisioningState, "Failed");
      await client.galleryImageVersions.beginDeleteAndWait(rg, g, definition, "4.0.0", FAST);
    }
  });

  it("fails a source over 2 TB with GallerySourceResourceExceedsMaxSize", async () => {
    const poller = await client.galleryImageVersions.beginCreateOrUpdate(rg, g, "lin2", "5.0.0", versionBody("huge"), FAST);
    await assert.rejects(poller.pollUntilDone(), (e: Error) => /GallerySourceResourceExceedsMaxSize/.test(e.message) && /size 2546 exceeds the max size 2048/.test(e.message));
  });

  it("refuses a second version from an image still replicating, and a changed source", async () => {
    await client.galleryImageVersions.beginCreateOrUpdate(rg, g, "lin2", "6.0.0", versionBody("linux-v2"));
    const busy = await refused(client.galleryImageVersions.beginCreateOrUpdate(rg, g, "lin2", "6.0.1", versionBody("linux-v2")), 409, "OperationNotAllowed");
    assert.match(busy.message, /Too many requests on source/);
    await refused(client.galleryImageVersions.beginCreateOrUpdate(rg, g, "lin2", "6.0.0", versionBody("linux-v2-b")), 409, "PropertyChangeNotAllowed");
  });

  it("refuses changes to immutable definition properties and duplicate identifiers", async () => {
    await refused(
      client.galleryImages.beginCreateOrUpdate(rg, g, "lin2", { location: "westeurope", osType: "Linux", osState: "Generalized", hyperVGeneration: "V1", identifier: { publisher: "corp", offer: "lin2", sku: "1" } }),
      409,
      "PropertyChangeNotAllowed",
    );
    const dup = await refused(
      client.galleryImages.beginCreateOrUpdate(rg, g, "other", { location: "westeurope", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", identifier: { publisher: "CORP", offer: "lin2", sku: "1" } }),
      409,
      "Conflict",
    );
    assert.match(dup.message, /identified by \(publisher:CORP, offer:lin2, sku:1\) already exists/);
  });

  it("refuses to delete a gallery or definition that still has children", async () => {
    const e = await refused(client.galleries.beginDelete(rg, g), 409, "Conflict");
    assert.match(e.message, /Can not delete resource before nested resources are deleted/);
    await refused(client.galleryImages.beginDelete(rg, g, "lin2"), 409, "Conflict");
  });

  it("refuses an end of life in the past", async () => {
    const body = versionBody("win-v1");
    body.publishingProfile!.endOfLifeDate = new Date("2001-01-01T00:00:00Z");
    const e = await refused(client.galleryImageVersions.beginCreateOrUpdate(rg, g, "win1", "7.0.0", body), 400, "InvalidParameter");
    assert.match(e.message, /EndOfLifeDate must be set to a future date/);
  });

  it("refuses resources beyond the per-subscription-per-region quota", async () => {
    await client.galleries.beginCreateOrUpdateAndWait(rg, "second", { location: "westeurope" }, FAST);
    await refused(client.galleries.beginCreateOrUpdate(rg, "third", { location: "westeurope" }), 409, "QuotaExceeded");
    // Another region has its own quota.
    await client.galleries.beginCreateOrUpdateAndWait(rg, "thirdNorth", { location: "northeurope" }, FAST);
  });

  it("counts each broken rule in ruleViolations, not missing resources", async () => {
    await assert.rejects(client.galleries.get(rg, "nope"));
    const codes = emulator.stats().ruleViolations.map((v) => v.code);
    for (const code of ["InvalidParameter", "ParentResourceNotFound", "LocationNotAvailableForResourceType", "Conflict", "GallerySourceResourceExceedsMaxSize", "OperationNotAllowed", "PropertyChangeNotAllowed", "QuotaExceeded"]) {
      assert.ok(codes.includes(code), `${code} counted`);
    }
    assert.ok(!codes.includes("ResourceNotFound"));
    const conflict = emulator.stats().ruleViolations.find((v) => v.code === "QuotaExceeded");
    assert.equal(conflict?.resourceId, `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Compute/galleries/third`);
  });
});
