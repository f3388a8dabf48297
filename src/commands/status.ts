import { isAbsolute, resolve } from "node:path";
import { UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { writeLine } from "../io.js";
import { loadReport, reportExitCode } from "../report/load-report.js";
import { renderJson } from "../report/render-json.js";
import { renderTable } from "../report/render-table.js";
import { inspectLock } from "../state/lock.js";
import { parseFlags } from "./flags.js";

const HELP = `usage: acg-migrate status [<plan>] [--state FILE] [--json]

Shows the progress of a plan's migrations from its state file only: no Azure call, no lock, so it
can run while \`run\` is working. With the plan, its items not in the state yet show as pending.

options:
  --state FILE  the state file (default: the plan's path with its extension replaced by .state.json)
  --json        print the report (schemas/report.schema.json) on stdout instead of the table on stderr
  -h, --help    show this help

exit codes: 0 no item failed or is blocked (some may still be pending or in flight: see the counts),
            1 some items failed or are blocked, 2 no state file, an unreadable state, or bad usage`;

/** `acg-migrate status [<plan>] [--state FILE] [--json]`: counts and a table from the state, no Azure call. */
export async function statusCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseFlags("status", argv, { state: { type: "string" }, json: { type: "boolean" } }, HELP);
  if (help) {
    writeLine(io.stdout, help);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`status: takes at most one plan file\n\n${HELP}`);
  const { report, document, statePath, warnings } = await loadReport({ plan: positionals[0], state: values.state, cwd: io.cwd, command: "status" });
  for (const warning of warnings) writeLine(io.stderr, `acg-migrate: ${warning}`);
  if (values.json === true) {
    io.stdout.write(renderJson(report));
  } else {
    writeLine(io.stderr, `state ${statePath} (last written ${document.updatedAt})`);
    writeLine(io.stderr, `plan ${report.plan}, ARM endpoint ${report.armEndpoint}`);
    const lock = inspectLock(isAbsolute(statePath) ? statePath : resolve(io.cwd, statePath));
    if (lock) writeLine(io.stderr, lockLine(lock));
    io.stderr.write(renderTable(report));
    if (report.counts.failed + report.counts.blocked > 0) {
      writeLine(io.stderr, `full messages and remedies: acg-migrate report ${positionals[0] ?? `--state ${statePath}`} --format markdown`);
    }
  }
  return reportExitCode(report);
}

function lockLine(lock: NonNullable<ReturnType<typeof inspectLock>>): string {
  const who = `pid ${lock.pid} on host ${lock.host} since ${lock.startedAt}`;
  if (lock.live === true) return `a run is in progress: ${who}`;
  if (lock.live === false) return `the last run (${who}) stopped without finishing; the next run takes over its lock and resumes`;
  return `locked by ${who} (another host: acg-migrate cannot tell whether it is still running)`;
}
