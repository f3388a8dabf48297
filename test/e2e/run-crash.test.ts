import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readState } from "../../src/state/store.js";
import { bulk, emulatorFlags, planYaml, seedYaml, spawnCli, startTestEmulator, tempDir, write } from "../integration/run/helpers.js";
import type { RunningEmulator, SeedImageSpec } from "../integration/run/helpers.js";

/** Crash moments (ACG_MIGRATE_CRASH_AT, a documented test hook) and, last, a kill from outside mid-run. */
const POINTS = ["definition-submit:1", "definition-created:1", "submitting:2", "version-submitted:1", "version-saved:2", "polling:1", "verifying:2", "external"] as const;
const PER_SCENARIO = 4;

describe("run killed with SIGKILL, then re-run", () => {
  const tmp = tempDir("crash");
  let emulator: RunningEmulator;
  const images: SeedImageSpec[] = [];

  before(async () => {
    POINTS.forEach((_, s) => images.push(...bulk(PER_SCENARIO, 2).images.map((i) => ({ ...i, name: `s${s}-${i.name}` }))));
    const seed = write(tmp.dir, "seed.yaml", seedYaml(images));
    emulator = await startTestEmulator({ seed, timeScale: 1500, dataDir: join(tmp.dir, "emu") });
  });
  after(async () => {
    await emulator?.close();
    tmp.cleanup();
  });

  POINTS.forEach((point, s) => {
    it(`converges after a kill at ${point}: nothing created twice, nothing lost, the state always readable`, async () => {
      const dir = join(tmp.dir, `s${s}`);
      const items = bulk(PER_SCENARIO, 2).items.map((i) => ({ ...i, image: `s${s}-${i.image}` }));
      const { mkdirSync } = await import("node:fs");
      mkdirSync(dir);
      const plan = write(dir, "plan.yaml", planYaml(items, { gallery: `g${s}` }));
      const args = ["run", plan, "--concurrency", "4", ...emulatorFlags(emulator)];
      const killed = await spawnCli(args, dir, {
        ...(point === "external"
          ? { onStderr: (text, child) => (/replicating/.test(text) && !child.killed ? child.kill("SIGKILL") : undefined) }
          : { env: { ACG_MIGRATE_CRASH_AT: point } }),
      });
      assert.equal(killed.signal, "SIGKILL", `expected a kill at ${point}; exit ${killed.code}\n${killed.stderr}`);
      const statePath = join(dir, "plan.state.json");
      if (existsSync(statePath)) await readState(statePath); // parses, journal applied

      const rerun = await spawnCli(args, dir);
      assert.equal(rerun.code, 0, rerun.stderr);
      const state = await readState(statePath);
      assert.ok(state);
      assert.equal(Object.keys(state.items).length, PER_SCENARIO);
      assert.ok(Object.values(state.items).every((i) => i.status === "done"), JSON.stringify(Object.values(state.items).map((i) => i.status)));
      const stats = emulator.stats();
      const ours = Object.entries(stats.creates).filter(([id]) => id.includes(`/galleries/g${s}/`));
      assert.equal(ours.filter(([id]) => id.includes("/versions/")).length, PER_SCENARIO);
      assert.ok(ours.every(([, n]) => n === 1), JSON.stringify(ours));
      assert.deepEqual(stats.ruleViolations, []);
    });
  });
});
