import { UsageError } from "../errors.js";
import type { Io } from "../io.js";

/** Placeholder until the `validate` command lands. */
export async function validateCommand(_argv: string[], _io: Io): Promise<number> {
  throw new UsageError("the 'validate' command is not available yet");
}
