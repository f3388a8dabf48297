/**
 * The replication model of an image version: how long each target region takes, and which fail.
 *
 * Model (simulated time, parameters from the faults file's `replication`, defaults in faults.ts):
 *   one region's copy takes  (baseMinutes + minutesPerGB × sourceGB + minutesPerReplica × (replicas − 1)) × jitter
 *   region i (0 = the first target) starts i × minutesPerRegion after the operation began
 *     (the service fans out one region after another, the copies then overlap)
 *   jitter is uniform in [1, 1.05) from FaultInjector.random(), so a run is reproducible from the seed.
 *   The operation ends when the last region ends. With the defaults (5 + 0.075/GB + 2/region + 1/replica)
 *   a 40 GB image in one region takes about 8 minutes (the recording's 30+10 GB took 8), a small image
 *   (≤128 GB, ≤3 regions, one replica) 5-20 minutes, and a 2 TB image in ten regions several hours.
 *   A failing region (FaultInjector.regionFails()) fails at a random point of its copy.
 */
import type { ReplicationModel } from "./faults-types.js";

/** One region of one replication, as planned when the operation starts. */
export interface RegionTimeline {
  /** Display name, as the service reports it. */
  region: string;
  startAt: number;
  endAt: number;
  /** When set, the region ends Failed with this detail (at `endAt`, part-way through its copy). */
  failure?: string;
  /** A failing region: when its copy would have finished, so its progress shows how far it got. */
  plannedEndAt?: number;
}

/** What the replication model needs about the version and its source. */
export interface ReplicationInput {
  startAt: number;
  sourceGB: number;
  regions: readonly { region: string; replicas: number }[];
}

/** Seeded randomness the model draws from (the FaultInjector). */
export interface ReplicationRandomness {
  random(): number;
  regionFails(): boolean;
}

const MINUTE = 60_000;

/** Plans every region's copy of one replication; pure apart from the draws. */
export function planReplication(input: ReplicationInput, model: ReplicationModel, rnd: ReplicationRandomness): RegionTimeline[] {
  return input.regions.map(({ region, replicas }, index) => {
    const jitter = 1 + 0.05 * rnd.random();
    const minutes = (model.baseMinutes + model.minutesPerGB * input.sourceGB + model.minutesPerReplica * Math.max(0, replicas - 1)) * jitter;
    const startAt = input.startAt + index * model.minutesPerRegion * MINUTE;
    const fails = rnd.regionFails();
    const duration = Math.max(1, Math.round(minutes * MINUTE));
    if (fails) {
      const failAfter = Math.max(1, Math.round(duration * (0.2 + 0.8 * rnd.random())));
      return { region, startAt, endAt: startAt + failAfter, failure: "Failed with internal server error.", plannedEndAt: startAt + duration };
    }
    return { region, startAt, endAt: startAt + duration };
  });
}

/** Simulated ms when the whole replication ends (its last region). */
export function replicationEnd(timeline: readonly RegionTimeline[], fallback: number): number {
  return timeline.reduce((end, r) => Math.max(end, r.endAt), fallback);
}

/** Per-region state and progress at `now`, as `$expand=ReplicationStatus` shows them. */
export function regionStatus(r: RegionTimeline, now: number): { region: string; state: string; details: string; progress: number } {
  if (now >= r.endAt) {
    return r.failure !== undefined
      ? { region: r.region, state: "Failed", details: r.failure, progress: progressAt(r, r.endAt) }
      : { region: r.region, state: "Completed", details: "", progress: 100 };
  }
  return { region: r.region, state: "Replicating", details: "", progress: progressAt(r, now) };
}

/** Percent copied, linear in time; a region that is not yet finished never reports 100. */
function progressAt(r: RegionTimeline, now: number): number {
  if (now <= r.startAt) return 0;
  const end = r.plannedEndAt ?? r.endAt;
  return Math.max(0, Math.min(99, Math.floor((100 * (now - r.startAt)) / Math.max(1, end - r.startAt))));
}
