/**
 * The migration of one item as a small state machine over the durable state: every step reads
 * where the state says it is, makes the next transition durable before the Azure write it
 * announces, and never re-submits blindly: on any doubt it reads the version first.
 */
import { AzureError, isNotFound, isSourceBusy, isThrottled, remedyFor, toAzureError } from "../azure/errors.js";
import type { AzureWriter, DefinitionInfo, GalleryInfo, ManagedImage, VersionInfo, VersionSpec } from "../azure/port.js";
import { messageOf } from "../errors.js";
import type { Migration } from "../plan/types.js";
import type { ItemAction, ItemError, ItemState, RegionProgress } from "../state/types.js";
import { sameId } from "../util/arm-id.js";
import type { CrashPoint } from "./crash-hook.js";
import { definitionMismatch, definitionSpec, desiredRegions, imageMismatch, versionDifference, versionSpec } from "./desired.js";
import type { ItemPlan } from "./planner.js";
import { storageOf } from "./planner.js";
import type { OnceMap } from "./scheduler.js";
import { backoffMs, sleep } from "./timing.js";
import type { RunnerTiming } from "./timing.js";

/** The subset of StateStore the engine writes through (every call durable before it resolves). */
export interface StateWriter {
  get(key: string): ItemState | undefined;
  put(item: ItemState): Promise<void>;
  patch(key: string, patch: Partial<ItemState>): Promise<ItemState>;
}

/** Everything one item's migration needs from the run. */
export interface ItemContext {
  writer: AzureWriter;
  state: StateWriter;
  timing: RunnerTiming;
  /** Aborted on Ctrl-C: stop waiting; what is durable stays. */
  signal: AbortSignal;
  galleries: OnceMap<{ gallery: GalleryInfo; created: boolean }>;
  definitions: OnceMap<{ definition: DefinitionInfo; created: boolean }>;
  replaceFailed: boolean;
  crash: (point: CrashPoint) => void;
  progress: (migration: Migration, text: string) => void;
  now: () => Date;
}

/** How one item ended in this run. */
export type ItemOutcome = { status: "done" | "failed" | "blocked"; record: ItemState } | { status: "interrupted" };

/** An item that cannot run as planned (conflict, incompatible definition, missing source…). */
export class BlockedError extends Error {
  override name = "BlockedError";
  constructor(
    message: string,
    readonly remedy: string | undefined,
    readonly code = "Blocked",
  ) {
    super(message);
  }
}

const ACTIVE = new Set(["Creating", "Updating", "Migrating"]);
/** Operation failures that an update would repeat: the item fails at once with the service's words. */
const FINAL_OPERATION_CODES = new Set(["Conflict", "InvalidParameter", "PropertyChangeNotAllowed", "GallerySourceResourceExceedsMaxSize", "BadRequest", "NotFound"]);

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof Error && error.name === "AbortError");
}

/** Starts (or resumes) an item's durable record for this run. */
async function begin(ctx: ItemContext, plan: ItemPlan): Promise<void> {
  const m = plan.migration;
  const at = ctx.now().toISOString();
  const previous = ctx.state.get(m.key);
  const keepsOperation = previous !== undefined && previous.fingerprint === m.fingerprint && ["submitting", "in-flight", "verifying"].includes(previous.status);
  const base = {
    fingerprint: m.fingerprint,
    action: plan.action,
    attempts: (previous?.attempts ?? 0) + 1,
    startedAt: at,
    sourceId: m.source.id,
    definitionId: m.definition.id,
    versionId: m.version.id,
    galleryId: m.gallery.id,
  };
  if (previous) {
    await ctx.state.patch(m.key, {
      ...base,
      status: keepsOperation ? previous.status : "running",
      ...(keepsOperation ? {} : { poller: undefined }),
      lastError: undefined,
      finishedAt: undefined,
    });
  } else {
    await ctx.state.put({ key: m.key, ...base, status: "running", updatedAt: at });
  }
}

