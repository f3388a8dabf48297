import { isAbsolute, resolve } from "node:path";
import { InputError, UsageError, messageOf } from "../errors.js";
import { loadPlan } from "../plan/load.js";
import { defaultStatePath } from "../plan/paths.js";
import type { Plan } from "../plan/types.js";
import { readState } from "../state/store.js";
import type { StateDocument } from "../state/types.js";
import { buildReport } from "./build-report.js";
import type { Report } from "./types.js";

/** A report read from files, with what the user should be told about reading them. */
export interface LoadedReport {
  report: Report;
  document: StateDocument;
  /** The state file as the user gave it (or as derived from the plan's path). */
  statePath: string;
  warnings: string[];
}

/**
 * Reads the state (never locking it, never calling Azure) and, when a plan is named, the plan, to
 * report its items in plan order with the unstarted ones as pending. A plan that does not load is
 * a warning, not an error: the state alone is still worth showing.
 */
export async function loadReport(args: { plan?: string; state?: string; cwd: string; command: string; now?: Date }): Promise<LoadedReport> {
  if (args.plan === undefined && args.state === undefined) {
    throw new UsageError(`${args.command}: name the plan (its state is PLAN with .state.json) or the state file with --state FILE`);
  }
  const statePath = args.state ?? defaultStatePath(args.plan!);
  const document = await readState(isAbsolute(statePath) ? statePath : resolve(args.cwd, statePath));
  if (!document) {
    const hint = args.plan !== undefined ? `nothing has run for ${args.plan} yet (start with \`acg-migrate run ${args.plan}\`)` : "check the path";
    throw new InputError(`no state file ${statePath}: ${hint}${args.state === undefined ? ", or name the state with --state FILE" : ""}`);
  }
  const warnings: string[] = [];
  let plan: Plan | undefined;
  if (args.plan !== undefined) {
    try {
      plan = await loadPlan(args.plan, { cwd: args.cwd, ...(args.now ? { now: args.now } : {}) });
    } catch (error: unknown) {
      if (!(error instanceof InputError)) throw error;
      warnings.push(`warning: ${messageOf(error)}; showing the state alone, without the plan's pending items`);
    }
  }
  const report = buildReport(document, { ...(plan ? { plan } : {}), statePath, ...(args.now ? { now: args.now } : {}) });
  return { report, document, statePath, warnings };
}

/** The exit code of `status` and `report`: 1 when any item failed or is blocked, else 0 (pending and in-flight items are progress, not failure). */
export function reportExitCode(report: Report): number {
  return report.counts.failed + report.counts.blocked > 0 ? 1 : 0;
}
