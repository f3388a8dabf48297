/** Exit codes shared by every command (DESIGN.md). */
export const ExitCode = {
  ok: 0,
  itemsFailed: 1,
  invalidInput: 2,
  azureUnavailable: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One problem in an input file, printed as `FILE:LINE:COL: PATH: MESSAGE`. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

/** Formats a problem the way every command prints it. */
export function formatProblem(problem: Problem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.path}: ${problem.message}`;
}

/** A mistake in how the command was called (flags, arguments): exit 2, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** An input file (plan, seed, faults, state) that cannot be used: exit 2, with every problem found. */
export class InputError extends Error {
  override name = "InputError";
  constructor(
    message: string,
    readonly problems: readonly Problem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Azure could not be used at all (no credential, endpoint unreachable, 401 before any item): exit 3. */
export class AzureUnavailableError extends Error {
  override name = "AzureUnavailableError";
}

/** The user interrupted the command (Ctrl-C); state was saved: exit 130. */
export class InterruptedError extends Error {
  override name = "InterruptedError";
}

/** Maps any thrown value to the exit code of the one top-level catch. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError || error instanceof InputError) return ExitCode.invalidInput;
  if (error instanceof AzureUnavailableError) return ExitCode.azureUnavailable;
  if (error instanceof InterruptedError) return ExitCode.interrupted;
  return ExitCode.itemsFailed;
}

/** The message of any thrown value, for one-line reports. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
