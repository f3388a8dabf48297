/** Image definitions (`Microsoft.Compute/galleries/images`): get, create/update, PATCH, list, delete. */
import { ArmError, checkDefinitionName, checkEndOfLife, checkIdentifierPart, checkQuota, requireRegion, ruleError } from "../rules.js";
import type { GalleryFamilyRecord } from "../store.js";
import { keyOf } from "../store.js";
import { changeReply, childrenOf, envelope, newRecord, refuseLocationChange, refuseWhileDeleting, startChange, startDelete, TYPES, usage, writable } from "./common.js";
import type { Reply, RequestContext } from "./context.js";
import { isObject, notFound, objectOr, page, parentNotFound, requireBody, resourceGroupNotFound, tagsOf } from "./context.js";
import { galleryResourceId } from "./galleries.js";

/** Simulated durations (the recording: a definition create took 0.2 s). */
const CREATE_MS = 200;
const UPDATE_MS = 200;
const DELETE_MS = 1_000;

/** Properties that cannot change once the definition exists (FACTS.md §3.3). */
const IMMUTABLE = ["osType", "osState", "hyperVGeneration", "architecture"] as const;

/** The definition id under a gallery. */
export function definitionResourceId(sub: string, rg: string, gallery: string, name: string): string {
  return `${galleryResourceId(sub, rg, gallery)}/images/${name}`;
}

/** The definition's JSON as recorded (#8, #10): generation, architecture, OS, identifier first. */
export function renderDefinition(rec: GalleryFamilyRecord): Record<string, unknown> {
  const { hyperVGeneration, architecture, osType, osState, identifier, ...rest } = rec.properties;
  const properties: Record<string, unknown> = {};
  if (hyperVGeneration !== undefined) properties["hyperVGeneration"] = hyperVGeneration;
  properties["architecture"] = architecture;
  properties["osType"] = osType;
  properties["osState"] = osState;
  properties["identifier"] = identifier;
  Object.assign(properties, rest, { provisioningState: rec.provisioningState });
  return envelope(rec, properties);
}

/** GET one definition. */
export function getDefinition(ctx: RequestContext, sub: string, rg: string, gallery: string, name: string): Reply {
  const rec = ctx.store.definitions.get(keyOf(definitionResourceId(sub, rg, gallery, name)));
  if (!rec) throw notFound(TYPES.definition, `${gallery}/images/${name}`, rg);
  return { status: 200, body: renderDefinition(rec) };
}

/** GET the definitions of a gallery. */
export function listDefinitions(ctx: RequestContext, sub: string, rg: string, gallery: string): Reply {
  const galleryKey = keyOf(galleryResourceId(sub, rg, gallery));
  if (!ctx.store.galleries.has(galleryKey)) throw notFound(TYPES.gallery, gallery, rg);
  return page(ctx, childrenOf(ctx.store.definitions, galleryKey), renderDefinition);
}

function enumValue<T extends string>(value: unknown, allowed: readonly T[], field: string, required: boolean): T | undefined {
  if (value === undefined || value === null) {
    if (required) throw new ArmError(400, "InvalidParameter", `Required parameter '${field}' is missing (null).`, `properties.${field}`);
    return undefined;
  }
  const match = allowed.find((a) => typeof value === "string" && a.toLowerCase() === value.toLowerCase());
  if (!match) {
    throw new ArmError(400, "InvalidParameter", `The value '${String(value)}' of parameter '${field}' is not allowed. Allowed values are: ${allowed.join(", ")}.`, `properties.${field}`);
  }
  return match;
}

function securityTypeOf(features: unknown): string | undefined {
  if (!Array.isArray(features)) return undefined;
  const f = features.find((x) => isObject(x) && typeof x["name"] === "string" && x["name"].toLowerCase() === "securitytype");
  return isObject(f) && typeof f["value"] === "string" ? f["value"] : undefined;
}

