import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadPlan } from "../../src/plan/load.js";
import type { Migration } from "../../src/plan/types.js";
import { StateStore } from "../../src/state/store.js";
import type { ItemState } from "../../src/state/types.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CLI = join(ROOT, "dist", "src", "cli.js");
const ENDPOINT = "https://127.0.0.1:8443";

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function record(m: Migration, status: ItemState["status"], extra: Partial<ItemState> = {}): ItemState {
  return {
    key: m.key,
    fingerprint: m.fingerprint,
    status,
    attempts: 1,
    updatedAt: "2026-03-01T10:00:00.000Z",
    sourceId: m.source.id,
    definitionId: m.definition.id,
    versionId: m.version.id,
    galleryId: m.gallery.id,
    ...extra,
  };
}

let dir: string;
let migrations: Migration[];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "acg-status-"));
  await copyFile(join(ROOT, "examples", "migrations.yaml"), join(dir, "migrations.yaml"));
  migrations = (await loadPlan("migrations.yaml", { cwd: dir })).migrations;
  assert.ok(migrations.length >= 3, "the example plan has at least three migrations");
  // A state as a run interrupted mid-way leaves it: one done, one failed, the rest not started;
  // the failure is only in the journal (no checkpoint), as after a kill -9.
  const store = await StateStore.open(join(dir, "migrations.state.json"), { armEndpoint: ENDPOINT, plan: "migrations.yaml" });
  await store.put(
    record(migrations[0]!, "done", {
      action: "create",
      startedAt: "2026-03-01T10:00:00.000Z",
      finishedAt: "2026-03-01T10:07:30.000Z",
      regions: migrations[0]!.version.targetRegions.map((r) => ({ region: r.name, state: "Completed" as const, progress: 100 })),
    }),
  );
  await store.checkpoint();
  await store.put(
    record(migrations[1]!, "failed", {
      action: "create-version",
      lastError: { code: "Conflict", message: "The Hyper-V generation <V1> & the image's | differ", transient: false, remedy: "Use a definition with hyperVGeneration V2" },
    }),
  );
  store.abandon();
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Each test spawns the CLI on its own files; running them side by side keeps the file fast.
describe("acg-migrate status", { concurrency: true }, () => {
  it("shows counts and a table on stderr, pending plan items included, and exits 1 when an item failed", async () => {
    const result = await cli(["status", "migrations.yaml"], dir);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, "");
    const pending = migrations.length - 2;
    assert.match(result.stderr, /^state migrations\.state\.json \(last written \d{4}-\d\d-\d\dT[^)]*\)\nplan migrations\.yaml, ARM endpoint https:\/\/127\.0\.0\.1:8443\n/);
    assert.ok(result.stderr.includes(`${migrations.length} items: 1 done, 1 failed, 0 blocked, 0 in flight, ${pending} pending`), result.stderr);
    assert.ok(result.stderr.includes(`${migrations[0]!.definition.name}/${migrations[0]!.version.name}`));
    assert.ok(result.stderr.includes("Conflict: Use a definition"));
    assert.ok(result.stderr.includes("acg-migrate report migrations.yaml --format markdown"));
    for (const line of result.stderr.split("\n").filter((l) => /^[┌│├└]/.test(l))) assert.ok(line.length <= 120, `too wide: ${line}`);
  });

  it("prints the JSON report on stdout with --json, items in plan order", async () => {
    const result = await cli(["status", "migrations.yaml", "--json"], dir);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { counts: Record<string, number>; items: { key: string; status: string; error?: { code: string } }[]; stateFile: string };
    assert.equal(report.stateFile, "migrations.state.json");
    assert.deepEqual(report.items.map((i) => i.key), migrations.map((m) => m.key));
    assert.deepEqual(report.items.map((i) => i.status), ["done", "failed", ...migrations.slice(2).map(() => "pending")]);
    assert.equal(report.items[1]?.error?.code, "Conflict");
    assert.equal(report.counts["total"], migrations.length);
  });

  it("works from --state alone, and exits 0 when nothing failed", async () => {
    const path = join(dir, "done.state.json");
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "migrations.yaml" });
    await store.put(record(migrations[0]!, "done"));
    await store.put(record(migrations[1]!, "in-flight", { startedAt: "2026-03-01T10:00:00.000Z" }));
    await store.close();
    // As a run killed with -9 leaves it.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(`${path}.lock`, JSON.stringify({ pid: dead, host: hostname(), startedAt: "2026-03-01T10:00:00.000Z" }));
    const result = await cli(["status", "--state", "done.state.json"], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stderr.includes(`the last run (pid ${dead} on host ${hostname()} since 2026-03-01T10:00:00.000Z) stopped without finishing`), result.stderr);
    assert.ok(result.stderr.includes("2 items: 1 done, 0 failed, 0 blocked, 1 in flight, 0 pending"), result.stderr);
  });

  it("reads the state while a run holds its lock", async () => {
    const path = join(dir, "locked.state.json");
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "migrations.yaml" });
    try {
      await store.put(record(migrations[0]!, "submitting"));
      const result = await cli(["status", "--state", "locked.state.json", "--json"], dir);
      assert.equal(result.code, 0, result.stderr);
      assert.equal((JSON.parse(result.stdout) as { counts: { inFlight: number } }).counts.inFlight, 1);
      const human = await cli(["status", "--state", "locked.state.json"], dir);
      assert.match(human.stderr, new RegExp(`\\na run is in progress: pid ${process.pid} on host \\S+ since \\d{4}-`));
    } finally {
      await store.close();
    }
  });

  it("says clearly when there is no state yet, and exits 2", async () => {
    await writeFile(join(dir, "other.yaml"), await readFile(join(dir, "migrations.yaml")));
    const result = await cli(["status", "other.yaml"], dir);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, "acg-migrate: no state file other.state.json: nothing has run for other.yaml yet (start with `acg-migrate run other.yaml`), or name the state with --state FILE\n");
    const bare = await cli(["status"], dir);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /name the plan .* or the state file with --state FILE/);
  });

  it("rejects a damaged state file with a message naming it, not a stack trace", async () => {
    await writeFile(join(dir, "broken.state.json"), '{"schemaVersion": 1, "items": ');
    const result = await cli(["status", "--state", "broken.state.json"], dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^acg-migrate: state .*broken\.state\.json is not valid JSON/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it("documents its exit codes in --help", async () => {
    const result = await cli(["status", "--help"], dir);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /usage: acg-migrate status \[<plan>\] \[--state FILE\] \[--json\]/);
    assert.match(result.stdout, /exit codes: 0 no item failed/);
  });
});

