import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { AzureError, remedyFor, toAzureError } from "../azure/errors.js";
import { ExitCode, InterruptedError, UsageError, messageOf } from "../errors.js";
import type { Io } from "../io.js";
import { writeLine } from "../io.js";
import { loadPlan } from "../plan/load.js";
import { defaultStatePath } from "../plan/paths.js";
import { selectCleanup } from "../preview/cleanup.js";
import { StateStore, readState } from "../state/store.js";
import type { StateDocument } from "../state/types.js";
import { azureFlagHelp, azureFlagOptions, createAzureContext } from "./azure-options.js";
import { onePlanFile, parseFlags } from "./flags.js";

const HELP = `usage: acg-migrate cleanup <plan.yaml> [--yes] [--dry-run] [--state FILE] [--json] [Azure options]

Deletes the source managed images of migrated items, and only those: every item of the image is
done in the state AND its version shows Succeeded with replication Completed in every region.
Images still used by an item that is not done are kept. Asks before deleting unless --yes.
Scale sets that still reference a deleted managed image cannot scale out: move them first.

  --yes          delete without asking (needed when there is no terminal to ask on)
  --dry-run      show what would be deleted; delete nothing
  --state FILE   the state file (default: the plan's path with .state.json)
  --json         print {deleted, skipped, failed} as JSON on stdout

${azureFlagHelp}`;

const options = {
  ...azureFlagOptions,
  state: { type: "string" },
  yes: { type: "boolean", short: "y" },
  "dry-run": { type: "boolean" },
} as const;

async function confirm(io: Io, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin!, output: io.stderr });
  try {
    const answer = await rl.question(question, { signal: io.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch (error: unknown) {
    if (io.signal.aborted) throw new InterruptedError("cleanup interrupted; nothing was deleted");
    throw error;
  } finally {
    rl.close();
  }
}

/** `acg-migrate cleanup <plan>`: deletes the source images of verified items only. */
export async function cleanupCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseFlags("cleanup", argv, options, HELP);
  if (help) {
    writeLine(io.stdout, help);
    return ExitCode.ok;
  }
  const planFile = onePlanFile("cleanup", positionals, HELP);
  const dryRun = values["dry-run"] === true;
  const plan = await loadPlan(planFile, { cwd: io.cwd });
  const stateShown = values.state ?? defaultStatePath(planFile);
  const statePath = resolve(io.cwd, stateShown);
  const state = await readState(statePath);
  const json = values.json === true;
  if (!state) {
    writeLine(io.stderr, `cleanup: no state at ${stateShown}: nothing has been migrated, nothing to delete`);
    if (json) writeLine(io.stdout, JSON.stringify({ deleted: [], skipped: [], failed: [] }, null, 2));
    return ExitCode.ok;
  }

  const context = await createAzureContext(values, io, { write: !dryRun, stateDir: dirname(statePath) });
  try {
    if (state.armEndpoint !== context.armEndpoint) {
      throw new UsageError(`state ${stateShown} belongs to ${state.armEndpoint}, not ${context.armEndpoint}: use that endpoint`);
    }
    // Deleting holds the state's lock from the selection on, so a concurrent `run` cannot start an
    // item on a source between its check and its deletion; a dry run only reads.
    const store = dryRun ? undefined : await StateStore.open(statePath, { armEndpoint: context.armEndpoint, plan: planFile });
    try {
      for (const n of store?.notices ?? []) writeLine(io.stderr, `cleanup: ${n}`);
      return await cleanupWith(store, store?.document ?? state);
    } finally {
      await store?.close();
    }

    async function cleanupWith(store: StateStore | undefined, current: Readonly<StateDocument>): Promise<number> {
      const selection = await selectCleanup(plan, current, context.reader, io.signal);
      for (const skip of selection.skip) writeLine(io.stderr, `keep    ${skip.sourceId}: ${skip.reason}`);
      for (const c of selection.delete) writeLine(io.stderr, `${dryRun ? "would delete" : "delete"}  ${c.sourceId} (verified: ${c.versions.length} version(s) replicated)`);
      const result = { deleted: [] as string[], skipped: selection.skip, failed: [] as { sourceId: string; error: string; remedy?: string }[] };
      const finish = (code: number): number => {
        if (json) writeLine(io.stdout, JSON.stringify({ ...result, ...(dryRun ? { wouldDelete: selection.delete.map((c) => c.sourceId) } : {}) }, null, 2));
        return code;
      };
      if (selection.delete.length === 0) {
        writeLine(io.stderr, "cleanup: no source image is ready to delete");
        return finish(ExitCode.ok);
      }
      if (!store) {
        writeLine(io.stderr, `cleanup: --dry-run: ${selection.delete.length} managed image(s) would be deleted; nothing was`);
        return finish(ExitCode.ok);
      }
      if (values.yes !== true) {
        if (!io.stdin?.isTTY) {
          throw new UsageError(`cleanup would delete ${selection.delete.length} managed image(s) and there is no terminal to confirm on: re-run with --yes (or --dry-run to look first)`);
        }
        if (!(await confirm(io, `Delete these ${selection.delete.length} managed image(s)? This cannot be undone. [y/N] `))) {
          writeLine(io.stderr, "cleanup: nothing deleted");
          return finish(ExitCode.ok);
        }
      }
      const pollMs = Math.max(20, 5000 / context.timeScale);
      for (const candidate of selection.delete) {
        if (io.signal.aborted) break;
        try {
          await context.writer!.deleteImage(candidate.sourceId, { updateIntervalInMs: pollMs, signal: io.signal });
        } catch (error: unknown) {
          if (io.signal.aborted) break;
          // A lock or a missing role is the user's to lift: say which, and where.
          const e = toAzureError(error);
          const remedy = e instanceof AzureError ? remedyFor(e) : undefined;
          result.failed.push({ sourceId: candidate.sourceId, error: messageOf(e), ...(remedy ? { remedy } : {}) });
          writeLine(io.stderr, `failed  ${candidate.sourceId}: ${messageOf(e)}${remedy ? ` (remedy: ${remedy})` : ""}`);
          continue;
        }
        const at = new Date().toISOString();
        for (const key of candidate.keys) if (store.get(key)) await store.patch(key, { sourceDeletedAt: at });
        result.deleted.push(candidate.sourceId);
        writeLine(io.stderr, `deleted ${candidate.sourceId}`);
      }
      if (io.signal.aborted) throw new InterruptedError(`cleanup interrupted after deleting ${result.deleted.length} image(s); the state records them`);
      writeLine(io.stderr, `cleanup: deleted ${result.deleted.length}, kept ${result.skipped.length}, failed ${result.failed.length}`);
      return finish(result.failed.length > 0 ? ExitCode.itemsFailed : ExitCode.ok);
    }
  } finally {
    await context.close();
  }
}
