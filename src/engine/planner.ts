/**
 * Decides, read-only, what `run` does with each item (DESIGN.md's one-word actions). Shared by
 * `plan` (which prints it) and `run` (which acts on it).
 */
import pLimit from "p-limit";
import type { LimitFunction } from "p-limit";
import type { AzureReader, DefinitionInfo, GalleryInfo, ManagedImage, VersionInfo } from "../azure/port.js";
import { AzureError, remedyFor, toAzureError } from "../azure/errors.js";
import type { Migration, Plan, StorageAccountType } from "../plan/types.js";
import type { ItemAction, ItemState, StateDocument } from "../state/types.js";
import { sameId } from "../util/arm-id.js";
import { definitionMismatch, desiredRegions, imageMismatch, versionDifference } from "./desired.js";

/** What the run would do with one item, and what the reads found. */
export interface ItemPlan {
  migration: Migration;
  action: ItemAction;
  /** For blocked (and for retry: why it failed last time). */
  reason?: string;
  remedy?: string;
  notes: string[];
  image?: ManagedImage;
  definition?: DefinitionInfo;
  version?: VersionInfo;
  gallery?: GalleryInfo;
  /** The state record the decision started from, if any. */
  previous?: ItemState;
}

/** Options of planMigrations. */
export interface PlanOptions {
  signal?: AbortSignal;
  now?: Date;
  /** Concurrent Azure reads (default 16). */
  concurrency?: number;
  /** Retry failed items whatever their failure (`run --retry-failed`). */
  retryFailed?: boolean;
  /** A Failed version would be deleted and recreated (`run --replace-failed`). */
  replaceFailed?: boolean;
}

const IN_FLIGHT = new Set(["submitting", "in-flight", "verifying"]);

/** Whether a failed item is retried on this run (DESIGN.md: transient, changed, or --retry-failed). */
export function isRetried(previous: ItemState, migration: Migration, retryFailed: boolean): boolean {
  return retryFailed || previous.fingerprint !== migration.fingerprint || previous.lastError?.transient === true;
}

/**
 * How many items must share a parent before one list (every page) replaces their GETs: a list
 * costs a page per few dozen children whatever we need, a GET one request per child needed.
 * Images take more because a resource group often holds many images the plan does not name.
 */
export const LIST_THRESHOLDS = { images: 20, definitions: 3, versions: 3 } as const;

/** Read-only: decides each item's action from the plan, what Azure holds and the state. Never writes. */
export async function planMigrations(plan: Plan, reader: AzureReader, state: StateDocument | undefined, options: PlanOptions = {}): Promise<ItemPlan[]> {
  const limit = pLimit(options.concurrency ?? 16);
  const signal = options.signal;
  // Only items that will read Azure count towards a parent's list (done and in-flight ones do not).
  const reading = plan.migrations.filter((m) => needsReads(m, state?.items[m.key], options));
  const galleries = new Map<string, Promise<GalleryInfo | undefined>>();
  const images = childLookup<ManagedImage>(limit, LIST_THRESHOLDS.images, reading.map((m) => ({ parent: `${m.source.subscriptionId}/${m.source.resourceGroup}`, child: m.source.id })), {
    list: (parent) => {
      const [subscriptionId, resourceGroup] = parent.split("/") as [string, string];
      return reader.listImages(subscriptionId, resourceGroup, signal);
    },
    get: (id) => reader.getImage(id, signal),
  });
  const definitions = childLookup<DefinitionInfo>(limit, LIST_THRESHOLDS.definitions, reading.map((m) => ({ parent: m.gallery.id, child: m.definition.id })), {
    list: (galleryId) => reader.listDefinitions(galleryId, signal),
    get: (id) => reader.getDefinition(id, signal),
  });
  const versions = childLookup<VersionInfo>(limit, LIST_THRESHOLDS.versions, reading.map((m) => ({ parent: m.definition.id, child: m.version.id })), {
    list: (definitionId) => reader.listVersions(definitionId, signal),
    get: (id) => reader.getVersion(id, { signal }),
  });
  const gallery = (m: Migration): Promise<GalleryInfo | undefined> => {
    const key = m.gallery.id.toLowerCase();
    let hit = galleries.get(key);
    if (!hit) {
      hit = limit(() => reader.getGallery(m.gallery.id, signal));
      galleries.set(key, hit);
    }
    return hit;
  };
  // Children of a parent that does not exist do not exist either: no read needed.
  const definition = async (m: Migration): Promise<DefinitionInfo | undefined> =>
    (await gallery(m)) ? definitions.read(m.gallery.id, m.definition.id) : undefined;
  const version = async (m: Migration): Promise<VersionInfo | undefined> =>
    (await definition(m)) ? versions.read(m.definition.id, m.version.id) : undefined;
  const plans = await Promise.all(
    plan.migrations.map((migration) => planOne(migration, state?.items[migration.key], {
      image: () => images.read(`${migration.source.subscriptionId}/${migration.source.resourceGroup}`, migration.source.id),
      gallery: () => gallery(migration),
      definition: () => definition(migration),
      version: () => version(migration),
    }, options)),
  );
  annotateShared(plans);
  return plans;
}

