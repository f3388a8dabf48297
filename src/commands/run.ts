import { UsageError } from "../errors.js";
import type { Io } from "../io.js";

/** Placeholder until the `run` command lands. */
export async function runCommand(_argv: string[], _io: Io): Promise<number> {
  throw new UsageError("the 'run' command is not available yet");
}