/** Migrates one item to `done`, or records why it failed or is blocked; resolves `interrupted` on Ctrl-C. */
export async function migrateItem(ctx: ItemContext, plan: ItemPlan): Promise<ItemOutcome> {
  const m = plan.migration;
  const deadline = Date.now() + ctx.timing.itemTimeoutMs;
  const run = new ItemRun(ctx, plan, deadline);
  try {
    await begin(ctx, plan);
  } catch (error: unknown) {
    if (isAbort(error, ctx.signal)) return { status: "interrupted" };
    throw error;
  }
  let attempt = 0;
  for (;;) {
    try {
      await run.step();
      const record = await ctx.state.patch(m.key, { status: "done", finishedAt: ctx.now().toISOString(), poller: undefined, lastError: undefined });
      ctx.crash("done");
      return { status: "done", record };
    } catch (error: unknown) {
      if (isAbort(error, ctx.signal)) return { status: "interrupted" };
      if (error instanceof BlockedError) return finish(ctx, m, "blocked", { code: error.code, message: error.message, transient: false, ...(error.remedy ? { remedy: error.remedy } : {}) });
      const e = toAzureError(error);
      if (e instanceof AzureError) {
        if (e.transient) {
          const wait = backoffMs(ctx.timing, attempt, e.retryAfterMs);
          if (Date.now() + wait < deadline) {
            attempt += 1;
            ctx.progress(m, `${isThrottled(e) ? "throttled" : e.code}; retrying in ${formatMs(wait * ctx.timing.timeScale)}`);
            try {
              await sleep(wait, ctx.signal);
            } catch {
              return { status: "interrupted" };
            }
            continue;
          }
        }
        const remedy = remedyFor(e) ?? (e.transient ? "a transient Azure failure: re-run to continue" : undefined);
        return finish(ctx, m, "failed", {
          code: e.code,
          message: e.message,
          ...(e.statusCode !== undefined ? { statusCode: e.statusCode } : {}),
          transient: e.transient,
          ...(remedy ? { remedy } : {}),
        });
      }
      return finish(ctx, m, "failed", { code: "InternalError", message: messageOf(e), transient: false });
    }
  }
}

async function finish(ctx: ItemContext, m: Migration, status: "failed" | "blocked", lastError: ItemError): Promise<ItemOutcome> {
  const record = await ctx.state.patch(m.key, { status, lastError, finishedAt: ctx.now().toISOString() });
  return { status, record };
}

function formatMs(simulatedMs: number): string {
  const s = simulatedMs / 1000;
  return s < 120 ? `${s.toFixed(s < 10 ? 1 : 0)} s` : `${(s / 60).toFixed(0)} min`;
}

/** One item's run: `step()` drives it from wherever the durable state says it is to done. */
class ItemRun {
  readonly #ctx: ItemContext;
  readonly #plan: ItemPlan;
  readonly #m: Migration;
  readonly #deadline: number;
  #image: ManagedImage | undefined;
  #reReplicated = false;
  #replaced = false;

  constructor(ctx: ItemContext, plan: ItemPlan, deadline: number) {
    this.#ctx = ctx;
    this.#plan = plan;
    this.#m = plan.migration;
    this.#deadline = deadline;
    this.#image = plan.image;
  }

