import { InputError } from "../errors.js";
import type { Problem } from "../errors.js";
import { formatPath } from "./plan-path.js";
import type { PathSegment } from "./plan-path.js";
import { resolveMigration } from "./resolve.js";
import { checkRules, isObj } from "./rules.js";
import { checkSchema } from "./schema-check.js";
import type { ExecutionSettings, Plan } from "./types.js";
import { parseYamlSource, readPlanText } from "./yaml-source.js";
import type { Finding, YamlSource } from "./yaml-source.js";

/** Options of `loadPlan` and `validatePlanFile`. */
export interface LoadPlanOptions {
  /** Directory a relative plan path is read from (default: the process's). */
  cwd?: string;
  /** "Now" for end-of-life checks (default: the current time). */
  now?: Date;
}

/** Every problem and warning of one plan file, and the resolved plan when there is no problem. */
export interface PlanValidation {
  plan?: Plan;
  problems: Problem[];
  warnings: Problem[];
}

/**
 * Validates a plan file offline: YAML, schema, then the service's rules; every problem is collected.
 * @throws InputError (without problems) when the file itself cannot be a plan: missing, a directory,
 * empty, binary or too large.
 */
export async function validatePlanFile(file: string, options: LoadPlanOptions = {}): Promise<PlanValidation> {
  const text = await readPlanText(file, options.cwd);
  return validatePlanText(file, text, options.now ?? new Date());
}

/** Validates plan text already read (the file name is used in problems only). */
export function validatePlanText(file: string, text: string, now: Date): PlanValidation {
  const source = parseYamlSource(text);
  const toProblem = (f: Finding): Problem => {
    const position = "position" in f ? (f as { position: { line: number; column: number } }).position : source.positionOf(f.path, f.at);
    return { file, line: position.line, column: position.column, path: formatPath(f.path), message: f.message };
  };
  if (source.problems.length > 0) return { problems: source.problems.map(toProblem), warnings: [] };

  const schemaFindings = checkSchema(source.value, source.rawText);
  const rules = checkRules(source.value, { now, positionOf: (path) => source.positionOf(path) });
  const problems = sortProblems(dedupe([...schemaFindings, ...rules.errors].map(toProblem)));
  const warnings = sortProblems(rules.warnings.map(toProblem));
  if (problems.length > 0) return { problems, warnings };
  return { plan: buildPlan(file, source, rules.merged, rules.extraRegions, warnings), problems, warnings };
}

/**
 * Loads, validates and resolves a plan (defaults merged, regions normalised, ids built).
 * @throws InputError with every problem when the plan is not valid, or when the file cannot be read.
 */
export async function loadPlan(file: string, options: LoadPlanOptions = {}): Promise<Plan> {
  const result = await validatePlanFile(file, options);
  if (!result.plan) {
    const count = result.problems.length;
    throw new InputError(`${file}: invalid plan (${count} problem${count === 1 ? "" : "s"})`, result.problems);
  }
  return result.plan;
}

function buildPlan(
  file: string,
  source: YamlSource,
  merged: ReturnType<typeof checkRules>["merged"],
  extraRegions: ExecutionSettings["extraRegions"],
  warnings: Problem[],
): Plan {
  const root = source.value as Record<string, unknown>;
  const execution = isObj(root["execution"]) ? root["execution"] : {};
  const settings: ExecutionSettings = {
    ...(typeof execution["concurrency"] === "number" ? { concurrency: execution["concurrency"] } : {}),
    ...(typeof execution["itemTimeoutMinutes"] === "number" ? { itemTimeoutMinutes: execution["itemTimeoutMinutes"] } : {}),
    extraRegions,
  };
  const migrations = merged.map((m) => {
    const path: PathSegment[] = ["migrations", m.index];
    return resolveMigration(m, source.positionOf(path), extraRegions);
  });
  return {
    file,
    execution: settings,
    migrations,
    warnings: warnings.map(({ line, column, path, message }) => ({ line, column, path, message })),
  };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.path}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}
