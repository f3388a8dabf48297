/**
 * Image versions (`Microsoft.Compute/galleries/images/versions`): get (with `$expand=ReplicationStatus`),
 * create/update, PATCH, list, delete. A version's operation ends when every target region has
 * replicated (replication.ts); the source's compatibility with the definition and its size are
 * judged when the operation starts and make it fail, as on the live service.
 */
import { parseManagedImageId } from "../../util/arm-id.js";
import { planReplication, regionStatus, replicationEnd } from "../replication.js";
import type { RegionTimeline } from "../replication.js";
import {
  ArmError,
  MAX_SOURCE_GB,
  checkEndOfLife,
  checkQuota,
  checkVersionName,
  findRegion,
  replicationFailureMessage,
  requireRegion,
  ruleError,
  shortRegion,
  supportsZrs,
} from "../rules.js";
import type { GalleryFamilyRecord, ImageRecord } from "../store.js";
import { keyOf } from "../store.js";
import { changeReply, childrenOf, envelope, newRecord, refuseLocationChange, refuseWhileDeleting, startChange, startDelete, TYPES, usage } from "./common.js";
import type { Reply, RequestContext } from "./context.js";
import { armTime, isObject, notFound, objectOr, page, parentNotFound, requireBody, resourceGroupNotFound, tagsOf } from "./context.js";
import { definitionResourceId } from "./definitions.js";
import { galleryResourceId } from "./galleries.js";
import { imageId } from "./images.js";

/** Simulated durations: a version delete took 2m17s in the recording; a refused source fails fast. */
const DELETE_MS = 137_000;
const CONFLICT_FAIL_MS = 10_000;
const OVERSIZE_FAIL_MS = 60_000;
/** An update that replicates nothing new (tags, end of life) still runs briefly. */
const NOOP_UPDATE_MS = 30_000;

const SOURCE_TARGET = "properties.storageProfile.source.id";

/** The version id under a definition. */
export function versionResourceId(sub: string, rg: string, gallery: string, definition: string, name: string): string {
  return `${definitionResourceId(sub, rg, gallery, definition)}/versions/${name}`;
}

/** The version's JSON as recorded (#45, #55, #59); `replicationStatus` only when asked for. */
export function renderVersion(rec: GalleryFamilyRecord, now: number, expand: boolean): Record<string, unknown> {
  const { publishingProfile, storageProfile, safetyProfile, ...rest } = rec.properties;
  const storage: Record<string, unknown> = { ...objectOr(storageProfile) };
  if (rec.diskImagesShown && rec.diskImages) Object.assign(storage, rec.diskImages);
  const properties: Record<string, unknown> = { publishingProfile, storageProfile: storage, safetyProfile, ...rest };
  // The live service leaves validationsProfile out of the answer to an update while it runs (#59).
  if (rec.provisioningState !== "Updating") properties["validationsProfile"] = { validationOperationStatus: "NotExecuted" };
  properties["provisioningState"] = rec.provisioningState;
  if (expand) properties["replicationStatus"] = replicationStatus(rec, now);
  return envelope(rec, properties);
}

function replicationStatus(rec: GalleryFamilyRecord, now: number): Record<string, unknown> {
  const summary = (rec.replication ?? []).map((r) => regionStatus(r, now));
  const aggregatedState = summary.some((s) => s.state === "Failed")
    ? "Failed"
    : summary.length > 0 && summary.every((s) => s.state === "Completed")
      ? "Completed"
      : summary.length === 0
        ? "Unknown"
        : "InProgress";
  return { aggregatedState, summary };
}

function wantsReplicationStatus(url: URL): boolean {
  return (url.searchParams.get("$expand") ?? "").toLowerCase() === "replicationstatus";
}

/** GET one version. */
export function getVersion(ctx: RequestContext, sub: string, rg: string, gallery: string, definition: string, name: string): Reply {
  const rec = ctx.store.versions.get(keyOf(versionResourceId(sub, rg, gallery, definition, name)));
  if (!rec) throw notFound(TYPES.version, `${gallery}/images/${definition}/versions/${name}`, rg);
  return { status: 200, body: renderVersion(rec, ctx.now, wantsReplicationStatus(ctx.url)) };
}

