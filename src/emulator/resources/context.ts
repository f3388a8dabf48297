/** What every resource handler gets: the request, the store, the clock and the emulator's settings. */
import type { Clock } from "../clock.js";
import type { FaultInjector } from "../faults.js";
import type { ReplicationModel } from "../faults-types.js";
import type { Limits } from "../rules.js";
import { ArmError } from "../rules.js";
import type { StatsCounter } from "../stats.js";
import type { Store } from "../store.js";
import { keyOf } from "../store.js";

/** One ARM request after routing. */
export interface RequestContext {
  method: string;
  url: URL;
  apiVersion: string;
  /** Parsed JSON body (undefined when empty). */
  body: unknown;
  /** The Authorization header, for what ARM echoes from the token (tenant, principal). */
  authorization?: string;
  /** Simulated now. */
  now: number;
  endpoint: string;
  store: Store;
  stats: StatsCounter;
  clock: Clock;
  faults: FaultInjector;
  replication: ReplicationModel;
  limits: Limits;
  pageSize: number;
}

/** A handler's answer. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Narrows an unknown JSON value to a plain object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The object at `value`, or an empty one. */
export function objectOr(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

/** The request body as an object, or 400 `InvalidRequestContent`. */
export function requireBody(ctx: RequestContext): Record<string, unknown> {
  if (!isObject(ctx.body)) {
    throw new ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: the body must be a JSON object.");
  }
  return ctx.body;
}

/** Tags of a request body, when it has valid ones. */
export function tagsOf(value: unknown): Record<string, string> | undefined {
  if (!isObject(value)) return undefined;
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) tags[k] = typeof v === "string" ? v : String(v);
  return tags;
}

/** The records of `map` (keyed by lower-cased id) in subscription `sub`, or only in its resource group `rg` when given. */
export function inScope<T>(map: ReadonlyMap<string, T>, sub: string, rg: string | undefined): T[] {
  const prefix = keyOf(rg === undefined ? `/subscriptions/${sub}/` : `/subscriptions/${sub}/resourceGroups/${rg}/`);
  return [...map.entries()].filter(([k]) => k.startsWith(prefix)).map(([, r]) => r);
}

/**
 * One page of a list, with an absolute `nextLink` when more remain (`$skiptoken` = offset).
 * `render` turns the page's items into their JSON, so a long list renders one page, not all of it.
 */
export function page<T>(ctx: RequestContext, items: readonly T[], render?: (item: T) => unknown): Reply {
  const token = ctx.url.searchParams.get("$skiptoken");
  const offset = token !== null && /^\d+$/.test(token) ? Number(token) : 0;
  const slice = items.slice(offset, offset + ctx.pageSize);
  const value: unknown[] = render === undefined ? slice : slice.map(render);
  const body: { value: unknown[]; nextLink?: string } = { value };
  if (offset + ctx.pageSize < items.length) {
    const next = new URL(ctx.url.pathname, ctx.endpoint);
    next.searchParams.set("api-version", ctx.apiVersion);
    next.searchParams.set("$skiptoken", String(offset + ctx.pageSize));
    body.nextLink = next.toString();
  }
  return { status: 200, body };
}

/** ARM's timestamp format as recorded: 7 fractional digits and `+00:00`. */
export function armTime(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}0000+00:00`;
}

/** 404 `ResourceNotFound` as ARM words it. */
export function notFound(type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(
    404,
    "ResourceNotFound",
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** 404 `ResourceGroupNotFound`. */
export function resourceGroupNotFound(name: string): ArmError {
  return new ArmError(404, "ResourceGroupNotFound", `Resource group '${name}' could not be found.`);
}

/** 404 `ParentResourceNotFound` (FACTS.md §4.2). */
export function parentNotFound(parent: string): ArmError {
  return new ArmError(404, "ParentResourceNotFound", `Can not perform requested operation on nested resource. Parent resource '${parent}' not found.`, undefined, true);
}
