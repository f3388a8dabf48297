import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { resolveFaults } from "../../../src/emulator/faults.js";
import { readState } from "../../../src/state/store.js";
import type { ItemState } from "../../../src/state/types.js";
import { RG, SUB, emulatorFlags, imageIdOf, runInProcess, seedYaml, startTestEmulator, tempDir, write } from "./helpers.js";
import type { RunningEmulator } from "./helpers.js";

const rgScope = (name: string): string => `/subscriptions/${SUB}/resourceGroups/${name}`;

/** Images (Linux, V2) in rg-images; three empty resource groups for the galleries the plan creates. */
function seed(images: string[]): string {
  return seedYaml(
    images.map((name) => ({ name, hyperVGeneration: "V2" })),
    undefined,
    ["rg-gal-a", "rg-gal-b", "rg-gal-c"],
  );
}

/** Items as [image, gallery letter, version]; gallery X lives in rg-gal-X with definition def-X. */
function plan(items: [string, string, string][]): string {
  return [
    "version: 1",
    "defaults:",
    "  definition: { publisher: Contoso, securityType: Standard }",
    "  version: { targetRegions: [westeurope], replicaCount: 1 }",
    "migrations:",
    ...items.flatMap(([image, g, version]) => [
      `  - source: ${imageIdOf(image)}`,
      `    gallery: { subscriptionId: ${SUB}, resourceGroup: rg-gal-${g}, name: gal${g}, location: westeurope, create: true }`,
      `    definition: { name: def-${g}, offer: offer-${g}, sku: sku1 }`,
      `    version: { name: ${version} }`,
    ]),
    "",
  ].join("\n");
}

describe("run and cleanup: missing roles (403) and resource locks (409 ScopeLocked)", () => {
  const tmp = tempDir("access");
  let emulator: RunningEmulator;
  let planPath: string;
  const denied = imageIdOf("img-denied");

  before(async () => {
    const seedPath = write(tmp.dir, "seed.yaml", seed(["img-a1", "img-a2", "img-b1", "img-b2", "img-c1", "img-denied"]));
    planPath = write(
      tmp.dir,
      "plan.yaml",
      plan([
        ["img-a1", "a", "1.0.0"],
        ["img-b1", "b", "1.0.0"],
        ["img-a2", "a", "1.0.1"],
        ["img-b2", "b", "1.0.1"],
        ["img-denied", "a", "1.0.2"],
        ["img-c1", "c", "1.0.0"],
      ]),
    );
    const faults = resolveFaults({
      seed: 1,
      access: { deny: [{ scope: rgScope("rg-gal-b"), actions: ["write"] }, { scope: denied, actions: ["read"] }] },
      locks: [{ scope: rgScope("rg-gal-c"), level: "ReadOnly" }, { scope: rgScope(RG), level: "CanNotDelete" }],
    });
    emulator = await startTestEmulator({ seed: seedPath, timeScale: 1200, dataDir: join(tmp.dir, "emu"), faults });
  });
  after(async () => {
    await emulator?.close();
    tmp.cleanup();
  });

  it("fails exactly the refused items, naming the role or lock and its scope, and finishes the others (exit 1)", async () => {
    const result = await runInProcess(["run", planPath, ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(result.code, 1, result.stderr);
    const state = await readState(join(tmp.dir, "plan.state.json"));
    assert.ok(state);
    const item = (image: string): ItemState => {
      const found = Object.values(state.items).find((i) => i.sourceId === imageIdOf(image));
      assert.ok(found, image);
      return found;
    };
    for (const image of ["img-a1", "img-a2"]) assert.equal(item(image).status, "done", image);

    for (const image of ["img-b1", "img-b2"]) {
      const b = item(image);
      assert.equal(b.status, "failed", image);
      assert.equal(b.lastError?.code, "AuthorizationFailed");
      assert.equal(b.lastError?.transient, false);
      assert.match(b.lastError?.message ?? "", /does not have authorization to perform action 'Microsoft\.Compute\/galleries\/write'/);
      assert.match(b.lastError?.remedy ?? "", new RegExp(`Contributor or Compute Gallery Artifacts Publisher on ${rgScope("rg-gal-b")}`));
    }

    const d = item("img-denied");
    assert.equal(d.status, "blocked");
    assert.match(d.lastError?.message ?? "", /AuthorizationFailed: .*'Microsoft\.Compute\/images\/read'/);
    assert.match(d.lastError?.remedy ?? "", new RegExp(`Reader on ${denied}`));

    const c = item("img-c1");
    assert.equal(c.status, "failed");
    assert.equal(c.lastError?.code, "ScopeLocked");
    assert.match(c.lastError?.remedy ?? "", new RegExp(`the lock on ${rgScope("rg-gal-c")}`));
    assert.match(result.stderr, /img-c1 .*failed: ScopeLocked: .*locked: '\/subscriptions\/[^']*\/resourceGroups\/rg-gal-c'/);

    // Nothing was created where writes were refused, and nothing counted as Azure being unusable.
    const created = Object.keys(emulator.stats().creates);
    assert.ok(created.every((id) => !/rg-gal-[bc]/i.test(id)), created.join("\n"));
    assert.match(result.stderr, /6 items: 2 done, 3 failed, 1 blocked/);
  });

  it("cleanup reports the CanNotDelete lock on the images' resource group and deletes nothing (exit 1)", async () => {
    const result = await runInProcess(["cleanup", planPath, "--yes", "--json", ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { deleted: string[]; failed: { sourceId: string; error: string; remedy?: string }[] };
    assert.deepEqual(report.deleted, []);
    assert.deepEqual(report.failed.map((f) => f.sourceId).sort(), [imageIdOf("img-a1"), imageIdOf("img-a2")]);
    for (const f of report.failed) {
      assert.match(f.error, new RegExp(`cannot perform delete operation because following scope\\(s\\) are locked: '${rgScope(RG)}'`));
      assert.match(f.remedy ?? "", new RegExp(`remove the lock on ${rgScope(RG)} `));
    }
    assert.match(result.stderr, new RegExp(`failed  ${imageIdOf("img-a1")}: .*locked.*\\(remedy: remove the lock on ${rgScope(RG)} `));
    assert.match(result.stderr, /cleanup: deleted 0, kept \d+, failed 2/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});