/** GET the versions of a definition. */
export function listVersions(ctx: RequestContext, sub: string, rg: string, gallery: string, definition: string): Reply {
  const defKey = keyOf(definitionResourceId(sub, rg, gallery, definition));
  if (!ctx.store.definitions.has(defKey)) throw notFound(TYPES.definition, `${gallery}/images/${definition}`, rg);
  const expand = wantsReplicationStatus(ctx.url);
  return page(ctx, childrenOf(ctx.store.versions, defKey), (r) => renderVersion(r, ctx.now, expand));
}

interface TargetRegion {
  display: string;
  replicas: number;
  body: Record<string, unknown>;
}

/** Validates and normalises `publishingProfile` (FACTS.md §1.3, §3.2), defaults by api-version. */
function normalisePublishing(ctx: RequestContext, sent: Record<string, unknown>, location: string, previous: Record<string, unknown> | undefined): { profile: Record<string, unknown>; targets: TargetRegion[] } {
  const replicaCount = typeof sent["replicaCount"] === "number" ? sent["replicaCount"] : typeof previous?.["replicaCount"] === "number" ? previous["replicaCount"] : 1;
  const modern = ctx.apiVersion >= "2025-03-03";
  const profileStorage = typeof sent["storageAccountType"] === "string" ? sent["storageAccountType"] : (previous?.["storageAccountType"] as string | undefined);
  const strategy = typeof sent["storageAccountStrategy"] === "string" ? sent["storageAccountStrategy"] : (previous?.["storageAccountStrategy"] as string | undefined);
  if (profileStorage !== undefined && strategy !== undefined && previous === undefined) {
    throw new ArmError(400, "InvalidParameter", "storageAccountStrategy cannot be combined with publishingProfile.storageAccountType.", "properties.publishingProfile.storageAccountStrategy");
  }
  const useZrsStrategy = profileStorage === undefined && (strategy === "PreferStandard_ZRS" || (strategy === undefined && modern));
  const rawTargets = Array.isArray(sent["targetRegions"])
    ? (sent["targetRegions"] as unknown[])
    : Array.isArray(previous?.["targetRegions"])
      ? (previous["targetRegions"] as unknown[])
      : [{ name: location }];
  const seen = new Set<string>();
  const targets: TargetRegion[] = rawTargets.map((raw, i) => {
    const t = objectOr(raw);
    const region = requireRegion(t["name"], TYPES.version, `properties.publishingProfile.targetRegions[${i}].name`);
    if (seen.has(region.name)) {
      throw ruleError(400, "InvalidParameter", "Duplicate regions are not allowed in target publishing regions.", "properties.publishingProfile.targetRegions");
    }
    seen.add(region.name);
    const replicas = typeof t["regionalReplicaCount"] === "number" ? t["regionalReplicaCount"] : replicaCount;
    const storage =
      typeof t["storageAccountType"] === "string"
        ? t["storageAccountType"]
        : profileStorage ?? (useZrsStrategy ? (supportsZrs(region.name) ? "Standard_ZRS" : "Standard_LRS") : "Standard_LRS");
    const body: Record<string, unknown> = { name: region.displayName, regionalReplicaCount: replicas, storageAccountType: storage };
    for (const extra of ["encryption", "excludeFromLatest", "additionalReplicaSets"]) if (t[extra] !== undefined) body[extra] = t[extra];
    return { display: region.displayName, replicas, body };
  });
  const home = shortRegion(location);
  if (!seen.has(home)) {
    throw ruleError(
      400,
      "InvalidParameter",
      `Gallery image version publishing profile regions '${targets.map((t) => shortRegion(t.display)).join(", ")}' must contain the location of image version '${home}'.`,
      "properties.publishingProfile.targetRegions",
    );
  }
  checkEndOfLife(sent["endOfLifeDate"], ctx.now, "properties.publishingProfile.endOfLifeDate");
  const profile: Record<string, unknown> = {
    targetRegions: targets.map((t) => t.body),
    replicaCount,
    excludeFromLatest: typeof sent["excludeFromLatest"] === "boolean" ? sent["excludeFromLatest"] : (previous?.["excludeFromLatest"] ?? false),
    publishedDate: previous?.["publishedDate"] ?? armTime(ctx.now),
  };
  const eol = sent["endOfLifeDate"] ?? previous?.["endOfLifeDate"];
  if (eol !== undefined) profile["endOfLifeDate"] = eol;
  if (useZrsStrategy) profile["storageAccountStrategy"] = strategy ?? "PreferStandard_ZRS";
  else profile["storageAccountType"] = profileStorage ?? "Standard_LRS";
  if (strategy === "DefaultStandard_LRS") profile["storageAccountStrategy"] = strategy;
  for (const extra of ["replicationMode", "targetExtendedLocations"]) {
    const v = sent[extra] ?? previous?.[extra];
    if (v !== undefined) profile[extra] = v;
  }
  return { profile, targets };
}

