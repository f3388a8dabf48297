import { UsageError } from "../errors.js";
import type { Io } from "../io.js";

/** Placeholder until the `discover` command lands. */
export async function discoverCommand(_argv: string[], _io: Io): Promise<number> {
  throw new UsageError("the 'discover' command is not available yet");
}
