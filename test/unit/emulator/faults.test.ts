import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { InputError, formatProblem } from "../../../src/errors.js";
import { FaultInjector, defaultFaults, loadFaultsFile, resolveFaults } from "../../../src/emulator/faults.js";
import type { ReplicationModel } from "../../../src/emulator/faults-types.js";

async function faultsFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "acg-faults-"));
  const path = join(dir, "faults.yaml");
  await writeFile(path, text);
  return path;
}

function minutes(model: ReplicationModel, gb: number, regions: number, replicas: number): number {
  return model.baseMinutes + model.minutesPerGB * gb + model.minutesPerRegion * (regions - 1) + model.minutesPerReplica * (replicas - 1);
}

describe("defaultFaults", () => {
  it("has live throttling and injects nothing", () => {
    const faults = defaultFaults();
    assert.equal(faults.throttling.enabled, true);
    assert.deepEqual(faults.throttling.policies["CreateUpdateGalleryImageVersion"], { "3Min": 375, "30Min": 1200 });
    assert.deepEqual(faults.throttling.arm.reads, { bucket: 250, refillPerSecond: 25 });
    const injector = new FaultInjector(faults);
    for (let i = 0; i < 1000; i += 1) assert.deepEqual(injector.decide("PUT", "Microsoft.Compute/galleries"), { latencyMs: 0 });
    for (let i = 0; i < 100; i += 1) assert.equal(injector.regionFails(), false);
  });

  it("replicates the recorded image in about 8 minutes, small ones in 5-20 and large ones in hours", () => {
    const model = defaultFaults().replication;
    assert.ok(Math.abs(minutes(model, 40, 1, 1) - 8) < 0.5);
    for (const [gb, regions, replicas] of [[1, 1, 1], [128, 3, 3], [128, 1, 1], [30, 3, 1]] as const) {
      const m = minutes(model, gb, regions, replicas);
      assert.ok(m >= 5 && m <= 20, `${gb} GB / ${regions} regions / ${replicas} replicas took ${m} min`);
    }
    assert.ok(minutes(model, 2048, 10, 1) >= 120);
  });
});

