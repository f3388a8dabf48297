/**
 * The emulator's request pipeline and routing. Per request (emu-iface.md): normalise the path →
 * `/_emulator/*` (no auth, not counted) → identity endpoints → 401 without a bearer token → count →
 * injected faults → api-version → throttling → the resource handler.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AccessRules } from "./access.js";
import { authenticationFailure, handleIdentityRequest } from "./auth.js";
import type { Clock } from "./clock.js";
import type { FaultInjector } from "./faults.js";
import type { ReplicationModel } from "./faults-types.js";
import { getOperation } from "./lro.js";
import type { Reply, RequestContext } from "./resources/context.js";
import { deleteDefinition, getDefinition, listDefinitions, patchDefinition, putDefinition } from "./resources/definitions.js";
import { deleteGallery, getGallery, listGalleries, patchGallery, putGallery } from "./resources/galleries.js";
import { deleteImage, getImage, listImages } from "./resources/images.js";
import { cloudMetadata, getSubscription, listSubscriptions } from "./resources/subscriptions.js";
import { deleteVersion, getVersion, listVersions, patchVersion, putVersion } from "./resources/versions.js";
import type { Limits } from "./rules.js";
import { ArmError, GALLERY_API_VERSIONS, IMAGE_API_VERSIONS, checkApiVersion } from "./rules.js";
import type { StatsCounter } from "./stats.js";
import type { Store } from "./store.js";
import type { RequestKind, Throttle } from "./throttle.js";

/** Everything the pipeline needs; owned by `startEmulator`. */
export interface ServerDeps {
  endpoint: () => string;
  store: Store;
  stats: StatsCounter;
  clock: Clock;
  faults: FaultInjector;
  throttle: Throttle;
  replication: ReplicationModel;
  limits: Limits;
  pageSize: number;
  /** Access denials and locks of the faults file. */
  access: AccessRules;
  /** Called after every request that may have changed something (to schedule a save). */
  afterWrite: () => void;
}

type Handler = (ctx: RequestContext) => Reply;

interface Route {
  resourceType: string;
  subscriptionId: string;
  /** Above any subscription (the subscription list): no subscription to check or to throttle. */
  tenantLevel?: boolean;
  apiVersions: readonly string[] | RegExp;
  kind: RequestKind;
  policy: string | undefined;
  handler: Handler | undefined;
}

const MAX_BODY = 4 * 1024 * 1024;

function kindOf(method: string): RequestKind {
  return method === "DELETE" ? "delete" : method === "GET" || method === "HEAD" ? "read" : "write";
}

/**
 * Gallery policies of the Compute RP (FACTS.md §3.6) per resource and method; `list` for
 * collection GETs. Names as in the recording's `x-ms-ratelimit-remaining-resource` headers.
 */
function galleryPolicy(resource: "Gallery" | "GalleryImage" | "GalleryImageVersion", method: string, list: string | undefined): string | undefined {
  if (method === "GET") return list ?? `Get${resource}`;
  if (method === "PUT" || method === "PATCH") return `CreateUpdate${resource}`;
  if (method === "DELETE") return `Delete${resource}`;
  return undefined;
}

