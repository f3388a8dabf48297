/**
 * What the az CLI reads before it touches a resource (SDK.md §7-8): the subscriptions the caller
 * can see (`az login` lists them) and the cloud metadata (`az cloud register` with only
 * `--endpoint-resource-manager`). Both are Microsoft.Resources, not Compute.
 */
import { tokenClaims } from "../auth.js";
import { ArmError } from "../rules.js";
import type { Reply, RequestContext } from "./context.js";
import { page } from "./context.js";

/** The tenant a subscription answers with when the token names none. */
const DEFAULT_TENANT = "00000000-0000-0000-0000-000000000000";

/** The subscription as ARM renders it; its tenant is the caller's (az files subscriptions under the tenant it logged in to). */
function renderSubscription(id: string, tenantId: string): Record<string, unknown> {
  return {
    id: `/subscriptions/${id}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: id,
    tenantId,
    displayName: `acg-migrate emulator ${id}`,
    state: "Enabled",
    subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "PayAsYouGo_2014-09-01", spendingLimit: "Off" },
  };
}

function tenantOf(ctx: RequestContext): string {
  const tid = tokenClaims(ctx.authorization)["tid"];
  // The emulator's tokens carry the tenant segment the client logged in with; only a GUID is a tenant id.
  return typeof tid === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tid) ? tid : DEFAULT_TENANT;
}

/** GET /subscriptions: every subscription of the seed, paged like any list. */
export function listSubscriptions(ctx: RequestContext): Reply {
  const tenant = tenantOf(ctx);
  return page(ctx, [...ctx.store.subscriptions].sort(), (id) => renderSubscription(id, tenant));
}

/** GET /subscriptions/{id} (the pipeline has already answered 404 SubscriptionNotFound for an unknown one). */
export function getSubscription(ctx: RequestContext, id: string): Reply {
  const known = ctx.store.subscriptions.has(id.toLowerCase());
  if (!known) throw new ArmError(404, "SubscriptionNotFound", `The subscription '${id}' could not be found.`);
  return { status: 200, body: renderSubscription(id.toLowerCase(), tenantOf(ctx)) };
}

/**
 * GET /metadata/endpoints. `api-version=2015-01-01` (what msrestazure and az send) answers the
 * object form; later versions answer the array of clouds the newer SDKs read. Everything points
 * back at the emulator; the login endpoint ends in `/adfs` so MSAL skips instance discovery.
 */
export function cloudMetadata(endpoint: string, apiVersion: string | null): unknown {
  const base = endpoint.replace(/\/+$/, "");
  if (apiVersion === null || apiVersion === "" || apiVersion < "2019-05-01") {
    return {
      galleryEndpoint: `${base}/`,
      graphEndpoint: `${base}/`,
      portalEndpoint: `${base}/`,
      authentication: { loginEndpoint: `${base}/adfs`, audiences: [`${base}/`] },
    };
  }
  return [
    {
      name: "AcgMigrateEmulator",
      resourceManager: `${base}/`,
      portal: `${base}/`,
      gallery: `${base}/`,
      graph: `${base}/`,
      graphAudience: `${base}/`,
      authentication: { loginEndpoint: `${base}/adfs`, audiences: [`${base}/`], tenant: "adfs", identityProvider: "ADFS" },
      suffixes: {},
    },
  ];
}