describe("loadFaultsFile", () => {
  it("reads DESIGN.md's example and keeps unnamed budgets live", async () => {
    const path = await faultsFile(
      [
        "seed: 7",
        "throttling:",
        "  policies: { CreateUpdateGalleryImageVersion: { \"3Min\": 3 } }",
        "  arm: { writes: { bucket: 5 } }",
        "errors: { rate: 0.05, statuses: [500, 503], methods: [GET, put, DELETE] }",
        "resets: { rate: 0.02 }",
        "latencyMs: { min: 0, max: 50 }",
        "replication: { baseMinutes: 5, minutesPerGB: 0.05, minutesPerRegion: 2, regionFailureRate: 0.01 }",
        "",
      ].join("\n").replace("put", "PUT"),
    );
    const faults = await loadFaultsFile(path);
    assert.equal(faults.seed, 7);
    assert.deepEqual(faults.throttling.policies["CreateUpdateGalleryImageVersion"], { "3Min": 3, "30Min": 1200 });
    assert.deepEqual(faults.throttling.policies["GetOperationStatus"], { "3Min": 5000, "30Min": 15000 });
    assert.deepEqual(faults.throttling.arm.writes, { bucket: 5, refillPerSecond: 10 });
    assert.deepEqual(faults.errors, { rate: 0.05, statuses: [500, 503], methods: ["GET", "PUT", "DELETE"] });
    assert.equal(faults.replication.minutesPerGB, 0.05);
    assert.equal(faults.replication.minutesPerReplica, 0.2);
  });

  it("turns throttling off with none and treats an empty file as the defaults", async () => {
    assert.equal((await loadFaultsFile(await faultsFile("throttling: none\n"))).throttling.enabled, false);
    assert.deepEqual(await loadFaultsFile(await faultsFile("")), defaultFaults());
  });

  it("reports every mistake with FILE:LINE:COL and the JSON path", async () => {
    const path = await faultsFile(
      ["seed: 1", "throttling: livee", "errors: { rate: 1.5, statuses: [500, 700] }", "resets: { rate: 0.1, often: true }", "latencyMs: { min: 10, max: 5 }", ""].join("\n"),
    );
    const error = await loadFaultsFile(path).then(
      () => assert.fail("expected an InputError"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof InputError);
    assert.deepEqual(
      error.problems.map(formatProblem),
      [
        `${path}:2:13: throttling: must be "live", "none" or an object with "policies" and/or "arm"`,
        `${path}:3:17: errors.rate: must be <= 1`,
        `${path}:3:38: errors.statuses[1]: must be <= 599`,
        `${path}:4:22: resets.often: unknown field "often"`,
        `${path}:5:28: latencyMs.max: must be at least min (10)`,
      ],
    );
  });

  it("reads access denials and locks in the documented format (both default empty)", async () => {
    const path = await faultsFile(
      [
        "access:",
        "  deny:                       # the caller lacks a role here",
        "    - scope: /subscriptions/S/resourceGroups/rg-gallery",
        "      actions: [write]",
        "locks:",
        "  - scope: /subscriptions/S/resourceGroups/rg-legacy-images",
        "    level: CanNotDelete",
        "",
      ].join("\n"),
    );
    const faults = await loadFaultsFile(path);
    assert.deepEqual(faults.access, { deny: [{ scope: "/subscriptions/S/resourceGroups/rg-gallery", actions: ["write"] }] });
    assert.deepEqual(faults.locks, [{ scope: "/subscriptions/S/resourceGroups/rg-legacy-images", level: "CanNotDelete" }]);
    assert.deepEqual(defaultFaults().access, { deny: [] });
    assert.deepEqual(defaultFaults().locks, []);
  });

  it("reports mistakes in access and locks at their positions", async () => {
    const path = await faultsFile(
      [
        "access:",
        "  deny:",
        "    - scope: rg-gallery",
        "      actions: [write, modify]",
        "    - scope: /subscriptions/S",
        "      actions: []",
        "      role: Owner",
        "locks:",
        "  - scope: /subscriptions/S/resourceGroups/rg",
        "    level: DoNotDelete",
        "  - level: ReadOnly",
        "",
      ].join("\n"),
    );
    const error = await loadFaultsFile(path).catch((e: unknown) => e);
    assert.ok(error instanceof InputError);
    assert.deepEqual(error.problems.map(formatProblem), [
      `${path}:3:14: access.deny[0].scope: "rg-gallery" is not a resource id: a scope starts with /subscriptions/<id> (for example /subscriptions/<id>/resourceGroups/<name>)`,
      `${path}:4:24: access.deny[0].actions[1]: must be one of "read", "write", "delete"`,
      `${path}:6:16: access.deny[1].actions: must NOT have fewer than 1 items`,
      `${path}:7:7: access.deny[1].role: unknown field "role"`,
      `${path}:10:12: locks[0].level: must be one of "CanNotDelete", "ReadOnly"`,
      `${path}:11:5: locks[1]: must have required property 'scope'`,
    ]);
  });

  it("refuses a policy the emulator does not route, suggesting the near one", async () => {
    const path = await faultsFile('throttling:\n  policies:\n    CreateUpdateGalleryImageVersions: { "3Min": 3 }\n');
    const error = await loadFaultsFile(path).catch((e: unknown) => e);
    assert.ok(error instanceof InputError);
    assert.equal(error.problems.length, 1);
    const [problem] = error.problems;
    assert.equal(`${problem?.line}:${problem?.column} ${problem?.path}`, "3:5 throttling.policies.CreateUpdateGalleryImageVersions");
    assert.match(problem?.message ?? "", /unknown policy "CreateUpdateGalleryImageVersions" \(did you mean "CreateUpdateGalleryImageVersion"\?\)/);
  });

  it("reports a YAML syntax error at its position with path $", async () => {
    const path = await faultsFile("seed: 1\nerrors: [\n");
    const error = await loadFaultsFile(path).catch((e: unknown) => e);
    assert.ok(error instanceof InputError);
    assert.equal(error.problems[0]?.path, "$");
    assert.ok((error.problems[0]?.line ?? 0) >= 2);
  });

  it("says a missing file cannot be read", async () => {
    const error = await loadFaultsFile("/nonexistent/faults.yaml").catch((e: unknown) => e);
    assert.ok(error instanceof InputError);
    assert.match(error.message, /cannot read faults file \/nonexistent\/faults\.yaml/);
  });
});

describe("FaultInjector", () => {
  const noisy = resolveFaults({ seed: 99, errors: { rate: 0.2, statuses: [500, 503], methods: ["PUT"] }, resets: { rate: 0.1 }, latencyMs: { min: 5, max: 25 }, replication: { regionFailureRate: 0.3 } });

  it("makes the same decisions for the same seed and different ones for another", () => {
    const run = (seed: number): string => {
      const injector = new FaultInjector({ ...noisy, seed });
      const out: unknown[] = [];
      for (let i = 0; i < 200; i += 1) out.push(injector.decide(i % 2 === 0 ? "PUT" : "GET", "Microsoft.Compute/galleries/images/versions"));
      for (let i = 0; i < 50; i += 1) out.push(injector.regionFails(), injector.random());
      return JSON.stringify(out);
    };
    assert.equal(run(99), run(99));
    assert.notEqual(run(99), run(100));
  });

  it("injects at about the configured rates, only on the configured methods, within the latency range", () => {
    const injector = new FaultInjector(noisy);
    const counts = { reset: 0, status: 0, getStatus: 0 };
    const statuses = new Set<number>();
    const n = 20_000;
    for (let i = 0; i < n; i += 1) {
      const method = i % 2 === 0 ? "PUT" : "GET";
      const decision = injector.decide(method, "x");
      assert.ok(decision.latencyMs >= 5 && decision.latencyMs <= 25);
      if (decision.fault?.kind === "reset") counts.reset += 1;
      if (decision.fault?.kind === "status") {
        statuses.add(decision.fault.status);
        if (method === "GET") counts.getStatus += 1;
        else counts.status += 1;
      }
    }
    assert.equal(counts.getStatus, 0);
    assert.ok(Math.abs(counts.reset / n - 0.1) < 0.015, `reset rate ${counts.reset / n}`);
    // 20% of the PUTs that were not reset.
    assert.ok(Math.abs(counts.status / (n / 2) - 0.18) < 0.02, `status rate ${counts.status / (n / 2)}`);
    assert.deepEqual([...statuses].sort(), [500, 503]);
    let failures = 0;
    for (let i = 0; i < 5000; i += 1) if (injector.regionFails()) failures += 1;
    assert.ok(Math.abs(failures / 5000 - 0.3) < 0.03);
  });

  it("keeps region failures independent of how many requests came in between", () => {
    const a = new FaultInjector(noisy);
    const b = new FaultInjector(noisy);
    for (let i = 0; i < 37; i += 1) b.decide("GET", "x");
    const draws = (injector: FaultInjector): boolean[] => Array.from({ length: 40 }, () => injector.regionFails());
    assert.deepEqual(draws(a), draws(b));
  });
});
