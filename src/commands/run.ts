import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { crashHook } from "../engine/crash-hook.js";
import { runMigrations } from "../engine/run-migrations.js";
import { runnerTiming } from "../engine/timing.js";
import { ExitCode, InputError, InterruptedError, messageOf } from "../errors.js";
import type { Io } from "../io.js";
import { writeLine } from "../io.js";
import { warningLine } from "../plan/format.js";
import { loadPlan } from "../plan/load.js";
import { defaultStatePath } from "../plan/paths.js";
import { buildReport, renderJson, renderTable } from "../report/index.js";
import { acquireLock } from "../state/lock.js";
import type { HeldLock } from "../state/lock.js";
import { StateStore } from "../state/store.js";
import { azureFlagHelp, azureFlagOptions, createAzureContext } from "./azure-options.js";
import { onePlanFile, parseFlags, positiveInteger, positiveNumber } from "./flags.js";

/** Migrations in flight at once unless --concurrency or the plan's execution settings say otherwise. */
export const DEFAULT_CONCURRENCY = 16;
/** Per-item deadline, replication included (FACTS.md: replication can take up to six hours). */
export const DEFAULT_ITEM_TIMEOUT_MINUTES = 360;

const HELP = `usage: acg-migrate run <plan.yaml> [options] [Azure options]

Migrates every item of the plan: ensures the gallery and the image definition, creates the image
version from the managed image, waits for replication to complete in every target region. The
state file makes it resumable: re-run the same command after Ctrl-C, a crash or failures; done
items are skipped without any Azure write, in-flight operations are re-attached, never re-sent.

  --concurrency N     migrations in flight at once (default ${DEFAULT_CONCURRENCY}: replication, not requests, is
                      the bottleneck; 16 items make a few dozen requests a minute, far below the
                      375 version PUTs per 3 min and 5000 status polls per 3 min Azure allows)
  --state FILE        the state file (default: the plan's path with .state.json)
  --report FILE       also write the JSON report to FILE
  --json              print the JSON report on stdout (progress and the table stay on stderr)
  --retry-failed      retry failed items whatever their failure (transient ones are always retried)
  --replace-failed    delete a version Azure left Failed and create it again (default: update it
                      with the same body, which re-replicates it)
  --fail-fast         start no new item after the first failure
  --item-timeout MIN  per-item deadline in minutes, replication included (default ${DEFAULT_ITEM_TIMEOUT_MINUTES})

exit codes: 0 every item done, 1 some failed or blocked, 2 invalid input (also a state locked by
a live run), 3 Azure unusable, 130 interrupted (state saved; a second Ctrl-C exits at once)

${azureFlagHelp}`;

const options = {
  ...azureFlagOptions,
  concurrency: { type: "string" },
  state: { type: "string" },
  report: { type: "string" },
  "retry-failed": { type: "boolean" },
  "replace-failed": { type: "boolean" },
  "fail-fast": { type: "boolean" },
  "item-timeout": { type: "string" },
} as const;

