import type { Clock } from "./clock.js";
import type { Budget3030, ThrottlingConfig, TokenBucket } from "./faults-types.js";

/** Which ARM per-subscription budget a request spends. */
export type RequestKind = "read" | "write" | "delete";

/** What the throttle says about one request: go on (with headers), or answer 429. */
export type ThrottleDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; headers: Record<string, string>; retryAfterMs: number; policy: string; body: unknown };

/**
 * Compute gallery policy budgets per subscription, inferred from the live recording
 * (remaining count + calls already made in the window, rounded; FACTS.md §3.6). Gallery limits are
 * not documented, so names marked "chosen" were not seen live and copy their nearest sibling.
 * Policies whose name ends in "Maximum" have one 3-minute window, as their live header shows one
 * count (`Microsoft.Compute/GetImagesSubscriptionMaximum;359`); their "30Min" is not used.
 */
export const livePolicyBudgets: Readonly<Record<string, Budget3030>> = {
  CreateUpdateGallery: { "3Min": 50, "30Min": 300 }, // live 49/294
  CreateUpdateGalleryImage: { "3Min": 150, "30Min": 750 }, // live 149/744
  CreateUpdateGalleryImageVersion: { "3Min": 375, "30Min": 1200 }, // live 374/1197
  DeleteGallery: { "3Min": 50, "30Min": 300 }, // live 49/298
  DeleteGalleryImage: { "3Min": 50, "30Min": 300 }, // live 49/298
  DeleteGalleryImageVersion: { "3Min": 150, "30Min": 1000 }, // live 149/998
  GetGallery: { "3Min": 350, "30Min": 2500 }, // live 345/2441
  GetGalleryImage: { "3Min": 600, "30Min": 3000 }, // live 596/2977
  GetGalleryImageVersion: { "3Min": 2000, "30Min": 10000 }, // live 1996/9975
  ListGalleryImagesInGallery: { "3Min": 1500, "30Min": 10000 }, // live 1499/9998
  ListGalleryImageVersionsInGalleryImage: { "3Min": 1500, "30Min": 10000 }, // live 1499/9999
  ListGalleryInResourceGroup: { "3Min": 100, "30Min": 1000 }, // live 99/998
  ListGalleryInSubscription: { "3Min": 100, "30Min": 1000 }, // chosen: as ListGalleryInResourceGroup
  GetOperationStatus: { "3Min": 5000, "30Min": 15000 }, // live 4990/14955
  GetImagesSubscriptionMaximum: { "3Min": 360, "30Min": 360 }, // live 359, one window
  CreateImagesSubscriptionMaximum: { "3Min": 60, "30Min": 60 }, // live 59, one window
  DeleteImagesSubscriptionMaximum: { "3Min": 60, "30Min": 60 }, // chosen: as CreateImagesSubscriptionMaximum
};

/** ARM's regional per-subscription token buckets (FACTS.md §3.6, request-limits-and-throttling). */
export const liveArmBuckets: Readonly<ThrottlingConfig["arm"]> = {
  reads: { bucket: 250, refillPerSecond: 25 },
  writes: { bucket: 200, refillPerSecond: 10 },
  deletes: { bucket: 200, refillPerSecond: 10 },
};

/**
 * The recording shows `x-ms-ratelimit-remaining-subscription-global-*` at 3749 / 2999 / 2999 next
 * to the regional 199: the global buckets are 15 times the regional ones. Their refill is not
 * documented; 15 times the regional rate keeps them from ever binding before the regional bucket.
 */
const GLOBAL_FACTOR = 15;

const THREE_MINUTES_MS = 3 * 60_000;
const THIRTY_MINUTES_MS = 30 * 60_000;

const kindWord: Record<RequestKind, "reads" | "writes" | "deletes"> = { read: "reads", write: "writes", delete: "deletes" };
const armPolicyName: Record<RequestKind, string> = { read: "SubscriptionReads", write: "SubscriptionWrites", delete: "SubscriptionDeletes" };