function sourceImage(ctx: RequestContext, sourceId: string, location: string): ImageRecord {
  const parts = parseManagedImageId(sourceId);
  const image = parts ? ctx.store.images.get(keyOf(imageId(parts.subscriptionId, parts.resourceGroup, parts.name))) : undefined;
  if (!parts && !/^\/subscriptions\//i.test(sourceId)) {
    throw ruleError(
      400,
      "InvalidParameter",
      `Property id '${sourceId}' at path '${SOURCE_TARGET}' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.`,
      SOURCE_TARGET,
    );
  }
  if (!parts) {
    throw ruleError(400, "InvalidParameter", `The source id: ${sourceId} must either be a managed image, virtual machine or another gallery image version.`, SOURCE_TARGET);
  }
  if (!image || image.provisioningState === "Deleting" || shortRegion(image.location) !== shortRegion(location)) {
    throw ruleError(
      400,
      "InvalidParameter",
      `Source ${sourceId} is not found. Please check source exists, and is in the same region as gallery image version being created.`,
      SOURCE_TARGET,
    );
  }
  return image;
}

/** The first rule the source breaks against the definition (FACTS.md §3.3), as the failed operation's error. */
function incompatibility(image: ImageRecord, sourceId: string, definition: GalleryFamilyRecord): { code: string; message: string } | undefined {
  const def = definition.properties;
  if (String(def["osType"]) !== image.osType) {
    return { code: "Conflict", message: `The resource with id '${sourceId}' has a different OS type ['${image.osType}'] than the parent gallery image OS type generation ['${String(def["osType"])}'].` };
  }
  if (String(def["osState"]) !== image.osState) {
    return { code: "Conflict", message: `Cannot create Gallery Image Version from: ${sourceId} since the OS State in the parent gallery image (${String(def["osState"])}) is not ${image.osState}.` };
  }
  const imageGeneration = image.hyperVGeneration ?? "V1";
  const defGeneration = String(def["hyperVGeneration"] ?? "V1");
  if (imageGeneration !== defGeneration) {
    return {
      code: "Conflict",
      message: `The resource with id '${sourceId}' has a different Hypervisor generation ['${imageGeneration}'] than the parent gallery image Hypervisor generation ['${defGeneration}'].`,
    };
  }
  return undefined;
}

/** Total size of a source, OS and data disks, in GB. */
function sourceSizeGB(image: ImageRecord): number {
  return image.osDiskSizeGB + image.dataDisks.reduce((sum, d) => sum + d.sizeGB, 0);
}

/** The disk images a finished version shows, derived from the managed image (recording #55). */
function diskImagesOf(image: ImageRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { osDiskImage: { sizeInGB: image.osDiskSizeGB, hostCaching: "ReadWrite", source: {} } };
  if (image.dataDisks.length > 0) out["dataDiskImages"] = image.dataDisks.map((d) => ({ lun: d.lun, sizeInGB: d.sizeGB, hostCaching: "None" }));
  return out;
}

/** A source image feeds at most one replicating version at a time (FACTS.md §3.3). */
function refuseBusySource(ctx: RequestContext, sourceKey: string, selfKey: string, sourceId: string): void {
  for (const v of ctx.store.versions.withSource(sourceKey)) {
    if (keyOf(v.id) === selfKey) continue;
    if ((v.provisioningState === "Creating" || v.provisioningState === "Updating") && ctx.store.isRunning(v.operationId)) {
      throw ruleError(
        409,
        "OperationNotAllowed",
        `Too many requests on source '${sourceId}'. Please reduce the number of requests on the source or wait some time before retrying.`,
        SOURCE_TARGET,
      );
    }
  }
}

