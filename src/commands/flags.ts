import { parseArgs } from "node:util";
import type { ParseArgsConfig } from "node:util";
import { UsageError, messageOf } from "../errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses a command's flags with node:util, turning its errors into usage errors (exit 2). */
export function parseFlags<const O extends Options>(command: string, argv: string[], options: O, help: string) {
  try {
    const withHelp = { ...options, help: { type: "boolean", short: "h" } } as const;
    const parsed = parseArgs({ args: argv, options: withHelp, allowPositionals: true, strict: true });
    const wantsHelp = (parsed.values as Record<string, unknown>)["help"] === true;
    return { values: parsed.values, positionals: parsed.positionals, help: wantsHelp ? help : undefined };
  } catch (error: unknown) {
    throw new UsageError(`${command}: ${messageOf(error).replace(/\. To specify a positional argument.*$/s, "")}\n\n${help}`);
  }
}

/** The one plan file a command takes; a usage error (exit 2) that says how many were given otherwise. */
export function onePlanFile(command: string, positionals: string[], help: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command}: expected one plan file, got ${positionals.length}\n\n${help}`);
  return positionals[0]!;
}

/** Reads a positive integer flag, or throws a usage error that names it. */
export function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, not '${value}'`);
  return n;
}

/** Reads a positive number flag (fractions allowed), or throws a usage error that names it. */
export function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, not '${value}'`);
  return n;
}
