import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import type { ManagedImage } from "../../../src/azure/port.js";
import { buildDiscoveredPlan } from "../../../src/discover/build-plan.js";
import type { DiscoverOptions } from "../../../src/discover/build-plan.js";
import { linuxV2Image } from "../images.js";

const SUB = "00000000-0000-0000-0000-000000000001";

function image(name: string, extra: Partial<ManagedImage> = {}): ManagedImage {
  return linuxV2Image(SUB, extra.resourceGroup ?? "rg-a", name, "westeurope", extra);
}

function options(extra: Partial<DiscoverOptions> = {}): DiscoverOptions {
  return {
    gallery: { subscriptionId: SUB, resourceGroup: "rg-gallery", name: "corpGallery" },
    publisher: "MigratedImages",
    targetRegions: ["northeurope"],
    groupBy: "image",
    schemaRef: "schemas/plan.schema.json",
    scope: { subscriptions: [SUB], resourceGroups: [] },
    now: new Date("2026-01-01T00:00:00Z"),
    ...extra,
  };
}

interface WrittenMigration {
  source: string;
  definition: { name: string; offer: string; sku: string; osType: string; hyperVGeneration: string };
  version: { name: string; targetRegions: string[] };
  tags?: Record<string, string>;
}

function migrationsOf(text: string): WrittenMigration[] {
  return (parse(text) as { migrations: WrittenMigration[] }).migrations;
}

describe("discover's plan", () => {
  it("opens with the schema comment and a header to review", () => {
    const { text } = buildDiscoveredPlan([image("web")], options());
    assert.match(text.split("\n")[0]!, /^# yaml-language-server: \$schema=schemas\/plan\.schema\.json$/);
    assert.match(text, /# Review before running:/);
  });

  it("gives each image its own unique definition, version 1.0.0, the source region first, tags carried over", () => {
    const images = [
      image("web_", { tags: { env: "prod" } }),
      image("web", { resourceGroup: "rg-b", location: "northeurope" }),
    ];
    const { text, summary } = buildDiscoveredPlan(images, options());
    const migrations = migrationsOf(text);
    assert.deepEqual(
      migrations.map((m) => [m.definition.name, m.version.name, m.version.targetRegions]),
      [
        ["web", "1.0.0", ["northeurope"]],
        ["web-2", "1.0.0", ["westeurope", "northeurope"]],
      ],
    );
    assert.equal(migrations[1]!.source, images[0]!.id);
    assert.deepEqual(migrations[1]!.tags, { env: "prod" });
    const triples = new Set(migrations.map((m) => `${m.definition.offer}|${m.definition.sku}`));
    assert.equal(triples.size, 2);
    assert.equal(summary.definitions, 2);
  });

  it("groups names differing by a version-like suffix with the same OS and generation, in name order", () => {
    const images = [image("web-2024-02"), image("web-2024-01"), image("app-v10"), image("app-v9"), image("app-v3", { hyperVGeneration: "V1" })];
    const { text, summary } = buildDiscoveredPlan(images, options({ groupBy: "name" }));
    const rows = migrationsOf(text).map((m) => `${m.source.split("/").pop()}→${m.definition.name}:${m.version.name}`);
    assert.deepEqual(rows, [
      "app-v3→app-linux-gen1:1.0.0",
      "app-v9→app-linux-gen2:1.0.0",
      "app-v10→app-linux-gen2:2.0.0",
      "web-2024-01→web:1.0.0",
      "web-2024-02→web:2.0.0",
    ]);
    assert.equal(summary.definitions, 3);
  });

  it("leaves out what cannot be migrated, as comments with the reason", () => {
    const images = [
      image("ok"),
      image("huge", { osDiskSizeGB: 1000, dataDisks: [{ lun: 0, sizeGB: 1000 }, { lun: 1, sizeGB: 1000 }] }),
      image("failed", { provisioningState: "Failed" }),
      image("noos", { osType: undefined }),
    ];
    const { text, summary } = buildDiscoveredPlan(images, options());
    assert.equal(migrationsOf(text).length, 1);
    assert.deepEqual(
      summary.skipped.map((s) => s.id.split("/").pop()),
      ["failed", "huge", "noos"],
    );
    assert.match(text, /# {3}\/subscriptions\/.*\/images\/huge\n# {5}image is 3000 GB in all, over the 2048 GB limit/);
  });

  it("reuses the definition and version of an image already migrated, and avoids existing names", () => {
    const gallery = `/subscriptions/${SUB}/resourceGroups/rg-gallery/providers/Microsoft.Compute/galleries/corpGallery`;
    const done = image("done");
    const existing = {
      location: "westeurope",
      definitions: [
        { id: `${gallery}/images/old`, name: "old", location: "westeurope", osType: "Linux" as const, osState: "Generalized" as const, publisher: "Other", offer: "o", sku: "s" },
        { id: `${gallery}/images/web`, name: "web", location: "westeurope", osType: "Linux" as const, osState: "Generalized" as const, publisher: "MigratedImages", offer: "web", sku: "linux-gen2" },
      ],
      versions: [{ id: `${gallery}/images/old/versions/3.0.0`, name: "3.0.0", location: "westeurope", sourceId: done.id, targetRegions: [] }],
    };
    const { text } = buildDiscoveredPlan([done, image("web")], options({ existing }));
    const migrations = migrationsOf(text);
    assert.deepEqual(
      migrations.map((m) => [m.definition.name, m.definition.offer, m.version.name]),
      [
        ["old", "o", "3.0.0"],
        ["web-2", "web-2", "1.0.0"],
      ],
    );
    assert.match(text, /already migrated to old\/3\.0\.0/);
  });

  it("says when the definitions would exceed the per-region limit and recommends --group-by name", () => {
    const images = Array.from({ length: 5 }, (_, i) => image(`img-${i}`));
    const { warnings } = buildDiscoveredPlan(images, options({ definitionsInRegion: 998 }));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /1003 image definitions .* over the limit of 1000 .*--group-by name/);
  });
});

describe("discover's plan against the plan loader", () => {
  it("validates without edits in both grouping modes, with tags, odd names and skipped images", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { loadPlan } = await import("../../../src/plan/load.js");
    const dir = await mkdtemp(join(tmpdir(), "acg-discover-"));
    const images = [
      image("web-2024-01", { tags: { env: "prod", "cost center": "42", flag: "true" } }),
      image("web-2024-02"),
      image("app_", { location: "northeurope", osType: "Windows", hyperVGeneration: undefined }),
      image("app", { resourceGroup: "rg-b" }),
      image("big", { osDiskSizeGB: 3000 }),
    ];
    for (const groupBy of ["image", "name"] as const) {
      const { text } = buildDiscoveredPlan(images, options({ groupBy, targetRegions: ["northeurope", "swedencentral"] }));
      const file = join(dir, `${groupBy}.yaml`);
      await writeFile(file, text);
      const plan = await loadPlan(file);
      assert.equal(plan.migrations.length, 4, groupBy);
      assert.deepEqual(plan.migrations.find((m) => m.source.name === "web-2024-01")!.tags, { env: "prod", "cost center": "42", flag: "true" });
      const versions = plan.migrations.map((m) => `${m.definition.name}/${m.version.name}`);
      assert.equal(new Set(versions).size, 4);
    }
  });
});
