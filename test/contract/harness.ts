import { startEmulator } from "../../src/emulator/index.js";
import type { SeedDocument } from "../../src/emulator/index.js";
import type { SeedResourceGroup } from "../../src/emulator/seed.js";
import type { FaultsConfig } from "../../src/emulator/faults-types.js";

/** A running emulator as the contract tests see it. */
export interface ContractEmulator {
  endpoint: string;
  /** The PEM to trust for this emulator, and nothing else. */
  ca: string;
  stop(): Promise<void>;
}

/**
 * Starts an in-process emulator for a contract test: a high time scale so replication (minutes of
 * simulated time) takes milliseconds, and throttling live unless the test says otherwise.
 */
export async function startContractEmulator(seed: unknown, options: { faults?: FaultsConfig; timeScale?: number } = {}): Promise<ContractEmulator> {
  const emulator = await startEmulator({
    seed: seed as SeedDocument,
    timeScale: options.timeScale ?? 5000,
    port: 0,
    ...(options.faults ? { faults: options.faults } : {}),
  });
  return { endpoint: emulator.endpoint, ca: emulator.caCert, stop: () => emulator.close() };
}

/** A seed of one subscription holding `resourceGroups`. */
export function oneSubscription(id: string, resourceGroups: SeedResourceGroup[]): SeedDocument {
  return { subscriptions: [{ id, resourceGroups }] };
}
