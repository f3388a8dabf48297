/**
 * Proactive pacing of the writes a large run makes, from the budgets ARM and the Compute RP
 * report on every answer (`x-ms-ratelimit-remaining-resource`, `…-remaining-subscription-writes`):
 * while a budget is comfortable nothing waits; once it runs low, new PUTs of that policy are spread
 * at the rate the budget sustains (its size over its window) instead of being sent at once and
 * answered 429. Pacing at the sustainable rate costs a run no time it would not lose to 429s.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";

/** ARM's write bucket (200, refilled at 10 per second) behaves like a 20-second window of 200. */
const SUBSCRIPTION_WRITES = "SubscriptionWrites";
const SUBSCRIPTION_WRITES_WINDOW_MS = 20_000;
/** A policy's window from the suffix of its name (`CreateUpdateGalleryImageVersion3Min`). */
const WINDOW_SUFFIX = /^(.*?)(\d+)Min$/;
const DEFAULT_WINDOW_MS = 3 * 60_000;

interface WindowBudget {
  /** The last remaining count the service reported. */
  remaining: number;
  /** The highest remaining count seen: about the window's size. */
  highest: number;
  /** The window's length in simulated (service) milliseconds. */
  windowMs: number;
}

/** Parses `Microsoft.Compute/Policy3Min;374,Microsoft.Compute/Policy30Min;1197` into policy → window → remaining. */
export function parseRemainingResource(header: string): { policy: string; window: string; windowMs: number; remaining: number }[] {
  const out: { policy: string; window: string; windowMs: number; remaining: number }[] = [];
  for (const part of header.split(",")) {
    const [name, count] = part.trim().split(";");
    const remaining = Number(count);
    if (!name || count === undefined || !Number.isFinite(remaining)) continue;
    const bare = name.slice(name.lastIndexOf("/") + 1);
    const suffix = WINDOW_SUFFIX.exec(bare);
    out.push(
      suffix
        ? { policy: suffix[1]!, window: `${suffix[2]}Min`, windowMs: Number(suffix[2]) * 60_000, remaining }
        : { policy: bare, window: "", windowMs: DEFAULT_WINDOW_MS, remaining },
    );
  }
  return out;
}

/**
 * The budgets last reported per subscription and policy, shared by every client of a port, and
 * the pacing built on them. Reports come from a pipeline policy (`policy()`); `pace()` is awaited
 * before each write the caller wants paced, and the release it returns is called once the
 * service has answered that write.
 */
export class WritePacer {
  readonly #timeScale: number;
  readonly #budgets = new Map<string, Map<string, WindowBudget>>();
  /** Per policy: paced sends not yet answered, our send times (real ms), the next free slot. */
  readonly #sent = new Map<string, { inFlight: number; times: number[]; nextAt: number; probe?: Promise<void> }>();
  /** Sends that waited, how long in total (real ms), and 429 answers by method and resource type. */
  readonly stats = { paced: 0, waitedMs: 0, throttled: {} as Record<string, number> };

  readonly #now: () => number;

  /** `now` is the clock sends are timed on (real epoch ms); tests pass a fixed one. */
  constructor(timeScale: number, now: () => number = Date.now) {
    this.#timeScale = timeScale;
    this.#now = now;
  }

  /** Records what one answer says about the budgets of `subscriptionId`. */
  observe(subscriptionId: string, headers: { get(name: string): string | undefined }): void {
    const resource = headers.get("x-ms-ratelimit-remaining-resource");
    if (resource) {
      for (const r of parseRemainingResource(resource)) this.#record(subscriptionId, r.policy, r.window, r.windowMs, r.remaining);
    }
    const writes = Number(headers.get("x-ms-ratelimit-remaining-subscription-writes") ?? Number.NaN);
    if (Number.isFinite(writes)) this.#record(subscriptionId, SUBSCRIPTION_WRITES, "", SUBSCRIPTION_WRITES_WINDOW_MS, writes);
  }

