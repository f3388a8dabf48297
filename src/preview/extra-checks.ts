/**
 * Checks `plan` adds on top of the shared planner's decision, from issue 5's list: image and
 * disk size limits, and a (publisher, offer, sku) already used by another definition of the
 * gallery. Both would only fail later, inside `run`, after writes.
 */
import type { AzureReader, DefinitionInfo } from "../azure/port.js";
import type { ItemPlan } from "../engine/planner.js";
import { sizeProblem } from "./source-checks.js";

const WILL_CREATE_VERSION = new Set(["create", "create-version", "retry"]);

function block(item: ItemPlan, reason: string, remedy: string): void {
  item.action = "blocked";
  item.reason = reason;
  item.remedy = remedy;
  // The planner's notes describe what would have been created; for a blocked item they mislead.
  item.notes = item.notes.filter((note) => !/will be created|adds source region|is created once/.test(note));
}

// ARM's 403 names the action refused: "…does not have authorization to perform action 'X' over scope 'Y'…".
const REFUSED_ACTION = /perform action '([^']+)' over scope '([^']+)'/i;

/** The role a refused read shows is missing, in words a user can hand to whoever grants access; undefined when not a 403. */
export function missingRole(reason: string): string | undefined {
  if (!/AuthorizationFailed|does not have authorization|\b403\b/i.test(reason)) return undefined;
  const m = REFUSED_ACTION.exec(reason);
  const action = m?.[1]?.toLowerCase() ?? "";
  const scope = m?.[2] ?? "the resource";
  if (action.startsWith("microsoft.compute/images/")) {
    return `grant the identity Reader on the source managed image (${scope}); \`run\` also needs Contributor (or Compute Gallery Artifacts Publisher) on the gallery`;
  }
  if (action.startsWith("microsoft.compute/galleries")) {
    return `grant the identity Reader on the gallery (${scope}) to preview it, and Contributor (or Compute Gallery Artifacts Publisher) to run`;
  }
  return undefined;
}

/** Blocks items whose source is over the size limits, or whose new definition's identifier is taken; reads only. */
export async function applyExtraChecks(items: ItemPlan[], reader: AzureReader, signal?: AbortSignal): Promise<void> {
  for (const item of items) {
    const role = item.action === "blocked" && item.reason ? missingRole(item.reason) : undefined;
    if (role) item.remedy = role;
    if (!WILL_CREATE_VERSION.has(item.action) || item.version || !item.image) continue;
    const problem = sizeProblem(item.image);
    if (problem) block(item, problem.reason, problem.remedy);
  }

  // Only definitions `run` would create can collide; existing ones were compared by the planner.
  const listings = new Map<string, Promise<DefinitionInfo[]>>();
  const definitionsOf = (galleryId: string): Promise<DefinitionInfo[]> => {
    let listing = listings.get(galleryId.toLowerCase());
    if (!listing) {
      listing = (async () => {
        const all: DefinitionInfo[] = [];
        for await (const d of reader.listDefinitions(galleryId, signal)) all.push(d);
        return all;
      })();
      listings.set(galleryId.toLowerCase(), listing);
    }
    return listing;
  };
  for (const item of items) {
    if (item.action === "blocked" || item.action === "done" || item.definition || !item.gallery) continue;
    const d = item.migration.definition;
    const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
    const taken = (await definitionsOf(item.gallery.id)).find(
      (other) => !same(other.name, d.name) && same(other.publisher, d.publisher) && same(other.offer, d.offer) && same(other.sku, d.sku),
    );
    if (taken) {
      block(
        item,
        `publisher/offer/sku (${d.publisher}, ${d.offer}, ${d.sku}) is already used by definition ${taken.name} in gallery ${item.migration.gallery.name}`,
        `use definition ${taken.name} instead, or change offer or sku of ${d.name} in the plan (the triple must be unique in a gallery)`,
      );
    }
  }
}
