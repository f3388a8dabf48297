import { writeFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { InputError, UsageError, messageOf } from "../errors.js";
import type { Io } from "../io.js";
import { writeLine } from "../io.js";
import { countsLine } from "../report/format.js";
import { loadReport, reportExitCode } from "../report/load-report.js";
import { renderJson } from "../report/render-json.js";
import { renderJunit } from "../report/render-junit.js";
import { renderMarkdown } from "../report/render-markdown.js";
import { renderTable } from "../report/render-table.js";
import type { Report } from "../report/types.js";
import { parseFlags } from "./flags.js";

const RENDERERS: Record<string, (report: Report) => string> = {
  table: renderTable,
  json: renderJson,
  markdown: renderMarkdown,
  junit: renderJunit,
};

const HELP = `usage: acg-migrate report [<plan>] [--state FILE] [--format table|json|markdown|junit] [-o FILE]

Renders the state of a plan's migrations, from the state file only (no Azure call). With the plan,
items are in plan order and those not started yet show as pending.

options:
  --state FILE     the state file (default: the plan's path with its extension replaced by .state.json)
  --format FORMAT  table (default), json (schemas/report.schema.json), markdown (counts, a table, and
                   every failed or blocked item with its full message and remedy), or junit (one
                   testcase per item: done passes, failed and blocked fail, pending and in flight are skipped)
  -o, --output FILE  write the rendering to FILE instead of stdout
  -h, --help       show this help

exit codes: 0 no item failed or is blocked, 1 some items failed or are blocked (the report is written
            either way), 2 no state file, an unreadable state, or bad usage`;

/** `acg-migrate report [<plan>] --format …`: the state rendered on stdout or into a file. */
export async function reportCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseFlags(
    "report",
    argv,
    { state: { type: "string" }, format: { type: "string", short: "f" }, output: { type: "string", short: "o" } },
    HELP,
  );
  if (help) {
    writeLine(io.stdout, help);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`report: takes at most one plan file\n\n${HELP}`);
  const format = values.format ?? "table";
  const render = RENDERERS[format];
  if (!render) throw new UsageError(`report: --format must be table, json, markdown or junit, not '${format}'`);
  const { report, warnings } = await loadReport({ plan: positionals[0], state: values.state, cwd: io.cwd, command: "report" });
  for (const warning of warnings) writeLine(io.stderr, `acg-migrate: ${warning}`);
  const text = render(report);
  if (values.output === undefined) {
    io.stdout.write(text);
  } else {
    const target = isAbsolute(values.output) ? values.output : resolve(io.cwd, values.output);
    try {
      await writeFile(target, text);
    } catch (error: unknown) {
      throw new InputError(`cannot write the report to ${values.output}: ${messageOf(error)}`);
    }
    writeLine(io.stderr, `wrote the ${format} report to ${values.output} (${countsLine(report.counts)})`);
  }
  return reportExitCode(report);
}
