import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GalleryFamilyRecord } from "../../../src/emulator/store.js";
import { ResourceMap, Store, keyOf } from "../../../src/emulator/store.js";

const SUB = "00000000-0000-0000-0000-00000000000A";
const def = (gallery: string, name: string): string => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/galleries/${gallery}/images/${name}`;

function version(definition: string, name: string, location: string, source?: string): GalleryFamilyRecord {
  return {
    kind: "version",
    id: `${definition}/versions/${name}`,
    subscriptionId: SUB,
    resourceGroup: "rg",
    name,
    location,
    properties: {},
    provisioningState: "Succeeded",
    ...(source !== undefined ? { sourceId: source } : {}),
  };
}

function put(map: ResourceMap, rec: GalleryFamilyRecord): void {
  map.set(keyOf(rec.id), rec);
}

describe("ResourceMap indexes", () => {
  it("lists children of one parent only, in insertion order, and follows deletes", () => {
    const map = new ResourceMap();
    const a = def("g", "a");
    const ab = def("g", "ab");
    for (const n of ["1.0.2", "1.0.0", "1.0.1"]) put(map, version(a, n, "westeurope"));
    put(map, version(ab, "1.0.0", "westeurope"));
    assert.deepEqual(map.children(keyOf(a)).map((r) => r.name), ["1.0.2", "1.0.0", "1.0.1"]);
    assert.deepEqual(map.children(keyOf(ab)).map((r) => r.name), ["1.0.0"]);
    assert.equal(map.delete(keyOf(`${a}/versions/1.0.0`)), true);
    assert.equal(map.delete(keyOf(`${a}/versions/1.0.0`)), false);
    assert.deepEqual(map.children(keyOf(a)).map((r) => r.name), ["1.0.2", "1.0.1"]);
    map.delete(keyOf(`${ab}/versions/1.0.0`));
    assert.equal(map.hasChildren(keyOf(ab)), false);
    assert.deepEqual(map.children(keyOf(def("g", "none"))), []);
  });

  it("counts per subscription and region whatever the spelling, and recounts on replace and delete", () => {
    const map = new ResourceMap();
    const a = def("g", "a");
    put(map, version(a, "1", "westeurope"));
    put(map, version(a, "2", "West Europe"));
    put(map, version(a, "3", "northeurope"));
    assert.equal(map.countIn(SUB.toLowerCase(), "WestEurope"), 2);
    assert.equal(map.countIn(SUB, "North Europe"), 1);
    assert.equal(map.countIn("other", "westeurope"), 0);
    put(map, version(a, "2", "northeurope"));
    assert.equal(map.countIn(SUB, "westeurope"), 1);
    assert.equal(map.countIn(SUB, "northeurope"), 2);
    map.delete(keyOf(`${a}/versions/3`));
    assert.equal(map.countIn(SUB, "northeurope"), 1);
    map.clear();
    assert.equal(map.countIn(SUB, "northeurope"), 0);
  });

  it("finds the versions of one source image, case-insensitively", () => {
    const map = new ResourceMap();
    const a = def("g", "a");
    const image = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/images/Img`;
    put(map, version(a, "1", "westeurope", image));
    put(map, version(a, "2", "westeurope", image.toUpperCase()));
    put(map, version(a, "3", "westeurope", `${image}2`));
    assert.deepEqual(map.withSource(keyOf(image)).map((r) => r.name), ["1", "2"]);
    map.delete(keyOf(`${a}/versions/1`));
    assert.deepEqual(map.withSource(keyOf(image)).map((r) => r.name), ["2"]);
  });
});

describe("Store.settle", () => {
  it("applies ended operations in end order, skips canceled ones, and keeps later ones running", () => {
    const store = new Store();
    const a = def("g", "a");
    const recs = ["1", "2", "3", "4"].map((n) => version(a, n, "westeurope"));
    for (const rec of recs) put(store.versions, rec);
    const ends = [300, 100, 200, 1000];
    const ops = recs.map((rec, i) => {
      const op = store.startOperation({
        subscriptionId: SUB,
        location: "westeurope",
        family: "caps",
        action: i === 2 ? "delete" : "create",
        resourceKey: keyOf(rec.id),
        resourceKind: "version",
        apiVersion: "2025-03-03",
        startTime: 0,
        endTime: ends[i]!,
        outcome: "Succeeded",
      });
      rec.operationId = op.name;
      rec.provisioningState = i === 2 ? "Deleting" : "Creating";
      return op;
    });
    store.cancelOperation(ops[1]!.name, 50);
    store.settle(99);
    assert.deepEqual(recs.map((r) => r.provisioningState), ["Creating", "Creating", "Deleting", "Creating"]);
    store.settle(300);
    assert.equal(recs[0]!.provisioningState, "Succeeded");
    assert.equal(recs[1]!.provisioningState, "Creating", "a canceled operation is not applied");
    assert.equal(store.versions.has(keyOf(recs[2]!.id)), false, "the delete ended");
    assert.equal(store.versions.children(keyOf(a)).length, 3);
    assert.equal(store.isRunning(ops[3]!.name), true);
    store.settle(1000);
    assert.equal(recs[3]!.provisioningState, "Succeeded");
    assert.equal(store.isRunning(ops[3]!.name), false);
  });
});
