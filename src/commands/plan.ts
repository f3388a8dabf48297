import { setMaxListeners } from "node:events";
import { dirname, resolve } from "node:path";
import { planMigrations } from "../engine/planner.js";
import { ExitCode, InputError, InterruptedError } from "../errors.js";
import type { Io } from "../io.js";
import { writeLine } from "../io.js";
import { warningLine } from "../plan/format.js";
import { loadPlan } from "../plan/load.js";
import { defaultStatePath } from "../plan/paths.js";
import { applyExtraChecks } from "../preview/extra-checks.js";
import { applyHeadroom, countExisting } from "../preview/headroom.js";
import { previewDocument, renderPreview } from "../preview/render.js";
import { readState } from "../state/store.js";
import { azureFlagHelp, azureFlagOptions, createAzureContext } from "./azure-options.js";
import { onePlanFile, parseFlags } from "./flags.js";

const HELP = `usage: acg-migrate plan <plan.yaml> [--state FILE] [--json] [Azure options]

Shows what \`run\` would do with each item, proven against Azure with reads only (nothing is
written): create, create-version, adopt, update, done, re-attach, retry or blocked (with the
reason and the remedy), the headroom under the per-region limits, and counts.

  --state FILE   the state file (default: the plan's path with .state.json)
  --json         print {items, counts, headroom} as JSON on stdout

exit codes: 0 nothing blocked, 1 something blocked, 2 invalid input, 3 Azure unusable

${azureFlagHelp}`;

const options = { ...azureFlagOptions, state: { type: "string" } } as const;

/** `acg-migrate plan <plan>`: the read-only preview of a run. */
export async function planCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseFlags("plan", argv, options, HELP);
  if (help) {
    writeLine(io.stdout, help);
    return ExitCode.ok;
  }
  const planFile = onePlanFile("plan", positionals, HELP);
  const plan = await loadPlan(planFile, { cwd: io.cwd });
  for (const w of plan.warnings) writeLine(io.stderr, warningLine(planFile, w));
  const statePath = resolve(io.cwd, values.state ?? defaultStatePath(planFile));
  const state = await readState(statePath);

  const probeSubscriptionId = plan.migrations[0]?.gallery.subscriptionId;
  const context = await createAzureContext(values, io, {
    write: false,
    stateDir: dirname(statePath),
    ...(probeSubscriptionId !== undefined ? { probeSubscriptionId } : {}),
  });
  try {
    if (state && state.armEndpoint !== context.armEndpoint) {
      throw new InputError(
        `state ${values.state ?? defaultStatePath(planFile)} belongs to ${state.armEndpoint}, not ${context.armEndpoint}: \`run\` would refuse to resume it; use that endpoint or another --state`,
      );
    }
    const reader = context.reader;
    // Every concurrent read listens on the one abort signal; dozens at once are expected, not a leak.
    setMaxListeners(256, io.signal);
    const items = await planMigrations(plan, reader, state, { signal: io.signal });
    await applyExtraChecks(items, reader, io.signal);
    const existing = await countExisting(reader, new Set(plan.migrations.map((m) => m.gallery.subscriptionId)), io.signal);
    const headroom = applyHeadroom(items, existing);
    const doc = previewDocument(planFile, context.armEndpoint, items, headroom, existing);

    writeLine(io.stderr, `plan ${planFile} against ${context.armEndpoint}${state ? ` (state: ${Object.keys(state.items).length} item(s) recorded)` : ""}`);
    for (const line of renderPreview(doc)) writeLine(io.stderr, line);
    if (values.json === true) writeLine(io.stdout, JSON.stringify(doc, null, 2));
    return doc.counts.blocked > 0 ? ExitCode.itemsFailed : ExitCode.ok;
  } catch (error: unknown) {
    if (io.signal.aborted) throw new InterruptedError("plan interrupted; nothing was written");
    throw error;
  } finally {
    await context.close();
  }
}
