/** What `GET /_emulator/stats` reports (DESIGN.md "Emulator"). */
export interface EmulatorStats {
  /** `"<METHOD> <resource type>"` → count of ARM requests (not `/_emulator/*`, not token requests). */
  requests: Record<string, number>;
  /** Resource id → PUTs that created (not updated) it. */
  creates: Record<string, number>;
  throttled: number;
  faultsInjected: number;
  /** Each request refused, or operation failed, for breaking a service rule. */
  ruleViolations: { code: string; resourceId: string }[];
}

/** The emulator's counters; `snapshot()` is what the stats endpoint and `stats()` return. */
export class StatsCounter {
  private readonly requests = new Map<string, number>();
  private readonly creates = new Map<string, number>();
  private readonly violations: { code: string; resourceId: string }[] = [];
  private throttled = 0;
  private faults = 0;

  /** Counts one ARM request by method and resource type. */
  request(method: string, resourceType: string): void {
    const key = `${method} ${resourceType}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  /** Counts a PUT that created a resource. */
  created(resourceId: string): void {
    this.creates.set(resourceId, (this.creates.get(resourceId) ?? 0) + 1);
  }

  /** Counts a 429 answer. */
  throttle(): void {
    this.throttled += 1;
  }

  /** Counts an injected 5xx, reset or latency-with-fault. */
  fault(): void {
    this.faults += 1;
  }

  /** Records a refusal or failed operation caused by a service rule. */
  violation(code: string, resourceId: string): void {
    this.violations.push({ code, resourceId });
  }

  /** A copy of the counters, safe to serialise. */
  snapshot(): EmulatorStats {
    return {
      requests: Object.fromEntries(this.requests),
      creates: Object.fromEntries(this.creates),
      throttled: this.throttled,
      faultsInjected: this.faults,
      ruleViolations: this.violations.map((v) => ({ ...v })),
    };
  }
}
