/**
 * Scale and speed harness for `run` (not part of `npm test`):
 *   node dist/bench/run-scale.js [images=500] [concurrency=16] [timeScale=600] [perDefinition=10]
 * Starts an emulator with N synthetic images, runs the plan in-process, prints wall time,
 * requests by type, throttled answers and creates per resource, then re-runs to show a resume
 * makes no write.
 */
import { join } from "node:path";
import { bulk, delta, emulatorFlags, planYaml, runInProcess, seedYaml, startTestEmulator, tempDir, write, writes } from "../test/integration/run/helpers.js";

const [count = 500, concurrency = 16, timeScale = 600, perDefinition = 10] = process.argv.slice(2).map(Number);
const tmp = tempDir("bench");
try {
  const { images, items } = bulk(count, perDefinition);
  const seed = write(tmp.dir, "seed.yaml", seedYaml(images));
  const plan = write(tmp.dir, "plan.yaml", planYaml(items));
  const emulator = await startTestEmulator({ seed, timeScale, dataDir: join(tmp.dir, "emu") });
  try {
    const started = Date.now();
    const first = await runInProcess(["run", plan, "--concurrency", String(concurrency), ...emulatorFlags(emulator)], tmp.dir);
    const seconds = (Date.now() - started) / 1000;
    const stats = emulator.stats();
    const creates = Object.values(stats.creates);
    console.log(`${count} images, concurrency ${concurrency}, time scale ${timeScale}: exit ${first.code} in ${seconds.toFixed(1)} s real (${((seconds * timeScale) / 60).toFixed(0)} simulated min)`);
    console.log(`requests: ${JSON.stringify(stats.requests)}`);
    console.log(`throttled ${stats.throttled}, rule violations ${stats.ruleViolations.length}, resources created ${creates.length}, created more than once ${creates.filter((n) => n > 1).length}`);
    const before = writes(stats);
    const resumeStart = Date.now();
    const second = await runInProcess(["run", plan, ...emulatorFlags(emulator)], tmp.dir);
    console.log(`re-run: exit ${second.code} in ${((Date.now() - resumeStart) / 1000).toFixed(1)} s, writes ${JSON.stringify(delta(before, writes(emulator.stats())))}`);
  } finally {
    await emulator.close();
  }
} finally {
  tmp.cleanup();
}
