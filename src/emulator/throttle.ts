import type { Clock } from "./clock.js";
import type { ThrottlingConfig } from "./faults-types.js";

/** Which ARM per-subscription budget a request spends. */
export type RequestKind = "read" | "write" | "delete";

/** What the throttle says about one request: go on (with headers), or answer 429. */
export type ThrottleDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; headers: Record<string, string>; retryAfterMs: number; policy: string; body: unknown };

/** Per-subscription ARM and Compute gallery throttling on the scaled clock. */
export class Throttle {
  constructor(
    private readonly config: ThrottlingConfig,
    private readonly clock: Clock,
  ) {}

  /** `policy` = the Compute gallery policy of the route (e.g. "CreateUpdateGalleryImageVersion"), undefined for none. */
  charge(_subscriptionId: string, _kind: RequestKind, _policy: string | undefined): ThrottleDecision {
    void this.config;
    void this.clock;
    return { allowed: true, headers: {} };
  }
}
