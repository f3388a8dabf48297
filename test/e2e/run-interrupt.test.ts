import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { readState } from "../../src/state/store.js";
import { bulk, emulatorFlags, planYaml, seedYaml, spawnCli, startTestEmulator, tempDir, write } from "../integration/run/helpers.js";
import type { RunningEmulator, SeedImageSpec } from "../integration/run/helpers.js";

describe("run interrupted with Ctrl-C", () => {
  const tmp = tempDir("interrupt");
  let emulator: RunningEmulator;

  before(async () => {
    const images: SeedImageSpec[] = [];
    for (const s of [0, 1]) images.push(...bulk(6, 3).images.map((i) => ({ ...i, name: `s${s}-${i.name}` })));
    const seed = write(tmp.dir, "seed.yaml", seedYaml(images));
    emulator = await startTestEmulator({ seed, timeScale: 300, dataDir: join(tmp.dir, "emu") });
  });
  after(async () => {
    await emulator?.close();
    tmp.cleanup();
  });

  for (const [s, presses] of [[0, 1], [1, 2]] as const) {
    it(`exits 130 after ${presses} Ctrl-C with a consistent state, and a re-run finishes`, async () => {
      const dir = join(tmp.dir, `s${s}`);
      mkdirSync(dir);
      const items = bulk(6, 3).items.map((i) => ({ ...i, image: `s${s}-${i.image}` }));
      const plan = write(dir, "plan.yaml", planYaml(items, { gallery: `int${s}` }));
      const args = ["run", plan, "--concurrency", "3", ...emulatorFlags(emulator)];
      let sent = false;
      const interrupted = await spawnCli(args, dir, {
        onStderr: (text, child) => {
          if (sent || !/replicating/.test(text)) return;
          sent = true;
          child.kill("SIGINT");
          if (presses === 2) setTimeout(() => child.kill("SIGINT"), 5);
        },
      });
      assert.equal(interrupted.code, 130, interrupted.stderr);
      assert.match(interrupted.stderr, /interrupted/);
      const state = await readState(join(dir, "plan.state.json"));
      assert.ok(state);
      for (const item of Object.values(state.items)) {
        // Unfinished items stay in a status whose next run reads (or re-attaches) before writing.
        assert.ok(["running", "submitting", "in-flight", "verifying", "done"].includes(item.status), item.status);
      }
      const rerun = await spawnCli(args, dir);
      assert.equal(rerun.code, 0, rerun.stderr);
      const stats = emulator.stats();
      const ours = Object.entries(stats.creates).filter(([id]) => id.includes(`/galleries/int${s}/`));
      assert.equal(ours.filter(([id]) => id.includes("/versions/")).length, 6);
      assert.ok(ours.every(([, n]) => n === 1));
    });
  }
});
