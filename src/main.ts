import { readFileSync } from "node:fs";
import { AzureUnavailableError, ExitCode, InputError, InterruptedError, UsageError, exitCodeFor, formatProblem, messageOf } from "./errors.js";
import type { Io } from "./io.js";
import { writeLine } from "./io.js";

type Command = (argv: string[], io: Io) => Promise<number>;

/** Each command lives in its own module, loaded on demand so `validate` never loads the Azure SDK. */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  validate: { summary: "check a plan offline (schema and service rules); no Azure call", load: async () => (await import("./commands/validate.js")).validateCommand },
  plan: { summary: "preview what `run` would do, read-only against Azure", load: async () => (await import("./commands/plan.js")).planCommand },
  run: { summary: "migrate the plan's images; resumes from the state file", load: async () => (await import("./commands/run.js")).runCommand },
  status: { summary: "progress from the state file only; no Azure call", load: async () => (await import("./commands/status.js")).statusCommand },
  report: { summary: "render the state as table, json, markdown or junit", load: async () => (await import("./commands/report.js")).reportCommand },
  discover: { summary: "list the managed images of subscriptions and write a plan", load: async () => (await import("./commands/discover.js")).discoverCommand },
  cleanup: { summary: "delete the source images of verified items only", load: async () => (await import("./commands/cleanup.js")).cleanupCommand },
  emulator: { summary: "run the local ARM emulator until SIGTERM/SIGINT", load: async () => (await import("./commands/emulator.js")).emulatorCommand },
};

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return [
    "usage: acg-migrate <command> [options]",
    "",
    "Migrates Azure managed images into Azure Compute Gallery from a YAML plan.",
    "",
    "commands:",
    ...lines,
    "",
    "Run `acg-migrate <command> --help` for a command's options.",
    "exit codes: 0 ok, 1 items failed or blocked, 2 invalid input, 3 Azure unusable, 130 interrupted",
  ].join("\n");
}

/** Wires process signals to two AbortSignals: the first SIGINT asks for a clean stop, the second for an immediate one. */
function signalsFor(): { signal: AbortSignal; hardSignal: AbortSignal; dispose: () => void } {
  const soft = new AbortController();
  const hard = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (!soft.signal.aborted) {
      soft.abort(new InterruptedError(`interrupted by ${name}`));
    } else {
      hard.abort(new InterruptedError(`interrupted twice by ${name}`));
      // The state is journaled and replaced atomically, so leaving now loses nothing; open sockets
      // or an in-process emulator must not keep the process alive after the command has returned.
      setTimeout(() => process.exit(ExitCode.interrupted), 250).unref();
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: soft.signal,
    hardSignal: hard.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** Runs one CLI invocation and returns its exit code; the one place that maps errors to exit codes. */
export async function main(argv: string[], io?: Partial<Io>): Promise<number> {
  const signals = io?.signal ? undefined : signalsFor();
  const ctx: Io = {
    stdout: io?.stdout ?? process.stdout,
    stderr: io?.stderr ?? process.stderr,
    stdin: io ? io.stdin : process.stdin,
    cwd: io?.cwd ?? process.cwd(),
    env: io?.env ?? process.env,
    signal: io?.signal ?? signals!.signal,
    hardSignal: io?.hardSignal ?? signals!.hardSignal,
  };
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      writeLine(name === undefined ? ctx.stderr : ctx.stdout, usage());
      return name === undefined ? ExitCode.invalidInput : ExitCode.ok;
    }
    if (name === "--version" || name === "-V") {
      writeLine(ctx.stdout, packageVersion());
      return ExitCode.ok;
    }
    const command = commands[name];
    if (!command) {
      throw new UsageError(`unknown command '${name}'\n\n${usage()}`);
    }
    return await (await command.load())(rest, ctx);
  } catch (error: unknown) {
    return report(error, ctx);
  } finally {
    signals?.dispose();
  }
}

function report(error: unknown, io: Io): number {
  if (error instanceof InputError) {
    for (const problem of error.problems) writeLine(io.stderr, formatProblem(problem));
    if (error.problems.length === 0 || error.message) writeLine(io.stderr, `acg-migrate: ${error.message}`);
  } else if (error instanceof UsageError || error instanceof AzureUnavailableError || error instanceof InterruptedError) {
    writeLine(io.stderr, `acg-migrate: ${error.message}`);
  } else {
    // A bug of ours, not a mistake of the user's: keep the stack, it is what a bug report needs.
    writeLine(io.stderr, `acg-migrate: internal error: ${messageOf(error)}`);
    if (error instanceof Error && error.stack && io.env.ACG_MIGRATE_DEBUG) writeLine(io.stderr, error.stack);
  }
  return exitCodeFor(error);
}
