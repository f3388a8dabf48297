import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultFaults } from "../../../src/emulator/faults.js";
import { planReplication, regionStatus, replicationEnd } from "../../../src/emulator/replication.js";

const MINUTE = 60_000;

function minutesFor(sourceGB: number, regions: number, replicas: number, draw: number): number {
  const rnd = { random: () => draw, regionFails: () => false };
  const plan = planReplication({ startAt: 0, sourceGB, regions: Array.from({ length: regions }, (_, i) => ({ region: `r${i}`, replicas })) }, defaultFaults().replication, rnd);
  return replicationEnd(plan, 0) / MINUTE;
}

describe("replication model (defaults)", () => {
  it("replicates a small image (≤128 GB, ≤3 regions) in 5 to 20 simulated minutes", () => {
    for (const [gb, regions] of [[1, 1], [40, 1], [128, 3], [30, 2]] as const) {
      for (const draw of [0, 0.999]) {
        const m = minutesFor(gb, regions, 1, draw);
        assert.ok(m >= 5 && m <= 20, `${gb} GB in ${regions} regions: ${m} min`);
      }
    }
  });

  it("takes about 8 minutes for the recording's 40 GB image in one region", () => {
    const m = minutesFor(40, 1, 1, 0.5);
    assert.ok(m > 7 && m < 9, `${m} min`);
  });

  it("grows with size, regions and replicas, up to hours", () => {
    assert.ok(minutesFor(512, 3, 1, 0) > minutesFor(128, 3, 1, 0));
    assert.ok(minutesFor(128, 10, 1, 0) > minutesFor(128, 3, 1, 0));
    assert.ok(minutesFor(128, 3, 5, 0) > minutesFor(128, 3, 1, 0));
    const large = minutesFor(2048, 10, 3, 0);
    assert.ok(large > 120 && large < 600, `${large} min`);
  });

  it("reports progress per region and fails a region part-way when drawn", () => {
    const plan = planReplication({ startAt: 0, sourceGB: 30, regions: [{ region: "West Europe", replicas: 1 }] }, defaultFaults().replication, { random: () => 0.5, regionFails: () => true });
    const r = plan[0]!;
    assert.equal(regionStatus(r, 0).state, "Replicating");
    assert.equal(regionStatus(r, 0).progress, 0);
    const end = regionStatus(r, r.endAt);
    assert.equal(end.state, "Failed");
    assert.ok(end.progress > 0 && end.progress < 100, String(end.progress));
  });
});
