/**
 * Decides, read-only, what `run` does with each item (DESIGN.md's one-word actions). Shared by
 * `plan` (which prints it) and `run` (which acts on it).
 */
import pLimit from "p-limit";
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

/** Read-only: decides each item's action from the plan, what Azure holds and the state. Never writes. */
export async function planMigrations(plan: Plan, reader: AzureReader, state: StateDocument | undefined, options: PlanOptions = {}): Promise<ItemPlan[]> {
  const limit = pLimit(options.concurrency ?? 16);
  const cache = new Map<string, Promise<unknown>>();
  const cached = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let hit = cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = limit(read);
      cache.set(key, hit);
    }
    return hit;
  };
  const signal = options.signal;
  const plans = await Promise.all(
    plan.migrations.map((migration) => planOne(migration, state?.items[migration.key], {
      image: () => cached(`i:${migration.source.id.toLowerCase()}`, () => reader.getImage(migration.source.id, signal)),
      gallery: () => cached(`g:${migration.gallery.id.toLowerCase()}`, () => reader.getGallery(migration.gallery.id, signal)),
      definition: () => cached(`d:${migration.definition.id.toLowerCase()}`, () => reader.getDefinition(migration.definition.id, signal)),
      version: () => limit(() => reader.getVersion(migration.version.id, { signal })),
    }, options)),
  );
  annotateShared(plans);
  return plans;
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
        p.notes.push(`definition ${p.migration.definition.name} is created once, by ${group[0]!.migration.version.name}`);
      }
    }
  }
}