/** Reads of one kind of child resource: a list per parent where enough items share it, else GETs. */
interface ChildLookup<T> {
  read(parent: string, child: string): Promise<T | undefined>;
}

/**
 * Batches child reads under `limit`. A parent named by at least `threshold` distinct children is
 * listed once (all pages, stopping early once every needed child is seen); a child the complete
 * list lacks does not exist. A list that fails or runs too long falls back to GETs for the
 * children it did not find, so a list refused where a GET is allowed changes nothing.
 */
function childLookup<T extends { id: string }>(
  limit: LimitFunction,
  threshold: number,
  wanted: { parent: string; child: string }[],
  reads: { list(parent: string): AsyncIterable<T>; get(id: string): Promise<T | undefined> },
): ChildLookup<T> {
  const needed = new Map<string, Set<string>>();
  for (const w of wanted) {
    const key = w.parent.toLowerCase();
    const set = needed.get(key) ?? new Set<string>();
    set.add(w.child.toLowerCase());
    needed.set(key, set);
  }
  const listings = new Map<string, Promise<{ found: Map<string, T>; complete: boolean }>>();
  const gets = new Map<string, Promise<T | undefined>>();
  const get = (id: string): Promise<T | undefined> => {
    const key = id.toLowerCase();
    let hit = gets.get(key);
    if (!hit) {
      hit = limit(() => reads.get(id));
      gets.set(key, hit);
    }
    return hit;
  };
  const listing = (parent: string, children: Set<string>): Promise<{ found: Map<string, T>; complete: boolean }> => {
    const key = parent.toLowerCase();
    let hit = listings.get(key);
    if (!hit) {
      hit = limit(async () => {
        const found = new Map<string, T>();
        // A parent with far more children than we need is cheaper read by GETs: stop and fall back.
        const budget = Math.max(200, children.size * 10);
        let seen = 0;
        try {
          for await (const item of reads.list(parent)) {
            const id = item.id.toLowerCase();
            if (children.has(id)) found.set(id, item);
            if (found.size === children.size) return { found, complete: true };
            if (++seen >= budget) return { found, complete: false };
          }
          return { found, complete: true };
        } catch {
          // The GETs that follow report the error in the item's own words (or succeed).
          return { found, complete: false };
        }
      });
      listings.set(key, hit);
    }
    return hit;
  };
  return {
    async read(parent: string, child: string): Promise<T | undefined> {
      const children = needed.get(parent.toLowerCase());
      if (!children || children.size < threshold) return get(child);
      const { found, complete } = await listing(parent, children);
      const hit = found.get(child.toLowerCase());
      if (hit || complete) return hit;
      return get(child);
    },
  };
}

