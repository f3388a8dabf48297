import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WritePacer, parseRemainingResource } from "../../../src/azure/write-pacing.js";

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] });
const VERSION = "CreateUpdateGalleryImageVersion";

describe("WritePacer", () => {
  it("reads the Compute RP's policies and windows from x-ms-ratelimit-remaining-resource", () => {
    assert.deepEqual(parseRemainingResource("Microsoft.Compute/CreateUpdateGalleryImageVersion3Min;374,Microsoft.Compute/CreateUpdateGalleryImageVersion30Min;1197"), [
      { policy: VERSION, window: "3Min", windowMs: 180_000, remaining: 374 },
      { policy: VERSION, window: "30Min", windowMs: 1_800_000, remaining: 1197 },
    ]);
    assert.deepEqual(parseRemainingResource("Microsoft.Compute/GetImagesSubscriptionMaximum;359"), [
      { policy: "GetImagesSubscriptionMaximum", window: "", windowMs: 180_000, remaining: 359 },
    ]);
  });

  it("sends at once while the budget is comfortable, and spaces sends at its refill rate once it is low", async () => {
    // Time scale 180: a 3-minute window lasts 1 s, so a budget of 100 refills one per 10 ms.
    // A fixed clock makes the slots exact whatever the machine's load (the waits still really happen).
    const pacer = new WritePacer(180, () => 1_000);
    pacer.observe("s", headers({ "x-ms-ratelimit-remaining-resource": `Microsoft.Compute/${VERSION}3Min;100` }));
    for (let i = 0; i < 5; i++) (await pacer.pace("s", VERSION))();
    assert.equal(pacer.stats.paced, 0);
    pacer.observe("s", headers({ "x-ms-ratelimit-remaining-resource": `Microsoft.Compute/${VERSION}3Min;8` }));
    const releases = await Promise.all([0, 1, 2, 3].map(() => pacer.pace("s", VERSION)));
    releases.forEach((release) => release());
    // Slots 10 ms apart after the last send: the four waits add up to 10 + 20 + 30 + 40 ms.
    assert.equal(pacer.stats.paced, 4);
    assert.equal(pacer.stats.waitedMs, 100, `waited ${pacer.stats.waitedMs} ms in all`);
  });

  it("lets one send probe an unknown budget before any other goes", async () => {
    const pacer = new WritePacer(1);
    const first = await pacer.pace("s", VERSION);
    let second = false;
    const waiting = pacer.pace("s", VERSION).then((release) => {
      second = true;
      release();
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(second, false, "the second send waits for the probe's answer");
    pacer.observe("s", headers({ "x-ms-ratelimit-remaining-resource": `Microsoft.Compute/${VERSION}3Min;300` }));
    first();
    await waiting;
    assert.equal(second, true);
  });
});
