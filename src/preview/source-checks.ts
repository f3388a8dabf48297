/**
 * What makes a managed image unusable as a gallery version's source (FACTS.md §3.3, §3.5),
 * shared by `discover` (which leaves such images out) and `plan` (which blocks them).
 */
import type { ManagedImage } from "../azure/port.js";

/** Largest total image size (OS + data disks) a full-replication version accepts, in GB. */
export const MAX_IMAGE_SIZE_GB = 2048;
/** Largest data disk a managed image may bring into a gallery version, in GB (1 TB). */
export const MAX_DATA_DISK_GB = 1024;

/** Why an image cannot be migrated as it is, and what the user can do about it. */
export interface SourceProblem {
  reason: string;
  remedy: string;
}

/** Total size of the image's disks in GB, counting unknown sizes as 0. */
export function imageSizeGB(image: ManagedImage): number {
  return (image.osDiskSizeGB ?? 0) + image.dataDisks.reduce((sum, disk) => sum + (disk.sizeGB ?? 0), 0);
}

/** Returns the first reason the image cannot feed a gallery version, or undefined when it can. */
export function sourceProblem(image: ManagedImage): SourceProblem | undefined {
  if (image.provisioningState.toLowerCase() !== "succeeded") {
    return {
      reason: `source image is in provisioning state ${image.provisioningState}, not Succeeded`,
      remedy: "wait until the image has finished provisioning, or recapture it",
    };
  }
  if (image.osType === undefined) {
    return {
      reason: "source image records no OS type",
      remedy: "recapture the image from a generalized VM, or set definition.osType in the plan",
    };
  }
  if (image.osState === "Specialized") {
    return {
      reason: "source image is specialized; a managed image source must be generalized",
      remedy: "capture a generalized image (sysprep / waagent -deprovision) and migrate that one",
    };
  }
  return sizeProblem(image);
}

/** Returns why the image is too large for a gallery version (a data disk or the whole), or undefined. */
export function sizeProblem(image: ManagedImage): SourceProblem | undefined {
  const big = image.dataDisks.find((disk) => (disk.sizeGB ?? 0) > MAX_DATA_DISK_GB);
  if (big) {
    return {
      reason: `data disk at LUN ${big.lun} is ${big.sizeGB} GB, over the ${MAX_DATA_DISK_GB} GB limit for a managed image source`,
      remedy: "shrink or split the data disk and recapture the image, or migrate it by another route (e.g. from disk snapshots)",
    };
  }
  const size = imageSizeGB(image);
  if (size > MAX_IMAGE_SIZE_GB) {
    return {
      reason: `image is ${size} GB in all, over the ${MAX_IMAGE_SIZE_GB} GB limit of a gallery image version (GallerySourceResourceExceedsMaxSize)`,
      remedy: "reduce the disks and recapture the image, or publish it with shallow replication (up to 32 TB) outside this tool",
    };
  }
  return undefined;
}
