import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OnceMap, Semaphore, schedule } from "../../../src/engine/scheduler.js";

/** A promise whose settling the test controls. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("schedule", () => {
  it("never runs more than the limit at once, and runs everything", async () => {
    const gates = new Map<number, ReturnType<typeof deferred<void>>>();
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const items = Array.from({ length: 10 }, (_, i) => i);
    const done = schedule(
      items,
      async (i) => {
        running += 1;
        peak = Math.max(peak, running);
        started.push(i);
        const gate = deferred<void>();
        gates.set(i, gate);
        await gate.promise;
        running -= 1;
      },
      { concurrency: 3, keyOf: (i) => `k${i}`, stopped: () => false },
    );
    for (let round = 0; round < 20 && started.length < 10; round++) {
      await tick();
      assert.ok(running <= 3, `running ${running}`);
      for (const i of [...started]) gates.get(i)?.resolve();
    }
    await done;
    assert.equal(peak, 3);
    assert.deepEqual([...started].sort((a, b) => a - b), items);
  });

  it("runs items of one key one after another, in order", async () => {
    const log: string[] = [];
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    const items = ["a1", "a2", "a3", "b1"];
    const done = schedule(
      items,
      async (item) => {
        log.push(`start ${item}`);
        const gate = deferred<void>();
        gates.set(item, gate);
        await gate.promise;
        log.push(`end ${item}`);
      },
      { concurrency: 4, keyOf: (item) => item[0]!, stopped: () => false },
    );
    await tick();
    assert.deepEqual(log, ["start a1", "start b1"]);
    gates.get("a1")!.resolve();
    await tick();
    await tick();
    assert.deepEqual(log, ["start a1", "start b1", "end a1", "start a2"]);
    gates.get("b1")!.resolve();
    gates.get("a2")!.resolve();
    await tick();
    await tick();
    gates.get("a3")!.resolve();
    await done;
    assert.ok(log.indexOf("end a2") < log.indexOf("start a3"));
  });

  it("starts nothing new once stopped, and reports what it skipped", async () => {
    let stop = false;
    const ran: number[] = [];
    const skipped: number[] = [];
    await schedule(
      [1, 2, 3, 4],
      async (i) => {
        ran.push(i);
        if (i === 1) stop = true;
      },
      { concurrency: 1, keyOf: (i) => `k${i}`, stopped: () => stop, onSkipped: (i) => skipped.push(i) },
    );
    assert.deepEqual(ran, [1]);
    assert.deepEqual(skipped, [2, 3, 4]);
  });

  it("drains the other items after a rejection, then rethrows it", async () => {
    const ran: number[] = [];
    await assert.rejects(
      schedule(
        [1, 2, 3],
        async (i) => {
          ran.push(i);
          if (i === 1) throw new Error("boom");
        },
        { concurrency: 1, keyOf: () => "same", stopped: () => false },
      ),
      /boom/,
    );
    assert.deepEqual(ran, [1, 2, 3]);
  });
});

describe("Semaphore", () => {
  it("serves waiters in arrival order", async () => {
    const s = new Semaphore(1);
    const release1 = await s.acquire();
    const order: number[] = [];
    const w2 = s.acquire().then((r) => (order.push(2), r));
    const w3 = s.acquire().then((r) => (order.push(3), r));
    release1();
    (await w2)();
    (await w3)();
    assert.deepEqual(order, [2, 3]);
    assert.equal(s.free, 1);
  });
});

describe("OnceMap", () => {
  it("runs a shared task once for every caller", async () => {
    const map = new OnceMap<number>();
    let calls = 0;
    const gate = deferred<number>();
    const task = (): Promise<number> => {
      calls += 1;
      return gate.promise;
    };
    const a = map.run("Def", task);
    const b = map.run("def", task);
    gate.resolve(7);
    assert.deepEqual(await Promise.all([a, b]), [7, 7]);
    assert.equal(calls, 1);
  });

  it("forgets a failed task so a later caller tries again", async () => {
    const map = new OnceMap<string>();
    await assert.rejects(map.run("k", async () => Promise.reject(new Error("transient"))));
    assert.equal(await map.run("k", async () => "second"), "second");
  });
});
