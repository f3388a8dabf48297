import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { copyFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnCli, startTestEmulator, tempDir } from "../integration/run/helpers.js";

const EXAMPLE = fileURLToPath(new URL("../../../examples/migrations.yaml", import.meta.url));
const EXAMPLE_SEED = fileURLToPath(new URL("../../../examples/emulator-seed.yaml", import.meta.url));

describe("run --emulator: the quick start", () => {
  const tmp = tempDir("quickstart");
  after(() => tmp.cleanup());

  it("migrates the example plan, and reports everything done (without a write) the second time", async () => {
    copyFileSync(EXAMPLE, join(tmp.dir, "migrations.yaml"));
    const first = await spawnCli(["run", "migrations.yaml", "--emulator"], tmp.dir);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /3 items: 3 done, 0 failed, 0 blocked/);
    const second = await spawnCli(["run", "migrations.yaml", "--emulator", "--json"], tmp.dir);
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /starting|creating/);
    const report = JSON.parse(second.stdout) as { counts: { done: number } };
    assert.equal(report.counts.done, 3);
  });

  it("refuses to run while another live run holds the state's lock (exit 2)", async () => {
    writeFileSync(join(tmp.dir, "migrations.state.json.lock"), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
    const locked = await spawnCli(["run", "migrations.yaml", "--emulator"], tmp.dir);
    assert.equal(locked.code, 2, locked.stderr);
    assert.match(locked.stderr, /locked by a run in progress/);
  });

  it("while a live run's emulator still listens on its saved port, a second run names the lock, not the port (exit 2)", async () => {
    // The live run: its in-process emulator keeps the data dir's saved port, and it holds the lock.
    const live = await startTestEmulator({ seed: EXAMPLE_SEED, timeScale: 600, dataDir: join(tmp.dir, ".acg-migrate", "emulator") });
    try {
      writeFileSync(join(tmp.dir, "migrations.state.json.lock"), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
      const second = await spawnCli(["run", "migrations.yaml", "--emulator"], tmp.dir);
      assert.equal(second.code, 2, second.stderr);
      assert.match(second.stderr, /state .*migrations\.state\.json is locked by a run in progress: pid \d+/);
      assert.doesNotMatch(second.stderr, /in use|\n\s+at /);
    } finally {
      await live.close();
      rmSync(join(tmp.dir, "migrations.state.json.lock"), { force: true });
    }
  });

  it("exits 2 with a clear message for bad flags", async () => {
    const bad = await spawnCli(["run", "migrations.yaml", "--concurrency", "zero", "--emulator"], tmp.dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--concurrency must be a positive integer/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });
});