/** Finds the route of a normalised path; undefined when the path is not one the emulator serves. */
export function resolveRoute(method: string, segments: string[]): Route | undefined {
  const lower = segments.map((s) => s.toLowerCase());
  if (lower[0] !== "subscriptions") return undefined;
  const subscriptionsType = "Microsoft.Resources/subscriptions";
  if (segments.length === 1) {
    return { resourceType: subscriptionsType, subscriptionId: "", tenantLevel: true, kind: kindOf(method), apiVersions: RESOURCES_API_VERSIONS, policy: undefined, handler: method === "GET" ? listSubscriptions : undefined };
  }
  const sub = segments[1]!;
  const base = { subscriptionId: sub, kind: kindOf(method) };
  if (segments.length === 2) {
    return { ...base, resourceType: subscriptionsType, apiVersions: RESOURCES_API_VERSIONS, policy: undefined, handler: method === "GET" ? (c) => getSubscription(c, sub) : undefined };
  }
  // Microsoft.Resources: the resource group GET the az CLI makes before each create (recording #1).
  if (lower[2] === "resourcegroups" && segments.length === 4) {
    const rg = segments[3]!;
    return { ...base, resourceType: "Microsoft.Resources/resourceGroups", apiVersions: RESOURCES_API_VERSIONS, policy: undefined, handler: method === "GET" ? (c) => getResourceGroup(c, sub, rg) : undefined };
  }
  if (segments.length < 3) return undefined;
  // /subscriptions/{s}/providers/Microsoft.Compute/…
  if (lower[2] === "providers" && lower[3] === "microsoft.compute") {
    const rest = segments.slice(4);
    const r = lower.slice(4);
    if (r.length === 1 && r[0] === "images") {
      return { ...base, resourceType: "Microsoft.Compute/images", apiVersions: IMAGE_API_VERSIONS, policy: "GetImagesSubscriptionMaximum", handler: method === "GET" ? (c) => listImages(c, sub, undefined) : undefined };
    }
    if (r.length === 1 && r[0] === "galleries") {
      return { ...base, resourceType: "Microsoft.Compute/galleries", apiVersions: GALLERY_API_VERSIONS, policy: "ListGalleryInSubscription", handler: method === "GET" ? (c) => listGalleries(c, sub, undefined) : undefined };
    }
    if (r.length === 4 && r[0] === "locations" && (r[2] === "capsoperations" || r[2] === "operations")) {
      const caps = r[2] === "capsoperations";
      const loc = rest[1]!;
      const id = rest[3]!;
      return {
        ...base,
        resourceType: caps ? "Microsoft.Compute/locations/capsOperations" : "Microsoft.Compute/locations/operations",
        apiVersions: caps ? GALLERY_API_VERSIONS : IMAGE_API_VERSIONS,
        policy: "GetOperationStatus",
        handler: method === "GET" ? (c) => getOperation(c, caps ? "caps" : "compute", loc, id) : undefined,
      };
    }
    return undefined;
  }
  // /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/…
  if (lower[2] !== "resourcegroups" || lower[4] !== "providers" || lower[5] !== "microsoft.compute" || segments.length < 7) return undefined;
  const rg = segments[3]!;
  const rest = segments.slice(6);
  const r = lower.slice(6);
  if (r[0] === "images" && r.length <= 2) {
    const name = rest[1];
    const handler: Handler | undefined =
      name === undefined
        ? method === "GET" ? (c) => listImages(c, sub, rg) : undefined
        : method === "GET" ? (c) => getImage(c, sub, rg, name) : method === "DELETE" ? (c) => deleteImage(c, sub, rg, name) : undefined;
    return { ...base, resourceType: "Microsoft.Compute/images", apiVersions: IMAGE_API_VERSIONS, policy: method === "GET" ? "GetImagesSubscriptionMaximum" : undefined, handler };
  }
  if (r[0] !== "galleries") return undefined;
  const gallery = rest[1];
  if (r.length === 1) {
    return { ...base, resourceType: "Microsoft.Compute/galleries", apiVersions: GALLERY_API_VERSIONS, policy: galleryPolicy("Gallery", method, "ListGalleryInResourceGroup"), handler: method === "GET" ? (c) => listGalleries(c, sub, rg) : undefined };
  }
  if (r.length === 2) {
    const g = gallery!;
    const handlers: Record<string, Handler> = {
      GET: (c) => getGallery(c, sub, rg, g),
      PUT: (c) => putGallery(c, sub, rg, g),
      PATCH: (c) => patchGallery(c, sub, rg, g),
      DELETE: (c) => deleteGallery(c, sub, rg, g),
    };
    return { ...base, resourceType: "Microsoft.Compute/galleries", apiVersions: GALLERY_API_VERSIONS, policy: galleryPolicy("Gallery", method, undefined), handler: handlers[method] };
  }
  if (r[2] !== "images") return undefined;
  const g = gallery!;
  if (r.length === 3) {
    return { ...base, resourceType: "Microsoft.Compute/galleries/images", apiVersions: GALLERY_API_VERSIONS, policy: galleryPolicy("GalleryImage", method, "ListGalleryImagesInGallery"), handler: method === "GET" ? (c) => listDefinitions(c, sub, rg, g) : undefined };
  }
  const d = rest[3]!;
  if (r.length === 4) {
    const handlers: Record<string, Handler> = {
      GET: (c) => getDefinition(c, sub, rg, g, d),
      PUT: (c) => putDefinition(c, sub, rg, g, d),
      PATCH: (c) => patchDefinition(c, sub, rg, g, d),
      DELETE: (c) => deleteDefinition(c, sub, rg, g, d),
    };
    return { ...base, resourceType: "Microsoft.Compute/galleries/images", apiVersions: GALLERY_API_VERSIONS, policy: galleryPolicy("GalleryImage", method, undefined), handler: handlers[method] };
  }
  if (r[4] !== "versions") return undefined;
  const type = "Microsoft.Compute/galleries/images/versions";
  if (r.length === 5) {
    return { ...base, resourceType: type, apiVersions: GALLERY_API_VERSIONS, policy: galleryPolicy("GalleryImageVersion", method, "ListGalleryImageVersionsInGalleryImage"), handler: method === "GET" ? (c) => listVersions(c, sub, rg, g, d) : undefined };
  }
  if (r.length === 6) {
    const v = rest[5]!;
    const handlers: Record<string, Handler> = {
      GET: (c) => getVersion(c, sub, rg, g, d, v),
      PUT: (c) => putVersion(c, sub, rg, g, d, v),
      PATCH: (c) => patchVersion(c, sub, rg, g, d, v),
      DELETE: (c) => deleteVersion(c, sub, rg, g, d, v),
    };
    return { ...base, resourceType: type, apiVersions: GALLERY_API_VERSIONS, policy: galleryPolicy("GalleryImageVersion", method, undefined), handler: handlers[method] };
  }
  return undefined;
}

