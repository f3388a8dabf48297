import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ManagedImage, VersionInfo } from "../../../src/azure/port.js";
import { definitionMismatch, definitionSpec, desiredRegions, imageMismatch, versionDifference, versionSpec } from "../../../src/engine/desired.js";
import { storageOf } from "../../../src/engine/planner.js";
import type { Migration } from "../../../src/plan/types.js";

const IMAGE_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/web";

function image(overrides: Partial<ManagedImage> = {}): ManagedImage {
  return {
    id: IMAGE_ID,
    subscriptionId: "s",
    resourceGroup: "rg",
    name: "web",
    location: "westeurope",
    provisioningState: "Succeeded",
    osType: "Linux",
    osState: "Generalized",
    zoneResilient: false,
    dataDisks: [],
    tags: {},
    ...overrides,
  };
}

function migration(overrides: { definition?: Partial<Migration["definition"]>; version?: Partial<Migration["version"]> } = {}): Migration {
  const gallery = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g";
  return {
    index: 0,
    key: `${gallery}/images/d/versions/1.0.0`,
    position: { line: 1, column: 1 },
    gallery: { subscriptionId: "s", resourceGroup: "rg", name: "g", create: false, id: gallery },
    source: { id: IMAGE_ID, subscriptionId: "s", resourceGroup: "rg", name: "web" },
    definition: { name: "d", id: `${gallery}/images/d`, publisher: "P", offer: "O", sku: "S", securityType: "Standard", ...overrides.definition },
    version: {
      name: "1.0.0",
      id: `${gallery}/images/d/versions/1.0.0`,
      targetRegions: [{ name: "northeurope", displayName: "North Europe", replicaCount: 2 }],
      replicaCount: 1,
      allowRegionRemoval: false,
      ...overrides.version,
    },
    tags: { team: "web" },
    fingerprint: "f",
  };
}

describe("what a migration asks of Azure", () => {
  it("always includes the source region, with the default replica count", () => {
    assert.deepEqual(desiredRegions(migration(), image()), [
      { name: "westeurope", replicaCount: 1 },
      { name: "northeurope", replicaCount: 2 },
    ]);
  });

  it("treats an image without hyperVGeneration as V1 and sends it explicitly", () => {
    const spec = definitionSpec(migration(), image(), "westeurope");
    assert.equal(spec.hyperVGeneration, "V1");
    assert.equal(spec.securityType, "Standard");
    assert.equal(definitionSpec(migration(), image({ hyperVGeneration: "V2" }), "westeurope").hyperVGeneration, "V2");
  });

  it("mirrors the source's storage (ZRS for zone-resilient images) unless the plan says otherwise", () => {
    assert.equal(storageOf(migration(), image()), "Standard_LRS");
    assert.equal(storageOf(migration(), image({ zoneResilient: true })), "Standard_ZRS");
    assert.equal(storageOf(migration({ version: { storageAccountType: "Premium_LRS" } }), image({ zoneResilient: true })), "Premium_LRS");
  });

  it("never silently corrects a plan value that contradicts the image", () => {
    assert.match(imageMismatch(migration({ definition: { hyperVGeneration: "V2" } }), image()) ?? "", /hyperVGeneration V2 .* V1/);
    assert.match(imageMismatch(migration({ definition: { osType: "Windows" } }), image()) ?? "", /osType Windows/);
    assert.equal(imageMismatch(migration(), image()), undefined);
  });

  it("reports an existing definition of another generation in the service's words", () => {
    const def = { id: "x", name: "d", location: "westeurope", osType: "Linux" as const, osState: "Generalized" as const, hyperVGeneration: "V1" as const, publisher: "P", offer: "O", sku: "S" };
    assert.match(definitionMismatch(migration(), def, image({ hyperVGeneration: "V2" })) ?? "", /different Hypervisor generation \['V2'\] than the parent gallery image Hypervisor generation \['V1'\]/);
    assert.equal(definitionMismatch(migration(), def, image()), undefined);
  });

  it("keeps regions an update would drop unless the plan allows removal", () => {
    const existing: VersionInfo = { id: "v", name: "1.0.0", location: "westeurope", targetRegions: [{ name: "westeurope" }, { name: "eastus", replicaCount: 3 }] };
    const kept = versionSpec(migration(), image(), "Standard_LRS", existing).targetRegions.map((r) => r.name);
    assert.deepEqual(kept, ["westeurope", "northeurope", "eastus"]);
    const removed = versionSpec(migration({ version: { allowRegionRemoval: true } }), image(), "Standard_LRS", existing).targetRegions.map((r) => r.name);
    assert.deepEqual(removed, ["westeurope", "northeurope"]);
  });

  it("finds what an update changes, and what it cannot", () => {
    const m = migration({ version: { endOfLifeDate: "2030-01-01T00:00:00Z" } });
    const v: VersionInfo = { id: "v", name: "1.0.0", location: "westeurope", targetRegions: [{ name: "westeurope", replicaCount: 1 }, { name: "northeurope", replicaCount: 1 }], storageAccountType: "Standard_LRS" };
    const diff = versionDifference(m, v, desiredRegions(m, image()), "Standard_LRS");
    assert.deepEqual(diff.changes, ["replicas in northeurope: 1 → 2", "end-of-life → 2030-01-01T00:00:00Z"]);
    const same = versionDifference(migration(), { ...v, targetRegions: [{ name: "westeurope", replicaCount: 1 }, { name: "northeurope", replicaCount: 2 }] }, desiredRegions(migration(), image()), "Standard_LRS");
    assert.deepEqual(same.changes, []);
    const storage = versionDifference(migration({ version: { storageAccountType: "Premium_LRS" } }), v, desiredRegions(migration(), image()), "Premium_LRS");
    assert.match(storage.blocking ?? "", /storage Standard_LRS/);
  });
});
