import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AzureReader, DefinitionInfo, GalleryInfo, ManagedImage, VersionInfo } from "../../../src/azure/port.js";
import { planMigrations } from "../../../src/engine/planner.js";
import type { Migration, Plan } from "../../../src/plan/types.js";
import type { ItemState, StateDocument } from "../../../src/state/types.js";

const SUB = "s";
const GALLERY = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g`;
const imageId = (n: string): string => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/images/${n}`;

function migration(index: number, image: string, def: string, version: string, fingerprint = `f${index}`): Migration {
  const defId = `${GALLERY}/images/${def}`;
  const id = `${defId}/versions/${version}`;
  return {
    index,
    key: id,
    position: { line: index + 1, column: 1 },
    gallery: { subscriptionId: SUB, resourceGroup: "rg", name: "g", create: true, location: "westeurope", id: GALLERY },
    source: { id: imageId(image), subscriptionId: SUB, resourceGroup: "rg", name: image },
    definition: { name: def, id: defId, publisher: "P", offer: def, sku: "S", securityType: "Standard" },
    version: { name: version, id, targetRegions: [{ name: "westeurope", displayName: "West Europe" }], allowRegionRemoval: false },
    tags: {},
    fingerprint,
  };
}

/** What Azure holds, read through the port's read methods only. */
class World implements AzureReader {
  readonly armEndpoint = "https://arm";
  images = new Map<string, ManagedImage>();
  galleries = new Map<string, GalleryInfo>();
  definitions = new Map<string, DefinitionInfo>();
  versions = new Map<string, VersionInfo>();
  reads = 0;
  addImage(name: string, gen?: "V1" | "V2"): void {
    this.images.set(imageId(name).toLowerCase(), {
      id: imageId(name), subscriptionId: SUB, resourceGroup: "rg", name, location: "westeurope", provisioningState: "Succeeded",
      osType: "Linux", osState: "Generalized", ...(gen ? { hyperVGeneration: gen } : {}), zoneResilient: false, dataDisks: [], tags: {},
    });
  }
  async getImage(id: string) { this.reads++; return this.images.get(id.toLowerCase()); }
  async getGallery(id: string) { this.reads++; return this.galleries.get(id.toLowerCase()); }
  async getDefinition(id: string) { this.reads++; return this.definitions.get(id.toLowerCase()); }
  async getVersion(id: string) { this.reads++; return this.versions.get(id.toLowerCase()); }
  lists = 0;
  async *listImages(subscriptionId: string, resourceGroup?: string) {
    this.lists++;
    const prefix = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup ?? ""}`.toLowerCase();
    for (const [k, v] of this.images) if (k.startsWith(prefix)) yield v;
  }
  async *listGalleries() {}
  async *listDefinitions(galleryId: string) {
    this.lists++;
    for (const [k, v] of this.definitions) if (k.startsWith(`${galleryId.toLowerCase()}/images/`)) yield v;
  }
  async *listVersions(definitionId: string) {
    this.lists++;
    for (const [k, v] of this.versions) if (k.startsWith(`${definitionId.toLowerCase()}/versions/`)) yield v;
  }
}

function plan(migrations: Migration[]): Plan {
  return { file: "plan.yaml", execution: { extraRegions: [] }, migrations, warnings: [] };
}

function state(items: Partial<ItemState>[]): StateDocument {
  const doc: StateDocument = { schemaVersion: 1, armEndpoint: "https://arm", plan: "plan.yaml", createdAt: "t", updatedAt: "t", items: {} };
  for (const i of items) {
    doc.items[i.key!] = { fingerprint: "f0", status: "pending", attempts: 1, updatedAt: "t", sourceId: "", definitionId: "", versionId: "", galleryId: "", ...i } as ItemState;
  }
  return doc;
}

describe("planMigrations", () => {
  it("creates the definition once for items that share it, and orders versions of one source", async () => {
    const world = new World();
    world.addImage("a", "V2");
    world.addImage("b", "V2");
    const items = [migration(0, "a", "d", "1.0.0"), migration(1, "b", "d", "1.0.1"), migration(2, "a", "d", "1.0.2")];
    const planned = await planMigrations(plan(items), world, undefined);
    assert.deepEqual(planned.map((p) => p.action), ["create", "create-version", "create-version"]);
    assert.ok(planned[0]!.notes.some((n) => /gallery g will be created/.test(n)));
    assert.ok(planned[2]!.notes.includes("runs after 1.0.0 (same source)"));
    // Only the first item says it creates the definition; the others say who does, never both.
    assert.ok(planned[0]!.notes.some((n) => n.startsWith("definition d will be created")));
    for (const later of planned.slice(1)) {
      assert.ok(later.notes.includes("definition d is created once, by 1.0.0"), later.notes.join("; "));
      assert.ok(!later.notes.some((n) => n.startsWith("definition d will be created")), later.notes.join("; "));
    }
  });

  it("skips done items without reading Azure, and re-attaches in-flight ones", async () => {
    const world = new World();
    const items = [migration(0, "a", "d", "1.0.0"), migration(1, "b", "d", "1.0.1")];
    const doc = state([
      { key: items[0]!.key, fingerprint: "f0", status: "done" },
      { key: items[1]!.key, fingerprint: "f1", status: "in-flight", poller: "{}" },
    ]);
    const planned = await planMigrations(plan(items), world, doc);
    assert.deepEqual(planned.map((p) => p.action), ["done", "re-attach"]);
    assert.equal(world.reads, 0);
  });

  it("retries a failed item when transient, changed or asked to, and otherwise leaves it failed", async () => {
    const world = new World();
    world.addImage("a", "V2");
    const m = migration(0, "a", "d", "1.0.0");
    const failed = (transient: boolean, fingerprint = "f0") =>
      state([{ key: m.key, fingerprint, status: "failed", lastError: { code: "X", message: "boom", transient } }]);
    assert.equal((await planMigrations(plan([m]), world, failed(false)))[0]!.action, "blocked");
    assert.equal((await planMigrations(plan([m]), world, failed(true)))[0]!.action, "retry");
    assert.equal((await planMigrations(plan([m]), world, failed(false, "old")))[0]!.action, "retry");
    assert.equal((await planMigrations(plan([m]), world, failed(false), { retryFailed: true }))[0]!.action, "retry");
  });

  it("blocks a version that exists with another source, and adopts one with the same source and settings", async () => {
    const world = new World();
    world.addImage("a", "V2");
    world.galleries.set(GALLERY.toLowerCase(), { id: GALLERY, name: "g", location: "westeurope" });
    world.definitions.set(`${GALLERY}/images/d`.toLowerCase(), {
      id: `${GALLERY}/images/d`, name: "d", location: "westeurope", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", publisher: "P", offer: "d", sku: "S",
    });
    const taken = migration(0, "a", "d", "1.0.0");
    const same = migration(1, "a", "d", "2.0.0");
    world.versions.set(taken.key.toLowerCase(), { id: taken.key, name: "1.0.0", location: "westeurope", sourceId: imageId("other"), targetRegions: [{ name: "westeurope" }] });
    world.versions.set(same.key.toLowerCase(), { id: same.key, name: "2.0.0", location: "westeurope", sourceId: imageId("a"), provisioningState: "Succeeded", targetRegions: [{ name: "westeurope", replicaCount: 1 }] });
    const planned = await planMigrations(plan([taken, same]), world, undefined);
    assert.equal(planned[0]!.action, "blocked");
    assert.match(planned[0]!.reason ?? "", /^conflict: .*another source/);
    assert.equal(planned[1]!.action, "adopt");
  });

  it("blocks an item whose gallery is missing and may not be created, or whose image is gone", async () => {
    const world = new World();
    world.addImage("a");
    const noCreate = migration(0, "a", "d", "1.0.0");
    noCreate.gallery = { ...noCreate.gallery, create: false };
    const gone = migration(1, "zz", "e", "1.0.0");
    const planned = await planMigrations(plan([noCreate, gone]), world, undefined);
    assert.match(planned[0]!.reason ?? "", /gallery g does not exist/);
    assert.match(planned[1]!.reason ?? "", /Source .*zz is not found/);
    assert.ok(planned.every((p) => p.action === "blocked" && p.remedy));
  });

  /** A world with gallery g, definitions d0..d(n-1) of `perDefinition` existing versions each, and their images. */
  function populated(definitions: number, perDefinition: number): { world: World; items: Migration[] } {
    const world = new World();
    world.galleries.set(GALLERY.toLowerCase(), { id: GALLERY, name: "g", location: "westeurope" });
    const items: Migration[] = [];
    for (let d = 0; d < definitions; d++) {
      const defId = `${GALLERY}/images/d${d}`;
      world.definitions.set(defId.toLowerCase(), {
        id: defId, name: `d${d}`, location: "westeurope", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", publisher: "P", offer: `d${d}`, sku: "S",
      });
      for (let v = 0; v < perDefinition; v++) {
        const image = `img-${d}-${v}`;
        world.addImage(image, "V2");
        const m = migration(items.length, image, `d${d}`, `1.0.${v}`);
        items.push(m);
        // Every other version exists already (adopted); the rest are created.
        if (v % 2 === 0) {
          world.versions.set(m.key.toLowerCase(), { id: m.key, name: `1.0.${v}`, location: "westeurope", sourceId: imageId(image), provisioningState: "Succeeded", targetRegions: [{ name: "westeurope", replicaCount: 1 }] });
        }
      }
    }
    return { world, items };
  }

  it("lists definitions and versions where items share a parent, deciding exactly as the GETs do", async () => {
    const { world, items } = populated(4, 6);
    // A definition the plan targets but the gallery lacks: the complete list proves it absent.
    items.push(migration(items.length, "img-0-0", "new-def", "1.0.0"));
    const listed = await planMigrations(plan(items), world, undefined);
    // One list of the gallery's definitions, one per definition's versions, one of the images' group.
    assert.equal(world.lists, 1 + 4 + 1);
    assert.equal(world.reads, 1, "only the gallery itself is read by a GET");

    const viaGets = populated(4, 6);
    viaGets.items.push(migration(viaGets.items.length, "img-0-0", "new-def", "1.0.0"));
    const refusing = viaGets.world;
    // Lists refused (as a role scoped to single resources would): every read falls back to a GET.
    refusing.listDefinitions = async function* () { throw new Error("refused"); };
    refusing.listVersions = async function* () { throw new Error("refused"); };
    refusing.listImages = async function* () { throw new Error("refused"); };
    const fallback = await planMigrations(plan(viaGets.items), refusing, undefined);
    assert.equal(refusing.reads, 1 + 24 + 5 + 24, "the gallery, 24 images, 5 definitions (new-def too), 24 versions (none under new-def)");
    assert.deepEqual(listed.map((p) => [p.action, p.notes]), fallback.map((p) => [p.action, p.notes]));
    assert.deepEqual(listed.filter((p) => p.action === "adopt").length, 12);
    assert.equal(listed.at(-1)!.action, "create");
  });

  it("reads nothing under a gallery that does not exist, and GETs where few items share a parent", async () => {
    const world = new World();
    world.addImage("a", "V2");
    world.addImage("b", "V2");
    const items = [migration(0, "a", "d", "1.0.0"), migration(1, "b", "e", "1.0.0")];
    const planned = await planMigrations(plan(items), world, undefined);
    assert.deepEqual(planned.map((p) => p.action), ["create", "create"]);
    assert.equal(world.lists, 0);
    assert.equal(world.reads, 1 + 2, "the gallery and the two images; no definition or version GET");
  });
});
