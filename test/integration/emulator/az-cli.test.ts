import assert from "node:assert/strict";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { startEmulator } from "../../../src/emulator/index.js";
import type { EmulatorHandle } from "../../../src/emulator/index.js";
import { SUB, arm, quietFaults, smallSeed } from "./helpers.js";

const SECOND = "00000000-0000-0000-0000-000000000002";
const TENANT = "11111111-1111-1111-1111-111111111111";

/** A raw request with the path sent exactly as given (az sends `//metadata/…`, which `new URL` would read as a host). */
function rawPath(emulator: EmulatorHandle, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(emulator.endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, ca: emulator.caCert, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, body: text === "" ? undefined : (JSON.parse(text) as unknown) });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const total = (e: EmulatorHandle): number => Object.values(e.stats().requests).reduce((a, b) => a + b, 0);

describe("emulator: what the az CLI reads before resources", () => {
  let emulator: EmulatorHandle;
  before(async () => {
    const seed = smallSeed();
    seed.subscriptions.push({ id: SECOND });
    emulator = await startEmulator({ seed, faults: quietFaults(), timeScale: 1000, port: 0 });
  });
  after(async () => {
    await emulator.close();
  });

  it("serves the 2015-01-01 cloud metadata as an object, without a token, at //metadata/endpoints too", async () => {
    const before = total(emulator);
    for (const path of ["//metadata/endpoints?api-version=2015-01-01", "/metadata/endpoints?api-version=2015-01-01"]) {
      const answer = await rawPath(emulator, "GET", path);
      assert.equal(answer.status, 200, path);
      assert.deepEqual(answer.body, {
        galleryEndpoint: `${emulator.endpoint}/`,
        graphEndpoint: `${emulator.endpoint}/`,
        portalEndpoint: `${emulator.endpoint}/`,
        authentication: { loginEndpoint: `${emulator.endpoint}/adfs`, audiences: [`${emulator.endpoint}/`] },
      });
    }
    const modern = await rawPath(emulator, "GET", "/metadata/endpoints?api-version=2022-09-01");
    assert.ok(Array.isArray(modern.body));
    assert.equal(modern.body[0].resourceManager, `${emulator.endpoint}/`);
    assert.equal(total(emulator), before, "metadata is not an ARM request");
  });

  it("lists the seed's subscriptions under the tenant the caller logged in to", async () => {
    const token = await rawPath(emulator, "POST", `/${TENANT}/oauth2/v2.0/token`, { "content-type": "application/x-www-form-urlencoded" }, `grant_type=client_credentials&client_id=app&client_secret=s&scope=${encodeURIComponent(`${emulator.endpoint}//.default`)}`);
    assert.equal(token.status, 200);
    const list = await rawPath(emulator, "GET", "//subscriptions?api-version=2019-11-01", { authorization: `Bearer ${token.body.access_token}` });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.value.map((s: any) => [s.id, s.subscriptionId, s.tenantId, s.state]),
      [
        [`/subscriptions/${SUB}`, SUB, TENANT, "Enabled"],
        [`/subscriptions/${SECOND}`, SECOND, TENANT, "Enabled"],
      ],
    );
    assert.equal(typeof list.body.value[0].displayName, "string");
    assert.equal(list.body.nextLink, undefined);
    assert.equal(emulator.stats().requests["GET Microsoft.Resources/subscriptions"], 1);
  });

  it("needs a token and an api-version for the list, and answers one subscription or 404", async () => {
    assert.equal((await rawPath(emulator, "GET", "/subscriptions?api-version=2019-11-01")).status, 401);
    const noVersion = await arm(emulator, "GET", "/subscriptions");
    assert.equal(noVersion.status, 400);
    assert.equal(noVersion.body.error.code, "MissingApiVersionParameter");
    const opaque = await arm(emulator, "GET", "/subscriptions?api-version=2022-12-01");
    assert.equal(opaque.body.value[0].tenantId, "00000000-0000-0000-0000-000000000000", "a token without a tenant gets the zero tenant");
    const one = await arm(emulator, "GET", `/subscriptions/${SECOND}?api-version=2022-12-01`);
    assert.equal(one.status, 200);
    assert.equal(one.body.subscriptionId, SECOND);
    const unknown = await arm(emulator, "GET", "/subscriptions/00000000-0000-0000-0000-0000000000ff?api-version=2022-12-01");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, "SubscriptionNotFound");
  });
});
