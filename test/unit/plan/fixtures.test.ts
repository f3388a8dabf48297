import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { InputError } from "../../../src/errors.js";
import { validationLines } from "../../../src/plan/format.js";
import { validatePlanFile } from "../../../src/plan/load.js";

// Compiled tests live in dist/test/…; the fixtures stay in the source tree.
const root = fileURLToPath(new URL("../../../../test/fixtures/plans/", import.meta.url));
const invalidDir = `${root}invalid`;
const validDir = `${root}valid`;
const now = new Date("2026-01-01T00:00:00Z");

/** What `acg-migrate validate FILE` prints on stderr for a fixture, with "now" fixed. */
async function report(dir: string, file: string): Promise<string[]> {
  try {
    return validationLines(file, await validatePlanFile(file, { cwd: dir, now }));
  } catch (error: unknown) {
    if (error instanceof InputError) return [`acg-migrate: ${error.message}`];
    throw error;
  }
}

const invalid = readdirSync(invalidDir).filter((f) => f.endsWith(".yaml")).sort();

describe("invalid plan fixtures", () => {
  it("are at least 25", () => {
    assert.ok(invalid.length >= 25, `only ${invalid.length} fixtures`);
  });
  for (const file of invalid) {
    it(`${file} reports exactly its expected problems`, async () => {
      const expected = readFileSync(`${invalidDir}/${file.replace(/\.yaml$/, ".expected")}`, "utf8").trimEnd().split("\n");
      const actual = await report(invalidDir, file);
      assert.deepEqual(actual, expected);
      // Every invalid fixture must be refused, never summarised as valid.
      assert.doesNotMatch(actual.at(-1)!, /: valid, /);
    });
  }
});

describe("valid plan fixtures", () => {
  for (const file of readdirSync(validDir).filter((f) => f.endsWith(".yaml")).sort()) {
    it(`${file} has no problem`, async () => {
      const result = await validatePlanFile(file, { cwd: validDir, now });
      assert.deepEqual(result.problems, []);
      assert.ok(result.plan && result.plan.migrations.length > 0);
    });
  }

  it("warns, without failing, when two migrations share a source image", async () => {
    const lines = await report(validDir, "same-source-warning.yaml");
    assert.deepEqual(lines, [
      "same-source-warning.yaml:9:13: migrations[1].source: warning: the same source image as migrations[0] (line 6); these migrations will run one after another",
      "same-source-warning.yaml: valid, 2 migrations (1 warning)",
    ]);
  });

  it("reports a missing file in one line", async () => {
    assert.deepEqual(await report(validDir, "no-such-plan.yaml"), ["acg-migrate: no-such-plan.yaml: no such file"]);
  });
});