/** A continuously refilled token bucket on the simulated clock. */
class Bucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly spec: TokenBucket,
    now: number,
  ) {
    this.tokens = spec.bucket;
    this.updatedAt = now;
  }

  /** Tokens available at `now`, after refilling. */
  level(now: number): number {
    const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.spec.bucket, this.tokens + elapsedSeconds * this.spec.refillPerSecond);
    this.updatedAt = Math.max(this.updatedAt, now);
    return this.tokens;
  }

  /** Simulated ms until one whole token is available (0 when one is). */
  waitMs(now: number): number {
    const level = this.level(now);
    // The epsilon absorbs float error so that waiting exactly the announced time is enough.
    return level >= 1 - 1e-9 ? 0 : ((1 - level) / this.spec.refillPerSecond) * 1000;
  }

  take(): void {
    this.tokens = Math.max(0, this.tokens - 1);
  }
}

/**
 * A sliding window: the simulated times of the requests it admitted within the last `lengthMs`.
 * Sliding rather than fixed because the live counts recover gradually between calls (the
 * recording's GetOperationStatus3Min goes 4989, 4991, 4987…), which fixed windows would not show.
 */
class SlidingWindow {
  private readonly times: number[] = [];
  private head = 0;

  constructor(
    readonly label: string,
    readonly limit: number,
    readonly lengthMs: number,
  ) {}

  private prune(now: number): void {
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= now - this.lengthMs) this.head += 1;
    // Compact now and then so a long run does not keep every timestamp it ever saw.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
  }

  used(now: number): number {
    this.prune(now);
    return this.times.length - this.head;
  }

  remaining(now: number): number {
    return Math.max(0, this.limit - this.used(now));
  }

  /** Simulated ms until one more request fits (0 when it fits now). */
  waitMs(now: number): number {
    const used = this.used(now);
    if (used < this.limit) return 0;
    if (this.limit === 0) return this.lengthMs;
    // The request that frees a slot is the (used - limit + 1)-th oldest one still in the window.
    const freeing = this.times[this.head + used - this.limit] ?? now;
    return Math.max(1, freeing + this.lengthMs - now);
  }

  /** Start of the window that made the last refusal, for the 429 body. */
  oldest(now: number): number {
    this.prune(now);
    return this.times[this.head] ?? now;
  }

  record(now: number): void {
    this.times.push(now);
  }
}

interface PolicyState {
  name: string;
  windows: SlidingWindow[];
}

interface SubscriptionState {
  regional: Record<RequestKind, Bucket>;
  global: Record<RequestKind, Bucket>;
  policies: Map<string, PolicyState>;
}

/** Per-subscription ARM and Compute gallery throttling on the scaled clock. */
export class Throttle {
  private readonly subscriptions = new Map<string, SubscriptionState>();

  constructor(
    private readonly config: ThrottlingConfig,
    private readonly clock: Clock,
  ) {}

