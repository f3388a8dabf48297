/** Galleries (`Microsoft.Compute/galleries`): get, create/update, PATCH, list, delete. */
import { checkGalleryName, checkQuota, requireRegion, ruleError } from "../rules.js";
import type { GalleryFamilyRecord } from "../store.js";
import { keyOf } from "../store.js";
import { changeReply, envelope, newRecord, refuseLocationChange, refuseWhileDeleting, startChange, startDelete, TYPES, usage, writable } from "./common.js";
import type { Reply, RequestContext } from "./context.js";
import { inScope, isObject, notFound, objectOr, page, requireBody, resourceGroupNotFound, tagsOf } from "./context.js";

/** Simulated durations (the recording: a gallery create took 0.4 s, a delete 0.25 s). */
const CREATE_MS = 400;
const UPDATE_MS = 300;
const DELETE_MS = 250;

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{name}`. */
export function galleryResourceId(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/galleries/${name}`;
}

/** The gallery's JSON as recorded (#2, #4). */
export function renderGallery(rec: GalleryFamilyRecord): Record<string, unknown> {
  return envelope(rec, { ...rec.properties, provisioningState: rec.provisioningState });
}

/** GET one gallery. */
export function getGallery(ctx: RequestContext, sub: string, rg: string, name: string): Reply {
  const rec = ctx.store.galleries.get(keyOf(galleryResourceId(sub, rg, name)));
  if (!rec) throw notFound(TYPES.gallery, name, rg);
  return { status: 200, body: renderGallery(rec) };
}

/** GET the galleries of a resource group, or of the subscription. */
export function listGalleries(ctx: RequestContext, sub: string, rg: string | undefined): Reply {
  if (rg !== undefined && !ctx.store.resourceGroup(sub, rg)) throw resourceGroupNotFound(rg);
  return page(ctx, inScope(ctx.store.galleries, sub, rg), renderGallery);
}

/** PUT a gallery: 201 Creating or 200 Updating, with `Azure-AsyncOperation`. */
export function putGallery(ctx: RequestContext, sub: string, rg: string, name: string): Reply {
  const group = ctx.store.resourceGroup(sub, rg);
  if (!group) throw resourceGroupNotFound(rg);
  checkGalleryName(name);
  const body = requireBody(ctx);
  const region = requireRegion(body["location"], TYPES.gallery, "location");
  const id = galleryResourceId(sub, rg, name);
  const key = keyOf(id);
  const existing = ctx.store.galleries.get(key);
  refuseWhileDeleting(ctx, existing);
  const props = writable(objectOr(body["properties"]), ["identifier", "provisioningState", "sharingStatus"]);
  if (existing) {
    refuseLocationChange(existing, region.name);
    existing.properties = { ...props, identifier: existing.properties["identifier"] };
    const tags = tagsOf(body["tags"]);
    if (tags !== undefined) existing.tags = tags;
    const op = startChange(ctx, existing, "update", UPDATE_MS);
    return changeReply(ctx, op, renderGallery(existing));
  }
  for (const other of ctx.store.galleries.values()) {
    if (other.subscriptionId.toLowerCase() === sub.toLowerCase() && other.name.toLowerCase() === name.toLowerCase()) {
      throw ruleError(409, "Conflict", `The gallery name ${name} is not unique within the subscription ${sub}.`, "galleryName");
    }
  }
  checkQuota("Galleries", usage(ctx.store.galleries, sub, region.name), ctx.limits.galleries, region.name);
  const tags = tagsOf(body["tags"]);
  const rec = newRecord("gallery", id, sub, rg, name, body["location"] as string, tags, {
    ...props,
    identifier: { uniqueName: `${sub}-${name.toUpperCase()}` },
  });
  ctx.store.galleries.set(key, rec);
  ctx.stats.created(id);
  const op = startChange(ctx, rec, "create", CREATE_MS);
  return changeReply(ctx, op, renderGallery(rec));
}

/** PATCH a gallery: merges description and the other writable properties, 200 Updating. */
export function patchGallery(ctx: RequestContext, sub: string, rg: string, name: string): Reply {
  const rec = ctx.store.galleries.get(keyOf(galleryResourceId(sub, rg, name)));
  if (!rec) throw notFound(TYPES.gallery, name, rg);
  refuseWhileDeleting(ctx, rec);
  const body = requireBody(ctx);
  const props = writable(objectOr(body["properties"]), ["identifier", "provisioningState", "sharingStatus"]);
  rec.properties = { ...rec.properties, ...props };
  if (isObject(body["tags"])) rec.tags = tagsOf(body["tags"]);
  const op = startChange(ctx, rec, "update", UPDATE_MS);
  return changeReply(ctx, op, renderGallery(rec));
}

/** DELETE a gallery: 202 + operation, 204 when absent, 409 while it holds definitions. */
export function deleteGallery(ctx: RequestContext, sub: string, rg: string, name: string): Reply {
  const key = keyOf(galleryResourceId(sub, rg, name));
  const rec = ctx.store.galleries.get(key);
  if (!rec) return { status: 204 };
  if (ctx.store.definitions.hasChildren(key)) {
    throw ruleError(409, "Conflict", "Can not delete resource before nested resources are deleted.");
  }
  return startDelete(ctx, rec, DELETE_MS);
}
