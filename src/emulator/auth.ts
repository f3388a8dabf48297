import type { IncomingMessage, ServerResponse } from "node:http";

/** Serves the AAD endpoints (openid-configuration, token); returns true when it handled the request. */
export async function handleIdentityRequest(_req: IncomingMessage, _res: ServerResponse, _url: URL, _endpoint: string): Promise<boolean> {
  return false;
}

/** ARM's 401 when the Authorization: Bearer header is missing/empty; undefined when a token is present. */
export function authenticationFailure(_req: IncomingMessage): { status: 401; headers: Record<string, string>; body: unknown } | undefined {
  return undefined;
}