describe("acg-migrate report", { concurrency: true }, () => {
  it("renders the table on stdout by default", async () => {
    const result = await cli(["report", "migrations.yaml"], dir);
    assert.equal(result.code, 1);
    assert.ok(result.stdout.includes("│ Image"), result.stdout);
    assert.ok(result.stdout.includes(" 1 done, 1 failed"));
  });

  it("renders Markdown with the full message and remedy of the failed item", async () => {
    const result = await cli(["report", "migrations.yaml", "--format", "markdown"], dir);
    assert.equal(result.code, 1);
    assert.ok(result.stdout.startsWith("# acg-migrate report\n"));
    assert.ok(result.stdout.includes("## Failed and blocked"));
    assert.ok(result.stdout.includes("- Error: Conflict: The Hyper-V generation &lt;V1&gt; &amp; the image's \\| differ"));
    assert.ok(result.stdout.includes("- Remedy: Use a definition with hyperVGeneration V2"));
  });

  it("writes JUnit to -o FILE and says so on stderr", async () => {
    const result = await cli(["report", "migrations.yaml", "--format", "junit", "-o", "out/../junit.xml"], dir);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /wrote the junit report to out\/\.\.\/junit\.xml/);
    const xml = await readFile(join(dir, "junit.xml"), "utf8");
    assert.ok(xml.includes(`tests="${migrations.length}" failures="1" errors="0" skipped="${migrations.length - 2}"`), xml);
    assert.ok(xml.includes("The Hyper-V generation &lt;V1&gt; &amp; the image&apos;s | differ"));
  });

  it("writes JSON that round-trips", async () => {
    const result = await cli(["report", "--state", "migrations.state.json", "--format", "json"], dir);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as { plan: string; items: unknown[] };
    assert.equal(report.plan, "migrations.yaml");
    assert.equal(report.items.length, 2, "without the plan, only the state's items");
  });

  it("rejects an unknown format with exit 2", async () => {
    const result = await cli(["report", "migrations.yaml", "--format", "html"], dir);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, "acg-migrate: report: --format must be table, json, markdown or junit, not 'html'\n");
  });
});
