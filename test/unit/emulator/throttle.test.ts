import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Clock } from "../../../src/emulator/clock.js";
import { liveThrottling, resolveFaults } from "../../../src/emulator/faults.js";
import { Throttle } from "../../../src/emulator/throttle.js";
import type { ThrottleDecision } from "../../../src/emulator/throttle.js";

/** A clock the test moves by hand; `timeScale` only affects the real waits announced. */
function manualClock(timeScale = 1): Clock & { advance(simulatedMs: number): void } {
  let now = Date.UTC(2026, 3, 24, 2, 0, 0);
  return {
    timeScale,
    now: () => now,
    toRealMs: (ms) => ms / timeScale,
    toSimulatedMs: (ms) => ms * timeScale,
    advance: (ms) => {
      now += ms;
    },
  };
}

const SUB = "00000000-0000-0000-0000-000000000001";

function refused(decision: ThrottleDecision): Extract<ThrottleDecision, { allowed: false }> {
  assert.equal(decision.allowed, false, "expected a 429");
  return decision as Extract<ThrottleDecision, { allowed: false }>;
}

describe("Throttle", () => {
  it("reports the live headers on the first version create, as the recording shows", () => {
    const throttle = new Throttle(liveThrottling(), manualClock());
    const decision = throttle.charge(SUB, "write", "CreateUpdateGalleryImageVersion");
    assert.equal(decision.allowed, true);
    assert.deepEqual(decision.headers, {
      "x-ms-ratelimit-remaining-subscription-writes": "199",
      "x-ms-ratelimit-remaining-subscription-global-writes": "2999",
      "x-ms-ratelimit-remaining-resource":
        "Microsoft.Compute/CreateUpdateGalleryImageVersion3Min;374,Microsoft.Compute/CreateUpdateGalleryImageVersion30Min;1199",
    });
  });

  it("uses one window for SubscriptionMaximum policies", () => {
    const throttle = new Throttle(liveThrottling(), manualClock());
    const decision = throttle.charge(SUB, "read", "GetImagesSubscriptionMaximum");
    assert.equal(decision.headers["x-ms-ratelimit-remaining-resource"], "Microsoft.Compute/GetImagesSubscriptionMaximum;359");
    assert.equal(decision.headers["x-ms-ratelimit-remaining-subscription-reads"], "249");
  });

  it("refuses the request after the 3-minute budget with the documented body and exact real waits", () => {
    const config = resolveFaults({ throttling: { policies: { CreateUpdateGalleryImageVersion: { "3Min": 2, "30Min": 10 } } } }).throttling;
    const clock = manualClock(600);
    const throttle = new Throttle(config, clock);
    assert.equal(throttle.charge(SUB, "write", "CreateUpdateGalleryImageVersion").allowed, true);
    clock.advance(30_000);
    assert.equal(throttle.charge(SUB, "write", "CreateUpdateGalleryImageVersion").allowed, true);
    clock.advance(30_000);
    const third = refused(throttle.charge(SUB, "write", "CreateUpdateGalleryImageVersion"));
    // The first request leaves the sliding window 120 simulated seconds later: 200 real ms at 600x.
    assert.equal(third.retryAfterMs, 200);
    assert.equal(third.headers["retry-after-ms"], "200");
    assert.equal(third.headers["retry-after"], "1");
    assert.equal(third.policy, "CreateUpdateGalleryImageVersion3Min");
    assert.equal(
      third.headers["x-ms-ratelimit-remaining-resource"],
      "Microsoft.Compute/CreateUpdateGalleryImageVersion3Min;0,Microsoft.Compute/CreateUpdateGalleryImageVersion30Min;8",
    );
    const body = third.body as { error: { code: string; message: string; details: { code: string; target: string; message: string }[] } };
    assert.equal(body.error.code, "OperationNotAllowed");
    assert.match(body.error.message, /too many requests have been received for this subscription/);
    assert.equal(body.error.details[0]?.code, "TooManyRequests");
    assert.equal(body.error.details[0]?.target, "CreateUpdateGalleryImageVersion3Min");
    const detail = JSON.parse(body.error.details[0]?.message ?? "{}") as { allowedRequestCount: number; operationGroup: string };
    assert.equal(detail.allowedRequestCount, 2);
    // Waiting exactly the announced time (in simulated terms) is enough.
    clock.advance(clock.toSimulatedMs(third.retryAfterMs));
    assert.equal(throttle.charge(SUB, "write", "CreateUpdateGalleryImageVersion").allowed, true);
  });

  it("does not spend budget on refused requests", () => {
    const config = resolveFaults({ throttling: { policies: { GetGallery: { "3Min": 1, "30Min": 100 } } } }).throttling;
    const clock = manualClock();
    const throttle = new Throttle(config, clock);
    assert.equal(throttle.charge(SUB, "read", "GetGallery").allowed, true);
    for (let i = 0; i < 5; i += 1) refused(throttle.charge(SUB, "read", "GetGallery"));
    clock.advance(180_000);
    const after = throttle.charge(SUB, "read", "GetGallery");
    assert.equal(after.allowed, true);
    assert.equal(after.headers["x-ms-ratelimit-remaining-resource"], "Microsoft.Compute/GetGallery3Min;0,Microsoft.Compute/GetGallery30Min;98");
  });

  it("names the 30-minute window when it is the one that binds", () => {
    const config = resolveFaults({ throttling: { policies: { DeleteGallery: { "3Min": 5, "30Min": 2 } } } }).throttling;
    const clock = manualClock(60);
    const throttle = new Throttle(config, clock);
    throttle.charge(SUB, "delete", "DeleteGallery");
    throttle.charge(SUB, "delete", "DeleteGallery");
    const third = refused(throttle.charge(SUB, "delete", "DeleteGallery"));
    assert.equal(third.policy, "DeleteGallery30Min");
    assert.equal(third.retryAfterMs, 30_000); // 30 simulated minutes at 60x
    assert.equal(third.headers["retry-after"], "30");
  });

  it("refills the ARM token bucket continuously on the simulated clock", () => {
    const config = resolveFaults({ throttling: { arm: { writes: { bucket: 3, refillPerSecond: 1 } } } }).throttling;
    const clock = manualClock(10);
    const throttle = new Throttle(config, clock);
    const remaining = [0, 1, 2].map(() => throttle.charge(SUB, "write", undefined).headers["x-ms-ratelimit-remaining-subscription-writes"]);
    assert.deepEqual(remaining, ["2", "1", "0"]);
    const fourth = refused(throttle.charge(SUB, "write", undefined));
    assert.equal(fourth.policy, "SubscriptionWrites");
    assert.equal(fourth.retryAfterMs, 100); // one token per simulated second at 10x
    assert.equal(fourth.headers["x-ms-ratelimit-remaining-resource"], undefined);
    clock.advance(1000);
    assert.equal(throttle.charge(SUB, "write", undefined).allowed, true);
    // Other kinds and other subscriptions have their own buckets.
    assert.equal(throttle.charge(SUB, "read", undefined).allowed, true);
    assert.equal(throttle.charge("00000000-0000-0000-0000-000000000002", "write", undefined).allowed, true);
  });

  it("keeps counting right over long runs (the window's old entries are dropped)", () => {
    const clock = manualClock();
    const throttle = new Throttle(liveThrottling(), clock);
    let last: ThrottleDecision | undefined;
    // One poll a second for an hour: 180 in any 3 minutes, 1800 in any 30.
    for (let i = 0; i < 3600; i += 1) {
      last = throttle.charge(SUB, "read", "GetOperationStatus");
      assert.equal(last.allowed, true);
      clock.advance(1000);
    }
    assert.equal(
      last?.headers["x-ms-ratelimit-remaining-resource"],
      "Microsoft.Compute/GetOperationStatus3Min;4820,Microsoft.Compute/GetOperationStatus30Min;13200",
    );
  });

  it("does nothing when throttling is none", () => {
    const throttle = new Throttle(resolveFaults({ throttling: "none" }).throttling, manualClock());
    for (let i = 0; i < 500; i += 1) {
      const decision = throttle.charge(SUB, "delete", "DeleteGallery");
      assert.deepEqual(decision, { allowed: true, headers: {} });
    }
  });

  it("leaves unknown policies unthrottled and unreported", () => {
    const throttle = new Throttle(liveThrottling(), manualClock());
    const decision = throttle.charge(SUB, "read", "SomethingNew");
    assert.equal(decision.allowed, true);
    assert.equal(decision.headers["x-ms-ratelimit-remaining-resource"], undefined);
  });
});
