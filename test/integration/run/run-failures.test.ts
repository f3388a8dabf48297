import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { readState } from "../../../src/state/store.js";
import { emulatorFlags, imageIdOf, planYaml, runInProcess, seedYaml, startTestEmulator, tempDir, write } from "./helpers.js";
import type { PlanItemSpec, RunningEmulator } from "./helpers.js";

describe("run: items that must fail", () => {
  const tmp = tempDir("failures");
  let emulator: RunningEmulator;
  let planPath: string;
  const good1: PlanItemSpec = { image: "img-ok1", definition: "def-a", version: "1.0.0" };
  const good2: PlanItemSpec = { image: "img-ok3", definition: "def-v2", version: "2.0.0", offer: "o-v2", sku: "s-v2" };
  const wrongGeneration: PlanItemSpec = { image: "img-v1", definition: "def-v2", version: "1.0.0", offer: "o-v2", sku: "s-v2" };
  const takenName: PlanItemSpec = { image: "img-ok2", definition: "def-v2", version: "9.0.0", offer: "o-v2", sku: "s-v2" };
  const missingSource: PlanItemSpec = { image: "img-missing", definition: "def-b", version: "1.0.0" };

  before(async () => {
    const seed = write(
      tmp.dir,
      "seed.yaml",
      seedYaml(
        [
          { name: "img-ok1", hyperVGeneration: "V2" },
          { name: "img-ok2", hyperVGeneration: "V2" },
          { name: "img-ok3", hyperVGeneration: "V2" },
          { name: "img-other", hyperVGeneration: "V2" },
          { name: "img-v1" },
        ],
        {
          name: "migrated",
          definitions: [
            { name: "def-v2", hyperVGeneration: "V2", publisher: "Contoso", offer: "o-v2", sku: "s-v2", versions: [{ name: "9.0.0", source: imageIdOf("img-other") }] },
          ],
        },
      ),
    );
    planPath = write(tmp.dir, "plan.yaml", planYaml([good1, wrongGeneration, takenName, missingSource, good2]));
    emulator = await startTestEmulator({ seed, timeScale: 1200, dataDir: join(tmp.dir, "emu") });
  });
  after(async () => {
    await emulator?.close();
    tmp.cleanup();
  });

  it("fails exactly those items, with the service's message and a remedy, and finishes the others (exit 1)", async () => {
    const result = await runInProcess(["run", planPath, "--report", "report.json", ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(result.code, 1, result.stderr);
    const state = await readState(join(tmp.dir, "plan.state.json"));
    assert.ok(state);
    const byVersion = (image: string): string => {
      const item = Object.values(state.items).find((i) => i.sourceId.endsWith(`/${image}`));
      return item?.status ?? "missing";
    };
    assert.equal(byVersion("img-ok1"), "done");
    assert.equal(byVersion("img-ok3"), "done");
    assert.equal(byVersion("img-v1"), "blocked");
    assert.equal(byVersion("img-ok2"), "blocked");
    assert.equal(byVersion("img-missing"), "blocked");
    const errorOf = (image: string) => Object.values(state.items).find((i) => i.sourceId.endsWith(`/${image}`))?.lastError;
    assert.match(errorOf("img-v1")?.message ?? "", /different Hypervisor generation \['V1'\] than the parent gallery image Hypervisor generation \['V2'\]/);
    assert.match(errorOf("img-v1")?.remedy ?? "", /definition/);
    assert.match(errorOf("img-ok2")?.message ?? "", /another source/);
    assert.match(errorOf("img-ok2")?.remedy ?? "", /another version name/);
    assert.match(errorOf("img-missing")?.message ?? "", /Source .*img-missing is not found/);
    assert.match(errorOf("img-missing")?.remedy ?? "", /source/);
    assert.match(result.stderr, /blocked: .*Hypervisor generation/);
    // The pre-existing version of another source was never overwritten.
    assert.equal(emulator.stats().creates[`${"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/migrated/images/def-v2/versions/9.0.0"}`] ?? 0, 0);
    const report = JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(join(tmp.dir, "report.json"), "utf8"))) as { counts: { done: number; blocked: number } };
    assert.equal(report.counts.done, 2);
    assert.equal(report.counts.blocked, 3);
  });

  it("converges once the plan is fixed and re-run", async () => {
    const fixed = planYaml([
      good1,
      { ...wrongGeneration, definition: "def-v1", offer: "o-v1", sku: "s-v1" },
      { ...takenName, version: "9.0.1" },
      good2,
    ]);
    write(tmp.dir, "plan.yaml", fixed);
    const result = await runInProcess(["run", planPath, ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(result.code, 0, result.stderr);
    const stats = emulator.stats();
    assert.ok(Object.values(stats.creates).every((n) => n === 1), JSON.stringify(stats.creates));
    assert.deepEqual(stats.ruleViolations, []);
  });

  it("fails an item whose deadline passes as transient, and the next run re-attaches and finishes it", async () => {
    const plan = write(tmp.dir, "slow.yaml", planYaml([{ image: "img-ok2", definition: "def-slow", version: "1.0.0" }]));
    const timedOut = await runInProcess(["run", plan, "--item-timeout", "0.5", ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(timedOut.code, 1, timedOut.stderr);
    const state = await readState(join(tmp.dir, "slow.state.json"));
    const item = Object.values(state?.items ?? {})[0];
    assert.equal(item?.status, "failed");
    assert.equal(item?.lastError?.code, "Timeout");
    assert.equal(item?.lastError?.transient, true);
    const resumed = await runInProcess(["run", plan, ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    const id = Object.keys(emulator.stats().creates).find((k) => k.endsWith("/def-slow/versions/1.0.0"));
    assert.ok(id);
    assert.equal(emulator.stats().creates[id], 1);
  });

  it("starts nothing after the first failure with --fail-fast", async () => {
    const plan = write(
      tmp.dir,
      "ff.yaml",
      planYaml([
        { image: "img-missing", definition: "def-ff", version: "1.0.0" },
        { image: "img-ok1", definition: "def-ff", version: "1.0.1" },
      ]),
    );
    const result = await runInProcess(["run", plan, "--fail-fast", ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /--fail-fast stopped the run; 1 item\(s\) not started/);
    assert.ok(!Object.keys(emulator.stats().creates).some((id) => id.includes("/def-ff/")));
  });
});
