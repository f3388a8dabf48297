import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ComputeManagementClient } from "@azure/arm-compute";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { resolveFaults } from "../../../src/emulator/faults.js";
import { startEmulator } from "../../../src/emulator/index.js";
import type { EmulatorHandle } from "../../../src/emulator/index.js";
import { FAST, credential, smallSeed } from "./helpers.js";

/** What the client saw on the wire, per attempt (retries included). */
interface Seen {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * An unmodified SDK client plus one observing policy per retry, so the test sees each 429 the
 * SDK's own retry policy then absorbs.
 */
function observedClient(emulator: EmulatorHandle, retries = 3): { client: ComputeManagementClient; seen: Seen[] } {
  const seen: Seen[] = [];
  const observe: PipelinePolicy = {
    name: "observe",
    async sendRequest(request, next) {
      const response = await next(request);
      seen.push({ method: request.method, url: request.url, status: response.status, headers: response.headers.toJSON(), body: response.bodyAsText ?? undefined });
      return response;
    },
  };
  const client = new ComputeManagementClient(credential, emulator.subscriptionId, {
    endpoint: emulator.endpoint,
    credentials: { scopes: [`${emulator.endpoint}/.default`] },
    tlsOptions: { ca: emulator.caCert },
    retryOptions: { maxRetries: retries, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
    additionalPolicies: [{ policy: observe, position: "perRetry" }],
  });
  return { client, seen };
}

function seedWithGallery(): ReturnType<typeof smallSeed> {
  const seed = smallSeed();
  const rg = seed.subscriptions[0]?.resourceGroups?.[1];
  if (rg) rg.galleries = [{ name: "corpGallery", location: "westeurope" }];
  return seed;
}

const remainingOf = (header: string | undefined, window: string): number => {
  const match = new RegExp(`Microsoft\\.Compute/${window};(\\d+)`).exec(header ?? "");
  assert.ok(match, `${window} in "${header}"`);
  return Number(match[1]);
};

describe("throttling", () => {
  it("answers 429 with retry-after-ms and Retry-After when a gallery budget is spent, and the SDK waits and succeeds", async () => {
    // 3 simulated minutes are 1.5 real seconds at 120x: the third PUT, sent at once, must wait.
    const faults = resolveFaults({ throttling: { policies: { CreateUpdateGallery: { "3Min": 2, "30Min": 100 } } } });
    const emulator = await startEmulator({ seed: smallSeed(), faults, timeScale: 120, port: 0 });
    try {
      const { client, seen } = observedClient(emulator);
      const names = ["gal1", "gal2", "gal3"];
      const created = await Promise.all(names.map((name) => client.galleries.createOrUpdate("rg-gallery", name, { location: "westeurope" }, FAST)));
      assert.deepEqual(created.map((g) => g.provisioningState), ["Succeeded", "Succeeded", "Succeeded"]);

      const throttled = seen.filter((s) => s.status === 429);
      assert.equal(throttled.length, 1, "exactly the third PUT was throttled");
      const [answer] = throttled;
      assert.ok(answer);
      assert.equal(answer.method, "PUT");
      const retryAfterMs = Number(answer.headers["retry-after-ms"]);
      assert.ok(retryAfterMs > 0 && retryAfterMs <= 1500, `retry-after-ms ${retryAfterMs} is real time, at most the 3-minute window / 120`);
      assert.equal(answer.headers["retry-after"], String(Math.ceil(retryAfterMs / 1000)));
      assert.equal(remainingOf(answer.headers["x-ms-ratelimit-remaining-resource"], "CreateUpdateGallery3Min"), 0);
      const body = JSON.parse(answer.body ?? "{}") as { error: { code: string; message: string; details: { code: string; target: string }[] } };
      assert.equal(body.error.code, "OperationNotAllowed");
      assert.equal(body.error.details[0]?.code, "TooManyRequests");
      assert.equal(body.error.details[0]?.target, "CreateUpdateGallery3Min");

      // The same PUT, retried by the SDK after the wait, was accepted.
      const retried = seen.filter((s) => s.method === "PUT" && s.url === answer.url);
      assert.deepEqual(retried.map((s) => s.status), [429, 201]);
      const stats = emulator.stats();
      assert.equal(stats.throttled, 1);
      assert.equal(stats.requests["PUT Microsoft.Compute/galleries"], 4);
    } finally {
      await emulator.close();
    }
  });

  it("puts the live rate-limit headers on every answer, counting down", async () => {
    // Time scale 1: neither the sliding windows nor (between requests milliseconds apart) the
    // read bucket refill noticeably, so the counts fall with each request as on live Azure.
    const emulator = await startEmulator({ seed: seedWithGallery(), timeScale: 1, port: 0 });
    try {
      const { client, seen } = observedClient(emulator, 0);
      for (let i = 0; i < 3; i += 1) await client.galleries.get("rg-gallery", "corpGallery");
      await client.images.get("rg-images", "linux-v2");
      const gets = seen.filter((s) => s.url.includes("/galleries/corpGallery"));
      assert.equal(gets.length, 3);
      assert.deepEqual(
        gets.map((s) => remainingOf(s.headers["x-ms-ratelimit-remaining-resource"], "GetGallery3Min")),
        [349, 348, 347],
      );
      assert.deepEqual(
        gets.map((s) => remainingOf(s.headers["x-ms-ratelimit-remaining-resource"], "GetGallery30Min")),
        [2499, 2498, 2497],
      );
      const reads = seen.map((s) => Number(s.headers["x-ms-ratelimit-remaining-subscription-reads"]));
      assert.equal(reads[0], 249);
      for (let i = 1; i < reads.length; i += 1) assert.ok((reads[i] ?? 0) <= (reads[i - 1] ?? 0), `reads ${reads.join(",")} never rise between quick requests`);
      for (const s of seen) assert.match(s.headers["x-ms-ratelimit-remaining-subscription-global-reads"] ?? "", /^\d+$/);
      const image = seen.at(-1);
      assert.equal(image?.headers["x-ms-ratelimit-remaining-resource"], "Microsoft.Compute/GetImagesSubscriptionMaximum;359");

      // A write reports the write budgets, as the recording's first gallery PUT did.
      const poller = client.galleries.createOrUpdate("rg-gallery", "another", { location: "westeurope" }, FAST);
      await poller.submitted();
      const put = seen.find((s) => s.method === "PUT");
      assert.equal(put?.headers["x-ms-ratelimit-remaining-subscription-writes"], "199");
      assert.equal(put?.headers["x-ms-ratelimit-remaining-subscription-global-writes"], "2999");
      assert.equal(put?.headers["x-ms-ratelimit-remaining-resource"], "Microsoft.Compute/CreateUpdateGallery3Min;49,Microsoft.Compute/CreateUpdateGallery30Min;299");
      await poller.pollUntilDone();
    } finally {
      await emulator.close();
    }
  });

  it("refills the 3-minute window on the scaled clock, not in three real minutes", async () => {
    // 3 simulated minutes are one real second at 180x: long enough that three quick GETs all
    // land in one window even on a busy machine, short enough to wait out twice.
    const faults = resolveFaults({ throttling: { policies: { GetGallery: { "3Min": 2, "30Min": 1000 } } } });
    const emulator = await startEmulator({ seed: seedWithGallery(), faults, timeScale: 180, port: 0 });
    try {
      const { client, seen } = observedClient(emulator, 0);
      const get = (): Promise<unknown> => client.galleries.get("rg-gallery", "corpGallery");
      await get();
      await get();
      await assert.rejects(get(), (error: { statusCode?: number; code?: string }) => error.statusCode === 429 && error.code === "OperationNotAllowed");
      const refused = seen.at(-1);
      const wait = Number(refused?.headers["retry-after-ms"]);
      assert.ok(wait > 0 && wait <= 1000, `wait ${wait} ms`);
      await new Promise((resolve) => setTimeout(resolve, wait + 5));
      await get();
      // Wait out a whole window: every earlier request has left it.
      await new Promise((resolve) => setTimeout(resolve, 1020));
      await get();
      assert.equal(remainingOf(seen.at(-1)?.headers["x-ms-ratelimit-remaining-resource"], "GetGallery3Min"), 1);
      assert.equal(remainingOf(seen.at(-1)?.headers["x-ms-ratelimit-remaining-resource"], "GetGallery30Min"), 996);
    } finally {
      await emulator.close();
    }
  });

  it("throttles ARM writes per subscription with a token bucket, which the SDK also waits out", async () => {
    // One write token per 10 simulated seconds, at 20x a token every 500 real ms: four PUTs sent
    // together find two tokens.
    const faults = resolveFaults({ throttling: { arm: { writes: { bucket: 2, refillPerSecond: 0.1 } } } });
    const emulator = await startEmulator({ seed: smallSeed(), faults, timeScale: 20, port: 0 });
    try {
      const { client, seen } = observedClient(emulator, 5);
      await Promise.all(["a1", "a2", "a3", "a4"].map((name) => client.galleries.createOrUpdate("rg-gallery", name, { location: "westeurope" }, FAST)));
      const throttled = seen.filter((s) => s.status === 429);
      assert.ok(throttled.length >= 1, "some PUT found the bucket empty");
      for (const answer of throttled) {
        assert.equal(answer.headers["x-ms-ratelimit-remaining-subscription-writes"], "0");
        assert.equal(JSON.parse(answer.body ?? "{}").error.details[0].target, "SubscriptionWrites");
        assert.ok(Number(answer.headers["retry-after-ms"]) <= 500);
      }
      const galleries = [];
      for await (const gallery of client.galleries.listByResourceGroup("rg-gallery")) galleries.push(gallery.name);
      assert.deepEqual(galleries.sort(), ["a1", "a2", "a3", "a4"]);
    } finally {
      await emulator.close();
    }
  });

  it("has no budgets and sends no rate-limit headers with throttling none", async () => {
    const emulator = await startEmulator({ seed: seedWithGallery(), faults: resolveFaults({ throttling: "none" }), timeScale: 1, port: 0 });
    try {
      const { client, seen } = observedClient(emulator, 0);
      await client.galleries.get("rg-gallery", "corpGallery");
      assert.equal(Object.keys(seen[0]?.headers ?? {}).filter((h) => h.startsWith("x-ms-ratelimit")).length, 0);
    } finally {
      await emulator.close();
    }
  });
});
