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

/** What an access denial refuses: GET (read), PUT and PATCH (write), DELETE (delete). */
export type AccessAction = "read" | "write" | "delete";

/** The caller lacks a role at `scope` (a resource id prefix, case-insensitive, segment-aligned): 403 `AuthorizationFailed`. */
export interface AccessDenial {
  scope: string;
  actions: AccessAction[];
}

/** An ARM management lock on `scope` and everything under it: 409 `ScopeLocked`. */
export interface ResourceLock {
  scope: string;
  /** `CanNotDelete` refuses DELETE; `ReadOnly` refuses PUT, PATCH and DELETE. */
  level: "CanNotDelete" | "ReadOnly";
}

export interface FaultsConfig {
  seed: number;
  throttling: ThrottlingConfig;
  errors: { rate: number; statuses: number[]; methods: string[] };
  resets: { rate: number };
  latencyMs: { min: number; max: number };
  replication: ReplicationModel;
  /** Role assignments the caller lacks (default none). */
  access: { deny: AccessDenial[] };
  /** Management locks in force (default none). */
  locks: ResourceLock[];
}