/** Whether planning this item reads Azure at all (planOne's early answers need only the state). */
function needsReads(migration: Migration, previous: ItemState | undefined, options: PlanOptions): boolean {
  if (previous === undefined || previous.fingerprint !== migration.fingerprint) return true;
  if (previous.status === "done" || IN_FLIGHT.has(previous.status)) return false;
  return !(previous.status === "failed" && !isRetried(previous, migration, options.retryFailed === true));
}

interface Reads {
  image(): Promise<ManagedImage | undefined>;
  gallery(): Promise<GalleryInfo | undefined>;
  definition(): Promise<DefinitionInfo | undefined>;
  version(): Promise<VersionInfo | undefined>;
}

function blocked(base: ItemPlan, reason: string, remedy?: string): ItemPlan {
  return { ...base, action: "blocked", reason, ...(remedy !== undefined ? { remedy } : {}) };
}

async function planOne(migration: Migration, previous: ItemState | undefined, reads: Reads, options: PlanOptions): Promise<ItemPlan> {
  const base: ItemPlan = { migration, action: "create", notes: [], ...(previous ? { previous } : {}) };
  const unchanged = previous !== undefined && previous.fingerprint === migration.fingerprint;
  if (unchanged && previous.status === "done") return { ...base, action: "done" };
  if (unchanged && IN_FLIGHT.has(previous.status)) {
    return { ...base, action: "re-attach", notes: [previous.poller ? "re-attaches to the saved operation" : "reads the version and waits for it"] };
  }
  if (unchanged && previous.status === "failed" && !isRetried(previous, migration, options.retryFailed === true)) {
    return blocked(
      base,
      `failed on a previous run: ${previous.lastError?.code ?? "Error"}: ${previous.lastError?.message ?? "unknown"}`,
      previous.lastError?.remedy ?? "fix the cause, then re-run with --retry-failed",
    );
  }
  const retrying = previous !== undefined && (previous.status === "failed" || (previous.status === "blocked" && !unchanged));
  try {
    const planned = await planFromAzure(base, reads, options);
    if (retrying && planned.action !== "blocked" && planned.action !== "adopt" && previous?.lastError) {
      return {
        ...planned,
        action: "retry",
        reason: `${previous.lastError.code}: ${previous.lastError.message}`,
        notes: [`then: ${planned.action}`, ...planned.notes],
      };
    }
    return planned;
  } catch (error: unknown) {
    const e = toAzureError(error);
    if (e instanceof AzureError) {
      return blocked(base, `${e.code}: ${e.message}`, remedyFor(e) ?? (e.transient ? "a transient Azure error: re-run" : undefined));
    }
    throw e;
  }
}

