import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AzureReader, DefinitionInfo, GalleryInfo, ManagedImage, VersionInfo } from "../../../src/azure/port.js";
import type { ItemPlan } from "../../../src/engine/planner.js";
import type { Migration } from "../../../src/plan/types.js";
import { applyExtraChecks, missingRole } from "../../../src/preview/extra-checks.js";
import { applyHeadroom, countExisting } from "../../../src/preview/headroom.js";
import type { ExistingCounts, RegionCounts } from "../../../src/preview/headroom.js";
import { previewDocument, renderPreview } from "../../../src/preview/render.js";
import { linuxV2Image } from "../images.js";

const SUB = "00000000-0000-0000-0000-000000000001";
const GALLERY = `/subscriptions/${SUB}/resourceGroups/rg-g/providers/Microsoft.Compute/galleries/g1`;

function migration(index: number, definition: string, version = "1.0.0", extra: Partial<Migration["definition"]> = {}): Migration {
  const defId = `${GALLERY}/images/${definition}`;
  return {
    index,
    key: `${defId}/versions/${version}`,
    position: { line: index + 1, column: 3 },
    gallery: { subscriptionId: SUB, resourceGroup: "rg-g", name: "g1", location: "westeurope", create: true, id: GALLERY },
    source: { id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/images/img${index}`, subscriptionId: SUB, resourceGroup: "rg", name: `img${index}` },
    definition: { name: definition, id: defId, publisher: "P", offer: definition, sku: "linux-gen2", securityType: "Standard", ...extra },
    version: { name: version, id: `${defId}/versions/${version}`, targetRegions: [], allowRegionRemoval: false },
    tags: {},
    fingerprint: `f${index}`,
  };
}

function image(index: number, extra: Partial<ManagedImage> = {}): ManagedImage {
  return linuxV2Image(SUB, "rg", `img${index}`, "northeurope", extra);
}

function counts(partial: Partial<Record<keyof RegionCounts, Record<string, number>>>): RegionCounts {
  return {
    galleries: new Map(Object.entries(partial.galleries ?? {})),
    definitions: new Map(Object.entries(partial.definitions ?? {})),
    versions: new Map(Object.entries(partial.versions ?? {})),
  };
}

const gallery: GalleryInfo = { id: GALLERY, name: "g1", location: "westeurope" };

describe("headroom", () => {
  it("adds what the plan creates to what each region holds, counting a shared definition once", () => {
    const items: ItemPlan[] = [
      { migration: migration(0, "a"), action: "create", notes: [], image: image(0), gallery },
      { migration: migration(1, "a", "2.0.0"), action: "create-version", notes: [], image: image(1), gallery },
      { migration: migration(2, "b"), action: "adopt", notes: [], image: image(2), gallery },
    ];
    const existing: ExistingCounts = new Map([[SUB, counts({ galleries: { westeurope: 1 }, definitions: { westeurope: 7 }, versions: { northeurope: 40 } })]]);
    const rows = applyHeadroom(items, existing);
    assert.deepEqual(
      rows.map((r) => `${r.region} ${r.resource} ${r.existing}+${r.adding}/${r.limit}`),
      ["northeurope versions 40+2/10000", "westeurope definitions 7+1/1000"],
    );
    assert.ok(items.every((i) => i.action !== "blocked"));
  });

  it("blocks, in plan order, the items that would cross a region's limit, with the remedy", () => {
    const items: ItemPlan[] = [
      { migration: migration(1, "b"), action: "create", notes: [], image: image(1), gallery },
      { migration: migration(0, "a"), action: "create", notes: [], image: image(0), gallery },
      { migration: migration(2, "c"), action: "create", notes: [], image: image(2), gallery },
    ];
    const rows = applyHeadroom(items, new Map([[SUB, counts({ definitions: { westeurope: 998 } })]]));
    assert.deepEqual(
      items.map((i) => `${i.migration.definition.name}:${i.action}`),
      ["b:create", "a:create", "c:blocked"],
    );
    assert.match(items[2]!.reason!, /^QuotaExceeded: .* 1000 definitions in westeurope \(998 exist, the plan adds 3/);
    assert.match(items[2]!.remedy!, /request a limit increase/);
    assert.ok(rows.find((r) => r.resource === "definitions")!.exceeded);
  });

  it("counts a gallery the plan creates in its own region", () => {
    const items: ItemPlan[] = [{ migration: migration(0, "a"), action: "create", notes: [], image: image(0) }];
    const rows = applyHeadroom(items, new Map([[SUB, counts({ galleries: { westeurope: 100 } })]]));
    assert.equal(items[0]!.action, "blocked");
    assert.match(items[0]!.reason!, /100 galleries in westeurope/);
    assert.equal(rows.find((r) => r.resource === "galleries")?.adding, 1);
  });
});

function reader(defs: DefinitionInfo[], versions: Record<string, VersionInfo[]> = {}): AzureReader {
  async function* each<T>(items: T[]): AsyncIterable<T> {
    yield* items;
  }
  return {
    armEndpoint: "https://example.invalid",
    getImage: async () => undefined,
    listImages: () => each([]),
    getGallery: async () => gallery,
    listGalleries: () => each([gallery, { id: `${GALLERY}2`, name: "g2", location: "eastus" }]),
    getDefinition: async () => undefined,
    listDefinitions: (id) => each(id === GALLERY ? defs : []),
    getVersion: async () => undefined,
    listVersions: (id) => each(versions[id] ?? []),
  };
}

describe("reads for headroom", () => {
  it("counts galleries, definitions and versions of a subscription per region", async () => {
    const def: DefinitionInfo = { id: `${GALLERY}/images/x`, name: "x", location: "westeurope", osType: "Linux", osState: "Generalized", publisher: "P", offer: "o", sku: "s" };
    const v = (n: string, location: string): VersionInfo => ({ id: `${def.id}/versions/${n}`, name: n, location, targetRegions: [] });
    const result = await countExisting(reader([def], { [def.id]: [v("1.0.0", "westeurope"), v("2.0.0", "northeurope")] }), [SUB]);
    const c = result.get(SUB) as RegionCounts;
    assert.deepEqual([...c.galleries], [["westeurope", 1], ["eastus", 1]]);
    assert.deepEqual([...c.definitions], [["westeurope", 1]]);
    assert.deepEqual([...c.versions], [["westeurope", 1], ["northeurope", 1]]);
  });

  it("says which role is missing when listing is refused", async () => {
    const refused = reader([]);
    refused.listGalleries = () => ({
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(Object.assign(new Error("AuthorizationFailed"), { statusCode: 403 })) }),
    });
    const result = await countExisting(refused, [SUB]);
    assert.deepEqual(result.get(SUB), { error: "AuthorizationFailed (needs the Reader role on the subscription)" });
  });
});

describe("extra checks", () => {
  it("blocks a source over the size limits and a new definition whose publisher/offer/sku is taken", async () => {
    const taken: DefinitionInfo = { id: `${GALLERY}/images/old`, name: "old", location: "westeurope", osType: "Linux", osState: "Generalized", publisher: "p", offer: "B", sku: "LINUX-GEN2" };
    const items: ItemPlan[] = [
      { migration: migration(0, "a"), action: "create", notes: [], image: image(0, { osDiskSizeGB: 100, dataDisks: [{ lun: 0, sizeGB: 2000 }] }), gallery },
      { migration: migration(1, "b"), action: "create", notes: [], image: image(1), gallery },
      { migration: migration(2, "c"), action: "create", notes: [], image: image(2), gallery },
    ];
    await applyExtraChecks(items, reader([taken]));
    assert.deepEqual(items.map((i) => i.action), ["blocked", "blocked", "create"]);
    assert.match(items[0]!.reason!, /data disk at LUN 0 is 2000 GB, over the 1024 GB limit/);
    assert.match(items[1]!.reason!, /\(P, b, linux-gen2\) is already used by definition old/);
    assert.match(items[1]!.remedy!, /change offer or sku/);
  });
});

describe("preview rendering", () => {
  it("shows one row per item with its action, the blocked reason and remedy, counts and the write-permission caveat", () => {
    const items: ItemPlan[] = [
      { migration: migration(0, "a"), action: "create", notes: ["gallery g1 will be created in westeurope"], image: image(0) },
      { migration: migration(1, "b"), action: "blocked", reason: "conflict: taken", remedy: "choose another version name", notes: [] },
    ];
    const doc = previewDocument("p.yaml", "https://x", items, [], new Map());
    const text = renderPreview(doc).join("\n");
    assert.match(text, /img0 +g1\/a\/1\.0\.0 +create\n +- gallery g1 will be created in westeurope/);
    assert.match(text, /img1 +g1\/b\/1\.0\.0 +blocked: conflict: taken; remedy: choose another version name/);
    assert.match(text, /2 item\(s\): create 1, blocked 1/);
    assert.match(text, /Write permission cannot be proven without writing/);
    assert.equal(doc.counts.blocked, 1);
    assert.deepEqual(doc.sharedSources, []);
    assert.deepEqual(Object.keys(doc.items[1]!), ["key", "source", "gallery", "definition", "version", "action", "reason", "remedy", "notes"]);
  });
});

describe("several items from one source", () => {
  it("are listed in the order they will run, skipping those that will not run", () => {
    const same = (m: Migration): Migration => ({ ...m, source: migration(0, "x").source });
    const items: ItemPlan[] = [
      { migration: same(migration(2, "a", "3.0.0")), action: "create-version", notes: [] },
      { migration: same(migration(0, "a", "1.0.0")), action: "create", notes: [] },
      { migration: same(migration(1, "a", "2.0.0")), action: "done", notes: [] },
      { migration: same(migration(3, "a", "4.0.0")), action: "update", notes: [] },
    ];
    const doc = previewDocument("p.yaml", "https://x", items, [], new Map());
    assert.deepEqual(doc.sharedSources, [{ source: items[0]!.migration.source.id, order: ["g1/a/1.0.0", "g1/a/3.0.0", "g1/a/4.0.0"] }]);
    assert.match(renderPreview(doc).join("\n"), /one at a time, in this order\):\n {2}img0: g1\/a\/1\.0\.0 → g1\/a\/3\.0\.0 → g1\/a\/4\.0\.0/);
  });
});

describe("refused reads", () => {
  it("name the role that is missing on the resource ARM names", () => {
    const refused = (action: string): string =>
      `AuthorizationFailed: The client 'x' with object id 'y' does not have authorization to perform action '${action}' over scope '/subscriptions/s/resourceGroups/rg/providers/${action.split("/").slice(0, 2).join("/")}/z' or the scope is invalid.`;
    assert.match(missingRole(refused("Microsoft.Compute/images/read"))!, /^grant the identity Reader on the source managed image \(\/subscriptions\/s\/.*\)/);
    assert.match(missingRole(refused("Microsoft.Compute/galleries/images/read"))!, /^grant the identity Reader on the gallery .* Contributor \(or Compute Gallery Artifacts Publisher\) to run/);
    assert.equal(missingRole("conflict: version exists with another source"), undefined);
  });
});
