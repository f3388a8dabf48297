/**
 * `startEmulator(options)`: the local ARM emulator over HTTPS on 127.0.0.1, for the CLI's
 * `emulator` command and for tests.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import selfsigned from "selfsigned";
import { UsageError } from "../errors.js";
import { AccessRules } from "./access.js";
import type { Clock } from "./clock.js";
import { scaledClock } from "./clock.js";
import { FaultInjector, defaultFaults, loadFaultsFile } from "./faults.js";
import type { FaultsConfig } from "./faults-types.js";
import { DEFAULT_LIMITS } from "./rules.js";
import type { Limits } from "./rules.js";
import type { SeedDocument } from "./seed.js";
import { firstSubscription, loadSeedFile, storeFromSeed, validateSeed } from "./seed.js";
import { createRequestListener } from "./server.js";
import type { EmulatorStats } from "./stats.js";
import { StatsCounter } from "./stats.js";
import { Store, readSnapshot, writeFileAtomic } from "./store.js";
import { Throttle } from "./throttle.js";

export type { EmulatorStats } from "./stats.js";
export type { SeedDocument } from "./seed.js";

/** How to start an emulator; every field optional. */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 or absent = any free port (or the data dir's saved one). */
  port?: number;
  /** A seed file path or document; default: the package's `examples/emulator-seed.yaml`. */
  seed?: string | SeedDocument;
  /** A faults file path or config; default: live throttling, no injected faults. */
  faults?: string | FaultsConfig;
  /** Simulated time runs this many times faster than real time (default 1). */
  timeScale?: number;
  /** Keeps resources, operations, the certificate and the port across restarts. */
  dataDir?: string;
  /** Items per list page before `nextLink` (default 5, small so clients exercise paging). */
  pageSize?: number;
  /** Per-subscription-per-region limits (override the seed's and Azure's). */
  limits?: Partial<Limits>;
}

/** A running emulator. */
export interface EmulatorHandle {
  /** `https://127.0.0.1:PORT`, no trailing slash. */
  endpoint: string;
  /** The self-signed certificate (PEM) to trust. */
  caCert: string;
  caCertPath: string;
  /** The first subscription of the seed. */
  subscriptionId: string;
  timeScale: number;
  /** The simulated clock (tests read simulated time from it). */
  clock: Clock;
  stats(): EmulatorStats;
  close(): Promise<void>;
}

/** The package's example seed, used when no seed is given. */
export const DEFAULT_SEED_PATH = fileURLToPath(new URL("../../../examples/emulator-seed.yaml", import.meta.url));

const STATE_FILE = "emulator-state.json";
const CERT_FILE = "ca.pem";
const KEY_FILE = "key.pem";
const SAVE_DELAY_MS = 200;

interface SavedState {
  port: number;
  subscriptionId: string;
  limits: Limits;
}

async function certificate(dir: string, reuse: boolean): Promise<{ cert: string; key: string }> {
  if (reuse) {
    try {
      return { cert: readFileSync(join(dir, CERT_FILE), "utf8"), key: readFileSync(join(dir, KEY_FILE), "utf8") };
    } catch {
      // no saved certificate yet: make one below
    }
  }
  const pems = await selfsigned.generate([{ name: "commonName", value: "localhost" }], {
    // P-256 rather than RSA: handshakes cost a fraction, which matters with 1,000 concurrent clients.
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 3650 * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }] },
    ],
  });
  writeFileSync(join(dir, CERT_FILE), pems.cert, { mode: 0o644 });
  writeFileSync(join(dir, KEY_FILE), pems.private, { mode: 0o600 });
  return { cert: pems.cert, key: pems.private };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      if (error.code === "EADDRINUSE") reject(new UsageError(`port ${port} on 127.0.0.1 is already in use; choose another with --port (0 = any free port)`));
      else if (error.code === "EACCES") reject(new UsageError(`port ${port} on 127.0.0.1 cannot be used (permission denied)`));
      else reject(error);
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    // A deep backlog: a burst of 1,000 concurrent clients would otherwise overflow the default 511
    // and stall on SYN retransmits (seconds each).
    server.listen({ port, host: "127.0.0.1", backlog: 4096 });
  });
}