/** Plans the replication of `targets` and the operation's end and outcome. */
function replicate(
  ctx: RequestContext,
  rec: GalleryFamilyRecord,
  image: ImageRecord | undefined,
  definition: GalleryFamilyRecord,
  targets: TargetRegion[],
  keepCompleted: boolean,
): { endMs: number; outcome: "Succeeded" | "Failed"; error?: { code: string; message: string }; timeline: RegionTimeline[] } {
  const sourceId = rec.sourceId ?? "";
  const problem = image ? incompatibility(image, sourceId, definition) : undefined;
  if (problem) {
    ctx.stats.violation(problem.code, rec.id);
    const end = ctx.now + CONFLICT_FAIL_MS;
    return { endMs: CONFLICT_FAIL_MS, outcome: "Failed", error: problem, timeline: targets.map((t) => ({ region: t.display, startAt: ctx.now, endAt: end, failure: problem.message })) };
  }
  const gb = image ? sourceSizeGB(image) : 0;
  if (gb > MAX_SOURCE_GB) {
    const message = `Replication failed in this region due to 'The GalleryImageVersion source resource size ${gb} exceeds the max size ${MAX_SOURCE_GB} supported'.`;
    ctx.stats.violation("GallerySourceResourceExceedsMaxSize", rec.id);
    const end = ctx.now + OVERSIZE_FAIL_MS;
    return {
      endMs: OVERSIZE_FAIL_MS,
      outcome: "Failed",
      error: { code: "GallerySourceResourceExceedsMaxSize", message },
      timeline: targets.map((t) => ({ region: t.display, startAt: ctx.now, endAt: end, failure: message })),
    };
  }
  // An update keeps the regions that already hold a completed copy with the same replica count.
  const previous = keepCompleted ? (rec.replication ?? []) : [];
  const previousReplicas = new Map<string, number>();
  for (const t of (objectOr(rec.properties["publishingProfile"])["targetRegions"] as unknown[] | undefined) ?? []) {
    const o = objectOr(t);
    previousReplicas.set(shortRegion(String(o["name"])), Number(o["regionalReplicaCount"]));
  }
  const kept: RegionTimeline[] = [];
  const fresh: TargetRegion[] = [];
  for (const t of targets) {
    const done = previous.find((p) => shortRegion(p.region) === shortRegion(t.display) && p.failure === undefined && p.endAt <= ctx.now);
    if (done && previousReplicas.get(shortRegion(t.display)) === t.replicas) kept.push(done);
    else fresh.push(t);
  }
  const planned = planReplication({ startAt: ctx.now, sourceGB: gb, regions: fresh.map((t) => ({ region: t.display, replicas: t.replicas })) }, ctx.replication, ctx.faults);
  const byRegion = new Map([...kept, ...planned].map((r) => [shortRegion(r.region), r]));
  const timeline = targets.map((t) => byRegion.get(shortRegion(t.display))!);
  const end = planned.length > 0 ? replicationEnd(planned, ctx.now) : ctx.now + NOOP_UPDATE_MS;
  const failed = planned.filter((r) => r.failure !== undefined);
  if (failed.length > 0) {
    return {
      endMs: end - ctx.now,
      outcome: "Failed",
      error: { code: "GalleryReplicationFailed", message: replicationFailureMessage(failed.map((f) => ({ region: f.region, detail: f.failure! }))) },
      timeline,
    };
  }
  return { endMs: end - ctx.now, outcome: "Succeeded", timeline };
}

