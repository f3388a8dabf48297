/**
 * The options every Azure-facing command accepts (DESIGN.md), and the one place that turns them
 * into a credential, clients and, for `--emulator`, an in-process emulator.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AzureReader, AzureWriter } from "../azure/port.js";
import { AzureUnavailableError, UsageError, messageOf } from "../errors.js";
import type { Io } from "../io.js";
import { positiveNumber } from "./flags.js";

/** parseArgs option definitions to spread into a command's own. */
export const azureFlagOptions = {
  "arm-endpoint": { type: "string" },
  cloud: { type: "string" },
  "ca-cert": { type: "string" },
  credential: { type: "string" },
  "authority-host": { type: "string" },
  "time-scale": { type: "string" },
  emulator: { type: "boolean" },
  seed: { type: "string" },
  "emulator-data": { type: "string" },
  json: { type: "boolean" },
} as const;

/** Help text for the flags above, to append to a command's own help. */
export const azureFlagHelp = [
  "Azure options:",
  "  --arm-endpoint URL     ARM endpoint (default: the cloud's, https://management.azure.com)",
  "  --cloud NAME           AzureCloud | AzureUSGovernment | AzureChinaCloud",
  "  --ca-cert FILE         an extra trusted CA certificate (PEM), e.g. the emulator's",
  "  --credential KIND      default | cli | env | managed-identity | workload-identity | client-secret | emulator",
  "  --authority-host URL   Microsoft Entra authority for client-secret/env/workload-identity",
  "  --time-scale X         the runner's clock runs X times faster (match an emulator's --time-scale)",
  "  --emulator             run against an in-process emulator (seed: --seed FILE, data: --emulator-data DIR)",
  "  --json                 print the result as one JSON document on stdout",
].join("\n");

/** What an Azure-facing command works with. */
export interface AzureContext {
  armEndpoint: string;
  timeScale: number;
  /** A read-only view: it has no write methods at all. */
  reader: AzureReader;
  /** Only when the command asked for writes. */
  writer?: AzureWriter;
  /** Set when `--emulator` started one in-process. */
  emulator?: { endpoint: string; subscriptionId: string };
  /** Stops the in-process emulator, if any. */
  close(): Promise<void>;
}

interface EmulatorHandle {
  endpoint: string;
  caCert: string;
  caCertPath: string;
  subscriptionId: string;
  timeScale: number;
  close(): Promise<void>;
}

const CREDENTIAL_KINDS = ["default", "cli", "env", "managed-identity", "workload-identity", "client-secret", "emulator"];
const CLOUD_NAMES = ["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"];

/** The default emulator time scale: the example's replication (minutes) finishes in about a second. */
export const EMULATOR_DEFAULT_TIME_SCALE = 600;

/** The package's own example seed, used by `--emulator` without `--seed`. */
export function defaultSeedPath(): string {
  // dist/src/commands/azure-options.js → package root
  return fileURLToPath(new URL("../../../examples/emulator-seed.yaml", import.meta.url));
}

