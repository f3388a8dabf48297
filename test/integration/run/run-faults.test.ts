import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { resolveFaults } from "../../../src/emulator/faults.js";
import { readState } from "../../../src/state/store.js";
import { bulk, emulatorFlags, planYaml, runInProcess, seedYaml, startTestEmulator, tempDir, write } from "./helpers.js";
import type { RunningEmulator } from "./helpers.js";

describe("run: transient faults (5xx, dropped connections)", () => {
  const tmp = tempDir("faults");
  let emulator: RunningEmulator;
  let planPath: string;

  before(async () => {
    const { images, items } = bulk(30, 5);
    const seed = write(tmp.dir, "seed.yaml", seedYaml(images));
    planPath = write(tmp.dir, "plan.yaml", planYaml(items));
    const faults = resolveFaults({
      seed: 7,
      errors: { rate: 0.1, statuses: [500, 503], methods: ["GET", "PUT"] },
      resets: { rate: 0.05 },
    });
    emulator = await startTestEmulator({ seed, timeScale: 1200, dataDir: join(tmp.dir, "emu"), faults });
  });
  after(async () => {
    await emulator?.close();
    tmp.cleanup();
  });

  it("retries them and converges without creating anything twice", async () => {
    const result = await runInProcess(["run", planPath, "--concurrency", "8", ...emulatorFlags(emulator)], tmp.dir);
    const stats = emulator.stats();
    assert.ok(stats.faultsInjected > 0);
    // A fault may outlast one run's retries only as a transient failure, which the next run retries.
    let final = result;
    for (let i = 0; i < 3 && final.code !== 0; i++) final = await runInProcess(["run", planPath, ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(final.code, 0, final.stderr);
    const after = emulator.stats();
    const versions = Object.entries(after.creates).filter(([id]) => id.includes("/versions/"));
    assert.equal(versions.length, 30);
    assert.ok(Object.values(after.creates).every((n) => n === 1), JSON.stringify(after.creates));
    assert.deepEqual(after.ruleViolations, []);
    const state = await readState(join(tmp.dir, "plan.state.json"));
    assert.ok(state && Object.values(state.items).every((i) => i.status === "done"));
  });
});