async function planFromAzure(base: ItemPlan, reads: Reads, options: PlanOptions): Promise<ItemPlan> {
  const m = base.migration;
  const [image, gallery, definition, version] = await Promise.all([reads.image(), reads.gallery(), reads.definition(), reads.version()]);
  const found: ItemPlan = {
    ...base,
    ...(image ? { image } : {}),
    ...(gallery ? { gallery } : {}),
    ...(definition ? { definition } : {}),
    ...(version ? { version } : {}),
  };
  const notes = found.notes;

  if (version) {
    // A version that exists decides first: it may exist although its source is gone.
    if (version.sourceId !== undefined && !sameId(version.sourceId, m.source.id)) {
      return blocked(
        found,
        `conflict: version ${m.version.name} of ${m.definition.name} already exists with another source (${version.sourceId})`,
        "it is never overwritten: choose another version name in the plan (or delete that version yourself)",
      );
    }
  }
  if (!image) {
    return blocked(found, `Source ${m.source.id} is not found. Please check source exists, and is in the same region as gallery image version being created`, "check the source id (subscription, resource group, name) and that you can read it, then fix `source` in the plan");
  }
  if (image.provisioningState !== "Succeeded") {
    return blocked(found, `source managed image is ${image.provisioningState}, not Succeeded`, "wait for the image to finish provisioning, then re-run");
  }
  const imageProblem = imageMismatch(m, image);
  if (imageProblem) return blocked(found, imageProblem, "remove the contradicting value from the plan (it derives from the image) or fix it");
  if (!gallery) {
    if (!m.gallery.create) {
      return blocked(found, `gallery ${m.gallery.name} does not exist`, "create it, or set `gallery.create: true` with a `location` in the plan");
    }
    notes.push(`gallery ${m.gallery.name} will be created in ${m.gallery.location ?? image.location}`);
  }
  if (definition) {
    const problem = definitionMismatch(m, definition, image);
    if (problem) {
      return blocked(found, problem, "target a new definition name whose properties match the image (definition properties cannot change)");
    }
  }
  const regions = desiredRegions(m, image);
  if (!m.version.targetRegions.some((r) => r.name === image.location)) {
    notes.push(`adds source region ${image.location} (replicas ${regions.find((r) => r.name === image.location)?.replicaCount ?? 1})`);
  }

  if (version) {
    const state = version.provisioningState ?? "Succeeded";
    if (state === "Failed") {
      notes.push(options.replaceFailed ? "the version is Failed: it will be deleted and recreated (--replace-failed)" : "the version is Failed: an update re-replicates it");
      return { ...found, action: options.replaceFailed ? "create-version" : "update" };
    }
    if (state === "Creating" || state === "Updating") {
      return { ...found, action: "re-attach", notes: [...notes, `the version is ${state}: waits for it`] };
    }
    const diff = versionDifference(m, version, regions, storageOf(m, image));
    if (diff.blocking) return blocked(found, diff.blocking, "storage type and source cannot change: choose another version name in the plan");
    if (diff.changes.length === 0) return { ...found, action: "adopt", notes: [...notes, "exists with the same source and settings"] };
    return { ...found, action: "update", notes: [...notes, ...diff.changes] };
  }
  if (!definition) {
    notes.push(`definition ${m.definition.name} will be created (${m.definition.osType ?? image.osType ?? "?"}, ${m.definition.hyperVGeneration ?? image.hyperVGeneration ?? "V1"}, ${m.definition.securityType})`);
    return { ...found, action: "create" };
  }
  return { ...found, action: "create-version" };
}

/** The storage type a version gets: the plan's, else mirroring the source (ZRS when zone-resilient). */
export function storageOf(m: Migration, image: ManagedImage): StorageAccountType {
  return m.version.storageAccountType ?? (image.zoneResilient ? "Standard_ZRS" : "Standard_LRS");
}

/** Adds notes that depend on other items: shared definitions, one version at a time per source. */
function annotateShared(plans: ItemPlan[]): void {
  const bySource = new Map<string, ItemPlan[]>();
  const creatingDefinition = new Map<string, ItemPlan[]>();
  for (const p of plans) {
    if (p.action === "done" || p.action === "blocked" || p.action === "adopt") continue;
    const source = p.migration.source.id.toLowerCase();
    bySource.set(source, [...(bySource.get(source) ?? []), p]);
    if (!p.definition) {
      const def = p.migration.definition.id.toLowerCase();
      creatingDefinition.set(def, [...(creatingDefinition.get(def) ?? []), p]);
    }
  }
  for (const group of bySource.values()) {
    for (let i = 1; i < group.length; i++) group[i]!.notes.push(`runs after ${group[i - 1]!.migration.version.name} (same source)`);
  }
  for (const group of creatingDefinition.values()) {
    if (group.length > 1) {
      for (let i = 1; i < group.length; i++) {
        const p = group[i]!;
        // Only the first item creates a shared definition; the others create just their version.
        if (p.action === "create") p.action = "create-version";
        const created = `definition ${p.migration.definition.name} will be created`;
        p.notes = p.notes.filter((note) => !note.startsWith(created));
        p.notes.push(`definition ${p.migration.definition.name} is created once, by ${group[0]!.migration.version.name}`);
      }
    }
  }
}