/**
 * Normalises a definition's properties as the service does: `architecture: x64` filled in; from
 * api-version 2025-03-03 an absent `hyperVGeneration` becomes V2 and an absent `SecurityType`
 * becomes `TrustedLaunchSupported` (when the generation is V2); before it, V1 and no feature.
 */
function normalise(ctx: RequestContext, sent: Record<string, unknown>, existing: GalleryFamilyRecord | undefined): Record<string, unknown> {
  const identifierIn = objectOr(sent["identifier"]);
  if (!isObject(sent["identifier"]) && !existing) {
    throw new ArmError(400, "InvalidParameter", "Required parameter 'identifier' is missing (null).", "properties.identifier");
  }
  const old = existing?.properties;
  const identifier = isObject(sent["identifier"])
    ? {
        publisher: checkIdentifierPart("publisher", identifierIn["publisher"]),
        offer: checkIdentifierPart("offer", identifierIn["offer"]),
        sku: checkIdentifierPart("sku", identifierIn["sku"]),
      }
    : old?.["identifier"];
  const osType = enumValue(sent["osType"], ["Windows", "Linux"] as const, "osType", !existing) ?? old?.["osType"];
  const osState = enumValue(sent["osState"], ["Generalized", "Specialized"] as const, "osState", !existing) ?? old?.["osState"];
  const modern = ctx.apiVersion >= "2025-03-03";
  const sentGeneration = enumValue(sent["hyperVGeneration"], ["V1", "V2"] as const, "hyperVGeneration", false);
  const hyperVGeneration = sentGeneration ?? old?.["hyperVGeneration"] ?? (modern ? "V2" : "V1");
  const architecture = enumValue(sent["architecture"], ["x64", "Arm64"] as const, "architecture", false) ?? old?.["architecture"] ?? "x64";
  checkEndOfLife(sent["endOfLifeDate"], ctx.now, "properties.endOfLifeDate");
  const rest = writable(sent, ["identifier", "osType", "osState", "hyperVGeneration", "architecture", "provisioningState"]);
  let features = Array.isArray(rest["features"]) ? (rest["features"] as unknown[]) : undefined;
  if (!existing && modern && securityTypeOf(features) === undefined && hyperVGeneration === "V2") {
    features = [...(features ?? []), { name: "SecurityType", value: "TrustedLaunchSupported" }];
  }
  if (features === undefined && old?.["features"] !== undefined) features = old["features"] as unknown[];
  const out: Record<string, unknown> = { ...(existing ? stripFixed(old!) : {}), ...rest, hyperVGeneration, architecture, osType, osState, identifier };
  if (features !== undefined) out["features"] = features;
  return out;
}

function stripFixed(props: Record<string, unknown>): Record<string, unknown> {
  const { hyperVGeneration: _g, architecture: _a, osType: _t, osState: _s, identifier: _i, ...rest } = props;
  return rest;
}

function checkImmutable(existing: GalleryFamilyRecord, next: Record<string, unknown>, allowUpdateImage: boolean): void {
  const old = existing.properties;
  for (const field of IMMUTABLE) {
    if (String(old[field]).toLowerCase() !== String(next[field]).toLowerCase()) throw changed(field);
  }
  const a = objectOr(old["identifier"]);
  const b = objectOr(next["identifier"]);
  for (const part of ["publisher", "offer", "sku"]) {
    if (String(a[part]).toLowerCase() !== String(b[part]).toLowerCase()) throw changed(`identifier.${part}`);
  }
  const sentType = securityTypeOf(next["features"]);
  if (!allowUpdateImage && sentType !== undefined && sentType !== securityTypeOf(old["features"])) throw changed("features");
}

function changed(property: string): ArmError {
  return ruleError(409, "PropertyChangeNotAllowed", `Changing property 'galleryImage.properties.${property}' is not allowed.`, `properties.${property}`);
}

