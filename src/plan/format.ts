import { formatProblem } from "../errors.js";
import type { PlanValidation } from "./load.js";
import type { Plan } from "./types.js";

/** One plan warning as every command prints it: `FILE:LINE:COL: PATH: warning: MESSAGE`. */
export function warningLine(file: string, warning: Plan["warnings"][number]): string {
  return formatProblem({ file, ...warning, message: `warning: ${warning.message}` });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * The human report of a validation, one line each: problems and warnings in file order
 * (`FILE:LINE:COL: PATH: MESSAGE`, warnings with `warning: `), then a summary line.
 */
export function validationLines(file: string, result: PlanValidation): string[] {
  const lines = [
    ...result.problems.map((p) => ({ p, text: formatProblem(p) })),
    ...result.warnings.map((p) => ({ p, text: warningLine(p.file, p) })),
  ]
    .sort((a, b) => a.p.line - b.p.line || a.p.column - b.p.column)
    .map(({ text }) => text);
  const tail = result.warnings.length > 0 ? ` (${plural(result.warnings.length, "warning")})` : "";
  const summary =
    result.problems.length === 0
      ? `${file}: valid, ${plural(result.plan?.migrations.length ?? 0, "migration")}${tail}`
      : `${file}: ${plural(result.problems.length, "problem")}${tail}`;
  return [...lines, summary];
}