  #record(subscriptionId: string, policy: string, window: string, windowMs: number, remaining: number): void {
    const key = `${subscriptionId.toLowerCase()} ${policy}`;
    let windows = this.#budgets.get(key);
    if (!windows) {
      windows = new Map();
      this.#budgets.set(key, windows);
    }
    const previous = windows.get(window);
    windows.set(window, { remaining, highest: Math.max(remaining, previous?.highest ?? 0), windowMs });
  }

  /**
   * Waits while `policy`'s budget (or the subscription's write bucket) is low: sends then go out
   * no faster than the budget refills, and once it is spent, not before our oldest send in the
   * window has left it. Until the first answer names the policy, one send probes alone. Returns
   * the release to call when the service has answered this send.
   */
  async pace(subscriptionId: string, policy: string, signal?: AbortSignal): Promise<() => void> {
    const key = `${subscriptionId.toLowerCase()} ${policy}`;
    let sent = this.#sent.get(key);
    if (!sent) {
      sent = { inFlight: 0, times: [], nextAt: 0 };
      this.#sent.set(key, sent);
    }
    // Cold start: a burst before any answer would spend a budget we know nothing about.
    while (!this.#budgets.has(key) && sent.probe) await sent.probe;
    let releaseProbe: (() => void) | undefined;
    if (!this.#budgets.has(key)) sent.probe = new Promise<void>((resolve) => (releaseProbe = resolve));

    const windows = [...(this.#budgets.get(key)?.values() ?? [])];
    const writes = [...(this.#budgets.get(`${subscriptionId.toLowerCase()} ${SUBSCRIPTION_WRITES}`)?.values() ?? [])];
    const now = this.#now();
    let slot = now;
    let low = false;
    for (const w of [...windows, ...writes]) {
      const periodMs = w.windowMs / this.#timeScale;
      const left = w.remaining - sent.inFlight;
      // Keep a reserve of a tenth of the window (at least 5): retries and other tools share it.
      if (left > Math.max(5, Math.ceil(w.highest / 10))) continue;
      low = true;
      // A sliding window of N per T refills at N/T on average: one send per T/N keeps level with it.
      slot = Math.max(slot, sent.nextAt, (sent.times.at(-1) ?? 0) + periodMs / Math.max(1, w.highest));
      if (left <= 0 && windows.includes(w)) {
        // Spent: what frees budget is our oldest send in the window ageing out of it.
        const oldest = sent.times.find((t) => t > now - periodMs);
        if (oldest !== undefined) slot = Math.max(slot, oldest + periodMs);
      }
      sent.nextAt = Math.max(sent.nextAt, slot + periodMs / Math.max(1, w.highest));
    }
    if (!low) sent.nextAt = 0;
    sent.inFlight += 1;
    const waitedMs = slot - now;
    const mine = sent;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      mine.inFlight = Math.max(0, mine.inFlight - 1);
      if (releaseProbe) {
        mine.probe = undefined;
        releaseProbe();
      }
    };
    try {
      if (waitedMs > 0) {
        this.stats.paced += 1;
        this.stats.waitedMs += waitedMs;
        await delay(waitedMs, signal);
      }
    } catch (error: unknown) {
      release();
      throw error;
    }
    mine.times.push(this.#now());
    // Only sends within the longest window matter.
    if (mine.times.length > 4096) mine.times.splice(0, mine.times.length - 4096);
    return release;
  }

  /** A pipeline policy that reports every answer's budgets (429s included) to this pacer. */
  policy(): PipelinePolicy {
    return {
      name: "acgMigrateWritePacing",
      sendRequest: async (request, next) => {
        const response = await next(request);
        const subscriptionId = /\/subscriptions\/([^/?]+)/i.exec(new URL(request.url).pathname)?.[1];
        if (subscriptionId) this.observe(subscriptionId, response.headers);
        if (response.status === 429) {
          // By method and resource type (names dropped), to tell which budget a run still overruns.
          const key = `${request.method} ${resourceTypeOf(new URL(request.url).pathname)}`;
          this.stats.throttled[key] = (this.stats.throttled[key] ?? 0) + 1;
        }
        return response;
      },
    };
  }
}

/** `Microsoft.Compute/galleries/images/versions` from a resource path (names dropped). */
function resourceTypeOf(path: string): string {
  const segments = path.split("/").filter((x) => x.length > 0);
  const at = segments.findIndex((x) => x.toLowerCase() === "providers");
  if (at < 0) return segments.filter((_, i) => i % 2 === 0).join("/");
  return [segments[at + 1], ...segments.slice(at + 2).filter((_, i) => i % 2 === 0)].join("/");
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : abortError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortError(): Error {
  const error = new Error("The operation was aborted.");
  error.name = "AbortError";
  return error;
}