function checkUniqueIdentifier(ctx: RequestContext, galleryKey: string, selfKey: string, props: Record<string, unknown>): void {
  const mine = objectOr(props["identifier"]);
  const same = (x: Record<string, unknown>): boolean =>
    ["publisher", "offer", "sku"].every((p) => String(x[p]).toLowerCase() === String(mine[p]).toLowerCase());
  for (const other of childrenOf(ctx.store.definitions, galleryKey)) {
    if (keyOf(other.id) !== selfKey && same(objectOr(other.properties["identifier"]))) {
      throw ruleError(
        409,
        "Conflict",
        `Gallery image: ${other.name} identified by (publisher:${String(mine["publisher"])}, offer:${String(mine["offer"])}, sku:${String(mine["sku"])}) already exists. Choose a different publisher, offer, sku combination.`,
      );
    }
  }
}

/** PUT a definition: 201 Creating or 200 Updating; the rules of FACTS.md §3. */
export function putDefinition(ctx: RequestContext, sub: string, rg: string, gallery: string, name: string): Reply {
  if (!ctx.store.resourceGroup(sub, rg)) throw resourceGroupNotFound(rg);
  const galleryKey = keyOf(galleryResourceId(sub, rg, gallery));
  if (!ctx.store.galleries.has(galleryKey)) throw parentNotFound(gallery);
  checkDefinitionName(name);
  const body = requireBody(ctx);
  const region = requireRegion(body["location"], TYPES.definition, "location");
  const id = definitionResourceId(sub, rg, gallery, name);
  const key = keyOf(id);
  const existing = ctx.store.definitions.get(key);
  refuseWhileDeleting(ctx, existing);
  if (existing) refuseLocationChange(existing, region.name);
  const sent = objectOr(body["properties"]);
  const props = normalise(ctx, sent, existing);
  if (existing) checkImmutable(existing, props, sent["allowUpdateImage"] === true);
  checkUniqueIdentifier(ctx, galleryKey, key, props);
  const tags = tagsOf(body["tags"]);
  if (existing) {
    existing.properties = props;
    if (tags !== undefined) existing.tags = tags;
    const op = startChange(ctx, existing, "update", UPDATE_MS);
    return changeReply(ctx, op, renderDefinition(existing));
  }
  checkQuota("GalleryImages", usage(ctx.store.definitions, sub, region.name), ctx.limits.definitions, region.name);
  const rec = newRecord("definition", id, sub, rg, name, body["location"] as string, tags, props);
  ctx.store.definitions.set(key, rec);
  ctx.stats.created(id);
  const op = startChange(ctx, rec, "create", CREATE_MS);
  return changeReply(ctx, op, renderDefinition(rec));
}

/** PATCH a definition: merges the updatable properties (description, end of life, recommended…). */
export function patchDefinition(ctx: RequestContext, sub: string, rg: string, gallery: string, name: string): Reply {
  const rec = ctx.store.definitions.get(keyOf(definitionResourceId(sub, rg, gallery, name)));
  if (!rec) throw notFound(TYPES.definition, `${gallery}/images/${name}`, rg);
  refuseWhileDeleting(ctx, rec);
  const body = requireBody(ctx);
  const sent = objectOr(body["properties"]);
  const props = normalise(ctx, sent, rec);
  checkImmutable(rec, props, sent["allowUpdateImage"] === true);
  rec.properties = props;
  if (isObject(body["tags"])) rec.tags = tagsOf(body["tags"]);
  const op = startChange(ctx, rec, "update", UPDATE_MS);
  return changeReply(ctx, op, renderDefinition(rec));
}

/** DELETE a definition: 202 + operation, 204 when absent, 409 while it holds versions. */
export function deleteDefinition(ctx: RequestContext, sub: string, rg: string, gallery: string, name: string): Reply {
  const key = keyOf(definitionResourceId(sub, rg, gallery, name));
  const rec = ctx.store.definitions.get(key);
  if (!rec) return { status: 204 };
  if (ctx.store.versions.hasChildren(key)) {
    throw ruleError(409, "Conflict", "Can not delete resource before nested resources are deleted.");
  }
  return startDelete(ctx, rec, DELETE_MS);
}