/** Any dated api-version: Microsoft.Resources accepts dozens, and only the resource group GET is served. */
const RESOURCES_API_VERSIONS = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

function getResourceGroup(ctx: RequestContext, sub: string, name: string): Reply {
  const rg = ctx.store.resourceGroup(sub, name);
  if (!rg) throw new ArmError(404, "ResourceGroupNotFound", `Resource group '${name}' could not be found.`);
  return {
    status: 200,
    body: { id: `/subscriptions/${rg.subscriptionId}/resourceGroups/${rg.name}`, name: rg.name, type: "Microsoft.Resources/resourceGroups", location: rg.location, properties: { provisioningState: "Succeeded" } },
  };
}

/** `//` collapsed, trailing `/` dropped, percent-escapes decoded per segment. */
export function pathSegments(pathname: string): string[] {
  return pathname
    .split("/")
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ArmError(413, "RequestEntityTooLarge", "The request content is too large."));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

const STATUS_CODES: Record<number, string> = {
  408: "RequestTimeout",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

/** Builds the request listener of the HTTPS server. */
export function createRequestListener(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      const armError = error instanceof ArmError ? error : new ArmError(500, "InternalServerError", "An internal error occurred in the emulator.");
      send(res, armError.status, {}, armError.body());
    });
  };
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const endpoint = deps.endpoint();
  const url = new URL((req.url ?? "/").replace(/\/{2,}/g, "/"), endpoint);
  const segments = pathSegments(url.pathname);
  const requestId = randomUUID();
  const baseHeaders: Record<string, string> = { "x-ms-request-id": requestId, "x-ms-correlation-request-id": requestId };

  if (segments[0]?.toLowerCase() === "_emulator") {
    await readBody(req);
    if (method === "GET" && segments[1]?.toLowerCase() === "stats" && segments.length === 2) {
      send(res, 200, {}, deps.stats.snapshot());
    } else {
      send(res, 404, {}, { error: { code: "NotFound", message: `No emulator endpoint ${url.pathname}.` } });
    }
    return;
  }
  // Cloud metadata is read before any login (az cloud register), so it needs no token and is not an ARM request.
  if (segments.length === 2 && segments[0]?.toLowerCase() === "metadata" && segments[1]?.toLowerCase() === "endpoints") {
    await readBody(req);
    if (method === "GET") send(res, 200, baseHeaders, cloudMetadata(endpoint, url.searchParams.get("api-version")));
    else send(res, 405, baseHeaders, { error: { code: "MethodNotAllowed", message: `The requested method '${method}' is not allowed on '/metadata/endpoints'.` } });
    return;
  }
  if (await handleIdentityRequest(req, res, url, endpoint)) return;
  const unauthenticated = authenticationFailure(req);
  if (unauthenticated) {
    await readBody(req);
    send(res, unauthenticated.status, unauthenticated.headers, unauthenticated.body);
    return;
  }

  const route = resolveRoute(method, segments);
  const resourceType = route?.resourceType ?? "unknown";
  deps.stats.request(method, resourceType);
  const rawBody = await readBody(req);

  const decision = deps.faults.decide(method, resourceType);
  if (decision.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
  if (decision.fault?.kind === "reset") {
    deps.stats.fault();
    req.socket.destroy();
    return;
  }
  if (decision.fault?.kind === "status") {
    deps.stats.fault();
    const status = decision.fault.status;
    const code = STATUS_CODES[status] ?? "InternalServerError";
    send(res, status, baseHeaders, { error: { code, message: `The server encountered an error processing the request (${code}). Please retry the request.` } });
    return;
  }

  if (!route) {
    const error = new ArmError(404, "InvalidResourceType", `The resource type could not be found for the path '${url.pathname}'.`);
    send(res, error.status, baseHeaders, error.body());
    return;
  }
  const versionError = checkApiVersion(url.searchParams.get("api-version"), route.apiVersions, route.resourceType);
  if (versionError) {
    send(res, versionError.status, baseHeaders, versionError.body());
    return;
  }
  if (!route.tenantLevel && !deps.store.subscriptions.has(route.subscriptionId.toLowerCase())) {
    const error = new ArmError(404, "SubscriptionNotFound", `The subscription '${route.subscriptionId}' could not be found.`);
    send(res, error.status, baseHeaders, error.body());
    return;
  }
  // ARM authorises and checks locks before the resource provider (and its throttling) sees the
  // request; an operation's status URL is readable by whoever started it, so it is never refused.
  if (!deps.access.empty && !route.resourceType.startsWith("Microsoft.Compute/locations/")) {
    const refusal = deps.access.refusal(method, route.resourceType, segments, req.headers.authorization);
    if (refusal) {
      send(res, refusal.status, baseHeaders, refusal.body());
      return;
    }
  }
  // ARM throttles tenant-level reads per tenant, not per subscription; the emulator does not model that.
  const verdict = route.tenantLevel ? { allowed: true as const, headers: {} } : deps.throttle.charge(route.subscriptionId, route.kind, route.policy);
  if (!verdict.allowed) {
    deps.stats.throttle();
    const headers = {
      ...baseHeaders,
      ...verdict.headers,
      "retry-after-ms": String(Math.ceil(verdict.retryAfterMs)),
      "retry-after": String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))),
    };
    send(res, 429, headers, verdict.body);
    return;
  }
  const headers = { ...baseHeaders, ...verdict.headers };
  if (!route.handler) {
    const error = new ArmError(405, "MethodNotAllowed", `The requested method '${method}' is not allowed on '${route.resourceType}'.`);
    send(res, error.status, headers, error.body());
    return;
  }

  let body: unknown;
  if (rawBody.trim().length > 0) {
    try {
      body = JSON.parse(rawBody) as unknown;
    } catch {
      const error = new ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.");
      send(res, error.status, headers, error.body());
      return;
    }
  }
  const now = deps.clock.now();
  deps.store.settle(now);
  const ctx: RequestContext = {
    method,
    url,
    apiVersion: url.searchParams.get("api-version")!,
    body,
    ...(typeof req.headers.authorization === "string" ? { authorization: req.headers.authorization } : {}),
    now,
    endpoint,
    store: deps.store,
    stats: deps.stats,
    clock: deps.clock,
    faults: deps.faults,
    replication: deps.replication,
    limits: deps.limits,
    pageSize: deps.pageSize,
  };
  try {
    const reply = route.handler(ctx);
    send(res, reply.status, { ...headers, ...(reply.headers ?? {}) }, reply.body);
  } catch (error: unknown) {
    if (!(error instanceof ArmError)) throw error;
    if (error.ruleViolation) deps.stats.violation(error.code, `/${segments.join("/")}`);
    send(res, error.status, headers, error.body());
  } finally {
    if (method !== "GET") deps.afterWrite();
  }
}
