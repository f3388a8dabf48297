/** The faults file (DESIGN.md "Faults file"), after loading and defaults. Shared by the server, throttling, faults and replication modules. */

export interface Budget3030 {
  "3Min": number;
  "30Min": number;
}

export interface TokenBucket {
  bucket: number;
  refillPerSecond: number;
}

export interface ThrottlingConfig {
  /** Off entirely (`throttling: none`). */
  enabled: boolean;
  /** Compute gallery policies by name (`CreateUpdateGalleryImageVersion`…), windows on the scaled clock. */
  policies: Record<string, Budget3030>;
  /** ARM per-subscription token buckets, refilled on the scaled clock. */
  arm: { reads: TokenBucket; writes: TokenBucket; deletes: TokenBucket };
}

export interface ReplicationModel {
  /** Fixed part of every version's replication, simulated minutes. */
  baseMinutes: number;
  /** Added per GB of source (OS + data disks). */
  minutesPerGB: number;
  /** Added per target region beyond the first. */
  minutesPerRegion: number;
  /** Added per replica beyond one in a region. */
  minutesPerReplica: number;
  /** Probability that one region's replication fails. */
  regionFailureRate: number;
}

export interface FaultsConfig {
  seed: number;
  throttling: ThrottlingConfig;
  errors: { rate: number; statuses: number[]; methods: string[] };
  resets: { rate: number };
  latencyMs: { min: number; max: number };
  replication: ReplicationModel;
}
