import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { resolveFaults } from "../../src/emulator/faults.js";
import { emulatorFlags, planYaml, seedYaml, spawnCli, startTestEmulator, tempDir, write } from "../integration/run/helpers.js";
import type { RunningEmulator } from "../integration/run/helpers.js";

describe("run against a source image that is busy", () => {
  const tmp = tempDir("busy");
  let emulator: RunningEmulator;

  before(async () => {
    const seed = write(tmp.dir, "seed.yaml", seedYaml([{ name: "busy-source", hyperVGeneration: "V2" }]));
    // Replication takes 16 simulated minutes = 4.8 s here: long enough for a second run to meet it.
    const faults = resolveFaults({ replication: { baseMinutes: 16, minutesPerGB: 0, minutesPerRegion: 0, regionFailureRate: 0 } });
    emulator = await startTestEmulator({ seed, timeScale: 200, dataDir: join(tmp.dir, "emu"), faults });
  });
  after(async () => {
    await emulator?.close();
    tmp.cleanup();
  });

  it("waits for a source still replicating another version (409 'Too many requests on source') and then creates its own", async () => {
    const dir = tmp.dir;
    // A run killed right after its PUT leaves a version of busy-source replicating in Azure...
    const first = write(dir, "first.yaml", planYaml([{ image: "busy-source", definition: "busy", version: "1.0.0" }], { gallery: "gbusy" }));
    const killed = await spawnCli(["run", first, ...emulatorFlags(emulator)], dir, { env: { ACG_MIGRATE_CRASH_AT: "version-saved:1" } });
    assert.equal(killed.signal, "SIGKILL");
    // ...so another plan's version of the same source is refused until that one finishes.
    const second = write(dir, "second.yaml", planYaml([{ image: "busy-source", definition: "busy", version: "2.0.0" }], { gallery: "gbusy" }));
    const result = await spawnCli(["run", second, ...emulatorFlags(emulator)], dir);
    assert.equal(result.code, 0, result.stderr);
    const creates = emulator.stats().creates;
    const ours = Object.entries(creates).filter(([id]) => id.includes("/galleries/gbusy/images/busy/versions/"));
    assert.deepEqual(ours.map(([, n]) => n), [1, 1]);
    const resumed = await spawnCli(["run", first, ...emulatorFlags(emulator)], dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(result.stderr, /source busy with another version; waiting/);
  });
});
