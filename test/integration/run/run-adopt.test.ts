import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { readState } from "../../../src/state/store.js";
import { delta, emulatorFlags, imageIdOf, planYaml, runInProcess, seedYaml, startTestEmulator, tempDir, write } from "./helpers.js";
import type { RunningEmulator } from "./helpers.js";

const VERSIONS = "PUT Microsoft.Compute/galleries/images/versions";

describe("run: versions that already exist", () => {
  const tmp = tempDir("adopt");
  let emulator: RunningEmulator;
  const names = ["img-a", "img-b", "img-c", "img-d"];

  before(async () => {
    const seed = write(
      tmp.dir,
      "seed.yaml",
      seedYaml(
        names.map((name) => ({ name, hyperVGeneration: "V2" as const })),
        {
          name: "migrated",
          definitions: [
            {
              name: "def-x",
              hyperVGeneration: "V2",
              publisher: "Contoso",
              offer: "offer-def-x",
              sku: "sku1",
              versions: [
                { name: "1.0.0", source: imageIdOf("img-a") },
                { name: "1.0.1", source: imageIdOf("img-b") },
                // Versions Azure left Failed.
                { name: "1.0.2", source: imageIdOf("img-c"), failed: true },
                { name: "1.0.3", source: imageIdOf("img-d"), failed: true },
              ],
            },
          ],
        },
      ),
    );
    emulator = await startTestEmulator({ seed, timeScale: 1200, dataDir: join(tmp.dir, "emu") });
  });
  after(async () => {
    await emulator?.close();
    tmp.cleanup();
  });

  it("adopts a matching version without a write and updates one whose regions the plan extends", async () => {
    const plan = write(
      tmp.dir,
      "plan.yaml",
      planYaml([
        { image: "img-a", definition: "def-x", version: "1.0.0", regions: ["westeurope"] },
        { image: "img-b", definition: "def-x", version: "1.0.1", regions: ["westeurope", "northeurope"] },
      ]),
    );
    const before = { ...emulator.stats().requests };
    const result = await runInProcess(["run", plan, ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(result.code, 0, result.stderr);
    const writes = delta(before, emulator.stats().requests);
    assert.equal(writes[VERSIONS], 1, JSON.stringify(writes));
    assert.equal(writes["PUT Microsoft.Compute/galleries/images"], undefined);
    const state = await readState(join(tmp.dir, "plan.state.json"));
    const actions = Object.values(state?.items ?? {}).map((i) => [i.versionId.split("/").pop(), i.action, i.status]);
    assert.deepEqual(actions.sort(), [["1.0.0", "adopt", "done"], ["1.0.1", "update", "done"]]);
    const updated = Object.values(state!.items).find((i) => i.versionId.endsWith("1.0.1"));
    assert.deepEqual(updated?.regions?.map((r) => r.region).sort(), ["northeurope", "westeurope"]);
    assert.deepEqual(emulator.stats().ruleViolations, []);
  });

  it("plans a changed item afresh and leaves unchanged ones alone", async () => {
    const plan = write(
      tmp.dir,
      "plan.yaml",
      planYaml([
        { image: "img-a", definition: "def-x", version: "1.0.0", regions: ["westeurope", "swedencentral"] },
        { image: "img-b", definition: "def-x", version: "1.0.1", regions: ["westeurope", "northeurope"] },
      ]),
    );
    const before = { ...emulator.stats().requests };
    const result = await runInProcess(["run", plan, ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(delta(before, emulator.stats().requests)[VERSIONS], 1);
    assert.match(result.stderr, /img-a → def-x\/1\.0\.0: starting \(update\)/);
    assert.doesNotMatch(result.stderr, /img-b → def-x\/1\.0\.1: starting/);
  });

  it("re-replicates a Failed version with an update, or deletes and recreates it with --replace-failed", async () => {
    const plan = write(
      tmp.dir,
      "failed.yaml",
      planYaml([{ image: "img-c", definition: "def-x", version: "1.0.2", regions: ["westeurope"] }]),
    );
    const before = { ...emulator.stats().requests };
    const updated = await runInProcess(["run", plan, ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stderr, /Failed: updating it to re-replicate/);
    const afterUpdate = delta(before, emulator.stats().requests);
    assert.equal(afterUpdate[VERSIONS], 1);
    assert.equal(afterUpdate["DELETE Microsoft.Compute/galleries/images/versions"], undefined);

    const replacePlan = write(tmp.dir, "replace.yaml", planYaml([{ image: "img-d", definition: "def-x", version: "1.0.3", regions: ["westeurope"] }]));
    const replaced = await runInProcess(["run", replacePlan, "--replace-failed", ...emulatorFlags(emulator)], tmp.dir);
    assert.equal(replaced.code, 0, replaced.stderr);
    const afterReplace = delta(before, emulator.stats().requests);
    assert.equal(afterReplace["DELETE Microsoft.Compute/galleries/images/versions"], 1);
    const id = `${imageIdOf("x").replace(/\/providers\/Microsoft\.Compute\/images\/x$/, "")}/providers/Microsoft.Compute/galleries/migrated/images/def-x/versions/1.0.3`;
    assert.equal(emulator.stats().creates[id], 1);
  });

  it("exits 3 when the ARM endpoint cannot be reached, before any item ran", async () => {
    const result = await runInProcess(
      ["run", "plan.yaml", "--arm-endpoint", "https://127.0.0.1:1", "--ca-cert", emulator.caCertPath, "--credential", "emulator", "--time-scale", "1200"],
      tmp.dir,
    );
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /cannot reach https:\/\/127\.0\.0\.1:1/);
  });
});
