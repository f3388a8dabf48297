import type { Readable, Writable } from "node:stream";

/** What a command may touch of the outside world; only main.ts builds it from `process`. */
export interface Io {
  stdout: Writable;
  stderr: Writable;
  /** Where a command may ask the user a question (`cleanup`'s confirmation); absent = never ask. */
  stdin?: Readable & { isTTY?: boolean };
  /** Directory relative paths are resolved against. */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on the first SIGINT/SIGTERM: stop starting work, save, return 130. */
  signal: AbortSignal;
  /** Aborted on the second SIGINT: return at once (state must already be consistent). */
  hardSignal: AbortSignal;
}

/** Writes one line to a stream. */
export function writeLine(stream: Writable, line = ""): void {
  stream.write(`${line}\n`);
}
