/**
 * A whole run: plan every item (read-only), then migrate the ones that need work under the
 * scheduling rules, recording every transition durably. Item failures are results, not throws.
 */
import { setMaxListeners } from "node:events";
import type { AzureWriter } from "../azure/port.js";
import type { Migration, Plan } from "../plan/types.js";
import type { ItemState, StateDocument } from "../state/types.js";
import type { CrashPoint } from "./crash-hook.js";
import { migrateItem } from "./migrate-item.js";
import type { ItemContext, ItemOutcome, StateWriter } from "./migrate-item.js";
import { planMigrations } from "./planner.js";
import type { ItemPlan } from "./planner.js";
import { OnceMap, schedule } from "./scheduler.js";
import type { RunnerTiming } from "./timing.js";

/** Options of a run. */
export interface RunOptions {
  concurrency: number;
  failFast: boolean;
  retryFailed: boolean;
  replaceFailed: boolean;
  timing: RunnerTiming;
  /** Ctrl-C: stop starting work, stop waiting. */
  signal: AbortSignal;
  crash: (point: CrashPoint) => void;
  /** One progress line (stderr). */
  progress: (line: string) => void;
  now: () => Date;
}

/** What a run did, per item and in total. */
export interface RunResult {
  plans: ItemPlan[];
  /** Items that ended this run as done (skipped ones included). */
  done: number;
  failed: number;
  blocked: number;
  /** Items left unfinished because the run was interrupted (or stopped by --fail-fast). */
  unfinished: number;
  interrupted: boolean;
  /** Items that needed no work at all (done per the state). */
  skipped: number;
}

/** Runs every migration of the plan against Azure through `writer`, recording into `state`. */
export async function runMigrations(
  plan: Plan,
  writer: AzureWriter,
  state: StateWriter & { readonly document: Readonly<StateDocument> },
  options: RunOptions,
): Promise<RunResult> {
  // Every wait and request of every item listens to the one Ctrl-C signal.
  setMaxListeners(0, options.signal);
  const plans = await planMigrations(plan, writer, state.document as StateDocument, {
    signal: options.signal,
    retryFailed: options.retryFailed,
    replaceFailed: options.replaceFailed,
    concurrency: Math.max(8, options.concurrency),
    now: options.now(),
  });
  const total = plan.migrations.length;
  const width = String(total).length;
  const label = (m: Migration): string =>
    `[${String(m.index + 1).padStart(width)}/${total}] ${m.source.name} → ${m.definition.name}/${m.version.name}`;
  const say = (m: Migration, text: string): void => options.progress(`${label(m)}: ${text}`);

  const result: RunResult = { plans, done: 0, failed: 0, blocked: 0, unfinished: 0, interrupted: false, skipped: 0 };
  const work: ItemPlan[] = [];
  for (const p of plans) {
    if (p.action === "done") {
      result.done += 1;
      result.skipped += 1;
      continue;
    }
    if (p.action === "blocked") {
      const previous = p.previous;
      // A failure this run does not retry keeps its record as it is: still failed, same reason.
      if (previous && previous.status === "failed" && previous.fingerprint === p.migration.fingerprint) {
        result.failed += 1;
        say(p.migration, `failed earlier, not retried: ${p.reason ?? ""}${p.remedy ? ` (remedy: ${p.remedy})` : ""}`);
        continue;
      }
      await recordBlocked(state, p, options.now());
      result.blocked += 1;
      say(p.migration, `blocked: ${p.reason ?? ""}${p.remedy ? ` (remedy: ${p.remedy})` : ""}`);
      continue;
    }
    work.push(p);
  }

  // --fail-fast: an item already known to be blocked is the first failure.
  let stop = options.failFast && (result.blocked > 0 || result.failed > 0);
  const ctx: ItemContext = {
    writer,
    state,
    timing: options.timing,
    signal: options.signal,
    galleries: new OnceMap(),
    definitions: new OnceMap(),
    replaceFailed: options.replaceFailed,
    crash: options.crash,
    progress: say,
    now: options.now,
  };
  const tally = (p: ItemPlan, outcome: ItemOutcome): void => {
    switch (outcome.status) {
      case "done":
        result.done += 1;
        say(p.migration, `done (${p.action})`);
        break;
      case "failed":
      case "blocked":
        result[outcome.status] += 1;
        say(p.migration, `${outcome.status}: ${outcome.record.lastError?.code ?? ""}: ${outcome.record.lastError?.message ?? ""}${outcome.record.lastError?.remedy ? ` (remedy: ${outcome.record.lastError.remedy})` : ""}`);
        if (options.failFast) stop = true;
        break;
      case "interrupted":
        result.unfinished += 1;
        result.interrupted = true;
        break;
    }
  };
  await schedule(
    work,
    async (p) => {
      say(p.migration, p.action === "re-attach" ? "re-attaching" : `starting (${p.action})`);
      tally(p, await migrateItem(ctx, p));
    },
    {
      concurrency: options.concurrency,
      keyOf: (p) => p.migration.source.id.toLowerCase(),
      stopped: () => stop || options.signal.aborted,
      onSkipped: () => {
        result.unfinished += 1;
      },
    },
  );
  if (options.signal.aborted) result.interrupted = true;
  return result;
}

async function recordBlocked(state: StateWriter, p: ItemPlan, now: Date): Promise<void> {
  const m = p.migration;
  const at = now.toISOString();
  const previous: ItemState | undefined = state.get(m.key);
  const reason = p.reason ?? "blocked";
  const code = /^conflict:/i.test(reason) ? "Conflict" : (/^([A-Za-z]+): /.exec(reason)?.[1] ?? "Blocked");
  const record: ItemState = {
    ...(previous ?? {}),
    key: m.key,
    fingerprint: m.fingerprint,
    status: "blocked",
    action: "blocked",
    attempts: previous?.attempts ?? 0,
    updatedAt: at,
    finishedAt: at,
    sourceId: m.source.id,
    definitionId: m.definition.id,
    versionId: m.version.id,
    galleryId: m.gallery.id,
    lastError: { code, message: reason, transient: false, ...(p.remedy ? { remedy: p.remedy } : {}) },
  };
  delete record.poller;
  await state.put(record);
}