/** PUT a version: 201 Creating (or 200 Updating on an existing one), the operation ending when replication does. */
export function putVersion(ctx: RequestContext, sub: string, rg: string, gallery: string, definition: string, name: string): Reply {
  if (!ctx.store.resourceGroup(sub, rg)) throw resourceGroupNotFound(rg);
  if (!ctx.store.galleries.has(keyOf(galleryResourceId(sub, rg, gallery)))) throw parentNotFound(gallery);
  const defRec = ctx.store.definitions.get(keyOf(definitionResourceId(sub, rg, gallery, definition)));
  if (!defRec) throw parentNotFound(`${gallery}/${definition}`);
  checkVersionName(name);
  const body = requireBody(ctx);
  const region = requireRegion(body["location"], TYPES.version, "location");
  const id = versionResourceId(sub, rg, gallery, definition, name);
  const key = keyOf(id);
  const existing = ctx.store.versions.get(key);
  refuseWhileDeleting(ctx, existing);
  if (existing) refuseLocationChange(existing, region.name);
  const props = objectOr(body["properties"]);
  if (!isObject(props["storageProfile"]) && !existing) {
    throw new ArmError(400, "InvalidParameter", "Required parameter 'storageProfile' is missing (null).", "properties.storageProfile");
  }
  const sentSource = objectOr(objectOr(props["storageProfile"])["source"])["id"];
  if (existing) return updateVersion(ctx, existing, defRec, props, sentSource, tagsOf(body["tags"]), region.name);
  if (typeof sentSource !== "string" || sentSource === "") {
    throw new ArmError(400, "InvalidParameter", "Required parameter 'storageProfile.source.id' is missing (null).", SOURCE_TARGET);
  }
  const { profile, targets } = normalisePublishing(ctx, objectOr(props["publishingProfile"]), region.name, undefined);
  const image = sourceImage(ctx, sentSource, region.name);
  refuseBusySource(ctx, keyOf(image.id), key, sentSource);
  checkQuota("GalleryImageVersions", usage(ctx.store.versions, sub, region.name), ctx.limits.versions, region.name);
  const tags = tagsOf(body["tags"]);
  const safety = objectOr(props["safetyProfile"]);
  const rec: GalleryFamilyRecord = {
    ...newRecord("version", id, sub, rg, name, body["location"] as string, tags, {
      publishingProfile: profile,
      storageProfile: { source: { id: sentSource } },
      safetyProfile: {
        reportedForPolicyViolation: false,
        allowDeletionOfReplicatedLocations: safety["allowDeletionOfReplicatedLocations"] === true,
        ...(safety["blockDeletionBeforeEndOfLife"] !== undefined ? { blockDeletionBeforeEndOfLife: safety["blockDeletionBeforeEndOfLife"] } : {}),
      },
    }),
    sourceId: sentSource,
    diskImages: diskImagesOf(image),
    diskImagesShown: false,
  };
  const plan = replicate(ctx, rec, image, defRec, targets, false);
  rec.replication = plan.timeline;
  ctx.store.versions.set(key, rec);
  ctx.stats.created(id);
  const op = startChange(ctx, rec, "create", plan.endMs, plan.outcome, plan.error);
  return changeReply(ctx, op, renderVersion(rec, ctx.now, false));
}

function updateVersion(
  ctx: RequestContext,
  rec: GalleryFamilyRecord,
  defRec: GalleryFamilyRecord,
  props: Record<string, unknown>,
  sentSource: unknown,
  tags: Record<string, string> | undefined,
  location: string,
): Reply {
  if (typeof sentSource === "string" && sentSource !== "" && keyOf(sentSource) !== keyOf(rec.sourceId ?? "")) {
    throw ruleError(409, "PropertyChangeNotAllowed", "Changing property 'galleryImageVersion.properties.storageProfile.source.id' is not allowed.", SOURCE_TARGET);
  }
  if ((rec.provisioningState === "Creating" || rec.provisioningState === "Updating") && ctx.store.isRunning(rec.operationId)) {
    throw new ArmError(
      409,
      "OperationNotAllowed",
      `Operation 'Update Gallery Image Version' is not allowed on ${rec.name} since another operation is in progress on it. Retry after the ongoing operation completes.`,
    );
  }
  const previous = objectOr(rec.properties["publishingProfile"]);
  const { profile, targets } = normalisePublishing(ctx, objectOr(props["publishingProfile"]), location, previous);
  refuseReplicatedLocationRemoval(ctx, rec, props, targets);
  const parts = rec.sourceId ? parseManagedImageId(rec.sourceId) : undefined;
  const image = parts ? ctx.store.images.get(keyOf(imageId(parts.subscriptionId, parts.resourceGroup, parts.name))) : undefined;
  const plan = replicate(ctx, rec, image, defRec, targets, rec.provisioningState === "Succeeded" || rec.provisioningState === "Failed");
  rec.properties = { ...rec.properties, publishingProfile: profile };
  if (isObject(props["safetyProfile"])) {
    rec.properties["safetyProfile"] = { ...objectOr(rec.properties["safetyProfile"]), ...props["safetyProfile"], reportedForPolicyViolation: false };
  }
  if (tags !== undefined) rec.tags = tags;
  rec.replication = plan.timeline;
  const op = startChange(ctx, rec, "update", plan.endMs, plan.outcome, plan.error);
  return changeReply(ctx, op, renderVersion(rec, ctx.now, false));
}

