import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import { main } from "../../src/main.js";
import { startEmulator } from "../../src/emulator/index.js";
import type { SeedDocument } from "../../src/emulator/seed.js";
import { loadPlan } from "../../src/plan/load.js";
import { StateStore, readState } from "../../src/state/store.js";
import type { ItemStatus } from "../../src/state/types.js";
import { azureArgs, cli, corpGallerySeed, requestCount, SRC_IMAGES, SUB } from "../integration/preview/helpers.js";

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const IMAGES = SRC_IMAGES;
const linux = (name: string) => ({ name, osType: "Linux" as const, hyperVGeneration: "V2" as const, osDiskSizeGB: 30 });

const seed: SeedDocument = corpGallerySeed(
  [linux("a"), linux("b"), linux("c"), linux("d")],
  [
    {
      name: "app", osType: "Linux", hyperVGeneration: "V2", publisher: "Contoso", offer: "app", sku: "gen2",
      versions: [
        { name: "1.0.0", source: `${IMAGES}/a`, targetRegions: ["westeurope"] },
        { name: "2.0.0", source: `${IMAGES}/b`, targetRegions: ["westeurope"] },
        { name: "3.0.0", source: `${IMAGES}/c`, targetRegions: ["westeurope"], provisioningState: "Failed" },
      ],
    },
  ],
);

// a: done and verified → deleted. b: 2.0.0 done but 5.0.0 not yet → kept. c: state says done but
// Azure shows the version Failed → kept. d: failed → kept.
const plan = `version: 1
defaults:
  gallery: { subscriptionId: ${SUB}, resourceGroup: rg-gallery, name: corpGallery }
  definition: { publisher: Contoso, offer: app, sku: gen2 }
  version: { targetRegions: [westeurope] }
migrations:
  - { source: ${IMAGES}/a, definition: { name: app }, version: { name: 1.0.0 } }
  - { source: ${IMAGES}/b, definition: { name: app }, version: { name: 2.0.0 } }
  - { source: ${IMAGES}/c, definition: { name: app }, version: { name: 3.0.0 } }
  - { source: ${IMAGES}/d, definition: { name: app }, version: { name: 4.0.0 } }
  - { source: ${IMAGES}/b, definition: { name: app }, version: { name: 5.0.0 } }
`;

describe("cleanup", { timeout: 60_000 }, () => {
  let emulator: Emulator;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "acg-cleanup-"));
    emulator = await startEmulator({ port: 0, seed, timeScale: 600, dataDir: join(dir, "emulator") });
    await writeFile(join(dir, "plan.yaml"), plan);
    const loaded = await loadPlan(join(dir, "plan.yaml"));
    const statuses: ItemStatus[] = ["done", "done", "done", "failed", "pending"];
    const store = await StateStore.open(join(dir, "plan.state.json"), { armEndpoint: emulator.endpoint, plan: "plan.yaml" });
    for (const [i, m] of loaded.migrations.entries()) {
      await store.put({
        key: m.key, fingerprint: m.fingerprint, status: statuses[i]!, attempts: 1, updatedAt: new Date().toISOString(),
        sourceId: m.source.id, definitionId: m.definition.id, versionId: m.version.id, galleryId: m.gallery.id,
      });
    }
    await store.close();
  });
  after(async () => {
    await emulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const deletes = (): number => requestCount(emulator.stats(), /^DELETE /);

  it("refuses without a terminal and without --yes (exit 2), deleting nothing", async () => {
    const result = await cli(["cleanup", "plan.yaml", ...azureArgs(emulator)], dir);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /no terminal to confirm on: re-run with --yes/);
    assert.equal(deletes(), 0);
  });

  it("--dry-run shows the one verified source and deletes nothing", async () => {
    const result = await cli(["cleanup", "plan.yaml", "--dry-run", "--json", ...azureArgs(emulator)], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((JSON.parse(result.stdout) as { wouldDelete: string[] }).wouldDelete, [`${IMAGES}/a`]);
    assert.equal(deletes(), 0);
  });

  it("asks on a terminal and deletes nothing when the answer is no", async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = "";
    stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      if (d.includes("[y/N]")) stdin.write("n\n");
    });
    const controller = new AbortController();
    const code = await main(["cleanup", "plan.yaml", ...azureArgs(emulator)], {
      stdin, stdout, stderr, cwd: dir, env: process.env, signal: controller.signal, hardSignal: controller.signal,
    });
    assert.equal(code, 0, err);
    assert.match(err, /Delete these 1 managed image\(s\)\? This cannot be undone\. \[y\/N\]/);
    assert.match(err, /cleanup: nothing deleted/);
    assert.equal(deletes(), 0);
  });

  it("--yes deletes only the verified source, records it in the state, and keeps the others with the reason", async () => {
    const result = await cli(["cleanup", "plan.yaml", "--yes", "--json", ...azureArgs(emulator)], dir);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { deleted: string[]; skipped: { sourceId: string; reason: string }[] };
    assert.deepEqual(out.deleted, [`${IMAGES}/a`]);
    assert.deepEqual(
      out.skipped.map((s) => `${s.sourceId.split("/").pop()}: ${s.reason}`),
      [
        "b: still needed: item app/5.0.0 is pending, not done",
        "c: not verified: version app/3.0.0 is Failed, not Succeeded",
        "d: still needed: item app/4.0.0 is failed, not done",
      ],
    );
    assert.equal(requestCount(emulator.stats(), /^DELETE Microsoft\.Compute\/images$/), 1);
    assert.equal(deletes(), 1);
    const state = await readState(join(dir, "plan.state.json"));
    const withDate = Object.values(state!.items).filter((i) => i.sourceDeletedAt).map((i) => i.versionId.split("/").pop());
    assert.deepEqual(withDate, ["1.0.0"]);

    const again = await cli(["cleanup", "plan.yaml", "--yes", ...azureArgs(emulator)], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /\/images\/a: already deleted by cleanup at /);
    assert.equal(deletes(), 1);
  });
});
