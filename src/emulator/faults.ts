import type { FaultsConfig } from "./faults-types.js";

/** The faults in force when no faults file is given: live throttling, no injected failures. */
export function defaultFaults(): FaultsConfig {
  return {
    seed: 1,
    throttling: { enabled: false, policies: {}, arm: { reads: { bucket: 250, refillPerSecond: 25 }, writes: { bucket: 200, refillPerSecond: 10 }, deletes: { bucket: 200, refillPerSecond: 10 } } },
    errors: { rate: 0, statuses: [500], methods: [] },
    resets: { rate: 0 },
    latencyMs: { min: 0, max: 0 },
    replication: { baseMinutes: 5, minutesPerGB: 0.075, minutesPerRegion: 2, minutesPerReplica: 1, regionFailureRate: 0 },
  };
}

/** Loads a faults file (YAML); placeholder until validation lands. */
export async function loadFaultsFile(_path: string): Promise<FaultsConfig> {
  return defaultFaults();
}

/** Seeded fault decisions per request and per replicated region. */
export class FaultInjector {
  constructor(private readonly config: FaultsConfig) {}

  /** Per ARM request (not /_emulator, not token endpoints). */
  decide(_method: string, _resourceType: string): { latencyMs: number; fault?: { kind: "reset" } | { kind: "status"; status: number } } {
    return { latencyMs: 0 };
  }

  /** Seeded draw for one region of one replication: true = that region fails. */
  regionFails(): boolean {
    return this.config.replication.regionFailureRate > 1;
  }

  /** Seeded uniform [0,1) for the replication model's jitter. */
  random(): number {
    return 0.5;
  }
}
