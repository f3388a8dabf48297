import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The emulator's stand-in for Microsoft Entra ID (AAD), so real credentials can be exercised end
 * to end: MSAL (ClientSecretCredential & co.) reads the openid-configuration and then posts to its
 * token_endpoint (SDK.md §5.2); az CLI / MSAL Python use the `/adfs` forms (SDK.md §8); the App
 * Service managed-identity source calls `IDENTITY_ENDPOINT`, served here as `/msi/token`. Any
 * client id and secret are accepted and neither is ever logged or echoed: this is no security
 * boundary, only a faithful shape.
 */

const TOKEN_LIFETIME_SECONDS = 3599;

const openIdV2 = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/i;
const openIdV1 = /^\/([^/]+)\/\.well-known\/openid-configuration$/i;
const tokenV2 = /^\/([^/]+)\/oauth2\/v2\.0\/token$/i;
const tokenV1 = /^\/([^/]+)\/oauth2\/token$/i;
const msiToken = /^\/msi\/token$/i;

/** ARM path roots that must never be mistaken for a tenant segment. */
const notTenants = new Set(["subscriptions", "providers", "_emulator", "metadata", "tenants"]);

/** Serves the AAD endpoints (openid-configuration, token); returns true when it handled the request. */
export async function handleIdentityRequest(req: IncomingMessage, res: ServerResponse, url: URL, endpoint: string): Promise<boolean> {
  const path = url.pathname.replace(/\/{2,}/g, "/");
  const method = (req.method ?? "GET").toUpperCase();
  const base = endpoint.replace(/\/+$/, "");

  const openId = openIdV2.exec(path) ?? openIdV1.exec(path);
  if (openId !== null && !notTenants.has((openId[1] ?? "").toLowerCase())) {
    if (method !== "GET") return methodNotAllowed(res);
    const tenant = openId[1] ?? "common";
    const isAdfs = tenant.toLowerCase() === "adfs";
    const v2 = openIdV2.test(path);
    const authority = `${base}/${tenant}`;
    const tokenEndpoint = isAdfs ? `${authority}/oauth2/token` : `${authority}${v2 ? "/oauth2/v2.0/token" : "/oauth2/token"}`;
    sendJson(res, 200, {
      token_endpoint: tokenEndpoint,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${authority}/discovery${v2 ? "/v2.0" : ""}/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: isAdfs ? `${base}/adfs` : `${base}/${tenant}${v2 ? "/v2.0" : "/"}`,
      authorization_endpoint: `${authority}/oauth2${v2 ? "/v2.0" : ""}/authorize`,
      device_authorization_endpoint: `${authority}/oauth2${v2 ? "/v2.0" : ""}/devicecode`,
      end_session_endpoint: `${authority}/oauth2${v2 ? "/v2.0" : ""}/logout`,
      tenant_region_scope: "WW",
      cloud_instance_name: "127.0.0.1",
    });
    return true;
  }

  const token = tokenV2.exec(path) ?? tokenV1.exec(path);
  if (token !== null && !notTenants.has((token[1] ?? "").toLowerCase())) {
    if (method !== "POST") return methodNotAllowed(res);
    const form = new URLSearchParams(await readBody(req));
    const grantType = form.get("grant_type");
    if (grantType === null || grantType === "") {
      sendJson(res, 400, {
        error: "invalid_request",
        error_description: "AADSTS900144: The request body must contain the following parameter: 'grant_type'.",
        error_codes: [900144],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      });
      return true;
    }
    const tenant = token[1] ?? "common";
    // v2 asks for `scope` ("https://management.azure.com/.default"), v1/ADFS for `resource`.
    const audience = (form.get("scope") ?? form.get("resource") ?? "https://management.azure.com/").split(" ")[0]?.replace(/\/?\.default$/, "") ?? "";
    const clientId = form.get("client_id") ?? "00000000-0000-0000-0000-000000000000";
    const now = Math.floor(Date.now() / 1000);
    sendJson(res, 200, {
      token_type: "Bearer",
      expires_in: TOKEN_LIFETIME_SECONDS,
      ext_expires_in: TOKEN_LIFETIME_SECONDS,
      ...(tokenV1.test(path) ? { expires_on: String(now + TOKEN_LIFETIME_SECONDS), resource: audience } : {}),
      access_token: fakeAccessToken({ aud: audience, iss: `${base}/${tenant}/`, tid: tenant, appid: clientId, oid: clientId, iat: now, nbf: now, exp: now + TOKEN_LIFETIME_SECONDS }),
    });
    return true;
  }

  if (msiToken.test(path)) {
    if (method !== "GET") return methodNotAllowed(res);
    // The App Service source always sends X-IDENTITY-HEADER; a request without it is not from one.
    const header = req.headers["x-identity-header"];
    const resource = url.searchParams.get("resource");
    if (typeof header !== "string" || header === "" || resource === null) {
      sendJson(res, 400, { statusCode: 400, message: "Required header X-IDENTITY-HEADER or query parameter resource is missing.", correlationId: randomUUID() });
      return true;
    }
    const now = Math.floor(Date.now() / 1000);
    const audience = resource.replace(/\/?\.default$/, "");
    sendJson(res, 200, {
      access_token: fakeAccessToken({ aud: audience, iss: `${base}/msi/`, iat: now, nbf: now, exp: now + TOKEN_LIFETIME_SECONDS }),
      expires_on: String(now + TOKEN_LIFETIME_SECONDS),
      resource,
      token_type: "Bearer",
      client_id: url.searchParams.get("client_id") ?? "00000000-0000-0000-0000-000000000000",
    });
    return true;
  }

  return false;
}

