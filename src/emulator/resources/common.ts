/** What galleries, image definitions and image versions share: ids, operations, deletes, rendering. */
import { lroHeaders } from "../lro.js";
import { ArmError, shortRegion } from "../rules.js";
import type { GalleryFamilyRecord, OperationRecord, ResourceMap } from "../store.js";
import type { Reply, RequestContext } from "./context.js";

/** Resource type names, as ARM spells them. */
export const TYPES = {
  gallery: "Microsoft.Compute/galleries",
  definition: "Microsoft.Compute/galleries/images",
  version: "Microsoft.Compute/galleries/images/versions",
} as const;

/** Human operation names used in "not allowed while deleting" messages. */
const OPERATION_NAMES = { gallery: "Update Gallery", definition: "Update Gallery Image", version: "Update Gallery Image Version" } as const;

/** Starts the operation of a PUT, PATCH or DELETE on `rec` and marks the resource accordingly. */
export function startChange(
  ctx: RequestContext,
  rec: GalleryFamilyRecord,
  action: OperationRecord["action"],
  durationMs: number,
  outcome: OperationRecord["outcome"] = "Succeeded",
  error?: OperationRecord["error"],
): OperationRecord {
  ctx.store.cancelOperation(rec.operationId, ctx.now);
  const op = ctx.store.startOperation({
    subscriptionId: rec.subscriptionId,
    location: shortRegion(rec.location),
    family: "caps",
    action,
    resourceKey: rec.id.toLowerCase(),
    resourceKind: rec.kind,
    apiVersion: ctx.apiVersion,
    startTime: ctx.now,
    endTime: ctx.now + durationMs,
    outcome,
    ...(error ? { error } : {}),
  });
  rec.operationId = op.name;
  rec.provisioningState = action === "create" ? "Creating" : action === "update" ? "Updating" : "Deleting";
  return op;
}

/** The answer to a PUT/PATCH that started `op`: 201 for a create, 200 for an update, with `Azure-AsyncOperation`. */
export function changeReply(ctx: RequestContext, op: OperationRecord, body: unknown): Reply {
  return { status: op.action === "create" ? 201 : 200, headers: lroHeaders(ctx.endpoint, op), body };
}

/** 409 when the resource is being deleted (FACTS.md §4.2 "update while deleting"). */
export function refuseWhileDeleting(ctx: RequestContext, rec: GalleryFamilyRecord | undefined): void {
  if (rec && rec.provisioningState === "Deleting" && ctx.store.isRunning(rec.operationId)) {
    throw new ArmError(
      409,
      "OperationNotAllowed",
      `Operation '${OPERATION_NAMES[rec.kind]}' is not on allowed on ${rec.name}; since it is marked for deletion. You can only retry the Delete operation (or wait for an ongoing one to complete).`,
    );
  }
}

/** 400 `InvalidResourceLocation` when a PUT names another region than the existing resource's. */
export function refuseLocationChange(rec: GalleryFamilyRecord, location: string): void {
  if (shortRegion(rec.location) !== shortRegion(location)) {
    throw new ArmError(
      400,
      "InvalidResourceLocation",
      `The resource '${rec.name}' already exists in location '${shortRegion(rec.location)}' in resource group '${rec.resourceGroup}'. A resource with the same name cannot be created in location '${shortRegion(location)}'. Please select a new resource name.`,
    );
  }
}

/** The record a creating PUT stores: the caller's location spelling, tags only when sent, provisioning state Creating. */
export function newRecord(
  kind: GalleryFamilyRecord["kind"],
  id: string,
  subscriptionId: string,
  resourceGroup: string,
  name: string,
  location: string,
  tags: Record<string, string> | undefined,
  properties: Record<string, unknown>,
): GalleryFamilyRecord {
  return {
    kind,
    id,
    subscriptionId,
    resourceGroup,
    name,
    location,
    ...(tags !== undefined ? { tags } : {}),
    properties,
    provisioningState: "Creating",
  };
}

/** The ARM envelope of a gallery-family resource, `properties` given. */
export function envelope(rec: GalleryFamilyRecord, properties: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { name: rec.name, id: rec.id, type: TYPES[rec.kind], location: rec.location };
  if (rec.tags !== undefined) body["tags"] = { ...rec.tags };
  body["properties"] = properties;
  return body;
}

/** Number of resources in `map` of one subscription in one region (for the per-region quotas). */
export function usage(map: ResourceMap, subscriptionId: string, location: string): number {
  return map.countIn(subscriptionId, location);
}

/** Children of `parentKey` in `map` (keys are lower-cased ids), in the order they were stored. */
export function childrenOf(map: ResourceMap, parentKey: string): GalleryFamilyRecord[] {
  return map.children(parentKey);
}

/** Copies the writable properties of a request (drops read-only ones and empty objects, as the service does). */
export function writable(properties: Record<string, unknown>, readOnly: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(properties)) {
    if (readOnly.includes(k) || v === null || v === undefined) continue;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}

/** DELETE: 202 with both `Azure-AsyncOperation` and `Location`; a repeated delete joins the running one. */
export function startDelete(ctx: RequestContext, rec: GalleryFamilyRecord, durationMs: number): Reply {
  const running = rec.provisioningState === "Deleting" && ctx.store.isRunning(rec.operationId) ? ctx.store.operations.get(rec.operationId!) : undefined;
  const op = running ?? startChange(ctx, rec, "delete", durationMs);
  return { status: 202, headers: lroHeaders(ctx.endpoint, op) };
}
