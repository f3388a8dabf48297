import { InputError, UsageError } from "../errors.js";
import type { Problem } from "../errors.js";
import type { Io } from "../io.js";
import { writeLine } from "../io.js";
import { validationLines } from "../plan/format.js";
import { validatePlanFile } from "../plan/load.js";
import { parseFlags } from "./flags.js";

const HELP = `usage: acg-migrate validate <plan> [--json]

Checks a plan offline, without any Azure call: YAML, the schema (schemas/plan.schema.json) and the
service's rules (names, versions, regions, dates, source ids, conflicts between migrations).
Every problem is printed as FILE:LINE:COL: PATH: MESSAGE, warnings as FILE:LINE:COL: PATH: warning: MESSAGE.

options:
  --json      print {valid, errors, warnings} on stdout instead
  -h, --help  show this help

exit codes: 0 valid (warnings allowed), 2 invalid plan or usage`;

interface JsonProblem {
  line: number;
  column: number;
  path: string;
  message: string;
}

/** `acg-migrate validate <plan> [--json]`: prints every problem of the plan; exit 0 when valid, 2 when not. */
export async function validateCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseFlags("validate", argv, { json: { type: "boolean" } }, HELP);
  if (help) {
    writeLine(io.stdout, help);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`validate: ${positionals.length === 0 ? "missing the plan file" : "takes one plan file"}\n\n${HELP}`);
  }
  const file = positionals[0]!;
  const json = values.json === true;

  let result;
  try {
    result = await validatePlanFile(file, { cwd: io.cwd });
  } catch (error: unknown) {
    // A file that cannot be a plan at all: still one JSON document for machines.
    if (json && error instanceof InputError) {
      writeJson(io, { valid: false, errors: [{ line: 1, column: 1, path: "$", message: error.message }], warnings: [] });
      return 2;
    }
    throw error;
  }

  const valid = result.problems.length === 0;
  if (json) {
    writeJson(io, {
      valid,
      ...(result.plan ? { migrations: result.plan.migrations.length } : {}),
      errors: result.problems.map(toJson),
      warnings: result.warnings.map(toJson),
    });
  } else {
    for (const line of validationLines(file, result)) writeLine(io.stderr, line);
  }
  return valid ? 0 : 2;
}

function toJson(problem: Problem): JsonProblem {
  return { line: problem.line, column: problem.column, path: problem.path, message: problem.message };
}

function writeJson(io: Io, value: unknown): void {
  writeLine(io.stdout, JSON.stringify(value, null, 2));
}
