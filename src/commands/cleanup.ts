import { UsageError } from "../errors.js";
import type { Io } from "../io.js";

/** Placeholder until the `cleanup` command lands. */
export async function cleanupCommand(_argv: string[], _io: Io): Promise<number> {
  throw new UsageError("the 'cleanup' command is not available yet");
}
