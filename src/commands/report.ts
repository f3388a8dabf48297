import { UsageError } from "../errors.js";
import type { Io } from "../io.js";

/** Placeholder until the `report` command lands. */
export async function reportCommand(_argv: string[], _io: Io): Promise<number> {
  throw new UsageError("the 'report' command is not available yet");
}
