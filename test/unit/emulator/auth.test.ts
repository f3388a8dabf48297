import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { authenticationFailure, handleIdentityRequest } from "../../../src/emulator/auth.js";

// Plain http is enough to check the answers' shapes; the https path through MSAL is the
// integration test's job (test/integration/emulator/auth.test.ts).
let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    void handleIdentityRequest(req, res, url, "https://127.0.0.1:8443").then((handled) => {
      if (!handled) {
        res.writeHead(418);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("handleIdentityRequest", () => {
  it("serves the v2 openid-configuration with the four keys MSAL needs and an absolute https token endpoint", async () => {
    const res = await fetch(`${base}/tenant-1/v2.0/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, string>;
    for (const key of ["authorization_endpoint", "token_endpoint", "issuer", "jwks_uri"]) assert.equal(typeof body[key], "string", key);
    assert.equal(body["token_endpoint"], "https://127.0.0.1:8443/tenant-1/oauth2/v2.0/token");
  });

  it("issues a bearer token for client credentials, without echoing the secret", async () => {
    const res = await fetch(`${base}/tenant-1/oauth2/v2.0/token?client-request-id=x`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: "app", client_secret: "dummy-secret-value", grant_type: "client_credentials", scope: "https://management.azure.com/.default" }),
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes("dummy-secret-value"));
    const body = JSON.parse(text) as { token_type: string; expires_in: number; access_token: string };
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.expires_in, 3599);
    const payload = JSON.parse(Buffer.from(body.access_token.split(".")[1] ?? "", "base64url").toString()) as { aud: string; tid: string };
    assert.equal(payload.aud, "https://management.azure.com");
    assert.equal(payload.tid, "tenant-1");
  });

  it("answers AAD's error when grant_type is missing", async () => {
    const res = await fetch(`${base}/t/oauth2/v2.0/token`, { method: "POST", body: "client_id=a" });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error_description: string }).error_description, /AADSTS900144/);
  });

  it("serves the ADFS forms used by az and MSAL Python", async () => {
    const config = (await (await fetch(`${base}/adfs/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
    assert.equal(config.token_endpoint, "https://127.0.0.1:8443/adfs/oauth2/token");
    const res = await fetch(`${base}/adfs/oauth2/token`, { method: "POST", body: new URLSearchParams({ grant_type: "client_credentials", resource: "https://management.azure.com/" }) });
    const body = (await res.json()) as { token_type: string; resource: string; expires_on: string };
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.resource, "https://management.azure.com/");
    assert.match(body.expires_on, /^\d+$/);
  });

  it("serves the App Service managed identity endpoint only with its header", async () => {
    const url = `${base}/msi/token?api-version=2019-08-01&resource=https://management.azure.com/`;
    assert.equal((await fetch(url)).status, 400);
    const res = await fetch(url, { headers: { "x-identity-header": "h" } });
    const body = (await res.json()) as { token_type: string; expires_on: string; access_token: string };
    assert.equal(body.token_type, "Bearer");
    assert.match(body.expires_on, /^\d+$/);
  });

  it("leaves ARM paths alone", async () => {
    assert.equal((await fetch(`${base}/subscriptions/s/providers/Microsoft.Compute/images?api-version=2024-07-01`)).status, 418);
    assert.equal((await fetch(`${base}/subscriptions/oauth2/token`, { method: "POST" })).status, 418);
  });
});

describe("authenticationFailure", () => {
  const request = (authorization?: string): IncomingMessage => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

  it("answers ARM's 401 when the header is missing or the bearer empty", () => {
    for (const header of [undefined, "", "Bearer", "Bearer   "]) {
      const failure = authenticationFailure(request(header));
      assert.equal(failure?.status, 401);
      assert.deepEqual(failure?.body, { error: { code: "AuthenticationFailed", message: "Authentication failed. The 'Authorization' header is missing." } });
      assert.match(failure?.headers["www-authenticate"] ?? "", /^Bearer /);
    }
  });

  it("rejects another scheme as an invalid format", () => {
    const failure = authenticationFailure(request("Basic dXNlcjpwYXNz"));
    assert.equal(failure?.status, 401);
    assert.equal((failure?.body as { error: { code: string } }).error.code, "InvalidAuthenticationToken");
  });

  it("accepts any bearer token", () => {
    assert.equal(authenticationFailure(request("Bearer anything")), undefined);
    assert.equal(authenticationFailure(request("bearer x.y.z")), undefined);
  });
});
