/**
 * Access denials and management locks from the faults file, answered as ARM does before the
 * request reaches the resource provider: 403 `AuthorizationFailed` first (ARM authorises before it
 * looks at locks), then 409 `ScopeLocked`. Neither is a rule violation nor an injected fault.
 */
import { tokenClaims } from "./auth.js";
import type { AccessAction, AccessDenial, ResourceLock } from "./faults-types.js";
import { ArmError } from "./rules.js";

/** The principal ARM names when the bearer token carries none (any token is accepted). */
const UNKNOWN_PRINCIPAL = "00000000-0000-0000-0000-000000000000";

/** A scope as written, lower-cased and without duplicate or trailing slashes, for prefix matching. */
export function normaliseScope(scope: string): string {
  return `/${scope.split("/").filter((s) => s.length > 0).join("/")}`.toLowerCase();
}

/** Whether `path` (normalised) is `scope` itself or under it, on segment boundaries. */
function within(path: string, scope: string): boolean {
  return path === scope || path.startsWith(scope === "/" ? "/" : `${scope}/`);
}

/** The denials and locks, with their scopes prepared once rather than per request. */
export class AccessRules {
  private readonly deny: { scope: string; actions: Set<AccessAction> }[];
  private readonly locks: { scope: string; written: string; level: ResourceLock["level"] }[];

  constructor(deny: readonly AccessDenial[], locks: readonly ResourceLock[]) {
    this.deny = deny.map((d) => ({ scope: normaliseScope(d.scope), actions: new Set(d.actions) }));
    this.locks = locks.map((l) => ({ scope: normaliseScope(l.scope), written: l.scope.replace(/\/+$/, ""), level: l.level }));
  }

  /** True when nothing is denied or locked, so the pipeline can skip the check. */
  get empty(): boolean {
    return this.deny.length === 0 && this.locks.length === 0;
  }

  /**
   * The refusal of one request on the resource at `path` (segments as sent), or undefined.
   * `resourceType` names the action (`Microsoft.Compute/galleries/images/versions/write`).
   */
  refusal(method: string, resourceType: string, segments: readonly string[], authorization: string | undefined): ArmError | undefined {
    const action: AccessAction | undefined = method === "GET" || method === "HEAD" ? "read" : method === "DELETE" ? "delete" : method === "PUT" || method === "PATCH" ? "write" : undefined;
    if (action === undefined) return undefined;
    const resourceId = `/${segments.join("/")}`;
    const path = resourceId.toLowerCase();
    if (this.deny.some((d) => d.actions.has(action) && within(path, d.scope))) {
      const { client, objectId } = principalOf(authorization);
      // ARM's action for a resource group is under subscriptions (Microsoft.Resources/subscriptions/resourceGroups/read).
      const type = resourceType === "Microsoft.Resources/resourceGroups" ? "Microsoft.Resources/subscriptions/resourceGroups" : resourceType;
      return new ArmError(
        403,
        "AuthorizationFailed",
        `The client '${client}' with object id '${objectId}' does not have authorization to perform action '${type}/${action}' over scope '${resourceId}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    }
    if (action === "read") return undefined;
    const locked = this.locks.filter((l) => (l.level === "ReadOnly" || action === "delete") && within(path, l.scope));
    if (locked.length === 0) return undefined;
    const operation = action === "delete" ? "delete" : "write";
    return new ArmError(
      409,
      "ScopeLocked",
      `The scope '${resourceId}' cannot perform ${operation} operation because following scope(s) are locked: ${locked.map((l) => `'${l.written}'`).join(", ")}. Please remove the lock and try again.`,
    );
  }
}

/**
 * Who the bearer token says the caller is: the emulator's own tokens carry `appid`/`oid` (auth.ts);
 * any other token names no one, as ARM cannot either. Only id-like claims are echoed.
 */
function principalOf(authorization: string | undefined): { client: string; objectId: string } {
  const claims = tokenClaims(authorization);
  const text = (value: unknown): string | undefined => (typeof value === "string" && /^[\w.@-]{1,128}$/.test(value) ? value : undefined);
  const objectId = text(claims["oid"]) ?? UNKNOWN_PRINCIPAL;
  const client = text(claims["upn"]) ?? text(claims["appid"]) ?? text(claims["azp"]) ?? objectId;
  return { client, objectId };
}
