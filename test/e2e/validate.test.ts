import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const cli = `${repo}dist/src/cli.js`;
const invalidDir = `${repo}test/fixtures/plans/invalid`;

/** Runs the CLI as a user would, in `cwd`. */
function run(args: string[], cwd = repo): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertNoStackTrace(output: string): void {
  assert.doesNotMatch(output, /^\s+at .*:\d+:\d+\)?$/m);
  assert.doesNotMatch(output, /internal error/);
}

describe("acg-migrate validate", () => {
  it("accepts the example plan with exit 0 and a summary", () => {
    const { status, stdout, stderr } = run(["validate", "examples/migrations.yaml"]);
    assert.equal(status, 0);
    assert.equal(stdout, "");
    assert.equal(stderr, "examples/migrations.yaml: valid, 3 migrations\n");
  });

  it("prints every problem with file, line, column and path, then exits 2", () => {
    const { status, stdout, stderr } = run(["validate", "unknown-key.yaml"], invalidDir);
    assert.equal(status, 2);
    assert.equal(stdout, "");
    assert.equal(stderr, readFileSync(`${invalidDir}/unknown-key.expected`, "utf8"));
    assertNoStackTrace(stderr);
  });

  it("reports YAML syntax errors with their position", () => {
    const { status, stderr } = run(["validate", "yaml-syntax.yaml"], invalidDir);
    assert.equal(status, 2);
    assert.match(stderr, /^yaml-syntax\.yaml:5:5: \$: YAML syntax error: /);
    assertNoStackTrace(stderr);
  });

  it("gives {valid, errors, warnings} on stdout with --json, still exiting 2", () => {
    const { status, stdout, stderr } = run(["validate", "--json", "duplicate-target-version.yaml"], invalidDir);
    assert.equal(status, 2);
    assert.equal(stderr, "");
    const doc = JSON.parse(stdout) as { valid: boolean; errors: unknown[]; warnings: unknown[] };
    assert.equal(doc.valid, false);
    assert.deepEqual(doc.warnings, []);
    assert.deepEqual(doc.errors, [
      {
        line: 9,
        column: 22,
        path: "migrations[0].version.name",
        message: "version 1.0.0 of definition `web` is also the target of migrations[2] (line 15)",
      },
      {
        line: 15,
        column: 22,
        path: "migrations[2].version.name",
        message: "version 1.0.0 of definition `WEB` is already the target of migrations[0] (line 9)",
      },
    ]);
  });

  it("gives valid JSON for a valid plan", () => {
    const { status, stdout } = run(["validate", "examples/migrations.yaml", "--json"]);
    assert.equal(status, 0);
    assert.deepEqual(JSON.parse(stdout), { valid: true, migrations: 3, errors: [], warnings: [] });
  });

  for (const [name, message] of [
    ["missing.yaml", "missing.yaml: no such file"],
    ["directory.yaml", "directory.yaml: is a directory, not a plan file"],
    ["empty.yaml", "empty.yaml: is empty; a plan needs `version: 1` and `migrations`"],
    ["binary.yaml", "binary.yaml: is a binary file, not a YAML plan"],
  ] as const) {
    it(`refuses ${name} in one line, also as JSON`, () => {
      const human = run(["validate", name], invalidDir);
      assert.equal(human.status, 2);
      assert.equal(human.stderr, `acg-migrate: ${message}\n`);
      const json = run(["validate", name, "--json"], invalidDir);
      assert.equal(json.status, 2);
      assert.deepEqual(JSON.parse(json.stdout), { valid: false, errors: [{ line: 1, column: 1, path: "$", message }], warnings: [] });
    });
  }

  it("treats a missing argument or an unknown flag as a usage error (exit 2)", () => {
    const none = run(["validate"]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^acg-migrate: validate: missing the plan file/);
    const flag = run(["validate", "examples/migrations.yaml", "--jsn"]);
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /--jsn/);
    assertNoStackTrace(flag.stderr);
  });

  it("explains itself with --help", () => {
    const { status, stdout } = run(["validate", "--help"]);
    assert.equal(status, 0);
    assert.match(stdout, /^usage: acg-migrate validate <plan> \[--json\]/);
  });
});