/** `acg-migrate run <plan>`: migrates the plan, resumably. */
export async function runCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseFlags("run", argv, options, HELP);
  if (help) {
    writeLine(io.stdout, help);
    return ExitCode.ok;
  }
  const planFile = onePlanFile("run", positionals, HELP);
  const plan = await loadPlan(planFile, { cwd: io.cwd });
  for (const w of plan.warnings) writeLine(io.stderr, warningLine(planFile, w));
  const concurrency = positiveInteger("concurrency", values.concurrency, plan.execution.concurrency ?? DEFAULT_CONCURRENCY);
  const itemTimeout = positiveNumber("item-timeout", values["item-timeout"], plan.execution.itemTimeoutMinutes ?? DEFAULT_ITEM_TIMEOUT_MINUTES);
  const stateGiven = values.state ?? defaultStatePath(planFile);
  const statePath = resolve(io.cwd, stateGiven);

  const probeSubscriptionId = plan.migrations[0]?.gallery.subscriptionId;
  // The state lock is checked before connecting: a live run's lock is the real reason to stop, and
  // `--emulator` would otherwise fail first on the port that run's emulator still listens on.
  const preflight = await holdStateLock(statePath, io);
  let context: Awaited<ReturnType<typeof createAzureContext>>;
  try {
    context = await createAzureContext(values, io, {
      write: true,
      stateDir: dirname(statePath),
      ...(probeSubscriptionId !== undefined ? { probeSubscriptionId } : {}),
    });
  } catch (error: unknown) {
    if (io.signal.aborted) throw new InterruptedError("interrupted before any item started; nothing was written");
    throw error;
  } finally {
    preflight.release();
  }
  let store: StateStore | undefined;
  try {
    // Opening takes the lock again for good; a run that slipped in meanwhile gets the same message.
    store = await StateStore.open(statePath, {
      armEndpoint: context.armEndpoint,
      plan: planFile,
      onNotice: (message) => writeLine(io.stderr, `acg-migrate: ${message}`),
    });
    const opened = store;
    writeLine(io.stderr, `run ${planFile}: ${plan.migrations.length} item(s) against ${context.armEndpoint}, concurrency ${concurrency}, state ${stateGiven}`);
    // Test hook only (see engine/crash-hook.ts): lets crash tests stop the run at exact moments.
    const crash = crashHook(io.env, () => process.kill(process.pid, "SIGKILL"));
    const running = runMigrations(plan, context.writer!, opened, {
      concurrency,
      failFast: values["fail-fast"] === true,
      retryFailed: values["retry-failed"] === true,
      replaceFailed: values["replace-failed"] === true,
      timing: runnerTiming(context.timeScale, itemTimeout),
      signal: io.signal,
      crash,
      progress: (line) => writeLine(io.stderr, line),
      now: () => new Date(),
    });
    // A second Ctrl-C returns at once: every transition is already durable in the journal.
    const hard = new Promise<"hard">((resolveHard) => {
      if (io.hardSignal.aborted) resolveHard("hard");
      io.hardSignal.addEventListener("abort", () => resolveHard("hard"), { once: true });
    });
    let outcome: Awaited<typeof running> | "hard";
    try {
      outcome = await Promise.race([running, hard]);
    } catch (error: unknown) {
      // Ctrl-C while planning: nothing was written yet beyond what the journal holds.
      if (!io.signal.aborted) throw error;
      writeLine(io.stderr, `acg-migrate: interrupted; state saved to ${stateGiven}: re-run the same command to continue`);
      return ExitCode.interrupted;
    }
    if (outcome === "hard") {
      running.catch(() => undefined);
      opened.abandon();
      store = undefined;
      writeLine(io.stderr, "acg-migrate: interrupted twice; stopped at once (the state journal holds every transition)");
      return ExitCode.interrupted;
    }
    await opened.close();
    store = undefined;

    const report = buildReport(opened.document as Parameters<typeof buildReport>[0], { plan, statePath: stateGiven });
    writeLine(io.stderr, renderTable(report));
    const json = renderJson(report);
    if (values.report !== undefined) {
      try {
        await writeFile(resolve(io.cwd, values.report), json.endsWith("\n") ? json : `${json}\n`);
      } catch (error: unknown) {
        writeLine(io.stderr, `acg-migrate: cannot write the report ${values.report}: ${messageOf(error)}`);
      }
    }
    if (values.json === true) writeLine(io.stdout, json.replace(/\n$/, ""));
    if (outcome.interrupted) {
      writeLine(io.stderr, `acg-migrate: interrupted; state saved to ${stateGiven} (${outcome.unfinished} item(s) unfinished): re-run the same command to continue`);
      return ExitCode.interrupted;
    }
    if (outcome.unfinished > 0) writeLine(io.stderr, `acg-migrate: --fail-fast stopped the run; ${outcome.unfinished} item(s) not started`);
    return outcome.failed + outcome.blocked + outcome.unfinished > 0 ? ExitCode.itemsFailed : ExitCode.ok;
  } finally {
    if (store) await store.close().catch(() => undefined);
    await context.close();
  }
}

/**
 * Takes the state's lock for the connecting phase, with the same checks and messages as opening
 * the state (a live holder is an input error, exit 2); a stale lock taken over is told here,
 * since StateStore.open then takes over our released lock without a word.
 */
async function holdStateLock(statePath: string, io: Io): Promise<{ release(): void }> {
  let lock: HeldLock;
  try {
    await mkdir(dirname(statePath), { recursive: true });
    lock = acquireLock(`${statePath}.lock`, statePath, () => new Date());
  } catch (error: unknown) {
    if (error instanceof InputError) throw error;
    // An unusable directory or lock file: StateStore.open reports it in its own words.
    return { release: () => undefined };
  }
  if (lock.notice) writeLine(io.stderr, `acg-migrate: ${lock.notice}`);
  return lock;
}