  /** `policy` = the Compute gallery policy of the route (e.g. "CreateUpdateGalleryImageVersion"), undefined for none. */
  charge(subscriptionId: string, kind: RequestKind, policy: string | undefined): ThrottleDecision {
    if (!this.config.enabled) return { allowed: true, headers: {} };
    const now = this.clock.now();
    const state = this.subscription(subscriptionId.toLowerCase(), now);
    const regional = state.regional[kind];
    const global = state.global[kind];
    const policyState = policy === undefined ? undefined : this.policy(state, policy);

    // Decide before spending anything, so a refused request costs nothing and the wait we
    // announce is exactly the time after which the same request is admitted.
    const refusals: { label: string; waitMs: number; limit: number; since: number }[] = [];
    const regionalWait = regional.waitMs(now);
    if (regionalWait > 0) {
      refusals.push({ label: armPolicyName[kind], waitMs: regionalWait, limit: this.config.arm[kindWord[kind]].bucket, since: now - 1000 });
    }
    const globalWait = global.waitMs(now);
    if (globalWait > 0) {
      refusals.push({ label: `Global${armPolicyName[kind]}`, waitMs: globalWait, limit: this.config.arm[kindWord[kind]].bucket * GLOBAL_FACTOR, since: now - 1000 });
    }
    for (const window of policyState?.windows ?? []) {
      const waitMs = window.waitMs(now);
      if (waitMs > 0) refusals.push({ label: window.label, waitMs, limit: window.limit, since: window.oldest(now) });
    }

    if (refusals.length === 0) {
      regional.take();
      global.take();
      for (const window of policyState?.windows ?? []) window.record(now);
      return { allowed: true, headers: this.headers(kind, regional, global, policyState, now) };
    }

    // The client must wait for the slowest budget; reporting the binding one names it.
    const binding = refusals.reduce((a, b) => (b.waitMs > a.waitMs ? b : a));
    const retryAfterMs = Math.max(1, Math.ceil(this.clock.toRealMs(binding.waitMs)));
    const headers = this.headers(kind, regional, global, policyState, now);
    headers["retry-after-ms"] = String(retryAfterMs);
    headers["retry-after"] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
    return {
      allowed: false,
      headers,
      retryAfterMs,
      policy: binding.label,
      body: {
        error: {
          code: "OperationNotAllowed",
          message: "The server rejected the request because too many requests have been received for this subscription.",
          details: [
            {
              code: "TooManyRequests",
              target: binding.label,
              message: JSON.stringify({
                operationGroup: binding.label,
                startTime: new Date(binding.since).toISOString(),
                endTime: new Date(now).toISOString(),
                allowedRequestCount: binding.limit,
                measuredRequestCount: binding.limit + 1,
              }),
            },
          ],
        },
      },
    };
  }

  private subscription(key: string, now: number): SubscriptionState {
    let state = this.subscriptions.get(key);
    if (state === undefined) {
      const { reads, writes, deletes } = this.config.arm;
      const scaled = (spec: TokenBucket): TokenBucket => ({ bucket: spec.bucket * GLOBAL_FACTOR, refillPerSecond: spec.refillPerSecond * GLOBAL_FACTOR });
      state = {
        regional: { read: new Bucket(reads, now), write: new Bucket(writes, now), delete: new Bucket(deletes, now) },
        global: { read: new Bucket(scaled(reads), now), write: new Bucket(scaled(writes), now), delete: new Bucket(scaled(deletes), now) },
        policies: new Map(),
      };
      this.subscriptions.set(key, state);
    }
    return state;
  }

  private policy(state: SubscriptionState, name: string): PolicyState | undefined {
    const existing = state.policies.get(name);
    if (existing !== undefined) return existing;
    const budget = this.config.policies[name];
    // A policy without a budget is not throttled and not reported, rather than guessed at.
    if (budget === undefined) return undefined;
    const windows = name.endsWith("Maximum")
      ? [new SlidingWindow(name, budget["3Min"], THREE_MINUTES_MS)]
      : [new SlidingWindow(`${name}3Min`, budget["3Min"], THREE_MINUTES_MS), new SlidingWindow(`${name}30Min`, budget["30Min"], THIRTY_MINUTES_MS)];
    const created = { name, windows };
    state.policies.set(name, created);
    return created;
  }

  private headers(kind: RequestKind, regional: Bucket, global: Bucket, policyState: PolicyState | undefined, now: number): Record<string, string> {
    const word = kindWord[kind];
    const headers: Record<string, string> = {
      [`x-ms-ratelimit-remaining-subscription-${word}`]: String(Math.floor(regional.level(now))),
      [`x-ms-ratelimit-remaining-subscription-global-${word}`]: String(Math.floor(global.level(now))),
    };
    if (policyState !== undefined) {
      headers["x-ms-ratelimit-remaining-resource"] = policyState.windows.map((w) => `Microsoft.Compute/${w.label};${w.remaining(now)}`).join(",");
    }
    return headers;
  }
}