  #deadlineMessage(phase: string): string {
    const minutes = Math.round((this.#ctx.timing.itemTimeoutMs * this.#ctx.timing.timeScale) / 6_000) / 10;
    return `the item's deadline (${minutes} min) passed while ${phase}; re-run to continue (or raise --item-timeout)`;
  }

  #checkDeadline(phase: string): void {
    if (Date.now() >= this.#deadline) throw new AzureError({ code: "Timeout", message: this.#deadlineMessage(phase), transient: true });
  }

  async step(): Promise<void> {
    const ctx = this.#ctx;
    const record = ctx.state.get(this.#m.key);
    if (record?.status === "in-flight" && record.poller) return this.#attachPoller(record.poller);
    if (record && ["submitting", "in-flight", "verifying"].includes(record.status)) return this.#attachByGet();
    return this.#fresh();
  }

  async #readImage(): Promise<ManagedImage> {
    const m = this.#m;
    const image = this.#image ?? (await this.#ctx.writer.getImage(m.source.id, this.#ctx.signal));
    // Read once per attempt; the planner's read serves the first one.
    this.#image = undefined;
    if (!image) {
      throw new BlockedError(
        `Source ${m.source.id} is not found. Please check source exists, and is in the same region as gallery image version being created`,
        "fix `source` in the plan (subscription, resource group, name), or remove the item; then re-run",
        "SourceNotFound",
      );
    }
    const mismatch = imageMismatch(m, image);
    if (mismatch) throw new BlockedError(mismatch, "remove the contradicting value from the plan (it derives from the image) or fix it", "PlanContradictsImage");
    return image;
  }

  async #fresh(): Promise<void> {
    const ctx = this.#ctx;
    const m = this.#m;
    const image = await this.#readImage();
    const gallery = await this.#ensureGallery(image);
    await this.#ensureDefinition(image, gallery);
    this.#checkDeadline("reading the version");
    const version = await ctx.writer.getVersion(m.version.id, { signal: ctx.signal });
    const storage = storageOf(m, image);
    if (!version) return this.#submit(versionSpec(m, image, storage), this.#plan.action === "retry" ? "retry" : "create-version");
    if (version.sourceId !== undefined && !sameId(version.sourceId, m.source.id)) {
      throw new BlockedError(
        `version ${m.version.name} of ${m.definition.name} already exists with another source (${version.sourceId}); changing a version's source is not allowed`,
        "it is never overwritten: choose another version name in the plan (or delete that version yourself)",
        "Conflict",
      );
    }
    const state = version.provisioningState ?? "Succeeded";
    if (ACTIVE.has(state)) {
      await ctx.state.patch(m.key, { status: "in-flight", poller: undefined });
      return this.#attachByGet();
    }
    if (state === "Failed") return this.#repairFailed(image, storage, version);
    const diff = versionDifference(m, version, desiredRegions(m, image), storage);
    if (diff.blocking) throw new BlockedError(diff.blocking, "storage type cannot change: choose another version name in the plan", "PropertyChangeNotAllowed");
    if (diff.changes.length > 0) {
      ctx.progress(m, `updating (${diff.changes.join(", ")})`);
      return this.#submit(versionSpec(m, image, storage, version), "update");
    }
    await ctx.state.patch(m.key, { status: "verifying", poller: undefined });
    return this.#verify();
  }

