/**
 * How `plan` shows its result: one row per item with its action in DESIGN.md's words, notes,
 * the headroom table and counts for people; one JSON document for machines.
 */
import type { ItemPlan } from "../engine/planner.js";
import type { ItemAction } from "../state/types.js";
import type { ExistingCounts, HeadroomRow } from "./headroom.js";

/** Actions in the order counts are printed. */
export const ACTIONS: readonly ItemAction[] = ["create", "create-version", "adopt", "update", "done", "re-attach", "retry", "blocked"];

/** The sentence `plan` always ends with: reads cannot prove the right to write. */
export const WRITE_PERMISSION_NOTE =
  "Write permission cannot be proven without writing: `plan` only read. `run` needs Contributor (or Compute Gallery Artifacts Publisher) on the gallery and Reader on each source image.";

/** One item of `plan --json`. */
export interface PreviewItem {
  key: string;
  source: string;
  gallery: string;
  definition: string;
  version: string;
  action: ItemAction;
  reason?: string;
  remedy?: string;
  notes: string[];
}

/** The document `plan --json` prints. */
export interface PreviewDocument {
  plan: string;
  armEndpoint: string;
  items: PreviewItem[];
  counts: Record<ItemAction, number> & { total: number };
  headroom: HeadroomRow[];
  /** Sources that feed several versions: the service takes one at a time, so they run in this order. */
  sharedSources: { source: string; order: string[] }[];
  /** Subscriptions whose headroom could not be read, and why. */
  headroomUnknown: { subscriptionId: string; error: string }[];
  notes: string[];
}

/** Counts items per action (every action present, zero when unused). */
export function countActions(items: ItemPlan[]): Record<ItemAction, number> & { total: number } {
  const counts = Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<ItemAction, number>;
  for (const item of items) counts[item.action] += 1;
  return { ...counts, total: items.length };
}

/** Builds the JSON document of a preview. */
export function previewDocument(plan: string, armEndpoint: string, items: ItemPlan[], headroom: HeadroomRow[], existing: ExistingCounts): PreviewDocument {
  return {
    plan,
    armEndpoint,
    items: items.map((item) => ({
      key: item.migration.key,
      source: item.migration.source.id,
      gallery: item.migration.gallery.name,
      definition: item.migration.definition.name,
      version: item.migration.version.name,
      action: item.action,
      ...(item.reason !== undefined ? { reason: item.reason } : {}),
      ...(item.remedy !== undefined ? { remedy: item.remedy } : {}),
      notes: item.notes,
    })),
    counts: countActions(items),
    headroom,
    sharedSources: sharedSources(items),
    headroomUnknown: [...existing].flatMap(([subscriptionId, counts]) => ("error" in counts ? [{ subscriptionId, error: counts.error }] : [])),
    notes: [WRITE_PERMISSION_NOTE],
  };
}

const RUNS = new Set<ItemAction>(["create", "create-version", "update", "re-attach", "retry"]);

/** Sources that more than one runnable item uses, with their versions in run (plan) order. */
function sharedSources(items: ItemPlan[]): { source: string; order: string[] }[] {
  const bySource = new Map<string, ItemPlan[]>();
  for (const item of [...items].sort((a, b) => a.migration.index - b.migration.index)) {
    if (!RUNS.has(item.action)) continue;
    const key = item.migration.source.id.toLowerCase();
    bySource.set(key, [...(bySource.get(key) ?? []), item]);
  }
  return [...bySource.values()]
    .filter((group) => group.length > 1)
    .map((group) => ({
      source: group[0]!.migration.source.id,
      order: group.map((i) => `${i.migration.gallery.name}/${i.migration.definition.name}/${i.migration.version.name}`),
    }));
}

function actionText(item: PreviewItem): string {
  if (item.action === "blocked") return `blocked: ${item.reason ?? "unknown reason"}${item.remedy ? `; remedy: ${item.remedy}` : ""}`;
  if (item.action === "retry" && item.reason) return `retry (last failure: ${item.reason})`;
  return item.action;
}

/** Renders the preview as lines for stderr. */
export function renderPreview(doc: PreviewDocument): string[] {
  const rows = doc.items.map((item, i) => ({
    n: String(i + 1),
    source: item.source.split("/").pop() ?? item.source,
    target: `${item.gallery}/${item.definition}/${item.version}`,
    item,
  }));
  const wn = Math.max(1, ...rows.map((r) => r.n.length));
  const ws = Math.max(6, ...rows.map((r) => r.source.length));
  const wt = Math.max(6, ...rows.map((r) => r.target.length));
  const lines = [`${"#".padStart(wn)}  ${"SOURCE".padEnd(ws)}  ${"TARGET".padEnd(wt)}  ACTION`];
  for (const r of rows) {
    lines.push(`${r.n.padStart(wn)}  ${r.source.padEnd(ws)}  ${r.target.padEnd(wt)}  ${actionText(r.item)}`);
    for (const note of r.item.notes) lines.push(`${" ".repeat(wn + 2)}- ${note}`);
  }
  if (doc.sharedSources.length > 0) {
    lines.push("", "sources feeding several versions (one at a time, in this order):");
    for (const shared of doc.sharedSources) lines.push(`  ${shared.source.split("/").pop()}: ${shared.order.join(" → ")}`);
  }
  if (doc.headroom.length > 0 || doc.headroomUnknown.length > 0) {
    lines.push("", "headroom per subscription and region (limits: 100 galleries, 1000 definitions, 10000 versions):");
    for (const h of doc.headroom) {
      lines.push(
        `  ${h.subscriptionId} ${h.region} ${h.resource}: ${h.existing} exist + ${h.adding} new = ${h.existing + h.adding} of ${h.limit}${h.exceeded ? "  EXCEEDED" : ""}`,
      );
    }
    for (const u of doc.headroomUnknown) lines.push(`  ${u.subscriptionId}: could not be read: ${u.error}`);
  }
  const c = doc.counts;
  const used = ACTIONS.filter((a) => c[a] > 0).map((a) => `${a} ${c[a]}`);
  lines.push("", `${c.total} item(s): ${used.join(", ") || "none"}`);
  lines.push(...doc.notes);
  return lines;
}