function str(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** Reads only the time scale (for commands that need it before building a context). */
export function timeScaleFrom(values: Record<string, unknown>): number {
  const given = str(values, "time-scale");
  if (given !== undefined) return positiveNumber("time-scale", given, 1);
  return values["emulator"] === true ? EMULATOR_DEFAULT_TIME_SCALE : 1;
}

/**
 * Builds credential and clients from the parsed flags (starting an in-process emulator for
 * `--emulator`); throws UsageError for bad flags and AzureUnavailableError when Azure cannot be
 * used at all (no token, endpoint unreachable), checked with one cheap authenticated read.
 */
export async function createAzureContext(
  values: Record<string, unknown>,
  io: Io,
  options: { write: boolean; stateDir?: string; probeSubscriptionId?: string },
): Promise<AzureContext> {
  const timeScale = timeScaleFrom(values);
  const cloudName = str(values, "cloud") ?? "AzureCloud";
  if (!CLOUD_NAMES.includes(cloudName)) throw new UsageError(`--cloud must be one of ${CLOUD_NAMES.join(", ")}, not '${cloudName}'`);
  let credentialKind = str(values, "credential");
  if (credentialKind !== undefined && !CREDENTIAL_KINDS.includes(credentialKind)) {
    throw new UsageError(`--credential must be one of ${CREDENTIAL_KINDS.join(", ")}, not '${credentialKind}'`);
  }
  const caPath = str(values, "ca-cert");
  let caPem: string | undefined;
  if (caPath !== undefined) {
    try {
      caPem = readFileSync(resolve(io.cwd, caPath), "utf8");
    } catch (error: unknown) {
      throw new UsageError(`--ca-cert ${caPath}: ${messageOf(error)}`);
    }
    if (!caPem.includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`--ca-cert ${caPath}: not a PEM certificate`);
  }
  let armEndpoint = str(values, "arm-endpoint");
  if (armEndpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(armEndpoint);
    } catch {
      throw new UsageError(`--arm-endpoint must be a URL, not '${armEndpoint}'`);
    }
    if (url.protocol !== "https:") throw new UsageError(`--arm-endpoint must use https (bearer tokens are never sent in clear): '${armEndpoint}'`);
    armEndpoint = url.origin + url.pathname.replace(/\/+$/, "");
  }

  let emulator: EmulatorHandle | undefined;
  if (values["emulator"] === true) {
    if (armEndpoint !== undefined) throw new UsageError("--emulator and --arm-endpoint cannot be combined");
    const seedGiven = str(values, "seed");
    const seed = seedGiven !== undefined ? resolve(io.cwd, seedGiven) : defaultSeedPath();
    const dataGiven = str(values, "emulator-data");
    const dataDir = dataGiven !== undefined ? resolve(io.cwd, dataGiven) : join(options.stateDir ?? io.cwd, ".acg-migrate", "emulator");
    // Loaded by URL so that commands without --emulator never load the emulator's code.
    const { startEmulator } = await import("../emulator/index.js");
    emulator = await startEmulator({ port: 0, seed, timeScale, dataDir });
    armEndpoint = emulator.endpoint;
    caPem = emulator.caCert;
    credentialKind = "emulator";
  }

  const azure = await import("../azure/index.js");
  const cloud = azure.CLOUDS[cloudName as keyof typeof azure.CLOUDS];
  const endpoint = armEndpoint ?? cloud.armEndpoint;
  const authorityHost = str(values, "authority-host") ?? (cloudName !== "AzureCloud" ? cloud.authorityHost : undefined);
  let credential;
  try {
    credential = azure.createCredential({
      kind: (credentialKind ?? "default") as import("../azure/credential.js").CredentialKind,
      ...(authorityHost !== undefined ? { authorityHost } : {}),
      ...(caPem !== undefined ? { caPem } : {}),
      env: io.env,
    });
  } catch (error: unknown) {
    await emulator?.close();
    throw new UsageError(messageOf(error));
  }
  const port = azure.createComputePort({ armEndpoint: endpoint, credential, ...(caPem !== undefined ? { caPem } : {}), timeScale });
  try {
    await azure.probeAzure(credential, port, endpoint, options.probeSubscriptionId, io.signal);
  } catch (error: unknown) {
    await emulator?.close();
    throw error;
  }
  const reader = readOnlyView(port);
  return {
    armEndpoint: port.armEndpoint,
    timeScale,
    reader,
    ...(options.write ? { writer: port } : {}),
    ...(emulator ? { emulator: { endpoint: emulator.endpoint, subscriptionId: emulator.subscriptionId } } : {}),
    close: async () => {
      await emulator?.close();
    },
  };
}

/** A reader that exposes the read methods only, so a read-only command cannot write by mistake. */
export function readOnlyView(port: AzureReader): AzureReader {
  return {
    armEndpoint: port.armEndpoint,
    getImage: (id, signal) => port.getImage(id, signal),
    listImages: (s, rg, signal) => port.listImages(s, rg, signal),
    getGallery: (id, signal) => port.getGallery(id, signal),
    listGalleries: (s, signal) => port.listGalleries(s, signal),
    getDefinition: (id, signal) => port.getDefinition(id, signal),
    listDefinitions: (id, signal) => port.listDefinitions(id, signal),
    getVersion: (id, o) => port.getVersion(id, o),
    listVersions: (id, signal) => port.listVersions(id, signal),
  };
}

/** The directory a state file lives in (where `--emulator` keeps its data by default). */
export function stateDirOf(statePath: string): string {
  return dirname(statePath);
}

export { AzureUnavailableError };