  async #repairFailed(image: ManagedImage, storage: ReturnType<typeof storageOf>, version: VersionInfo): Promise<void> {
    const ctx = this.#ctx;
    const m = this.#m;
    if (ctx.replaceFailed && !this.#replaced) {
      this.#replaced = true;
      ctx.progress(m, "deleting the Failed version to recreate it (--replace-failed)");
      await ctx.writer.deleteVersion(m.version.id, { updateIntervalInMs: ctx.timing.resourcePollMs, signal: ctx.signal });
      return this.#submit(versionSpec(m, image, storage), "create-version");
    }
    if (this.#reReplicated) {
      throw new AzureError({
        code: "ReplicationFailed",
        message: `version ${m.version.name} is still Failed after an update to re-replicate it${regionDetails(version)}`,
        transient: false,
      });
    }
    this.#reReplicated = true;
    ctx.progress(m, "the version is Failed: updating it to re-replicate");
    return this.#submit(versionSpec(m, image, storage, version), "update");
  }

  async #ensureGallery(image: ManagedImage): Promise<GalleryInfo> {
    const ctx = this.#ctx;
    const m = this.#m;
    const { gallery, created } = await ctx.galleries.run(m.gallery.id, async () => {
      const existing = await ctx.writer.getGallery(m.gallery.id, ctx.signal);
      if (existing) return { gallery: existing, created: false };
      if (!m.gallery.create) {
        throw new BlockedError(`gallery ${m.gallery.name} does not exist`, "create it, or set `gallery.create: true` with a `location` in the plan", "ParentResourceNotFound");
      }
      ctx.progress(m, `creating gallery ${m.gallery.name}`);
      const made = await ctx.writer.createGallery(m.gallery.id, m.gallery.location ?? image.location, m.tags, {
        updateIntervalInMs: ctx.timing.resourcePollMs,
        signal: ctx.signal,
      });
      return { gallery: made, created: true };
    });
    // Every item that shared a gallery this run created records it: `cleanup` only needs to
    // know the gallery did not pre-exist.
    if (created && ctx.state.get(m.key)?.createdGallery !== true) await ctx.state.patch(m.key, { createdGallery: true });
    return gallery;
  }

  async #ensureDefinition(image: ManagedImage, gallery: GalleryInfo): Promise<DefinitionInfo> {
    const ctx = this.#ctx;
    const m = this.#m;
    const { definition, created } = await ctx.definitions.run(m.definition.id, async () => {
      let existing = await ctx.writer.getDefinition(m.definition.id, ctx.signal);
      // A definition left Creating by an earlier, interrupted run: wait for it rather than re-send.
      while (existing && ACTIVE.has(existing.provisioningState ?? "")) {
        this.#checkDeadline("waiting for the definition");
        await sleep(ctx.timing.resourcePollMs, ctx.signal);
        existing = await ctx.writer.getDefinition(m.definition.id, ctx.signal);
      }
      if (existing && existing.provisioningState !== "Failed") return { definition: existing, created: false };
      ctx.progress(m, `creating definition ${m.definition.name}`);
      ctx.crash("definition-submit");
      const made = await ctx.writer.createDefinition(definitionSpec(m, image, gallery.location), {
        updateIntervalInMs: ctx.timing.resourcePollMs,
        signal: ctx.signal,
      });
      ctx.crash("definition-created");
      return { definition: made, created: true };
    });
    const mismatch = definitionMismatch(m, definition, image);
    if (mismatch) {
      throw new BlockedError(mismatch, "target a new definition name whose properties match the image (definition properties cannot change)", "Conflict");
    }
    if (created && ctx.state.get(m.key)?.createdDefinition !== true) await ctx.state.patch(m.key, { createdDefinition: true });
    return definition;
  }

  async #submit(spec: VersionSpec, action: ItemAction): Promise<void> {
    const ctx = this.#ctx;
    const m = this.#m;
    this.#checkDeadline("submitting the version");
    // Durable before the PUT: a crash from here on makes the next run read before writing.
    // The recorded action stays the planner's word, unless what exists turned an adopt into an update.
    const recorded = this.#plan.action === "adopt" && action === "update" ? { action } : {};
    await ctx.state.patch(m.key, { status: "submitting", poller: undefined, ...recorded });
    ctx.crash("submitting");
    ctx.progress(m, action === "update" ? "updating version" : "creating version");
    let poller: string;
    try {
      ({ poller } = await ctx.writer.submitVersion(spec, ctx.signal));
    } catch (error: unknown) {
      if (isAbort(error, ctx.signal)) throw error;
      const e = toAzureError(error);
      if (!(e instanceof AzureError)) throw e;
      // A 429 was refused before anything happened: no doubt, the retry loop waits as asked.
      if (e.statusCode === 429) throw e;
      const doubt = e.transient || e.statusCode === 409 || e.statusCode === undefined;
      if (!doubt) throw e;
      const found = await ctx.writer.getVersion(m.version.id, { signal: ctx.signal });
      if (found && (found.sourceId === undefined || sameId(found.sourceId, m.source.id)) && (action !== "update" || ACTIVE.has(found.provisioningState ?? ""))) {
        // Our PUT arrived (or an earlier one did): attach to it instead of sending another.
        ctx.progress(m, `attaching to the version after ${e.code}`);
        await ctx.state.patch(m.key, { status: "in-flight", poller: undefined });
        return this.#attachByGet();
      }
      if (isSourceBusy(e)) {
        ctx.progress(m, "source busy with another version; waiting");
        throw new AzureError({ code: e.code, message: e.message, statusCode: 409, transient: true, retryAfterMs: ctx.timing.versionPollMs * 2 });
      }
      throw e;
    }
    ctx.crash("version-submitted");
    await ctx.state.patch(m.key, { status: "in-flight", poller });
    ctx.crash("version-saved");
    return this.#attachPoller(poller);
  }

  async #attachPoller(poller: string): Promise<void> {
    const ctx = this.#ctx;
    const m = this.#m;
    ctx.progress(m, "replicating");
    const watcher = this.#watchRegions();
    try {
      this.#checkDeadline("waiting for the version operation");
      await this.#withDeadline((signal) =>
        ctx.writer.pollVersion(poller, { updateIntervalInMs: ctx.timing.versionPollMs, signal, onPoll: () => ctx.crash("polling") }),
      );
    } catch (error: unknown) {
      if (isAbort(error, ctx.signal)) throw error;
      const e = toAzureError(error);
      if (e instanceof AzureError && (isNotFound(e) || e.code === "OperationNotFound")) {
        // The operation id expired or the emulator forgot it: the resource itself tells the truth.
        await ctx.state.patch(m.key, { poller: undefined });
        return this.#attachByGet();
      }
      if (e instanceof AzureError && e.operationFailed) return this.#operationFailed(e);
      throw e;
    } finally {
      await watcher.stop();
    }
    await ctx.state.patch(m.key, { status: "verifying", poller: undefined });
    return this.#verify();
  }

  /**
   * While the operation runs, reads the version's replication status now and then (every ten
   * poll intervals: 5 minutes on real Azure) to show and record per-region progress.
   */
  #watchRegions(): { stop: () => Promise<void> } {
    const ctx = this.#ctx;
    const m = this.#m;
    let last = JSON.stringify(ctx.state.get(m.key)?.regions ?? []);
    let pending: Promise<void> = Promise.resolve();
    const controller = new AbortController();
    const signal = AbortSignal.any([ctx.signal, controller.signal]);
    const timer = setInterval(() => {
      pending = pending.then(async () => {
        try {
          const version = await ctx.writer.getVersion(m.version.id, { replicationStatus: true, signal });
          const regions = version?.replication?.regions ?? [];
          const text = JSON.stringify(regions);
          if (regions.length === 0 || text === last || signal.aborted) return;
          last = text;
          await ctx.state.patch(m.key, { regions });
          const completed = regions.filter((r) => r.state === "Completed").length;
          ctx.progress(m, `replicating (${completed}/${version?.targetRegions.length ?? regions.length} regions)`);
        } catch {
          // Progress is best effort: the operation's poller decides the outcome.
        }
      });
    }, ctx.timing.versionPollMs * 10);
    return {
      stop: async () => {
        clearInterval(timer);
        controller.abort();
        await pending;
      },
    };
  }

  /** Runs `op` with a signal that also fires at the item's deadline. */
  async #withDeadline<T>(op: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ctx = this.#ctx;
    const remaining = Math.max(1, this.#deadline - Date.now());
    const timeout = AbortSignal.timeout(remaining);
    const signal = AbortSignal.any([ctx.signal, timeout]);
    try {
      return await op(signal);
    } catch (error: unknown) {
      if (timeout.aborted && !ctx.signal.aborted) {
        // Timer and clock may disagree by a millisecond: the deadline's own signal decides.
        throw new AzureError({ code: "Timeout", message: this.#deadlineMessage("waiting for the version operation"), transient: true });
      }
      throw error;
    }
  }

  async #operationFailed(e: AzureError): Promise<void> {
    const ctx = this.#ctx;
    const m = this.#m;
    await ctx.state.patch(m.key, { status: "running", poller: undefined });
    if (FINAL_OPERATION_CODES.has(e.code)) throw e;
    // Replication failures leave the version Failed: the next step re-replicates it once.
    const version = await ctx.writer.getVersion(m.version.id, { signal: ctx.signal });
    if (version?.provisioningState === "Failed" && !this.#reReplicated && !ctx.replaceFailed) return this.#fresh();
    if (version?.provisioningState === "Failed" && ctx.replaceFailed && !this.#replaced) return this.#fresh();
    throw e;
  }

  async #attachByGet(): Promise<void> {
    const ctx = this.#ctx;
    const m = this.#m;
    ctx.progress(m, "waiting for the version");
    for (;;) {
      this.#checkDeadline("waiting for the version");
      const version = await ctx.writer.getVersion(m.version.id, { signal: ctx.signal });
      if (!version) {
        // The create never arrived (or was refused): start afresh, which creates it.
        await ctx.state.patch(m.key, { status: "running", poller: undefined });
        return this.#fresh();
      }
      if (version.sourceId !== undefined && !sameId(version.sourceId, m.source.id)) {
        throw new BlockedError(
          `version ${m.version.name} of ${m.definition.name} exists with another source (${version.sourceId})`,
          "it is never overwritten: choose another version name in the plan",
          "Conflict",
        );
      }
      const state = version.provisioningState ?? "Succeeded";
      if (state === "Succeeded") {
        await ctx.state.patch(m.key, { status: "verifying", poller: undefined });
        return this.#verify();
      }
      if (state === "Failed") {
        await ctx.state.patch(m.key, { status: "running", poller: undefined });
        return this.#fresh();
      }
      await sleep(ctx.timing.versionPollMs, ctx.signal);
    }
  }

  async #verify(): Promise<void> {
    const ctx = this.#ctx;
    const m = this.#m;
    ctx.crash("verifying");
    let last = "";
    for (;;) {
      this.#checkDeadline("confirming replication");
      const version = await ctx.writer.getVersion(m.version.id, { replicationStatus: true, signal: ctx.signal });
      if (!version) {
        await ctx.state.patch(m.key, { status: "running", poller: undefined });
        return this.#fresh();
      }
      const regions = version.replication?.regions ?? [];
      const fingerprint = JSON.stringify(regions.map((r) => [r.region, r.state]));
      if (fingerprint !== last) {
        last = fingerprint;
        await ctx.state.patch(m.key, { regions: regions as RegionProgress[] });
      }
      const wanted = version.targetRegions.map((r) => r.name);
      const completed = wanted.filter((name) => regions.some((r) => r.region === name && r.state === "Completed"));
      const state = version.provisioningState ?? "Succeeded";
      if (state === "Succeeded" && completed.length === wanted.length && wanted.length > 0) return;
      if (state === "Failed" || regions.some((r) => r.state === "Failed")) {
        await ctx.state.patch(m.key, { status: "running", poller: undefined });
        if (state === "Failed") return this.#fresh();
        throw new AzureError({ code: "ReplicationFailed", message: `replication failed${regionDetails(version)}`, transient: false });
      }
      ctx.progress(m, `replicating (${completed.length}/${wanted.length} regions)`);
      await sleep(ctx.timing.versionPollMs, ctx.signal);
    }
  }
}

function regionDetails(version: VersionInfo): string {
  const failed = (version.replication?.regions ?? []).filter((r) => r.state === "Failed");
  return failed.length === 0 ? "" : `: ${failed.map((r) => `${r.region}${r.details ? ` (${r.details})` : ""}`).join(", ")}`;
}
