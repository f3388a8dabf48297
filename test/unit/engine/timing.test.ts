import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crashHook } from "../../../src/engine/crash-hook.js";
import { backoffMs, runnerTiming, sleep } from "../../../src/engine/timing.js";

describe("runnerTiming", () => {
  it("runs the runner's clock time-scale times faster", () => {
    const t = runnerTiming(600, 360);
    assert.equal(t.versionPollMs, 50);
    assert.equal(t.itemTimeoutMs, (360 * 60_000) / 600);
    const real = runnerTiming(1, 60);
    assert.equal(real.versionPollMs, 30_000);
  });

  it("backs off exponentially, capped, and never shorter than what the service asked", () => {
    const t = runnerTiming(1, 60);
    const max = () => 1;
    assert.equal(backoffMs(t, 0, undefined, max), 5_000);
    assert.equal(backoffMs(t, 3, undefined, max), 40_000);
    assert.equal(backoffMs(t, 30, undefined, max), 300_000);
    assert.equal(backoffMs(t, 0, 120_000, max), 120_000);
    const min = () => 0;
    assert.equal(backoffMs(t, 1, undefined, min), 5_000);
  });
});

describe("sleep", () => {
  it("rejects with the signal's reason when aborted", async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await assert.rejects(waiting, /stop/);
  });
});

describe("crashHook", () => {
  it("kills at the n-th time the named point is reached, and only then", () => {
    let kills = 0;
    const hook = crashHook({ ACG_MIGRATE_CRASH_AT: "polling:2" }, () => kills++);
    hook("submitting");
    hook("polling");
    assert.equal(kills, 0);
    hook("polling");
    assert.equal(kills, 1);
    hook("polling");
    assert.equal(kills, 1);
  });

  it("does nothing without the variable", () => {
    let kills = 0;
    const hook = crashHook({}, () => kills++);
    hook("done");
    assert.equal(kills, 0);
  });
});
