/** The Azure adapter's public surface: the only module tree that imports `@azure/*`. */
import type { TokenCredential } from "@azure/core-auth";
import { AzureUnavailableError, messageOf } from "../errors.js";
import { AzureError, toAzureError } from "./errors.js";
import type { AzureReader } from "./port.js";

export { CLOUDS, CREDENTIAL_KINDS, createCredential, staticTokenCredential } from "./credential.js";
export type { CloudName, CredentialKind } from "./credential.js";
export { createComputePort } from "./compute-port.js";
export type { ComputePortOptions } from "./compute-port.js";

const NO_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

/**
 * Checks that Azure can be used at all: a token can be had and the endpoint answers an
 * authenticated read. Throws AzureUnavailableError (exit 3) otherwise.
 */
export async function probeAzure(
  credential: TokenCredential,
  reader: AzureReader,
  armEndpoint: string,
  subscriptionId: string | undefined,
  signal?: AbortSignal,
): Promise<void> {
  try {
    const token = await credential.getToken(`${armEndpoint}/.default`, { abortSignal: signal });
    if (!token) throw new Error("the credential returned no token");
  } catch (error: unknown) {
    throw new AzureUnavailableError(`cannot get a token for ${armEndpoint}: ${firstLine(messageOf(error))} (choose a credential with --credential; see --help)`);
  }
  try {
    // One cheap authenticated read. Without a subscription of ours, any HTTP answer proves the
    // endpoint reachable, and only 401 counts against it (a 403/404 on a made-up id means nothing).
    const id = `/subscriptions/${subscriptionId ?? NO_SUBSCRIPTION}/resourceGroups/acg-migrate-probe/providers/Microsoft.Compute/images/probe`;
    await reader.getImage(id, signal);
  } catch (error: unknown) {
    const e = toAzureError(error);
    if (e instanceof AzureError && e.statusCode !== undefined) {
      const fatal = e.statusCode === 401 || (subscriptionId !== undefined && e.statusCode === 403) || e.code === "SubscriptionNotFound";
      if (!fatal) return;
      throw new AzureUnavailableError(`Azure refused ${armEndpoint}: ${e.statusCode} ${e.code}: ${firstLine(e.message)}`);
    }
    if (e instanceof Error && e.name === "AbortError") throw error;
    throw new AzureUnavailableError(`cannot reach ${armEndpoint}: ${firstLine(messageOf(e))}`);
  }
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
