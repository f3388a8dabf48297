/**
 * Which source managed images `cleanup` may delete (FACTS.md §5): only those whose every item
 * is `done` in the state AND whose versions Azure shows Succeeded with replication Completed in
 * every region. Reads only; the command does the deleting.
 */
import type { AzureReader } from "../azure/port.js";
import type { Migration, Plan } from "../plan/types.js";
import type { StateDocument } from "../state/types.js";

/** A source image verified safe to delete, with the items (state keys) that used it. */
export interface CleanupCandidate {
  sourceId: string;
  keys: string[];
  versions: string[];
}

/** A source image left alone, and why. */
export interface CleanupSkip {
  sourceId: string;
  reason: string;
}

/** The verdict for every source of the plan. */
export interface CleanupSelection {
  delete: CleanupCandidate[];
  skip: CleanupSkip[];
}

/** Why a version is not (yet) a safe independent copy of its source, or undefined when it is. */
async function unverified(reader: AzureReader, migration: Migration, signal?: AbortSignal): Promise<string | undefined> {
  const version = await reader.getVersion(migration.version.id, { replicationStatus: true, ...(signal ? { signal } : {}) });
  const name = `${migration.definition.name}/${migration.version.name}`;
  if (!version) return `version ${name} was not found in Azure`;
  if (version.sourceId !== undefined && version.sourceId.toLowerCase() !== migration.source.id.toLowerCase()) {
    return `version ${name} was made from another source (${version.sourceId})`;
  }
  if (version.provisioningState !== "Succeeded") return `version ${name} is ${version.provisioningState ?? "in an unknown state"}, not Succeeded`;
  const replication = version.replication;
  if (!replication) return `version ${name} reports no replication status`;
  const pending = replication.regions.filter((r) => r.state !== "Completed");
  if (replication.aggregatedState !== "Completed" || pending.length > 0) {
    const where = pending.map((r) => `${r.region} ${r.state}`).join(", ");
    return `version ${name} has not finished replicating (${replication.aggregatedState}${where ? `: ${where}` : ""})`;
  }
  return undefined;
}

/** Decides, per source image of the plan, whether `cleanup` deletes it; every check is a read. */
export async function selectCleanup(plan: Plan, state: Readonly<StateDocument>, reader: AzureReader, signal?: AbortSignal): Promise<CleanupSelection> {
  const bySource = new Map<string, Migration[]>();
  for (const m of plan.migrations) {
    const key = m.source.id.toLowerCase();
    bySource.set(key, [...(bySource.get(key) ?? []), m]);
  }
  const selection: CleanupSelection = { delete: [], skip: [] };
  for (const migrations of bySource.values()) {
    const sourceId = migrations[0]!.source.id;
    const records = migrations.map((m) => ({ m, item: state.items[m.key] }));
    const deletedAt = records.find((r) => r.item?.sourceDeletedAt)?.item?.sourceDeletedAt;
    if (deletedAt) {
      selection.skip.push({ sourceId, reason: `already deleted by cleanup at ${deletedAt}` });
      continue;
    }
    const notDone = records.find((r) => r.item?.status !== "done");
    if (notDone) {
      const status = notDone.item?.status ?? "not started";
      selection.skip.push({
        sourceId,
        reason: `still needed: item ${notDone.m.definition.name}/${notDone.m.version.name} is ${status}, not done`,
      });
      continue;
    }
    let problem: string | undefined;
    for (const { m } of records) {
      problem = await unverified(reader, m, signal);
      if (problem) break;
    }
    if (problem) {
      selection.skip.push({ sourceId, reason: `not verified: ${problem}` });
      continue;
    }
    if (!(await reader.getImage(sourceId, signal))) {
      selection.skip.push({ sourceId, reason: "the managed image no longer exists" });
      continue;
    }
    selection.delete.push({ sourceId, keys: migrations.map((m) => m.key), versions: migrations.map((m) => m.version.id) });
  }
  return selection;
}
