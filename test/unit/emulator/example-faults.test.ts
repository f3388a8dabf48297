import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { loadFaultsFile } from "../../../src/emulator/faults.js";

const example = fileURLToPath(new URL("../../../../examples/emulator-faults.yaml", import.meta.url));

describe("examples/emulator-faults.yaml", () => {
  it("loads as the README shows it: lowered version budget, a read denial and a delete lock", async () => {
    const faults = await loadFaultsFile(example);
    assert.equal(faults.seed, 42);
    assert.deepEqual(faults.throttling.policies["CreateUpdateGalleryImageVersion"], { "3Min": 60, "30Min": 300 });
    assert.equal(faults.errors.rate, 0.05);
    assert.deepEqual(faults.access.deny[0]?.actions, ["read"]);
    assert.equal(faults.locks[0]?.level, "CanNotDelete");
  });
});
