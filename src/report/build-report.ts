import type { Migration, Plan } from "../plan/types.js";
import type { ItemState, ItemStatus, StateDocument } from "../state/types.js";
import { parseGalleryResourceId } from "../util/arm-id.js";
import { REPORT_SCHEMA_VERSION } from "./types.js";
import type { Report, ReportCounts, ReportItem, ReportRegion } from "./types.js";

const IN_FLIGHT: ReadonlySet<ItemStatus> = new Set(["running", "submitting", "in-flight", "verifying"]);

/** Whether an item's status counts as in flight (work started, not finished). */
export function isInFlight(status: ItemStatus): boolean {
  return IN_FLIGHT.has(status);
}

/**
 * Builds the report of a state: in plan order when a plan is given (its items missing from the
 * state are `pending`; state items no longer in the plan follow, with a note), else in state order.
 */
export function buildReport(doc: StateDocument, options: { plan?: Plan; statePath?: string; now?: Date } = {}): Report {
  const now = options.now ?? new Date();
  const items: ReportItem[] = [];
  if (options.plan) {
    const planned = new Set<string>();
    for (const migration of options.plan.migrations) {
      planned.add(migration.key);
      const state = doc.items[migration.key];
      if (!state) {
        items.push(pendingItem(migration));
        continue;
      }
      const item = stateItem(state, now, migration);
      if (state.fingerprint !== migration.fingerprint) {
        item.note = "its plan entry changed since this state was written; the next run plans it afresh";
      }
      items.push(item);
    }
    for (const state of Object.values(doc.items)) {
      if (planned.has(state.key)) continue;
      items.push({ ...stateItem(state, now), note: "no longer in the plan; kept in the state, not touched by a run of this plan" });
    }
  } else {
    for (const state of Object.values(doc.items)) items.push(stateItem(state, now));
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    plan: options.plan?.file ?? doc.plan,
    stateFile: options.statePath ?? null,
    armEndpoint: doc.armEndpoint,
    generatedAt: now.toISOString(),
    counts: countItems(items),
    items,
  };
}

/** Tallies items by where they stand. */
export function countItems(items: readonly Pick<ReportItem, "status">[]): ReportCounts {
  const counts: ReportCounts = { total: items.length, done: 0, failed: 0, blocked: 0, inFlight: 0, pending: 0 };
  for (const { status } of items) {
    if (status === "done") counts.done++;
    else if (status === "failed") counts.failed++;
    else if (status === "blocked") counts.blocked++;
    else if (status === "pending") counts.pending++;
    else counts.inFlight++;
  }
  return counts;
}

function pendingItem(migration: Migration): ReportItem {
  return {
    key: migration.key,
    source: migration.source.id,
    gallery: migration.gallery.name,
    definition: migration.definition.name,
    version: migration.version.name,
    status: "pending",
    action: null,
    attempts: 0,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    regions: plannedRegions(migration),
  };
}

function stateItem(state: ItemState, now: Date, migration?: Migration): ReportItem {
  const parts = parseGalleryResourceId(state.versionId) ?? parseGalleryResourceId(state.key);
  const segments = state.key.split("/");
  const regions: ReportRegion[] =
    state.regions && state.regions.length > 0
      ? state.regions.map((r) => ({ region: r.region, state: r.state, progress: r.progress ?? null }))
      : migration
        ? plannedRegions(migration)
        : [];
  const item: ReportItem = {
    key: state.key,
    source: state.sourceId,
    gallery: parts?.gallery ?? migration?.gallery.name ?? "",
    definition: parts?.definition ?? migration?.definition.name ?? segments.at(-3) ?? "",
    version: parts?.version ?? migration?.version.name ?? segments.at(-1) ?? "",
    status: state.status,
    action: state.action ?? null,
    attempts: state.attempts,
    startedAt: state.startedAt ?? null,
    finishedAt: state.finishedAt ?? null,
    durationMs: durationOf(state, now),
    regions,
  };
  if ((state.status === "failed" || state.status === "blocked") && state.lastError) {
    const { code, message, remedy, transient } = state.lastError;
    item.error = { code, message, remedy: remedy ?? null, transient };
  }
  return item;
}

function plannedRegions(migration: Migration): ReportRegion[] {
  return migration.version.targetRegions.map((r) => ({ region: r.name, state: "Unknown", progress: null }));
}

function durationOf(state: ItemState, now: Date): number | null {
  if (!state.startedAt) return null;
  const start = Date.parse(state.startedAt);
  const end = state.finishedAt ? Date.parse(state.finishedAt) : isInFlight(state.status) ? now.getTime() : Number.NaN;
  const ms = end - start;
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}