/**
 * `safetyProfile.allowDeletionOfReplicatedLocations: false` keeps every region that holds a
 * replicated copy. The value in force is the one after this request (the request's when it sends
 * one), so an update may allow and remove in one go, as a migrator that means to remove does.
 * Only completed regions count as replicated: dropping a failed region is FACTS.md §4.2's advice.
 */
function refuseReplicatedLocationRemoval(ctx: RequestContext, rec: GalleryFamilyRecord, props: Record<string, unknown>, targets: readonly TargetRegion[]): void {
  const sent = objectOr(props["safetyProfile"])["allowDeletionOfReplicatedLocations"];
  const allowed = typeof sent === "boolean" ? sent : objectOr(rec.properties["safetyProfile"])["allowDeletionOfReplicatedLocations"] === true;
  if (allowed) return;
  const kept = new Set(targets.map((t) => shortRegion(t.display)));
  const removed = (rec.replication ?? [])
    .filter((r) => r.failure === undefined && r.endAt <= ctx.now && !kept.has(shortRegion(r.region)))
    .map((r) => shortRegion(r.region));
  if (removed.length === 0) return;
  throw ruleError(
    400,
    "InvalidParameter",
    `Removing replicated locations is not allowed because allowDeletionOfReplicatedLocations is false for gallery image version '${rec.name}'. The update removes ${removed.map((r) => `'${r}'`).join(", ")}; set properties.safetyProfile.allowDeletionOfReplicatedLocations to true to remove them.`,
    "properties.publishingProfile.targetRegions",
  );
}

/** PATCH a version: the same as an update PUT of the fields sent. */
export function patchVersion(ctx: RequestContext, sub: string, rg: string, gallery: string, definition: string, name: string): Reply {
  const key = keyOf(versionResourceId(sub, rg, gallery, definition, name));
  const rec = ctx.store.versions.get(key);
  if (!rec) throw notFound(TYPES.version, `${gallery}/images/${definition}/versions/${name}`, rg);
  const defRec = ctx.store.definitions.get(keyOf(definitionResourceId(sub, rg, gallery, definition)))!;
  refuseWhileDeleting(ctx, rec);
  const body = requireBody(ctx);
  const props = objectOr(body["properties"]);
  const sentSource = objectOr(objectOr(props["storageProfile"])["source"])["id"];
  return updateVersion(ctx, rec, defRec, props, sentSource, isObject(body["tags"]) ? tagsOf(body["tags"]) : undefined, rec.location);
}

/** DELETE a version: 202 + operation (a replication still running is canceled), 204 when absent. */
export function deleteVersion(ctx: RequestContext, sub: string, rg: string, gallery: string, definition: string, name: string): Reply {
  const key = keyOf(versionResourceId(sub, rg, gallery, definition, name));
  const rec = ctx.store.versions.get(key);
  if (!rec) return { status: 204 };
  refuseDeleteBeforeEndOfLife(ctx, rec);
  return startDelete(ctx, rec, DELETE_MS);
}

/**
 * `safetyProfile.blockDeletionBeforeEndOfLife: true` refuses a delete while the end-of-life date
 * (simulated time) is ahead; without an end-of-life date there is nothing to wait for, so the
 * delete goes ahead. A delete already running is joined, as any repeated delete.
 */
function refuseDeleteBeforeEndOfLife(ctx: RequestContext, rec: GalleryFamilyRecord): void {
  if (objectOr(rec.properties["safetyProfile"])["blockDeletionBeforeEndOfLife"] !== true) return;
  if (rec.provisioningState === "Deleting" && ctx.store.isRunning(rec.operationId)) return;
  const eol = objectOr(rec.properties["publishingProfile"])["endOfLifeDate"];
  const at = typeof eol === "string" ? Date.parse(eol) : Number.NaN;
  if (Number.isNaN(at) || at <= ctx.now) return;
  throw ruleError(
    409,
    "DeleteGalleryImageVersionBlockedBeforeEndOfLife",
    "Deletion of Gallery image version is not allowed because the image is enabled for blockDeletionBeforeEndOfLife and its endOfLifeDate has not reached yet",
  );
}

/** Region display names of a version's targets (for tests and the seed). */
export function targetDisplayName(name: string): string {
  return findRegion(name)?.displayName ?? name;
}
