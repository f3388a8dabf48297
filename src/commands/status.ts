import { UsageError } from "../errors.js";
import type { Io } from "../io.js";

/** Placeholder until the `status` command lands. */
export async function statusCommand(_argv: string[], _io: Io): Promise<number> {
  throw new UsageError("the 'status' command is not available yet");
}
