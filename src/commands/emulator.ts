import { once } from "node:events";
import { isAbsolute, resolve } from "node:path";
import { writeLine } from "../io.js";
import type { Io } from "../io.js";
import { parseFlags, positiveNumber } from "./flags.js";
import { UsageError } from "../errors.js";

const HELP = `usage: acg-migrate emulator [--port N] [--seed FILE] [--faults FILE] [--time-scale X] [--data-dir DIR]

Runs the local ARM emulator (HTTPS on 127.0.0.1) until SIGTERM or SIGINT. The first line on
stdout is {"endpoint","caCert","subscriptionId","timeScale"}.

  --port N         TCP port (0 = any free port; with --data-dir, the saved one)
  --seed FILE      seed YAML (default: the package's examples/emulator-seed.yaml)
  --faults FILE    faults YAML (throttling budgets, injected errors, replication model,
                   access denials and management locks)
  --time-scale X   simulated time runs X times faster (default 1)
  --data-dir DIR   keep resources, operations, certificate and port across restarts
                   (a saved state wins over --seed; simulated time stands still while stopped)`;

function portOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, not '${value}'`);
  return n;
}

/** `acg-migrate emulator`: starts the emulator, prints the start line, serves until interrupted. */
export async function emulatorCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseFlags(
    "emulator",
    argv,
    {
      port: { type: "string" },
      seed: { type: "string" },
      faults: { type: "string" },
      "time-scale": { type: "string" },
      "data-dir": { type: "string" },
    },
    HELP,
  );
  if (help) {
    writeLine(io.stdout, help);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`emulator: unexpected argument '${positionals[0]}'\n\n${HELP}`);
  const port = portOf(values.port);
  // Paths stay as given when they resolve the same, so problems name the file as the user typed it.
  const path = (file: string): string => (isAbsolute(file) || io.cwd === process.cwd() ? file : resolve(io.cwd, file));
  const timeScale = positiveNumber("time-scale", values["time-scale"], 1);
  // Loaded on demand so other commands never pay for the emulator's modules.
  const { startEmulator } = await import("../emulator/index.js");
  const emulator = await startEmulator({
    ...(port !== undefined ? { port } : {}),
    ...(values.seed !== undefined ? { seed: path(values.seed) } : {}),
    ...(values.faults !== undefined ? { faults: path(values.faults) } : {}),
    ...(values["data-dir"] !== undefined ? { dataDir: path(values["data-dir"]) } : {}),
    timeScale,
  });
  writeLine(
    io.stdout,
    JSON.stringify({ endpoint: emulator.endpoint, caCert: emulator.caCertPath, subscriptionId: emulator.subscriptionId, timeScale: emulator.timeScale }),
  );
  writeLine(io.stderr, `acg-migrate emulator: listening on ${emulator.endpoint} (Ctrl-C to stop)`);
  if (!io.signal.aborted) await once(io.signal, "abort");
  await emulator.close();
  return 0;
}
