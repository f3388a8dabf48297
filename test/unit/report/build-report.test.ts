import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { buildReport } from "../../../src/report/build-report.js";
import { migration, plan, stateDoc, stateItem, versionKey } from "./fixtures.js";

const NOW = new Date("2026-03-01T11:00:00.000Z");

const doc = stateDoc([
  stateItem("web", "web", "1.0.0", "done", {
    action: "create",
    startedAt: "2026-03-01T10:00:00.000Z",
    finishedAt: "2026-03-01T10:12:03.000Z",
    regions: [
      { region: "westeurope", state: "Completed", progress: 100 },
      { region: "northeurope", state: "Completed" },
    ],
    // An old error of an item that later succeeded is history, not news.
    lastError: { code: "InternalServerError", message: "retry", transient: true },
  }),
  stateItem("db", "db", "2.0.0", "in-flight", { startedAt: "2026-03-01T10:30:00.000Z", regions: [{ region: "westeurope", state: "Replicating", progress: 40 }] }),
  stateItem("win", "win", "1.0.0", "failed", {
    action: "create-version",
    attempts: 2,
    lastError: { code: "Conflict", message: "generation mismatch", statusCode: 409, transient: false, remedy: "use a V2 definition" },
  }),
  stateItem("old", "old", "1.0.0", "blocked", { lastError: { code: "conflict", message: "exists with another source", transient: false } }),
]);

describe("buildReport", () => {
  it("reports the state's items in state order with counts, durations and only current errors", () => {
    const report = buildReport(doc, { statePath: "migrations.state.json", now: NOW });
    assert.equal(report.plan, "migrations.yaml");
    assert.equal(report.stateFile, "migrations.state.json");
    assert.equal(report.armEndpoint, "https://127.0.0.1:8443");
    assert.equal(report.generatedAt, "2026-03-01T11:00:00.000Z");
    assert.deepEqual(report.counts, { total: 4, done: 1, failed: 1, blocked: 1, inFlight: 1, pending: 0 });
    assert.deepEqual(
      report.items.map((i) => [i.definition, i.version, i.status, i.durationMs, i.error?.code ?? null]),
      [
        ["web", "1.0.0", "done", 723_000, null],
        ["db", "2.0.0", "in-flight", 30 * 60_000, null],
        ["win", "1.0.0", "failed", null, "Conflict"],
        ["old", "1.0.0", "blocked", null, "conflict"],
      ],
    );
    const web = report.items[0]!;
    assert.equal(web.source, doc.items[versionKey("web", "1.0.0")]?.sourceId);
    assert.equal(web.gallery, "corpGallery");
    assert.deepEqual(web.regions, [
      { region: "westeurope", state: "Completed", progress: 100 },
      { region: "northeurope", state: "Completed", progress: null },
    ]);
    assert.deepEqual(report.items[2]?.error, { code: "Conflict", message: "generation mismatch", remedy: "use a V2 definition", transient: false });
    assert.equal(report.items[3]?.error?.remedy, null);
  });

  it("follows the plan's order, shows unstarted items as pending, and flags changed and dropped entries", () => {
    const changed = migration(1, "db", "db", "2.0.0");
    changed.fingerprint = "fp-edited";
    const p = plan([migration(0, "new", "new", "1.0.0", ["westeurope", "northeurope"]), changed, migration(2, "web", "web", "1.0.0"), migration(3, "win", "win", "1.0.0")]);
    const report = buildReport(doc, { plan: p, now: NOW });
    assert.equal(report.plan, "plans/migrations.yaml");
    assert.equal(report.stateFile, null);
    assert.deepEqual(
      report.items.map((i) => [i.definition, i.status, i.note ?? null]),
      [
        ["new", "pending", null],
        ["db", "in-flight", "its plan entry changed since this state was written; the next run plans it afresh"],
        ["web", "done", null],
        ["win", "failed", null],
        ["old", "blocked", "no longer in the plan; kept in the state, not touched by a run of this plan"],
      ],
    );
    const pending = report.items[0]!;
    assert.deepEqual(
      { action: pending.action, attempts: pending.attempts, startedAt: pending.startedAt, durationMs: pending.durationMs, source: pending.source },
      { action: null, attempts: 0, startedAt: null, durationMs: null, source: p.migrations[0]?.source.id },
    );
    assert.deepEqual(pending.regions, [
      { region: "westeurope", state: "Unknown", progress: null },
      { region: "northeurope", state: "Unknown", progress: null },
    ]);
    assert.deepEqual(report.counts, { total: 5, done: 1, failed: 1, blocked: 1, inFlight: 1, pending: 1 });
  });

  it("produces documents that satisfy schemas/report.schema.json", async () => {
    const schema = JSON.parse(await readFile(new URL("../../../../schemas/report.schema.json", import.meta.url), "utf8")) as object;
    const validate = new Ajv({ allErrors: true }).compile(schema);
    for (const report of [buildReport(doc, { now: NOW }), buildReport(doc, { plan: plan([migration(0, "n", "n", "1.0.0")]), statePath: "s.json", now: NOW }), buildReport(stateDoc([]))]) {
      const roundTripped: unknown = JSON.parse(JSON.stringify(report));
      assert.ok(validate(roundTripped), JSON.stringify(validate.errors));
    }
    const broken = { ...buildReport(doc, { now: NOW }), counts: { total: 1 } };
    assert.equal(validate(broken), false, "the schema is not a rubber stamp");
  });
});
