/** Managed images (`Microsoft.Compute/images`): get, list by resource group and subscription, delete. */
import { lroHeaders } from "../lro.js";
import { shortRegion } from "../rules.js";
import type { ImageRecord } from "../store.js";
import { keyOf } from "../store.js";
import type { Reply, RequestContext } from "./context.js";
import { inScope, notFound, page, resourceGroupNotFound } from "./context.js";

/** Simulated duration of a managed image delete. */
const DELETE_MS = 15_000;

/** The image id of `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/images/{name}`. */
export function imageId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/images/${name}`;
}

/** The image's JSON as the live service returns it (FACTS.md §1.3, recording #43). */
export function renderImage(rec: ImageRecord): Record<string, unknown> {
  const disk = (suffix: string): { id: string } => ({
    id: `/subscriptions/${rec.subscriptionId}/resourceGroups/${rec.resourceGroup}/providers/Microsoft.Compute/disks/${rec.name}_${suffix}`,
  });
  const properties: Record<string, unknown> = {};
  if (rec.sourceVirtualMachine !== undefined) properties["sourceVirtualMachine"] = { id: rec.sourceVirtualMachine };
  properties["storageProfile"] = {
    osDisk: {
      osType: rec.osType,
      osState: rec.osState,
      diskSizeGB: rec.osDiskSizeGB,
      managedDisk: disk("OsDisk"),
      caching: "ReadWrite",
      storageAccountType: "Premium_LRS",
    },
    dataDisks: rec.dataDisks.map((d) => ({
      lun: d.lun,
      diskSizeGB: d.sizeGB,
      managedDisk: disk(`DataDisk_${d.lun}`),
      caching: "None",
      storageAccountType: "Premium_LRS",
    })),
    zoneResilient: rec.zoneResilient,
  };
  properties["provisioningState"] = rec.provisioningState;
  if (rec.hyperVGeneration !== undefined) properties["hyperVGeneration"] = rec.hyperVGeneration;
  return { name: rec.name, id: rec.id, type: "Microsoft.Compute/images", location: rec.location, tags: { ...rec.tags }, properties };
}

/** GET one image. */
export function getImage(ctx: RequestContext, sub: string, rg: string, name: string): Reply {
  const rec = ctx.store.images.get(keyOf(imageId(sub, rg, name)));
  if (!rec) throw notFound("Microsoft.Compute/images", name, rg);
  return { status: 200, body: renderImage(rec) };
}

/** GET the images of a resource group, or of the subscription when `rg` is undefined. */
export function listImages(ctx: RequestContext, sub: string, rg: string | undefined): Reply {
  if (rg !== undefined && !ctx.store.resourceGroup(sub, rg)) throw resourceGroupNotFound(rg);
  return page(ctx, inScope(ctx.store.images, sub, rg), renderImage);
}

/** DELETE an image: 202 + operation; 204 when it does not exist. */
export function deleteImage(ctx: RequestContext, sub: string, rg: string, name: string): Reply {
  const key = keyOf(imageId(sub, rg, name));
  const rec = ctx.store.images.get(key);
  if (!rec) return { status: 204 };
  const op = ctx.store.startOperation({
    subscriptionId: rec.subscriptionId,
    location: shortRegion(rec.location),
    family: "compute",
    action: "delete",
    resourceKey: key,
    resourceKind: "image",
    apiVersion: ctx.apiVersion,
    startTime: ctx.now,
    endTime: ctx.now + DELETE_MS,
    outcome: "Succeeded",
  });
  rec.operationId = op.name;
  rec.provisioningState = "Deleting";
  return { status: 202, headers: lroHeaders(ctx.endpoint, op) };
}
