import { UsageError } from "../errors.js";
import type { Io } from "../io.js";

/** Placeholder until the `emulator` command lands. */
export async function emulatorCommand(_argv: string[], _io: Io): Promise<number> {
  throw new UsageError("the 'emulator' command is not available yet");
}
