import assert from "node:assert/strict";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { ComputeManagementClient } from "@azure/arm-compute";
import { ClientSecretCredential, ManagedIdentityCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";
import { resolveFaults } from "../../../src/emulator/faults.js";
import { startEmulator } from "../../../src/emulator/index.js";
import type { EmulatorHandle } from "../../../src/emulator/index.js";
import { smallSeed } from "./helpers.js";

// Dummy identities only: the emulator accepts any client and secret, and no test sends a real one.
const TENANT = "emulator-tenant";
const CLIENT_ID = "00000000-0000-0000-0000-0000000000aa";
const DUMMY_SECRET = "not-a-real-secret";

function rawGet(emulator: EmulatorHandle, path: string, authorization?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    const req = request(`${emulator.endpoint}${path}`, { method: "GET", ca: emulator.caCert, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

function armClient(emulator: EmulatorHandle, credential: TokenCredential): ComputeManagementClient {
  return new ComputeManagementClient(credential, emulator.subscriptionId, {
    endpoint: emulator.endpoint,
    tlsOptions: { ca: emulator.caCert },
    retryOptions: { maxRetries: 0 },
  });
}

const imagePath = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-images/providers/Microsoft.Compute/images/linux-v2?api-version=2024-07-01";

describe("authentication", () => {
  let emulator: EmulatorHandle;
  before(async () => {
    emulator = await startEmulator({ seed: smallSeed(), faults: resolveFaults({ throttling: "none" }), timeScale: 1000, port: 0 });
  });
  after(async () => {
    await emulator.close();
  });

  it("issues tokens to ClientSecretCredential pointed at the emulator, and images.get works with them", async () => {
    const credential = new ClientSecretCredential(TENANT, CLIENT_ID, DUMMY_SECRET, {
      authorityHost: emulator.endpoint,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: emulator.caCert },
    });
    const token = await credential.getToken("https://management.azure.com/.default");
    assert.ok(token.token.length > 0);
    assert.ok(token.expiresOnTimestamp > Date.now() + 3_000_000, "about an hour of validity");
    const image = await armClient(emulator, credential).images.get("rg-images", "linux-v2");
    assert.equal(image.name, "linux-v2");
    // Token requests are not ARM requests: only the image GET was counted.
    assert.deepEqual(emulator.stats().requests, { "GET Microsoft.Compute/images": 1 });
  });

  it("issues tokens to the App Service managed identity source", async () => {
    const saved = { endpoint: process.env["IDENTITY_ENDPOINT"], header: process.env["IDENTITY_HEADER"] };
    process.env["IDENTITY_ENDPOINT"] = `${emulator.endpoint}/msi/token`;
    process.env["IDENTITY_HEADER"] = "dummy-identity-header";
    try {
      const credential = new ManagedIdentityCredential({ tlsOptions: { ca: emulator.caCert } });
      const image = await armClient(emulator, credential).images.get("rg-images", "linux-v2");
      assert.equal(image.name, "linux-v2");
    } finally {
      for (const [key, value] of [["IDENTITY_ENDPOINT", saved.endpoint], ["IDENTITY_HEADER", saved.header]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it("answers ARM's 401 without a bearer token", async () => {
    for (const authorization of [undefined, "Bearer "]) {
      const answer = await rawGet(emulator, imagePath, authorization);
      assert.equal(answer.status, 401);
      assert.deepEqual(JSON.parse(answer.body), {
        error: { code: "AuthenticationFailed", message: "Authentication failed. The 'Authorization' header is missing." },
      });
      assert.match(String(answer.headers["www-authenticate"]), /^Bearer /);
    }
    assert.equal((await rawGet(emulator, imagePath, "Bearer anything-at-all")).status, 200);
  });

  it("makes the SDK fail with 401 when its credential gives an empty token", async () => {
    const empty: TokenCredential = { getToken: async () => ({ token: "", expiresOnTimestamp: Date.now() + 3_600_000 }) };
    await assert.rejects(armClient(emulator, empty).images.get("rg-images", "linux-v2"), (error: { statusCode?: number; code?: string }) => error.statusCode === 401 && error.code === "AuthenticationFailed");
  });
});
