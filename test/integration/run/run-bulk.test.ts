import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { readState } from "../../../src/state/store.js";
import { bulk, delta, emulatorFlags, planYaml, runInProcess, seedYaml, startTestEmulator, tempDir, write, writes } from "./helpers.js";
import type { RunningEmulator } from "./helpers.js";

describe("run: a 50-image plan against the emulator", () => {
  const tmp = tempDir("bulk");
  let emulator: RunningEmulator;
  const { images, items } = bulk(50, 5);
  let planPath: string;

  before(async () => {
    const seed = write(tmp.dir, "seed.yaml", seedYaml(images));
    planPath = write(tmp.dir, "plan.yaml", planYaml(items));
    emulator = await startTestEmulator({ seed, timeScale: 600, dataDir: join(tmp.dir, "emu") });
  });
  after(async () => {
    await emulator?.close();
    tmp.cleanup();
  });

  it("migrates every item at concurrency 8, creating each definition and version exactly once", async () => {
    const result = await runInProcess(["run", planPath, "--concurrency", "8", ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(result.code, 0, result.stderr);
    const stats = emulator.stats();
    const versionCreates = Object.entries(stats.creates).filter(([id]) => /\/versions\//.test(id));
    const definitionCreates = Object.entries(stats.creates).filter(([id]) => /\/images\/[^/]+$/.test(id) && /galleries/.test(id));
    assert.equal(versionCreates.length, 50);
    assert.ok(versionCreates.every(([, n]) => n === 1), JSON.stringify(versionCreates.filter(([, n]) => n !== 1)));
    assert.equal(definitionCreates.length, 10);
    assert.ok(definitionCreates.every(([, n]) => n === 1));
    assert.deepEqual(stats.ruleViolations, []);
    const state = await readState(join(tmp.dir, "plan.state.json"));
    assert.ok(state);
    const statuses = Object.values(state.items).map((i) => i.status);
    assert.equal(statuses.length, 50);
    assert.ok(statuses.every((s) => s === "done"));
    assert.ok(Object.values(state.items).every((i) => i.regions?.length === 2 && i.regions.every((r) => r.state === "Completed")));
    assert.match(result.stderr, /\[ ?\d+\/50\] img-\d+ → def-\d+\/1\.0\.\d: /);
  });

  it("makes no write at all when run again, and reports everything done", async () => {
    const beforeWrites = writes(emulator.stats());
    const result = await runInProcess(["run", planPath, "--json", ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(delta(beforeWrites, writes(emulator.stats())), {});
    const report = JSON.parse(result.stdout) as { counts: { done: number; total: number } };
    assert.equal(report.counts.done, 50);
    assert.equal(report.counts.total, 50);
  });
});