/** ARM's 401 when the Authorization: Bearer header is missing/empty; undefined when a token is present. */
export function authenticationFailure(req: IncomingMessage): { status: 401; headers: Record<string, string>; body: unknown } | undefined {
  const header = req.headers.authorization;
  const value = (Array.isArray(header) ? header[0] : header)?.trim() ?? "";
  const match = /^bearer\s+(\S+)$/i.exec(value);
  if (match !== null) return undefined;
  // ARM distinguishes a missing header from one it cannot read; an empty bearer counts as missing.
  const missing = value === "" || /^bearer$/i.test(value);
  const message = missing
    ? "Authentication failed. The 'Authorization' header is missing."
    : "Authentication failed. The 'Authorization' header is provided in an invalid format.";
  const description = missing
    ? "The authentication failed because of missing 'Authorization' header."
    : "The authentication failed because of the 'Authorization' header is provided in an invalid format.";
  return {
    status: 401,
    headers: {
      "www-authenticate": `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="${description}"`,
      "x-ms-failure-cause": "gateway",
    },
    body: { error: { code: missing ? "AuthenticationFailed" : "InvalidAuthenticationToken", message } },
  };
}

/**
 * The claims of a bearer token when it is JWT-shaped (the emulator's own tokens are: they carry
 * `tid`, `appid` and `oid`); an empty object for any other token, which the emulator also accepts.
 * Nothing is verified: the claims only decide what ARM would echo (names in errors, tenant ids).
 */
export function tokenClaims(authorization: string | undefined): Record<string, unknown> {
  const token = /^bearer\s+(\S+)$/i.exec(authorization?.trim() ?? "")?.[1] ?? "";
  const payload = token.split(".")[1];
  if (payload === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * An unsigned JWT-shaped token: some clients (az CLI, MSAL caches) decode the payload for its
 * expiry or tenant, so an opaque string would not be faithful. It carries no secret.
 */
function fakeAccessToken(claims: Record<string, unknown>): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ typ: "JWT", alg: "none", kid: "acg-migrate-emulator" })}.${encode({ ...claims, ver: "1.0", uti: randomUUID() })}.emulator`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store, no-cache",
  });
  res.end(text);
}

function methodNotAllowed(res: ServerResponse): true {
  sendJson(res, 405, { error: "invalid_request", error_description: "The HTTP method is not supported on this endpoint." });
  return true;
}
