import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { InputError } from "../../../src/errors.js";
import { loadPlan, validatePlanFile, validatePlanText } from "../../../src/plan/load.js";
import { MAX_PLAN_BYTES } from "../../../src/plan/yaml-source.js";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const now = new Date("2026-01-01T00:00:00Z");
const SUB = "00000000-0000-0000-0000-000000000001";
const IMAGES = `/subscriptions/${SUB}/resourceGroups/rg-legacy-images/providers/Microsoft.Compute/images`;
const tmp = mkdtempSync(join(tmpdir(), "acg-plan-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function plan(migrations: string, defaults = ""): string {
  return [
    "version: 1",
    "defaults:",
    `  gallery: { subscriptionId: ${SUB}, resourceGroup: rg-gallery, name: corpGallery }`,
    "  definition: { publisher: Contoso }",
    defaults,
    "migrations:",
    migrations,
  ].join("\n");
}

describe("loadPlan", () => {
  it("resolves the example plan: defaults merged, regions normalised, ids built", async () => {
    const p = await loadPlan("examples/migrations.yaml", { cwd: repo, now });
    assert.equal(p.file, "examples/migrations.yaml");
    assert.equal(p.execution.concurrency, 4);
    assert.deepEqual(p.execution.extraRegions, []);
    assert.deepEqual(
      p.migrations.map((m) => [m.source.name, m.definition.name, m.version.name]),
      [
        ["web-2024-01", "web-linux", "1.0.0"],
        ["web-2024-02", "web-linux", "1.1.0"],
        ["win-iis-2022", "iis-windows", "1.0.0"],
      ],
    );
    const [a, b, c] = p.migrations as [(typeof p.migrations)[0], (typeof p.migrations)[0], (typeof p.migrations)[0]];
    assert.equal(a.key, `/subscriptions/${SUB}/resourceGroups/rg-gallery/providers/Microsoft.Compute/galleries/corpGallery/images/web-linux/versions/1.0.0`);
    assert.equal(a.version.id, a.key);
    assert.equal(b.source.id, `${IMAGES}/web-2024-02`, "the object form gets a full id");
    assert.deepEqual(a.version.targetRegions, [
      { name: "westeurope", displayName: "West Europe" },
      { name: "northeurope", displayName: "North Europe", replicaCount: 2, storageAccountType: "Standard_ZRS" },
      { name: "swedencentral", displayName: "Sweden Central" },
    ]);
    assert.equal(a.version.replicaCount, 1);
    assert.equal(a.version.endOfLifeDate, "2030-12-31T00:00:00.000Z");
    assert.equal(a.version.allowRegionRemoval, false);
    assert.deepEqual(a.gallery, {
      subscriptionId: SUB,
      resourceGroup: "rg-gallery",
      name: "corpGallery",
      location: "westeurope",
      create: true,
      id: `/subscriptions/${SUB}/resourceGroups/rg-gallery/providers/Microsoft.Compute/galleries/corpGallery`,
    });
    assert.equal(c.definition.osType, "Windows");
    assert.equal(c.definition.securityType, "Standard");
    assert.equal(a.definition.osType, undefined, "derived from the image at run time");
    assert.deepEqual(c.tags, { migratedBy: "acg-migrate", workload: "iis", owner: "web-team" });
    assert.equal(c.position.line, 60);
    assert.match(a.fingerprint, /^[0-9a-f]{64}$/);
    assert.notEqual(a.fingerprint, b.fingerprint);
  });

  it("throws an InputError carrying every problem, not just the first", async () => {
    const file = join(tmp, "two-problems.yaml");
    writeFileSync(file, plan(`  - source: ${IMAGES}/a\n    definition: { name: web, offer: O, sku: S }\n    version: { name: "1.0", replicaCount: 0 }`));
    await assert.rejects(loadPlan(file, { now }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.deepEqual(
        error.problems.map((p) => [p.line, p.column, p.path]),
        [
          [9, 22, "migrations[0].version.name"],
          [9, 43, "migrations[0].version.replicaCount"],
        ],
      );
      return true;
    });
  });

  it("keeps the fingerprint when only the order of migrations changes, and changes it with the item", () => {
    const one = `  - source: ${IMAGES}/a\n    definition: { name: web, offer: O, sku: S }\n    version: { name: 1.0.0 }`;
    const two = `  - source: ${IMAGES}/b\n    definition: { name: web, offer: O, sku: S }\n    version: { name: 1.1.0 }`;
    const forward = validatePlanText("p.yaml", plan(`${one}\n${two}`), now).plan!;
    const backward = validatePlanText("p.yaml", plan(`${two}\n${one}`), now).plan!;
    assert.equal(forward.migrations[0]!.fingerprint, backward.migrations[1]!.fingerprint);
    assert.notEqual(forward.migrations[0]!.position.line, backward.migrations[1]!.position.line);
    const changed = validatePlanText("p.yaml", plan(`${one.replace("1.0.0 }", "1.0.0, replicaCount: 3 }")}\n${two}`), now).plan!;
    assert.notEqual(changed.migrations[0]!.fingerprint, forward.migrations[0]!.fingerprint);
  });

  it("replaces lists and deep-merges mappings from the defaults, the item winning", () => {
    const text = plan(
      `  - source: ${IMAGES}/a\n    definition: { name: web, offer: O, sku: S, publisher: Fabrikam }\n    version: { name: 1.0.0, targetRegions: [northeurope] }\n    tags: { team: b }`,
      "  version: { replicaCount: 2, targetRegions: [westeurope, eastus] }\n  tags: { team: a, env: prod }",
    );
    const m = validatePlanText("p.yaml", text, now).plan!.migrations[0]!;
    assert.deepEqual(m.version.targetRegions, [{ name: "northeurope", displayName: "North Europe" }]);
    assert.equal(m.version.replicaCount, 2);
    assert.equal(m.definition.publisher, "Fabrikam");
    assert.deepEqual(m.tags, { team: "b", env: "prod" });
  });

  it("reports a problem of the defaults once, at the defaults, not at every migration", () => {
    const items = [1, 2, 3].map((i) => `  - source: ${IMAGES}/a${i}\n    definition: { name: web, offer: O, sku: S }\n    version: { name: 1.0.${i} }`);
    const result = validatePlanText("p.yaml", plan(items.join("\n"), "  version: { targetRegions: [westeurop] }"), now);
    assert.deepEqual(
      result.problems.map((p) => `${p.line}:${p.column}: ${p.path}`),
      ["5:30: defaults.version.targetRegions[0]"],
    );
  });

  it("refuses a file over the size limit with one clear message", async () => {
    const file = join(tmp, "huge.yaml");
    writeFileSync(file, Buffer.alloc(MAX_PLAN_BYTES + 1, "#"));
    await assert.rejects(validatePlanFile(file), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, `${file}: is 10.0 MiB; plans are limited to 10 MiB`);
      return true;
    });
  });

  it("refuses text that is not UTF-8", async () => {
    const file = join(tmp, "latin1.yaml");
    writeFileSync(file, Buffer.from("version: 1\n# caf\xe9\n", "latin1"));
    await assert.rejects(validatePlanFile(file), /is not UTF-8 text/);
  });

  it("tells UTF-16 text from binary content", async () => {
    const file = join(tmp, "utf16.yaml");
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("version: 1\n", "utf16le")]));
    await assert.rejects(validatePlanFile(file), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, `${file}: is UTF-16 text; save the plan as UTF-8`);
      return true;
    });
  });

  it("accepts extra regions the built-in list does not know", () => {
    const text = plan(`  - source: ${IMAGES}/a\n    definition: { name: web, offer: O, sku: S }\n    version: { name: 1.0.0, targetRegions: [Taiwan North] }`).replace(
      "version: 1\n",
      "version: 1\nexecution: { extraRegions: [Taiwan North] }\n",
    );
    const result = validatePlanText("p.yaml", text, now);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.plan!.migrations[0]!.version.targetRegions, [{ name: "taiwannorth", displayName: "Taiwan North" }]);
  });
});
