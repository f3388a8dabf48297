import { UsageError } from "../errors.js";
import type { Io } from "../io.js";

/** Placeholder until the `plan` command lands. */
export async function planCommand(_argv: string[], _io: Io): Promise<number> {
  throw new UsageError("the 'plan' command is not available yet");
}