/** Starts an emulator; resolves once it listens. Bad seed/faults files throw InputError, a taken port UsageError. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new UsageError(`time scale must be a positive number, not ${timeScale}`);
  const pageSize = options.pageSize ?? 5;
  const faultsConfig =
    typeof options.faults === "string" ? await loadFaultsFile(options.faults) : (options.faults ?? defaultFaults());

  const dataDir = options.dataDir;
  const ownDir = dataDir ?? mkdtempSync(join(tmpdir(), "acg-emulator-"));
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const statePath = join(ownDir, STATE_FILE);
  const snapshot = dataDir ? readSnapshot(statePath) : undefined;
  const saved = snapshot as (typeof snapshot & { emulator?: SavedState }) | undefined;

  let store: Store;
  let clock: Clock;
  let subscriptionId: string;
  let limits: Limits;
  if (saved) {
    // The simulated clock resumes where it stopped: downtime does not advance in-flight operations.
    clock = scaledClock(timeScale, saved.simulatedNow, Date.now());
    store = Store.fromSnapshot(saved);
    subscriptionId = saved.emulator?.subscriptionId ?? "00000000-0000-0000-0000-000000000001";
    limits = { ...DEFAULT_LIMITS, ...(saved.emulator?.limits ?? {}), ...(options.limits ?? {}) };
  } else {
    const seed =
      typeof options.seed === "string"
        ? await loadSeedFile(options.seed)
        : options.seed !== undefined
          ? validateSeed(options.seed, "<seed>")
          : await loadSeedFile(DEFAULT_SEED_PATH);
    clock = scaledClock(timeScale);
    store = storeFromSeed(seed, clock.now());
    subscriptionId = firstSubscription(seed);
    limits = { ...DEFAULT_LIMITS, ...(seed.limits ?? {}), ...(options.limits ?? {}) };
  }

  const pems = await certificate(ownDir, dataDir !== undefined);
  const stats = new StatsCounter();
  let endpoint = "";
  let port = 0;
  let saveTimer: NodeJS.Timeout | undefined;
  const save = (): void => {
    if (!dataDir) return;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = undefined;
    const state = { ...store.snapshot(clock.now()), emulator: { port, subscriptionId, limits } satisfies SavedState };
    writeFileAtomic(statePath, JSON.stringify(state));
  };
  const scheduleSave = (): void => {
    if (!dataDir || saveTimer) return;
    saveTimer = setTimeout(save, SAVE_DELAY_MS);
    saveTimer.unref();
  };
  store.onChange = scheduleSave;

  const server = createServer(
    { key: pems.key, cert: pems.cert, keepAlive: true },
    createRequestListener({
      endpoint: () => endpoint,
      store,
      stats,
      clock,
      faults: new FaultInjector(faultsConfig),
      throttle: new Throttle(faultsConfig.throttling, clock),
      replication: faultsConfig.replication,
      limits,
      pageSize,
      // A config built in code before access and locks existed has neither.
      access: new AccessRules(faultsConfig.access?.deny ?? [], faultsConfig.locks ?? []),
      afterWrite: scheduleSave,
    }),
  );
  // Clients keep connections open between polls; closing idle ones after Node's default 5 s makes a
  // reused socket race the close (ECONNRESET) for no benefit.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  const wanted = options.port !== undefined && options.port !== 0 ? options.port : (saved?.emulator?.port ?? 0);
  port = await listen(server, wanted);
  endpoint = `https://127.0.0.1:${port}`;
  save();

  let closed: Promise<void> | undefined;
  return {
    endpoint,
    caCert: pems.cert,
    caCertPath: join(ownDir, CERT_FILE),
    subscriptionId,
    timeScale,
    clock,
    stats: () => stats.snapshot(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => {
        save();
        if (!dataDir) rmSync(ownDir, { recursive: true, force: true });
      });
      return closed;
    },
  };
}
