/**
 * Headroom under the per-subscription, per-region gallery limits (FACTS.md §3.5): what the
 * subscription already holds in each region plus what the plan would add, and which items would
 * cross a limit (they are blocked, in run order, beyond the room that is left).
 */
import pLimit from "p-limit";
import type { AzureReader } from "../azure/port.js";
import type { ItemPlan } from "../engine/planner.js";
import { messageOf } from "../errors.js";
import { shortRegion } from "../util/arm-id.js";

/** The documented limits per subscription per region. */
export const REGION_LIMITS = { galleries: 100, definitions: 1000, versions: 10000 } as const;

/** A kind of resource with a per-region limit. */
export type LimitedResource = keyof typeof REGION_LIMITS;

/** One line of the headroom table. */
export interface HeadroomRow {
  subscriptionId: string;
  region: string;
  resource: LimitedResource;
  /** What the subscription holds there now. */
  existing: number;
  /** What the plan would create there. */
  adding: number;
  limit: number;
  /** existing + adding > limit. */
  exceeded: boolean;
}

/** What a subscription holds per region, counted from the lists. */
export interface RegionCounts {
  galleries: Map<string, number>;
  definitions: Map<string, number>;
  versions: Map<string, number>;
}

/** Counts for each subscription; `error` when the subscription could not be listed (e.g. 403). */
export type ExistingCounts = Map<string, RegionCounts | { error: string }>;

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Lists every gallery, definition and version of the subscriptions and counts them per region. */
export async function countExisting(reader: AzureReader, subscriptions: Iterable<string>, signal?: AbortSignal, concurrency = 16): Promise<ExistingCounts> {
  const result: ExistingCounts = new Map();
  for (const subscription of subscriptions) {
    const counts: RegionCounts = { galleries: new Map(), definitions: new Map(), versions: new Map() };
    try {
      const definitionIds: string[] = [];
      for await (const gallery of reader.listGalleries(subscription, signal)) {
        bump(counts.galleries, shortRegion(gallery.location));
        for await (const definition of reader.listDefinitions(gallery.id, signal)) {
          bump(counts.definitions, shortRegion(definition.location));
          definitionIds.push(definition.id);
        }
      }
      // One list per definition: in parallel, or a gallery with hundreds of definitions takes seconds.
      const limit = pLimit(concurrency);
      await Promise.all(
        definitionIds.map((id) =>
          limit(async () => {
            for await (const version of reader.listVersions(id, signal)) bump(counts.versions, shortRegion(version.location));
          }),
        ),
      );
      result.set(subscription.toLowerCase(), counts);
    } catch (error: unknown) {
      const status = (error as { statusCode?: unknown }).statusCode;
      const role = status === 403 ? " (needs the Reader role on the subscription)" : "";
      result.set(subscription.toLowerCase(), { error: `${messageOf(error)}${role}` });
    }
  }
  return result;
}

const ADDS_VERSION = new Set(["create", "create-version", "retry"]);
const TERMINAL = new Set(["blocked", "done", "adopt", "re-attach"]);

interface Addition {
  resource: LimitedResource;
  subscriptionId: string;
  region: string;
  id: string;
}

/** What one item would create, each with the region it lands in. */
function additionsOf(item: ItemPlan): Addition[] {
  if (TERMINAL.has(item.action)) return [];
  const m = item.migration;
  const sub = m.gallery.subscriptionId.toLowerCase();
  const galleryRegion = shortRegion(item.gallery?.location ?? m.gallery.location ?? item.image?.location ?? "");
  const out: Addition[] = [];
  if (!item.gallery && m.gallery.create) out.push({ resource: "galleries", subscriptionId: sub, region: galleryRegion, id: m.gallery.id.toLowerCase() });
  if (!item.definition) out.push({ resource: "definitions", subscriptionId: sub, region: galleryRegion, id: m.definition.id.toLowerCase() });
  if (!item.version && ADDS_VERSION.has(item.action) && item.image) {
    out.push({ resource: "versions", subscriptionId: sub, region: shortRegion(item.image.location), id: m.key.toLowerCase() });
  }
  return out;
}

/**
 * Builds the headroom table and blocks, in run order (plan order), the items whose new gallery,
 * definition or version would not fit in what is left of a region's limit.
 */
export function applyHeadroom(items: ItemPlan[], existing: ExistingCounts): HeadroomRow[] {
  const rows = new Map<string, HeadroomRow>();
  const counted = new Set<string>();
  const ordered = [...items].sort((a, b) => a.migration.index - b.migration.index);
  for (const item of ordered) {
    const additions = additionsOf(item);
    const over: HeadroomRow[] = [];
    for (const add of additions) {
      const key = `${add.subscriptionId}|${add.region}|${add.resource}`;
      let row = rows.get(key);
      if (!row) {
        const counts = existing.get(add.subscriptionId);
        const have = counts && !("error" in counts) ? (counts[add.resource].get(add.region) ?? 0) : 0;
        row = { subscriptionId: add.subscriptionId, region: add.region, resource: add.resource, existing: have, adding: 0, limit: REGION_LIMITS[add.resource], exceeded: false };
        rows.set(key, row);
      }
      const seen = `${add.resource}|${add.id}`;
      if (counted.has(seen)) continue;
      counted.add(seen);
      row.adding += 1;
      if (row.existing + row.adding > row.limit) {
        row.exceeded = true;
        over.push(row);
      }
    }
    if (over.length > 0) {
      const first = over[0]!;
      item.action = "blocked";
      item.reason = `QuotaExceeded: subscription ${first.subscriptionId} would exceed ${first.limit} ${first.resource} in ${first.region} (${first.existing} exist, the plan adds ${first.adding} up to this item)`;
      item.remedy = "delete unused gallery resources in that region, spread the plan over other regions or subscriptions (for definitions: let versions share definitions), or request a limit increase from Azure support";
    }
  }
  return [...rows.values()].sort(
    (a, b) => a.subscriptionId.localeCompare(b.subscriptionId) || a.region.localeCompare(b.region) || a.resource.localeCompare(b.resource),
  );
}
