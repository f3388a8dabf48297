/** Shared set-up of the emulator integration tests: an emulator and an unmodified SDK client on it. */
import assert from "node:assert/strict";
import { request as httpsRequest } from "node:https";
import { ComputeManagementClient } from "@azure/arm-compute";
import type { TokenCredential } from "@azure/core-auth";
import { startEmulator } from "../../../src/emulator/index.js";
import type { EmulatorHandle, EmulatorOptions } from "../../../src/emulator/index.js";
import type { SeedDocument } from "../../../src/emulator/seed.js";
import type { FaultsConfig } from "../../../src/emulator/faults-types.js";
import { defaultFaults } from "../../../src/emulator/faults.js";

/** The subscription of the test seeds. */
export const SUB = "00000000-0000-0000-0000-000000000001";

/** A static token: the emulator accepts any bearer token. */
export const credential: TokenCredential = {
  getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** An SDK client that trusts the emulator's certificate and retries little. */
export function clientFor(emulator: EmulatorHandle, subscriptionId = emulator.subscriptionId): ComputeManagementClient {
  return new ComputeManagementClient(credential, subscriptionId, {
    endpoint: emulator.endpoint,
    credentials: { scopes: [`${emulator.endpoint}/.default`] },
    tlsOptions: { ca: emulator.caCert },
    retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
}

/** Faults with throttling off and nothing injected: tests of the core behaviour. */
export function quietFaults(overrides: Partial<FaultsConfig> = {}): FaultsConfig {
  const base = defaultFaults();
  return { ...base, throttling: { ...base.throttling, enabled: false }, ...overrides };
}

/** Id of a managed image in the test seed. */
export function imageIdOf(rg: string, name: string, sub = SUB): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/images/${name}`;
}

/** A small seed: one resource group with a few images, one empty gallery resource group. */
export function smallSeed(extra: Partial<SeedDocument> = {}): SeedDocument {
  return {
    subscriptions: [
      {
        id: SUB,
        resourceGroups: [
          {
            name: "rg-images",
            location: "westeurope",
            images: [
              { name: "linux-v2", osType: "Linux", hyperVGeneration: "V2", osDiskSizeGB: 30, dataDisks: [{ lun: 0, sizeGB: 10 }] },
              { name: "linux-v2-b", osType: "Linux", hyperVGeneration: "V2", osDiskSizeGB: 30 },
              { name: "linux-old", osType: "Linux", osDiskSizeGB: 30 },
              { name: "win-v1", osType: "Windows", hyperVGeneration: "V1", osDiskSizeGB: 127 },
              { name: "huge", osType: "Linux", hyperVGeneration: "V2", osDiskSizeGB: 1023, dataDisks: [{ lun: 0, sizeGB: 1023 }, { lun: 1, sizeGB: 500 }] },
              { name: "north", location: "northeurope", osType: "Linux", hyperVGeneration: "V2", osDiskSizeGB: 30 },
            ],
          },
          { name: "rg-gallery", location: "westeurope" },
        ],
      },
    ],
    ...extra,
  };
}

/** Starts an emulator with the small seed, quiet faults and a high time scale unless told otherwise. */
export async function startTest(options: EmulatorOptions = {}): Promise<{ emulator: EmulatorHandle; client: ComputeManagementClient }> {
  const emulator = await startEmulator({ seed: smallSeed(), faults: quietFaults(), timeScale: 6000, port: 0, ...options });
  return { emulator, client: clientFor(emulator) };
}

/** Fast polling for pollers. */
export const FAST = { updateIntervalInMs: 5 } as const;

/** One raw HTTPS request to the emulator (for what the SDK hides: headers, error targets, bodies). */
export function arm(
  emulator: EmulatorHandle,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: "Bearer test-token" },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  return new Promise((resolvePromise, reject) => {
    const url = new URL(path, emulator.endpoint);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(url, { method, ca: emulator.caCert, headers: { ...headers, ...(text ? { "content-type": "application/json" } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: raw ? (JSON.parse(raw) as unknown) : undefined });
      });
    });
    req.on("error", reject);
    req.end(text);
  });
}

/** What the SDK throws for a refused request: the fields the tests check. */
export interface RestLike {
  statusCode?: number;
  code?: string;
  message: string;
}

/** Asserts a request is refused with this status and code, and returns the error for further checks. */
export async function refused(promise: Promise<unknown>, status: number, code: string): Promise<RestLike> {
  let caught: RestLike | undefined;
  try {
    await promise;
  } catch (error: unknown) {
    caught = error as RestLike;
  }
  assert.ok(caught, `expected ${status} ${code}, but the request succeeded`);
  assert.equal(caught.statusCode, status, caught.message);
  assert.equal(caught.code, code, caught.message);
  return caught;
}
